"""Every system the README names: each one's way of stopping, locking, syncing, quoting and
printing, and every script's tiny run, on paths with spaces and Japanese characters.

On Linux this file tests the Linux ways and, through stand-ins, the others' pure logic. Under
a simulated macOS or Windows Python (tests/platforms/sitecustomize.py, `make test-platforms`)
the same tests run that system's code paths for real, as far as Linux can play them.
"""

import codecs
import errno
import os
import re
import shlex
import signal
import subprocess
import sys
import time

import pytest
from PIL import Image

from conftest import ROOT, SMALL_PIPE, TINY_RUN_FLAGS, stoppable_run, uninterrupted_stdout
from rnn_mnist import checkpoints, cli, safe_files, stop_signals

SIMULATED = os.environ.get("SIMULATED_PLATFORM", "")
WINDOWS = SIMULATED == "windows"
# What a Windows console's code page makes of a child's output; UTF-8 elsewhere.
CONSOLE = os.environ.get("SIMULATED_CODE_PAGE", "cp1252") if WINDOWS else "utf-8"
# A folder name such as a learner's own: a space, Japanese characters.
ODD_NAME = "学習 ログ"


def text(data):
    """A child's output as the console's code page decodes it, CRLF (Windows) read as LF."""
    return data.decode(CONSOLE).replace("\r\n", "\n")


def run_bytes(script, *args, cwd, env_extra=None):
    """Run a script; its stdout and stderr decoded as the console's code page decodes them."""
    env = {**os.environ, **(env_extra or {})}
    result = subprocess.run([sys.executable, str(ROOT / script), *map(str, args)],
                            capture_output=True, cwd=cwd, env=env, timeout=600)
    return subprocess.CompletedProcess(result.args, result.returncode, text(result.stdout),
                                       text(result.stderr))


# ---------------------------------------------------------------------------------------------
# Each system's way, chosen by what its Python has


def test_each_system_gets_its_own_way_of_stopping_locking_and_syncing():
    if SIMULATED == "macos" or (not SIMULATED and sys.platform == "darwin"):
        assert stop_signals.take_held_signal is stop_signals._taken_by_sigwait
        assert safe_files.fcntl is not None and not cli.WINDOWS_SHELLS
    elif WINDOWS or sys.platform == "win32":
        assert not stop_signals.HOLDS_SIGNALS and signal.SIGBREAK in stop_signals.STOP_SIGNALS
        assert not hasattr(signal, "SIGHUP") and not hasattr(os, "O_NOFOLLOW")
        assert safe_files.fcntl is None and cli.WINDOWS_SHELLS
        with pytest.raises(ImportError):
            import fcntl  # noqa: F401
    else:
        assert stop_signals.take_held_signal is stop_signals._taken_by_sigtimedwait
        # SIGHUP too, unless it is ignored (nohup), as it then stays.
        hang_up = set() if signal.getsignal(signal.SIGHUP) == signal.SIG_IGN else {signal.SIGHUP}
        assert stop_signals.STOP_SIGNALS == {signal.SIGINT, signal.SIGTERM} | hang_up
        assert safe_files.fcntl is not None and not cli.WINDOWS_SHELLS


def test_a_stop_signal_is_noted_between_steps_on_every_system():
    """Held where there are masks (taken by the poll), caught by the handler where there are
    none; a second Ctrl-C while stopping changes nothing, and nothing is left queued."""
    before = signal.getsignal(signal.SIGINT)  # SIG_IGN in a shell's background job
    with stop_signals.held_stop_signals() as stop:
        assert not stop.requested()
        signal.raise_signal(signal.SIGINT)  # would end pytest if it were neither held nor caught
        deadline = time.monotonic() + 10
        while not stop.requested() and time.monotonic() < deadline:
            time.sleep(0.01)  # without masks the handler runs soon after, not at once
        assert stop.signal_number == signal.SIGINT
        signal.raise_signal(signal.SIGINT)
        time.sleep(0.1)
    assert signal.getsignal(signal.SIGINT) is before
    if stop_signals.HOLDS_SIGNALS:
        assert not signal.sigpending() & stop_signals.STOP_SIGNALS


def test_a_folder_lock_is_held_against_a_second_holder_and_given_up_on_close(tmp_path):
    first = open(tmp_path / ".lock", "a+", encoding="utf-8")
    safe_files.lock_exclusively(first)
    with open(tmp_path / ".lock", "a+", encoding="utf-8") as second:
        with pytest.raises(safe_files.FolderInUse):
            safe_files.lock_exclusively(second)
    first.close()
    with open(tmp_path / ".lock", "a+", encoding="utf-8") as third:
        safe_files.lock_exclusively(third)


def test_files_and_folders_are_synced_where_the_system_can(tmp_path):
    path = tmp_path / "data"
    path.write_bytes(b"x")
    safe_files.sync_file(path)
    safe_files.sync_folder(tmp_path)  # does nothing where a folder cannot be opened


@pytest.mark.parametrize("windows, words, command", [
    (False, ["python", "train_rnn_mnist.py", "--save-dir", "my runs", "--resume"],
     "python train_rnn_mnist.py --save-dir 'my runs' --resume"),
    (True, [r".venv\Scripts\python.exe", "train_rnn_mnist.py", "--save-dir", r"ck\学習",
            "--resume"],
     r".venv\Scripts\python.exe train_rnn_mnist.py --save-dir ck\学習 --resume"),
    (True, [r"C:\Users\My Name\repo\.venv\Scripts\python.exe", "train_rnn_mnist.py",
            "--save-dir", "it's here", "--resume"],
     r"& 'C:\Users\My Name\repo\.venv\Scripts\python.exe' train_rnn_mnist.py --save-dir "
     "'it''s here' --resume"),
    (True, ["python", "--data", "a;b", "--seed", "$HOME"],
     "& python --data 'a;b' --seed '$HOME'"),
])
def test_a_command_is_quoted_for_the_users_own_shell(windows, words, command, monkeypatch):
    monkeypatch.setattr(cli, "WINDOWS_SHELLS", windows)
    assert cli.shell_command(words) == command
    if not windows:
        assert shlex.split(command) == words


def test_the_resume_command_survives_a_python_on_another_drive(monkeypatch):
    def on_another_drive(path, start=None):
        raise ValueError("path is on mount 'C:', start on mount 'D:'")

    monkeypatch.setattr(os.path, "relpath", on_another_drive)
    command = checkpoints.resume_command(["--save-dir", "ck"])
    assert str(checkpoints.TRAINER) in command and command.endswith("--resume")


# ---------------------------------------------------------------------------------------------
# Output on the console's code page, logs as Windows saves them


@pytest.mark.parametrize("script", ["train_rnn_mnist.py", "predict_digit.py",
                                    "compare_with_article.py"])
def test_help_prints_on_a_western_code_page(script, tmp_path):
    """The article's Japanese title in --help, to a redirected stdout under cp1252."""
    result = run_bytes(script, "--help", cwd=tmp_path,
                       env_extra={"PYTHONIOENCODING": "cp1252"} if not WINDOWS else None)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "usage:" in result.stdout


@pytest.mark.parametrize("encoding, newline", [
    ("utf-16", "\r\n"),        # Windows PowerShell 5.1's `>`: UTF-16 LE with a BOM, CRLF
    ("utf-8-sig", "\r\n"),     # Notepad's "UTF-8 with BOM"
    ("utf-8", "\r\n"),         # PowerShell 7's `>`, with CRLF
    ("utf-16-be", "\n"),
])
def test_a_log_saved_the_way_windows_saves_it_compares_like_the_original(encoding, newline,
                                                                        tmp_path):
    text = (ROOT / "tests" / "golden" / "seed-0.log").read_text(encoding="utf-8")
    plain, saved = tmp_path / "plain.log", tmp_path / "saved.log"
    plain.write_bytes(text.encode("utf-8"))
    data = text.replace("\n", newline).encode(encoding)
    if encoding == "utf-16-be":
        data = codecs.BOM_UTF16_BE + data
    saved.write_bytes(data)
    original = run_bytes("compare_with_article.py", plain, cwd=tmp_path)
    windows = run_bytes("compare_with_article.py", saved, cwd=tmp_path)
    assert original.returncode == windows.returncode == 0, windows.stderr
    assert windows.stdout == original.stdout


# ---------------------------------------------------------------------------------------------
# Every script's tiny run, on paths with spaces and Japanese characters


@pytest.fixture(scope="module")
def odd_data(tmp_path_factory, tiny_npz):
    folder = tmp_path_factory.mktemp("data") / ODD_NAME
    folder.mkdir()
    path = folder / "小さな mnist.npz"
    path.write_bytes(tiny_npz.read_bytes())
    return path


@pytest.mark.trains
def test_a_tiny_run_logs_checkpoints_and_event_files_into_odd_folders(odd_data, tmp_path):
    result = run_bytes("train_rnn_mnist.py", "--data", odd_data, *TINY_RUN_FLAGS,
                       "--save-dir", tmp_path / ODD_NAME / "チェックポイント",
                       "--logdir", tmp_path / ODD_NAME / "tb", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout.splitlines()[-1].startswith("Test Accuracy (200 images): ")
    assert checkpoints.load(tmp_path / ODD_NAME / "チェックポイント").step == 20
    assert list((tmp_path / ODD_NAME / "tb").glob("events.out.tfevents.*"))
    log = tmp_path / ODD_NAME / "run.log"
    log.write_bytes(result.stdout.encode("utf-8"))
    compared = run_bytes("compare_with_article.py", log, "--plot",
                         tmp_path / ODD_NAME / "plot.png", cwd=tmp_path)
    assert compared.returncode == 0, compared.stderr
    assert "Verdict" in compared.stdout and (tmp_path / ODD_NAME / "plot.png").exists()


def test_predict_reads_a_photo_in_an_odd_folder(tiny_checkpoint, mnist_arrays, tmp_path):
    folder = tmp_path / ODD_NAME
    folder.mkdir()
    photo = folder / "私の 数字.png"
    Image.fromarray(255 - mnist_arrays["x_test"][0]).resize((140, 140)).save(photo)
    result = run_bytes("predict_digit.py", "--checkpoint", tiny_checkpoint, photo,
                       "--show-preprocessing", folder / "steps.png", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Predicted digit: " in result.stdout and (folder / "steps.png").exists()
    by_index = run_bytes("predict_digit.py", "--checkpoint", tiny_checkpoint, "--test-index",
                         "0", cwd=tmp_path)
    assert by_index.returncode == 0 and "True label: 7" in by_index.stdout, by_index.stderr


# A line at every step: Ctrl-C after a log line stops after that step (its fifth, below).
STOP_STEPS, STOP_FLAGS = stoppable_run(10, "--test-len", "32", "--save-every", "7")
STOPS = [signal.SIGINT] + ([signal.SIGBREAK] if hasattr(signal, "SIGBREAK") else [])
# Real Windows sends Ctrl-Break as a console event to a process group of its own (Ctrl-C cannot
# be sent to one); elsewhere, and in the simulation, a signal is sent.
CONSOLE_EVENTS = hasattr(signal, "CTRL_BREAK_EVENT")


def press(process, stop_signal):
    if CONSOLE_EVENTS:
        process.send_signal(signal.CTRL_BREAK_EVENT)
    else:
        process.send_signal(stop_signal)


@pytest.mark.trains
@pytest.mark.parametrize("stop_signal", STOPS, ids=lambda number: signal.Signals(number).name)
def test_stopped_in_an_odd_folder_then_resumed_is_the_uninterrupted_run(stop_signal, odd_data,
                                                                        tmp_path):
    flags = ["--data", str(odd_data), *STOP_FLAGS]
    whole = uninterrupted_stdout(flags, tmp_path)
    save_dir = tmp_path / ODD_NAME / "チェック ポイント"
    if CONSOLE_EVENTS and stop_signal != signal.SIGBREAK:
        pytest.skip("Ctrl-C cannot be sent to a process group of its own")
    group = {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP} if CONSOLE_EVENTS else {}
    process = subprocess.Popen([sys.executable, str(ROOT / "train_rnn_mnist.py"), *flags,
                                "--save-dir", str(save_dir)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, cwd=tmp_path, pipesize=SMALL_PIPE, **group)
    printed = []
    for line in process.stdout:
        printed.append(line)
        if len(printed) == 5:
            press(process, stop_signal)
    stderr = text(process.stderr.read())
    assert process.wait(timeout=120) == 128 + stop_signal, stderr
    assert "Traceback" not in stderr
    step = checkpoints.load(save_dir).step
    assert 5 <= step < STOP_STEPS
    first_part = text(b"".join(printed))
    assert first_part == "".join(whole.splitlines(keepends=True)[:step])
    stopped = stderr.splitlines()[-1]
    assert stopped.startswith(f"train_rnn_mnist.py: stopped after step {step} of "
                               f"{STOP_STEPS}; saved in ")
    if "resume with: " in stopped:
        command = stopped.split("resume with: ", 1)[1]
    else:  # a code page that cannot show the folder's name (cp1252): the command is written out
        written = re.search(r"; the command that resumes it cannot be shown in this console's "
                            r"code page \((.+)\): it is written in resume-command\.txt, in the "
                            r"folder it was saved in$", stopped)
        assert written, stopped
        with pytest.raises(UnicodeEncodeError):
            str(save_dir).encode(written[1])
        command = (save_dir / "resume-command.txt").read_text(encoding="utf-8-sig").strip()
    if not cli.WINDOWS_SHELLS:  # the printed command, run as sh runs it
        resumed = subprocess.run(shlex.split(command), capture_output=True, cwd=tmp_path,
                                 timeout=300)
    else:  # PowerShell is not here: the same words, given to the trainer
        assert command.startswith("& ") and "--resume" in command
        resumed = subprocess.run([sys.executable, str(ROOT / "train_rnn_mnist.py"), *flags,
                                  "--save-dir", str(save_dir), "--resume"],
                                 capture_output=True, cwd=tmp_path, timeout=300)
    assert resumed.returncode == 0, text(resumed.stderr)
    assert first_part + text(resumed.stdout) == whole


@pytest.mark.trains
def test_a_second_run_on_a_folder_in_use_is_refused_on_every_system(tiny_npz, tmp_path):
    save_dir = tmp_path / ODD_NAME
    holder = subprocess.Popen([sys.executable, str(ROOT / "train_rnn_mnist.py"), "--data",
                               str(tiny_npz), *STOP_FLAGS, "--training-iters", "640000",
                               "--save-dir", str(save_dir)], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, cwd=tmp_path, pipesize=SMALL_PIPE)
    try:
        holder.stdout.readline()  # it is training, so it holds the folder
        second = run_bytes("train_rnn_mnist.py", "--data", tiny_npz, *TINY_RUN_FLAGS,
                           "--save-dir", save_dir, "--overwrite", cwd=tmp_path)
    finally:
        holder.kill()
        holder.wait()
    assert second.returncode == 1
    assert second.stderr.strip().endswith(
        f"is in use by another run (process {holder.pid}): one run per folder")


# ---------------------------------------------------------------------------------------------
# The hosted workflow, and the files that must stay LF


WORKFLOW = ROOT / ".github" / "workflows" / "tests.yml"


def check_workflow(path):
    return subprocess.run([sys.executable, "-c", "import check_jsonschema; check_jsonschema.main()",
                           "--builtin-schema", "vendor.github-workflows", str(path)],
                          capture_output=True, text=True, timeout=120)


def test_the_hosted_workflow_is_valid_and_runs_every_system_the_readme_names(tmp_path):
    result = check_workflow(WORKFLOW)
    assert result.returncode == 0, result.stdout + result.stderr
    from ruamel.yaml import YAML

    workflow = YAML(typ="safe").load(WORKFLOW.read_text(encoding="utf-8"))
    matrix = workflow["jobs"]["test"]["strategy"]["matrix"]
    assert set(matrix["os"]) == {"ubuntu-latest", "ubuntu-24.04-arm", "macos-latest",
                                 "windows-latest"}
    assert matrix["python"] == ["3.10", "3.13"]
    commands = [step.get("run") for step in workflow["jobs"]["test"]["steps"]]
    assert "make test PYTHON=python" in commands and "python tasks.py test" in commands

    # The check can fail: a job with no runner is refused.
    broken = tmp_path / "broken.yml"
    broken.write_text(WORKFLOW.read_text(encoding="utf-8").replace("runs-on:", "run-on:"),
                      encoding="utf-8")
    assert check_workflow(broken).returncode == 1


@pytest.mark.parametrize("path", ["Makefile", ".ci/run", "tests/golden/seed-0.log",
                                  "tests/golden/seed-1.log", "data/article_log.txt"])
def test_the_files_that_must_stay_lf_are_checked_out_lf_everywhere(path):
    attributes = subprocess.run(["git", "check-attr", "eol", "--", path], cwd=ROOT,
                                capture_output=True, text=True, check=True).stdout
    assert attributes.strip() == f"{path}: eol: lf"
    assert b"\r\n" not in (ROOT / path).read_bytes()


class FakeMsvcrt:
    """msvcrt's locking() as Windows answers it: each call recorded with the file's position
    then; a lock held elsewhere fails with the errno that Windows' _locking() sets."""
    LK_NBLCK = 2

    def __init__(self, error=None):
        self.calls, self.error = [], error

    def locking(self, descriptor, mode, length):
        self.calls.append((os.lseek(descriptor, 0, os.SEEK_CUR), mode, length))
        if self.error is not None:
            raise OSError(self.error, os.strerror(self.error))


@pytest.mark.parametrize("error, taken", [(None, True), (errno.EACCES, False),
                                          (errno.EDEADLK, False), (errno.EBADF, "raised")])
def test_a_windows_lock_takes_its_bytes_without_waiting_and_leaves_the_file_where_it_was(
        error, taken, monkeypatch, tmp_path):
    """msvcrt.locking() locks `length` bytes from the file's position: the position is moved
    to the lock's bytes for the call, and back, whatever it answers (the file's text, the
    holder's process number, is read and written from where it was)."""
    fake = FakeMsvcrt(error)
    monkeypatch.setattr(safe_files, "msvcrt", fake, raising=False)
    with open(tmp_path / "lock", "w+b") as file:
        file.write(b"4242\n")
        if taken == "raised":
            with pytest.raises(OSError):
                safe_files._windows_lock(file, safe_files.WINDOWS_LOCK_OFFSET + 7, 3)
        else:
            assert safe_files._windows_lock(file, safe_files.WINDOWS_LOCK_OFFSET + 7, 3) is taken
        assert file.tell() == 5
    assert fake.calls == [(safe_files.WINDOWS_LOCK_OFFSET + 7, FakeMsvcrt.LK_NBLCK, 3)]


def test_windows_locks_the_writer_one_byte_each_reader_its_own_and_the_saver_all_readers(
        monkeypatch, tmp_path):
    fake = FakeMsvcrt()
    monkeypatch.setattr(safe_files, "msvcrt", fake, raising=False)
    monkeypatch.setattr(safe_files, "fcntl", None)
    monkeypatch.setattr(safe_files.os, "getpid", lambda: 4096 * 3 + 17)
    offset = safe_files.WINDOWS_LOCK_OFFSET
    with open(tmp_path / "lock", "w+b") as file:
        safe_files.lock_exclusively(file)
        assert safe_files.hold_for_reading(file) is True
        assert safe_files.has_no_reader(file) is True
    assert fake.calls == [(offset, 2, 1), (offset + 1 + 17, 2, 1), (offset + 1, 2, 4096)]
    assert offset == 1 << 20 and safe_files.WINDOWS_READER_BYTES == 4096
    fake.error = errno.EACCES
    with open(tmp_path / "lock", "w+b") as file, pytest.raises(safe_files.FolderInUse):
        safe_files.lock_exclusively(file)
