"""The project's commands on every system: what `make run`, `make test` and the others do.

    python3 tasks.py run                     # Linux, macOS (make run calls this)
    py tasks.py run                          # Windows, which has no make
    py tasks.py run ARGS="--seed 3"          # settings as make takes them: NAME=VALUE
    py tasks.py test                         # the test suite (slow tests skipped)
    py tasks.py study SEEDS=100 JOBS=2       # the article's run with seeds 0..99, compared

Commands: run, test, test-slow, test-platforms, study, notebook, tensorboard, bench, clean. Settings, as
NAME=VALUE words or in the environment (the Makefile exports make's own): ARGS (the trainer's
flags), SEEDS (10), JOBS (the number of cores), RUNS (runs), LOGDIR (runs/tb), BENCH_QUICK,
BENCH_OUTPUT (bench/results.md; runs/bench-quick.md with BENCH_QUICK).
ARGS is split into words as a POSIX shell would split it and passed to the trainer as
arguments, never run as shell text.

The first command makes .venv with the pinned requirements; a requirements file that changes
is installed again. Everything this script prints goes to stderr, so that
`make run > run.log` holds the log alone. It needs nothing but Python's standard library.
"""

import hashlib
import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
SUPPORTED_PYTHONS = ((3, 10), (3, 13))  # TensorFlow 2.21 has wheels for these
# Messages name the command as the user typed it: `make study` through the Makefile.
PROG = "make" if "MAKELEVEL" in os.environ else "tasks.py"
SETTINGS = {"ARGS": "", "SEEDS": "10", "JOBS": str(os.cpu_count() or 1), "RUNS": "runs",
            "LOGDIR": str(Path("runs") / "tb"), "BENCH_QUICK": "", "BENCH_OUTPUT": ""}


class TaskError(Exception):
    """A command that cannot go on; the message says why, in one line."""


def say(message):
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# The venv


def venv_python():
    """The venv's Python: bin/python on Linux and macOS, Scripts\\python.exe on Windows."""
    for candidate in (VENV / "bin" / "python", VENV / "Scripts" / "python.exe"):
        if candidate.exists():
            return candidate
    return None


def check_python_version():
    version = sys.version_info[:2]
    if not SUPPORTED_PYTHONS[0] <= version <= SUPPORTED_PYTHONS[1]:
        raise TaskError(f"Python 3.10 to 3.13 is needed (TensorFlow 2.21 wheels); this is "
                        f"{sys.version.split()[0]}. Try: make PYTHON=python3.11 (Windows: "
                        "py -3.11 tasks.py ...)")


def installed(requirements, how_long=""):
    """The venv's Python, with `requirements` installed (again if the file has changed)."""
    stamp = VENV / f"installed-{Path(requirements).name}"
    wanted = hashlib.sha256((ROOT / requirements).read_bytes()).hexdigest()
    python = venv_python()
    if python is not None and stamp.exists() and stamp.read_text(encoding="utf-8") == wanted:
        return python
    check_python_version()
    say(f"{PROG}: installing {requirements} into .venv{how_long}")
    if python is None:
        call([sys.executable, "-m", "venv", str(VENV)], to_stderr=True)
        python = venv_python()
    pip_install(python, requirements)
    stamp.write_text(wanted, encoding="utf-8")
    return python


def pip_install(python, requirements):
    status = call([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                   "-r", str(ROOT / requirements)], to_stderr=True)
    if status != 0:
        raise TaskError(f"pip could not install {requirements} (exit {status}); its reason is above")


def run_python():
    return installed("requirements.txt", " (a minute or two, once)")


def test_python():
    run_python()
    return installed("requirements-test.txt")


# ---------------------------------------------------------------------------------------------
# Running a program


def call(command, to_stderr=False, **options):
    """Run a program and wait for it; its exit status. Ctrl-C reaches it too (the terminal
    sends it to every process of the command), so this waits on while it saves and stops."""
    if to_stderr:
        options["stdout"] = sys.stderr
    process = subprocess.Popen(command, cwd=ROOT, **options)
    while True:
        try:
            return process.wait()
        except KeyboardInterrupt:
            continue


def shown(path):
    """A path as short as it reads: from the project's folder when it is inside it."""
    path = Path(path)
    return path.relative_to(ROOT) if path.is_absolute() and path.is_relative_to(ROOT) else path


def show_and_call(python, *args, **options):
    say(shlex.join([str(shown(python)), *map(str, args)]))
    return call([str(python), *map(str, args)], **options)


# ---------------------------------------------------------------------------------------------
# The commands


def run(settings, extra):
    """The article's run: train_rnn_mnist.py with ARGS and any further words."""
    python = run_python()
    return show_and_call(python, "train_rnn_mnist.py", *shlex.split(settings["ARGS"]), *extra)


def test(settings, extra, slow=False):
    python = test_python()
    return show_and_call(python, "-m", "pytest", *(["--runslow", "-m", "slow"] if slow else []),
                         *extra)


def test_slow(settings, extra):
    return test(settings, extra, slow=True)


# Each simulated system, and the tests run as it (tests/platforms/sitecustomize.py plays it).
SIMULATIONS = [
    ("macos", []),  # the whole fast suite
    ("macos", ["--runslow", "tests/test_signals.py", "-k", "thirty_stops"]),
    # The platform-sensitive part: every script, stops, checkpoints and locks, logs, the docs.
    ("windows", [f"tests/{name}.py" for name in (
        "test_platforms", "test_signals", "test_checkpoints", "test_compare", "test_predict",
        "test_study", "test_docs")]),
]


def test_platforms(settings, extra):
    """The suite under Linux Pythons made to lack what macOS's and Windows' Pythons lack, so
    that those systems' code paths run here (the README says what cannot be played)."""
    python = test_python()
    for platform, args in SIMULATIONS:
        env = {**os.environ, "SIMULATED_PLATFORM": platform,
               "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "tests" / "platforms"),
                                                            os.environ.get("PYTHONPATH")]))}
        say(f"{PROG} test-platforms: as {platform}:")
        status = show_and_call(python, "-m", "pytest", *args, *extra, env=env)
        if status != 0:
            return status
    return 0


def positive_whole_number(prog, name, text):
    if not (text.isdigit() and text.isascii() and int(text) > 0):
        raise TaskError(f"{prog}: {name} must be a positive whole number, not '{text}'")
    return int(text)


def study(settings, extra):
    """Seeds 0..SEEDS-1 of the article's run into RUNS, JOBS at a time, then compared.

    Each seed's log goes to RUNS/seed-S.log, its stderr to seed-S.err and its wall time to
    times.txt. A log is written under a temporary name and renamed when its run has finished,
    so that a failed or interrupted seed never leaves a log that looks complete. A failed seed
    stops the study (no more seeds start) and shows its stderr. Each process keeps TensorFlow
    on one thread, so a seed's log is the same whatever JOBS is.
    """
    prog = f"{PROG} study"
    # Checked first: a bad SEEDS or JOBS must not remove the previous study's logs.
    seeds = positive_whole_number(prog, "SEEDS", settings["SEEDS"])
    jobs = positive_whole_number(prog, "JOBS", settings["JOBS"])
    python = run_python()
    runs = ROOT / settings["RUNS"]
    runs.mkdir(parents=True, exist_ok=True)
    # Earlier seed logs are removed so that RUNS/seed-*.log is this study alone.
    for pattern in ("seed-*.log", "seed-*.log.tmp", "seed-*.err", "seed-*.time", "times.txt"):
        for path in runs.glob(pattern):
            path.unlink()
    logs = [runs / f"seed-{seed}.log" for seed in range(seeds)]
    failed = run_seeds(python, shlex.split(settings["ARGS"]), logs, jobs, prog)
    if failed is not None:
        return failed
    (runs / "times.txt").write_text("".join(
        (runs / f"seed-{seed}.time").read_text(encoding="utf-8") for seed in range(seeds)),
        encoding="utf-8")
    return show_and_call(python, "compare_with_article.py",
                         *map(shown, logs), "--plot", shown(runs / "study.png"))


def run_seeds(python, args, logs, jobs, prog):
    """Run seed S into logs[S], `jobs` at a time; None when all succeeded, else the exit status.
    Ctrl-C reaches every seed's process: each stops, and the study with them (exit 130)."""
    waiting, running, failed = list(range(len(logs))), {}, None
    while running or (waiting and failed is None):
        while waiting and failed is None and len(running) < jobs:
            seed = waiting.pop(0)
            with open(f"{logs[seed]}.tmp", "wb") as out, \
                    open(logs[seed].with_suffix(".err"), "wb") as err:
                process = subprocess.Popen([str(python), "train_rnn_mnist.py", *args, "--seed",
                                            str(seed)], cwd=ROOT, stdout=out, stderr=err)
            running[seed] = (process, time.perf_counter())
        try:
            time.sleep(0.05)
        except KeyboardInterrupt:
            failed = 130
        for seed, (process, start) in list(running.items()):
            status = process.poll()
            if status is None:
                continue
            del running[seed]
            log, err = logs[seed], logs[seed].with_suffix(".err")
            if status != 0:
                Path(f"{log}.tmp").unlink()
                if failed != 130:
                    sys.stderr.write(err.read_text(encoding="utf-8", errors="replace"))
                    say(f"{prog}: seed {seed} failed; its stderr is above and in {shown(err)}")
                    failed = 1
                continue
            Path(f"{log}.tmp").replace(log)
            line = f"seed {seed}: {time.perf_counter() - start:.3f} s wall time"
            log.with_suffix(".time").write_text(line + "\n", encoding="utf-8")
            print(line, flush=True)
    return failed


def notebook(settings, extra):
    """The article's notebook in Jupyter, installed for this command only, so that `run` stays
    lean; its kernel is the venv's Python. As root (a container) Jupyter asks for --allow-root."""
    python = run_python()
    installed("requirements-notebook.txt")
    as_root = ["--allow-root"] if hasattr(os, "getuid") and os.getuid() == 0 else []
    return show_and_call(python, "-m", "jupyter", "notebook", *as_root, "train_rnn_mnist.ipynb")


def tensorboard(settings, extra):
    """TensorBoard, installed on demand, on LOGDIR: a run's --logdir."""
    logdir = settings["LOGDIR"]
    python = run_python()
    if not (ROOT / logdir).is_dir():
        raise TaskError(f"{PROG} tensorboard: no folder {logdir}: run {shown(python)} "
                        f"train_rnn_mnist.py --logdir {logdir} first")
    installed("requirements-tensorboard.txt")
    return show_and_call(python, "-m", "tensorboard.main", "--logdir", logdir)


def bench(settings, extra):
    """The article's run against Keras 3, PyTorch and the floor; writes bench/results.md.
    BENCH_QUICK=1: a few steps, one run each, to check the harness. PyTorch is installed for the
    full benchmark only; where it cannot be, its peer is skipped."""
    quick = bool(settings["BENCH_QUICK"])
    output = Path(settings["BENCH_OUTPUT"] or (Path("runs") / "bench-quick.md" if quick
                                               else Path("bench") / "results.md"))
    python = run_python()
    if not quick:
        try:
            pip_install(python, "bench/requirements-peers.txt")
        except TaskError:
            say("bench: torch could not be installed; the PyTorch peer will be skipped")
    (ROOT / output).parent.mkdir(parents=True, exist_ok=True)
    return show_and_call(python, "bench/run_bench.py", *(["--quick"] if quick else []),
                         "--output", output)


def clean(settings, extra):
    shutil.rmtree(VENV, ignore_errors=True)
    shutil.rmtree(ROOT / ".pytest_cache", ignore_errors=True)
    for cache in ROOT.rglob("__pycache__"):
        shutil.rmtree(cache, ignore_errors=True)
    return 0


COMMANDS = {"run": run, "test": test, "test-slow": test_slow, "test-platforms": test_platforms,
            "study": study, "notebook": notebook, "tensorboard": tensorboard, "bench": bench,
            "clean": clean}


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in COMMANDS:
        say(f"usage: tasks.py {{{','.join(COMMANDS)}}} [NAME=VALUE ...] [more words]\n"
            + __doc__.split("\n\n")[1])
        return 2
    settings = {name: os.environ.get(name, default) for name, default in SETTINGS.items()}
    extra = []
    for word in argv[1:]:
        name, equals, value = word.partition("=")
        if equals and name in SETTINGS:
            settings[name] = value
        else:
            extra.append(word)
    try:
        return COMMANDS[argv[0]](settings, extra)
    except TaskError as error:
        say(str(error))
        return 2
    except KeyboardInterrupt:  # Ctrl-C while pip installs, or between two programs
        say(f"{PROG}: interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
