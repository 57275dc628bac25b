"""The reference runs: the article's run with seeds 0..99, kept as data/reference_runs.csv, and
where any run stands among them.

    make reference                                           # the 100 runs, then:
    python -m rnn_mnist.reference_runs build runs/reference  # their logs -> the CSV
    python -m rnn_mnist.reference_runs report   # the CSV -> docs/reproduction.md, its pictures

The CSV holds, for each seed, every logged step's loss and accuracy and both test accuracies,
as the log printed them; its first lines (starting with #) say what made it. compare_with_article
.py reads it to place a run among the reference runs, offline. The report rewrites the part of
docs/reproduction.md between its two markers, and the pictures it shows, from the CSV alone.
"""

import argparse
import csv
import io
import platform
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rnn_mnist.cli import fail, keep_output_printable, system_reason
from rnn_mnist.log_lines import ARTICLE_LOG, LogError, expanded, parse_log
from rnn_mnist.safe_files import NotOwnFile, replace_own_file

ROOT = Path(__file__).resolve().parent.parent
REFERENCE_CSV = ROOT / "data" / "reference_runs.csv"
REPRODUCTION = ROOT / "docs" / "reproduction.md"
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
REFERENCE_SEEDS = 100  # the reference's runs: build replaces it only with as many


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


def build(runs_folder, output=REFERENCE_CSV, notes=(), runs=REFERENCE_SEEDS):
    """Write the CSV from the logs runs_folder/seed-S.log: every seed from 0 on, as printed.
    Only whole runs of the article's settings, at least `runs` of them, replace the file."""

    try:
        logs = [parse_log(path) for path in expanded([str(Path(runs_folder) / "seed-*.log")])]
    except LogError as error:
        raise ReferenceError(str(error)) from None
    seeds = [int(re.search(r"seed-(\d+)\.log$", log.source)[1]) for log in logs]
    if seeds != list(range(len(seeds))):
        raise ReferenceError(f"{runs_folder}: the seeds are not 0..{len(seeds) - 1}: {seeds}")
    if len(seeds) < runs:
        raise ReferenceError(f"{runs_folder}: {len(seeds)} runs, where the reference holds "
                             f"{runs} (make reference): {output} is kept as it is")
    # The article's settings log the article's steps (1, 10, ..., 780); other settings do not.
    steps = article_log().steps
    for log in logs:
        if log.steps != steps or log.test_accuracy is None or log.full_test_accuracy is None:
            raise ReferenceError(f"{log.source}: not a whole run of the default settings "
                                 "(the article's logged steps and both test lines)")
    out = io.StringIO()
    out.write("".join(f"# {note}\n" for note in notes))
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(column_names(steps))
    for seed, log in zip(seeds, logs):
        writer.writerow([seed, log.test_accuracy, f"{log.full_test_accuracy:.4f}",
                         *(f"{loss:.6f}" for loss in log.losses),
                         *(f"{accuracy:.5f}" for accuracy in log.accuracies)])
    try:  # renamed into place whole: the 100 runs before stay until the new ones are complete
        replace_own_file(output, out.getvalue().encode("utf-8"))
    except (OSError, NotOwnFile) as error:
        raise ReferenceError(f"{output}: cannot be written ({system_reason(error)})") from None
    return len(logs)


def load(path=None):
    """The reference runs in the CSV at `path` (data/reference_runs.csv by default)."""
    path = REFERENCE_CSV if path is None else path
    try:
        text = Path(path).read_bytes().decode("utf-8")
    except OSError as error:
        raise ReferenceError(f"{path}: cannot be read ({error.strerror})") from None
    except UnicodeDecodeError as error:
        raise ReferenceError(f"{path}: not a reference file (not UTF-8 text: byte "
                             f"{error.start:,} is 0x{error.object[error.start]:02x})") from None
    notes = [line[2:] for line in text.splitlines() if line.startswith("# ")]
    rows = list(csv.reader(line for line in text.splitlines() if not line.startswith("#")))
    try:
        header, values = rows[0], np.array(rows[1:], dtype=float)
        steps = [int(name[len("loss_"):]) for name in header if name.startswith("loss_")]
        if header != column_names(steps) or values.shape != (len(values), len(header)) or \
                not values.size:
            raise ValueError("not the reference columns")
    except (IndexError, ValueError) as error:
        raise ReferenceError(f"{path}: not a reference file ({error})") from None
    check_values(path, header, values)
    count = len(steps)
    return Reference(seeds=values[:, 0].astype(int), steps=steps,
                     losses=values[:, 3:3 + count], accuracies=values[:, 3 + count:],
                     test_accuracy=values[:, 1], full_test_accuracy=values[:, 2], notes=notes)


def check_values(path, header, values):
    """ReferenceError unless each run is a seed of its own, 0 to n-1 in order, and every figure
    is what a log can print: finite, losses not negative, accuracies within [0, 1]."""
    seeds = values[:, 0]
    if not np.array_equal(seeds, np.arange(len(values))):
        shown = ", ".join(f"{seed:g}" for seed in seeds[:5]) + (", ..." if len(seeds) > 5 else "")
        raise ReferenceError(f"{path}: not a reference file (its seeds are not 0..{len(values) - 1}"
                             f", each once, in order: {shown})")
    wrong = np.argwhere(~np.isfinite(values) | (values < 0) |
                        ((values > 1) & accuracy_columns(header)))
    if len(wrong):
        row, column = wrong[0]
        raise ReferenceError(f"{path}: not a reference file (seed {row}'s {header[column]} is "
                             f"{values[row, column]:g}, which no log prints)")


def accuracy_columns(header):
    return np.array([not name.startswith("loss_") and name != "seed" for name in header])


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


# ---------------------------------------------------------------------------------------------
# Where a run stands among the reference runs (compare_with_article.py)


def is_comparable(reference, log):
    """Whether a log has the reference runs' settings as far as a log shows them: the same
    logged steps and a 128-image test figure (or none: a run stopped early)."""
    return log.steps == reference.steps and (log.test_accuracy is None or
                                             log.article_figure is not None)


def steps_within_each(reference):
    """At how many logged steps each reference run's own loss is within the VERDICT_BAND: what
    a log's count in standing() is measured against."""
    band = bands(reference.losses, VERDICT_BAND)
    return [steps_within(losses, band[VERDICT_BAND[0]], band[VERDICT_BAND[1]])
            for losses in reference.losses]


def standing(reference, log):
    """The log's percentile among the reference runs at each logged step (loss, accuracy) and
    for its test figures, and at how many steps its loss is within the VERDICT_BAND."""
    losses, accuracies = np.asarray(log.losses), np.asarray(log.accuracies)
    loss_percentiles = [percentile_of(value, reference.losses[:, column])
                        for column, value in enumerate(losses)]
    accuracy_percentiles = [percentile_of(value, reference.accuracies[:, column])
                            for column, value in enumerate(accuracies)]
    band = bands(reference.losses, VERDICT_BAND)
    within = steps_within(losses, band[VERDICT_BAND[0]], band[VERDICT_BAND[1]])
    tests = {}
    if log.test_accuracy is not None:
        tests["test_accuracy"] = percentile_of(log.test_accuracy, reference.test_accuracy)
    if log.full_test_accuracy is not None:
        tests["test_accuracy_all"] = percentile_of(log.full_test_accuracy,
                                                   reference.full_test_accuracy)
    return loss_percentiles, accuracy_percentiles, tests, within


# ---------------------------------------------------------------------------------------------
# The report: docs/reproduction.md's figures and its pictures, from the CSV


def article_log():

    return parse_log(ARTICLE_LOG)


def draw_bands(reference, article, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(11, 4))
    for axis, values, article_values, label in [
            (axes[0], reference.losses, article.losses, "loss"),
            (axes[1], reference.accuracies, article.accuracies, "accuracy")]:
        band = bands(values, (5, 25, 50, 75, 95))
        axis.fill_between(reference.steps, band[5], band[95], color="tab:blue", alpha=0.18,
                          linewidth=0, label=f"our {len(values)} runs: 5-95%")
        axis.fill_between(reference.steps, band[25], band[75], color="tab:blue", alpha=0.35,
                          linewidth=0, label="25-75%")
        axis.plot(reference.steps, band[50], color="tab:blue", linewidth=1, label="median")
        axis.plot(article.steps, article_values, color="tab:red", linewidth=1.4,
                  label="the article's run")
        axis.set_xlabel("training step")
        axis.set_ylabel(f"{label} on the batch just trained on")
        axis.grid(alpha=0.3)
        axis.legend(fontsize="small")
    axes[0].set_ylim(0, 2.4)
    axes[1].set_ylim(0, 1.0)
    figure.suptitle(f"The article's log over the spread of {len(reference.seeds)} seeded runs of "
                    "this reproduction, at every logged step")
    figure.tight_layout()
    figure.savefig(path, dpi=72)
    plt.close(figure)


def draw_accuracies(reference, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(11, 3.6))
    counts = np.round(reference.test_accuracy * TEST_IMAGES).astype(int)
    values, frequency = np.unique(counts, return_counts=True)
    axes[0].bar(values, frequency, color="tab:blue", width=0.8)
    for (name, correct), style in zip(PUBLISHED, ("-", "--", ":")):
        axes[0].axvline(correct, color="tab:red", linestyle=style, label=f"{name}: {correct}/128")
    axes[0].set_xlabel("test images right, of the first 128 (the article's figure)")
    axes[0].set_ylabel("runs")
    axes[0].legend(fontsize="small", loc="upper left")
    axes[1].hist(reference.full_test_accuracy, bins=15, color="tab:blue")
    axes[1].set_xlabel("accuracy on all 10,000 test images")
    axes[1].set_ylabel("runs")
    for axis in axes:
        axis.grid(alpha=0.3)
    figure.suptitle(f"Test accuracy of the {len(reference.seeds)} reference runs")
    figure.tight_layout()
    figure.savefig(path, dpi=72)
    plt.close(figure)


def report_text(reference, article):
    """The generated part of docs/reproduction.md, in Markdown."""
    runs = len(reference.seeds)
    counts = np.round(reference.test_accuracy * TEST_IMAGES).astype(int)
    mean_128, mean_all = reference.test_accuracy.mean(), reference.full_test_accuracy.mean()
    interval_128 = bootstrap_interval(reference.test_accuracy)
    interval_all = bootstrap_interval(reference.full_test_accuracy)
    low, high = wilson_interval(126, TEST_IMAGES)
    distance, ours, p_value = one_of_ours_test(reference, article.losses)
    # The article's log is placed as any log is (standing), within the 1-99% band at within_98.
    loss_percentiles, accuracy_percentiles, _, within_98 = standing(reference, article)
    band = bands(reference.losses, (5, 95))
    within_90 = steps_within(article.losses, band[5], band[95])
    lines = [
        BEGIN,
        "",
        f"![The article's loss and accuracy at every logged step over the 5-95% and 25-75% "
        f"bands of our {runs} runs](reference-bands.png)",
        "",
        "## The runs",
        "",
        f"Seeds 0 to {runs - 1} of the article's run, default flags but `--seed`, logs in "
        "[data/reference_runs.csv](../data/reference_runs.csv) (every logged step's loss and "
        "accuracy, both test accuracies). The file says what made it:",
        "",
        *[f"- {note}" for note in reference.notes],
        "",
        "## Test accuracy",
        "",
        "| | mean | 95% interval of the mean (bootstrap over the runs) | min .. max |",
        "|---|---:|---:|---:|",
        f"| first 128 test images (the article's figure) | {mean_128:.4f} | {interval_128[0]:.4f} "
        f".. {interval_128[1]:.4f} | {counts.min()}/128 .. {counts.max()}/128 |",
        f"| all 10,000 test images | {mean_all:.4f} | {interval_all[0]:.4f} .. "
        f"{interval_all[1]:.4f} | {reference.full_test_accuracy.min():.4f} .. "
        f"{reference.full_test_accuracy.max():.4f} |",
        "",
        "(Percentile bootstrap: 10,000 resamples of the runs with replacement, seed 0.)",
        "",
        "![How many of the first 128 test images each run gets right, with the published "
        "figures; and the accuracy on all 10,000](reference-accuracy.png)",
        "",
        f"One 128-image figure says little on its own: the article's 126/128 = 0.984375 has a "
        f"95% Wilson interval of {low:.3f} .. {high:.3f} for the accuracy behind it (a width of "
        f"{high - low:.3f}); our runs on all 10,000 images span "
        f"{reference.full_test_accuracy.min():.4f} .. {reference.full_test_accuracy.max():.4f}.",
        "",
        "## The published figures among our runs",
        "",
        "| published run | 128-image figure | our runs at or above it | 95% Wilson interval |",
        "|---|---:|---:|---:|",
    ]
    sentences = []
    for name, correct in PUBLISHED:
        at_least = int(np.count_nonzero(counts >= correct))
        share_low, share_high = wilson_interval(at_least, runs)
        lines.append(f"| {name} | {correct}/128 = {correct / TEST_IMAGES:.6f} | {at_least} of "
                     f"{runs} ({100 * at_least / runs:.0f}%) | {100 * share_low:.0f}% .. "
                     f"{100 * share_high:.0f}% |")
        sentences.append(f"- {name}, {correct}/128: {what_a_share_means(at_least / runs)}.")
    lines += [
        "",
        *sentences,
        "",
        "## The article's curve, step by step",
        "",
        f"The article's loss is within our runs' 5-95% band at {within_90} of its "
        f"{len(article.steps)} logged steps, and within the 1-99% band at {within_98}. Its "
        "percentile among our runs (the share of our runs below it, ties counted half), every "
        "100th step:",
        "",
        "| step | article's loss | its percentile | article's accuracy | its percentile |",
        "|---:|---:|---:|---:|---:|",
    ]
    for column, step in enumerate(article.steps):
        if step % 100 == 0 or step == article.steps[-1]:
            lines.append(f"| {step} | {article.losses[column]:.6f} | "
                         f"{loss_percentiles[column]:.0f} | {article.accuracies[column]:.5f} | "
                         f"{accuracy_percentiles[column]:.0f} |")
    verdict = ("is not rejected" if p_value >= 0.05 else "is rejected")
    lines += [
        "",
        f"Over all {len(article.steps)} steps the median of the loss percentiles is "
        f"{np.median(loss_percentiles):.0f}.",
        "",
        "## Is the article's run one of ours? The test declared beforehand",
        "",
        "Declared in `reference_runs.py` (`one_of_ours_test`) and committed before the runs "
        "were looked at: the statistic is a run's mean |loss - median loss of the reference "
        f"runs| over the logged steps of the last {LAST_STEPS} steps (590 to 780); each "
        "reference run's is taken from the median of the other runs (leave one out); the "
        "p-value is (1 + runs at least as far as the article) / (1 + runs), one-sided, and "
        "\"the article's run is one of ours\" is rejected if it is below 0.05.",
        "",
        f"Result: the article's distance is {distance:.4f}; our runs' are {np.median(ours):.4f} "
        f"at the median, {np.percentile(ours, 95):.4f} at the 95th percentile, "
        f"{ours.max():.4f} at most. p = {p_value:.3f}: the hypothesis {verdict} at 5%.",
        "",
        END,
    ]
    return "\n".join(lines) + "\n"


def what_a_share_means(share):
    """A published figure read by the share of our runs at or above it (thresholds: quartiles)."""
    if share > 0.75:
        return (f"{100 * share:.0f}% of our runs do at least as well, so the figure is on the "
                "low side of what this reproduction gives")
    if share < 0.25:
        return (f"only {100 * share:.0f}% of our runs do as well, so the figure is on the high "
                "side of what this reproduction gives")
    return (f"{100 * share:.0f}% of our runs do at least as well: a typical figure of this "
            "reproduction, which a different seed alone explains")


def report(reproduction=REPRODUCTION):
    """Rewrite docs/reproduction.md between its markers, and its two pictures, from the CSV."""
    reference, article = load(), article_log()
    text = reproduction.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        raise ReferenceError(f"{reproduction}: no markers for the report ({BEGIN!r})")
    before, rest = text.split(BEGIN, 1)
    after = rest.split(END, 1)[1].lstrip("\n")
    reproduction.write_text(before + report_text(reference, article) + "\n" + after,
                            encoding="utf-8")
    draw_bands(reference, article, BANDS_PICTURE)
    draw_accuracies(reference, ACCURACY_PICTURE)


def main(argv=None):
    keep_output_printable()
    parser = argparse.ArgumentParser(prog="python -m rnn_mnist.reference_runs",
                                     description=" ".join(__doc__.split("\n\n")[0].split()))
    commands = parser.add_subparsers(dest="command", required=True)
    made = commands.add_parser("build", help="the logs of a study -> data/reference_runs.csv")
    made.add_argument("runs", type=Path, help="the study's folder (runs/reference)")
    made.add_argument("--made-by", default="make reference", help="the command, for the notes")
    made.add_argument("--started", default="?", help="when the study started (UTC)")
    made.add_argument("--ended", default="?", help="when it ended (UTC)")
    commands.add_parser("report", help="data/reference_runs.csv -> docs/reproduction.md, pictures")
    args = parser.parse_args(argv)
    try:
        if args.command == "build":
            count = build(args.runs, notes=machine_notes(args.made_by, args.started, args.ended))
            print(f"reference_runs.py: {count} runs written to {REFERENCE_CSV.relative_to(ROOT)}")
        else:
            report()
            print(f"reference_runs.py: {REPRODUCTION.name}, {BANDS_PICTURE.name} and "
                  f"{ACCURACY_PICTURE.name} written from {REFERENCE_CSV.relative_to(ROOT)}")
    except ReferenceError as error:
        fail("reference_runs.py", str(error))


if __name__ == "__main__":
    main()
