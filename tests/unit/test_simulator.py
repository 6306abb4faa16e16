"""The simulated floor: real queue_log (zero rejects), deterministic, plausible, and tiring
enough that every burnout rule fires; the demo and the replay built on it."""

from __future__ import annotations

import math
import sqlite3
import threading
import time
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from floorwatch.clock import FeedClock
from floorwatch.config import from_table
from floorwatch.ingest.pipeline import Ingest
from floorwatch.modes.demo import Demo, DemoOptions
from floorwatch.snapshot.burnout import RULES
from floorwatch.snapshot.reader import FloorReader
from floorwatch.sources.replay import ReplaySource
from floorwatch.sources.simulator import SimConfig, Simulator, write_floor
from floorwatch.store.database import Store
from tests.helpers import ingest_file

DAY = 1_795_478_400  # 2026-11-24 00:00 UTC


UTC = from_table({"timezone": "UTC"})


@pytest.fixture(scope="module")
def simulated_day(tmp_path_factory) -> tuple[Path, Path, SimConfig]:
    folder = tmp_path_factory.mktemp("sim")
    config = SimConfig(agents=40, queues=3, seed=7, start=DAY + 12 * 3600)
    feed = folder / "day.queue_log"
    write_floor(feed, config)
    return feed, ingest_file(folder / "day.db", feed, UTC), config


def test_output_loads_with_zero_rejects_and_every_call_ends(simulated_day):
    feed, db, _ = simulated_day
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM rejects").fetchone()[0] == 0
    lines = feed.read_text().splitlines()
    assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == len(lines)
    assert conn.execute("SELECT count(*) FROM calls").fetchone()[0] == sum(
        "|ENTERQUEUE|" in line for line in lines
    )
    # At the end of the day nobody is still waiting or talking.
    assert conn.execute("SELECT count(*) FROM calls WHERE status != 'done'").fetchone()[0] == 0
    kinds = Counter(line.split("|")[4] for line in lines)
    for event in (
        "ENTERQUEUE",
        "CONNECT",
        "COMPLETEAGENT",
        "COMPLETECALLER",
        "ABANDON",
        "EXITWITHTIMEOUT",
        "RINGNOANSWER",
        "BLINDTRANSFER",
        "ADDMEMBER",
        "REMOVEMEMBER",
        "PAUSEALL",
        "PAUSE",
        "UNPAUSE",
    ):
        assert kinds[event] > 0, event
    times = [int(line.split("|")[0]) for line in lines]
    assert times == sorted(times)


def test_same_seed_same_bytes_other_seed_other_day(tmp_path):
    config = SimConfig(agents=12, queues=2, seed=3, start=DAY)
    write_floor(tmp_path / "a", config)
    write_floor(tmp_path / "b", config)
    write_floor(tmp_path / "c", SimConfig(agents=12, queues=2, seed=4, start=DAY))
    assert (tmp_path / "a").read_bytes() == (tmp_path / "b").read_bytes()
    assert (tmp_path / "a").read_bytes() != (tmp_path / "c").read_bytes()


def test_arrivals_per_hour_follow_the_curve(simulated_day):
    feed, _, config = simulated_day
    sim = Simulator(config)
    seen: set[str] = set()
    per_hour: Counter[int] = Counter()
    for line in feed.read_text().splitlines():
        parts = line.split("|")
        if parts[4] == "ENTERQUEUE" and parts[1] not in seen:  # not transfers' re-entries
            seen.add(parts[1])
            per_hour[(int(parts[0]) - DAY) // 3600] += 1
    for hour in range(24):
        expected = sum(sim.rate_per_hour(DAY + hour * 3600 + m * 60 + 30) for m in range(60)) / 60
        observed = per_hour[hour]
        assert abs(observed - expected) <= 4 * math.sqrt(expected) + 3, (hour, observed, expected)
    assert per_hour[3] == 0 and per_hour[12] > per_hour[8] > 0  # night, lunch peak, ramp


def test_abandon_rate_and_service_level_are_sane(simulated_day):
    _, db, _ = simulated_day
    with Store.open_readonly(db) as store:
        floor = FloorReader(store, UTC, at=DAY + 86399).snapshot()
    today = floor.totals.windows["today"]
    assert 0.01 <= today.abandon_rate <= 0.20
    assert 0.60 <= today.service_level <= 0.99
    assert 3 <= today.asa_s <= 90
    assert 150 <= today.aht_s <= 420
    assert today.answered > 0.8 * today.offered
    assert floor.totals.calls_waiting == 0


def test_every_burnout_rule_fires_in_a_demo_day(tmp_path):
    """Fourteen days of history, then the day simulated in five-minute steps with the rules
    evaluated after each, as the demo does: every rule fires for some agent."""
    demo = Demo(
        DemoOptions(
            folder=tmp_path / "demo",
            agents=24,
            queues=3,
            seed=1,
            start_hour=20.0,
            history_days=14,
            timezone="UTC",
            day=date(2026, 11, 24),
        )
    )
    demo.prepare()
    fired = dict(
        sqlite3.connect(demo.database).execute(
            "SELECT rule, group_concat(DISTINCT agent) FROM burnout_flags GROUP BY rule"
        )
    )
    # ...and the schedule's rule: the agent who missed two days and came in late twice
    # (sources/simulator/plan.py), against their own week before.
    # (low_scores fires when the hard-time agent's survey dice run low three times in a row.)
    assert set(RULES) | {"more_absences"} <= set(fired), fired
    assert set(fired) <= set(RULES) | {"more_absences", "low_scores"}, fired
    assert fired["more_absences"] == "Farid"
    levels = {
        row[0]
        for row in sqlite3.connect(demo.database).execute("SELECT severity FROM burnout_flags")
    }
    assert levels == {"watch", "warning", "critical"}


# ----------------------------------------------------------------- replay
def test_replay_at_100x_ends_where_a_load_at_once_ends(tmp_path, samples):
    feed = samples / "asterisk22_three_queues.queue_log"
    once = ingest_file(tmp_path / "once.db", feed, UTC)
    clock = FeedClock(0, 100, paused=True)
    source = ReplaySource(feed, clock)
    source.load()
    clock.jump(source.first)
    store = Store.open(tmp_path / "replay.db")
    clock.pause(False)
    stop = threading.Event()
    started = time.monotonic()
    thread = threading.Thread(target=Ingest(store, [source]).run, args=(stop,))
    thread.start()
    assert source.done.wait(60)
    thread.join(30)
    store.close()
    took = time.monotonic() - started
    span = source.last - source.first
    assert span / 100 * 0.8 <= took <= span / 100 + 10  # the timing really was compressed 100x
    end = source.last + 5
    with Store.open_readonly(once) as a, Store.open_readonly(tmp_path / "replay.db") as b:
        one = FloorReader(a, UTC, at=end).snapshot()
        two = FloorReader(b, UTC, at=end).snapshot()
    assert {n: q.to_dict(end) for n, q in one.queues.items()} == {
        n: q.to_dict(end) for n, q in two.queues.items()
    }
    strip = lambda d: {k: v for k, v in d.items() if k not in ("flags", "burnout")}  # noqa: E731
    assert {n: strip(x.to_dict(end)) for n, x in one.agents.items()} == {
        n: strip(x.to_dict(end)) for n, x in two.agents.items()
    }
