"""Interval reports reconcile exactly with the snapshot of the same day; the live staffing gap;
the report command's formats and errors; the dashboard's report view."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import pandas as pd
import pytest

from floorwatch.config import from_table, load
from floorwatch.snapshot.reader import FloorReader
from floorwatch.reports.intervals import agent_report, queue_report, report_day
from floorwatch.sources.simulator import SimConfig, write_floor
from floorwatch.store.database import Store

from .conftest import ROOT, ingest_file

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
        for key in ("offered", "answered", "answered_within", "abandoned", "short_abandoned",
                    "left"):  # fmt: skip
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

        expected = agents_needed(half.offered / 1800 * half.aht_s, half.aht_s, queue.target,
                                 queue.threshold_s).agents  # fmt: skip
        assert gap["agents_needed"] == expected > 0
        assert gap["agents_staffed"] == queue.agents_staffed
        assert gap["gap"] == queue.agents_staffed - expected


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "floorwatch", "report", *args],
                          capture_output=True, text=True, timeout=120)  # fmt: skip


def test_report_command_formats_and_errors(tmp_path, samples):
    db = ingest_file(tmp_path / "s.db", samples / "asterisk22_three_queues.queue_log", UTC)
    base = ["--db", str(db), "--date", "2026-11-24"]
    table = run(*base, "--interval", "15m")
    assert table.returncode == 0 and "orders" in table.stdout and "total" in table.stdout
    rows = json.loads(run(*base, "--format", "json").stdout)
    assert {r["queue"] for r in rows} == {"orders", "returns", "vip", "ALL"}
    assert next(r for r in rows if r["queue"] == "ALL")["offered"] == 199
    csv = run(*base, "--by", "agent", "--format", "csv").stdout.splitlines()
    assert csv[0].startswith("agent,interval,login_s,talk_s,wrapup_s,idle_s,pause_s,occupancy")
    out = tmp_path / "r.csv"
    assert run(*base, "--out", str(out)).returncode == 0
    assert pd.read_csv(out)["offered"].iloc[-1] == 199
    out_json = tmp_path / "r.json"
    assert run(*base, "--by", "agent", "--out", str(out_json)).returncode == 0
    assert json.loads(out_json.read_text())[-1]["agent"] == "ALL"
    try:
        import openpyxl  # noqa: F401

        assert run(*base, "--out", str(tmp_path / "r.xlsx")).returncode == 0
    except ImportError:
        result = run(*base, "--out", str(tmp_path / "r.xlsx"))
        assert result.returncode == 2 and "openpyxl" in result.stderr
    for args, message in ((["--date", "24/11/2026"], "not a date"),
                          (["--date", "2026-11-24", "--out", str(tmp_path / "r.pdf")],
                           ".csv, .json or .xlsx")):  # fmt: skip
        result = run("--db", str(db), *args)
        assert result.returncode == 2 and message in result.stderr


async def test_the_report_view(tmp_path, samples):
    from floorwatch.app import FloorwatchApp
    from floorwatch.snapshot.live import LiveFloor
    from floorwatch.screens.report import ReportScreen
    from floorwatch.widgets.live_table import LiveTable

    config = load(ROOT / "data" / "floorwatch.toml")
    db = ingest_file(tmp_path / "s.db", samples / "asterisk22_three_queues.queue_log", config)
    app = FloorwatchApp(LiveFloor(db, config, clock=lambda: 1795530910.0, poll_s=0.02), config)
    async with app.run_test(size=(140, 40)) as pilot:
        while app.update is None:
            await pilot.pause(0.05)
        await pilot.press("r")
        assert isinstance(app.screen, ReportScreen) and app.screen.queue == "orders"
        table = app.screen.query_one("#report-table", LiveTable)
        for _ in range(100):
            if table.rows:
                break
            await pilot.pause(0.05)
        assert [table.rows[k]["offered"] for k in table.order] == [103, 36] or [
            table.rows[k]["offered"] for k in table.order] == [67, 36, 103]
        bars = str(app.screen.query_one("#report-bars").render())
        assert "offered" in bars and "█" in bars
        await pilot.press("escape")
        assert not isinstance(app.screen, ReportScreen)
