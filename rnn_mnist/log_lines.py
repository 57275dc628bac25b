"""The grammar of train_rnn_mnist.py's output: each line's format, and the pattern that reads it.

The step and test lines on stdout are the article's; the whole-test-set line is ours. The
timing line ends a run on stderr. Each is written here and read back here, by the comparison,
the benchmark, the reference runs and the tests alike: one format, one parser (parse_log).
"""

import codecs
import glob
import re
from dataclasses import dataclass, field
from pathlib import Path

ARTICLE_LOG = Path(__file__).resolve().parent.parent / "data" / "article_log.txt"
ARTICLE_TEST_IMAGES = 128  # the article's "Test Accuracy": its first 128 test images

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


# ---------------------------------------------------------------------------------------------
# Reading a whole log


class LogError(Exception):
    """A log that cannot be read; the message names the file and the problem."""


@dataclass
class RunLog:
    source: str
    steps: list = field(default_factory=list)
    losses: list = field(default_factory=list)
    accuracies: list = field(default_factory=list)
    test_accuracy: float = None  # the article's figure, on the first --test-len test images
    full_test_accuracy: float = None  # on the whole test set
    full_test_count: int = None

    def __post_init__(self):
        # step -> its position in the lists: a lookup in constant time
        self._row = {step: row for row, step in enumerate(self.steps)}

    def add(self, step, loss, accuracy):
        self._row[step] = len(self.steps)
        self.steps.append(step)
        self.losses.append(loss)
        self.accuracies.append(accuracy)

    def logs(self, step):
        return step in self._row

    def loss_at(self, step):
        return self.losses[self._row[step]]

    def accuracy_at(self, step):
        return self.accuracies[self._row[step]]

    def values_at(self, metric, steps):
        values = getattr(self, metric)
        return [values[self._row[step]] for step in steps]

    def numbers(self):
        """Everything the log holds, hashable: two logs with the same are one run given twice."""
        return (tuple(self.steps), tuple(self.losses), tuple(self.accuracies),
                self.test_accuracy, self.full_test_accuracy)

    @property
    def article_figure(self):
        """Its Test Accuracy where it is a 128-image figure like the article's, else None."""
        if self.test_accuracy is None or not is_a_128_image_figure(self.test_accuracy):
            return None
        return self.test_accuracy


def parse_log_text(text, source):
    """Read the lines train_rnn_mnist.py prints; anything else is an error naming the line."""
    log = RunLog(source)
    lines = text.splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        if number == len(lines) and not text.endswith("\n"):
            raise LogError(f"{source}, line {number}: cut off (no newline at the end of the "
                           "file: was the run still writing?)")
        if step_line := LOG_LINE_PATTERN.fullmatch(line):
            step = int(step_line["step"])
            if log.steps and step <= log.steps[-1]:
                raise LogError(f"{source}, line {number}: step {step} comes after step "
                               f"{log.steps[-1]}")
            log.add(step, float(step_line["loss"]), float(step_line["acc"]))
        elif test_line := TEST_LINE_PATTERN.fullmatch(line):
            log.test_accuracy = float(test_line["acc"])
        elif full_test_line := FULL_TEST_LINE_PATTERN.fullmatch(line):
            log.full_test_accuracy = float(full_test_line["acc"])
            log.full_test_count = int(full_test_line["count"])
        else:
            shown = line if len(line) <= 60 else line[:57] + "..."
            raise LogError(f"{source}, line {number}: not a line of train_rnn_mnist.py's log: "
                           f"{shown!r}")
    if not log.steps:
        raise LogError(f"{source}: no step lines (expected lines like "
                       f"{format_log_line(10, 1.751291, 0.42969)!r})")
    return log


# UTF-32's marks first: its little-endian one begins with UTF-16's.
BYTE_ORDER_MARKS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def decoded(data):
    """A log's text, whether saved as UTF-8, UTF-8 with a BOM (Windows' Notepad), or UTF-16 or
    UTF-32 with its BOM (Windows PowerShell 5.1's `>`, some editors); CRLF and CR-only line
    ends (old Mac editors) are read as LF ones."""
    encoding = next((name for mark, name in BYTE_ORDER_MARKS if data.startswith(mark)),
                    "utf-8-sig")
    return data.decode(encoding).replace("\r\n", "\n").replace("\r", "\n")


def expanded(arguments):
    """The LOG arguments, with a pattern (runs/seed-*.log) that names no file expanded as a
    POSIX shell would (Windows' shells pass it on as it is), in the order of the numbers in the
    names: seed-2 before seed-10."""
    paths = []
    for argument in arguments:
        if Path(argument).exists() or not any(mark in argument for mark in "*?["):
            paths.append(argument)
            continue
        matches = sorted(glob.glob(argument), key=lambda name: [
            int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)])
        if not matches:
            raise LogError(f"{argument}: no such file, and no file matches it")
        paths.extend(matches)
    return paths


def parse_log(path):
    try:
        text = decoded(Path(path).read_bytes())
    except FileNotFoundError:
        raise LogError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise LogError(f"{path}: a folder, not a log file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise LogError(f"{path}: cannot be read ({error})") from None
    if not text.strip():
        raise LogError(f"{path}: empty file")
    if "\x00" in text:
        raise LogError(f"{path}: not a text log: it holds NUL bytes (UTF-16 or UTF-32 without "
                       "its byte-order mark? Save it as UTF-8)")
    return parse_log_text(text, str(path))



def is_a_128_image_figure(accuracy):
    """Whether an accuracy is k/128, as the article's --test-len gives: a log made with another
    --test-len (500: 0.962) mostly is not."""
    count = accuracy * ARTICLE_TEST_IMAGES
    return abs(count - round(count)) < 1e-6
