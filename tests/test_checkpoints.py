"""Checkpoints: save and restore, atomic saves, stopping by signal and resuming exactly."""

import json
import os
import shlex
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import checkpoints
import input_data
import tensorflow_v1
import train_rnn_mnist as trm
from conftest import (TINY_RUN_FLAGS, posix_signals, run_script, start_script,
                      uninterrupted_stdout)

# Batch 32 for 60 steps, a log line at every step: long enough to be stopped in the middle.
RESUMABLE_FLAGS = ["--training-iters", str(32 * 61), "--batch-size", "32", "--display-step", "1",
                   "--test-len", "64", "--seed", "2"]


def train_briefly(tiny_arrays, steps):
    """A graph, a session and the data stream after `steps` steps of the article's training."""
    tf = tensorflow_v1.load()
    graph = tf.Graph()
    with graph.as_default():
        trm.set_seed(0)
        model = trm.build_graph(num_hidden=16, learning_rate=0.01)
        saver = checkpoints.model_saver()
        session = tf.Session(graph=graph)
        session.run(tf.global_variables_initializer())
    mnist = input_data.data_sets_from_arrays(tiny_arrays, one_hot=True, seed=0)
    args = trm.parse_args(["--batch-size", "32", "--training-iters", str(32 * (steps + 1)),
                           "--display-step", "1000"])
    trm.train(session, model, mnist, args)
    return session, model, saver, mnist


def settings_at(step):
    return {"step": step, "flags": {"num_hidden": 16, "batch_size": 32, "learning_rate": 0.01,
                                    "seed": 0, "data": "tiny"}, "data_sha256": {}}


def test_save_and_restore_give_the_same_predictions(tiny_arrays, tmp_path):
    tf = tensorflow_v1.load()
    session, model, saver, mnist = train_briefly(tiny_arrays, steps=5)
    images = mnist.test.images[:50].reshape(-1, 28, 28)
    with session:
        before = session.run(model.preds, feed_dict={model.x: images})
        checkpoints.save(tmp_path, session, saver, settings_at(5), mnist.train.state())

    checkpoint = checkpoints.load(tmp_path)
    assert checkpoint.step == 5
    with tf.Graph().as_default():
        restored = trm.build_graph(num_hidden=16, learning_rate=0.01)
        with tf.Session() as session:
            session.run(tf.global_variables_initializer())  # other weights, until restored
            fresh = session.run(restored.preds, feed_dict={restored.x: images})
            checkpoints.model_saver().restore(session, checkpoint.model_prefix)
            after = session.run(restored.preds, feed_dict={restored.x: images})
    assert not np.array_equal(fresh, before)
    assert np.array_equal(after, before)


def test_the_data_stream_continues_exactly(tiny_arrays):
    first = input_data.data_sets_from_arrays(tiny_arrays, one_hot=True, seed=5).train
    for _ in range(13):  # past the end of the first epoch of 300 images
        first.next_batch(32)
    second = input_data.data_sets_from_arrays(tiny_arrays, one_hot=True, seed=5).train
    second.restore({key: np.array(value) for key, value in first.state().items()})
    for _ in range(20):
        assert np.array_equal(first.next_batch(32)[0], second.next_batch(32)[0])


def test_a_save_cut_off_midway_leaves_the_previous_checkpoint(tiny_arrays, tmp_path, monkeypatch):
    session, model, saver, mnist = train_briefly(tiny_arrays, steps=3)
    with session:
        checkpoints.save(tmp_path, session, saver, settings_at(3), mnist.train.state())
        first = checkpoints.load(tmp_path).folder

        def killed_while_writing(*args, **kwargs):
            raise KeyboardInterrupt  # as if the process died here

        monkeypatch.setattr(checkpoints.np, "savez", killed_while_writing)
        monkeypatch.setattr(checkpoints.shutil, "rmtree", lambda *args, **kwargs: None)  # dead
        with pytest.raises(KeyboardInterrupt):
            checkpoints.save(tmp_path, session, saver, settings_at(4), mnist.train.state())
        monkeypatch.undo()
        # The variables of step 4 were written, under a temporary name that nothing points to.
        assert [path.name for path in tmp_path.glob(".unfinished-*/model.index")]
        checkpoint = checkpoints.load(tmp_path)
        assert (checkpoint.folder, checkpoint.step) == (first, 3)
        checkpoint.release()  # else the save below leaves it for this reader (test_faults.py)

        monkeypatch.setattr(checkpoints.os, "replace", killed_while_writing)
        with pytest.raises(KeyboardInterrupt):
            checkpoints.save(tmp_path, session, saver, settings_at(5), mnist.train.state())
        monkeypatch.undo()
        # Renamed into place but not yet named by LATEST: still the previous one.
        assert checkpoints.load(tmp_path).step == 3

        checkpoints.save(tmp_path, session, saver, settings_at(6), mnist.train.state())
    # A complete save removes the previous checkpoint and what the cut-off saves left.
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "LATEST", checkpoints.load(tmp_path).folder.name]
    assert checkpoints.load(tmp_path).step == 6


@pytest.fixture(scope="module")
def uninterrupted_log(tiny_npz, tmp_path_factory):
    return uninterrupted_stdout(["--data", tiny_npz, *RESUMABLE_FLAGS],
                                tmp_path_factory.mktemp("whole"))


def stop_after_lines(flags, lines_before_signal, signal_number, cwd):
    """Run the trainer; send the signal once it has printed that many lines; return what it did."""
    process = start_script("train_rnn_mnist.py", *flags, cwd=cwd)
    # A run that hangs after the signal (as one did, waiting for a signal another thread had
    # taken) is killed and fails the test, rather than hanging the suite.
    watchdog = threading.Timer(300, process.kill)
    watchdog.start()
    printed = []
    for line in process.stdout:
        printed.append(line)
        if len(printed) == lines_before_signal:
            process.send_signal(signal_number)
    stderr = process.stderr.read()
    watchdog.cancel()
    return process.wait(timeout=120), "".join(printed), stderr


@posix_signals
@pytest.mark.parametrize("signal_number, lines_before_signal", [
    (signal.SIGINT, 1), (signal.SIGINT, 17), (signal.SIGTERM, 8),
    (getattr(signal, "SIGHUP", signal.SIGTERM), 5)],  # Windows, which has no SIGHUP, skips all
    ids=["SIGINT after 1 line", "SIGINT after 17 lines", "SIGTERM after 8 lines",
         "SIGHUP (the terminal closed) after 5 lines"])
def test_stopped_then_resumed_prints_the_uninterrupted_log(
        signal_number, lines_before_signal, tiny_npz, tmp_path, uninterrupted_log):
    save_dir = tmp_path / "checkpoint"
    flags = ["--data", str(tiny_npz), *RESUMABLE_FLAGS, "--save-dir", str(save_dir)]
    # The run inherits SIGHUP's disposition: as from a terminal, not nohup's SIG_IGN.
    hang_up = signal.signal(signal.SIGHUP, signal.SIG_DFL)
    try:
        exit_code, first_part, stderr = stop_after_lines(flags, lines_before_signal,
                                                         signal_number, tmp_path)
    finally:
        signal.signal(signal.SIGHUP, hang_up)

    assert exit_code == 128 + signal_number  # 130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP
    assert "Traceback" not in stderr
    stopped = stderr.splitlines()[-1]
    step = checkpoints.load(save_dir).step
    assert stopped.startswith(f"train_rnn_mnist.py: stopped after step {step} of 60; "
                              f"saved in {save_dir}; resume with: ")
    assert lines_before_signal <= step < 60
    assert first_part == "".join(uninterrupted_log.splitlines(keepends=True)[:step])

    # The command it printed resumes the run.
    resume = shlex.split(stopped.split("resume with: ", 1)[1])
    resumed = subprocess.run(resume, capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert f"resuming after step {step}" in resumed.stderr
    assert first_part + resumed.stdout == uninterrupted_log


@posix_signals
def test_stopped_without_save_dir_says_nothing_was_saved(tiny_npz, tmp_path):
    exit_code, _, stderr = stop_after_lines(["--data", tiny_npz, *RESUMABLE_FLAGS], 3,
                                            signal.SIGINT, tmp_path)
    assert exit_code == 130
    assert "Traceback" not in stderr
    assert stderr.splitlines()[-1].endswith(
        "; nothing saved (no --save-dir), so it cannot be resumed")


def test_resuming_with_more_iterations_continues_the_same_run(tiny_npz, tmp_path,
                                                              uninterrupted_log):
    short = ["--data", tiny_npz, *RESUMABLE_FLAGS, "--save-dir", tmp_path / "ck",
             "--training-iters", str(32 * 26)]
    first = run_script("train_rnn_mnist.py", *short, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    steps_printed = first.stdout.splitlines()[:-2]
    assert len(steps_printed) == 25
    rest = run_script("train_rnn_mnist.py", "--data", tiny_npz, *RESUMABLE_FLAGS,
                      "--save-dir", tmp_path / "ck", "--resume", cwd=tmp_path)
    assert rest.returncode == 0, rest.stderr
    assert "\n".join(steps_printed) + "\n" + rest.stdout == uninterrupted_log


def test_the_checkpoint_records_the_run(tiny_checkpoint, tiny_npz):
    settings_path = checkpoints.load(tiny_checkpoint).folder / "settings.json"
    settings = json.loads(settings_path.read_text(encoding="utf-8"))
    assert settings["step"] == settings["steps_total"] == 20
    assert settings["flags"]["batch_size"] == 64 and settings["flags"]["data"] == str(tiny_npz)
    assert set(settings["versions"]) == {"python", "tensorflow", "numpy"}
    assert set(settings["data_sha256"]) == set(input_data.MNIST_KEYS)
    state = checkpoints.load(tiny_checkpoint).data_state
    assert sorted(state["order"].tolist()) == list(range(300))


@pytest.mark.parametrize("flags, complaint", [
    (["--num-hidden", "64"], "--num-hidden is 64 but the checkpoint was made with 128"),
    (["--batch-size", "32"], "--batch-size is 32 but the checkpoint was made with 64"),
    (["--seed", "9"], "--seed is 9 but the checkpoint was made with 0"),
    (["--learning-rate", "0.01"], "--learning-rate is 0.01 but the checkpoint was made with 0.001"),
])
def test_resuming_with_other_settings_is_refused(flags, complaint, tiny_checkpoint, tiny_npz):
    result = run_script("train_rnn_mnist.py", "--data", tiny_npz, *TINY_RUN_FLAGS, *flags,
                        "--save-dir", tiny_checkpoint, "--resume")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"train_rnn_mnist.py: error: {tiny_checkpoint}: cannot resume: {complaint}"]


def test_resuming_with_other_data_is_refused(tiny_checkpoint, tiny_arrays, tmp_path):
    other = tmp_path / "other.npz"
    np.savez(other, **dict(tiny_arrays, y_test=tiny_arrays["y_test"][::-1].copy()))
    result = run_script("train_rnn_mnist.py", "--data", other, *TINY_RUN_FLAGS,
                        "--save-dir", tiny_checkpoint, "--resume")
    assert result.returncode == 1
    assert f"cannot resume: --data {other} is not the data the checkpoint was made with" \
        in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_resume_needs_save_dir():
    result = run_script("train_rnn_mnist.py", "--resume")
    assert result.returncode == 2
    assert "error: --resume needs --save-dir" in result.stderr


def test_resuming_from_an_empty_folder_is_one_clear_line(tmp_path):
    result = run_script("train_rnn_mnist.py", "--save-dir", tmp_path, "--resume")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"train_rnn_mnist.py: error: {tmp_path}: no checkpoint in this folder (no LATEST file)"]


def test_a_save_dir_that_is_a_file_is_refused_before_training(tiny_npz, tmp_path):
    a_file = tmp_path / "notes.txt"
    a_file.write_text("", encoding="utf-8")
    result = run_script("train_rnn_mnist.py", "--data", tiny_npz, "--save-dir", a_file)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"train_rnn_mnist.py: error: --save-dir {a_file} is a file, not a folder"]


def test_resuming_under_other_versions_warns(tiny_checkpoint, tiny_npz, tmp_path, capsys):
    copy = tmp_path / "checkpoint"
    shutil.copytree(tiny_checkpoint, copy)
    settings_path = checkpoints.load(copy).folder / "settings.json"
    settings = json.loads(settings_path.read_text(encoding="utf-8"))
    assert settings["versions"] == checkpoints.installed_versions()
    settings["versions"]["tensorflow"] = "1.15.0"
    settings_path.write_text(json.dumps(settings), encoding="utf-8")

    args = trm.parse_args(["--data", str(tiny_npz), *TINY_RUN_FLAGS, "--save-dir", str(copy),
                           "--resume"])
    mnist = input_data.read_data_sets(tiny_npz, one_hot=True)
    assert checkpoints.resume_checkpoint(args, mnist.sha256, mnist.train).step == 20
    assert capsys.readouterr().err == (
        f"warning: {copy} was saved under other versions (tensorflow 1.15.0 -> "
        f"{checkpoints.installed_versions()['tensorflow']}): the resumed steps may round differently "
        "from an uninterrupted run\n")


# ---------------------------------------------------------------------------------------------
# Periodic saves, kill -9, one run per folder


def kill_after(process, lines, extra_seconds):
    """SIGKILL the run once it has printed `lines` lines and `extra_seconds` more have passed."""
    printed = [process.stdout.readline() for _ in range(lines)]
    time.sleep(extra_seconds)
    process.kill()
    rest, _ = process.communicate(timeout=60)
    return "".join(printed) + rest


def check_kill_and_resume(tiny_npz, tmp_path, uninterrupted_log, lines, extra_seconds):
    save_dir = tmp_path / "checkpoint"
    flags = ["--data", tiny_npz, *RESUMABLE_FLAGS, "--save-dir", save_dir, "--save-every", "5"]
    printed = kill_after(start_script("train_rnn_mnist.py", *flags, cwd=tmp_path), lines,
                         extra_seconds)
    checkpoint = checkpoints.load(save_dir)
    assert checkpoint.step % 5 == 0 and checkpoint.step <= len(printed.splitlines())
    resumed = run_script("train_rnn_mnist.py", *flags, "--resume", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    expected = uninterrupted_log.splitlines(keepends=True)[checkpoint.step:]
    assert resumed.stdout == "".join(expected)


def test_after_kill_9_resume_continues_from_the_last_periodic_save(tiny_npz, tmp_path,
                                                                   uninterrupted_log):
    check_kill_and_resume(tiny_npz, tmp_path, uninterrupted_log, lines=12, extra_seconds=0.05)


@pytest.mark.slow
@pytest.mark.parametrize("lines, extra_seconds", [(6, 0.0), (17, 0.13), (31, 0.02), (44, 0.3)])
def test_kill_9_at_several_moments(lines, extra_seconds, tiny_npz, tmp_path, uninterrupted_log):
    check_kill_and_resume(tiny_npz, tmp_path, uninterrupted_log, lines, extra_seconds)


def test_a_second_run_on_a_folder_in_use_is_refused_and_the_lock_dies_with_kill_9(
        tiny_npz, tmp_path):
    save_dir = tmp_path / "checkpoint"
    flags = ["--data", tiny_npz, *RESUMABLE_FLAGS, "--save-dir", save_dir]
    first = start_script("train_rnn_mnist.py", *flags, cwd=tmp_path)
    first.stdout.readline()  # training has begun: the folder is locked
    second = run_script("train_rnn_mnist.py", *flags, "--overwrite", cwd=tmp_path)
    assert second.returncode == 1
    assert second.stderr.splitlines() == [
        f"train_rnn_mnist.py: error: --save-dir {save_dir} is in use by another run "
        f"(process {first.pid}): one run per folder"]
    assert second.stdout == ""
    first.kill()
    first.communicate(timeout=60)
    # No lock outlives its process: the folder can be used at once.
    third = run_script("train_rnn_mnist.py", *flags, "--save-every", "0", "--overwrite",
                       cwd=tmp_path)
    assert third.returncode == 0, third.stderr


def test_a_new_run_on_a_folder_with_a_checkpoint_is_refused_unless_overwrite(
        tiny_checkpoint, tiny_npz, tmp_path):
    copy = tmp_path / "checkpoint"
    shutil.copytree(tiny_checkpoint, copy)
    before = checkpoints.load(copy).folder
    flags = ["--data", tiny_npz, *TINY_RUN_FLAGS, "--save-dir", copy]
    refused = run_script("train_rnn_mnist.py", *flags, cwd=tmp_path)
    assert refused.returncode == 1
    assert refused.stderr.splitlines() == [
        f"train_rnn_mnist.py: error: --save-dir {copy} holds a checkpoint: add --resume to "
        "continue it, --overwrite to replace it, or choose another folder"]
    assert checkpoints.load(copy).folder == before and before.is_dir()
    replaced = run_script("train_rnn_mnist.py", *flags, "--seed", "3", "--overwrite",
                          cwd=tmp_path)
    assert replaced.returncode == 0, replaced.stderr
    assert checkpoints.load(copy).settings["flags"]["seed"] == 3 and not before.exists()


@pytest.mark.parametrize("save_dir, complaint", [
    (lambda tmp: tmp / "notes.txt" / "inside", "cannot be created (Not a directory)"),
    pytest.param(lambda tmp: "/proc/self/checkpoint", "cannot be created (",
                 marks=pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="no /proc")),
])
def test_a_save_dir_that_cannot_be_written_is_refused_before_training(save_dir, complaint,
                                                                      tiny_npz, tmp_path):
    (tmp_path / "notes.txt").write_text("", encoding="utf-8")
    folder = save_dir(tmp_path)
    result = run_script("train_rnn_mnist.py", "--data", tiny_npz, *TINY_RUN_FLAGS,
                        "--save-dir", folder, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == ""  # not one step trained
    assert result.stderr.splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith(f"train_rnn_mnist.py: error: --save-dir {folder}: {complaint}")


def test_periodic_saves_cost_nothing_in_the_log(tiny_npz, tmp_path, uninterrupted_log):
    result = run_script("train_rnn_mnist.py", "--data", tiny_npz, *RESUMABLE_FLAGS,
                        "--save-dir", tmp_path / "ck", "--save-every", "7", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == uninterrupted_log
    assert checkpoints.load(tmp_path / "ck").step == 60


# ---------------------------------------------------------------------------------------------
# Every checkpoint fault is one clear line


def with_latest(data):
    def damage(folder):
        (folder.parent / "LATEST").write_bytes(data)
        return f"{folder.parent / 'LATEST'}: "
    return damage


def replaced(name, make):
    """The piece `name` (LATEST is beside the checkpoint, the rest in it) removed, and
    make(path) putting something else there."""
    def damage(folder):
        path = folder.parent / name if name == "LATEST" else folder / name
        path.unlink()
        make(path)
        return f"{path}: "
    return damage


def fifo_for(name):
    """The piece replaced by a FIFO: reading it would wait for ever for a writer."""
    def make(path):
        if not hasattr(os, "mkfifo"):
            pytest.skip("no FIFOs on this system (Windows)")
        os.mkfifo(path)
    return replaced(name, make)


def link_for(name, target):
    return replaced(name, lambda path: path.symlink_to(target))


def with_flag(flag, value):
    def damage(folder):
        path = folder / "settings.json"
        settings = json.loads(path.read_text(encoding="utf-8"))
        settings["flags"][flag] = value
        path.write_text(json.dumps(settings), encoding="utf-8")
        return f"{path}: "
    return damage


def with_state(**changes):
    """The data state with arrays replaced (None: removed)."""
    def damage(folder):
        path = folder / "data_state.npz"
        with np.load(path) as archive:
            state = {key: archive[key] for key in archive.files}
        for key, value in changes.items():
            state.pop(key) if value is None else state.__setitem__(key, value)
        np.savez(path, **state)
        return f"{path}: "
    return damage


def with_settings(text):
    def damage(folder):
        (folder / "settings.json").write_text(text, encoding="utf-8")
        return f"{folder / 'settings.json'}: "
    return damage


def without(name):
    def damage(folder):
        (folder / name).unlink()
        return f"{folder / name}: missing"
    return damage


def cut_short(folder):
    data_file = folder / "model.data-00000-of-00001"
    data_file.write_bytes(data_file.read_bytes()[:100])
    return f"{data_file}: damaged or cut short ("


def latest_naming_nothing(folder):
    (folder.parent / "LATEST").write_text("step-0000099-gone\n", encoding="utf-8")
    return f"{folder.parent}: LATEST names 'step-0000099-gone', which is not a checkpoint"


CHECKPOINT_FAULTS = [
    ("settings a list", with_settings("[1, 2]"), "a JSON array, not an object"),
    ("settings a number", with_settings("7"), "a JSON number, not an object"),
    ("step a string", with_settings('{"step": "20", "flags": {}, "data_sha256": {}}'),
     "step is a JSON string, not a whole number"),
    ("flags a list", with_settings('{"step": 20, "flags": [], "data_sha256": {}}'),
     "flags is a JSON array, not an object"),
    ("model index missing", without("model.index"), ""),
    ("model data missing", without("model.data-00000-of-00001"), ""),
    ("data state missing", without("data_state.npz"), ""),
    ("model data cut short", cut_short, ""),
    ("LATEST names nothing", latest_naming_nothing, ""),
    ("LATEST not UTF-8", with_latest(b"\xff\xfe step\n"), "not UTF-8 text"),
    ("LATEST a FIFO", fifo_for("LATEST"), "not a regular file"),
    ("LATEST a link to /dev/zero", link_for("LATEST", "/dev/zero"), "a symbolic link"),
    ("LATEST large", with_latest(b"step-" + b"0" * 100_000), "larger than the 256 bytes"),
    ("settings a FIFO", fifo_for("settings.json"), "not a regular file"),
    ("settings a link to /dev/zero", link_for("settings.json", "/dev/zero"), "a symbolic link"),
    ("settings 2 MB", with_settings(" " * 2_000_000 + "{}"), "larger than the 1,048,576 bytes"),
    ("num_hidden a string", with_flag("num_hidden", "128"),
     'flags.num_hidden is "128", not a whole number above 0'),
    ("learning_rate null", with_flag("learning_rate", None),
     "flags.learning_rate is null, not a number above 0"),
    ("model index a FIFO", fifo_for("model.index"), "not a regular file"),
    ("data state a FIFO", fifo_for("data_state.npz"), "not a regular file"),
    ("data state without order", with_state(order=None), "missing order"),
    ("data state order short", with_state(order=np.arange(5)),
     "order is int64 of shape (5,), not a whole number of shape (300,)"),
    ("data state index out of range", with_state(order=np.full(300, 10**6)),
     "order is not an order of the 300 training images"),
    ("data state position out of range", with_state(index_in_epoch=np.array(301)),
     "index_in_epoch is 301, outside 0..300"),
    ("data state keys of floats", with_state(rng_keys=np.zeros(624)),
     "rng_keys is float64 of shape (624,), not u of shape (624,)"),
]


@pytest.mark.parametrize("damage, complaint", [case[1:] for case in CHECKPOINT_FAULTS],
                         ids=[case[0] for case in CHECKPOINT_FAULTS])
def test_a_damaged_checkpoint_is_one_line_naming_the_file(damage, complaint, tiny_checkpoint,
                                                          tiny_npz, tmp_path):
    copy = tmp_path / "checkpoint"
    shutil.copytree(tiny_checkpoint, copy)
    expected_start = damage(checkpoints.load(copy).folder) + complaint
    result = run_script("train_rnn_mnist.py", "--data", tiny_npz, *TINY_RUN_FLAGS,
                        "--save-dir", copy, "--resume", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    # The model's files are read once TensorFlow has loaded, after the run's header line.
    lines = [line for line in result.stderr.splitlines()
             if line.startswith("train_rnn_mnist.py: ")  # not the TF wheel's own lines
             and not line.startswith("train_rnn_mnist.py: seed ")]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"train_rnn_mnist.py: error: {expected_start}")
