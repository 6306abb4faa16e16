"""Following a file as a PBX writes it: growth, partial lines, rename+create rotation,
copytruncate, a file that appears later, and rotation while the reader was stopped."""

from __future__ import annotations

import os
from pathlib import Path

from floorwatch.sources.tail import FileTail


def read_all(tail: FileTail) -> bytes:
    out = b""
    while (chunk := tail.read()) is not None:
        out += chunk.data
    return out


def test_only_complete_lines_are_read(tmp_path: Path):
    path = tmp_path / "queue_log"
    path.write_bytes(b"one\ntwo\nthr")
    tail = FileTail(path, watch=False)
    assert read_all(tail) == b"one\ntwo\n"
    assert tail.checkpoint().offset == 8
    with path.open("ab") as out:
        out.write(b"ee\nfour")
    assert read_all(tail) == b"three\n"
    with path.open("ab") as out:
        out.write(b"\n")
    assert read_all(tail) == b"four\n"
    tail.close()


def test_rename_and_create_reads_the_old_file_to_its_end_then_the_new(tmp_path: Path):
    path = tmp_path / "queue_log"
    path.write_bytes(b"a1\na2\n")
    tail = FileTail(path, watch=False)
    assert read_all(tail) == b"a1\na2\n"
    with path.open("ab") as out:  # written after our last read, before the rotation
        out.write(b"a3\n")
    path.rename(tmp_path / "queue_log.1")
    assert read_all(tail) == b"a3\n"  # moved away, not yet recreated: still the old file
    with (tmp_path / "queue_log.1").open("ab") as out:
        out.write(b"a4 last words\n")
    path.write_bytes(b"b1\n")
    assert read_all(tail) == b"a4 last words\nb1\n"
    checkpoint = tail.checkpoint()
    assert checkpoint.inode == path.stat().st_ino and checkpoint.offset == 3
    tail.close()


def test_copytruncate_starts_again_at_zero(tmp_path: Path):
    path = tmp_path / "queue_log"
    path.write_bytes(b"first line of the old content\nsecond\n")
    tail = FileTail(path, watch=False)
    read_all(tail)
    # logrotate copytruncate: same inode, shrunk to nothing, then the PBX writes on.
    with path.open("r+b") as out:
        out.truncate(0)
    with path.open("ab") as out:
        out.write(b"new1\n")
    assert read_all(tail) == b"new1\n"
    tail.close()


def test_truncated_and_regrown_past_the_offset_is_noticed_by_its_first_bytes(tmp_path: Path):
    path = tmp_path / "queue_log"
    path.write_bytes(b"1795530180|NONE|NONE|NONE|QUEUESTART|\n")
    tail = FileTail(path, watch=False)
    read_all(tail)
    inode = path.stat().st_ino
    with path.open("r+b") as out:
        out.truncate(0)
        out.write(b"1795599999|NONE|NONE|NONE|CONFIGRELOAD|\nand more than before\n")
    assert path.stat().st_ino == inode
    assert read_all(tail) == b"1795599999|NONE|NONE|NONE|CONFIGRELOAD|\nand more than before\n"
    tail.close()


def test_a_file_that_does_not_exist_yet_is_waited_for(tmp_path: Path):
    path = tmp_path / "queue_log"
    tail = FileTail(path, watch=False)
    assert tail.read() is None and not tail.exists
    path.write_bytes(b"hello\n")
    assert read_all(tail) == b"hello\n"
    tail.close()


def test_resume_from_a_checkpoint(tmp_path: Path):
    path = tmp_path / "queue_log"
    path.write_bytes(b"l1\nl2\n")
    tail = FileTail(path, watch=False)
    read_all(tail)
    checkpoint = tail.checkpoint()
    tail.close()
    with path.open("ab") as out:
        out.write(b"l3\n")
    again = FileTail(path, checkpoint, watch=False)
    assert read_all(again) == b"l3\n"
    again.close()


def test_rotated_while_stopped_finishes_the_old_file_found_by_inode(tmp_path: Path):
    path = tmp_path / "queue_log"
    path.write_bytes(b"old1\n")
    tail = FileTail(path, watch=False)
    read_all(tail)
    checkpoint = tail.checkpoint()
    tail.close()
    with path.open("ab") as out:
        out.write(b"old2 written while we were down\n")
    os.rename(path, tmp_path / "queue_log-20261124")
    path.write_bytes(b"new1\n")
    again = FileTail(path, checkpoint, watch=False)
    assert read_all(again) == b"old2 written while we were down\nnew1\n"
    assert not again.notes
    again.close()


def test_rotated_while_stopped_and_old_file_gone_says_so(tmp_path: Path):
    path = tmp_path / "queue_log"
    path.write_bytes(b"old1\n")
    tail = FileTail(path, watch=False)
    read_all(tail)
    checkpoint = tail.checkpoint()
    tail.close()
    (tmp_path / "queue_log").unlink()
    path.write_bytes(b"new1\n")
    if path.stat().st_ino == checkpoint.inode:  # the filesystem reused the inode
        checkpoint.inode += 1
    again = FileTail(path, checkpoint, watch=False)
    assert read_all(again) == b"new1\n"
    assert any("gone" in note for note in again.notes)
    again.close()


def test_truncated_while_stopped_reads_from_zero(tmp_path: Path):
    path = tmp_path / "queue_log"
    path.write_bytes(b"aaaaaaaaaa\nbbbbbbbbbb\n")
    tail = FileTail(path, watch=False)
    read_all(tail)
    checkpoint = tail.checkpoint()
    tail.close()
    with path.open("r+b") as out:
        out.truncate(0)
        out.write(b"c\n")
    again = FileTail(path, checkpoint, watch=False)
    assert read_all(again) == b"c\n"
    again.close()


def test_watchdog_wakes_the_reader_before_the_poll_interval(tmp_path: Path):
    import threading
    import time

    path = tmp_path / "queue_log"
    path.write_bytes(b"")
    tail = FileTail(path, poll_interval=5.0, watch=True)
    read_all(tail)
    woke = []

    def wait() -> None:
        started = time.monotonic()
        tail.wait()
        woke.append(time.monotonic() - started)

    waiter = threading.Thread(target=wait)
    waiter.start()
    time.sleep(0.2)
    with path.open("ab") as out:
        out.write(b"x\n")
    waiter.join(timeout=6)
    tail.close()
    assert woke and woke[0] < 3.0  # inotify, not the 5 s poll
