"""Alarm rules on constructed feeds, through the real ingest into a real store: each rule
raises only after its minimum duration, clears with hysteresis, takes per-queue and per-reason
thresholds, and never raises twice while it stays raised. The tracker on its own, too."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from floorwatch.alarm_config import AlarmRule, AlarmsConfig
from floorwatch.config import Config, ConfigError, from_table
from floorwatch.ingest.alarm_monitor import AlarmMonitor
from floorwatch.ingest.pipeline import Ingest
from floorwatch.snapshot.alarms import AlarmTracker, Measurement
from floorwatch.sources import open_source
from floorwatch.store.database import Store

T0 = 1_795_530_000  # 2026-11-24 08:20 UTC


def config(**rules) -> Config:
    """Defaults, every rule off but those given (a table of their settings each)."""
    table = {name: {"enabled": False} for name in AlarmsConfig().rules.__dataclass_fields__}
    for name, settings in rules.items():
        table[name] = {"enabled": True, **settings}
    return from_table({"timezone": "UTC", "alarms": {"rules": table}})


class Floor:
    """A store fed queue_log lines by the real ingest, and an alarm monitor over it."""

    def __init__(self, tmp_path: Path, cfg: Config):
        self.db = tmp_path / "floor.db"
        self.feed = tmp_path / "queue_log"
        self.feed.write_text("")
        self.config = cfg
        self.store = Store.open(self.db, cfg.derive_config())
        self.monitor = AlarmMonitor(self.db, cfg, every_s=0)

    def add(self, *lines: str) -> None:
        with self.feed.open("a") as out:
            out.write("".join(line + "\n" for line in lines))
        source = open_source(f"queue_log:{self.feed}", follow=False)
        Ingest(self.store, [source]).run(threading.Event())

    def at(self, offset: float) -> list[tuple]:
        """A round at T0 + offset; the open alarms after it as (rule, queue/agent/source)."""
        self.monitor.run(self.store, T0 + offset)
        return self.open()

    def open(self) -> list[tuple]:
        return sorted(
            (rule, agent or queue or source)
            for rule, queue, agent, source in self.rows("rule, queue, agent, source", True)
        )

    def rows(self, columns: str = "*", open_only: bool = False) -> list[tuple]:
        where = " WHERE cleared_ts IS NULL" if open_only else ""
        return (
            sqlite3.connect(self.db)
            .execute(f"SELECT {columns} FROM alarms{where} ORDER BY id")
            .fetchall()
        )

    def close(self) -> None:
        self.monitor.close()
        self.store.close()


@pytest.fixture
def make_floor(tmp_path):
    made = []

    def make(cfg: Config) -> Floor:
        made.append(Floor(tmp_path, cfg))
        return made[-1]

    yield make
    for floor in made:
        floor.close()


def enter(t: float, call: str, queue: str = "sales") -> str:
    return f"{int(t)}|{call}|{queue}|NONE|ENTERQUEUE||5550{call}|1"


def test_calls_waiting_raises_after_its_minimum_duration_and_clears_with_hysteresis(make_floor):
    floor = make_floor(config(calls_waiting={"threshold": 3, "clear": 1, "min_duration_s": 30}))
    floor.add(*(enter(T0, f"c{n}") for n in range(3)))
    assert floor.at(1) == []  # tripped, but not for 30 s yet
    assert floor.at(20) == []
    assert floor.at(31) == [("calls_waiting", "sales")]
    assert floor.at(40) == [("calls_waiting", "sales")]  # still the same one alarm
    # One answered: 2 waiting is under the threshold but not under the clear level: held.
    floor.add(f"{T0 + 41}|c0|sales|Ana|CONNECT|41|m0|1")
    assert floor.at(60) == [("calls_waiting", "sales")]
    floor.add(f"{T0 + 61}|c1|sales|Ben|CONNECT|61|m1|1")  # 1 waiting: back to the clear level
    assert floor.at(62) == [("calls_waiting", "sales")]  # clear_after_s (15) not over yet
    assert floor.at(80) == []
    rows = floor.rows("rule, severity, queue, raised_ts, cleared_ts, value")
    assert rows == [("calls_waiting", "warning", "sales", T0 + 31, T0 + 80, 3.0)]


def test_a_blip_shorter_than_the_minimum_raises_nothing(make_floor):
    floor = make_floor(config(calls_waiting={"threshold": 2, "min_duration_s": 30}))
    floor.add(enter(T0, "a"), enter(T0, "b"))
    assert floor.at(5) == []
    floor.add(f"{T0 + 10}|a|sales|Ana|CONNECT|10|m|1")
    assert floor.at(12) == []
    floor.add(enter(T0 + 20, "c"))
    assert floor.at(35) == []  # tripped again from 35 on: the clock starts again
    assert floor.at(64) == []
    assert floor.at(65) == [("calls_waiting", "sales")]
    assert floor.rows("raised_ts") == [(T0 + 65,)]


def test_oldest_wait_takes_each_queue_its_own_threshold(make_floor):
    floor = make_floor(
        config(oldest_wait={"threshold": 60, "min_duration_s": 0, "queues": {"vip": 20}})
    )
    floor.add(enter(T0, "a", "sales"), enter(T0, "b", "vip"))
    assert floor.at(19) == []
    assert floor.at(21) == [("oldest_wait", "vip")]
    assert floor.at(61) == [("oldest_wait", "sales"), ("oldest_wait", "vip")]
    value = dict(floor.rows("queue, value"))
    assert value == {"vip": 21.0, "sales": 61.0}


def test_no_agent_free_and_service_level_and_abandon_rate(make_floor):
    floor = make_floor(
        config(
            no_agent_free={"min_duration_s": 0},
            service_level={"threshold": 0.8, "min_calls": 2, "min_duration_s": 0},
            abandon_rate={"threshold": 0.3, "clear": 0.2, "min_calls": 2, "min_duration_s": 0},
        )
    )
    floor.add(
        f"{T0 - 100}|MANAGER|sales|Ana|ADDMEMBER|",
        enter(T0, "a"),
        f"{T0 + 5}|a|sales|Ana|CONNECT|5|m|1",  # within 20 s
        enter(T0 + 1, "b"),
        f"{T0 + 40}|b|sales|NONE|ABANDON|1|1|39",  # abandoned after 39 s
        enter(T0 + 50, "c"),
    )
    # Ana is on a call: nobody is free for the caller waiting; SL 1/2 = 50%, abandons 1/2.
    assert floor.at(51) == [
        ("abandon_rate", "sales"),
        ("no_agent_free", "sales"),
        ("service_level", "sales"),
    ]
    values = {rule: value for rule, value in floor.rows("rule, value")}
    assert values == {"abandon_rate": 0.5, "no_agent_free": 1.0, "service_level": 0.5}


def test_long_pause_has_a_limit_per_reason(make_floor):
    floor = make_floor(
        config(long_pause={"threshold": 600, "reasons": {"Break": 300, "Lunch": 1800}})
    )
    floor.add(
        f"{T0 - 10}|MANAGER|sales|Ana|ADDMEMBER|",
        f"{T0 - 10}|MANAGER|sales|Ben|ADDMEMBER|",
        f"{T0 - 10}|MANAGER|sales|Cleo|ADDMEMBER|",
        f"{T0}|NONE|sales|Ana|PAUSE|Break",
        f"{T0}|NONE|sales|Ben|PAUSE|lunch",
        f"{T0}|NONE|sales|Cleo|PAUSE|Training",
    )
    assert floor.at(299) == []
    assert floor.at(300) == [("long_pause", "Ana")]
    assert floor.at(600) == [("long_pause", "Ana"), ("long_pause", "Cleo")]
    assert floor.at(1800) == [("long_pause", "Ana"), ("long_pause", "Ben"), ("long_pause", "Cleo")]
    floor.add(f"{T0 + 1801}|NONE|sales|Ana|UNPAUSE|")
    assert floor.at(1802) == [("long_pause", "Ana"), ("long_pause", "Ben"), ("long_pause", "Cleo")]
    assert floor.at(1817) == [("long_pause", "Ben"), ("long_pause", "Cleo")]  # clear for 15 s
    assert len(floor.rows()) == 3  # each raised once


def test_long_call_and_missed_rings(make_floor):
    floor = make_floor(
        config(
            long_call={"threshold": 600},
            missed_rings={"threshold": 2, "window_min": 10},
        )
    )
    floor.add(
        f"{T0 - 10}|MANAGER|sales|Ana|ADDMEMBER|",
        enter(T0, "a"),
        f"{T0 + 1}|a|sales|Ben|RINGNOANSWER|15000",
        f"{T0 + 20}|a|sales|Ben|RINGNOANSWER|15000",
        f"{T0 + 40}|a|sales|Ana|CONNECT|40|m|1",
    )
    assert floor.at(600) == [("missed_rings", "Ben")]
    assert floor.at(641) == [("long_call", "Ana"), ("missed_rings", "Ben")]
    # Ten minutes after the first miss, one is left in the window: it clears 15 s later.
    assert floor.at(645) == [("long_call", "Ana"), ("missed_rings", "Ben")]
    assert floor.at(660) == [("long_call", "Ana")]


def test_feed_quiet_by_the_clock_with_no_event(make_floor):
    floor = make_floor(config(feed_quiet={"threshold": 300}))
    floor.add(enter(T0, "a"))
    received = floor.store.queries.sources()[0].last_received_at
    assert floor.at(received - T0 + 299) == []
    assert floor.at(received - T0 + 300) == [("feed_quiet", f"queue_log:{floor.feed}")]


def test_open_alarms_survive_a_restart_of_the_monitor(make_floor, tmp_path):
    floor = make_floor(config(calls_waiting={"threshold": 1, "min_duration_s": 0}))
    floor.add(enter(T0, "a"))
    assert floor.at(1) == [("calls_waiting", "sales")]
    floor.monitor.close()
    floor.monitor = AlarmMonitor(floor.db, floor.config, every_s=0)
    assert floor.at(2) == [("calls_waiting", "sales")]
    assert len(floor.rows()) == 1  # not raised a second time


def reading(value: float, **options) -> Measurement:
    settings = {"threshold": 10.0, "clear": 5.0, "min_duration_s": 10.0, "clear_after_s": 5.0}
    settings.update(options)
    return Measurement("r", "warning", value, summary="s", queue="q", **settings)


def test_tracker_min_duration_hysteresis_and_no_repeat():
    tracker = AlarmTracker({"r": 5.0})
    assert not tracker.update(0, [reading(11)]).raised
    raised = tracker.update(10, [reading(12)]).raised
    assert [(a.raised_ts, a.value) for a in raised] == [(10, 12)]
    for t in range(11, 30):
        assert not tracker.update(t, [reading(7)]).raised  # held between 5 and 10
    assert not tracker.update(30, [reading(20)]).updated  # the peak is stored once a minute
    assert tracker.open[("r", "q", None, None)].peak == 20
    assert tracker.update(70, [reading(21)]).updated[0].peak == 21
    assert not tracker.update(71, []).cleared  # gone, not for clear_after_s yet
    assert not tracker.update(73, [reading(6)]).cleared  # back: the clear clock starts again
    assert not tracker.update(74, []).cleared
    cleared = tracker.update(79, []).cleared
    assert [(a.raised_ts, a.cleared_ts, a.peak) for a in cleared] == [(10, 79, 21)]


def test_lower_is_worse_rule_raises_below_and_clears_above():
    tracker = AlarmTracker({"r": 0.0})
    low = dict(threshold=0.8, clear=0.85, min_duration_s=0, clear_after_s=0, lower_is_worse=True)
    assert tracker.update(0, [reading(0.7, **low)]).raised
    assert not tracker.update(1, [reading(0.82, **low)]).cleared
    assert tracker.update(2, []).cleared


def test_alarm_config_errors_name_the_key():
    with pytest.raises(ConfigError, match=r"alarms.rules.oldest_wait.severity"):
        from_table({"alarms": {"rules": {"oldest_wait": {"severity": "loud"}}}})
    with pytest.raises(ConfigError, match=r"alarms.notify\[0\]: give either webhook or command"):
        from_table({"alarms": {"notify": [{}]}})
    with pytest.raises(ConfigError, match="unknown key"):
        from_table({"alarms": {"rules": {"oldest_wait": {"treshold": 3}}}})
    rule = AlarmRule(threshold=10, clear=7, queues={"vip": 4})
    assert (rule.threshold_for("vip"), rule.clear_for("vip"), rule.clear_for("x")) == (4, 1, 7)


def test_forecast_next_caller_over_and_sl_below_target_at_this_rate():
    from floorwatch.snapshot.alarms.forecast import next_over, sl_below
    from floorwatch.snapshot.floor_snapshot import QueueSnapshot, WaitingCall
    from floorwatch.snapshot.metrics import WindowStats

    def stats(offered: int, answered: int, within: int) -> WindowStats:
        return WindowStats(
            offered, answered, within, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, None, "abandoned"
        )

    def queue(waits: list[float], half: WindowStats, recent: WindowStats) -> QueueSnapshot:
        waiting = [WaitingCall(f"c{n}", "q", None, n, 1000 - w) for n, w in enumerate(waits)]
        return QueueSnapshot(
            "q",
            "q",
            len(waits),
            max(waits, default=None),
            waiting,
            {"30m": half, "15m": recent},
            20.0,
            0.8,
            "abandoned",
        )

    calm = stats(60, 60, 54)  # 90% over 30 min
    # Callers waiting 8 s and 2 s: the first passes the 20 s threshold in 12 s.
    assert next_over(queue([8, 2], calm, calm), 1000) == 12
    assert next_over(queue([25, 2], calm, calm), 1000) == 0
    assert next_over(queue([], calm, calm), 1000) is None
    # 90% and the last 15 minutes at 90% too: never below 80% within the window.
    assert sl_below(queue([], calm, calm), 1000) is None
    # The last 15 minutes at 20%: 54 within of 60, new calls at 2 a minute, 20% of them
    # within: (54 k + 0.2 * 2 m) / (60 k + 2 m) < 0.8 with k = 1 - m/30 -> m > 4.29: at 4.5 min.
    assert sl_below(queue([], calm, stats(30, 30, 6)), 1000) == 270
    # Already below: now.
    assert sl_below(queue([], stats(60, 60, 30), calm), 1000) == 0


def test_read_alarms_at_an_instant_shows_them_as_they_stood(make_floor):
    from floorwatch.modes.one_shot import read_alarms

    floor = make_floor(
        config(calls_waiting={"threshold": 1, "min_duration_s": 0, "clear_after_s": 0})
    )
    floor.add(enter(T0, "a"))
    floor.at(1)
    floor.add(f"{T0 + 5}|a|sales|Ana|CONNECT|5|m|1")
    floor.at(6)
    (alarm,) = read_alarms(floor.db, 3600, at=T0 + 6).alarms
    assert (alarm.raised_ts, alarm.cleared_ts, alarm.value) == (T0 + 1, T0 + 6, 1)
    (alarm,) = read_alarms(floor.db, 3600, at=T0 + 3).alarms
    assert alarm.cleared_ts is None  # still up at that instant
    assert read_alarms(floor.db, 3600, at=T0).alarms == []  # not raised yet


def test_no_color_and_no_blink_turn_blinking_off(monkeypatch, tmp_path):
    from floorwatch.app import FloorwatchApp
    from floorwatch.snapshot.live import LiveFloor

    live = LiveFloor(tmp_path / "none.db", Config())
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert FloorwatchApp(live, Config()).blink
    assert not FloorwatchApp(live, Config(), blink=False).blink
    monkeypatch.setenv("NO_COLOR", "1")
    assert not FloorwatchApp(live, Config()).blink
    assert FloorwatchApp(live, Config()).ring_bell
    assert not FloorwatchApp(live, Config(), bell=False).ring_bell


def test_the_forecast_steps_from_its_crossing_as_the_whole_walk_did():
    """sl_below starts its walk just before where the projection crosses the target (it is
    linear in t); on many random floors it gives what walking every step from 0 gave."""
    import random

    from floorwatch.snapshot.alarms.forecast import STEP_S, WINDOW_S, sl_below
    from floorwatch.snapshot.floor_snapshot import QueueSnapshot, WaitingCall
    from floorwatch.snapshot.metrics import WindowStats

    def walked(counted, within, arrivals, rate_share, over_now, target):
        t = 0.0
        while t <= WINDOW_S:
            kept = 1 - t / WINDOW_S
            calls = counted * kept + arrivals * t + over_now
            if calls > 0 and (within * kept + rate_share * arrivals * t) / calls < target:
                return t
            t += STEP_S
        return None

    rng = random.Random(22)
    for _ in range(3000):
        offered = rng.randint(5, 400)
        answered = rng.randint(0, offered)
        abandoned = offered - answered
        half = WindowStats(
            offered,
            answered,
            rng.randint(0, answered),
            abandoned,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            None,
            "abandoned",
        )
        recent_offered = rng.randint(0, 60)
        recent = WindowStats(
            recent_offered,
            recent_offered,
            rng.randint(0, recent_offered),
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            None,
            "abandoned",
        )
        waits = sorted((rng.uniform(0, 90) for _ in range(rng.randint(0, 8))), reverse=True)
        target = rng.choice([0.5, 0.7, 0.8, 0.9, 0.95])
        waiting = [WaitingCall(f"c{n}", "q", None, n, 1000 - w) for n, w in enumerate(waits)]
        queue = QueueSnapshot(
            "q",
            "q",
            len(waits),
            waits[0] if waits else None,
            waiting,
            {"30m": half, "15m": recent},
            20.0,
            target,
            "abandoned",
        )
        counted = half.answered + half.abandoned + half.left
        share = recent.service_level if recent.service_level is not None else half.service_level
        over = sum(1 for w in waits if w >= 20.0)
        expected = walked(
            counted, half.service_level * counted, offered / WINDOW_S, share, over, target
        )
        assert sl_below(queue, 1000) == expected
