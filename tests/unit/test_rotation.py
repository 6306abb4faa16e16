"""Rotation without losing a line: a PBX that writes on to the rotated file until it reopens
its log, two rotations between two looks, restarts while rotated files are still being read,
copytruncate; and the losses that cannot be avoided, said where an operator sees them."""

from __future__ import annotations

import time

from floorwatch.sources.tail import FileTail
from tests.helpers import append


class Clock:
    """A clock the test moves by hand (the rotation grace is measured with it)."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def read_all(tail: FileTail) -> bytes:
    out = b""
    while (chunk := tail.read()) is not None:
        out += chunk.data
    return out


# ----------------------------------------------------------------- the reader alone
def test_the_rotated_file_is_read_until_quiet_while_the_new_one_is_read_too(tmp_path):
    clock = Clock()
    path = tmp_path / "queue_log"
    path.write_bytes(b"a1\n")
    tail = FileTail(path, watch=False, rotation_grace=5, clock=clock)
    assert read_all(tail) == b"a1\n"
    path.rename(tmp_path / "queue_log.1")
    path.write_bytes(b"")  # logrotate's create: the PBX still writes to the old one
    append(tmp_path / "queue_log.1", b"a2 after the new file appeared\n")
    assert read_all(tail) == b"a2 after the new file appeared\n"
    checkpoint = tail.checkpoint()
    assert checkpoint.inode == path.stat().st_ino and checkpoint.offset == 0
    assert [(old.inode, old.offset) for old in checkpoint.older] == [
        ((tmp_path / "queue_log.1").stat().st_ino, 34)
    ]
    clock.now += 4  # quiet, but not yet for the grace period
    append(tmp_path / "queue_log.1", b"a3 just before logger reload\n")
    append(path, b"b1\n")  # reopened: the PBX writes to the new file now
    assert read_all(tail) == b"a3 just before logger reload\nb1\n"
    clock.now += 6
    assert read_all(tail) == b""  # the old file is finished: nothing more of it
    assert tail.checkpoint().older == ()
    tail.close()


def test_two_rotations_between_two_looks_read_the_middle_file_too(tmp_path):
    clock = Clock()
    path = tmp_path / "queue_log"
    path.write_bytes(b"g1-1\n")
    tail = FileTail(path, watch=False, rotation_grace=5, clock=clock)
    assert read_all(tail) == b"g1-1\n"
    append(path, b"g1-2\n")
    path.rename(tmp_path / "queue_log.1")
    path.write_bytes(b"g2-1\ng2-2\n")
    (tmp_path / "queue_log.1").rename(tmp_path / "queue_log.2")
    path.rename(tmp_path / "queue_log.1")
    path.write_bytes(b"g3-1\n")
    clock.now += 1
    assert read_all(tail) == b"g1-2\ng2-1\ng2-2\ng3-1\n"
    tail.close()


def test_a_restart_resumes_every_generation_still_being_read(tmp_path):
    clock = Clock()
    path = tmp_path / "queue_log"
    path.write_bytes(b"old1\n")
    tail = FileTail(path, watch=False, rotation_grace=5, clock=clock)
    read_all(tail)
    path.rename(tmp_path / "queue_log.1")
    path.write_bytes(b"new1\n")
    assert read_all(tail) == b"new1\n"
    checkpoint = tail.checkpoint()
    tail.close()
    assert len(checkpoint.older) == 1
    append(tmp_path / "queue_log.1", b"old2 while we were down\n")
    append(path, b"new2\n")
    (tmp_path / "queue_log.1").rename(tmp_path / "queue_log.2")  # rotated again meanwhile
    path.rename(tmp_path / "queue_log.1")
    path.write_bytes(b"newest1\n")
    again = FileTail(path, checkpoint, watch=False, rotation_grace=5, clock=clock)
    assert read_all(again) == b"old2 while we were down\nnew2\nnewest1\n"
    assert not again.notes
    again.close()


def test_copytruncate_while_stopped_reads_the_rest_from_the_copy(tmp_path):
    path = tmp_path / "queue_log"
    path.write_bytes(b"line1\n")
    tail = FileTail(path, watch=False)
    read_all(tail)
    checkpoint = tail.checkpoint()
    tail.close()
    append(path, b"line2 unread\n")
    (tmp_path / "queue_log.1").write_bytes(path.read_bytes())  # logrotate's copy...
    with path.open("r+b") as out:  # ...then the truncation, then the PBX writes on
        out.truncate(0)
    append(path, b"after1\n")
    again = FileTail(path, checkpoint, watch=False, rotation_grace=0)
    assert read_all(again) == b"line2 unread\nafter1\n"
    assert not again.notes
    again.close()
