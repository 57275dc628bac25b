"""Shared fixtures: tiny MNIST-shaped data in tmp_path, and running the scripts as a user does."""

import base64
import contextlib
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import input_data  # the project's folder is on pytest's path (pyproject.toml)
import tasks
import train_rnn_mnist
from rnn_mnist.log_lines import format_log_line

ROOT = Path(__file__).resolve().parent.parent

# A few hundred real training images after the 5,000 that the article's loader sets aside.
TINY_TRAIN_IMAGES = input_data.VALIDATION_SIZE + 300
TINY_TEST_IMAGES = 200


def pytest_addoption(parser):
    parser.addoption("--runslow", action="store_true", default=False,
                     help="also run the tests marked slow (the article's full 781-step run)")
    parser.addoption("--browser", action="store_true", default=False,
                     help="also run the tests marked browser: the page in headless Chromium")
    parser.addoption("--export", action="store_true", default=False,
                     help="also run the tests marked export: the exports' files, written with "
                     "tf2onnx, onnxruntime and torch (make test-export installs them)")
    parser.addoption("--page-screenshots", type=Path, metavar="DIR",
                     help="with --browser, save the page's screenshots there (docs/ for the "
                     "README's)")


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: a full training run; skipped unless --runslow")
    config.addinivalue_line("markers", "browser: the page in a real browser; skipped unless "
                            "--browser (make test-page)")
    config.addinivalue_line("markers", "export: the exports' files, with their packages; "
                            "skipped unless --export (make test-export)")
    config.addinivalue_line("markers", "trains: a training run of a few seconds or more (the "
                            "test's or its fixture's), left out of make mutate (tests/MUTATION.md)")


# Fixtures that run a training script before their tests run: a test using one is marked trains
# too. (test_faults.py's `trained`, two steps in-process, is not one.)
TRAINING_FIXTURES = {"tiny_checkpoint", "trained_article_checkpoint", "uninterrupted_log",
                     "resumable_log", "whole_log", "photo_results", "copied_checkpoint",
                     "same_start_logs"}


# A slow test's time limit (the others' is pyproject.toml's): the longest, the article's whole run
# beside its fixture's, takes a few minutes on a slow day.
SLOW_TIMEOUT = 1200
# Every test collected, before -k or -m leave some out: what test_tasks.py checks the limits of.
COLLECTED = pytest.StashKey()


@pytest.hookimpl(tryfirst=True)  # before -m selects by the markers added here
def pytest_collection_modifyitems(config, items):
    skips = {"slow": None if config.getoption("--runslow") else
             pytest.mark.skip(reason="slow: run with --runslow (make test-slow)"),
             "browser": None if config.getoption("--browser") else
             pytest.mark.skip(reason="browser: run with --browser (make test-page)"),
             "export": None if config.getoption("--export") else
             pytest.mark.skip(reason="export: run with --export (make test-export)")}
    config.stash[COLLECTED] = list(items)
    for item in items:
        if TRAINING_FIXTURES & set(item.fixturenames):
            item.add_marker(pytest.mark.trains)
        if "slow" in item.keywords and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(SLOW_TIMEOUT))
        for marker, skip in skips.items():  # by marker: a parameter's id "export" is a keyword
            if skip is not None and item.get_closest_marker(marker) is not None:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def mnist_arrays():
    """The embedded MNIST, loaded once."""
    with np.load(input_data.EMBEDDED_MNIST) as archive:
        return {key: archive[key] for key in input_data.MNIST_KEYS}


@pytest.fixture(scope="session")
def tiny_arrays(mnist_arrays):
    return {
        "x_train": mnist_arrays["x_train"][:TINY_TRAIN_IMAGES],
        "y_train": mnist_arrays["y_train"][:TINY_TRAIN_IMAGES],
        "x_test": mnist_arrays["x_test"][:TINY_TEST_IMAGES],
        "y_test": mnist_arrays["y_test"][:TINY_TEST_IMAGES],
    }


@pytest.fixture(scope="session")
def tiny_npz(tmp_path_factory, tiny_arrays):
    """A small, valid .npz in the layout of tf.keras.datasets.mnist."""
    path = tmp_path_factory.mktemp("data") / "tiny_mnist.npz"
    np.savez(path, **tiny_arrays)
    return path


# Tests that stop a run with kill()'s SIGINT or SIGTERM. Windows has neither to send (its Ctrl-C
# and Ctrl-Break are console events, and SIGTERM is TerminateProcess): test_platforms.py stops
# runs there its own way.
posix_signals = pytest.mark.skipif(not hasattr(signal, "SIGKILL"),
                                   reason="POSIX signals; on Windows, test_platforms.py")


def make(target, *settings):
    """`make TARGET SETTINGS...` as a user types it; `tasks.py TARGET` where there is no make
    (Windows), which is what make runs."""
    if shutil.which("make"):
        return ["make", "--no-print-directory", target, *settings]
    return [sys.executable, str(ROOT / "tasks.py"), target, *settings]


MAKE_PROG = "make" if shutil.which("make") else "tasks.py"  # what the messages call it


# About 20 steps of batch 64 on the tiny data: seconds, not minutes.
TINY_RUN_FLAGS = ["--training-iters", str(64 * 21), "--batch-size", "64", "--display-step", "2",
                  "--test-len", "64"]


def run_script(script, *args, cwd=None, timeout=600, env_extra=None):
    """Run one of the project's scripts in a fresh Python, as a user would from a shell; with
    "-m", a module of the package, found from any folder as tasks.py's commands find it."""
    env = None if env_extra is None else {**os.environ, **env_extra}
    if script == "-m":  # the project's folder first, before what PYTHONPATH had (make mutate's)
        env = {**tasks.with_on_python_path(ROOT), **(env_extra or {})}
    words = [script] if script == "-m" else [str(ROOT / script)]
    return subprocess.run([sys.executable, *words, *map(str, args)],
                          capture_output=True, text=True, cwd=cwd or ROOT, timeout=timeout,
                          env=env)


def run_main(main, *args):
    """A script's main() called in this process with these arguments: its exit status, stdout
    and stderr, as run_script gives them. For tests of what a script prints and writes, where
    the process's own start is not what is tested (run_script tests it, once a script): it
    saves TensorFlow's import, 2.5 s of each script started. An exception that main() lets out,
    which would be a traceback, fails the test as it is."""
    out, err = io.StringIO(), io.StringIO()
    status = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main([str(arg) for arg in args])
        except SystemExit as exit:
            status = exit.code if isinstance(exit.code, int) else int(exit.code is not None)
    return subprocess.CompletedProcess(args, status, out.getvalue(), err.getvalue())


# The pipes of a run that a test reads as it goes are made as small as a pipe gets, 4 KiB (Popen
# can on Linux and Windows; macOS keeps 16 KiB or more). A run that has printed that much more
# than the test has read waits in its write until the test reads on. So a test that signals a run
# once it has read a line finds the run at most LINES_AHEAD steps further, however busy the
# machine is: a run of more steps than that is still running when the signal comes. (A pipe
# the size of Linux's default, 64 KiB, holds a whole run of these lines.)
SMALL_PIPE = 4096
LINES_AHEAD = SMALL_PIPE // len(format_log_line(1, 0, 0) + "\n") + 1  # the shortest; + its write


def start_script(script, *args, cwd, pipesize=SMALL_PIPE):
    """Start one of the scripts and return at once, to read its output or signal it as it runs."""
    return subprocess.Popen([sys.executable, str(ROOT / script), *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd,
                            pipesize=pipesize)


def stoppable_run(lines_read, *flags):
    """(steps, flags) of a run that a test stops once it has read up to `lines_read` of its log
    lines, `flags` added: batch 32, a line at every step, and more steps than the run can get ahead of the
    test (LINES_AHEAD), so that it is still running when stopped. 32 hidden units, not the
    article's 128, for speed: these tests are about stopping, saving and resuming, which do not
    depend on the model's size (test_signals.py stops the article's)."""
    steps = LINES_AHEAD + lines_read
    return steps, ["--training-iters", str(32 * (steps + 1)), "--batch-size", "32",
                   "--display-step", "1", "--num-hidden", "32", *flags]


RESUMABLE_STEPS, RESUMABLE_FLAGS = stoppable_run(30, "--test-len", "64", "--seed", "2")


@pytest.fixture(scope="session")
def resumable_log(tiny_npz, tmp_path_factory):
    """What a run with RESUMABLE_FLAGS prints when nothing stops it (test_checkpoints.py,
    test_faults.py)."""
    return uninterrupted_stdout(["--data", tiny_npz, *RESUMABLE_FLAGS],
                                tmp_path_factory.mktemp("whole"))


def uninterrupted_stdout(flags, folder):
    """What a tiny run prints when nothing stops it: the log that stopped runs are held to."""
    result = run_script("train_rnn_mnist.py", *flags, cwd=folder)
    assert result.returncode == 0, result.stderr
    return result.stdout


def saved_run(tmp_path_factory, name, flags):
    """The checkpoint folder of a run of train_rnn_mnist.py with `flags` and --save-dir, its log
    not shown."""
    import contextlib
    import io

    folder = tmp_path_factory.mktemp("checkpoint") / name
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        train_rnn_mnist.main([*flags, "--save-dir", str(folder)])
    return folder


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory, tiny_npz):
    """A checkpoint of a tiny run (train_rnn_mnist.py --save-dir), made once."""
    return saved_run(tmp_path_factory, "tiny", ["--data", str(tiny_npz), *TINY_RUN_FLAGS])


# The page's model file, web/model.js: a script that sets window.RNN_MNIST_MODEL to the
# checkpoint's four variables (export_page_model.py), float32 for float32.
COMMITTED_MODEL = ROOT / "web" / "model.js"


def model_in(path):
    """The object a model file sets window.RNN_MNIST_MODEL to."""
    text = Path(path).read_text(encoding="utf-8")
    match = re.search(r"^window\.RNN_MNIST_MODEL = (\{.*\});\s*$", text, re.S | re.M)
    assert match, f"{path} does not set window.RNN_MNIST_MODEL"
    return json.loads(match.group(1))


def decoded(model, key):
    values = np.frombuffer(base64.b64decode(model["float32Base64"][key]), dtype="<f4")
    return values.reshape(model["shapes"][key])


def checkpoint_of_page_model(model_file, folder):
    """A checkpoint folder, as train_rnn_mnist.py --save-dir writes it, of a model file's four
    variables and its run's settings: enough to predict with (no Adam slots, no data stream)."""
    import export_page_model
    from rnn_mnist import checkpoints
    from rnn_mnist.tensorflow_v1 import tf

    model = model_in(model_file)
    values = {name: decoded(model, key) for key, name in export_page_model.VARIABLES.items()}
    settings = {key: model["about"][key] for key in ("step", "flags", "data_sha256", "versions")}
    with tf.Graph().as_default():
        x, _ = train_rnn_mnist.placeholders()
        train_rnn_mnist.RNN(x, model["numHidden"])
        saver = checkpoints.model_saver()
        with tf.Session() as session:
            for variable in tf.global_variables():
                variable.load(values[checkpoints.saved_name(variable)], session)
            checkpoints.save(folder, session, saver, settings, data_state={})
    return folder


@pytest.fixture(scope="session")
def article_checkpoint(tmp_path_factory):
    """The article's model: the weights of its default run (seed 0), which web/model.js holds
    number for number, as a checkpoint; for the tests that measure what the trained model reads.
    Written in 4 s: training it takes a minute on 2 cores. That the file holds what the
    default run trains is test_page.py's slow test, on trained_article_checkpoint."""
    return checkpoint_of_page_model(COMMITTED_MODEL, tmp_path_factory.mktemp("checkpoint") /
                                    "article")


@pytest.fixture(scope="session")
def trained_article_checkpoint(tmp_path_factory):
    """The article's default run (seed 0) on the embedded MNIST, trained here and kept with
    --save-dir. A minute on 2 cores: for slow tests only."""
    return saved_run(tmp_path_factory, "article", [])


def figure_drawn_by(monkeypatch, draw, *args):
    """The matplotlib figure that `draw(*args)` made and saved, kept from plt.close() so that a
    test can look at what it holds."""
    import matplotlib.pyplot as plt

    kept = []
    monkeypatch.setattr(plt, "close", kept.append)
    draw(*args)
    return kept[0]


def font_points(name):
    """A named font size ("small") in points, as matplotlib reckons it."""
    from matplotlib.font_manager import FontProperties

    return FontProperties(size=name).get_size_in_points()
