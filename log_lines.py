"""The grammar of train_rnn_mnist.py's output: each line's format, and the pattern that reads it.

The step and test lines on stdout are the article's; the whole-test-set line is ours. The
timing line ends a run on stderr. Each is written here and read back here, by the comparison,
the benchmark and the tests alike: one format, one parser.
"""

import re

LOG_LINE_FORMAT = "step: {} / loss: {:.6f} / acc: {:.5f}"
# Exactly the digits the formats print, so that a line cut short is not read as another number.
LOG_LINE_PATTERN = re.compile(
    r"step: (?P<step>\d+) / loss: (?P<loss>-?(?:\d+\.\d{6}|nan|inf)) / acc: (?P<acc>\d\.\d{5})"
)
TEST_LINE_FORMAT = "Test Accuracy: {}"
TEST_LINE_PATTERN = re.compile(r"Test Accuracy: (?P<acc>\d\.\d+(?:e-\d+)?)")
FULL_TEST_LINE_FORMAT = "Test Accuracy ({} images): {:.4f}"
FULL_TEST_LINE_PATTERN = re.compile(r"Test Accuracy \((?P<count>\d+) images\): (?P<acc>\d\.\d{4})")

TIMING_LINE_PATTERN = re.compile(
    r"\S+: timing: (?P<phases>.*training \d+\.\d+ s \((?P<steps>\d+) steps\).*); "
    r"total \d+\.\d+ s")


def format_log_line(step, loss, acc):
    return LOG_LINE_FORMAT.format(step, loss, acc)


def format_test_line(test_acc):
    return TEST_LINE_FORMAT.format(test_acc)


def format_full_test_line(count, acc):
    return FULL_TEST_LINE_FORMAT.format(count, acc)


def format_timing(phases, steps, prog="train_rnn_mnist.py"):
    """The timing line, e.g. 'timing: data 0.45 s, ..., training 14.2 s (781 steps), ...'."""
    parts = [f"{phase} {seconds:.2f} s" + (f" ({steps} steps)" if phase == "training" else "")
             for phase, seconds in phases.items()]
    return f"{prog}: timing: {', '.join(parts)}; total {sum(phases.values()):.2f} s"


def parse_timing(line):
    """The phases of a timing line, {phase: seconds}, and its step count; None if it is not one."""
    match = TIMING_LINE_PATTERN.fullmatch(line)
    if not match:
        return None
    phases = {}
    for part in match["phases"].split(", "):
        phase, seconds = re.match(r"([a-z ]+) (\d+\.\d+) s", part).groups()
        phases[phase] = float(seconds)
    return phases, int(match["steps"])
