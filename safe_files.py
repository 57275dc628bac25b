"""The file-system calls that checkpoints rely on, the same on every system: a folder's lock,
and data flushed to disk before a rename makes it the checkpoint.

Each system's way is chosen once, here, by what its Python has:

- the lock: fcntl.flock() where there is fcntl (Linux, macOS), msvcrt.locking() where there is
  msvcrt (Windows). Both locks die with the process that holds them, so a killed run never
  leaves its folder locked.
- syncing: os.fsync() on a descriptor open for writing, which Windows' FlushFileBuffers needs
  (on a read-only one it fails with EBADF). A folder is synced where it can be opened
  (os.O_DIRECTORY: Linux, macOS); Windows cannot open one, and NTFS journals the rename itself.
"""

import errno
import os

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
    if fcntl is not None:
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise FolderInUse() from None
        return
    descriptor = lock_file.fileno()
    position = os.lseek(descriptor, 0, os.SEEK_CUR)
    os.lseek(descriptor, WINDOWS_LOCK_OFFSET, os.SEEK_SET)
    try:
        msvcrt.locking(descriptor, msvcrt.LK_NBLCK, 1)
    except OSError as error:
        if error.errno in (errno.EACCES, errno.EDEADLK):  # what _locking() sets when held
            raise FolderInUse() from None
        raise
    finally:
        os.lseek(descriptor, position, os.SEEK_SET)


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
