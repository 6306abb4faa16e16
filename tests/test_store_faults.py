"""Hard faults around the store, each a real one: a planted lock file, the AMI secret in the
writer's environment, a store with flipped bytes, a full disk, a read-only filesystem.
Each ends in one line (`floorwatch: error: ...`, exit 2) and loses nothing."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from floorwatch.store import Store, StoreError

from .ami_server import SECRET, AmiServer
from .test_ingest import call_lines, children, count_events, run, stored_lines, wait_for

FLOORWATCH = [sys.executable, "-m", "floorwatch"]


def one_line_error(result: subprocess.CompletedProcess, *needles: str) -> str:
    """The one `floorwatch: error:` line of a failed command (exit 2, no traceback)."""
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("floorwatch: error: "), result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


# ----------------------------------------------------------------- the lock file
@pytest.mark.parametrize("planted", ["symlink", "hardlink", "fifo", "dangling"])
def test_a_planted_lock_file_is_refused_and_its_target_untouched(tmp_path, planted):
    important = tmp_path / "important"
    important.write_bytes(b"precious contents\n")
    db = tmp_path / "sym.db"
    lock = tmp_path / "sym.db.lock"
    if planted == "symlink":
        lock.symlink_to(important)
    elif planted == "hardlink":
        os.link(important, lock)
    elif planted == "fifo":
        os.mkfifo(lock)
    else:
        lock.symlink_to(tmp_path / "would-be-created")
    feed = tmp_path / "queue_log"
    feed.write_text("".join(line + "\n" for line in call_lines(5)))
    result = run("ingest", "--db", str(db), "--once", "--no-burnout", f"queue_log:{feed}")
    expected = {"symlink": "is a symbolic link", "dangling": "is a symbolic link",
                "hardlink": "has other hard links", "fifo": "is not a regular file"}[planted]
    one_line_error(result, str(lock), expected)
    assert important.read_bytes() == b"precious contents\n"
    assert not (tmp_path / "would-be-created").exists()
    assert not db.exists() or count_events(db) == 0
    with pytest.raises(StoreError, match=expected):
        Store.open(db)


# ----------------------------------------------------------------- the AMI secret
def test_the_writer_process_does_not_inherit_the_ami_secret(tmp_path):
    """The secret is read from the environment by the AMI source, then scrubbed: the writer
    process (and anything else started later) never has it in /proc/PID/environ."""
    with AmiServer() as server:
        env = {**os.environ, "FLOORWATCH_AMI_SECRET": SECRET}
        db = tmp_path / "f.db"
        process = subprocess.Popen(
            [*FLOORWATCH, "ingest", "--db", str(db), "--no-burnout",
             f"ami:driver@127.0.0.1:{server.port}"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
        try:
            wait_for(lambda: server.logins, timeout=30)
            assert server.logins == [("driver", SECRET)]  # it was read, and it worked
            wait_for(lambda: children(process.pid), timeout=30)
            (writer,) = children(process.pid)
            environ = Path(f"/proc/{writer}/environ").read_bytes()
            assert b"FLOORWATCH_AMI_SECRET" not in environ and SECRET.encode() not in environ
            assert b"PATH=" in environ  # the rest of the environment is there
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=20)
