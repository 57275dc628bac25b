"""Training runs: a smoke test on tiny data, determinism, and the article's full run (slow)."""

import os
import re

import pytest

import train_rnn_mnist as trm
from conftest import ROOT, TINY_RUN_FLAGS, run_script
from rnn_mnist import log_lines


def parse_run(stdout):
    """A run's stdout, read by the comparison script's parser, whose order is checked here:
    the step lines, then the article's test line, then the whole-test-set line."""
    lines = stdout.splitlines()
    assert all(log_lines.LOG_LINE_PATTERN.fullmatch(line) for line in lines[:-2]), lines
    assert log_lines.TEST_LINE_PATTERN.fullmatch(lines[-2]), lines[-2]
    assert log_lines.FULL_TEST_LINE_PATTERN.fullmatch(lines[-1]), lines[-1]
    log = log_lines.parse_log_text(stdout, "stdout")
    steps = list(zip(log.steps, log.losses, log.accuracies))
    return steps, log.test_accuracy, log.full_test_count, log.full_test_accuracy


@pytest.mark.trains
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


def snapshot():
    """Every path in the project, but for git's, the venv and Python's bytecode caches, which
    another test's first import may be writing meanwhile (make test runs two at a time). Not
    walked into either: the venv alone holds thousands of files."""
    found = []
    for folder, subfolders, files in os.walk(ROOT):
        subfolders[:] = [name for name in subfolders
                         if name not in (".git", ".venv", "__pycache__")]
        found += [os.path.relpath(os.path.join(folder, name), ROOT)
                  for name in subfolders + files]
    return sorted(found)


@pytest.fixture(scope="module")
def seed_7_twice(tiny_npz, tmp_path_factory):
    """Two runs of seed 7, each in a Python of its own, by default and with --verbose; and the
    project's files before and after the first. Three tests read them (a run of TensorFlow is
    seconds of the suite's time)."""
    flags = ["--data", tiny_npz, *TINY_RUN_FLAGS, "--seed", "7"]
    before = snapshot()
    quiet = run_script("train_rnn_mnist.py", *flags, cwd=tmp_path_factory.mktemp("quiet"))
    after = snapshot()
    verbose = run_script("train_rnn_mnist.py", *flags, "--verbose",
                         cwd=tmp_path_factory.mktemp("verbose"))
    assert quiet.returncode == 0 and verbose.returncode == 0, quiet.stderr + verbose.stderr
    return quiet, verbose, before, after


@pytest.mark.trains
def test_same_seed_same_log_other_seed_other_log(seed_7_twice, tiny_npz, tmp_path):
    quiet, verbose, _, _ = seed_7_twice
    assert verbose.stdout == quiet.stdout  # --verbose changes only stderr
    other = run_script("train_rnn_mnist.py", "--data", tiny_npz, *TINY_RUN_FLAGS, "--seed", "8",
                       cwd=tmp_path)
    assert other.returncode == 0, other.stderr
    assert other.stdout != quiet.stdout


@pytest.mark.trains
def test_a_run_writes_nothing_into_the_repository(seed_7_twice):
    _, _, before, after = seed_7_twice
    assert after == before


WHEEL_LINES = re.compile(r"WARNING: All log messages before absl::InitializeLog\(\) is called"
                         r" are written to STDERR|I0000 .*\] (oneDNN custom operations are on|"
                         r"Could not find cuda drivers).*")


@pytest.mark.trains
def test_stderr_is_our_two_lines_by_default_and_verbose_shows_the_rest(seed_7_twice):
    quiet, verbose, _, _ = seed_7_twice
    # Our header line and the timing line, nothing else: the lines the TF wheel writes to the
    # stderr file descriptor while it is imported are held back and dropped.
    quiet_lines = quiet.stderr.splitlines()
    assert len(quiet_lines) == 2, quiet.stderr
    assert quiet_lines[0].startswith("train_rnn_mnist.py: seed 7, data ")
    phases, steps = log_lines.parse_timing(quiet_lines[1])
    assert list(phases) == ["data", "tensorflow import", "graph", "training", "test"]
    assert steps == 20 and all(seconds >= 0 for seconds in phases.values())
    # --verbose shows the wheel's lines and TensorFlow's deprecation warnings.
    assert any(WHEEL_LINES.fullmatch(line) for line in verbose.stderr.splitlines())
    assert "deprecat" in verbose.stderr.lower()


def test_a_failing_tensorflow_import_shows_everything_it_wrote(tiny_npz, tmp_path):
    # A "tensorflow" whose library loader writes to the file descriptor and then fails, found
    # before the real one.
    fake = tmp_path / "fake" / "tensorflow"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text(
        "import os\nos.write(2, b'loader: libtensorflow_framework.so.2: bad ELF header\\n')\n"
        "raise ImportError('libtensorflow_framework.so.2: cannot open shared object file')\n",
        encoding="utf-8")
    result = run_script("train_rnn_mnist.py", "--data", tiny_npz, "--training-iters", "64",
                        "--batch-size", "32", cwd=tmp_path,
                        env_extra={"PYTHONPATH": os.pathsep.join(
                            [str(fake.parent), *filter(None, [os.environ.get("PYTHONPATH")])])})
    assert result.returncode != 0
    assert "loader: libtensorflow_framework.so.2: bad ELF header" in result.stderr
    assert "ImportError: libtensorflow_framework.so.2: cannot open shared object file" in \
        result.stderr


@pytest.mark.slow
def test_the_articles_full_run(tmp_path):
    """The default run: 781 steps, 78 log lines at the article's steps, then the two tests."""
    result = run_script("train_rnn_mnist.py", cwd=tmp_path, timeout=1200)
    assert result.returncode == 0, result.stderr
    steps, test_acc, test_count, full_acc = parse_run(result.stdout)
    article_lines = (ROOT / "data" / "article_log.txt").read_text(encoding="utf-8").splitlines()
    article_steps = [int(log_lines.LOG_LINE_PATTERN.fullmatch(line)["step"])
                     for line in article_lines[:-1]]
    assert [step for step, _, _ in steps] == article_steps == list(range(10, 790, 10))
    assert article_lines[-1] == "Test Accuracy: 0.984375"
    assert (test_acc * 128).is_integer()
    assert test_count == 10000
    # What the article's model reaches (docs/reproduction.md has the spread over seeds).
    assert test_acc >= 0.9 and full_acc >= 0.9
    assert sum(loss for _, loss, _ in steps[-10:]) < 0.25 * sum(loss for _, loss, _ in steps[:10])


# ---------------------------------------------------------------------------------------------
# The lines a run prints, written and read back in one place (log_lines.py), and its timing.

def test_the_log_lines_print_the_articles_digits():
    assert log_lines.format_log_line(10, 1.7512914, 0.4296875) == \
        "step: 10 / loss: 1.751291 / acc: 0.42969"
    assert log_lines.format_test_line(0.984375) == "Test Accuracy: 0.984375"
    assert log_lines.format_full_test_line(10000, 0.95484) == \
        "Test Accuracy (10000 images): 0.9548"


@pytest.mark.parametrize("line, read", [
    ("step: 10 / loss: 1.751291 / acc: 0.42969", True),
    ("step: 10 / loss: nan / acc: 0.10156", True),
    ("step: 10 / loss: 1.75129 / acc: 0.42969", False),  # a digit short: a line cut off
    ("step: 10 / loss: 1.751291 / acc: 0.4296", False),
    ("step: 10 / loss: 1.751291 / acc: 0.42969 ", False),
])
def test_a_step_line_is_read_only_with_every_digit_printed(line, read):
    assert bool(log_lines.LOG_LINE_PATTERN.fullmatch(line)) == read


def test_the_timing_line_reads_back_as_it_was_written():
    phases = {"data": 0.45, "tensorflow import": 3.0, "graph": 0.25, "training": 14.5,
              "test": 0.75}
    line = log_lines.format_timing(phases, 781)
    assert line == ("train_rnn_mnist.py: timing: data 0.45 s, tensorflow import 3.00 s, "
                    "graph 0.25 s, training 14.50 s (781 steps), test 0.75 s; total 18.95 s")
    assert log_lines.parse_timing(line) == (phases, 781)
    assert log_lines.format_timing({"training": 1.0}, 2, prog="run_bench.py") == \
        "run_bench.py: timing: training 1.00 s (2 steps); total 1.00 s"
    assert log_lines.parse_timing(line.replace(" (781 steps)", "")) is None
    assert log_lines.parse_timing(line + " and more") is None


def test_each_phase_gets_the_time_since_the_last_lap_and_a_phase_named_twice_adds_up(
        monkeypatch):
    import types

    from rnn_mnist import timing

    readings = iter([10.0, 10.5, 12.0, 12.25, 15.0])
    monkeypatch.setattr(timing, "time", types.SimpleNamespace(perf_counter=lambda: next(readings)))
    clock = timing.PhaseClock()  # 10.0
    clock.lap("data")  # 0.5 s
    clock.lap("training")  # 1.5 s: since the last lap, not since the start
    clock.lap("data")  # 0.25 s more
    clock.lap("test")  # 2.75 s
    assert clock.phases == {"data": 0.75, "training": 1.5, "test": 2.75}
