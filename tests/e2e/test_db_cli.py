"""`floorwatch db ...` as an operator runs it, beside a real following ingest: prune while the
ingest writes and a viewer reads; backup while the ingest writes, restore, resume; check,
vacuum, export; and the bad inputs, one line each."""

from __future__ import annotations

import gzip
import json
import signal
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import pytest

from floorwatch.config import Config
from floorwatch.snapshot.live import LiveFloor
from floorwatch.store.lock import TaskLock
from floorwatch.store.retention import cut_for

from ..helpers import (
    FLOORWATCH,
    append,
    call_lines,
    count_events,
    run,
    stored_lines,
    wait_for,
    weeks_of_lines,
    write_lines,
)

NOW = time.time()


def following_ingest(db: Path, feed: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [*FLOORWATCH, "ingest", "--db", str(db), "--follow", "--poll", "0.05", f"queue_log:{feed}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def stop(process: subprocess.Popen) -> tuple[int, str]:
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    return process.returncode, err


def todays_calls(count: int, first: int) -> list[str]:
    """`count` calls of today (ids t<first>...), a second apart."""
    start = int(NOW // 86400 * 86400)
    return [
        line.replace("|c", "|t", 1) for line in call_lines(count + first, start=start)[3 * first :]
    ]


class Feeder(threading.Thread):
    """Appends today's calls to a feed while something else runs, 30 calls at a time."""

    def __init__(self, feed: Path, rounds: int):
        super().__init__(daemon=True)
        self.feed, self.rounds, self.written = feed, rounds, []

    def run(self) -> None:
        for batch in range(self.rounds):
            lines = todays_calls(30, batch * 30)
            append(self.feed, "".join(line + "\n" for line in lines).encode())
            self.written += lines
            time.sleep(0.05)


class Viewer(threading.Thread):
    """A viewer's live floor reading the store again and again; keeps what it raised."""

    def __init__(self, db: Path):
        super().__init__(daemon=True)
        self.floor = LiveFloor(db, Config(timezone="UTC"), clock=lambda: NOW)
        self.stop, self.errors, self.reads = threading.Event(), [], 0

    def run(self) -> None:
        reader = self.floor.open()
        while not self.stop.is_set():
            try:
                self.floor.update(reader)
                self.reads += 1
            except Exception as error:  # what a viewer would show as a failure
                self.errors.append(repr(error))
            time.sleep(0.01)


def test_prune_beside_a_following_ingest_and_an_open_viewer(tmp_path):
    history = weeks_of_lines(21, NOW, calls=600)
    feed = write_lines(tmp_path / "queue_log", history)
    db = tmp_path / "floor.db"
    config = tmp_path / "floorwatch.toml"
    config.write_text(
        f'database = "{db}"\ntimezone = "UTC"\n[retention]\nevents_days = 7\nderived_days = 14\n'
    )
    ingest = following_ingest(db, feed)
    try:
        wait_for(lambda: count_events(db) == len(history), timeout=120, what="the history in")
        viewer = Viewer(db)
        viewer.start()
        wait_for(lambda: viewer.reads > 0, what="the viewer's first read")
        feeder = Feeder(feed, rounds=40)
        feeder.start()
        pruned = run("db", "prune", "--config", str(config), "--archive", str(tmp_path / "a"))
        feeder.join()
        cut = cut_for(7, NOW, None)
        kept = [line for line in history if int(line.split("|", 1)[0]) >= cut]
        wait_for(
            lambda: count_events(db) == len(kept) + len(feeder.written),
            timeout=60,
            what="the lines written during the prune",
        )
        viewer.stop.set()
        viewer.join()
    finally:
        code, err = stop(ingest)
    assert pruned.returncode == 0, pruned.stderr
    removed = len(history) - len(kept)
    assert f"events: removed {removed:,} rows" in pruned.stdout
    assert code == 0 and "error" not in err, err  # never blocked past its busy timeout
    assert viewer.errors == [] and viewer.reads > 1
    # Every line written during the prune is in, once; everything kept is as it was.
    # (The store keeps no call id for a MANAGER line: it reads back as NONE.)
    written = [line.replace("|MANAGER|", "|NONE|") for line in kept] + feeder.written
    assert stored_lines(db) == written
    calls = sqlite3.connect(db).execute("SELECT count(*) FROM calls").fetchone()[0]
    assert calls == 600 * 15 + 1 + 30 * 40  # 14 days and today kept, the open call, today's
    # The archive, as the README says to replay it (zcat ... | floorwatch ingest jsonl:-),
    # gives back the lines pruned, in order.
    archived = b"".join(gzip.decompress(f.read_bytes()) for f in sorted((tmp_path / "a").iterdir()))
    replayed = tmp_path / "replayed.db"
    loaded = run("ingest", "--once", "--db", str(replayed), "jsonl:-", input=archived, text=False)
    assert loaded.returncode == 0, loaded.stderr
    gone = [line for line in history if int(line.split("|", 1)[0]) < cut]
    back = sqlite3.connect(replayed).execute("SELECT count(*), min(ts), max(ts) FROM events")
    assert back.fetchone() == (len(gone), int(gone[0].split("|")[0]), int(gone[-1].split("|")[0]))


def test_backup_during_an_ingest_then_restore_and_resume_loses_and_doubles_nothing(tmp_path):
    feed = write_lines(tmp_path / "queue_log", todays_calls(200, 0))
    db = tmp_path / "floor.db"
    ingest = following_ingest(db, feed)
    try:
        wait_for(lambda: count_events(db) == 600, timeout=60, what="the first calls")
        feeder = Feeder(feed, rounds=60)
        feeder.start()
        wait_for(lambda: count_events(db) > 900, what="the ingest under way")
        backed = run("db", "backup", str(tmp_path / "b.db"), "--db", str(db))
        feeder.join()
        written = todays_calls(200, 0) + feeder.written
        wait_for(lambda: count_events(db) == len(written), timeout=60, what="every line")
    finally:
        code, err = stop(ingest)
    assert code == 0, err
    assert backed.returncode == 0, backed.stderr
    in_backup = sqlite3.connect(tmp_path / "b.db").execute("SELECT count(*) FROM events")
    saved = in_backup.fetchone()[0]
    assert 600 < saved < len(written)  # a moment in the middle of the ingest
    assert not (tmp_path / "b.db.partial").exists()

    restored = run("db", "restore", str(tmp_path / "b.db"), "--db", str(db))
    assert restored.returncode == 0, restored.stderr
    assert count_events(db) == saved
    resumed = run("ingest", "--db", str(db), "--once", f"queue_log:{feed}")
    assert resumed.returncode == 0, resumed.stderr
    assert stored_lines(db) == written
    calls = sqlite3.connect(db).execute("SELECT count(*), sum(status = 'done') FROM calls")
    assert calls.fetchone() == (len(written) // 3, len(written) // 3)


def test_restore_while_an_ingest_runs_is_refused(tmp_path):
    feed = write_lines(tmp_path / "queue_log", todays_calls(10, 0))
    db = tmp_path / "floor.db"
    ingest = following_ingest(db, feed)
    try:
        wait_for(lambda: count_events(db) == 30, what="the calls")
        assert run("db", "backup", str(tmp_path / "b.db"), "--db", str(db)).returncode == 0
        refused = run("db", "restore", str(tmp_path / "b.db"), "--db", str(db))
    finally:
        stop(ingest)
    assert refused.returncode == 2
    assert refused.stderr.count("\n") == 1 and "another floorwatch ingest" in refused.stderr


@pytest.fixture
def tiny_disk(tmp_path):
    """A 256 KiB tmpfs (root only): a disk that fills."""
    mount = tmp_path / "full"
    mount.mkdir()
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)], capture_output=True
    )
    if made.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({made.stderr.decode().strip()})")
    yield mount
    subprocess.run(["umount", str(mount)], check=False)


def test_a_backup_to_a_full_disk_is_one_line_and_leaves_nothing(tmp_path, tiny_disk):
    feed = write_lines(tmp_path / "queue_log", weeks_of_lines(3, NOW, calls=600))
    db = tmp_path / "floor.db"
    assert run("ingest", "--db", str(db), "--once", f"queue_log:{feed}").returncode == 0
    assert db.stat().st_size > 256 * 1024
    before = stored_lines(db)
    failed = run("db", "backup", str(tiny_disk / "b.db"), "--db", str(db))
    assert failed.returncode == 2
    assert failed.stderr.count("\n") == 1, failed.stderr
    assert "the disk is full; no backup was written" in failed.stderr
    assert list(tiny_disk.iterdir()) == []
    assert stored_lines(db) == before
    assert run("db", "check", "--db", str(db)).returncode == 0


def test_a_second_prune_and_a_policy_under_a_day_are_one_line_each(tmp_path):
    feed = write_lines(tmp_path / "queue_log", weeks_of_lines(3, NOW))
    db = tmp_path / "floor.db"
    assert run("ingest", "--db", str(db), "--once", f"queue_log:{feed}").returncode == 0
    config = tmp_path / "floorwatch.toml"
    config.write_text(f'database = "{db}"\n[retention]\nevents_days = 1\n')
    held = TaskLock(db, "prune")
    try:
        second = run("db", "prune", "--config", str(config))
    finally:
        held.release()
    assert second.returncode == 2 and second.stderr.count("\n") == 1
    assert "another floorwatch db prune" in second.stderr
    events = count_events(db)
    config.write_text(f'database = "{db}"\n[retention]\nevents_days = 0.25\n')
    short = run("db", "prune", "--config", str(config))
    assert short.returncode == 2 and short.stderr.count("\n") == 1
    assert "retention.events_days: 0.25 is shorter than a day" in short.stderr
    assert count_events(db) == events


def test_check_vacuum_and_export(tmp_path):
    lines = weeks_of_lines(10, NOW, calls=300)
    lines.append(f'{int(NOW)}|x1|q|=HYPERLINK("http://x")|RINGNOANSWER|1000')
    feed = write_lines(tmp_path / "queue_log", lines)
    db = tmp_path / "floor.db"
    assert run("ingest", "--db", str(db), "--once", f"queue_log:{feed}").returncode == 0
    checked = run("db", "check", "--db", str(db), "--json")
    assert checked.returncode == 0, checked.stderr
    report = json.loads(checked.stdout)
    assert report["integrity"] == ["ok"] and report["schema_version"] >= 2
    assert report["counts"]["events"] == len(lines)
    assert report["feeds"][0]["offset"] == feed.stat().st_size
    assert report["oldest_event"] == min(int(line.split("|")[0]) for line in lines)

    config = tmp_path / "floorwatch.toml"
    config.write_text(f'database = "{db}"\ntimezone = "UTC"\n[retention]\nevents_days = 2\n')
    assert run("db", "prune", "--config", str(config)).returncode == 0
    size = db.stat().st_size
    vacuumed = run("db", "vacuum", "--db", str(db))
    assert vacuumed.returncode == 0, vacuumed.stderr
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA freelist_count").fetchone()[0] == 0
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert db.stat().st_size < size

    out = tmp_path / "misses.csv"
    exported = run("db", "export", "misses", "--csv", "--out", str(out), "--db", str(db))
    assert exported.returncode == 0, exported.stderr
    assert "'=HYPERLINK" in out.read_text()  # a spreadsheet shows it as text, never a formula
    where = "status = 'done'"
    as_json = run("db", "export", "calls", "--json", "--where", where, "--db", str(db))
    rows = json.loads(as_json.stdout)
    done = conn.execute("SELECT count(*) FROM calls WHERE status = 'done'").fetchone()[0]
    assert len(rows) == done and rows[0]["status"] == "done"
    book = tmp_path / "calls.xlsx"
    made = run("db", "export", "calls", "--xlsx", "--out", str(book), "--db", str(db))
    assert made.returncode == 0, made.stderr
    from openpyxl import load_workbook

    sheet = list(load_workbook(book, read_only=True)["calls"].values)
    assert len(sheet) == conn.execute("SELECT count(*) FROM calls").fetchone()[0] + 1
    first = conn.execute("SELECT id, call_id, status FROM calls ORDER BY id LIMIT 1").fetchone()
    assert sheet[0][:3] == ("id", "call_id", "queue") and (sheet[1][0], sheet[1][1]) == first[:2]
    wrong = run("db", "export", "calls", "--csv", "--where", "nope > 1", "--db", str(db))
    assert wrong.returncode == 2 and wrong.stdout == "" and "no such column" in wrong.stderr
