"""A viewer is woken by the ingest's commit (a write to the store's -wal), not by its poll."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from floorwatch.config import Config
from floorwatch.snapshot.commit_notice import CommitNotice
from floorwatch.snapshot.live import FloorUpdate, LiveFloor
from floorwatch.sources.base import Batch
from floorwatch.sources.queue_log import parse_line
from floorwatch.store.database import Store

NOW = 1795530000


def _commit_caller(store: Store, number: int) -> str:
    call_id = f"caller{number}"
    line = f"{NOW + number}|{call_id}|support|NONE|ENTERQUEUE||555|1"
    store.write([Batch("feed", "queue_log", [parse_line(line, "feed")])])
    return call_id


def _waiting(update: FloorUpdate) -> set[str]:
    return {call.call_id for q in update.snapshot.queues.values() for call in q.waiting}


def _follow(db: Path, **options) -> tuple[LiveFloor, list, threading.Event, threading.Thread]:
    """A live floor whose poll is far away (30 s): anything it shows sooner, it was woken for."""
    options.setdefault("watch", True)
    live = LiveFloor(
        db, Config(timezone="UTC"), clock=lambda: NOW + 100, poll_s=30, tick_s=3600, **options
    )
    published: list = []
    stop = threading.Event()
    thread = threading.Thread(target=live.run, args=(published.append, stop), daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not published and time.monotonic() < deadline:
        time.sleep(0.01)
    assert published, "the live floor published nothing at start"
    return live, published, stop, thread


def _shown_within(published: list, call_id: str, seconds: float) -> float | None:
    began = time.monotonic()
    while time.monotonic() - began < seconds:
        if any(isinstance(u, FloorUpdate) and call_id in _waiting(u) for u in list(published)):
            return time.monotonic() - began
        time.sleep(0.002)
    return None


@pytest.fixture
def store(tmp_path):
    store = Store.open(tmp_path / "floor.db")
    _commit_caller(store, 0)
    yield store
    store.close()


def test_each_commit_is_seen_at_once_though_the_poll_is_30_s_away(store):
    live, published, stop, thread = _follow(store.path)
    try:
        assert live.notice.watching
        waits = []
        for number in range(1, 11):
            call_id = _commit_caller(store, number)
            waited = _shown_within(published, call_id, 5.0)
            assert waited is not None, f"{call_id} not shown within 5 s"
            waits.append(waited)
            time.sleep(0.12)  # past the 0.1 s between updates: each commit its own update
        # Woken by the commit: well under the 30 s poll (the median is a few milliseconds).
        assert sorted(waits)[len(waits) // 2] < 0.25, waits
    finally:
        stop.set()
        live.wake()
        thread.join(timeout=10)


def test_without_the_watch_a_commit_waits_for_the_poll(store):
    """The same floor with the watch off shows nothing new until the poll (the test above
    would fail without the watch)."""
    live, published, stop, thread = _follow(store.path, watch=False)
    try:
        assert not live.notice.watching
        call_id = _commit_caller(store, 1)
        assert _shown_within(published, call_id, 1.0) is None
        live.wake()  # what the poll would do, 29 s later
        assert _shown_within(published, call_id, 5.0) is not None
    finally:
        stop.set()
        live.wake()
        thread.join(timeout=10)


def test_a_wake_that_finds_nothing_looks_again_soon_then_waits_for_the_poll(tmp_path):
    wake = threading.Event()
    notice = CommitNotice(tmp_path / "floor.db", wake, watch=False)
    waits = []
    wake.set()  # a file event
    notice.wait(30)
    for _ in range(len(CommitNotice.SETTLE_S) + 1):
        notice.looked(False)  # nothing committed yet
        began = time.monotonic()
        notice.wait(0.3)
        waits.append(time.monotonic() - began)
    # The settling looks come after 2, 5, 10, 20 and 50 ms, then the poll (0.3 s here).
    assert all(w < 0.2 for w in waits[:-1]), waits
    assert waits[-1] >= 0.29, waits
