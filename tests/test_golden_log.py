"""The golden log: the article's default run, seeds 0 and 1, against the logs committed in
tests/golden/. Any change to what the article's run computes changes these lines.

The step numbers, accuracies and test lines must be equal; each loss may differ by one in its
last printed digit (1e-6), because another CPU can round the last bit of a sum differently.
"""

import pytest

from conftest import ROOT, run_script
from rnn_mnist.log_lines import FULL_TEST_LINE_PATTERN, LOG_LINE_PATTERN, TEST_LINE_PATTERN

GOLDEN = ROOT / "tests" / "golden"
LOSS_TOLERANCE = 1.5e-6  # one unit in the sixth decimal, and the rounding of the comparison


def compare_with_golden(log, golden):
    """The differences between a run's log and the golden one, one phrase each."""
    found = []
    lines, golden_lines = log.splitlines(), golden.splitlines()
    if len(lines) != len(golden_lines):
        found.append(f"{len(lines)} lines, the golden log has {len(golden_lines)}")
    for number, (line, expected) in enumerate(zip(lines, golden_lines), start=1):
        step_line, golden_step = LOG_LINE_PATTERN.fullmatch(line), LOG_LINE_PATTERN.fullmatch(expected)
        if step_line and golden_step:
            same = (step_line["step"] == golden_step["step"]
                    and step_line["acc"] == golden_step["acc"]
                    and abs(float(step_line["loss"]) - float(golden_step["loss"])) <= LOSS_TOLERANCE)
        else:
            same = line == expected
        if not same:
            found.append(f"line {number}: {line!r}, golden {expected!r}")
    return found


def test_the_golden_logs_are_full_default_runs():
    for seed in (0, 1):
        lines = (GOLDEN / f"seed-{seed}.log").read_text(encoding="utf-8").splitlines()
        assert [int(LOG_LINE_PATTERN.fullmatch(line)["step"]) for line in lines[:-2]] == \
            list(range(10, 790, 10))
        assert TEST_LINE_PATTERN.fullmatch(lines[-2]) and FULL_TEST_LINE_PATTERN.fullmatch(lines[-1])


def test_the_readme_shows_the_seed_0_golden_log():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    golden = (GOLDEN / "seed-0.log").read_text(encoding="utf-8").splitlines()
    for line in golden[:2] + golden[-4:]:
        assert line in readme


@pytest.mark.parametrize("change, expected", [
    (lambda text: text, []),
    (lambda text: text.replace("loss: 1.817636", "loss: 1.817637"), []),  # the last digit
    (lambda text: text.replace("loss: 1.817636", "loss: 1.817639"), ["line 1: "]),
    (lambda text: text.replace("acc: 0.38281", "acc: 0.39062", 1), ["line 1: "]),
    (lambda text: text.replace("Test Accuracy: 0.96875", "Test Accuracy: 0.984375"), ["line 79: "]),
    (lambda text: "\n".join(text.splitlines()[1:]), ["79 lines, the golden log has 80"]),
])
def test_the_comparison_allows_the_last_digit_of_a_loss_and_nothing_else(change, expected):
    golden = (GOLDEN / "seed-0.log").read_text(encoding="utf-8")
    found = compare_with_golden(change(golden), golden)
    assert len(found) >= len(expected)
    for phrase, prefix in zip(found, expected):
        assert phrase.startswith(prefix)
    if not expected:
        assert found == []


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1])
def test_the_default_run_prints_the_golden_log(seed, tmp_path):
    result = run_script("train_rnn_mnist.py", "--seed", seed, cwd=tmp_path, timeout=1800)
    assert result.returncode == 0, result.stderr
    golden = (GOLDEN / f"seed-{seed}.log").read_text(encoding="utf-8")
    assert compare_with_golden(result.stdout, golden) == []
