"""Compare runs of train_rnn_mnist.py with the log published in the article.

    python train_rnn_mnist.py > run.log
    python compare_with_article.py run.log                         # one run beside the article
    python compare_with_article.py runs/*.log --plot runs/study.png  # several: mean ± std, a plot
    make study                                                     # 10 seeds, then the line above

Prints a side-by-side table of the training log (every 100th step and the last), the test
accuracies beside the article's 0.984375, and a short verdict in numbers. With several logs,
each figure is the mean ± standard deviation over the runs (the sample standard deviation, n-1).
The logs are read with the same line patterns that train_rnn_mnist.py prints with.
"""

import argparse
import itertools
import sys

# The project's package first: outside the venv it says in one line what to install.
from rnn_mnist import reference_runs
import numpy as np

from rnn_mnist.cli import keep_output_printable, png_path
from rnn_mnist.log_lines import (ARTICLE_LOG, LogError, expanded, is_a_128_image_figure, parse_log)

TABLE_EVERY = 100  # table rows: every 100th step, and the last one
VERDICT_STEPS = 200  # the verdict compares the losses over the last 200 steps
SMOOTHING_WINDOW = 5  # log points per moving average in the plot: 50 steps at the article's pace


# ---------------------------------------------------------------------------------------------
# Statistics


def common_steps(runs):
    """The steps logged by every run, in order."""
    steps = set(runs[0].steps)
    for run in runs[1:]:
        steps &= set(run.steps)
    return sorted(steps)


def mean_and_std(values):
    """The mean and the sample standard deviation of two values or more."""
    values = np.asarray(values, dtype=float)
    return values.mean(), values.std(ddof=1)


def table_steps(steps):
    return [step for step in steps if step % TABLE_EVERY == 0 or step == steps[-1]]


def verdict_steps(article, last_steps=VERDICT_STEPS):
    """The article's logged steps in its last `last_steps` steps (590 to 780): where the
    verdict compares, whatever a run's own length."""
    return [step for step in article.steps if step > article.steps[-1] - last_steps]


def mean_loss_difference(run, other, window):
    """Mean |loss - other's loss| over the steps of `window` that both logged (None if none)."""
    shared = [step for step in window if run.logs(step) and other.logs(step)]
    if not shared:
        return None
    return float(np.mean([abs(run.loss_at(step) - other.loss_at(step)) for step in shared]))


def mean_pairwise_loss_difference(runs, window):
    """The same difference between our own runs, two by two: what seeds alone change."""
    differences = [mean_loss_difference(first, second, window)
                   for first, second in itertools.combinations(runs, 2)]
    differences = [difference for difference in differences if difference is not None]
    return float(np.mean(differences)) if differences else None


def unlike_the_article(article, run):
    """What a log reveals of settings other than the article's, one phrase each (none: none
    seen; a log does not show its --batch-size, --learning-rate or --data)."""
    found = []
    spacing = sorted({later - earlier for earlier, later in zip(run.steps, run.steps[1:])})
    article_spacing = article.steps[1] - article.steps[0]
    if spacing and spacing != [article_spacing] or run.steps[0] % article_spacing:
        found.append(f"its steps are {describe_steps(run.steps)}, the article's every "
                     f"{article_spacing} (another --display-step)")
    elif run.steps[-1] < article.steps[-1] and run.test_accuracy is not None:
        found.append(f"it ends at step {run.steps[-1]}, the article's at {article.steps[-1]} "
                     "(another --training-iters or --batch-size)")
    elif run.steps[-1] > article.steps[-1]:
        found.append(f"it goes on to step {run.steps[-1]}, the article's stops at "
                     f"{article.steps[-1]} (another --training-iters or --batch-size)")
    if run.test_accuracy is not None and not is_a_128_image_figure(run.test_accuracy):
        found.append(f"its Test Accuracy {run.test_accuracy} is not a count of 128 images "
                     "(another --test-len): it is left out of the 128-image figures")
    return found


def describe_steps(steps):
    spacing = sorted({later - earlier for earlier, later in zip(steps, steps[1:])})
    every = f"every {spacing[0]}" if len(spacing) == 1 else "at uneven spacing"
    return f"{steps[0]} to {steps[-1]} {every}"


# ---------------------------------------------------------------------------------------------
# Printing


def format_table(header, rows):
    """Columns under a header, two spaces apart: the first aligned left, the others right."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows)]
    lines = []
    for row in [header, *rows]:
        cells = [str(cell).rjust(width) for cell, width in zip(row, widths)]
        cells[0] = str(row[0]).ljust(widths[0])
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def format_spread(values, digits):
    """One run: its value. Several: mean ± std."""
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    mean, std = mean_and_std(values)
    return f"{mean:.{digits}f} ± {std:.{digits}f}"


def print_training_table(article, runs):
    steps = common_steps(runs)
    runs_label = "run" if len(runs) == 1 else f"{len(runs)} runs"
    print(f"Training log: article vs {runs_label}"
          + ("" if len(runs) == 1 else " (mean ± std)")
          + f", every {TABLE_EVERY}th step and the last")
    rows = []
    for step in table_steps(steps):
        in_article = article.logs(step)
        rows.append([
            step,
            f"{article.loss_at(step):.6f}" if in_article else "-",
            format_spread([run.loss_at(step) for run in runs], 6),
            f"{article.accuracy_at(step):.5f}" if in_article else "-",
            format_spread([run.accuracy_at(step) for run in runs], 5),
        ])
    print(format_table(["step", "article loss", f"{runs_label} loss",
                        "article acc", f"{runs_label} acc"], rows))


def print_test_accuracies(article, runs):
    print()
    print("Test accuracy")
    # The 128-image figures are k/128 and print exactly, as the log prints them.
    rows = []
    for label, article_value, values, show in [
        ("first 128 images", article.test_accuracy,
         [run.article_figure for run in runs if run.article_figure is not None], str),
        ("whole test set", None,
         [run.full_test_accuracy for run in runs if run.full_test_accuracy is not None],
         "{:.4f}".format),
    ]:
        if not values:
            spread = extremes = "-"
        elif len(values) == 1:
            spread, extremes = show(values[0]), ""
        else:
            spread = format_spread(values, 4)
            extremes = f"{show(min(values))} .. {show(max(values))}"
        rows.append([label, "-" if article_value is None else show(article_value),
                     spread, extremes, f"{len(values)} of {len(runs)}"])
    header = ["", "article", "runs" if len(runs) > 1 else "run", "min .. max", "logs with it"]
    if len(runs) == 1:
        header, rows = header[:3], [row[:3] for row in rows]
    print(format_table(header, rows))
    counts = sorted({run.full_test_count for run in runs if run.full_test_count is not None})
    if counts:
        print(f"(the whole test set: {', '.join(map(str, counts))} images; the article reports "
              "only its first 128)")


def print_per_run_table(runs):
    print()
    print("Each run")
    rows = [[run.source,
             "-" if run.test_accuracy is None else str(run.test_accuracy),
             "-" if run.full_test_accuracy is None else f"{run.full_test_accuracy:.4f}",
             f"{run.losses[-1]:.6f}"]
            for run in runs]
    print(format_table(["log", "test acc (128)", "test acc (all)", "last loss"], rows))


def print_verdict(article, runs):
    print()
    print("Verdict")
    window = verdict_steps(article)
    differences = [mean_loss_difference(run, article, window) for run in runs]
    differences = [difference for difference in differences if difference is not None]
    if differences:
        print(f"  mean |loss - article's loss| over the last {VERDICT_STEPS} steps: "
              f"{format_spread(differences, 4)}")
        between_runs = mean_pairwise_loss_difference(runs, window)
        if between_runs is not None:
            print(f"  the same between our runs, two by two: {between_runs:.4f} "
                  "(what the seed alone changes)")
    else:
        print(f"  no logged step in the article's last {VERDICT_STEPS} steps ({window[0]} to "
              f"{window[-1]}) is in the logs")
    unfinished = [run.source for run in runs if run.test_accuracy is None]
    if unfinished:
        print(f"  not finished: {len(unfinished)} of {len(runs)} logs have no test line "
              f"({', '.join(unfinished)}): their training stopped early")
    tested = [run.article_figure for run in runs if run.article_figure is not None]
    if tested:
        at_least = sum(accuracy >= article.test_accuracy for accuracy in tested)
        print(f"  runs whose 128-image accuracy is at least the article's "
              f"{article.test_accuracy}: {at_least} of {len(tested)} "
              f"({100 * at_least / len(tested):.0f}%)")


def print_unlike_the_article(article, runs):
    """One line for each log that shows settings other than the article's."""
    notes = [(run.source, unlike_the_article(article, run)) for run in runs]
    notes = [(source, found) for source, found in notes if found]
    for source, found in notes:
        print(f"Not like for like: {source}: {'; '.join(found)}")
    if notes:
        print()


def reference_or_reason():
    """The reference runs (data/reference_runs.csv) and None, or None and why they cannot be
    read."""
    try:
        return reference_runs.load(), None
    except reference_runs.ReferenceError as error:
        return None, str(error)


USUAL_SHARE = 95  # a log is like the reference runs if it is within their band as often as 95% are


def standings_among(reference, runs):
    """Each comparable log's standing among the reference runs (reference_runs.standing), by
    id(log), computed once for the verdict and the table."""
    return {id(run): reference_runs.standing(reference, run) for run in runs
            if reference_runs.is_comparable(reference, run)}


def verdict_line(reference, article, runs, standings):
    """The answer first, in one line: whether each log is like the reference runs, and whether
    the article's is, by how many logged steps' losses are within their 1-99% band."""
    placed = [standings[id(run)][3] for run in runs if id(run) in standings]
    if not placed:
        return ("Verdict: not placed: the reference runs are for the default settings, and "
                f"{'this log has' if len(runs) == 1 else 'these logs have'} others (below)")
    ours = sorted(reference_runs.steps_within_each(reference))
    usual = ours[int(len(ours) * (100 - USUAL_SHARE) / 100)]  # USUAL_SHARE% are at least this
    usual_text = (f"{USUAL_SHARE}% of those runs are at {usual} or more, the article's log at "
                  f"{reference_runs.standing(reference, article)[3]}")
    low, high = reference_runs.VERDICT_BAND
    band_text = f"the {low}-{high}% loss band of our {len(ours)} reference runs"
    steps = len(reference.steps)
    like = sum(within >= usual for within in placed)
    if len(runs) == 1:
        answer = "like the article's run and ours" if like else "unlike our runs"
        return (f"Verdict: {answer}: this log is within {band_text} at {placed[0]} of {steps} "
                f"logged steps ({usual_text})")
    unplaced = f", {len(runs) - len(placed)} not placed (other settings)" \
        if len(placed) < len(runs) else ""
    return (f"Verdict: {like} of {len(placed)} logs like our runs{unplaced}: within {band_text} "
            f"at {', '.join(map(str, placed))} of {steps} logged steps ({usual_text})")


def print_reference_standing(reference, runs, standings):
    """Where each log stands among the reference runs: its percentile every 100th step and
    for its test figures (one log), and a one-line verdict (each log)."""
    count = len(reference.seeds)
    print()
    print(f"Among the {count} reference runs (seeds 0..{count - 1} of the default run, "
          "data/reference_runs.csv; percentile: the share of them below, ties counted half)")
    if len(runs) == 1 and standings:
        run = runs[0]
        losses, accuracies, tests, _ = standings[id(run)]
        shown = set(table_steps(run.steps))
        rows = [[step, f"{loss:.6f}", f"{losses[column]:.0f}", f"{accuracy:.5f}",
                 f"{accuracies[column]:.0f}"]
                for column, (step, loss, accuracy) in enumerate(zip(run.steps, run.losses,
                                                                     run.accuracies))
                if step in shown]
        print(format_table(["step", "loss", "percentile", "acc", "percentile"], rows))
        names = {"test_accuracy": "Test Accuracy (128 images)",
                 "test_accuracy_all": "Test Accuracy (all images)"}
        for key, percentile in tests.items():
            print(f"{names[key]}: percentile {percentile:.0f}")
    low, high = reference_runs.VERDICT_BAND
    for run in runs:
        name = f"{run.source}: " if len(runs) > 1 else ""  # one log: the output names none
        if id(run) not in standings:
            print(f"  {name}not placed: the reference runs are for the default settings "
                  f"({len(reference.steps)} logged steps, every {reference.steps[0]}, to step "
                  f"{reference.steps[-1]}; 128 test images), and this log has others")
            continue
        _, _, tests, within = standings[id(run)]
        figure = (f"; its 128-image accuracy at percentile {tests['test_accuracy']:.0f}"
                  if "test_accuracy" in tests else "")
        print(f"  {name}within the reference runs' {low}-{high}% band at {within} of "
              f"{len(reference.steps)} logged steps{figure}")


# ---------------------------------------------------------------------------------------------
# Plot


def moving_average(steps, values, window):
    """Centred moving average over `window` log points; the ends, without a full window, go."""
    window = min(window, len(values))
    smoothed = np.convolve(values, np.ones(window) / window, mode="valid")
    return steps[window // 2: window // 2 + len(smoothed)], smoothed


def window_label(steps):
    """The moving average's width, in log points and, at a log's own spacing, in steps."""
    label = f"moving average over {SMOOTHING_WINDOW} log points"
    if len(steps) > 1:
        label += f" = {SMOOTHING_WINDOW * (steps[1] - steps[0])} steps"
    return label


def plot_curves(article, runs, path, reference=None):
    import matplotlib

    matplotlib.use("Agg")  # no display needed
    import matplotlib.pyplot as plt

    steps = np.array(common_steps(runs))
    figure, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    for axis, metric, label in [(axes[0], "losses", "loss"), (axes[1], "accuracies", "accuracy")]:
        article_values = np.array(getattr(article, metric))
        axis.plot(article.steps, article_values, color="tab:red", alpha=0.25, linewidth=0.8)
        axis.plot(*moving_average(np.array(article.steps), article_values, SMOOTHING_WINDOW),
                  color="tab:red", linewidth=2,
                  label=f"article ({window_label(article.steps)})")

        if reference is not None and list(steps) == reference.steps:
            # The band the verdict names (VERDICT_BAND), and the middle half of the runs.
            low, high = reference_runs.VERDICT_BAND
            band = reference_runs.bands(getattr(reference, metric), (low, 25, 75, high))
            axis.fill_between(steps, band[low], band[high], color="0.85", linewidth=0,
                              label=f"the {len(reference.seeds)} reference runs: {low}-{high}%")
            axis.fill_between(steps, band[25], band[75], color="0.7", linewidth=0,
                              label="25-75%")
        values = np.array([run.values_at(metric, steps) for run in runs])
        mean = values.mean(axis=0)
        axis.plot(steps, mean, color="tab:blue", alpha=0.25, linewidth=0.8)
        name = "this run" if len(runs) == 1 else f"mean of {len(runs)} runs"
        axis.plot(*moving_average(steps, mean, SMOOTHING_WINDOW), color="tab:blue",
                  linewidth=2, label=f"{name} ({window_label(steps)})")
        if len(runs) > 1:
            band_steps, low = moving_average(steps, values.min(axis=0), SMOOTHING_WINDOW)
            _, high = moving_average(steps, values.max(axis=0), SMOOTHING_WINDOW)
            axis.fill_between(band_steps, low, high, color="tab:blue", alpha=0.15,
                              label="min-max over the runs (same moving average)")
        axis.set_xlabel("training step")
        axis.set_ylabel(f"{label} on the batch just trained on")
        axis.grid(alpha=0.3)
        axis.legend(fontsize="small")
    axes[1].set_ylim(top=1.0)
    count = "1 run" if len(runs) == 1 else f"{len(runs)} runs"
    figure.suptitle(f"LSTM reading MNIST rows: the article's log vs {count} of this reproduction")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


# ---------------------------------------------------------------------------------------------
# Command line


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog="compare_with_article.py",
        description="Compare logs of train_rnn_mnist.py (python train_rnn_mnist.py > LOG) with "
        "the article's published log, data/article_log.txt.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("logs", nargs="+", metavar="LOG", help="logs of train_rnn_mnist.py")
    parser.add_argument("--plot", type=png_path, metavar="FILE.png",
                        help="also draw the loss and accuracy curves into this PNG")
    return parser.parse_args(argv)


def main(argv=None):
    keep_output_printable()
    args = parse_args(argv)
    try:
        article = parse_log(ARTICLE_LOG)
        runs = [parse_log(path) for path in expanded(args.logs)]
    except LogError as error:
        print(f"compare_with_article.py: error: {error}", file=sys.stderr)
        sys.exit(1)
    if not common_steps(runs):
        print("compare_with_article.py: error: the logs have no step in common",
              file=sys.stderr)
        sys.exit(1)
    first_with = {}
    for run in runs:
        earlier = first_with.setdefault(run.numbers(), run)
        if earlier is not run:
            print(f"compare_with_article.py: error: {run.source} holds the same lines as "
                  f"{earlier.source}: one run given twice would count twice", file=sys.stderr)
            sys.exit(1)

    reference, unreadable = reference_or_reason()
    if reference is not None:
        standings = standings_among(reference, runs)
        print(verdict_line(reference, article, runs, standings))
    else:
        print(f"Verdict: not placed: no reference runs to place the logs among ({unreadable}); "
              "below, the article's log beside them")
    print()
    print_unlike_the_article(article, runs)
    print_training_table(article, runs)
    print_test_accuracies(article, runs)
    if len(runs) > 1:
        print_per_run_table(runs)
    print_verdict(article, runs)
    if reference is not None:
        print_reference_standing(reference, runs, standings)
    if args.plot:
        try:
            plot_curves(article, runs, args.plot, reference)
        except OSError as error:
            print(f"compare_with_article.py: error: cannot write {args.plot}: {error.strerror}",
                  file=sys.stderr)
            sys.exit(1)
        print(f"\nPlot written to {args.plot}")


if __name__ == "__main__":
    main()
