"""Training runs: a smoke test on tiny data, determinism, and the article's full run (slow)."""

import re

import pytest

import compare_with_article as compare
import log_lines
import train_rnn_mnist as trm
from conftest import ROOT, TINY_RUN_FLAGS, run_script


def parse_run(stdout):
    """A run's stdout, read by the comparison script's parser, whose order is checked here:
    the step lines, then the article's test line, then the whole-test-set line."""
    lines = stdout.splitlines()
    assert all(log_lines.LOG_LINE_PATTERN.fullmatch(line) for line in lines[:-2]), lines
    assert log_lines.TEST_LINE_PATTERN.fullmatch(lines[-2]), lines[-2]
    assert log_lines.FULL_TEST_LINE_PATTERN.fullmatch(lines[-1]), lines[-1]
    log = compare.parse_log_text(stdout, "stdout")
    steps = list(zip(log.steps, log.losses, log.accuracies))
    return steps, log.test_accuracy, log.full_test_count, log.full_test_accuracy


def test_a_tiny_run_prints_the_articles_log_and_its_loss_falls(tiny_npz, capsys):
    trm.main(["--data", str(tiny_npz), *TINY_RUN_FLAGS, "--seed", "4"])
    out = capsys.readouterr().out
    steps, test_acc, test_count, _ = parse_run(out)
    assert [step for step, _, _ in steps] == list(range(2, 21, 2))
    for line in out.splitlines()[:-2]:
        step, loss, acc = log_lines.LOG_LINE_PATTERN.fullmatch(line).groups()
        assert len(loss.split(".")[1]) == 6 and len(acc.split(".")[1]) == 5
    first_losses = [loss for _, loss, _ in steps[:3]]
    last_losses = [loss for _, loss, _ in steps[-3:]]
    assert sum(last_losses) < 0.8 * sum(first_losses)
    # The article's figure is k/128 of its test images; here k/64.
    assert (test_acc * 64).is_integer()
    assert test_count == 200


def test_same_seed_same_log_other_seed_other_log(tiny_npz, tmp_path):
    def run(seed):
        result = run_script("train_rnn_mnist.py", "--data", tiny_npz, *TINY_RUN_FLAGS,
                            "--seed", seed, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        return result.stdout

    first = run(7)
    assert run(7) == first
    assert run(8) != first


def test_a_run_writes_nothing_into_the_repository(tiny_npz, tmp_path):
    def snapshot():
        return sorted(str(path.relative_to(ROOT)) for path in ROOT.rglob("*")
                      if ".git" not in path.parts and ".venv" not in path.parts)

    before = snapshot()
    result = run_script("train_rnn_mnist.py", "--data", tiny_npz, "--training-iters", "64",
                        "--batch-size", "32", "--test-len", "8", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert snapshot() == before


def test_stderr_is_quiet_by_default_and_verbose_shows_warnings(tiny_npz, tmp_path):
    flags = ["--data", tiny_npz, "--training-iters", "64", "--batch-size", "32",
             "--test-len", "8"]
    quiet = run_script("train_rnn_mnist.py", *flags, cwd=tmp_path)
    verbose = run_script("train_rnn_mnist.py", *flags, "--verbose", cwd=tmp_path)
    assert quiet.returncode == 0 and verbose.returncode == 0
    # What may remain: our header line and the lines the TF wheel prints before its logging
    # starts (a CUDA probe, the oneDNN notice), which no setting silences.
    wheel_lines = re.compile(r"WARNING: All log messages before absl::InitializeLog\(\) is called"
                             r" are written to STDERR|I0000 .*\] (oneDNN custom operations are on|"
                             r"Could not find cuda drivers).*")
    quiet_lines = quiet.stderr.splitlines()
    assert quiet_lines[0].startswith("train_rnn_mnist.py: seed 0, data ")
    # The last line times the run's phases.
    phases, steps = log_lines.parse_timing(quiet_lines[-1])
    assert list(phases) == ["data", "tensorflow import", "graph", "training", "test"]
    assert steps == 1 and all(seconds >= 0 for seconds in phases.values())
    assert [line for line in quiet_lines[1:-1] if not wheel_lines.fullmatch(line)] == []
    assert "deprecat" in verbose.stderr.lower()
    assert quiet.stdout == verbose.stdout


@pytest.mark.slow
def test_the_articles_full_run(tmp_path):
    """The default run: 781 steps, 78 log lines at the article's steps, then the two tests."""
    result = run_script("train_rnn_mnist.py", cwd=tmp_path, timeout=1200)
    assert result.returncode == 0, result.stderr
    steps, test_acc, test_count, full_acc = parse_run(result.stdout)
    article_lines = (ROOT / "data" / "article_log.txt").read_text().splitlines()
    article_steps = [int(log_lines.LOG_LINE_PATTERN.fullmatch(line)["step"])
                     for line in article_lines[:-1]]
    assert [step for step, _, _ in steps] == article_steps == list(range(10, 790, 10))
    assert article_lines[-1] == "Test Accuracy: 0.984375"
    assert (test_acc * 128).is_integer()
    assert test_count == 10000
    # What the article's model reaches (REPRODUCTION.md has the spread over seeds).
    assert test_acc >= 0.9 and full_acc >= 0.9
    assert sum(loss for _, loss, _ in steps[-10:]) < 0.25 * sum(loss for _, loss, _ in steps[:10])
