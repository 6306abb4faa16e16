"""The database writer: a process of its own that applies the ingest's commits, in order.

Python runs one thread at a time, and SQLite's inserts hand it back after every row, so in one
process parsing, deriving and writing take turns on one core. Here the ingest parses and
derives the next commit while this process writes the last one, on the other core.

The ingest sends each commit (`floorwatch.store.commit.Commit`) down this process's standard input,
as an 8-byte length and a pickle; it answers each with ("ok", seq) or ("error", message) on
standard output. It reads the next commit while it writes the last. It ends at the end of its
input: a commit it has read whole is written, one cut off by the ingest's death is not. It
ignores SIGINT and SIGTERM (a Ctrl-C or a service stop reaches the whole process group): the
ingest stops, commits what it has, then closes the pipe. It holds the ingest's writer lock
(inherited) until it exits, so a restarted ingest waits for it.
"""

from __future__ import annotations

import contextlib
import io
import os
import pickle
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, BinaryIO

from floorwatch.sources.base import environment_without_secrets
from floorwatch.store.commit import Commit, CommitWriter, configure_writer
from floorwatch.store.faults import sqlite_fault

_LENGTH_BYTES = 8


def send(stream: BinaryIO, message: Any) -> None:
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    # No memo: a commit holds no object twice that matters and no cycles, and remembering
    # every row and string it pickled costs the ingest a third of the time of pickling.
    # (Pickler.fast is marked deprecated in the docs since 3.0, and is in every CPython.)
    pickler.fast = True
    pickler.dump(message)
    data = buffer.getbuffer()
    stream.write(len(data).to_bytes(_LENGTH_BYTES, "little"))
    stream.write(data)
    stream.flush()


def _read_exactly(fd: int, size: int) -> bytearray | None:
    """`size` bytes from a file descriptor, or None if it ends first. Unbuffered: a thread
    blocked here holds no lock of Python's, so the process can exit around it."""
    data = bytearray(size)
    view = memoryview(data)
    got = 0
    while got < size:
        count = os.readv(fd, [view[got:]])
        if count == 0:
            return None
        got += count
    return data


def _read_frame(fd: int) -> bytearray | None:
    """The next message's bytes, or None at the end of the stream (or of a message cut off)."""
    header = _read_exactly(fd, _LENGTH_BYTES)
    return None if header is None else _read_exactly(fd, int.from_bytes(header, "little"))


def receive(fd: int) -> Any | None:
    """The next message, or None at the end of the stream (or of a message cut off)."""
    data = _read_frame(fd)
    return None if data is None else pickle.loads(data)


class WriterError(Exception):
    """The writer process could not write a commit (or stopped); nothing of it was written."""


class WriterProcess:
    """The ingest's end of its writer process: submit commits, then collect their answers.

    At most IN_FLIGHT commits are handed over and not yet answered: one being written, the
    next read already (so the ingest never waits to hand it over); memory stays bounded and a
    failure stops the ingest quickly.
    """

    IN_FLIGHT = 2

    def __init__(self, db_path: str | Path, inherit_fds: tuple[int, ...] = ()):
        self.db_path = Path(db_path)
        self.pending = 0
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "floorwatch.store.writer", str(self.db_path)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                pass_fds=inherit_fds,
                env=environment_without_secrets(),  # it writes a file: it needs no password
            )
        except OSError as error:
            raise WriterError(
                f"{self.db_path}: cannot start the database writer ({error})"
            ) from error

    def submit(self, commit: Commit) -> None:
        try:
            send(self._process.stdin, commit)
        except (BrokenPipeError, OSError):
            raise WriterError(self._stopped()) from None
        self.pending += 1

    def wait(self) -> int:
        """The sequence number of the oldest commit in flight, once it is written."""
        assert self.pending, "nothing submitted"
        reply = receive(self._process.stdout.fileno())
        self.pending -= 1
        if reply is None:
            raise WriterError(self._stopped())
        status, value = reply
        if status != "ok":
            raise WriterError(value)
        return value

    def check(self) -> None:
        """WriterError if the writer has gone (between commits, when nothing else would say)."""
        if self._process.poll() is not None:
            raise WriterError(self._stopped())

    def _stopped(self) -> str:
        self.pending = 0
        code = self._process.wait()
        how = f"killed by signal {-code}" if code < 0 else f"exit status {code}"
        return f"{self.db_path}: the database writer stopped unexpectedly ({how})"

    def close(self, timeout_s: float = 60.0) -> None:
        """Let the writer finish what it was sent, and wait for it to exit."""
        with contextlib.suppress(OSError):
            self._process.stdin.close()
        try:
            self._process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process.stdout.close()


def serve(db_path: str, inp: int, out: BinaryIO) -> int:
    """Apply every commit read from file descriptor `inp`, answering each on `out`; the exit
    status."""
    try:
        conn = sqlite3.connect(db_path, isolation_level=None)
        configure_writer(conn)
    except sqlite3.Error as error:
        send(out, ("error", sqlite_fault(db_path, error, "open")))
        return 1
    writer = CommitWriter(conn)
    frames: queue.Queue[bytearray | None] = queue.Queue(maxsize=1)
    threading.Thread(target=_read_ahead, args=(inp, frames), daemon=True).start()
    while (frame := frames.get()) is not None:
        commit = pickle.loads(frame)
        del frame
        try:
            seq = writer.apply(commit)
        except (sqlite3.Error, UnicodeDecodeError) as error:
            send(out, ("error", sqlite_fault(db_path, error)))
            return 1
        except Exception as error:  # a bug: say it in one line, and leave the traceback below
            send(out, ("error", f"{db_path}: the writer failed ({type(error).__name__}: {error})"))
            raise
        send(out, ("ok", seq))
    conn.close()
    return 0


def _read_ahead(fd: int, frames: queue.Queue) -> None:
    """Read the next commit while the last is written (reading a pipe lets go of the GIL)."""
    while True:
        frame = _read_frame(fd)
        frames.put(frame)
        if frame is None:
            return


def main() -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    return serve(sys.argv[1], sys.stdin.fileno(), sys.stdout.buffer)


if __name__ == "__main__":
    sys.exit(main())
