"""A viewer notices another process's commit by asking PRAGMA data_version on its own read
connection: microseconds a look, so it looks 40 times a second and draws a commit within tens
of milliseconds without watching a file."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from floorwatch.config import Config
from floorwatch.snapshot.live import FloorUpdate, LiveFloor
from floorwatch.snapshot.reader import FloorReader
from floorwatch.sources.base import Batch
from floorwatch.sources.queue_log import parse_line
from floorwatch.store.database import Store
from floorwatch.store.reading import ReadOnlyStore

NOW = 1795530000
ROOT = Path(__file__).resolve().parents[2]

#: Another process, the ingest's stand-in: commits one caller per `gap` seconds and prints
#: when each commit returned (wall clock, comparable across processes).
WRITER = textwrap.dedent(
    """
    import json, sys, time
    from floorwatch.sources.base import Batch
    from floorwatch.sources.queue_log import parse_line
    from floorwatch.store.database import Store
    db, first, count, gap = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    store = Store.open(db)
    committed = {}
    time.sleep(gap)
    for number in range(first, first + count):
        call_id = f"caller{number}"
        line = f"{NOW + number}|{call_id}|support|NONE|ENTERQUEUE||555|1"
        store.write([Batch("feed", "queue_log", [parse_line(line, "feed")])])
        committed[call_id] = time.time()
        time.sleep(gap)
    store.close()
    print(json.dumps(committed))
    """
).replace("NOW", str(NOW))


def _commit_elsewhere(db: Path, first: int, count: int = 1, gap: float = 0.0) -> dict:
    """Commit `count` callers from another process; when each was committed."""
    done = subprocess.run(
        [sys.executable, "-c", WRITER, str(db), str(first), str(count), str(gap)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout)


@pytest.fixture
def db(tmp_path) -> Path:
    path = tmp_path / "floor.db"
    with Store.open(path) as store:
        line = f"{NOW}|caller0|support|NONE|ENTERQUEUE||555|1"
        store.write([Batch("feed", "queue_log", [parse_line(line, "feed")])])
    return path


def test_data_version_moves_only_when_another_process_commits(db):
    store = ReadOnlyStore.open_readonly(db)
    try:
        reader = FloorReader(store, Config(timezone="UTC"), clock=lambda: NOW + 100)
        assert reader.refresh() is False  # nothing committed since the load
        _commit_elsewhere(db, 1)
        assert reader.refresh() is True  # the other process's commit, seen on this connection
        assert "caller1" in {
            c.call_id for q in reader.snapshot().queues.values() for c in q.waiting
        }
        assert reader.refresh() is False
        # The look itself: a pragma on the open connection, no table read.
        looks = 2000
        began = time.perf_counter()
        for _ in range(looks):
            reader.refresh()
        each = (time.perf_counter() - began) / looks
        assert each < 200e-6, f"a look costs {each * 1e6:.0f} µs"
    finally:
        store.close()


def _waiting(update) -> set[str]:
    if not isinstance(update, FloorUpdate):
        return set()
    return {call.call_id for q in update.snapshot.queues.values() for call in q.waiting}


def test_with_the_defaults_a_commit_elsewhere_is_drawn_within_tens_of_ms(db):
    """The defaults (no file watch): the look 40 times a second finds each commit of another
    process, and the update is published at once. Before issue 25's item 3 the poll was ten
    times a second: a median near 50 ms, a tail near 100."""
    config = Config(timezone="UTC")
    assert config.display.watch_commits is False
    live = LiveFloor(db, config, clock=lambda: NOW + 100, tick_s=3600)
    shown: dict[str, float] = {}

    def publish(update) -> None:
        stamp = time.time()
        for call_id in _waiting(update):
            shown.setdefault(call_id, stamp)

    stop = threading.Event()
    thread = threading.Thread(target=live.run, args=(publish, stop), daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while "caller0" not in shown and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not live.notice.watching
        # One commit per 0.25 s: past the 0.2 s between updates, so each is its own update.
        committed = _commit_elsewhere(db, 1, count=20, gap=0.25)
        time.sleep(0.3)
    finally:
        stop.set()
        live.wake()
        thread.join(timeout=10)
    waits = sorted(shown[c] - t for c, t in committed.items() if c in shown)
    assert len(waits) == 20, f"{20 - len(waits)} commits never shown"
    median, p90 = waits[len(waits) // 2], waits[int(len(waits) * 0.9)]
    assert median < 0.04 and p90 < 0.08, [round(w * 1000) for w in waits]


def test_the_look_comes_every_quarter_of_the_update_gap(db):
    """A commit waits on average an eighth of the gap to be noticed, whatever the gap."""
    assert LiveFloor(db, Config(timezone="UTC")).poll_s == pytest.approx(0.05)
    assert LiveFloor(db, Config(timezone="UTC"), min_gap_s=0.1).poll_s == pytest.approx(0.025)
    assert LiveFloor(db, Config(timezone="UTC"), min_gap_s=2.0).poll_s == pytest.approx(0.1)
    assert LiveFloor(db, Config(timezone="UTC"), poll_s=0.02).poll_s == 0.02
