"""Benchmark the article's run against peer implementations and against this machine's floor.

    make bench                 # 3 repeats of each, alternating; writes bench/results.md
    make bench BENCH_QUICK=1   # a few steps, one repeat: shows the harness still works

Every contender does the same work, in a process of its own: 781 steps of batch 128 over
MNIST rows with a 128-unit LSTM and a dense layer, Adam at 0.001, the loss and accuracy of the
batch every 10 steps, then the accuracy on the 10,000 test images.

  a. train_rnn_mnist.py with its default flags, as a user runs it;
  b. Keras 3's LSTM layer on the TensorFlow backend (bench/keras_peer.py);
  c. PyTorch's nn.LSTM (bench/torch_peer.py), when torch is installed;
  d. the floor: the LSTM's matrix products in those steps, counted, at the speed NumPy's BLAS
     reaches on the very same matrix shapes, measured here in this run.

Then the throughput of the multi-seed study: `make study SEEDS=4` one seed at a time (JOBS=1)
and on every core, in alternation, with the seeds' logs checked identical.

Each contender prints a timing line on stderr (log_lines.format_timing); wall time and
peak memory (the largest resident set) are measured here, from outside, where the system
has os.wait4() (Linux, macOS); on Windows the report says it was not measured.
"""

import argparse
import datetime
import importlib.metadata
import importlib.util
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rnn_mnist import log_lines
from rnn_mnist.checkpoints import total_steps
from rnn_mnist.cli import keep_output_printable, positive_int
from rnn_mnist.log_lines import parse_timing

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent

# The article's work.
BATCH, INPUTS, HIDDEN, TIMESTEPS = 128, 28, 128, 28
FULL_ITERS = 100000  # 781 steps
QUICK_ITERS = BATCH * 21  # 20 steps
DISPLAY_STEP = 10


@dataclass
class Contender:
    key: str
    name: str
    command: list
    runs: list = field(default_factory=list)  # one Run per repeat


@dataclass
class Run:
    wall: float
    peak_rss_mb: float  # None where it cannot be measured (no os.wait4: Windows)
    phases: dict


# ru_maxrss counts kilobytes on Linux and bytes on macOS (getrusage(2) on each): no feature
# tells them apart, so the system's name does, here alone.
RU_MAXRSS_PER_MB = 1024**2 if sys.platform == "darwin" else 1024
NO_MEMORY = "not measured here (this system has no os.wait4)"


def usable_cores():
    """The cores this process may run on: its affinity where the system has it (Linux)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def wait_measured(process):
    """Wait for the process; its exit status and peak resident memory in MB (None where the
    system cannot say)."""
    if not hasattr(os, "wait4"):
        return process.wait(), None
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, usage.ru_maxrss / RU_MAXRSS_PER_MB


# ---------------------------------------------------------------------------------------------
# The floor: floating-point work counted, at the speed this machine's BLAS reaches


def lstm_matmul_shapes(batch, inputs, hidden):
    """The (m, k, n) matrix products of one LSTM timestep: forward, then the two of backward.

    Forward, [x, h] @ kernel: (batch, inputs + hidden) times (inputs + hidden, 4 * hidden).
    Backward, the gradient of [x, h] (dG @ kernel^T) and of the kernel ([x, h]^T @ dG).
    """
    width, gates = inputs + hidden, 4 * hidden
    forward = (batch, width, gates)
    return forward, [(batch, gates, width), (width, batch, gates)]


def lstm_step_flops(batch, inputs, hidden, timesteps):
    """Floating-point operations of the LSTM's matrix products in one training step."""
    forward, backward = lstm_matmul_shapes(batch, inputs, hidden)
    flops = [2 * m * k * n for m, k, n in [forward, *backward]]
    return timesteps * sum(flops)


def matmul_seconds(shape, repeats):
    """The best time of NumPy's matmul on this shape (float32, BLAS's default threads)."""
    m, k, n = shape
    rng = np.random.default_rng(0)
    a, b = rng.random((m, k), dtype=np.float32), rng.random((k, n), dtype=np.float32)
    out = np.empty((m, n), dtype=np.float32)
    for _ in range(20):  # warm up caches and BLAS's threads
        np.matmul(a, b, out=out)
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(repeats):
            np.matmul(a, b, out=out)
        best = min(best, (time.perf_counter() - start) / repeats)
    return best


def training_flops(steps):
    """The LSTM's matrix-product FLOPs in `steps` training steps and their loss passes."""
    m, k, n = lstm_matmul_shapes(BATCH, INPUTS, HIDDEN)[0]
    evaluations = steps // DISPLAY_STEP  # the loss and accuracy pass, forward only
    return (steps * lstm_step_flops(BATCH, INPUTS, HIDDEN, TIMESTEPS)
            + evaluations * TIMESTEPS * 2 * m * k * n)


def floor_of_training(steps, repeats=400):
    """The floor for `steps` training steps and their loss and accuracy passes, in seconds."""
    forward, backward = lstm_matmul_shapes(BATCH, INPUTS, HIDDEN)
    forward_time = matmul_seconds(forward, repeats)
    backward_time = sum(matmul_seconds(shape, repeats) for shape in backward)
    evaluations = steps // DISPLAY_STEP
    return TIMESTEPS * ((forward_time + backward_time) * steps + forward_time * evaluations)


# ---------------------------------------------------------------------------------------------
# Running the contenders


def contenders(iters):
    python = sys.executable
    flags = ["--training-iters", str(iters)] if iters != FULL_ITERS else []
    found = [
        Contender("a", "train_rnn_mnist.py (default flags)",
                  [python, str(ROOT / "train_rnn_mnist.py"), *flags]),
        Contender("b", "Keras 3 LSTM layer", [python, "-m", "bench.keras_peer", *flags]),
    ]
    if importlib.util.find_spec("torch") is not None:
        found.append(Contender("c", "PyTorch nn.LSTM",
                               [python, "-m", "bench.torch_peer", *flags]))
    return found


def run_once(contender, expected_steps):
    """Run the contender in a fresh process; its wall time, peak memory and timing line."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        process = subprocess.Popen(contender.command, stdout=out, stderr=err, cwd=ROOT)
        _, peak_rss_mb = wait_measured(process)
        wall = time.perf_counter() - start
        out.seek(0), err.seek(0)
        stdout, stderr = out.read(), err.read()
    if process.returncode != 0:
        raise SystemExit(f"run_bench.py: error: {contender.name} failed "
                         f"(exit {process.returncode}):\n{stderr[-2000:]}")
    log = log_lines.parse_log_text(stdout, contender.name)
    if log.steps[-1] != expected_steps // DISPLAY_STEP * DISPLAY_STEP or \
            log.full_test_count != 10000:
        raise SystemExit(f"run_bench.py: error: {contender.name} did not do the same work "
                         f"(last step {log.steps[-1]}, test images {log.full_test_count})")
    timing = next((parse_timing(line) for line in reversed(stderr.splitlines())
                   if parse_timing(line)), None)
    if timing is None:
        raise SystemExit(f"run_bench.py: error: {contender.name} printed no timing line")
    phases, steps = timing
    if steps != expected_steps:
        raise SystemExit(f"run_bench.py: error: {contender.name} timed {steps} steps, "
                         f"not {expected_steps}")
    return Run(wall=wall, peak_rss_mb=peak_rss_mb, phases=phases)


# ---------------------------------------------------------------------------------------------
# The multi-seed study's throughput: the same seeds one at a time and on every core

STUDY_SEEDS, QUICK_STUDY_SEEDS = 4, 2


@dataclass
class Study:
    jobs: int
    walls: list = field(default_factory=list)


def run_study(seeds, jobs, flags, runs):
    """`make study` as a user runs it; its wall time and its seeds' logs."""
    # tasks.py is what `make study` runs, on every system (Windows has no make).
    command = [sys.executable, str(ROOT / "tasks.py"), "study", f"SEEDS={seeds}", f"JOBS={jobs}",
               f"RUNS={runs}", f"ARGS={' '.join(flags)}"]
    start = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"run_bench.py: error: make study JOBS={jobs} failed "
                         f"(exit {result.returncode}):\n{result.stderr[-2000:]}")
    return wall, {path.name: path.read_bytes() for path in sorted(runs.glob("seed-*.log"))}


def study_throughput(seeds, flags, rounds):
    """Each JOBS value `rounds` times, alternating, the order turned round each round."""
    studies = [Study(jobs) for jobs in sorted({1, usable_cores()})]
    first_logs = None
    with tempfile.TemporaryDirectory() as scratch:
        for repeat in range(rounds):
            for study in studies if repeat % 2 == 0 else studies[::-1]:
                print(f"study {repeat + 1}/{rounds}: make study SEEDS={seeds} JOBS={study.jobs} "
                      "...", file=sys.stderr, flush=True)
                wall, logs = run_study(seeds, study.jobs, flags, Path(scratch) / "runs")
                first_logs = first_logs or logs
                if len(logs) != seeds or logs != first_logs:
                    raise SystemExit(f"run_bench.py: error: make study JOBS={study.jobs} gave "
                                     "other logs than the first study")
                study.walls.append(wall)
    return studies


def throughput_report(studies, seeds, rounds):
    lines = ["", "## Throughput of the multi-seed study", "",
             f"`make study SEEDS={seeds}` (which also compares the logs with the article), "
             f"{rounds} run{'s' if rounds > 1 else ''} of each JOBS value, alternating; the "
             "seeds' logs were byte-identical in every study.", "",
             "| JOBS | wall time, s | seeds per minute |", "|---:|---:|---:|"]
    rates = {}
    for study in studies:
        rates[study.jobs] = seeds * 60 / statistics.median(study.walls)
        lines.append(f"| {study.jobs} | {spread(study.walls)} | {rates[study.jobs]:.2f} |")
    cores = studies[-1].jobs
    if cores > 1:
        speedup = rates[cores] / rates[1]
        lines += ["", f"Speed-up on {cores} cores: {speedup:.2f}x, {speedup / cores:.0%} of the "
                      "core count."]
    return lines


# ---------------------------------------------------------------------------------------------
# Report


def memory_spread(runs):
    if any(run.peak_rss_mb is None for run in runs):
        return "-"
    return spread([run.peak_rss_mb for run in runs], 0)


def spread(values, digits=1, unit=""):
    """Median, then the min-max range."""
    return (f"{statistics.median(values):.{digits}f}{unit} "
            f"({min(values):.{digits}f}-{max(values):.{digits}f})")


def machine_description():
    model = platform.processor() or "unknown CPU"  # /proc/cpuinfo names it better on Linux
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kilobytes = int(meminfo.read_text(encoding="utf-8").split()[1])
        memory = f", {kilobytes / 1024**2:.0f} GB memory"

    def version(package):
        try:
            return importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            return "not installed"

    return (f"{model}, {os.cpu_count()} cores{memory}, {platform.system()} "
            f"{platform.release()}; Python {platform.python_version()}, TensorFlow "
            f"{version('tensorflow')}, tf-keras {version('tf-keras')}, Keras {version('keras')}, "
            f"PyTorch {version('torch')}, NumPy {version('numpy')}")


def report(entries, floors, floor_flops, steps, repeats, quick, throughput):
    by_key = {contender.key: contender for contender in entries}
    floor_seconds = statistics.median(floors)
    a = by_key["a"]
    lines = [
        "# Benchmark: the article's run, its peers, and the floor",
        "",
        f"Measured on {datetime.date.today().isoformat()} by `make bench"
        f"{' BENCH_QUICK=1' if quick else ''}` ({repeats} "
        f"run{'s' if repeats > 1 else ''} of each contender, alternating, each in a fresh "
        f"process; medians, with min-max in brackets), {steps} training steps.",
        "",
        f"Machine: {machine_description()}.",
        "",
        "| contender | wall time, s | training phase, s | steps/s | peak RSS, MB |",
        "|---|---:|---:|---:|---:|",
    ]
    for contender in entries:
        training = [run.phases["training"] for run in contender.runs]
        lines.append(
            f"| {contender.key}. {contender.name} | {spread([r.wall for r in contender.runs])} | "
            f"{spread(training)} | {steps / statistics.median(training):.1f} | "
            f"{memory_spread(contender.runs)} |")
    lines.append(f"| d. floor: LSTM matrix products at NumPy BLAS speed | | "
                 f"{spread(floors)} | "
                 f"{steps / floor_seconds:.1f} | |")
    if "c" not in by_key:
        lines += ["", "c. PyTorch was skipped: torch is not installed "
                      "(`pip install -r requirements/bench.txt`)."]

    lines += ["", "## Ratios", "", "| ratio | value |", "|---|---:|"]
    a_wall = statistics.median(r.wall for r in a.runs)
    a_training = statistics.median(r.phases["training"] for r in a.runs)
    memory_measured = all(run.peak_rss_mb is not None
                          for contender in entries for run in contender.runs)
    a_rss = statistics.median(r.peak_rss_mb for r in a.runs) if memory_measured else None
    for key in ("b", "c"):
        if key in by_key:
            peer = by_key[key]
            measures = [("wall time", a_wall, lambda r: r.wall),
                        ("training phase", a_training, lambda r: r.phases["training"])]
            if memory_measured:
                measures.append(("peak RSS", a_rss, lambda r: r.peak_rss_mb))
            for label, of_a, measure in measures:
                ratio = of_a / statistics.median(measure(r) for r in peer.runs)
                lines.append(f"| a/{key} {label} | {ratio:.2f} |")
    lines.append(f"| a/d training phase over the floor | {a_training / floor_seconds:.2f} |")

    lines += ["", "## Phases of a (train_rnn_mnist.py)", "", "| phase | seconds |", "|---|---:|"]
    for phase in a.runs[0].phases:
        lines.append(f"| {phase} | {spread([r.phases[phase] for r in a.runs], 2)} |")
    unaccounted = [r.wall - sum(r.phases.values()) for r in a.runs]
    lines.append(f"| Python start-up, NumPy import, exit | {spread(unaccounted, 2)} |")
    lines.append(f"| whole process | {spread([r.wall for r in a.runs], 2)} |")

    peers = [by_key[key] for key in ("b", "c") if key in by_key]
    fastest = min(peers, key=lambda peer: statistics.median(r.wall for r in peer.runs))
    targets = [
        (f"total wall time of a at most the fastest peer's ({fastest.key})",
         a_wall <= statistics.median(r.wall for r in fastest.runs)),
        ("training phase of a at most 2x the floor", a_training <= 2 * floor_seconds),
    ]
    if memory_measured:
        keras_rss = statistics.median(r.peak_rss_mb for r in by_key["b"].runs)
        targets.append(("peak RSS of a at most the Keras peer's", a_rss <= keras_rss))
    lines += ["", "## Targets", ""]
    lines += [f"- {'met' if met else 'NOT met'}: {target}" for target, met in targets]
    if not memory_measured:
        lines.append(f"- peak RSS of a at most the Keras peer's: {NO_MEMORY}")
    lines += ["", f"The floor counts {floor_flops / 1e9:.1f} GFLOP of LSTM matrix products "
              f"({lstm_step_flops(BATCH, INPUTS, HIDDEN, TIMESTEPS) / 1e9:.2f} per training step, "
              "forward and backward, plus a forward pass every 10 steps for the log); the "
              "dense layer's products, under 1% of that, are left out."]
    return "\n".join(lines + throughput) + "\n"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="run_bench.py", description=__doc__.split("\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="20 steps and one run each: checks the harness, measures nothing")
    parser.add_argument("--repeats", type=positive_int, default=3,
                        help="runs of each contender (one with --quick)")
    parser.add_argument("--output", type=Path, default=BENCH / "results.md",
                        help="where to write the report (Markdown)")
    return parser.parse_args(argv)


def main(argv=None):
    keep_output_printable()
    args = parse_args(argv)
    iters = QUICK_ITERS if args.quick else FULL_ITERS
    repeats = 1 if args.quick else args.repeats
    steps = total_steps(iters, BATCH)
    entries = contenders(iters)
    floors = []
    for repeat in range(repeats):
        # Rotate the order, so that no contender always runs first (or after the same one).
        order = entries[repeat % len(entries):] + entries[:repeat % len(entries)]
        for contender in order:
            print(f"run {repeat + 1}/{repeats}: {contender.name} ...", file=sys.stderr,
                  flush=True)
            contender.runs.append(run_once(contender, steps))
        # The floor is measured in every round too: this machine's speed drifts.
        floors.append(floor_of_training(steps))
    seeds, rounds = (QUICK_STUDY_SEEDS, 1) if args.quick else (STUDY_SEEDS, 2)
    flags = ["--training-iters", str(iters)] if args.quick else []
    throughput = throughput_report(study_throughput(seeds, flags, rounds), seeds, rounds)
    text = report(entries, floors, training_flops(steps), steps, repeats, args.quick, throughput)
    args.output.write_text(text, encoding="utf-8")
    print(text)
    print(f"written to {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
