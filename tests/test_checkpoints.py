"""Checkpoints: save and restore, atomic saves, stopping by signal and resuming exactly."""

import codecs
import errno
import io
import json
import os
import shlex
import shutil
import signal
import sys
import threading
import time
import types
from pathlib import Path

import numpy as np
import pytest

import input_data
import train_rnn_mnist as trm
from conftest import (RESUMABLE_FLAGS, RESUMABLE_STEPS, TINY_RUN_FLAGS, posix_signals, run_main,
                      run_script, start_script)
from rnn_mnist import checkpoints, tensorflow_v1


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


@pytest.mark.trains
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
        assert (tmp_path / ".unfinished" / "model.index").is_file()
        checkpoint = checkpoints.load(tmp_path)
        assert (checkpoint.folder, checkpoint.step) == (first, 3)
        checkpoint.release()  # else the save below leaves it for this reader (test_faults.py)

        replace = os.replace
        monkeypatch.setattr(checkpoints.os, "replace", lambda source, target: (
            killed_while_writing() if Path(target).name == "LATEST" else replace(source, target)))
        with pytest.raises(KeyboardInterrupt):
            checkpoints.save(tmp_path, session, saver, settings_at(5), mnist.train.state())
        monkeypatch.undo()
        # Renamed into place but not yet named by LATEST: still the previous one.
        assert checkpoints.load(tmp_path).step == 3

        checkpoints.save(tmp_path, session, saver, settings_at(6), mnist.train.state())
    # A complete save removes the previous checkpoint and what the cut-off saves left.
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        ".saves", "LATEST", checkpoints.load(tmp_path).folder.name]
    assert checkpoints.load(tmp_path).step == 6


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
@pytest.mark.trains
def test_stopped_then_resumed_prints_the_resumable_log(
        signal_number, lines_before_signal, tiny_npz, tmp_path, resumable_log):
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
    assert stopped.startswith(f"train_rnn_mnist.py: stopped after step {step} of "
                              f"{RESUMABLE_STEPS}; "
                              f"saved in {save_dir}; resume with: ")
    assert lines_before_signal <= step < RESUMABLE_STEPS
    assert first_part == "".join(resumable_log.splitlines(keepends=True)[:step])

    # The command it printed resumes the run: its program is this Python and the trainer, and
    # its flags run here in this process (test_platforms.py runs such a command as printed).
    resume = shlex.split(stopped.split("resume with: ", 1)[1])
    assert [Path(tmp_path, word).resolve() for word in resume[:2]] == [
        Path(sys.executable).resolve(), checkpoints.TRAINER]
    resumed = run_main(trm.main, *resume[2:])
    assert resumed.returncode == 0, resumed.stderr
    assert f"resuming after step {step}" in resumed.stderr
    assert first_part + resumed.stdout == resumable_log


@pytest.mark.trains
@posix_signals
def test_stopped_without_save_dir_says_nothing_was_saved(tiny_npz, tmp_path):
    exit_code, _, stderr = stop_after_lines(["--data", tiny_npz, *RESUMABLE_FLAGS], 3,
                                            signal.SIGINT, tmp_path)
    assert exit_code == 130
    assert "Traceback" not in stderr
    assert stderr.splitlines()[-1].endswith(
        "; nothing saved (no --save-dir), so it cannot be resumed")


@pytest.mark.trains
def test_resuming_with_more_iterations_continues_the_same_run(tiny_npz, tmp_path,
                                                              resumable_log):
    short = ["--data", tiny_npz, *RESUMABLE_FLAGS, "--save-dir", tmp_path / "ck",
             "--training-iters", str(32 * 26)]
    first = run_script("train_rnn_mnist.py", *short, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    steps_printed = first.stdout.splitlines()[:-2]
    assert len(steps_printed) == 25
    rest = run_main(trm.main, "--data", tiny_npz, *RESUMABLE_FLAGS, "--save-dir", tmp_path / "ck",
                    "--resume")
    assert rest.returncode == 0, rest.stderr
    assert "\n".join(steps_printed) + "\n" + rest.stdout == resumable_log


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


def check_kill_and_resume(tiny_npz, tmp_path, resumable_log, lines, extra_seconds):
    save_dir = tmp_path / "checkpoint"
    flags = ["--data", tiny_npz, *RESUMABLE_FLAGS, "--save-dir", save_dir, "--save-every", "5"]
    printed = kill_after(start_script("train_rnn_mnist.py", *flags, cwd=tmp_path), lines,
                         extra_seconds)
    checkpoint = checkpoints.load(save_dir)
    assert checkpoint.step % 5 == 0 and checkpoint.step <= len(printed.splitlines())
    resumed = run_main(trm.main, *flags, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    expected = resumable_log.splitlines(keepends=True)[checkpoint.step:]
    assert resumed.stdout == "".join(expected)


@pytest.mark.trains
def test_after_kill_9_resume_continues_from_the_last_periodic_save(tiny_npz, tmp_path,
                                                                   resumable_log):
    check_kill_and_resume(tiny_npz, tmp_path, resumable_log, lines=12, extra_seconds=0.05)


@pytest.mark.slow
@pytest.mark.parametrize("lines, extra_seconds", [(6, 0.0), (17, 0.13), (31, 0.02), (44, 0.3)])
def test_kill_9_at_several_moments(lines, extra_seconds, tiny_npz, tmp_path, resumable_log):
    check_kill_and_resume(tiny_npz, tmp_path, resumable_log, lines, extra_seconds)


@pytest.mark.trains
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


@pytest.mark.trains
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


@pytest.mark.trains
def test_periodic_saves_cost_nothing_in_the_log(tiny_npz, tmp_path, resumable_log):
    result = run_script("train_rnn_mnist.py", "--data", tiny_npz, *RESUMABLE_FLAGS,
                        "--save-dir", tmp_path / "ck", "--save-every", "7", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == resumable_log
    assert checkpoints.load(tmp_path / "ck").step == RESUMABLE_STEPS


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
@pytest.mark.trains
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


# ---------------------------------------------------------------------------------------------
# The pieces of a checkpoint read and checked one by one, with no training and no TensorFlow:
# each fault's exact line.

VALID_SETTINGS = {"step": 20, "flags": {"num_hidden": 128, "batch_size": 64, "seed": 0,
                                        "learning_rate": 0.001, "training_iters": 1344,
                                        "display_step": 10, "test_len": 128, "data": "d.npz"},
                  "data_sha256": {"x_train": "ab"}, "versions": {"numpy": "2.0"}}


def settings_with(**changes):
    """VALID_SETTINGS with keys replaced (a `flags__name` key: a flag; None: removed)."""
    settings = json.loads(json.dumps(VALID_SETTINGS))
    for key, value in changes.items():
        owner, name = (settings["flags"], key[len("flags__"):]) if key.startswith("flags__") \
            else (settings, key)
        owner.pop(name) if value is None else owner.__setitem__(name, value)
    return json.dumps(settings)


@pytest.mark.parametrize("text, complaint", [
    ("[1, 2]", "a JSON array, not an object"),
    ("7", "a JSON number, not an object"),
    ("7.5", "a JSON number, not an object"),
    ('"text"', "a JSON string, not an object"),
    ("null", "a JSON null, not an object"),
    ("true", "a JSON boolean, not an object"),
    ("{", "not readable JSON (Expecting property name enclosed in double quotes: line 1 "
          "column 2 (char 1))"),
    ("[" * 100_000, "not readable JSON (maximum recursion depth exceeded"),
    ('{"flags": {}}', "missing step, data_sha256"),
    (settings_with(step="20"), "step is a JSON string, not a whole number"),
    (settings_with(step=True), "step is a JSON boolean, not a whole number"),
    (settings_with(step=2.0), "step is a JSON number, not a whole number"),
    (settings_with(step={}), "step is a JSON object, not a whole number"),
    (settings_with(step=-1), "step is -1, not a step number"),
    (settings_with(flags=[]), "flags is a JSON array, not an object"),
    (settings_with(data_sha256="ab"), "data_sha256 is a JSON string, not an object"),
    (settings_with(flags__seed=None, flags__num_hidden=None), "missing flags.num_hidden, "
                                                              "flags.seed"),
    (settings_with(flags__num_hidden="128"), 'flags.num_hidden is "128", not a whole number '
                                             "above 0"),
    (settings_with(flags__num_hidden=0), "flags.num_hidden is 0, not a whole number above 0"),
    (settings_with(flags__num_hidden=True), "flags.num_hidden is true, not a whole number "
                                            "above 0"),
    (settings_with(flags__test_len=1.5), "flags.test_len is 1.5, not a whole number above 0"),
    (settings_with(flags__seed=-1), "flags.seed is -1, not a whole number above 0"),
    (settings_with(flags__learning_rate=0), "flags.learning_rate is 0, not a number above 0"),
    (settings_with(flags__learning_rate=None), "missing flags.learning_rate"),
    (settings_with(flags__data=5), "flags.data is a JSON number, not a string"),
    (settings_with(versions=["2.0"]), "versions is not an object of version strings"),
    (settings_with(versions={"numpy": 2}), "versions is not an object of version strings"),
])
def test_each_fault_in_the_settings_is_named(text, complaint, tmp_path):
    (tmp_path / "settings.json").write_text(text, encoding="utf-8")
    with pytest.raises(checkpoints.CheckpointError) as refused:
        checkpoints.read_settings(tmp_path)
    assert str(refused.value).startswith(f"{tmp_path / 'settings.json'}: {complaint}")


@pytest.mark.parametrize("text", [
    settings_with(), settings_with(flags__seed=0, step=0, versions=None),
    settings_with(flags__learning_rate=1, flags__data=None, flags__training_iters=None)])
def test_settings_as_a_run_writes_them_are_read(text, tmp_path):
    (tmp_path / "settings.json").write_text(text, encoding="utf-8")
    assert checkpoints.read_settings(tmp_path) == json.loads(text)


def test_missing_settings_and_unreadable_pieces_are_named(tmp_path):
    with pytest.raises(checkpoints.CheckpointError, match="^.*settings.json: missing$"):
        checkpoints.read_settings(tmp_path)
    (tmp_path / "settings.json").mkdir()
    with pytest.raises(checkpoints.CheckpointError) as refused:
        checkpoints.read_settings(tmp_path)
    assert str(refused.value) == f"{tmp_path / 'settings.json'}: a folder, not a file"


def test_a_piece_the_system_cannot_read_says_why(tmp_path, monkeypatch):
    def failing(path, limit):
        raise OSError(errno.EIO, "Input/output error", str(path))

    monkeypatch.setattr(checkpoints, "read_own_file", failing)
    with pytest.raises(checkpoints.CheckpointError) as refused:
        checkpoints.read_settings(tmp_path)
    assert str(refused.value) == (f"{tmp_path / 'settings.json'}: cannot be read (Input/output "
                                  "error)")


def saved_checkpoint(folder, name="step-0000020-abcdefgh", settings=None):
    """A checkpoint folder as save() leaves it, with stand-ins for the model's files."""
    checkpoint = folder / name
    checkpoint.mkdir(parents=True)
    for model_file in checkpoints.MODEL_FILES:
        (checkpoint / model_file).write_bytes(b"model")
    (checkpoint / "settings.json").write_text(settings or settings_with(), encoding="utf-8")
    np.savez(checkpoint / "data_state.npz", order=np.arange(3))
    (folder / "LATEST").write_text(name + "\n", encoding="utf-8")
    return checkpoint


def test_load_reads_what_latest_names_and_holds_it(tmp_path):
    folder = saved_checkpoint(tmp_path)
    checkpoint = checkpoints.load(tmp_path)
    assert checkpoint.folder == folder and checkpoint.step == 20
    assert checkpoint.model_prefix == str(folder / "model")
    assert list(checkpoint.data_state) == ["order"]
    assert checkpoint.held is not None and not checkpoint.held.closed
    held = checkpoint.held
    checkpoint.release()
    assert checkpoint.held is None and held.closed
    checkpoint.release()  # twice is harmless


@pytest.mark.parametrize("damage, complaint", [
    (lambda folder: (folder / "LATEST").unlink(), "{top}: no checkpoint in this folder (no "
                                                  "LATEST file)"),
    (lambda folder: (folder / "LATEST").write_text("step-0000021-abcdefgh\n"),
     "{top}: LATEST names 'step-0000021-abcdefgh', which is not a checkpoint in this folder"),
    (lambda folder: (folder / "LATEST").write_text("../../etc\n"),
     "{top}: LATEST names '../../etc', which is not a checkpoint in this folder"),
    (lambda folder: (folder / "LATEST").write_bytes(b"\xff\n"),
     "{top}/LATEST: not UTF-8 text, so not a checkpoint's name"),
    (lambda folder: (folder / "step-0000020-abcdefgh" / "model.index").unlink(),
     "{top}/step-0000020-abcdefgh/model.index: missing (the model's variables)"),
    (lambda folder: (folder / "step-0000020-abcdefgh" / "data_state.npz").unlink(),
     "{top}/step-0000020-abcdefgh/data_state.npz: missing"),
    (lambda folder: (folder / "step-0000020-abcdefgh" / "data_state.npz").write_bytes(b"PK"),
     "{top}/step-0000020-abcdefgh/data_state.npz: not readable ("),
    (lambda folder: (folder / "step-0000020-abcdefgh" / "data_state.npz").write_bytes(
        b"PK\x03\x04 cut short"),
     "{top}/step-0000020-abcdefgh/data_state.npz: not readable (File is not a zip file)"),
    (lambda folder: (folder / "step-0000020-abcdefgh" / "settings.json").unlink(),
     "{top}/step-0000020-abcdefgh/settings.json: missing"),
])
def test_each_missing_or_damaged_piece_is_named(damage, complaint, tmp_path):
    saved_checkpoint(tmp_path)
    damage(tmp_path)
    with pytest.raises(checkpoints.CheckpointError) as refused:
        checkpoints.load(tmp_path)
    assert str(refused.value).startswith(complaint.format(top=tmp_path))


def test_a_folder_that_is_not_there_is_named(tmp_path):
    with pytest.raises(checkpoints.CheckpointError) as refused:
        checkpoints.load(tmp_path / "gone")
    assert str(refused.value) == f"{tmp_path / 'gone'}: no such folder"


def test_a_checkpoint_replaced_while_it_is_read_is_read_again(tmp_path, monkeypatch):
    saved_checkpoint(tmp_path)
    newer = saved_checkpoint(tmp_path, "step-0000040-abcdefgh", settings_with(step=40))
    (tmp_path / "LATEST").write_text("step-0000020-abcdefgh\n", encoding="utf-8")
    read = checkpoints.read_settings

    def replaced_once(folder):
        if folder.name == "step-0000020-abcdefgh":  # the run saved step 40 meanwhile
            (tmp_path / "LATEST").write_text(newer.name + "\n", encoding="utf-8")
            shutil.rmtree(folder)
            raise checkpoints.CheckpointError("gone")
        return read(folder)

    monkeypatch.setattr(checkpoints, "read_settings", replaced_once)
    assert checkpoints.load(tmp_path).step == 40


def test_a_checkpoint_replaced_at_every_read_gives_up_after_20_tries(tmp_path, monkeypatch):
    saved_checkpoint(tmp_path)
    names = iter(f"step-{step:07d}-zzzzzzzz" for step in range(100))
    monkeypatch.setattr(checkpoints, "read_latest_name", lambda directory: next(names))
    with pytest.raises(checkpoints.CheckpointError) as refused:
        checkpoints.load(tmp_path)
    assert str(refused.value) == (f"{tmp_path}: the checkpoint was replaced 20 times while it was "
                                  "being read: is a run saving there at every step?")
    assert next(names) == "step-0000040-zzzzzzzz"  # two reads of LATEST per try


def checkpoint_of(settings):
    return checkpoints.Checkpoint(Path("ck"), json.loads(settings), {})


def test_what_differs_from_the_checkpoints_run_is_named_flag_by_flag():
    checkpoint = checkpoint_of(settings_with())
    flags = dict(VALID_SETTINGS["flags"])
    assert checkpoints.differences(checkpoint, flags, {"x_train": "ab"}) == []
    flags.update(num_hidden=64, seed=3, training_iters=99, data="other.npz")
    assert checkpoints.differences(checkpoint, flags, {"x_train": "cd"}) == [
        "--num-hidden is 64 but the checkpoint was made with 128",
        "--seed is 3 but the checkpoint was made with 0",
        "--data other.npz is not the data the checkpoint was made with (d.npz)"]


def test_version_changes_name_each_version_that_changed():
    checkpoint = checkpoint_of(settings_with(versions={"numpy": "2.0", "python": "3.11.7"}))
    assert checkpoints.version_changes(checkpoint, {"numpy": "2.0", "python": "3.11.7"}) == []
    assert checkpoints.version_changes(checkpoint, {"numpy": "2.1", "python": "3.11.7"}) == [
        "numpy 2.0 -> 2.1"]
    assert checkpoints.version_changes(checkpoint, {"numpy": "2.0"}) == ["python 3.11.7 -> None"]
    assert checkpoints.version_changes(checkpoint_of(settings_with(versions=None)),
                                       {"numpy": "2.0"}) == []


@pytest.mark.parametrize("training_iters, batch_size, steps", [
    (100_000, 128, 781), (128, 128, 0), (129, 128, 1), (1, 128, 0), (0, 128, 0), (257, 128, 2)])
def test_total_steps_counts_the_articles_loop(training_iters, batch_size, steps):
    assert checkpoints.total_steps(training_iters, batch_size) == steps


def test_a_checkpoint_records_the_flags_that_made_it_and_no_others(tmp_path):
    args = trm.parse_args(["--data", str(tmp_path / "d.npz"), "--save-dir", str(tmp_path),
                           "--save-every", "5", "--overwrite", "--seed", "3"])
    flags = checkpoints.recorded_flags(args)
    assert flags["data"] == str(tmp_path / "d.npz") and flags["seed"] == 3
    assert not {"save_dir", "save_every", "resume", "overwrite", "verbose", "logdir",
                "argv"} & set(flags)
    assert set(checkpoints.FLAGS_THAT_MUST_MATCH) <= set(flags)
    settings = checkpoints.run_settings(args, 7, {"x_train": "ab"})
    assert settings["step"] == 7 and settings["steps_total"] == 781
    assert settings["flags"] == flags and settings["data_sha256"] == {"x_train": "ab"}
    assert settings["versions"] == checkpoints.installed_versions()
    assert set(settings["versions"]) == {"python", "tensorflow", "numpy"}
    assert settings["saved_at"].endswith("+00:00")


def test_the_resume_command_drops_overwrite_and_adds_resume_once(monkeypatch, tmp_path):
    # From the project's folder: the trainer and the venv's Python by their relative paths,
    # shorter than their absolute ones; the root by its absolute one.
    from rnn_mnist import cli

    monkeypatch.setattr(cli, "WINDOWS_SHELLS", False)  # as sh quotes it (test_bad_input: both)
    monkeypatch.chdir(checkpoints.TRAINER.parent)
    monkeypatch.setattr(checkpoints.sys, "executable",
                        str(checkpoints.TRAINER.parent / ".venv" / "bin" / "python"))
    command = checkpoints.resume_command(["--save-dir", "my ck", "--overwrite", "--seed", "3"])
    assert command == (".venv/bin/python train_rnn_mnist.py --save-dir 'my ck' --seed 3 "
                       "--resume")
    assert checkpoints.resume_command(["--save-dir", "ck", "--resume"]).endswith(
        "--save-dir ck --resume")
    assert checkpoints.shortest_path("/") == "/"  # shorter than ../../..


def test_the_lock_names_this_process_alone_and_refuses_a_second_holder(tmp_path):
    (tmp_path / ".lock").write_text("4242424242 stale, from a run long gone\n")
    held = checkpoints.lock(tmp_path)
    try:
        assert (tmp_path / ".lock").read_text() == f"{os.getpid()}\n"
        with pytest.raises(checkpoints.CheckpointError) as refused:
            checkpoints.lock(tmp_path)  # another open file: refused as another process would be
        assert str(refused.value) == (f"--save-dir {tmp_path} is in use by another run (process "
                                      f"{os.getpid()}): one run per folder")
    finally:
        held.close()
    checkpoints.lock(tmp_path).close()  # free again


def test_the_in_use_message_shows_at_most_64_characters_of_the_lock_file_or_unknown(tmp_path):
    held = checkpoints.lock(tmp_path)
    try:
        for text, holder in [("", "unknown"), (" \n", "unknown"), ("7" * 100, "7" * 64)]:
            (tmp_path / ".lock").write_text(text)  # what a crashed or foreign holder left
            with pytest.raises(checkpoints.CheckpointError) as refused:
                checkpoints.lock(tmp_path)
            assert str(refused.value) == (f"--save-dir {tmp_path} is in use by another run "
                                          f"(process {holder}): one run per folder")
    finally:
        held.close()


def read_only_medium(monkeypatch, code=errno.EROFS):
    """checkpoints' files opened as on a read-only disk, or a folder of another user's (root
    passes the permission checks, so it cannot be made by chmod here)."""
    real = checkpoints.open_own_file

    def open_own_file(path, flags, *args):
        if flags & (os.O_RDWR | os.O_WRONLY | os.O_CREAT):
            raise OSError(code, os.strerror(code), str(path))
        return real(path, flags, *args)
    monkeypatch.setattr(checkpoints, "open_own_file", open_own_file)


def test_a_save_dir_whose_lock_opens_but_where_no_file_can_be_made_is_refused_first(
        tmp_path, monkeypatch):
    """A lock file left from an earlier run opens, yet a new file cannot be made there (a folder
    whose permissions allow writing its files but not adding any): refused before training,
    not at the first save, the folder named with the system's reason."""
    real = checkpoints.tempfile.TemporaryFile

    def temporary_file(*args, dir=None, **options):
        if dir is not None and Path(dir) == tmp_path / "ck":
            raise OSError(errno.EACCES, os.strerror(errno.EACCES))
        return real(*args, dir=dir, **options)
    monkeypatch.setattr(checkpoints.tempfile, "TemporaryFile", temporary_file)
    with pytest.raises(checkpoints.CheckpointError) as refused:
        run_checkpoints(tmp_path)
    assert str(refused.value) == f"--save-dir {tmp_path / 'ck'}: cannot be written (Permission " \
                                 "denied)"


@pytest.mark.parametrize("code", [errno.EROFS, errno.EACCES, errno.EPERM])
def test_a_checkpoint_that_cannot_be_written_is_read_and_held_read_only(tmp_path, monkeypatch,
                                                                          code):
    saved_checkpoint(tmp_path)
    read_only_medium(monkeypatch, code)
    checkpoint = checkpoints.load(tmp_path)
    try:
        assert checkpoint.step == 20 and checkpoint.held.mode == "rb"
        assert checkpoint.held.read() == (tmp_path / "step-0000020-abcdefgh" /
                                          "settings.json").read_bytes()
    finally:
        checkpoint.release()


def test_a_settings_file_that_fails_otherwise_is_not_opened_read_only(tmp_path, monkeypatch):
    saved_checkpoint(tmp_path)
    read_only_medium(monkeypatch, errno.EIO)
    with pytest.raises(checkpoints.CheckpointError) as refused:
        checkpoints.load(tmp_path)
    assert str(refused.value) == (f"{tmp_path / 'step-0000020-abcdefgh' / 'settings.json'}: "
                                  "cannot be read (Input/output error)")


def test_a_save_dir_where_the_lock_cannot_be_made_is_refused_in_one_line(tmp_path, monkeypatch):
    read_only_medium(monkeypatch, errno.EACCES)
    with pytest.raises(checkpoints.CheckpointError) as refused:
        checkpoints.lock(tmp_path)
    assert str(refused.value) == f"--save-dir {tmp_path}: cannot be written (Permission denied)"
    assert not (tmp_path / ".lock").exists()


def test_only_the_checkpoints_the_folder_lists_go_and_nothing_else(tmp_path):
    """Issue 33: any name `step-NNNNNNN-` and 8 characters was taken for a checkpoint's."""
    for name in ("step-0000010-abcdefgh", "step-0000020-abcdefgh", "step-0000099-keepthis",
                 "step-0000001-mydigits", ".unfinished-abcdefgh"):
        (tmp_path / name).mkdir()
    (tmp_path / "step-0000099-keepthis" / "NOTES.txt").write_text("mine")
    (tmp_path / "step-0000002-backup01").write_text("mine")
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    outside.mkdir()
    (outside / "precious.txt").write_text("mine")
    (tmp_path / "step-0000030-zzzzzzzz").symlink_to(outside)
    checkpoints.write_saves(tmp_path, {"step-0000010-abcdefgh", "step-0000030-zzzzzzzz"})
    before = {path.name for path in tmp_path.iterdir()}

    assert checkpoints.remove_older(tmp_path, checkpoints.read_saves(tmp_path)) == set()
    assert {path.name for path in tmp_path.iterdir()} == before - {"step-0000010-abcdefgh"}
    assert (outside / "precious.txt").read_text() == "mine"  # a link is not followed


@pytest.mark.parametrize("first", ["a link", "a file"])
def test_a_name_that_is_not_a_checkpoint_folder_does_not_stop_the_older_ones_going(first,
                                                                                   tmp_path):
    # The older names come as a set, in any order: the one met first is fixed here.
    (tmp_path / "step-0000010-abcdefgh").mkdir()
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    outside.mkdir()
    if first == "a link":
        (tmp_path / "step-0000005-zzzzzzzz").symlink_to(outside)
    else:
        (tmp_path / "step-0000005-zzzzzzzz").write_text("mine")

    assert checkpoints.remove_older(
        tmp_path, ["step-0000005-zzzzzzzz", "step-0000010-abcdefgh"]) == set()
    assert {path.name for path in tmp_path.iterdir()} == {"step-0000005-zzzzzzzz"}


@pytest.mark.parametrize("text, listed", [
    ("step-0000010-abcdefgh\nstep-0000020-a_b_c_d_\n", {"step-0000010-abcdefgh",
                                                        "step-0000020-a_b_c_d_"}),
    ("../step-0000010-abcdefgh\nnotes.txt\nstep-10-abcdefgh\n.lock\nLATEST\n", set()),
    ("\udcff", set()),
], ids=["as save writes it", "not a checkpoint's name", "not UTF-8"])
def test_the_list_of_the_folders_checkpoints_names_nothing_else(text, listed, tmp_path):
    (tmp_path / ".saves").write_bytes(text.encode("utf-8", "surrogateescape"))
    assert checkpoints.read_saves(tmp_path) == listed


def test_a_folder_saved_before_the_list_existed_counts_latests_checkpoint_as_its_own(tmp_path):
    older = saved_checkpoint(tmp_path, "step-0000010-abcdefgh")
    (tmp_path / "step-0000005-abcdefgh").mkdir()  # not named anywhere: not known to be ours
    assert checkpoints.read_saves(tmp_path) == {older.name}
    checkpoints.write_saves(tmp_path, set())
    assert checkpoints.read_saves(tmp_path) == set()  # the list, once there, is the answer


def test_a_new_checkpoint_name_is_the_steps_and_new_in_the_folder(tmp_path, monkeypatch):
    taken = iter(["abcdefgh", "k2j4abcd"])
    monkeypatch.setattr(checkpoints.secrets, "token_hex", lambda size: next(taken))
    (tmp_path / "step-0000781-abcdefgh").write_text("mine")
    name = checkpoints.new_checkpoint_name(tmp_path, 781)
    assert name == "step-0000781-k2j4abcd" and checkpoints.CHECKPOINT_NAME.fullmatch(name)


def run_checkpoints(tmp_path, *flags, name="ck"):
    args = trm.parse_args(["--save-dir", str(tmp_path / name), *flags])
    return checkpoints.RunCheckpoints(args, mnist=None)


def test_without_save_dir_nothing_is_saved_and_the_stop_says_so(capsys):
    saved = checkpoints.RunCheckpoints(trm.parse_args([]), mnist=None)
    assert saved.start(session=None) == 1
    saved.step_done(None, 10)
    saved.save(None, 10)
    saved.report_stop(4)
    assert capsys.readouterr().err == ("train_rnn_mnist.py: stopped after step 4 of 781; nothing "
                                       "saved (no --save-dir), so it cannot be resumed\n")


def test_a_stop_with_save_dir_names_the_folder_and_the_resume_command(tmp_path, capsys):
    saved = run_checkpoints(tmp_path, "--training-iters", "1000", "--overwrite")
    saved.report_stop(4, cause="the log (stdout) cannot be written (Broken pipe); ")
    err = capsys.readouterr().err
    assert err.startswith("train_rnn_mnist.py: the log (stdout) cannot be written (Broken "
                          f"pipe); stopped after step 4 of 7; saved in {tmp_path / 'ck'}; "
                          "resume with: ")
    assert err.endswith(f"--save-dir {tmp_path / 'ck'} --training-iters 1000 --resume\n")


def test_a_resume_command_the_console_cannot_show_is_written_in_the_folder(tmp_path,
                                                                            monkeypatch):
    """Issue 33: on Windows' cp1252 a Japanese --save-dir was printed as \\u30c1 escapes, so the
    command, pasted, named another folder."""
    saved = run_checkpoints(tmp_path, "--training-iters", "1000", name="チェック")
    console = io.TextIOWrapper(io.BytesIO(), encoding="cp1252", errors="backslashreplace")
    monkeypatch.setattr(sys, "stderr", console)
    saved.report_stop(4)
    console.flush()
    assert console.buffer.getvalue().decode("cp1252").endswith(
        "; the command that resumes it cannot be shown in this console's code page (cp1252): "
        "it is written in resume-command.txt, in the folder it was saved in\n")
    written = (tmp_path / "チェック" / "resume-command.txt").read_bytes()
    assert written == codecs.BOM_UTF8 + (
        checkpoints.resume_command(saved.args.argv) + "\n").encode("utf-8")
    assert "チェック" in written.decode("utf-8-sig")


def test_a_resume_command_neither_shown_nor_written_says_to_run_the_same_command(tmp_path,
                                                                                monkeypatch):
    """The console cannot show the folder's name and the folder is gone (removed while the run
    stopped): the line gives the system's reason and what to do, not a traceback."""
    saved = run_checkpoints(tmp_path, "--training-iters", "1000", name="チェック")
    shutil.rmtree(tmp_path / "チェック")
    monkeypatch.setattr(sys, "stderr", io.TextIOWrapper(io.BytesIO(), encoding="cp1252"))
    assert saved.how_to_resume() == (
        "the command that resumes it cannot be shown in this console's code page (cp1252), nor "
        f"written in {tmp_path / 'チェック' / 'resume-command.txt'} (No such file or directory): "
        "run the same command with --resume")


@pytest.mark.parametrize("stderr", [
    None, types.SimpleNamespace(write=print),
    types.SimpleNamespace(write=print, encoding="x-no-such-codec")],
    ids=["no-stderr", "no-encoding", "unknown-encoding"])
def test_a_stderr_without_an_encoding_is_taken_as_utf_8(stderr, tmp_path, monkeypatch):
    """Windows' pythonw has no stderr (None), and a stand-in stream may have no encoding, or one
    Python does not know: the command is then shown as it is, Japanese folder and all."""
    saved = run_checkpoints(tmp_path, "--training-iters", "1000", name="チェック")
    monkeypatch.setattr(sys, "stderr", stderr)
    line = saved.how_to_resume()
    assert line == f"resume with: {checkpoints.resume_command(saved.args.argv)}"
    assert "チェック" in line


def test_a_folder_with_a_checkpoint_is_kept_unless_overwrite(tmp_path):
    saved_checkpoint(tmp_path / "ck")
    with pytest.raises(checkpoints.CheckpointError) as refused:
        run_checkpoints(tmp_path)
    assert str(refused.value) == (f"--save-dir {tmp_path / 'ck'} holds a checkpoint: add "
                                  "--resume to continue it, --overwrite to replace it, or choose "
                                  "another folder")
    saved_checkpoint(tmp_path / "ck2")  # the refused run still holds ck's lock
    assert run_checkpoints(tmp_path, "--overwrite", name="ck2").resumed is None


def test_a_save_dir_that_is_a_file_or_missing_for_resume_is_refused(tmp_path):
    with pytest.raises(checkpoints.CheckpointError) as refused:
        run_checkpoints(tmp_path, "--resume")
    assert str(refused.value) == f"{tmp_path / 'ck'}: no such folder"
    (tmp_path / "ck").write_text("notes")
    with pytest.raises(checkpoints.CheckpointError) as refused:
        run_checkpoints(tmp_path)
    assert str(refused.value) == f"--save-dir {tmp_path / 'ck'} is a file, not a folder"


def test_a_new_save_dir_is_made_with_its_parents(tmp_path):
    args = trm.parse_args(["--save-dir", str(tmp_path / "a" / "b")])
    checkpoints.RunCheckpoints(args, mnist=None)
    assert (tmp_path / "a" / "b" / ".lock").is_file()


class FakeSession:
    def __init__(self, values):
        self.values = values

    def run(self, fetches):
        return self.values


def test_a_model_that_is_not_finite_is_not_saved(tmp_path, monkeypatch):
    saved = run_checkpoints(tmp_path)
    monkeypatch.setattr(checkpoints, "save", lambda *args, **kwargs: pytest.fail("saved"))
    with pytest.raises(checkpoints.CheckpointError) as refused:
        saved.save(FakeSession([np.ones(3), np.array([1.0, np.nan])]), 12)
    assert str(refused.value) == (f"--save-dir {tmp_path / 'ck'}: not saved: after step 12 the "
                                  "model's variables are not finite (NaN or infinite)")
    with pytest.raises(checkpoints.CheckpointError):
        saved.save(FakeSession([np.array([np.inf])]), 12)


def stand_in_mnist(restore=None):
    """What RunCheckpoints uses of read_data_sets()'s result: the data's hashes, the training
    stream's state and its restore."""
    train = types.SimpleNamespace(state=lambda: {}, restore=restore)
    return types.SimpleNamespace(sha256={}, train=train)


def test_periodic_saves_come_every_save_every_steps_and_once_per_step(tmp_path, monkeypatch):
    saved = run_checkpoints(tmp_path, "--save-every", "3")
    saved.mnist = stand_in_mnist()
    written = []
    monkeypatch.setattr(checkpoints, "save", lambda folder, session, saver, settings, state,
                        still_ours: written.append(settings["step"]))
    for step in range(1, 8):
        saved.step_done(FakeSession([np.ones(2)]), step)
    saved.save(FakeSession([np.ones(2)]), 6)  # the end of a run that stopped after step 6
    saved.save(FakeSession([np.ones(2)]), 7)
    assert written == [3, 6, 7]


@pytest.mark.parametrize("make, complaint", [
    (lambda latest: latest.mkdir(), "a folder, not a file"),
    (lambda latest: latest.symlink_to(latest.parent / "step-0000020-abcdefgh"),
     "a symbolic link, which is not followed"),
], ids=["folder", "link"])
def test_a_latest_that_is_not_a_file_of_the_projects_is_named(make, complaint, tmp_path):
    make(tmp_path / "LATEST")
    with pytest.raises(checkpoints.CheckpointError) as refused:
        checkpoints.load(tmp_path)
    assert str(refused.value) == f"{tmp_path / 'LATEST'}: {complaint}"


def test_a_folder_replaced_after_it_was_locked_is_not_ours(tmp_path):
    saved = run_checkpoints(tmp_path)
    saved.check_folder_is_ours()
    (tmp_path / "ck").rename(tmp_path / "moved")
    (tmp_path / "ck").mkdir()
    (tmp_path / "ck" / ".lock").write_text("")
    with pytest.raises(checkpoints.CheckpointError) as refused:
        saved.check_folder_is_ours()
    assert str(refused.value) == (f"--save-dir {tmp_path / 'ck'}: not saved: the folder was "
                                  "removed or replaced while this run used it")


def test_a_folder_replaced_by_one_whose_lock_links_to_the_old_lock_is_not_ours(tmp_path):
    # The link leads to the very file this run holds; the folder is still another one.
    saved = run_checkpoints(tmp_path)
    (tmp_path / "ck").rename(tmp_path / "moved")
    (tmp_path / "ck").mkdir()
    (tmp_path / "ck" / ".lock").symlink_to(tmp_path / "moved" / ".lock")
    with pytest.raises(checkpoints.CheckpointError) as refused:
        saved.check_folder_is_ours()
    assert str(refused.value) == (f"--save-dir {tmp_path / 'ck'}: not saved: the folder was "
                                  "removed or replaced while this run used it")


def test_a_resume_restores_the_model_and_the_data_order_and_starts_at_the_next_step(
        tmp_path, monkeypatch):
    # Stand-ins for the graph's Saver and the checkpoint (the trains tests do it for real):
    # this checks which pieces start() hands to which, fast enough for the mutation run.
    saved = run_checkpoints(tmp_path)
    calls = []
    monkeypatch.setattr(checkpoints, "model_saver", lambda: "saver")
    monkeypatch.setattr(checkpoints, "restore_variables",
                        lambda *args: calls.append(("restore_variables", *args)))
    saved.mnist = stand_in_mnist(restore=lambda state: calls.append(("restore_data", state)))
    saved.resumed = types.SimpleNamespace(step=41, data_state="order",
                                          release=lambda: calls.append(("release",)))
    assert saved.start(session="session") == 42
    assert calls == [("restore_variables", "session", "saver", saved.resumed),
                     ("restore_data", "order"), ("release",)]
    assert saved.saver == "saver"


def test_a_save_that_fails_names_the_step_and_the_reason_and_whether_a_checkpoint_is_kept(
        tmp_path, monkeypatch):
    saved = run_checkpoints(tmp_path)
    saved.mnist = stand_in_mnist()

    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(checkpoints, "save", full_disk)
    with pytest.raises(checkpoints.CheckpointError) as refused:
        saved.save(FakeSession([np.ones(2)]), 12)
    assert str(refused.value) == (f"--save-dir {tmp_path / 'ck'}: the checkpoint of step 12 "
                                  "cannot be written (No space left on device)")
    (tmp_path / "ck" / "LATEST").write_text("step-0000010-abcdefgh\n")
    with pytest.raises(checkpoints.CheckpointError) as refused:
        saved.save(FakeSession([np.ones(2)]), 13)
    assert str(refused.value) == (f"--save-dir {tmp_path / 'ck'}: the checkpoint of step 13 "
                                  "cannot be written (No space left on device); the folder's "
                                  "previous checkpoint is kept")
    assert saved.saved_step is None  # so that the end of the run tries step 13 again


def test_a_folder_renamed_just_before_the_saver_writes_is_the_one_line_of_a_replaced_folder(
        tmp_path):
    """Issue 33: renamed between the save's folder and tf.train.Saver's write, the folder gave
    Saver's `ValueError: Parent directory of ... doesn't exist` as a traceback."""
    saved = run_checkpoints(tmp_path)
    saved.mnist = stand_in_mnist()

    class SaverAfterTheRename:
        def save(self, session, prefix, **kwargs):
            (tmp_path / "ck").rename(tmp_path / "moved")
            raise ValueError(f"Parent directory of {prefix} doesn't exist, can't save.")

    saved.saver = SaverAfterTheRename()
    with pytest.raises(checkpoints.CheckpointError) as refused:
        saved.save(FakeSession([np.ones(2)]), 12)
    assert str(refused.value) == (f"--save-dir {tmp_path / 'ck'}: not saved: the folder was "
                                  "removed or replaced while this run used it")


class FakeSaver:
    """tf.train.Saver's save(), writing the model's two files as it does; no TensorFlow."""

    def save(self, session, prefix, write_meta_graph, write_state):
        assert (write_meta_graph, write_state) == (False, False)  # the folder holds ours alone
        for model_file in checkpoints.MODEL_FILES:
            Path(prefix).with_name(model_file).write_bytes(b"model")


def test_a_save_is_written_whole_and_synced_before_it_is_named(tmp_path, monkeypatch):
    events = []
    monkeypatch.setattr(checkpoints, "sync_file", lambda path: events.append(("sync", path.name)))
    monkeypatch.setattr(checkpoints, "sync_folder", lambda path: events.append(("sync", path)))
    rename = os.rename
    monkeypatch.setattr(checkpoints.os, "rename", lambda source, target: (
        events.append(("rename", Path(target).name)), rename(source, target)))
    folder = tmp_path / "ck"
    older = saved_checkpoint(folder, "step-0000010-abcdefgh", settings_with(step=10))
    (folder / "notes.txt").write_text("mine")
    checks = []
    final = checkpoints.save(folder, None, FakeSaver(), json.loads(settings_with(step=20)),
                             {"order": np.arange(3)}, still_ours=lambda: checks.append(None))
    assert final.parent == folder and checkpoints.CHECKPOINT_NAME.fullmatch(final.name)
    assert final.name.startswith("step-0000020-")
    assert sorted(path.name for path in final.iterdir()) == sorted(
        [*checkpoints.MODEL_FILES, "data_state.npz", "settings.json"])
    assert json.loads((final / "settings.json").read_text())["step"] == 20
    assert (folder / "LATEST").read_text() == final.name + "\n"
    # Every file synced, then the rename, then the folder synced once LATEST names it.
    renamed = events.index(("rename", final.name))
    assert sorted(name for kind, name in events[:renamed]) == sorted(
        [*checkpoints.MODEL_FILES, "data_state.npz", "settings.json"])
    assert events[renamed + 1:] == [("sync", folder)]
    # Before it starts, before the folder's list changes, before LATEST changes, before older
    # ones go.
    assert len(checks) == 4
    assert not older.exists() and (folder / "notes.txt").read_text() == "mine"
    assert {path.name for path in folder.iterdir()} == {final.name, "LATEST", ".saves",
                                                        "notes.txt"}
    assert checkpoints.read_saves(folder) == {final.name}
    assert checkpoints.load(folder).step == 20


def test_a_save_that_fails_leaves_the_previous_checkpoint_and_nothing_else(tmp_path):
    folder = tmp_path / "ck"
    older = saved_checkpoint(folder, "step-0000010-abcdefgh", settings_with(step=10))

    class FullDisk(FakeSaver):
        def save(self, *args, **kwargs):
            super().save(*args, **kwargs)
            raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OSError):
        checkpoints.save(folder, None, FullDisk(), json.loads(settings_with(step=20)), {})
    assert {path.name for path in folder.iterdir()} == {older.name, "LATEST"}
    assert checkpoints.load(folder).step == 10


@pytest.mark.parametrize("call", [2, 3], ids=["before the list changes", "after the rename"])
def test_a_folder_replaced_midway_is_not_changed(call, tmp_path):
    folder = tmp_path / "ck"
    older = saved_checkpoint(folder, "step-0000010-abcdefgh", settings_with(step=10))
    calls = []

    def replaced_midway():
        calls.append(None)
        if len(calls) == call:
            raise checkpoints.CheckpointError("replaced")

    listed = checkpoints.read_saves(folder)
    with pytest.raises(checkpoints.CheckpointError):
        checkpoints.save(folder, None, FakeSaver(), json.loads(settings_with(step=20)), {},
                         still_ours=replaced_midway)
    assert {path.name for path in folder.iterdir()} - {".saves"} == {older.name, "LATEST"}
    assert (folder / "LATEST").read_text() == older.name + "\n"
    assert checkpoints.read_saves(folder) >= listed


# ---------------------------------------------------------------------------------------------
# The model's values: read once, checked, and restored only into a graph of their shapes.

@pytest.fixture(scope="module")
def saved_model(tiny_arrays, tmp_path_factory):
    """A checkpoint of 1 step of a 16-unit model, saved by save(): its folder and values."""
    session, model, saver, mnist = train_briefly(tiny_arrays, steps=1)
    folder = tmp_path_factory.mktemp("model")
    with session:
        checkpoints.save(folder, session, saver, settings_at(1), mnist.train.state())
        values = dict(zip([checkpoints.saved_name(variable) for variable in
                           session.graph.get_collection("variables")],
                          session.run(session.graph.get_collection("variables"))))
    return folder, values


def test_read_model_gives_every_saved_value_by_its_name(saved_model):
    folder, values = saved_model
    checkpoint = checkpoints.load(folder)
    read = checkpoints.read_model(checkpoint)
    checkpoint.release()
    assert set(read) == set(values) and "rnn/basic_lstm_cell/kernel" in read
    assert not any(name.startswith(("RNN/", "optimizer/")) for name in read)  # scopes dropped
    assert all(np.array_equal(read[name], values[name]) for name in values)


def test_a_model_with_a_nan_is_refused_by_name(saved_model, tmp_path, monkeypatch):
    tf = tensorflow_v1.load()

    folder, _ = saved_model
    checkpoint = checkpoints.load(folder)
    checkpoint.release()
    real = tf.train.load_checkpoint

    class WithNaN:
        def __init__(self, reader):
            self.reader = reader

        def get_variable_to_shape_map(self):
            return self.reader.get_variable_to_shape_map()

        def get_tensor(self, name):
            value = self.reader.get_tensor(name)
            return np.full_like(value, np.nan) if name.endswith("kernel") else value

    monkeypatch.setattr(tf.train, "load_checkpoint", lambda prefix: WithNaN(real(prefix)))
    with pytest.raises(checkpoints.CheckpointError) as refused:
        checkpoints.read_model(checkpoint)
    assert str(refused.value) == (f"{checkpoint.folder}: the model's values are not finite "
                                  "(NaN or infinite): it cannot be used")


def test_a_damaged_index_and_cut_data_are_named(saved_model, tmp_path):
    folder, _ = saved_model
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    checkpoint = checkpoints.load(copy)
    checkpoint.release()
    data = checkpoint.folder / "model.data-00000-of-00001"
    data.write_bytes(data.read_bytes()[:100])
    with pytest.raises(checkpoints.CheckpointError) as refused:
        checkpoints.read_model(checkpoint)
    assert str(refused.value) == f"{data}: damaged or cut short ({tensorflows_reason(checkpoint)})"
    index = checkpoint.folder / "model.index"
    index.write_bytes(b"not an index")
    with pytest.raises(checkpoints.CheckpointError) as refused:
        checkpoints.read_model(checkpoint)
    assert str(refused.value) == f"{index}: damaged ({tensorflows_reason(checkpoint)})"


def tensorflows_reason(checkpoint):
    """The first line of what TensorFlow says when it reads the checkpoint's model."""
    tf = tensorflow_v1.load()
    try:
        reader = tf.train.load_checkpoint(checkpoint.model_prefix)
        for name in reader.get_variable_to_shape_map():
            reader.get_tensor(name)
    except Exception as error:  # whatever it raises, its words are the message's
        return str(error).strip().splitlines()[0]
    pytest.fail("TensorFlow read the damaged checkpoint")


@pytest.mark.parametrize("num_hidden, complaint", [
    (16, None),
    (8, "its rnn/basic_lstm_cell/kernel has shape [44, 64], this graph's [36, 32]: was it made "
        "with another --num-hidden?"),
])
def test_variables_are_restored_only_into_a_graph_of_their_shapes(num_hidden, complaint,
                                                                   saved_model):
    tf = tensorflow_v1.load()

    folder, values = saved_model
    checkpoint = checkpoints.load(folder)
    checkpoint.release()
    with tf.Graph().as_default():
        trm.build_graph(num_hidden=num_hidden, learning_rate=0.01)
        saver = checkpoints.model_saver()
        with tf.Session() as session:
            if complaint is None:
                checkpoints.restore_variables(session, saver, checkpoint)
                restored = session.run(tf.global_variables())
                assert all(np.array_equal(value, values[checkpoints.saved_name(variable)])
                           for variable, value in zip(tf.global_variables(), restored))
                return
            with pytest.raises(checkpoints.CheckpointError) as refused:
                checkpoints.restore_variables(session, saver, checkpoint)
    assert str(refused.value) == f"{checkpoint.folder}: the model cannot be restored ({complaint})"


def test_a_graph_with_a_variable_the_checkpoint_lacks_is_refused(saved_model):
    tf = tensorflow_v1.load()

    folder, _ = saved_model
    checkpoint = checkpoints.load(folder)
    checkpoint.release()
    with tf.Graph().as_default():
        trm.build_graph(num_hidden=16, learning_rate=0.01)
        tf.Variable(0.0, name="extra")
        saver = checkpoints.model_saver()
        with tf.Session() as session:
            with pytest.raises(checkpoints.CheckpointError) as refused:
                checkpoints.restore_variables(session, saver, checkpoint)
    assert str(refused.value) == (f"{checkpoint.folder}: the model cannot be restored (it has no "
                                  "variable extra)")


def resumable(tmp_path, images=12, **changes):
    """A --save-dir whose checkpoint (stand-in model files) a run of the default flags on a
    12-image stream can resume, with settings changed by `changes`; the run's args and stream."""
    from test_data import small_stream

    train = small_stream(images=12)
    train.next_batch(5)
    folder = tmp_path / "ck"
    checkpoint = saved_checkpoint(folder, settings=settings_with(
        **{"flags__batch_size": 128, "versions": checkpoints.installed_versions(), **changes}))
    np.savez(checkpoint / "data_state.npz", **train.state())
    args = trm.parse_args(["--save-dir", str(folder), "--resume", "--data", "d.npz"])
    return args, small_stream(images=images), checkpoint


def test_a_checkpoint_of_the_same_run_resumes_in_silence(tmp_path, capsys):
    args, train, checkpoint = resumable(tmp_path)
    resumed = checkpoints.resume_checkpoint(args, {"x_train": "ab"}, train)
    assert (resumed.folder, resumed.step) == (checkpoint, 20)
    resumed.release()
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("sha256, complaint", [
    ({"x_train": "ab"}, None),
    ({"x_train": "cd"}, "{folder}: cannot resume: --data d.npz is not the data the checkpoint "
                        "was made with (d.npz)"),
])
def test_a_run_with_resume_reads_its_checkpoint_against_its_own_data(sha256, complaint,
                                                                     tmp_path):
    # What RunCheckpoints hands resume_checkpoint(): the data's hashes and its training stream.
    args, train, checkpoint = resumable(tmp_path)
    mnist = types.SimpleNamespace(sha256=sha256, train=train)
    if complaint is None:
        saved = checkpoints.RunCheckpoints(args, mnist)
        assert (saved.resumed.folder, saved.resumed.step) == (checkpoint, 20)
        saved.resumed.release()
    else:
        with pytest.raises(checkpoints.CheckpointError) as refused:
            checkpoints.RunCheckpoints(args, mnist)
        assert str(refused.value) == complaint.format(folder=tmp_path / "ck")


@pytest.mark.parametrize("flags, sha256, images, complaint", [
    (["--seed", "3"], {"x_train": "ab"}, 12, "{folder}: cannot resume: --seed is 3 but the "
                                              "checkpoint was made with 0"),
    ([], {"x_train": "cd"}, 12, "{folder}: cannot resume: --data d.npz is not the data the "
                                "checkpoint was made with (d.npz)"),
    ([], {"x_train": "ab"}, 13, "{checkpoint}/data_state.npz: order is int64 of shape (12,), not "
                                "a whole number of shape (13,)"),
])
def test_a_checkpoint_of_another_run_is_refused(flags, sha256, images, complaint, tmp_path):
    args, train, checkpoint = resumable(tmp_path, images=images)
    args = trm.parse_args(args.argv + flags)
    with pytest.raises(checkpoints.CheckpointError) as refused:
        checkpoints.resume_checkpoint(args, sha256, train)
    assert str(refused.value) == complaint.format(folder=tmp_path / "ck", checkpoint=checkpoint)


def test_a_checkpoint_saved_under_other_versions_resumes_with_a_warning(tmp_path, capsys):
    args, train, _ = resumable(tmp_path, versions=dict(checkpoints.installed_versions(),
                                                       numpy="1.0", python="2.7"))
    checkpoints.resume_checkpoint(args, {"x_train": "ab"}, train).release()
    now = checkpoints.installed_versions()
    assert capsys.readouterr().err == (
        f"warning: {tmp_path / 'ck'} was saved under other versions (python 2.7 -> "
        f"{now['python']}, numpy 1.0 -> {now['numpy']}): the resumed steps may round "
        "differently from an uninterrupted run\n")


def test_an_older_checkpoint_that_a_reader_holds_is_left_until_it_is_released(tmp_path):
    older = saved_checkpoint(tmp_path, "step-0000010-abcdefgh", settings_with(step=10))
    newer = saved_checkpoint(tmp_path, "step-0000020-abcdefgh", settings_with(step=20))
    (tmp_path / "LATEST").write_text(older.name + "\n")
    reading = checkpoints.load(tmp_path)  # a reader, as predict_digit.py
    (tmp_path / "LATEST").write_text(newer.name + "\n")
    assert checkpoints.remove_older(tmp_path, {older.name}) == {older.name}
    assert sorted(path.name for path in older.iterdir()) == sorted(
        [*checkpoints.MODEL_FILES, "data_state.npz", "settings.json"])  # whole, as it was read
    reading.release()
    assert checkpoints.remove_older(tmp_path, {older.name}) == set()
    assert not older.exists() and newer.is_dir()


def test_a_checkpoint_with_no_settings_is_removed_whole(tmp_path):
    older = saved_checkpoint(tmp_path, "step-0000010-abcdefgh")
    (older / "settings.json").unlink()
    (older / "extra").mkdir()
    checkpoints.remove_older(tmp_path, {older.name})
    assert not older.exists()


def as_link(path):
    path.unlink()
    path.symlink_to(path.parent / "elsewhere")


def as_fifo(path):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this system (Windows)")
    path.unlink()
    os.mkfifo(path)


def as_folder(path):
    path.unlink()
    path.mkdir()


@pytest.mark.parametrize("piece", ["settings.json", "model.index", "model.data-00000-of-00001",
                                   "data_state.npz"])
@pytest.mark.parametrize("make, complaint", [
    (as_link, "a symbolic link, which is not followed"),
    (as_fifo, "not a regular file"),
    (as_folder, "a folder, not a file"),
])
def test_a_piece_that_is_not_a_regular_file_is_named_and_not_read(piece, make, complaint,
                                                                  tmp_path):
    folder = saved_checkpoint(tmp_path)
    make(folder / piece)
    with pytest.raises(checkpoints.CheckpointError) as refused:
        checkpoints.load(tmp_path)
    assert str(refused.value).startswith(f"{folder / piece}: {complaint}")


def test_a_checkpoint_being_removed_is_not_read(tmp_path):
    folder = saved_checkpoint(tmp_path)
    with open(folder / "settings.json", "r+b") as remover:  # as remove_unless_read() holds it
        assert checkpoints.has_no_reader(remover)
        with pytest.raises(checkpoints.CheckpointError) as refused:
            checkpoints.hold(folder)
    assert str(refused.value) == f"{folder}: being removed by the run that saves there"


def test_a_data_state_that_declares_more_than_a_state_holds_is_refused(tmp_path, monkeypatch):
    saved_checkpoint(tmp_path)
    size = sum(array.nbytes + 128 for array in [np.arange(3)])  # order, as saved_checkpoint
    monkeypatch.setattr(checkpoints, "DATA_STATE_LIMIT", size - 1)
    with pytest.raises(checkpoints.CheckpointError) as refused:
        checkpoints.load(tmp_path)
    assert "declares" in str(refused.value) and "more than a data state holds" in str(
        refused.value)


def test_an_older_checkpoint_goes_settings_last(tmp_path, monkeypatch):
    """Its other files first, while its settings file is locked; that file goes with the
    folder, so a reader finds the lock taken or the model gone, never a model without it."""
    older = saved_checkpoint(tmp_path, "step-0000010-abcdefgh")
    saved_checkpoint(tmp_path, "step-0000020-abcdefgh")
    unlinked, removed = [], []
    unlink, rmtree = Path.unlink, shutil.rmtree
    monkeypatch.setattr(Path, "unlink", lambda path, **kwargs: (unlinked.append(path.name),
                                                               unlink(path, **kwargs)))
    monkeypatch.setattr(checkpoints.shutil, "rmtree", lambda path, **kwargs: (
        removed.append(sorted(child.name for child in Path(path).iterdir())),
        rmtree(path, **kwargs)))
    checkpoints.remove_older(tmp_path, {older.name})
    assert sorted(unlinked) == sorted([*checkpoints.MODEL_FILES, "data_state.npz"])
    assert removed == [["settings.json"]] and not older.exists()
