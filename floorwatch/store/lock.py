"""The one-writer lock: only one ingest writes a database at a time."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import stat
import time
from pathlib import Path

from floorwatch.store.faults import StoreError


class WriterLock:
    """Only one ingest writes a database at a time.

    Two would each derive from their own memory and count every call twice. The lock is an
    advisory lock (flock) on `<database>.lock`, which holds the owner's pid for the message.
    The ingest's writer process inherits the open lock file, so the lock is held until both
    have exited: an ingest restarted after a SIGKILL waits for the old writer process to
    finish its last commit before it reads where to resume.
    """

    def __init__(self, path: Path, timeout_s: float):
        self.path = path.with_name(path.name + ".lock")
        self.fd = self._open(self.path)
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    owner = os.pread(self.fd, 32, 0).decode(errors="replace").strip()
                    os.close(self.fd)
                    raise StoreError(
                        f"{path}: another floorwatch ingest"
                        + (f" (pid {owner})" if owner.isdigit() else "")
                        + " is writing to it; stop that one first"
                    ) from None
                time.sleep(0.05)
        try:
            os.ftruncate(self.fd, 0)
            os.pwrite(self.fd, f"{os.getpid()}\n".encode(), 0)
        except OSError as error:  # a full disk: the lock holds all the same, only the pid is lost
            if error.errno not in (errno.ENOSPC, errno.EDQUOT):
                os.close(self.fd)
                raise StoreError(f"{self.path}: cannot write ({error.strerror})") from None

    @staticmethod
    def _open(path: Path) -> int:
        """The lock file, never through a link: a planted `x.db.lock -> important` must not
        get `important` truncated, nor a hard link to it; anything but a plain file is refused."""
        flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
        try:
            fd = os.open(path, flags, 0o644)
        except OSError as error:
            if error.errno == errno.EROFS:
                raise StoreError(
                    f"{path.with_suffix('')}: cannot write: {path.parent} is on a "
                    "read-only filesystem; the ingest must write the database "
                    "there"
                ) from None
            if error.errno == errno.ELOOP:
                raise StoreError(
                    f"{path}: is a symbolic link; refusing to follow it (remove it, "
                    "the ingest creates its own lock file)"
                ) from None
            raise StoreError(f"{path}: cannot create ({error.strerror})") from None
        info = os.fstat(fd)
        problem = None
        if not stat.S_ISREG(info.st_mode):
            problem = "is not a regular file; refusing to use it as the lock (remove it)"
        elif info.st_nlink != 1:
            problem = "has other hard links; refusing to write to it (remove it)"
        if problem is not None:
            os.close(fd)
            raise StoreError(f"{path}: {problem}")
        os.set_blocking(fd, True)
        return fd

    def release(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)  # the writer process may still hold its copy until it exits
            self.fd = -1


def writer_running(database: Path) -> bool:
    """Whether an ingest holds the database's writer lock now (nothing is created or taken)."""
    try:
        fd = os.open(database.with_name(database.name + ".lock"), os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # (closing it lets go of a lock taken here)
    return False


class TaskLock:
    """One maintenance task of a kind (`prune`) on a database at a time: a second is refused
    at once, naming the first's pid. An flock on `<database>.<task>.lock`, opened as safely as
    the writer's."""

    def __init__(self, database: Path, task: str):
        self.path = database.with_name(f"{database.name}.{task}.lock")
        self.fd = WriterLock._open(self.path)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = os.pread(self.fd, 32, 0).decode(errors="replace").strip()
            os.close(self.fd)
            raise StoreError(
                f"{database}: another floorwatch db {task}"
                + (f" (pid {owner})" if owner.isdigit() else "")
                + " is running on it; wait for it to end"
            ) from None
        with contextlib.suppress(OSError):  # the lock holds without its pid on a full disk
            os.ftruncate(self.fd, 0)
            os.pwrite(self.fd, f"{os.getpid()}\n".encode(), 0)

    def release(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
