"""The reference runs: the article's run with seeds 0..99, kept as data/reference_runs.csv, and
where any run stands among them.

    make reference                         # the 100 runs, then the two commands below
    python reference_runs.py build runs/reference   # their logs -> data/reference_runs.csv
    python reference_runs.py report                 # the CSV -> REPRODUCTION.md and its pictures

The CSV holds, for each seed, every logged step's loss and accuracy and both test accuracies,
as the log printed them; its first lines (starting with #) say what made it. compare_with_article
.py reads it to place a run among the reference runs, offline. The report rewrites the part of
REPRODUCTION.md between its two markers, and the pictures it shows, from the CSV alone.
"""

import argparse
import csv
import platform
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.dont_write_bytecode = True  # importing the project's modules writes no __pycache__
from cli import fail, keep_output_printable  # noqa: E402

ROOT = Path(__file__).resolve().parent
REFERENCE_CSV = ROOT / "data" / "reference_runs.csv"
REPRODUCTION = ROOT / "REPRODUCTION.md"
BANDS_PICTURE = ROOT / "docs" / "reference-bands.png"
ACCURACY_PICTURE = ROOT / "docs" / "reference-accuracy.png"
BEGIN = "<!-- reference_runs.py report: from here to the end marker, written from the data -->"
END = "<!-- reference_runs.py report: end -->"

VERDICT_BAND = (1, 99)  # a run's verdict: at how many logged steps it is within this band
# Published runs of the article's settings: the article's, and aymericdamien/TensorFlow-Examples'
# recurrent_network notebook outputs (rnn.rnn in 2016, static_rnn in 2017).
PUBLISHED = [("the article (2017)", 126), ("aymericdamien, rnn.rnn (2016)", 125),
             ("aymericdamien, static_rnn (2017)", 123)]
TEST_IMAGES = 128


class ReferenceError(Exception):
    """A reference file that cannot be read; the message names it and the problem."""


@dataclass
class Reference:
    """The reference runs: one row per seed, one column per logged step."""

    seeds: np.ndarray
    steps: list
    losses: np.ndarray  # [runs, steps]
    accuracies: np.ndarray
    test_accuracy: np.ndarray  # the article's figure: the first 128 test images
    full_test_accuracy: np.ndarray  # all 10,000
    notes: list  # the file's comment lines: the command, versions and machine


# ---------------------------------------------------------------------------------------------
# Statistics


def percentile_of(value, values):
    """Where `value` stands among `values`, 0 to 100: the share below it, plus half the share
    equal to it (the mid-rank, so that a value among many equal ones is in their middle)."""
    values = np.asarray(values, dtype=float)
    below = np.count_nonzero(values < value)
    equal = np.count_nonzero(values == value)
    return 100 * (below + equal / 2) / len(values)


def bands(values, percentiles):
    """Each percentile of `values` [runs, steps] at every step: {percentile: array over steps},
    by linear interpolation between order statistics (NumPy's default)."""
    return {percentile: np.percentile(values, percentile, axis=0) for percentile in percentiles}


def steps_within(run_values, low, high):
    """How many of a run's values lie within the band [low, high], step by step."""
    run_values = np.asarray(run_values, dtype=float)
    return int(np.count_nonzero((run_values >= low) & (run_values <= high)))


def bootstrap_interval(values, level=0.95, resamples=10_000, seed=0):
    """The percentile bootstrap interval of the mean, over the runs, resampled `resamples`
    times with a fixed seed so that the report is the same each time it is written."""
    values = np.asarray(values, dtype=float)
    rng = np.random.default_rng(seed)
    means = rng.choice(values, size=(resamples, len(values)), replace=True).mean(axis=1)
    tail = (1 - level) / 2 * 100
    return float(np.percentile(means, tail)), float(np.percentile(means, 100 - tail))


def wilson_interval(successes, trials, z=1.959964):
    """Wilson's score interval for a proportion (95% with the default z): what a single
    128-image accuracy, or a share of runs, can say about the rate behind it."""
    share = successes / trials
    centre = (share + z**2 / (2 * trials)) / (1 + z**2 / trials)
    half = z * np.sqrt(share * (1 - share) / trials + z**2 / (4 * trials**2)) / (1 + z**2 / trials)
    return float(centre - half), float(centre + half)


# The test of "the article's run is one of ours", declared before the 100 runs were looked at
# (in this file's first version, committed before the data): its statistic, the distance of a
# run's losses from the reference runs' median over the last 200 steps, and its p-value.
LAST_STEPS = 200


def distance_from_median(losses, median, steps):
    """Mean |loss - median loss| over the logged steps of the last LAST_STEPS steps."""
    window = np.array(steps) > steps[-1] - LAST_STEPS
    return float(np.mean(np.abs(np.asarray(losses)[window] - median[window])))


def one_of_ours_test(reference, article_losses):
    """The article's distance, each reference run's (from the median of the other runs: leave
    one out), and the one-sided p-value (1 + runs at least as far) / (1 + runs)."""
    losses = reference.losses
    article = distance_from_median(article_losses, np.median(losses, axis=0), reference.steps)
    ours = np.array([distance_from_median(losses[run], np.median(np.delete(losses, run, axis=0),
                                                                 axis=0), reference.steps)
                     for run in range(len(losses))])
    p_value = (1 + np.count_nonzero(ours >= article)) / (1 + len(ours))
    return article, ours, float(p_value)


# ---------------------------------------------------------------------------------------------
# The data file


def column_names(steps):
    return (["seed", "test_accuracy", "test_accuracy_all"] + [f"loss_{step}" for step in steps]
            + [f"acc_{step}" for step in steps])


def build(runs_folder, output=REFERENCE_CSV, notes=()):
    """Write the CSV from the logs runs_folder/seed-S.log: every seed from 0 on, as printed."""
    from compare_with_article import LogError, expanded, parse_log

    try:
        logs = [parse_log(path) for path in expanded([str(Path(runs_folder) / "seed-*.log")])]
    except LogError as error:
        raise ReferenceError(str(error)) from None
    seeds = [int(re.search(r"seed-(\d+)\.log$", log.source)[1]) for log in logs]
    if seeds != list(range(len(seeds))):
        raise ReferenceError(f"{runs_folder}: the seeds are not 0..{len(seeds) - 1}: {seeds}")
    steps = logs[0].steps
    for log in logs:
        if log.steps != steps or log.test_accuracy is None or log.full_test_accuracy is None:
            raise ReferenceError(f"{log.source}: not a whole run of the default settings")
    lines = [f"# {note}" for note in notes]
    with open(output, "w", encoding="utf-8", newline="") as file:
        file.write("".join(line + "\n" for line in lines))
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(column_names(steps))
        for seed, log in zip(seeds, logs):
            writer.writerow([seed, log.test_accuracy, f"{log.full_test_accuracy:.4f}",
                             *(f"{loss:.6f}" for loss in log.losses),
                             *(f"{accuracy:.5f}" for accuracy in log.accuracies)])
    return len(logs)


def load(path=REFERENCE_CSV):
    """The reference runs in the CSV at `path`."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise ReferenceError(f"{path}: cannot be read ({error.strerror})") from None
    notes = [line[2:] for line in text.splitlines() if line.startswith("# ")]
    rows = list(csv.reader(line for line in text.splitlines() if not line.startswith("#")))
    try:
        header, values = rows[0], np.array(rows[1:], dtype=float)
        steps = [int(name[len("loss_"):]) for name in header if name.startswith("loss_")]
        if header != column_names(steps) or values.shape != (len(values), len(header)):
            raise ValueError("not the reference columns")
    except (IndexError, ValueError) as error:
        raise ReferenceError(f"{path}: not a reference file ({error})") from None
    count = len(steps)
    return Reference(seeds=values[:, 0].astype(int), steps=steps,
                     losses=values[:, 3:3 + count], accuracies=values[:, 3 + count:],
                     test_accuracy=values[:, 1], full_test_accuracy=values[:, 2], notes=notes)


def machine_notes(command, started, ended):
    import importlib.metadata

    versions = ", ".join(f"{name} {importlib.metadata.version(name)}"
                         for name in ("tensorflow", "tf-keras", "numpy"))
    return [f"made by: {command}, from {started} to {ended}",
            f"on: {platform.system()} {platform.machine()}, {processor_name()}, "
            f"Python {platform.python_version()}, {versions}",
            "columns: seed; Test Accuracy (first 128 test images) and on all 10,000, as logged; "
            "then loss_STEP and acc_STEP at every logged step"]


def processor_name():
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown processor"
