"""Rotation without losing a line: a PBX that writes on to the rotated file until it reopens
its log, two rotations between two looks, restarts while rotated files are still being read,
copytruncate; and the losses that cannot be avoided, said where an operator sees them."""

from __future__ import annotations

import collections
import gzip
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from tests.helpers import FLOORWATCH, append, children, count_events, run, stored_lines, wait_for

# ----------------------------------------------------------------- a real PBX, a real ingest
PBX = textwrap.dedent('''
    """Writes numbered queue_log lines to a path as Asterisk does: through one open file,
    reopened by path only on SIGHUP (`logger reload`)."""
    import signal, sys, time
    path, count, rate = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    reopen = False
    def hup(signum, frame):
        global reopen
        reopen = True
    signal.signal(signal.SIGHUP, hup)
    out = open(path, "a", buffering=1)
    for n in range(count):
        if reopen:
            reopen = False
            out.close()
            out = open(path, "a", buffering=1)
        out.write(f"{1795530000 + n // 10}|r{n}|orders|NONE|ENTERQUEUE||{n}|1\\n")
        time.sleep(1 / rate)
    out.close()
''')


def logrotate(path: Path, keep: int = 20) -> None:
    """rename + create, as logrotate does it (queue_log.N -> N+1, queue_log -> .1)."""
    for n in range(keep, 0, -1):
        older = path.with_name(f"{path.name}.{n}")
        if older.exists():
            older.rename(path.with_name(f"{path.name}.{n + 1}"))
    path.rename(path.with_name(f"{path.name}.1"))
    path.write_bytes(b"")


def test_rename_rotation_with_a_pbx_writing_on_loses_no_line_and_stores_none_twice(tmp_path):
    """A real writer process logs 6,000 lines; logrotate-style rotations every ~0.3 s, each
    followed by a pause before the PBX reopens its log (it writes on to the rotated file
    meanwhile), some of them two rotations within a few milliseconds; the following ingest
    is killed once and restarted. Every line is in the store exactly once."""
    feed, db = tmp_path / "queue_log", tmp_path / "floor.db"
    feed.write_bytes(b"")
    script = tmp_path / "pbx.py"
    script.write_text(PBX)
    total = 6000

    def start() -> subprocess.Popen:
        return subprocess.Popen(
            [
                *FLOORWATCH,
                "ingest",
                "--db",
                str(db),
                "--poll",
                "0.5",
                "--rotation-grace",
                "1",
                "--no-burnout",
                f"queue_log:{feed}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    ingest = start()
    wait_for(lambda: children(ingest.pid), timeout=30)  # following before the PBX starts
    pbx = subprocess.Popen([sys.executable, str(script), str(feed), str(total), "1500"])
    # Its first line is written after its SIGHUP handler is set: a SIGHUP before that would
    # end it (the default action), as it did on a busy machine, and prove nothing.
    wait_for(lambda: feed.stat().st_size > 0, timeout=30)
    rng = random.Random(7)
    rotations = doubles = 0
    while pbx.poll() is None:
        time.sleep(rng.uniform(0.15, 0.4))
        logrotate(feed)
        rotations += 1
        if rng.random() < 0.35:  # the second within one poll interval, before any reopen
            time.sleep(0.005)
            logrotate(feed)
            rotations += 1
            doubles += 1
        time.sleep(rng.uniform(0.05, 0.3))  # postrotate runs later: the PBX writes on
        pbx.send_signal(signal.SIGHUP)
        if rotations in (8, 9):
            ingest.send_signal(signal.SIGKILL)
            ingest.wait()
            ingest = start()
    assert pbx.wait() == 0
    wait_for(lambda: count_events(db) >= total, timeout=60)
    time.sleep(1.5)  # past the grace: nothing more arrives
    wait_for(lambda: children(ingest.pid), timeout=30)
    ingest.send_signal(signal.SIGTERM)
    assert ingest.wait(timeout=20) == 0
    assert rotations >= 10 and doubles >= 2
    written = [f"{1795530000 + n // 10}|r{n}|orders|NONE|ENTERQUEUE||{n}|1" for n in range(total)]
    stored = collections.Counter(stored_lines(db))
    lost = [line for line in written if stored[line] == 0]
    twice = [line for line, count in stored.items() if count > 1]
    assert (len(lost), len(twice)) == (0, 0), (lost[:5], twice[:5])
    assert sum(stored.values()) == total
    assert sqlite3.connect(db).execute("SELECT count(*) FROM feed_losses").fetchone()[0] == 0


# ----------------------------------------------------------------- losses that cannot be avoided
def test_a_rotated_file_compressed_while_stopped_is_a_recorded_loss(tmp_path):
    """The ingest stops; the file is rotated and the rotated one compressed (and so deleted)
    before the ingest could finish it: the loss is in feed_losses, in feed health and in the
    ingest's output, and everything else is read."""
    feed, db = tmp_path / "queue_log", tmp_path / "floor.db"
    lines = [f"1795530{n:03d}|z{n}|orders|NONE|ENTERQUEUE||{n}|1" for n in range(30)]
    feed.write_text("".join(line + "\n" for line in lines[:10]))
    assert (
        run("ingest", "--db", str(db), "--once", "--no-burnout", f"queue_log:{feed}").returncode
        == 0
    )
    append(feed, "".join(line + "\n" for line in lines[10:20]).encode())
    size = feed.stat().st_size
    offset = size - len("".join(line + "\n" for line in lines[10:20]))
    logrotate(feed)
    rotated = feed.with_name("queue_log.1")
    with gzip.open(rotated.with_name("queue_log.1.gz"), "wb") as out:
        out.write(rotated.read_bytes())
    rotated.unlink()
    append(feed, "".join(line + "\n" for line in lines[20:]).encode())
    result = run("ingest", "--db", str(db), "--once", "--no-burnout", f"queue_log:{feed}")
    assert result.returncode == 0, result.stderr
    warning = (
        f"floorwatch: warning: queue_log:{feed}: lost {feed} from byte {offset} on (how "
        "much is not known): the file is gone: it was rotated away, then deleted or "
        "compressed before it was read to its end"
    )
    assert result.stderr.strip() == warning
    assert result.stdout.startswith("10 events, 0 rejects")
    assert "1 lost part of feeds (see above)" in result.stdout
    conn = sqlite3.connect(db)
    assert conn.execute('SELECT source, path, start, "end" FROM feed_losses').fetchall() == [
        (f"queue_log:{feed}", str(feed), offset, None)
    ]
    detail = conn.execute("SELECT status_detail FROM sources").fetchone()[0]
    assert detail == warning.split(f"queue_log:{feed}: ", 1)[1]
    assert stored_lines(db) == lines[:10] + lines[20:]
    again = run("ingest", "--db", str(db), "--once", "--no-burnout", f"queue_log:{feed}")
    assert again.stdout.startswith("0 events, 0 rejects") and not again.stderr  # said once


def test_copytruncate_while_stopped_with_no_copy_is_a_recorded_loss(tmp_path):
    feed, db = tmp_path / "queue_log", tmp_path / "floor.db"
    lines = [f"1795530{n:03d}|t{n}|orders|NONE|ENTERQUEUE||{n}|1" for n in range(20)]
    feed.write_text("".join(line + "\n" for line in lines[:10]))
    assert (
        run("ingest", "--db", str(db), "--once", "--no-burnout", f"queue_log:{feed}").returncode
        == 0
    )
    offset = feed.stat().st_size
    with feed.open("r+b") as out:
        out.truncate(0)  # copytruncate, with the copy compressed away at once
    feed.write_text("".join(line + "\n" for line in lines[10:]))
    result = run("ingest", "--db", str(db), "--once", "--no-burnout", f"queue_log:{feed}")
    assert result.returncode == 0 and "truncated in place while stopped" in result.stderr
    row = sqlite3.connect(db).execute('SELECT start, "end", reason FROM feed_losses').fetchone()
    assert row[:2] == (offset, None) and "no copy of it was found" in row[2]
    assert stored_lines(db) == lines
