"""A Linux Python made to lack what macOS's or Windows' Python lacks, so that the project's code
paths for those systems run, and are tested, here (tasks.py test-platforms).

Python imports this module at start-up when its folder is on PYTHONPATH, before any of the
project's code; SIMULATED_PLATFORM says which system to play. Child processes inherit both, so
every script a test starts plays the same system.

- macos: no signal.sigtimedwait() nor sigwaitinfo() (macOS has neither), no
  os.sched_getaffinity().
- windows:
  - no fcntl; a msvcrt whose locking() locks byte ranges per open file, as Windows' does per
    handle;
  - no os.O_NOFOLLOW, os.O_NONBLOCK nor os.mkfifo;
  - no signal masks (pthread_sigmask, sigpending, sigwait, sigtimedwait, pthread_kill), no
    SIGKILL, no SIGHUP;
  - Ctrl-C runs on a thread of its own, as Windows' console handler does: SIGINT and
    SIGBREAK (played by SIGTTIN, which nothing else sends here) reach only a thread started
    for them, every other thread holds them; SIGTERM is TerminateProcess: no handler runs;
  - no os.wait4() nor os.sched_getaffinity();
  - fsync() of a read-only descriptor fails with EBADF (FlushFileBuffers needs write access),
    and a folder cannot be opened (PermissionError), as on Windows;
  - the console's code page, SIMULATED_CODE_PAGE (cp1252 by default), for stdin, stdout and
    stderr, for a child's output read as text, and for the text files that the project's own
    code (this repository's files) opens without naming an encoding: Windows' ANSI code page,
    not UTF-8.
What cannot be played here: paths with drive letters and backslashes, PowerShell and cmd
themselves, that Windows' locks are mandatory (a locked byte cannot be read), and real
TerminateProcess or console events.
"""

import builtins
import errno
import fcntl as _fcntl
import os
import pathlib
import signal
import stat
import struct
import subprocess  # imported before the fake msvcrt, which it would take for Windows
import sys
import threading
import types

PLATFORM = os.environ.get("SIMULATED_PLATFORM", "")
REPOSITORY = str(pathlib.Path(__file__).resolve().parents[2]) + os.sep
VENV = REPOSITORY + ".venv" + os.sep


def remove(module, *names):
    for name in names:
        if hasattr(module, name):
            delattr(module, name)


def play_macos():
    remove(signal, "sigtimedwait", "sigwaitinfo")
    remove(os, "sched_getaffinity")


def play_windows():
    code_page = os.environ.get("SIMULATED_CODE_PAGE", "cp1252")
    for stream in (sys.stdin, sys.stdout, sys.stderr):
        if stream is not None:
            # Each keeps its error handler, as Windows' Python has them: stderr's is
            # backslashreplace there too (reconfigure() with an encoding alone makes it strict).
            stream.reconfigure(encoding=code_page, errors=stream.errors)
    default_text_encoding_for_the_project(code_page)
    # A child's output read as text is decoded with the same code page, as on Windows.
    subprocess._text_encoding = lambda: code_page

    # No fcntl; msvcrt's locking(), on Linux's open-file-description locks: byte ranges, from
    # the file's position, held per open file as Windows' are per handle.
    sys.modules["fcntl"] = None
    msvcrt = types.ModuleType("msvcrt")
    msvcrt.LK_UNLCK, msvcrt.LK_LOCK, msvcrt.LK_NBLCK, msvcrt.LK_RLCK, msvcrt.LK_NBRLCK = range(5)

    def locking(descriptor, mode, length):
        kind = _fcntl.F_UNLCK if mode == msvcrt.LK_UNLCK else _fcntl.F_WRLCK
        start = os.lseek(descriptor, 0, os.SEEK_CUR)
        record = struct.pack("hhxxxxqqixxxx", kind, os.SEEK_SET, start, length, 0)
        try:
            _fcntl.fcntl(descriptor, _fcntl.F_OFD_SETLK, record)
        except (BlockingIOError, PermissionError):
            raise OSError(errno.EACCES, "Permission denied") from None

    msvcrt.locking = locking
    sys.modules["msvcrt"] = msvcrt

    # Files: FlushFileBuffers wants write access; a folder cannot be opened.
    real_fsync, real_open = os.fsync, os.open

    def fsync(descriptor):
        descriptor = descriptor if isinstance(descriptor, int) else descriptor.fileno()
        if _fcntl.fcntl(descriptor, _fcntl.F_GETFL) & os.O_ACCMODE == os.O_RDONLY:
            raise OSError(errno.EBADF, "Bad file descriptor")
        return real_fsync(descriptor)

    def open_(path, flags, mode=0o777, *, dir_fd=None):
        try:
            is_folder = stat.S_ISDIR(os.stat(path, dir_fd=dir_fd).st_mode)
        except OSError:
            is_folder = False
        if is_folder:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, mode, dir_fd=dir_fd)

    os.fsync, os.open = fsync, open_
    remove(os, "O_DIRECTORY", "O_NOFOLLOW", "O_NONBLOCK", "mkfifo", "sched_getaffinity",
           "wait4")

    # Signals: Ctrl-C and Ctrl-Break are noted on a thread of their own; no masks.
    signal.SIGBREAK = signal.SIGTTIN
    console_signals = {signal.SIGINT, signal.SIGBREAK}
    real_mask = signal.pthread_sigmask

    def console_thread():
        real_mask(signal.SIG_UNBLOCK, console_signals)
        threading.Event().wait()

    real_mask(signal.SIG_BLOCK, console_signals)  # every later thread inherits this
    threading.Thread(target=console_thread, name="console control", daemon=True).start()

    real_signal = signal.signal

    def signal_(number, handler):
        if number == signal.SIGTERM:  # TerminateProcess: a handler is accepted, never called
            return signal.SIG_DFL
        return real_signal(number, handler)

    signal.signal = signal_
    # raise() runs the handler on Windows; here it is sent to the process, so that the
    # console thread takes it.
    signal.raise_signal = lambda number: os.kill(os.getpid(), number)
    remove(signal, "pthread_sigmask", "sigpending", "sigwait", "sigtimedwait", "sigwaitinfo",
           "pthread_kill", "SIGKILL", "SIGHUP")
    # Popen.kill() is TerminateProcess there; here it still needs the number SIGKILL had.
    subprocess.Popen.kill = lambda process: process.send_signal(9)


def default_text_encoding_for_the_project(code_page):
    """open(), Path.read_text() and the like, called from this repository's files with no
    encoding, read and write the code page, as on Windows; other packages are left alone."""
    real_open, real_path_open = builtins.open, pathlib.Path.open

    def from_the_project(depth):
        caller = sys._getframe(depth).f_code.co_filename
        return caller.startswith(REPOSITORY) and not caller.startswith(VENV)

    def open_(file, mode="r", buffering=-1, encoding=None, *args, **kwargs):
        if encoding is None and "b" not in mode and from_the_project(2):
            encoding = code_page
        return real_open(file, mode, buffering, encoding, *args, **kwargs)

    def read_text(self, encoding=None, errors=None):
        if encoding is None and from_the_project(2):
            encoding = code_page
        with real_path_open(self, encoding=encoding, errors=errors) as file:
            return file.read()

    def write_text(self, data, encoding=None, errors=None, newline=None):
        if encoding is None and from_the_project(2):
            encoding = code_page
        with real_path_open(self, "w", encoding=encoding, errors=errors,
                            newline=newline) as file:
            return file.write(data)

    builtins.open = open_
    pathlib.Path.read_text, pathlib.Path.write_text = read_text, write_text


if PLATFORM == "macos":
    play_macos()
elif PLATFORM == "windows":
    play_windows()
elif PLATFORM:
    raise SystemExit(f"sitecustomize: SIMULATED_PLATFORM={PLATFORM!r} is not macos or windows")
