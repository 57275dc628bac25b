"""The file-system calls that checkpoints rely on, the same on every system: a folder's lock,
readers' holds on a checkpoint, data flushed to disk before a rename makes it the checkpoint,
and the project's own files opened safely.

Each system's way is chosen once, here, by what its Python has:

- the lock: fcntl.flock() where there is fcntl (Linux, macOS), msvcrt.locking() where there is
  msvcrt (Windows). Both locks die with the process that holds them, so a killed run never
  leaves its folder locked. A reader's hold is a shared flock(), or on Windows, which has no
  shared lock, a byte of its own locked (hold_for_reading).
- syncing: os.fsync() on a descriptor open for writing, which Windows' FlushFileBuffers needs
  (on a read-only one it fails with EBADF). A folder is synced where it can be opened
  (os.O_DIRECTORY: Linux, macOS); Windows cannot open one, and NTFS journals the rename itself.
- the project's own small files (a checkpoint folder's lock, LATEST, settings.json): opened
  never through a symbolic link (os.O_NOFOLLOW where it exists; elsewhere, Windows, the path is
  checked first), and only if they are regular files, up to a size, so that a folder someone
  sent you cannot make a run write outside it, or read a FIFO or /dev/zero for ever.
"""

import errno
import os
import stat

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None
    import msvcrt

# msvcrt.locking() locks bytes, and a Windows lock is mandatory: a byte locked there cannot be
# read by another process. The lock is therefore taken on one byte far past the process number
# that the file holds, so that a second run can still read who holds the folder.
WINDOWS_LOCK_OFFSET = 1 << 20


class FolderInUse(Exception):
    """The lock is held by another process (the file's text says which)."""


def lock_exclusively(lock_file):
    """Take the lock of an open file without waiting; FolderInUse if another process holds it."""
    taken = (_flock(lock_file, fcntl.LOCK_EX) if fcntl is not None else
             _windows_lock(lock_file, WINDOWS_LOCK_OFFSET, 1))
    if not taken:
        raise FolderInUse()


# Readers of a checkpoint hold it with a shared lock, so that the run saving there leaves it in
# place until they are done. Windows has no shared lock: each reader locks a byte of its own
# (by its process number) past WINDOWS_LOCK_OFFSET, and the writer tries the whole range.
WINDOWS_READER_BYTES = 4096


def hold_for_reading(file):
    """Take a shared lock on an open file without waiting; False if a writer holds it."""
    if fcntl is not None:
        return _flock(file, fcntl.LOCK_SH)
    return _windows_lock(file, WINDOWS_LOCK_OFFSET + 1 + os.getpid() % WINDOWS_READER_BYTES, 1)


def has_no_reader(file):
    """Take an exclusive lock on an open file without waiting; False if a reader holds it."""
    if fcntl is not None:
        return _flock(file, fcntl.LOCK_EX)
    return _windows_lock(file, WINDOWS_LOCK_OFFSET + 1, WINDOWS_READER_BYTES)


def _flock(file, operation):
    """flock() without waiting: whether the lock was taken."""
    try:
        fcntl.flock(file, operation | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _windows_lock(file, offset, length):
    """msvcrt.locking() of `length` bytes at `offset`, without waiting: whether it was taken."""
    descriptor = file.fileno()
    position = os.lseek(descriptor, 0, os.SEEK_CUR)
    os.lseek(descriptor, offset, os.SEEK_SET)
    try:
        msvcrt.locking(descriptor, msvcrt.LK_NBLCK, length)
    except OSError as error:
        if error.errno in (errno.EACCES, errno.EDEADLK):  # what _locking() sets when held
            return False
        raise
    finally:
        os.lseek(descriptor, position, os.SEEK_SET)
    return True


def sync_file(path):
    """Flush a file's data to disk, so that a rename after it never names missing data."""
    descriptor = os.open(path, os.O_RDWR)  # Windows flushes only a descriptor open for writing
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def sync_folder(path):
    """Flush a folder's entries (a rename into it) to disk, where a folder can be opened."""
    if not hasattr(os, "O_DIRECTORY"):
        return  # Windows: a folder cannot be opened, and NTFS journals the rename
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


NO_FOLLOW = getattr(os, "O_NOFOLLOW", 0)  # Windows has none: open_own_file() checks the path
NO_WAIT = getattr(os, "O_NONBLOCK", 0)  # a FIFO then opens at once, and fstat() names it
BINARY = getattr(os, "O_BINARY", 0)  # Windows: no newline translation


class NotOwnFile(Exception):
    """A path where the project keeps a file of its own holds something else; the message says
    what (a link, a FIFO, a folder, too large)."""


def open_own_file(path, flags, mode=0o644):
    """os.open() of a regular file, never through a symbolic link, never a FIFO or a device."""
    if not NO_FOLLOW and os.path.islink(path):
        raise NotOwnFile("a symbolic link, which is not followed")
    try:
        descriptor = os.open(path, flags | NO_FOLLOW | NO_WAIT | BINARY, mode)
    except OSError as error:
        if error.errno == errno.ELOOP or (error.errno == errno.EMLINK and NO_FOLLOW):
            raise NotOwnFile("a symbolic link, which is not followed") from None
        # A folder opened for writing; on Windows, any folder (a folder cannot be opened there).
        if error.errno == errno.EISDIR or (error.errno == errno.EACCES and os.path.isdir(path)):
            raise NotOwnFile("a folder, not a file") from None
        if error.errno == errno.ENXIO:  # a FIFO with no reader
            raise NotOwnFile("not a regular file") from None
        raise
    kind = os.fstat(descriptor).st_mode
    if not stat.S_ISREG(kind):
        os.close(descriptor)
        raise NotOwnFile("a folder, not a file" if stat.S_ISDIR(kind) else
                         "not a regular file (a FIFO, a device or a socket)")
    return descriptor


def read_own_file(path, limit):
    """The bytes of a regular file of at most `limit` bytes (NotOwnFile for anything else)."""
    descriptor = open_own_file(path, os.O_RDONLY)
    with os.fdopen(descriptor, "rb") as file:
        data = file.read(limit + 1)
    if len(data) > limit:
        raise NotOwnFile(f"larger than the {limit:,} bytes such a file holds")
    return data


def check_own_file(path):
    """NotOwnFile unless `path` is a regular file, not reached through a symbolic link."""
    os.close(open_own_file(path, os.O_RDONLY))


def replace_own_file(path, data, mode=0o644):
    """Make the file `path` hold `data`, whole or not at all: `data` is written into
    `.NAME.unfinished` beside it, created anew (so no link or file there is followed or
    overwritten), flushed to disk, then renamed over `path` (a link there is replaced, not
    followed). A reader meanwhile reads the old bytes or the new. What an interrupted write left
    under that one name is removed by the next: one name, the project's own, never a pile."""
    folder, name = os.path.split(path)
    temporary = os.path.join(folder, f".{name}.unfinished")
    try:
        os.unlink(temporary)  # never follows a link
    except FileNotFoundError:
        pass
    descriptor = open_own_file(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
