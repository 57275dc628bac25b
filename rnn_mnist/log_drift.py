"""How far two logs of the same run drift apart: the article's script and the Keras script from the
same start (docs/keras.md), whose losses differ only by float rounding.

    python -m rnn_mnist.log_drift article.log keras.log --plot docs/keras-drift.png

Prints a table of the largest and the median loss difference over bands of logged steps, the
steps whose accuracies differ, and both runs' test lines; --plot draws each logged step's
difference. Both logs must log the same steps.
"""

import argparse
import sys
from pathlib import Path

import numpy as np

from rnn_mnist.cli import fail
from rnn_mnist.log_lines import LogError, parse_log

PROG = "python -m rnn_mnist.log_drift"
BANDS = ((10, 100), (110, 200), (210, 400), (410, 600), (610, 780))  # the article's 78 steps


def drift(first, second):
    """{"steps", "loss_differences", "accuracy_steps"}: each logged step's absolute loss
    difference, and the steps whose accuracies differ."""
    if first.steps != second.steps:
        raise LogError(f"{first.source} and {second.source} do not log the same steps")
    differences = np.abs(np.array(first.losses) - np.array(second.losses))
    return {"steps": list(first.steps), "loss_differences": differences,
            "accuracy_steps": [step for step, a, b in zip(first.steps, first.accuracies,
                                                          second.accuracies) if a != b]}


def table(found):
    """Markdown rows: each band of logged steps, its largest and median loss difference."""
    rows = ["| logged steps | largest loss difference | median |", "|---|---:|---:|"]
    steps = np.array(found["steps"])
    for low, high in BANDS:
        inside = found["loss_differences"][(steps >= low) & (steps <= high)]
        if len(inside):
            rows.append(f"| {low}-{high} | {inside.max():.6f} | {np.median(inside):.6f} |")
    return rows


def plot(found, names, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6.4, 2.8), dpi=80)
    # A difference of 0 (the same printed loss) sits on the axis' floor, 1e-7.
    axes.semilogy(found["steps"], np.maximum(found["loss_differences"], 1e-7), ".",
                  markersize=4)
    axes.set_ylim(1e-7, 1e-3)
    axes.set_xlabel("step")
    axes.set_ylabel("|loss difference|")
    axes.set_title(f"{names[0]} against {names[1]}, each logged step", fontsize=10)
    axes.grid(True, which="major", alpha=0.3)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def main(argv=None):
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0])
    parser.add_argument("first", type=Path)
    parser.add_argument("second", type=Path)
    parser.add_argument("--plot", type=Path, metavar="FILE.png")
    args = parser.parse_args(argv)
    try:
        first, second = parse_log(args.first), parse_log(args.second)
        found = drift(first, second)
    except LogError as error:
        fail(PROG, str(error))
    print("\n".join(table(found)))
    print(f"accuracies differ at {len(found['accuracy_steps'])} of {len(found['steps'])} "
          f"logged steps{': ' if found['accuracy_steps'] else ''}"
          f"{', '.join(map(str, found['accuracy_steps']))}")
    for log in (first, second):
        print(f"{log.source}: Test Accuracy {log.test_accuracy}, "
              f"{log.full_test_count} images {log.full_test_accuracy}")
    if args.plot:
        plot(found, (args.first.name, args.second.name), args.plot)


if __name__ == "__main__":
    sys.exit(main())
