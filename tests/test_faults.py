"""Nothing lost, nothing outside the folders named touched: links and odd files in a checkpoint
folder, the user's own files there, full disks, a log that cannot be written, readers while a run
saves, a folder removed under a run. (Damaged checkpoint pieces: test_checkpoints.py.)"""

import errno
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from test_checkpoints import settings_at, train_briefly

import train_rnn_mnist as trm
from conftest import (MAKE_PROG, RESUMABLE_FLAGS, RESUMABLE_STEPS, ROOT, TINY_RUN_FLAGS, make,
                      posix_signals, run_main, run_script, start_script)
from rnn_mnist import checkpoints, cli, safe_files

# A long tiny run that saves at every step: 1000 steps of batch 32, a log line each (the tests
# stop it long before its end).
SAVING_FLAGS = ["--training-iters", str(32 * 1001), "--batch-size", "32", "--display-step", "1",
                "--save-every", "1", "--test-len", "64"]


def only_error_line(result):
    """The run's one error line (TensorFlow's wheel may print its own lines too)."""
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines()
             if line.startswith("train_rnn_mnist.py: ") and " seed " not in line[:25]]
    assert len(lines) == 1, result.stderr
    return lines[0]


# ---------------------------------------------------------------------------------------------
# Links and the user's own files in --save-dir


@pytest.fixture
def outside(tmp_path):
    """A file and a folder outside the checkpoint folder, which nothing may change."""
    victim = tmp_path / "outside" / "precious.txt"
    victim.parent.mkdir()
    victim.write_text("the user's file\n", encoding="utf-8")
    return victim


def test_a_lock_file_that_is_a_link_is_refused_and_its_target_untouched(tiny_npz, tmp_path,
                                                                        outside):
    folder = tmp_path / "sent"
    folder.mkdir()
    (folder / ".lock").symlink_to(outside)
    result = run_script("train_rnn_mnist.py", "--data", tiny_npz, *TINY_RUN_FLAGS,
                        "--save-dir", folder, cwd=tmp_path)
    assert result.returncode == 1
    assert only_error_line(result) == (
        f"train_rnn_mnist.py: error: {folder / '.lock'}: a symbolic link, which is not "
        "followed: refused, since a run writes only files it makes (remove it if the folder is "
        "yours)")
    assert outside.read_text(encoding="utf-8") == "the user's file\n"


@pytest.fixture(scope="module")
def trained(tiny_arrays):
    session, model, saver, mnist = train_briefly(tiny_arrays, steps=2)
    with session:
        yield session, saver, mnist


def test_links_named_like_the_projects_files_are_never_followed(trained, tmp_path, outside):
    session, saver, mnist = trained
    folder = tmp_path / "checkpoint"
    folder.mkdir()
    outside_folder = outside.parent
    for name in ("LATEST", ".LATEST.unfinished", ".LATEST.unfinished-abcdefgh", ".saves",
                 ".saves.unfinished"):
        (folder / name).symlink_to(outside)
    for name in (".unfinished", ".unfinished-abcdefgh", "step-0000001-abcdefgh"):
        (folder / name).symlink_to(outside_folder, target_is_directory=True)
    saved = checkpoints.save(folder, session, saver, settings_at(2), mnist.train.state())

    assert outside.read_text(encoding="utf-8") == "the user's file\n"
    assert sorted(path.name for path in outside_folder.iterdir()) == ["precious.txt"]
    for name in ("LATEST", ".saves"):
        assert not (folder / name).is_symlink()  # the link itself replaced, not its target
    assert checkpoints.load(folder).folder == saved
    # Links are not the project's to remove, whatever their names, but for its own fixed
    # names: the link is removed, never what it points to.
    assert (folder / ".unfinished-abcdefgh").is_symlink()
    assert (folder / "step-0000001-abcdefgh").is_symlink()


def test_a_listed_checkpoint_replaced_by_a_link_to_another_runs_checkpoint_keeps_that_one(
        trained, tmp_path):
    """Issue 34: the link test above points at a folder with one file of the user's; here the
    link, under the name the folder's own list gives a checkpoint, points at another run's whole
    checkpoint, which a save that followed it would empty."""
    session, saver, mnist = trained
    other = tmp_path / "other-run"
    theirs = checkpoints.save(other, session, saver, settings_at(2), mnist.train.state())
    before = {path.name: path.read_bytes() for path in theirs.iterdir()}
    assert len(before) >= 4
    folder = tmp_path / "checkpoint"
    ours = checkpoints.save(folder, session, saver, settings_at(1), mnist.train.state())
    shutil.rmtree(ours)
    ours.symlink_to(theirs, target_is_directory=True)  # the name .saves lists
    saved = checkpoints.save(folder, session, saver, settings_at(2), mnist.train.state())

    assert {path.name: path.read_bytes() for path in theirs.iterdir()} == before
    assert checkpoints.load(other).folder == theirs
    assert checkpoints.load(folder).folder == saved
    assert ours.is_symlink()  # not the project's to remove


def test_a_file_replaced_whole_leaves_at_most_one_name_which_the_next_write_removes(tmp_path,
                                                                                   outside):
    """Issue 33: kill -9 during an export left `.model.js.unfinished-*` (447 KB) beside the
    output, and the next exports left it there, each with a new name."""
    folder = tmp_path / "web"
    folder.mkdir()
    target = folder / "model.js"
    (folder / ".model.js.unfinished").write_bytes(b"half of an export killed with -9")
    safe_files.replace_own_file(target, b"new")
    assert target.read_bytes() == b"new"
    assert sorted(path.name for path in folder.iterdir()) == ["model.js"]
    (folder / ".model.js.unfinished").symlink_to(outside)
    safe_files.replace_own_file(target, b"newer")
    assert outside.read_text(encoding="utf-8") == "the user's file\n"  # a link: not followed
    assert sorted(path.name for path in folder.iterdir()) == ["model.js"]
    assert target.read_bytes() == b"newer" and (target.stat().st_mode & 0o777) == 0o644 & ~(
        current_umask())


def test_a_file_replaced_whole_has_its_bytes_on_disk_before_it_takes_the_name(tmp_path,
                                                                             monkeypatch):
    """Issue 34: a replace_own_file() that renamed LATEST or model.js into place before its own
    fsync() passed, since the save test watches only the helpers that sync. After a power cut,
    the new name must not name a file whose bytes never reached the disk."""
    target = tmp_path / "LATEST"
    target.write_bytes(b"step-0000001-abcdefgh\n")
    events = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(descriptor):
        events.append(("fsync", os.fstat(descriptor).st_ino, os.fstat(descriptor).st_size))
        real_fsync(descriptor)

    def replace(source, destination):
        events.append(("replace", os.stat(source).st_ino, Path(destination).name))
        real_replace(source, destination)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    data = b"step-0000002-ijklmnop\n"
    safe_files.replace_own_file(target, data)
    assert target.read_bytes() == data
    renames = [event for event in events if event[0] == "replace"]
    assert len(renames) == 1 and renames[0][2] == "LATEST"
    inode = renames[0][1]
    synced = events.index(("fsync", inode, len(data)))  # the new file, whole
    assert synced < events.index(renames[0])


def current_umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_the_users_files_in_the_save_dir_are_kept(trained, tmp_path):
    """Also those named as a checkpoint is (issue 33): a save removes only the checkpoints the
    folder's list names, not every `step-NNNNNNN-` and 8 characters."""
    session, saver, mnist = trained
    folder = tmp_path / "checkpoint"
    (folder / "step-1-photos").mkdir(parents=True)
    (folder / "step-1-photos" / "seven.png").write_bytes(b"png")
    (folder / "step-by-step-notes.txt").write_text("notes\n", encoding="utf-8")
    (folder / ".unfinished-business.txt").write_text("mine\n", encoding="utf-8")
    (folder / "step-0000001-mydigits").mkdir()
    (folder / "step-0000002-backup01").write_text("mine\n", encoding="utf-8")
    first = checkpoints.save(folder, session, saver, settings_at(1), mnist.train.state())
    # The user's copy of a checkpoint, with notes, beside the run's own.
    shutil.copytree(first, folder / "step-0000099-keepthis")
    (folder / "step-0000099-keepthis" / "NOTES.txt").write_text("mine\n", encoding="utf-8")
    second = checkpoints.save(folder, session, saver, settings_at(2), mnist.train.state())
    assert sorted(path.name for path in folder.iterdir()) == sorted([
        ".saves", ".unfinished-business.txt", "LATEST", "step-0000001-mydigits",
        "step-0000002-backup01", "step-0000099-keepthis", "step-1-photos",
        "step-by-step-notes.txt", second.name])
    assert not first.exists()
    assert (folder / "step-1-photos" / "seven.png").read_bytes() == b"png"
    assert (folder / "step-0000099-keepthis" / "NOTES.txt").read_text() == "mine\n"


def test_what_is_printed_from_a_checkpoint_is_escaped(tiny_checkpoint, tiny_npz, tmp_path):
    copy = tmp_path / "checkpoint"
    shutil.copytree(tiny_checkpoint, copy)
    (copy / "LATEST").write_bytes(b"\x1b[2J\x1b]0;owned\x07step\n")
    result = run_script("train_rnn_mnist.py", "--data", tiny_npz, *TINY_RUN_FLAGS,
                        "--save-dir", copy, "--resume", cwd=tmp_path)
    assert result.returncode == 1
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert only_error_line(result) == (
        f"train_rnn_mnist.py: error: {copy}: LATEST names '\\x1b[2J\\x1b]0;owned\\x07step', "
        "which is not a checkpoint in this folder")
    assert cli.printable("日本語の\tフォルダ\x9b") == "日本語の\\tフォルダ\\x9b"


# ---------------------------------------------------------------------------------------------
# Full disks


@pytest.fixture
def small_disk(tmp_path):
    """A 1 MB file system: room for one checkpoint of the article's model (0.98 MB), not two.
    Mounting needs root (CI has it); elsewhere the test is skipped."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs root")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount_point)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    yield mount_point
    subprocess.run(["umount", "-l", str(mount_point)], check=True)


def fill(disk):
    """Take every byte left on the small disk."""
    with open(disk / "filler", "wb", buffering=0) as filler:
        try:
            while True:
                filler.write(b"\0" * 4096)
        except OSError:
            pass


@pytest.mark.trains
def test_a_full_disk_says_so_keeps_the_checkpoint_and_leaves_room(tiny_npz, tmp_path,
                                                                  small_disk):
    folder = small_disk / "ck"
    flags = ["--data", tiny_npz, "--training-iters", str(32 * 13), "--batch-size", "32",
             "--display-step", "4", "--test-len", "64", "--save-dir", folder]
    first = run_script("train_rnn_mnist.py", *flags, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    kept = sorted(path.name for path in folder.iterdir())

    # Continuing needs room for the new checkpoint beside the old one: there is none.
    more = [*flags[:2], "--training-iters", str(32 * 25), *flags[4:], "--resume"]
    full = run_script("train_rnn_mnist.py", *more, cwd=tmp_path)
    assert full.returncode == 1
    assert only_error_line(full) == (
        f"train_rnn_mnist.py: error: --save-dir {folder}: the checkpoint of step 24 cannot be "
        f"written ({os.strerror(errno.ENOSPC)}); the folder's previous checkpoint is kept")
    assert sorted(path.name for path in folder.iterdir()) == kept  # nothing left behind
    assert checkpoints.load(folder).step == 12

    # With the room of two checkpoints, the same resume succeeds: nothing blocks the next try.
    subprocess.run(["mount", "-o", "remount,size=3m", str(small_disk)], check=True)
    again = run_script("train_rnn_mnist.py", *more, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert checkpoints.load(folder).step == 24


@pytest.mark.trains
def test_event_files_on_a_full_disk_are_one_warning_and_the_run_goes_on(tiny_npz, tmp_path,
                                                                        small_disk):
    fill(small_disk)
    result = run_script("train_rnn_mnist.py", "--data", tiny_npz, *TINY_RUN_FLAGS,
                        "--logdir", small_disk / "tb", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "EventFileWriter" not in result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
    assert warnings == [f"warning: --logdir {small_disk / 'tb'}: the event file cannot be "
                        f"written ({os.strerror(errno.ENOSPC)}); the run goes on without it"]
    assert result.stdout.splitlines()[-1].startswith("Test Accuracy (200 images): ")


def test_predict_refuses_a_flag_of_the_wrong_json_type_in_one_line(tiny_checkpoint, tmp_path):
    copy = tmp_path / "checkpoint"
    shutil.copytree(tiny_checkpoint, copy)
    settings = checkpoints.load(copy).folder / "settings.json"
    settings.write_text(settings.read_text(encoding="utf-8").replace(
        '"num_hidden": 128', '"num_hidden": "128"'), encoding="utf-8")
    result = run_script("predict_digit.py", "--checkpoint", copy, "--test-index", "0",
                        cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1] == (
        f"predict_digit.py: error: {settings}: flags.num_hidden is \"128\", not a whole number "
        "above 0")


# ---------------------------------------------------------------------------------------------
# A log that cannot be written: a closed pipe, a full disk, a closed terminal (test_checkpoints)


@pytest.fixture
def whole_log(resumable_log):
    return resumable_log.splitlines(keepends=True)


def check_resumes_exactly(stderr, folder, whole_log, tiny_npz, cwd):
    """The stop's last line names the checkpoint's step; its command resumes the run exactly."""
    step = checkpoints.load(folder).step
    stopped = stderr.splitlines()[-1]
    assert (f"stopped after step {step} of {RESUMABLE_STEPS}; saved in {folder}; resume with: "
            in stopped)
    resumed = run_main(trm.main, "--data", tiny_npz, *RESUMABLE_FLAGS, "--save-dir", folder,
                       "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stdout == "".join(whole_log[step:])
    return stopped


@pytest.mark.trains
@posix_signals
def test_a_log_piped_into_head_stops_the_run_like_ctrl_c(tiny_npz, tmp_path, whole_log):
    folder = tmp_path / "ck"
    process = start_script("train_rnn_mnist.py", "--data", tiny_npz, *RESUMABLE_FLAGS,
                           "--save-dir", folder, cwd=tmp_path)
    assert process.stdout.readline() == whole_log[0]
    process.stdout.close()  # as `| head -1` does once it has its line
    stderr = process.stderr.read()
    assert process.wait(timeout=300) == 141  # what a shell shows for a broken pipe
    assert "Traceback" not in stderr and "Exception ignored" not in stderr, stderr
    stopped = check_resumes_exactly(stderr, folder, whole_log, tiny_npz, tmp_path)
    assert stopped.startswith("train_rnn_mnist.py: the log (stdout) cannot be written "
                              f"({os.strerror(errno.EPIPE)}); stopped after step ")


@pytest.mark.trains
@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full")
def test_a_log_on_a_full_disk_stops_the_run_and_says_why(tiny_npz, tmp_path, whole_log):
    folder = tmp_path / "ck"
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, str(ROOT / "train_rnn_mnist.py"), "--data",
                                 str(tiny_npz), *RESUMABLE_FLAGS, "--save-dir", str(folder)],
                                stdout=full, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
                                timeout=300)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr
    stopped = check_resumes_exactly(result.stderr, folder, whole_log, tiny_npz, tmp_path)
    assert stopped.startswith("train_rnn_mnist.py: the log (stdout) cannot be written "
                              f"({os.strerror(errno.ENOSPC)}); stopped after step 1 of "
                              f"{RESUMABLE_STEPS}")


@pytest.mark.trains
@pytest.mark.skipif(not Path("/dev/full").exists() or not shutil.which("sh"),
                    reason="no /dev/full or no sh")
@pytest.mark.parametrize("redirect", ["2>&-", "2>/dev/full"], ids=["closed", "on a full disk"])
def test_a_run_whose_stderr_cannot_be_written_trains_and_logs_all_the_same(redirect, tiny_npz,
                                                                           tmp_path,
                                                                           resumable_log):
    """Issue 33: with stderr closed (as some launchers leave it) or on a full disk, a run exited
    1, trained nothing and said nothing; closed, its "seed 0, data ..." line went into the
    log. What cannot be said on stderr is lost, not fatal."""
    result = subprocess.run(["sh", "-c", f'exec "$0" "$@" {redirect}', sys.executable,
                             str(ROOT / "train_rnn_mnist.py"), "--data", str(tiny_npz),
                             *RESUMABLE_FLAGS], capture_output=True, text=True, cwd=tmp_path,
                            timeout=300)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == resumable_log


# keep_stderr_optional() alone, then a line that is not UTF-8 (a file name's lone surrogate)
# said on stderr, and what descriptors 2 and 0 are.
STDERR_KEPT_OPTIONAL = """
import os, sys
from rnn_mnist.cli import keep_stderr_optional
keep_stderr_optional()
print("lost \\udcff", file=sys.stderr)
sys.stderr.flush()
def is_open(descriptor):
    try:
        os.fstat(descriptor)
    except OSError:
        return False
    return True
print(os.path.samestat(os.fstat(2), os.stat(os.devnull)), is_open(0))
"""


@pytest.mark.skipif(not shutil.which("sh"), reason="no sh")
@pytest.mark.parametrize("redirect, stdin_open", [
    ("2>&-", True),
    ("0<&- 2>&-", False),  # the null device opens as descriptor 0, and is moved to 2
    pytest.param("2>/dev/full", True, marks=pytest.mark.skipif(
        not Path("/dev/full").exists(), reason="no /dev/full")),
], ids=["closed", "closed with stdin", "on a full disk"])
def test_stderr_that_cannot_be_written_becomes_the_null_device(redirect, stdin_open):
    # The fast half of the test above, with no training: what is said on stderr is lost.
    result = subprocess.run(["sh", "-c", f'exec "$0" "$@" {redirect}', sys.executable, "-c",
                             STDERR_KEPT_OPTIONAL], stdin=subprocess.DEVNULL,
                            capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert (result.returncode, result.stdout, result.stderr) == (0, f"True {stdin_open}\n", "")


def test_the_resume_command_names_abbreviated_flags_in_full():
    args = trm.parse_args(["--save-d", "ck", "--overw", "--seed=3", "--training-i", "500"])
    assert args.argv == ["--save-dir", "ck", "--overwrite", "--seed=3", "--training-iters",
                         "500"]
    assert checkpoints.resume_command(args.argv).endswith(
        " --save-dir ck --seed=3 --training-iters 500 --resume")


# ---------------------------------------------------------------------------------------------
# Readers while a run saves; a folder removed under a run


def start_saving_run(tiny_npz, folder, cwd):
    # A pipe of the usual size: the run saves on while its log is not read (a small one would
    # hold it after about a hundred steps).
    process = start_script("train_rnn_mnist.py", "--data", tiny_npz, *SAVING_FLAGS,
                           "--save-dir", folder, cwd=cwd, pipesize=-1)
    watchdog = threading.Timer(300, process.kill)
    watchdog.start()
    for _ in range(3):  # three steps saved
        assert process.stdout.readline().startswith("step: ")
    return process, watchdog


@pytest.mark.trains
def test_a_reader_gets_a_whole_checkpoint_while_a_run_saves_every_step(tiny_npz, tmp_path):
    folder = tmp_path / "ck"
    process, watchdog = start_saving_run(tiny_npz, folder, tmp_path)
    steps = []
    try:
        for _ in range(5):
            checkpoint = checkpoints.load(folder)
            time.sleep(0.5)  # as predict_digit.py builds its graph, while the run saves on
            values = checkpoints.read_model(checkpoint)  # TensorFlow reads the model's files
            assert len(values) == 14  # 4 variables, their 8 Adam slots, its 2 beta powers
            steps.append(checkpoint.step)
            checkpoint.release()
    finally:
        process.kill()
        process.wait()
        watchdog.cancel()
    assert steps == sorted(steps) and len(set(steps)) > 1  # the run was saving meanwhile


@pytest.mark.trains
def test_a_run_whose_folder_is_replaced_stops_rather_than_save_into_it(tiny_npz, tmp_path):
    folder = tmp_path / "ck"
    process, watchdog = start_saving_run(tiny_npz, folder, tmp_path)
    try:
        folder.rename(tmp_path / "removed")  # in one step, while the run saves into it
        folder.mkdir()  # another run's folder now, which that run holds
        (folder / "its-checkpoint.txt").write_text("another run's\n", encoding="utf-8")
        with open(folder / ".lock", "w") as other_run:
            safe_files.lock_exclusively(other_run)
            other_run.write("99999\n")
            other_run.flush()
            stderr = process.stderr.read()
            assert process.wait(timeout=120) == 1
    finally:
        process.kill()
        watchdog.cancel()
    assert stderr.splitlines()[-1] == (
        f"train_rnn_mnist.py: error: --save-dir {folder}: not saved: the folder was removed "
        "or replaced while this run used it")
    assert sorted(path.name for path in folder.iterdir()) == [".lock", "its-checkpoint.txt"]
    assert (folder / ".lock").read_text(encoding="utf-8") == "99999\n"


@pytest.mark.parametrize("writing", ["model", "data_state"])
def test_a_folder_replaced_in_the_middle_of_a_save_is_named_as_the_reason(writing, tiny_arrays,
                                                                         tmp_path, monkeypatch):
    # The moments the test above may hit or miss: while the checkpoint's files are written.
    session, model, saver, mnist = train_briefly(tiny_arrays, steps=3)
    folder = tmp_path / "ck"
    run = checkpoints.RunCheckpoints(trm.parse_args(["--save-dir", str(folder)]), mnist)
    with session, session.graph.as_default():
        run.start(session)
        owner, name = (run.saver, "save") if writing == "model" else (checkpoints.np, "savez")
        writes = getattr(owner, name)

        def folder_replaced_meanwhile(*args, **kwargs):
            folder.rename(tmp_path / "removed")
            folder.mkdir()
            (folder / "its-checkpoint.txt").write_text("another run's\n", encoding="utf-8")
            return writes(*args, **kwargs)

        monkeypatch.setattr(owner, name, folder_replaced_meanwhile)
        with pytest.raises(checkpoints.CheckpointError) as refused:
            run.save(session, 3)
    assert str(refused.value) == (f"--save-dir {folder}: not saved: the folder was removed or "
                                  "replaced while this run used it")
    assert [path.name for path in folder.iterdir()] == ["its-checkpoint.txt"]


def test_a_study_whose_list_cannot_be_written_on_a_full_disk_says_so_in_one_line(tiny_npz,
                                                                                  small_disk):
    runs = small_disk / "runs"
    runs.mkdir()
    fill(small_disk)
    result = subprocess.run(make("study", f"RUNS={runs}", "SEEDS=2",
                                 f"ARGS=--data {tiny_npz} --training-iters 64"), cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert (f"{MAKE_PROG} study: {runs / '.study'} cannot be written "
            f"({os.strerror(errno.ENOSPC)})") in result.stderr.splitlines()


def test_a_study_on_a_full_disk_shows_why_its_seed_failed(tiny_npz, small_disk):
    runs = small_disk / "runs"
    runs.mkdir()
    # A study ran here before: its list and lock are rewritten in the blocks they hold.
    (runs / ".study").write_text("".join(f"seed-{seed}.{kind}\n" for seed in range(4)
                                         for kind in ("log", "err", "time", "log.tmp")))
    (runs / ".lock").write_text("4242\n")
    fill(small_disk)
    result = subprocess.run(make("study", f"RUNS={runs}", "SEEDS=2", "JOBS=1",
                                 f"ARGS=--data {tiny_npz} --training-iters 2560"),
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode != 0
    no_space = os.strerror(errno.ENOSPC)
    assert f"train_rnn_mnist.py: the log (stdout) cannot be written ({no_space}); " \
        "stopped after step 10 of 19" in result.stderr
    assert (f"{MAKE_PROG} study: seed 0 failed; its stderr is above ({runs / 'seed-0.err'} "
            f"could not be written: {no_space})") in result.stderr.splitlines()


# ---------------------------------------------------------------------------------------------
# safe_files' own promises, each system's way, on this one


def test_a_folder_is_synced_where_the_system_can_open_one(monkeypatch, tmp_path):
    synced = []
    monkeypatch.setattr(safe_files.os, "fsync", lambda descriptor: synced.append(
        os.path.samestat(os.fstat(descriptor), os.stat(tmp_path))))
    can = hasattr(os, "O_DIRECTORY")  # Windows: a folder cannot be opened
    safe_files.sync_folder(tmp_path)
    assert synced == ([True] if can else [])
    if can:
        monkeypatch.delattr(safe_files.os, "O_DIRECTORY")
        safe_files.sync_folder(tmp_path)
        assert synced == [True]


@pytest.mark.parametrize("no_follow", [True, False], ids=["O_NOFOLLOW", "no O_NOFOLLOW"])
def test_an_own_file_is_never_opened_through_a_link_or_as_a_folder(no_follow, monkeypatch,
                                                                   tmp_path):
    """Without O_NOFOLLOW (Windows) the path is checked for a link first."""
    if not no_follow:
        monkeypatch.setattr(safe_files, "NO_FOLLOW", 0)
    (tmp_path / "file").write_bytes(b"mine")
    (tmp_path / "link").symlink_to(tmp_path / "file")
    (tmp_path / "folder").mkdir()
    with pytest.raises(safe_files.NotOwnFile) as refused:
        safe_files.open_own_file(tmp_path / "link", os.O_RDONLY)
    assert str(refused.value) == "a symbolic link, which is not followed"
    with pytest.raises(safe_files.NotOwnFile) as refused:
        safe_files.open_own_file(tmp_path / "folder", os.O_RDWR)
    assert str(refused.value) == "a folder, not a file"
    os.close(safe_files.open_own_file(tmp_path / "file", os.O_RDONLY))


def test_windows_refusal_to_open_a_folder_is_named_and_other_refusals_are_the_systems(
        monkeypatch, tmp_path):
    """Windows answers EACCES for any folder; EACCES on a file is the system's own refusal."""
    (tmp_path / "folder").mkdir()
    (tmp_path / "file").write_bytes(b"")

    def refused(path, flags, mode, error=errno.EACCES):
        raise OSError(error, os.strerror(error), str(path))

    monkeypatch.setattr(safe_files.os, "open", refused)
    with pytest.raises(safe_files.NotOwnFile) as named:
        safe_files.open_own_file(tmp_path / "folder", os.O_RDONLY)
    assert str(named.value) == "a folder, not a file"
    with pytest.raises(PermissionError):
        safe_files.open_own_file(tmp_path / "file", os.O_RDONLY)
    monkeypatch.setattr(safe_files.os, "open", lambda path, flags, mode: refused(
        path, flags, mode, errno.ENXIO))  # a FIFO opened for writing, with no reader
    with pytest.raises(safe_files.NotOwnFile) as named:
        safe_files.open_own_file(tmp_path / "file", os.O_WRONLY)
    assert str(named.value) == "not a regular file"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="a FIFO")
def test_a_fifo_opened_for_reading_is_named(tmp_path):
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(safe_files.NotOwnFile) as named:
        safe_files.open_own_file(tmp_path / "fifo", os.O_RDONLY)
    assert str(named.value) == "not a regular file (a FIFO, a device or a socket)"


def test_an_own_file_is_read_whole_up_to_its_limit_and_refused_past_it(tmp_path):
    path = tmp_path / "LATEST"
    path.write_bytes(b"x" * 64)
    assert safe_files.read_own_file(path, 64) == b"x" * 64
    with pytest.raises(safe_files.NotOwnFile) as refused:
        safe_files.read_own_file(path, 63)
    assert str(refused.value) == "larger than the 63 bytes such a file holds"
    assert safe_files.read_own_file(path, 1000) == b"x" * 64


def test_a_replaced_file_gets_the_mode_asked_for(tmp_path):
    old = os.umask(0o022)
    try:
        safe_files.replace_own_file(tmp_path / "a", b"1")
        safe_files.replace_own_file(tmp_path / "b", b"1", mode=0o600)
    finally:
        os.umask(old)
    assert (tmp_path / "a").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "b").stat().st_mode & 0o777 == 0o600
