"""The modes started from Python, without the command line: what a command does, its flags
already parsed, is a call (floorwatch/modes/)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from floorwatch.config import Config
from floorwatch.modes.feeds import FeedSpec
from floorwatch.modes.ingest_only import IngestOptions, ingest_feeds
from floorwatch.modes.one_shot import read_floor
from floorwatch.modes.replay import Replay, ReplayOptions
from floorwatch.store.database import StoreError
from tests.helpers import ingest_file

UTC = Config(timezone="UTC")


def test_ingest_feeds_loads_once_and_exactly_once(tmp_path, samples):
    feed = samples / "asterisk22_three_queues.queue_log"
    db = tmp_path / "floor.db"
    options = IngestOptions(follow=False, burnout=False)
    first = ingest_feeds(db, UTC, [FeedSpec(f"queue_log:{feed}")], options, threading.Event())
    assert first.errors == []
    assert (first.summary.events, first.summary.calls, first.summary.agents) == (607, 199, 7)
    again = ingest_feeds(db, UTC, [FeedSpec(f"queue_log:{feed}")], options, threading.Event())
    assert (again.summary.events, again.summary.calls) == (0, 199)  # read before: not twice


def test_a_replay_from_python_ends_where_a_load_ends_and_cleans_up(tmp_path, samples):
    feed = samples / "asterisk22_three_queues.queue_log"
    once = ingest_file(tmp_path / "once.db", feed, UTC)
    replay = Replay(ReplayOptions(feed, speed=100000), UTC)
    scratch = Path(replay.database).parent
    assert scratch.is_dir() and replay.clock.now() == replay.source.first
    replay.start()
    floor = replay.to_end()
    assert not scratch.exists()  # the temporary store went with the replay
    loaded = read_floor(once, UTC, at=replay.source.last)
    at = floor.at
    assert at == loaded.at == replay.source.last
    assert {n: q.to_dict(at) for n, q in floor.queues.items()} == {
        n: q.to_dict(at) for n, q in loaded.queues.items()
    }
    assert sorted(floor.agents) == sorted(loaded.agents) and len(floor.agents) == 7
    assert replay.stop() is True  # stopping again is harmless


def test_a_replay_refuses_a_store_that_exists(tmp_path, samples):
    existing = ingest_file(tmp_path / "once.db", samples / "asterisk22_three_queues.queue_log")
    with pytest.raises(StoreError, match="exists; a replay needs a fresh store"):
        Replay(ReplayOptions(samples / "asterisk22_three_queues.queue_log", db_path=existing), UTC)
