"""Burnout rules: each rule just below and just above its threshold, clearing without flapping,
no history, several queues; and the monitor in a real ingest writing flags to a real store."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from floorwatch.config import Config
from floorwatch.ingest.burnout_monitor import BurnoutMonitor
from floorwatch.ingest.pipeline import Ingest
from floorwatch.snapshot.burnout import (
    CRITICAL,
    RULES,
    WARNING,
    WATCH,
    AgentFacts,
    BurnoutConfig,
    CallFact,
    FlagChanges,
    FlagTracker,
    Span,
    evaluate,
    overall_level,
)
from floorwatch.snapshot.reader import FloorReader, load_flags
from floorwatch.sources import open_source
from floorwatch.store.database import Store

DAY = 1_795_478_400.0  # 2026-11-24 00:00 UTC
H = 3600.0
CONFIG = BurnoutConfig()


def facts(
    now: float,
    *,
    availability=None,
    calls=(),
    misses=(),
    login_today_s=0.0,
    occupancy=None,
    logged_in_60m_s=3600.0,
    queue_aht=None,
    baseline=None,
    baseline_calls=0,
) -> AgentFacts:
    return AgentFacts(
        agent="Ana",
        now=now,
        day_start=DAY,
        availability=availability
        if availability is not None
        else [Span(DAY + 8 * H, None, "available", None)],
        calls=list(calls),
        misses=list(misses),
        login_today_s=login_today_s,
        occupancy_60m=occupancy,
        logged_in_60m_s=logged_in_60m_s,
        on_call=False,
        queue_aht=queue_aht or {},
        baseline_aht=baseline,
        baseline_calls=baseline_calls,
    )


def rules(f: AgentFacts, config: BurnoutConfig = CONFIG) -> dict[str, str]:
    return {name: finding.severity for name, finding in evaluate(f, config).items()}


def call(start: float, talk: float, *, queue="orders", wrapup=None, ended=True) -> CallFact:
    return CallFact(
        f"c{start}", queue, start, start + talk if ended else None, talk if ended else None, wrapup
    )


# ----------------------------------------------------------------- no break
def test_no_break_warning_at_two_hours_and_critical_at_three():
    login = DAY + 8 * H
    avail = [Span(login, None, "available", None)]
    assert "no_break" not in rules(facts(login + 2 * H - 1, availability=avail))
    assert rules(facts(login + 2 * H, availability=avail))["no_break"] == WARNING
    assert rules(facts(login + 3 * H - 1, availability=avail))["no_break"] == WARNING
    assert rules(facts(login + 3 * H, availability=avail))["no_break"] == CRITICAL


def test_a_pause_of_five_minutes_is_a_break_a_shorter_one_or_wrapup_is_not():
    login = DAY + 8 * H
    now = login + 2.5 * H
    short = [
        Span(login, login + H, "available", None),
        Span(login + H, login + H + 299, "paused", "Break"),
        Span(login + H + 299, None, "available", None),
    ]
    found = evaluate(facts(now, availability=short), CONFIG)["no_break"]
    assert found.severity == WARNING and found.since == login
    wrapup = [
        Span(login, login + H, "available", None),
        Span(login + H, login + H + 600, "wrapup", "ACW"),
        Span(login + H + 600, None, "available", None),
    ]
    assert "no_break" in rules(facts(now, availability=wrapup))
    real = [
        Span(login, login + H, "available", None),
        Span(login + H, login + H + 300, "paused", "Break"),
        Span(login + H + 300, None, "available", None),
    ]
    assert "no_break" not in rules(facts(now, availability=real))
    # Two hours after that break ended, it fires again, since the break's end.
    later = login + H + 300 + 2 * H
    found = evaluate(facts(later, availability=real), CONFIG)["no_break"]
    assert found.since == login + H + 300
    assert found.evidence["last_break"]["reason"] == "Break"


def test_no_break_is_silent_for_an_agent_logged_out():
    login = DAY + 8 * H
    avail = [
        Span(login, login + 3 * H, "available", None),
        Span(login + 3 * H, None, "offline", None),
    ]
    assert "no_break" not in rules(facts(login + 3 * H + 60, availability=avail))


# ----------------------------------------------------------------- occupancy
def test_sustained_occupancy_needs_ninety_percent_and_45_minutes_logged_in():
    now = DAY + 12 * H
    assert "sustained_occupancy" not in rules(facts(now, occupancy=0.8999))
    assert rules(facts(now, occupancy=0.90))["sustained_occupancy"] == WARNING
    assert "sustained_occupancy" not in rules(
        facts(now, occupancy=0.97, logged_in_60m_s=45 * 60 - 1)
    )
    assert "sustained_occupancy" in rules(facts(now, occupancy=0.97, logged_in_60m_s=45 * 60))
    assert "sustained_occupancy" not in rules(facts(now, occupancy=None))


# ----------------------------------------------------------------- back to back
def run_of_calls(count: int, gap: float, start: float = DAY + 9 * H, talk: float = 120):
    calls, at = [], start
    for _ in range(count):
        calls.append(call(at, talk))
        at += talk + gap
    return calls


def test_back_to_back_eight_calls_with_gaps_under_ten_seconds():
    calls = run_of_calls(8, 9.9)
    now = calls[-1].ended_at + 1
    found = evaluate(facts(now, calls=calls), CONFIG)["back_to_back"]
    assert found.severity == WARNING and found.evidence["calls"] == 8
    assert found.since == calls[0].answered_at
    assert "back_to_back" not in rules(facts(now, calls=run_of_calls(7, 9.9)))
    assert "back_to_back" not in rules(facts(now, calls=run_of_calls(8, 10.0)))


def test_back_to_back_ends_once_the_agent_has_had_a_breath():
    calls = run_of_calls(9, 5)
    assert "back_to_back" in rules(facts(calls[-1].ended_at + 9, calls=calls))
    assert "back_to_back" not in rules(facts(calls[-1].ended_at + 10, calls=calls))


# ----------------------------------------------------------------- hard calls
def test_hard_calls_three_in_an_hour_over_twice_the_queues_aht():
    now = DAY + 12 * H
    aht = {"orders": 100.0, "vip": 300.0}
    hard = [call(now - 3000, 201), call(now - 2000, 250), call(now - 1000, 300)]
    assert rules(facts(now, calls=hard, queue_aht=aht))["hard_calls"] == WATCH
    exactly_twice = [call(now - 3000, 200), call(now - 2000, 250), call(now - 1000, 300)]
    assert "hard_calls" not in rules(facts(now, calls=exactly_twice, queue_aht=aht))
    # A long vip call is not hard for vip, whose AHT is long too: queues are judged apart.
    mixed = hard[:2] + [call(now - 1000, 500, queue="vip")]
    assert "hard_calls" not in rules(facts(now, calls=mixed, queue_aht=aht))
    old = [call(now - 3700, 500)] + hard[1:]
    assert "hard_calls" not in rules(facts(now, calls=old, queue_aht=aht))


# ----------------------------------------------------------------- slowing down
def test_slowing_down_against_their_own_baseline():
    now = DAY + 15 * H
    recent = [call(now - H - i * 600, 150) for i in range(4)]  # AHT 150 in the last 2 h
    assert rules(facts(now, calls=recent, baseline=100, baseline_calls=50))["slowing_down"] == WATCH
    assert "slowing_down" not in rules(facts(now, calls=recent, baseline=100.1, baseline_calls=50))
    # Three calls are too few to judge; a baseline of 19 calls too thin.
    assert "slowing_down" not in rules(facts(now, calls=recent[:3], baseline=50, baseline_calls=50))
    assert "slowing_down" not in rules(facts(now, calls=recent, baseline=50, baseline_calls=19))


def test_slowing_down_is_silent_for_an_agent_with_no_history():
    now = DAY + 15 * H
    recent = [call(now - H - i * 600, 900) for i in range(6)]
    assert "slowing_down" not in rules(facts(now, calls=recent, baseline=None))


# ----------------------------------------------------------------- missing calls
def test_missing_calls_three_rings_in_thirty_minutes():
    now = DAY + 10 * H
    assert rules(facts(now, misses=[now - 1800, now - 600, now - 1]))["missing_calls"] == WATCH
    assert "missing_calls" not in rules(facts(now, misses=[now - 1801, now - 600, now - 1]))


# ----------------------------------------------------------------- long day
def test_long_day_nine_and_ten_hours():
    now = DAY + 20 * H
    assert "long_day" not in rules(facts(now, login_today_s=9 * H - 1))
    assert rules(facts(now, login_today_s=9 * H))["long_day"] == WARNING
    assert rules(facts(now, login_today_s=10 * H))["long_day"] == CRITICAL


# ----------------------------------------------------------------- short wrap-up
def test_short_wrapup_median_of_the_last_ten_reported():
    now = DAY + 12 * H
    quick = [call(now - 4000 + i * 300, 60, wrapup=4.0) for i in range(10)]
    assert rules(facts(now, calls=quick))["short_wrapup"] == WATCH
    enough = [call(now - 4000 + i * 300, 60, wrapup=5.0) for i in range(10)]
    assert "short_wrapup" not in rules(facts(now, calls=enough))
    # Calls without a reported wrap-up do not count: nine reported are not enough.
    unreported = quick[:9] + [call(now - 100, 60)]
    assert "short_wrapup" not in rules(facts(now, calls=unreported))


# ----------------------------------------------------------------- tracker
def test_flags_clear_only_after_staying_clear_and_do_not_flap():
    config = BurnoutConfig(clear_after_min=10)
    tracker = FlagTracker(config)
    now = DAY + 12 * H
    missed = facts(
        now,
        misses=[now - 60, now - 30, now - 1],
        availability=[Span(now - 600, None, "available", None)],
    )
    changes = FlagChanges()
    tracker.update("Ana", now, evaluate(missed, config), changes)
    assert [f.rule for f in changes.raised] == ["missing_calls"]
    flag = changes.raised[0]
    # The condition goes away and comes back within 10 minutes: one flag, never cleared.
    for minute in range(1, 10):
        changes = FlagChanges()
        findings = {} if minute % 2 else evaluate(missed, config)
        tracker.update("Ana", now + minute * 60, findings, changes)
        assert not changes.cleared and not changes.raised
    # Then clear for ten minutes: cleared once.
    changes = FlagChanges()
    tracker.update("Ana", now + 8 * 60 + 599, {}, changes)
    assert not changes.cleared
    tracker.update("Ana", now + 8 * 60 + 600, {}, changes)
    assert changes.cleared == [flag] and flag.cleared_at == now + 8 * 60 + 600


def test_severity_rises_while_up_and_overall_level_escalates_with_watches():
    config = BurnoutConfig()
    tracker = FlagTracker(config)
    login = DAY + 8 * H
    avail = [Span(login, None, "available", None)]
    changes = FlagChanges()
    tracker.update(
        "Ana", login + 2 * H, evaluate(facts(login + 2 * H, availability=avail), config), changes
    )
    tracker.update(
        "Ana", login + 3 * H, evaluate(facts(login + 3 * H, availability=avail), config), changes
    )
    (flag,) = tracker.flags("Ana")
    assert flag.severity == CRITICAL and flag in changes.updated
    watches = [type(flag)("Ben", rule, WATCH, 0, 0, "", {}) for rule in ("a", "b")]
    assert overall_level(watches, config) == WATCH
    watches.append(type(flag)("Ben", "c", WATCH, 0, 0, "", {}))
    assert overall_level(watches, config) == WARNING


def test_an_agent_in_several_queues_is_judged_per_queue_for_hard_calls():
    now = DAY + 12 * H
    aht = {"orders": 100.0, "returns": 100.0}
    calls = [
        call(now - 3000, 250, queue="orders"),
        call(now - 2000, 250, queue="returns"),
        call(now - 1000, 250, queue="orders"),
    ]
    found = evaluate(facts(now, calls=calls, queue_aht=aht), CONFIG)["hard_calls"]
    assert sorted(c["queue"] for c in found.evidence["calls"]) == ["orders", "orders", "returns"]


# ----------------------------------------------------------------- in the real ingest
def test_monitor_in_the_ingest_writes_flags_readers_show_them(tmp_path, samples):
    """The real sample through the real ingest with the monitor: flags land in the store, the
    snapshot carries them (and `--at` before they were raised does not)."""
    db = tmp_path / "floor.db"
    config = Config(timezone="UTC")
    store = Store.open(db)
    monitor = BurnoutMonitor(db, config, every_s=60)
    feed = open_source(f"queue_log:{samples / 'asterisk22_three_queues.queue_log'}", follow=False)
    Ingest(store, [feed], monitor=monitor).run(threading.Event())
    monitor.close()
    flags = load_flags(store)
    store.close()
    by_agent = {}
    for flag in flags:
        by_agent.setdefault(flag.agent, set()).add(flag.rule)
    # Local/206 missed six rings in the run's last half hour (RINGNOANSWER lines in the log).
    assert "missing_calls" in by_agent["Local/206@agents/n"]
    reader = FloorReader(Store.open_readonly(db), config, at=flags[0].raised_at)
    agent = reader.snapshot().agents[flags[0].agent]
    assert flags[0].rule in {f.rule for f in agent.flags}
    assert agent.burnout in (WATCH, WARNING, CRITICAL)
    before = FloorReader(Store.open_readonly(db), config, at=flags[0].raised_at - 1).snapshot()
    assert not before.agents[flags[0].agent].flags


def test_a_store_whose_last_day_is_past_shows_no_flag_up_now(tmp_path, samples):
    """Flags belong to the agent's shift: opened a week after its last events, the same store
    shows no flag up (none "up for 191h"); the history still has them."""
    db = tmp_path / "floor.db"
    config = Config(timezone="UTC")
    store = Store.open(db)
    monitor = BurnoutMonitor(db, config, every_s=60)
    feed = open_source(f"queue_log:{samples / 'asterisk22_three_queues.queue_log'}", follow=False)
    Ingest(store, [feed], monitor=monitor).run(threading.Event())
    monitor.close()
    flags = load_flags(store)
    store.close()
    assert flags and any(flag.cleared_at is None for flag in flags)  # some still open
    last = max(flag.raised_at for flag in flags)
    then = FloorReader(Store.open_readonly(db), config, at=last).snapshot()
    assert sum(len(agent.flags) for agent in then.agents.values()) > 0
    week_later = FloorReader(Store.open_readonly(db), config, clock=lambda: last + 7 * 86400)
    now = week_later.snapshot()
    assert [agent.flags for agent in now.agents.values() if agent.flags] == []
    assert all(agent.burnout is None for agent in now.agents.values())


@pytest.mark.parametrize("rule", ["no_break", "long_day"])
def test_disabled_rules_do_not_run(rule):
    login = DAY + 8 * H
    f = facts(
        login + 11 * H, availability=[Span(login, None, "available", None)], login_today_s=11 * H
    )
    assert rule in rules(f)
    assert rule not in rules(f, BurnoutConfig(disabled=[rule]))


# ----------------------------------------------------------------- incremental rounds
def _flag_rows(store: Store) -> list[tuple]:
    return (
        sqlite3.connect(store.path)
        .execute(
            "SELECT agent, rule, severity, since, raised_at, cleared_at, summary FROM burnout_flags "
            "ORDER BY agent, rule, raised_at"
        )
        .fetchall()
    )


def test_incremental_rounds_raise_and_clear_exactly_what_full_rounds_do(tmp_path):
    """A simulated day whose personas trip every rule (docs/burnout.md), fed round by round into
    two stores: one monitor evaluates only the agents that could have changed, the other every
    agent every round. Their flag histories must be identical, and the incremental one must
    have skipped most agents."""
    from floorwatch.sources.base import Batch
    from floorwatch.sources.queue_log import parse_line
    from floorwatch.sources.simulator import SimConfig, Simulator

    simulator = Simulator(
        SimConfig(agents=24, queues=3, seed=5, start=DAY + 12 * H, history_days=1)
    )
    config = Config(timezone="UTC")
    stores = [
        Store.open(tmp_path / f"{kind}.db", config.derive_config())
        for kind in ("incremental", "full")
    ]
    yesterday = [parse_line(line, "sim") for line in simulator.lines(DAY)]
    for store in stores:  # yesterday, for the "slowing down" baselines
        store.write([Batch("sim", "queue_log", yesterday)])
    incremental, full = (
        BurnoutMonitor(tmp_path / f"{kind}.db", config, every_s=None)
        for kind in ("incremental", "full")
    )
    evaluated, rounds = 0, 0
    now = DAY + 6 * H
    while now < DAY + 20 * H:
        now += 30
        events = [parse_line(line, "sim") for line in simulator.lines(now)]
        for store in stores:
            if events:
                store.write([Batch("sim", "queue_log", events)])
        incremental.run(stores[0], now)
        full.run(stores[1], now, full=True)
        if rounds:
            evaluated += incremental.last_evaluated
        rounds += 1
    incremental.close()
    full.close()
    history = [_flag_rows(store) for store in stores]
    for store in stores:
        store.close()
    # every rule raised at least once, and the survey rule for the hard-time agent
    assert {row[1] for row in history[1]} == set(RULES) | {"low_scores"}
    assert any(row[5] is not None for row in history[1])  # some flags cleared during the day
    assert history[0] == history[1]
    agents = len(simulator.roster)
    assert evaluated < 0.5 * agents * (rounds - 1)


def test_baselines_are_each_agents_mean_handle_time_over_the_days_before(tmp_path):
    """agent_baselines: each agent's mean talk + wrap-up over answered calls whose wait ended
    in the 14 days before the day, and their count (worked out here from the rows)."""
    from floorwatch.ingest.burnout_monitor import agent_baselines
    from floorwatch.sources.base import Batch
    from floorwatch.sources.queue_log import parse_line
    from floorwatch.sources.simulator import SimConfig, Simulator

    simulator = Simulator(
        SimConfig(agents=12, queues=2, seed=2, start=DAY + 12 * H, history_days=2)
    )
    store = Store.open(tmp_path / "b.db")
    store.write(
        [Batch("sim", "queue_log", [parse_line(line, "sim") for line in simulator.lines(DAY)])]
    )
    handled: dict[str, list[float]] = {}
    for agent, talk, wrapup, wait_end, outcome in sqlite3.connect(store.path).execute(
        "SELECT agent, talk_s, wrapup_s, wait_end_at, outcome FROM calls"
    ):
        if (
            outcome == "answered"
            and talk is not None
            and agent is not None
            and DAY - 14 * 86400 <= wait_end < DAY
        ):
            handled.setdefault(agent, []).append(talk + (wrapup or 0))
    assert len(handled) >= 10 and all(len(times) > 20 for times in handled.values())
    assert any(
        wrapup for (wrapup,) in sqlite3.connect(store.path).execute("SELECT wrapup_s FROM calls")
    )
    found = agent_baselines(store, DAY, 14)
    store.close()
    assert found.keys() == handled.keys()
    for agent, times in handled.items():
        assert found[agent][1] == len(times)
        assert found[agent][0] == pytest.approx(sum(times) / len(times))


def test_every_burnout_rule_has_a_title_on_every_screen():
    """The two rules the monitor evaluates from other evidence are titled like the rest
    (they used to be shown by their code names)."""
    from floorwatch.snapshot.burnout import RULES, rule_title

    assert rule_title("more_absences") == "More absences"
    assert rule_title("low_scores") == "Low scores"
    assert rule_title("no_break") == RULES["no_break"].title == "No break"
    assert rule_title("invented") == "invented"
