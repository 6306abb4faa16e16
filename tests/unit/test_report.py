"""Interval reports reconcile exactly with the snapshot of the same day; the live staffing gap;
the report command's formats and errors; the dashboard's report view."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from floorwatch.config import from_table
from floorwatch.reports.intervals import agent_report, queue_report, report_day
from floorwatch.snapshot.reader import FloorReader
from floorwatch.sources.simulator import SimConfig, write_floor
from floorwatch.store.database import Store
from tests.helpers import ingest_file

UTC = from_table({"timezone": "UTC", "queues": {"vip": {"service_level": {"threshold_s": 15}}}})


DAY = date(2026, 11, 24)


DAY_START = 1_795_478_400


def compare_with_snapshot(db, config, at: float, interval: str = "30m") -> pd.DataFrame:
    with Store.open_readonly(db) as store:
        frame = queue_report(store, config, report_day(config, DAY, interval))
        floor = FloorReader(store, config, at=at).snapshot()
    totals = frame[frame["interval"] == "total"].set_index("queue")
    for name, queue in floor.queues.items():
        today = queue.windows["today"]
        row = totals.loc[name]
        for key in (
            "offered",
            "answered",
            "answered_within",
            "abandoned",
            "short_abandoned",
            "left",
        ):
            assert row[key] == getattr(today, key), (name, key)
        for key in ("service_level", "asa_s", "aht_s", "abandon_rate", "max_wait_s"):
            assert row[key] == pytest.approx(getattr(today, key)), (name, key)
        # The intervals add up to the day.
        intervals = frame[(frame["queue"] == name) & (frame["interval"] != "total")]
        assert intervals["offered"].sum() == today.offered
    floor_row = totals.loc["ALL"]
    assert floor_row["offered"] == floor.totals.windows["today"].offered
    assert floor_row["service_level"] == pytest.approx(floor.totals.windows["today"].service_level)
    return frame


def test_report_totals_equal_the_snapshot_for_the_samples(tmp_path, samples):
    db = ingest_file(tmp_path / "s.db", samples / "asterisk22_three_queues.queue_log", UTC)
    frame = compare_with_snapshot(db, UTC, DAY_START + 86399, "15m")
    orders = frame[(frame["queue"] == "orders") & (frame["interval"] != "total")]
    assert list(orders["interval"]) == ["14:15", "14:30"]
    assert list(orders["offered"]) == [67, 36]
    assert orders["agents_required"].notna().all()


def test_report_totals_equal_the_snapshot_for_a_simulated_day(tmp_path):
    feed = tmp_path / "day.queue_log"
    write_floor(feed, SimConfig(agents=30, queues=4, seed=5, start=DAY_START + 3600))
    db = ingest_file(tmp_path / "day.db", feed, UTC)
    compare_with_snapshot(db, UTC, DAY_START + 86399, "60m")
    with Store.open_readonly(db) as store:
        agents = agent_report(store, UTC, report_day(UTC, DAY, "30m"))
        floor = FloorReader(store, UTC, at=DAY_START + 86399).snapshot()
    totals = agents[agents["interval"] == "total"].set_index("agent")
    for name, agent in floor.agents.items():
        assert totals.loc[name, "calls"] == agent.calls_today
        assert totals.loc[name, "aht_s"] == pytest.approx(agent.aht_today_s)
        assert totals.loc[name, "ring_no_answers"] == agent.ring_no_answers_today
        # Everyone has logged off by midnight, so logged-in time is the same whole day.
        assert agent.state == "offline"
        assert totals.loc[name, "login_s"] == pytest.approx(agent.login_today_s(floor.at))
        pause_today = agent.pause_today_s(floor.at)
        paused = sum(v for k, v in pause_today.items() if k != "ACW")
        assert totals.loc[name, "pause_s"] == pytest.approx(paused)
        assert totals.loc[name, "wrapup_s"] == pytest.approx(pause_today.get("ACW", 0))
    all_row = totals.loc["ALL"]
    assert all_row["calls"] == sum(a.calls_today for a in floor.agents.values())
    assert 0.3 < all_row["occupancy"] < 1.0


def test_live_staffing_gap_in_the_snapshot(tmp_path):
    feed = tmp_path / "day.queue_log"
    write_floor(feed, SimConfig(agents=30, queues=2, seed=5, start=DAY_START))
    db = ingest_file(tmp_path / "day.db", feed, UTC)
    noon = DAY_START + 12 * 3600
    with Store.open_readonly(db) as store:
        floor = FloorReader(store, UTC, at=noon).snapshot()
    for queue in floor.queues.values():
        gap = queue.staffing
        half = queue.windows["30m"]
        assert gap["calls_per_hour"] == pytest.approx(half.offered * 2)
        assert gap["aht_s"] == pytest.approx(half.aht_s)
        from floorwatch.snapshot.erlang import agents_needed

        expected = agents_needed(
            half.offered / 1800 * half.aht_s, half.aht_s, queue.target, queue.threshold_s
        ).agents
        assert gap["agents_needed"] == expected > 0
        assert gap["agents_staffed"] == queue.agents_staffed
        assert gap["gap"] == queue.agents_staffed - expected
