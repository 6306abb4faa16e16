"""Hard faults around the store, each a real one: a planted lock file, the AMI secret in the
writer's environment, a store with flipped bytes, a full disk, a read-only filesystem.
Each ends in one line (`floorwatch: error: ...`, exit 2) and loses nothing."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest

from floorwatch.store.database import Store, StoreError
from tests.ami_server import SECRET, AmiServer
from tests.helpers import (
    FLOORWATCH,
    call_lines,
    children,
    count_events,
    run,
    stored_lines,
    wait_for,
)


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
    expected = {
        "symlink": "is a symbolic link",
        "dangling": "is a symbolic link",
        "hardlink": "has other hard links",
        "fifo": "is not a regular file",
    }[planted]
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
            [
                *FLOORWATCH,
                "ingest",
                "--db",
                str(db),
                "--no-burnout",
                f"ami:driver@127.0.0.1:{server.port}",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
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


# ----------------------------------------------------------------- damaged, full, read-only
def simulated_floor(tmp_path: Path, hours: float = 12) -> Path:
    """A real-shaped feed: the simulator's floor for the first `hours` of a day."""
    feed = tmp_path / "floor.queue_log"
    result = run("simulate", "--out", str(feed), "--hours", str(hours))
    assert result.returncode == 0, result.stderr
    return feed


def flip_bytes(source: Path, target: Path, seed: int, first_page: int) -> None:
    """A copy of a store with four bytes flipped in every page from `first_page` on."""
    import random

    data = bytearray(source.read_bytes())
    rng = random.Random(seed)
    pages = len(data) // 4096
    for page in range(first_page, pages):
        for _ in range(4):
            data[page * 4096 + rng.randrange(4096)] ^= 0xFF
    target.write_bytes(bytes(data))


@pytest.mark.parametrize(
    "seed, region", [(1, "every page"), (2, "every page"), (3, "data pages"), (4, "data pages")]
)
def test_a_store_with_flipped_bytes_is_one_line_for_ingest_and_snapshot(tmp_path, seed, region):
    feed = simulated_floor(tmp_path)
    good = tmp_path / "good.db"
    assert (
        run("ingest", "--db", str(good), "--once", "--no-burnout", f"queue_log:{feed}").returncode
        == 0
    )
    bad = tmp_path / "bad.db"
    pages = good.stat().st_size // 4096
    flip_bytes(good, bad, seed, 1 if region == "every page" else pages // 2)
    with feed.open("a") as out:  # something new to ingest, so the writer has work to do
        out.write("".join(line + "\n" for line in call_lines(50, start=1796300000)))
    for args in (
        ["ingest", "--db", str(bad), "--once", f"queue_log:{feed}"],
        ["snapshot", "--db", str(bad)],
        ["snapshot", "--db", str(bad), "--json"],
    ):
        one_line_error(run(*args), str(bad), "the database is damaged", ".recover")


def mounted_tmpfs(path: Path, size: str) -> Path:
    """A real tmpfs of `size` at `path` (this needs root: CI and the development machines run
    as root; elsewhere the test skips)."""
    path.mkdir()
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({result.stderr.strip()})")
    return path


@pytest.fixture
def tmpfs(tmp_path):
    mounts: list[Path] = []

    def make(name: str, size: str) -> Path:
        mounts.append(mounted_tmpfs(tmp_path / name, size))
        return mounts[-1]

    yield make
    for mount in mounts:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def remount(path: Path, options: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{options}", str(path)], check=True)


def test_a_full_disk_is_one_line_and_loses_nothing(tmp_path, tmpfs):
    """The store on a 512 KiB tmpfs fills up mid-load: one line saying the disk is full (not
    'cannot rollback - no transaction is active'), exit 2; with room again, every line lands
    exactly once."""
    disk = tmpfs("disk", "512k")
    db = disk / "floor.db"
    feed = tmp_path / "queue_log"
    lines = call_lines(4000)
    feed.write_text("".join(line + "\n" for line in lines))
    result = run("ingest", "--db", str(db), "--once", f"queue_log:{feed}")
    one_line_error(result, str(db), "the disk is full", "nothing of the last commit was written")
    assert "cannot rollback" not in result.stderr
    stored = count_events(db)
    assert stored < len(lines)
    remount(disk, "size=64m")
    again = run("ingest", "--db", str(db), "--once", "--no-burnout", f"queue_log:{feed}")
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith(f"{len(lines) - stored} events, 0 rejects")
    assert stored_lines(db) == lines


def test_a_store_on_a_read_only_filesystem_is_one_line_for_ingest_and_snapshot(tmp_path, tmpfs):
    disk = tmpfs("ro", "16m")
    db = disk / "floor.db"
    feed = tmp_path / "queue_log"
    lines = call_lines(300)
    feed.write_text("".join(line + "\n" for line in lines[:600]))
    assert (
        run("ingest", "--db", str(db), "--once", "--no-burnout", f"queue_log:{feed}").returncode
        == 0
    )
    with feed.open("a") as out:
        out.write("".join(line + "\n" for line in lines[600:]))
    remount(disk, "ro")
    one_line_error(
        run("ingest", "--db", str(db), "--once", f"queue_log:{feed}"),
        str(db),
        "is on a read-only filesystem",
        "the ingest must write",
    )
    one_line_error(run("snapshot", "--db", str(db)), str(db), "is on a read-only filesystem")
    remount(disk, "rw")
    again = run("ingest", "--db", str(db), "--once", "--no-burnout", f"queue_log:{feed}")
    assert again.returncode == 0 and again.stdout.startswith("300 events, 0 rejects")
    assert stored_lines(db) == lines
