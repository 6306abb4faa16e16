"""Hand-computed floors: every number asserted against docs/metrics.md, through the real
ingest and a real store. Times are UTC unless a test says otherwise."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from floorwatch.clock import local_day_end, local_day_start
from floorwatch.config import from_table
from floorwatch.snapshot.floor_model import FloorModel
from floorwatch.snapshot.reader import FloorReader
from floorwatch.sources import open_source
from floorwatch.sources.base import Batch
from floorwatch.store.database import Store
from tests.helpers import ingest_file

DAY = 1_795_478_400  # 2026-11-24 00:00 UTC


NOW = DAY + 12 * 3600  # noon


UTC = from_table({"timezone": "UTC"})


def snapshot(db: Path, at: float, config=UTC):
    with Store.open_readonly(db) as store:
        return FloorReader(store, config, at=at).snapshot()


def call(
    cid: str,
    queue: str,
    entered: int,
    wait: int,
    outcome: str,
    agent: str = "Ana",
    talk: int | None = None,
) -> list[str]:
    """The queue_log lines of one call."""
    lines = [f"{entered}|{cid}|{queue}|NONE|ENTERQUEUE||555|1"]
    end = entered + wait
    if outcome == "answered":
        lines.append(f"{end}|{cid}|{queue}|{agent}|CONNECT|{wait}|{cid}m|1")
        if talk is not None:
            lines.append(f"{end + talk}|{cid}|{queue}|{agent}|COMPLETEAGENT|{wait}|{talk}|1")
    elif outcome == "abandoned":
        lines.append(f"{end}|{cid}|{queue}|NONE|ABANDON|1|1|{wait}")
    elif outcome == "timeout":
        lines.append(f"{end}|{cid}|{queue}|NONE|EXITWITHTIMEOUT|1|1|{wait}")
    elif outcome == "key":
        lines.append(f"{end}|{cid}|{queue}|NONE|EXITWITHKEY|5|1|1|{wait}")
    return lines


def sorted_lines(*calls: list[str]) -> list[str]:
    return sorted(
        (line for lines in calls for line in lines), key=lambda line: int(line.split("|")[0])
    )


# ----------------------------------------------------------------- service level
SL_CALLS = [
    call("c1", "q", NOW - 3000, 10, "answered", "Ana", 100),
    call("c2", "q", NOW - 2900, 20, "answered", "Ana", 200),  # wait == T: within
    call("c3", "q", NOW - 2800, 21, "answered", "Bob", 300),
    call("c4", "q", NOW - 2700, 30, "abandoned"),
    call("c5", "q", NOW - 2600, 4, "abandoned"),  # short
    call("c6", "q", NOW - 2500, 5, "abandoned"),  # wait == short_abandon_s: not short
    call("c7", "q", NOW - 2400, 60, "timeout"),
    call("c8", "q", NOW - 2300, 12, "key"),
]


@pytest.mark.parametrize(
    "formula, expected",
    [
        ("abandoned", 2 / 7),  # within 2 / (answered 3 + abandoned 2 + left 2); short in neither
        ("answered", 2 / 3),  # within 2 / answered 3
        ("offered", 2 / 8),  # within 2 / every call whose wait ended (short included)
    ],
)
def test_service_level_under_each_formula_and_short_abandons(make_store, formula, expected):
    config = from_table({"timezone": "UTC", "service_level": {"formula": formula}})
    db = make_store(sorted_lines(*SL_CALLS))
    stats = snapshot(db, NOW, config).queues["q"].windows["today"]
    assert (stats.offered, stats.answered, stats.answered_within) == (8, 3, 2)
    assert (stats.abandoned, stats.short_abandoned, stats.left) == (2, 1, 2)
    assert (stats.timed_out, stats.left_by_key) == (1, 1)
    assert stats.service_level == pytest.approx(expected)
    assert stats.abandon_rate == pytest.approx(2 / 7)
    assert stats.asa_s == pytest.approx((10 + 20 + 21) / 3)
    assert stats.aht_s == pytest.approx((100 + 200 + 300) / 3)
    assert stats.max_wait_s == 60
    assert snapshot(db, NOW, config).queues["q"].windows["60m"].offered == 8
    assert snapshot(db, NOW, config).queues["q"].windows["15m"].offered == 0


def test_a_per_queue_threshold_changes_only_that_queue(make_store):
    config = from_table(
        {
            "timezone": "UTC",
            "queues": {"q": {"service_level": {"threshold_s": 21, "short_abandon_s": 6}}},
        }
    )
    stats = snapshot(make_store(sorted_lines(*SL_CALLS)), NOW, config).queues["q"]
    today = stats.windows["today"]
    # T = 21 puts c3 within; short = 6 makes c6 short too.
    assert (today.answered_within, today.short_abandoned, today.abandoned) == (3, 2, 1)
    assert today.service_level == pytest.approx(3 / (3 + 1 + 2))
    assert stats.threshold_s == 21


def test_a_call_that_waits_across_a_window_edge_counts_by_when_its_wait_ended(make_store):
    db = make_store(
        sorted_lines(
            call("inside", "q", NOW - 1000, 110, "answered", "Ana", 30),  # wait ended NOW-890
            call("outside", "q", NOW - 1000, 90, "answered", "Bob", 30),  # wait ended NOW-910
            call("edge", "q", NOW - 1000, 100, "answered", "Cy", 30),  # ended exactly NOW-900
        )
    )
    queue = snapshot(db, NOW).queues["q"]
    assert queue.windows["15m"].offered == 2  # inside and edge: [now - 15 min, now]
    assert queue.windows["30m"].offered == 3
    assert queue.windows["15m"].asa_s == pytest.approx((110 + 100) / 2)
    # Five seconds earlier "inside" is still waiting; the window then reaches NOW-1795.
    earlier = snapshot(db, NOW - 895).queues["q"]
    assert earlier.windows["15m"].offered == 2 and earlier.calls_waiting == 1


def test_a_call_across_local_midnight_counts_on_the_day_its_wait_ended(make_store):
    berlin = from_table({"timezone": "Europe/Berlin"})
    midnight = DAY + 23 * 3600  # 2026-11-25 00:00 CET
    db = make_store(
        sorted_lines(
            call("late", "q", midnight - 60, 90, "answered", "Ana", 120),  # waits over midnight
            call("before", "q", midnight - 600, 300, "abandoned"),  # gone at 23:55
        ),
        berlin,
    )
    after = snapshot(db, midnight + 600, berlin)
    assert after.day_start == midnight
    today = after.queues["q"].windows["today"]
    assert (today.offered, today.answered, today.abandoned) == (1, 1, 0)
    assert after.queues["q"].windows["60m"].offered == 2  # rolling windows cross midnight
    before = snapshot(db, midnight - 1, berlin)
    assert before.queues["q"].calls_waiting == 1
    assert before.queues["q"].longest_wait_s == 59
    assert before.queues["q"].windows["today"].abandoned == 1


def test_days_around_a_dst_change_are_23_and_25_hours_long():
    berlin = from_table({"timezone": "Europe/Berlin"}).tzinfo()
    autumn = local_day_start(1792_900_000, berlin)  # 2026-10-25, clocks go back
    assert local_day_end(autumn, berlin) - autumn == 25 * 3600
    spring = local_day_start(1774_750_000, berlin)  # 2026-03-29, clocks go forward
    assert local_day_end(spring, berlin) - spring == 23 * 3600


def test_an_agent_in_two_queues_paused_in_one(make_store):
    db = make_store(
        [
            f"{NOW - 600}|MANAGER|orders|Ana|ADDMEMBER|",
            f"{NOW - 600}|MANAGER|vip|Ana|ADDMEMBER|",
            f"{NOW - 300}|NONE|vip|Ana|PAUSE|Lunch",
        ]
    )
    floor = snapshot(db, NOW)
    ana = floor.agents["Ana"]
    assert ana.state == "available" and ana.queues == ["orders", "vip"]
    assert ana.paused_in == {"vip": "Lunch"}
    assert ana.time_in_state_s(NOW) == 600 and ana.pause_today_s(NOW) == {}
    orders, vip = floor.queues["orders"], floor.queues["vip"]
    assert (orders.agents_staffed, orders.agents_available, orders.agents_paused) == (1, 1, 0)
    assert (vip.agents_staffed, vip.agents_available, vip.agents_paused) == (0, 0, 1)
    assert vip.paused_by_reason == {"Lunch": 1}
    assert floor.totals.agents_available == 1 and floor.totals.agents_paused == 0
    # Paused everywhere: the agent is paused, with the reason.
    db2 = make_store(
        [
            f"{NOW - 600}|MANAGER|orders|Ana|ADDMEMBER|",
            f"{NOW - 600}|MANAGER|vip|Ana|ADDMEMBER|",
            f"{NOW - 300}|NONE|NONE|Ana|PAUSEALL|Break",
            f"{NOW - 300}|NONE|orders|Ana|PAUSE|Break",
            f"{NOW - 300}|NONE|vip|Ana|PAUSE|Break",
        ]
    )
    ana = snapshot(db2, NOW).agents["Ana"]
    assert (ana.state, ana.reason, ana.time_in_state_s(NOW)) == ("paused", "Break", 300)
    assert ana.pause_today_s(NOW) == {"Break": 300}


def test_a_transfer_is_two_calls_and_frees_the_first_agent(make_store):
    db = make_store(
        [
            f"{NOW - 100}|t1|orders|NONE|ENTERQUEUE||555|1",
            f"{NOW - 96}|t1|orders|Ben|CONNECT|4|m1|2",
            f"{NOW - 60}|t1|orders|Ben|BLINDTRANSFER|returns|transfers|4|36|1",
            f"{NOW - 60}|t1|returns|NONE|ENTERQUEUE||555|1",
            f"{NOW - 50}|t1|returns|Dev|CONNECT|10|m2|2",
        ]
    )
    floor = snapshot(db, NOW)
    assert floor.queues["orders"].windows["today"].answered == 1
    assert floor.queues["orders"].windows["today"].aht_s == 36
    assert floor.queues["returns"].windows["today"].answered == 1
    assert floor.totals.windows["today"].offered == 2
    ben, dev = floor.agents["Ben"], floor.agents["Dev"]
    assert (ben.state, ben.time_in_state_s(NOW), ben.calls_today) == ("available", 60, 1)
    assert (dev.state, dev.call.queue, dev.call.talk_s(NOW)) == ("on_call", "returns", 50)
    assert dev.talk_today_s(NOW) == 50 and dev.aht_today_s is None  # not ended yet


def test_a_ring_no_answer_then_an_answer_by_another_agent(make_store):
    db = make_store(
        [
            f"{NOW - 200}|MANAGER|q|Bob|ADDMEMBER|",
            f"{NOW - 200}|MANAGER|q|Ana|ADDMEMBER|",
            f"{NOW - 100}|r1|q|NONE|ENTERQUEUE||555|1",
            f"{NOW - 85}|r1|q|Bob|RINGNOANSWER|15000",
            f"{NOW - 85}|NONE|q|Bob|PAUSE|Auto-Pause",
            f"{NOW - 83}|r1|q|Ana|CONNECT|17|m|2",
        ]
    )
    floor = snapshot(db, NOW)
    assert floor.agents["Bob"].ring_no_answers_today == 1
    assert (floor.agents["Bob"].state, floor.agents["Bob"].reason) == ("paused", "Auto-Pause")
    assert floor.agents["Ana"].calls_today == 1 and floor.agents["Ana"].state == "on_call"
    assert floor.queues["q"].windows["today"].asa_s == 17
    assert floor.queues["q"].windows["today"].answered_within == 1


def test_a_call_still_waiting(make_store):
    db = make_store([f"{NOW - 45}|w1|q|NONE|ENTERQUEUE||5550100|3"])
    queue = snapshot(db, NOW).queues["q"]
    assert (queue.calls_waiting, queue.longest_wait_s) == (1, 45)
    assert queue.waiting[0].caller == "5550100" and queue.waiting[0].position == 3
    assert queue.windows["today"].offered == 0


def test_occupancy_wrapup_login_and_pause_time(make_store):
    db = make_store(
        [
            f"{NOW - 3600}|MANAGER|q|Ana|ADDMEMBER|",
            *call("o1", "q", NOW - 3010, 10, "answered", "Ana", 600),  # talks NOW-3000..NOW-2400
            f"{NOW - 2400}|NONE|q|Ana|PAUSE|ACW",
            f"{NOW - 2340}|NONE|q|Ana|UNPAUSE|",  # 60 s wrap-up after o1
            *call("o2", "q", NOW - 1810, 10, "answered", "Ana", 900),  # talks NOW-1800..NOW-900
            f"{NOW - 600}|NONE|q|Ana|PAUSE|Break",
            f"{NOW - 300}|NONE|q|Ana|UNPAUSE|",
        ]
    )
    floor = snapshot(db, NOW)
    ana = floor.agents["Ana"]
    # talk 1500 + wrap-up 60 over talk + wrap-up + idle; idle = available 3600-60-300 - 1500.
    assert ana.occupancy_60m == pytest.approx((1500 + 60) / (1500 + 60 + 1740))
    assert ana.aht_today_s == pytest.approx((600 + 60 + 900) / 2)
    assert ana.login_today_s(NOW) == 3600
    assert ana.pause_today_s(NOW) == {"ACW": 60, "Break": 300}
    assert floor.queues["q"].windows["today"].aht_s == pytest.approx(780)


def test_floor_totals_are_weighted_by_calls(make_store):
    db = make_store(
        sorted_lines(
            call("a1", "small", NOW - 600, 5, "answered", "Ana", 60),
            call("b1", "big", NOW - 600, 50, "answered", "Bob", 60),
            call("b2", "big", NOW - 500, 50, "answered", "Bob", 60),
            call("b3", "big", NOW - 400, 50, "answered", "Cy", 60),
        )
    )
    floor = snapshot(db, NOW)
    assert floor.queues["small"].windows["today"].service_level == 1.0
    assert floor.queues["big"].windows["today"].service_level == 0.0
    assert floor.totals.windows["today"].service_level == pytest.approx(1 / 4)  # not 0.5


def test_feed_health_lag_and_age(make_store):
    db = make_store([f"{NOW - 30}|w1|q|NONE|ENTERQUEUE||555|1"])
    with Store.open_readonly(db) as store:
        feed = FloorReader(store, UTC, clock=lambda: NOW).snapshot().feeds[0]
    assert (feed.events, feed.rejects, feed.lag_s, feed.last_event_ts) == (1, 0, 30, NOW - 30)


def test_lines_out_of_order_give_the_same_floor(tmp_path, samples):
    lines = (samples / "asterisk22_three_queues.queue_log").read_text().splitlines()
    shuffled = list(lines)
    rng = random.Random(5)
    for start in range(0, len(shuffled) - 4, 4):  # swap neighbours, as a PBX writes them
        window = shuffled[start : start + 4]
        rng.shuffle(window)
        shuffled[start : start + 4] = window
    ordered = tmp_path / "ordered"
    ordered.write_text("\n".join(lines) + "\n")
    mixed = tmp_path / "mixed"
    mixed.write_text("\n".join(shuffled) + "\n")
    end = 1795530910
    a = snapshot(ingest_file(tmp_path / "a.db", ordered), end)
    b = snapshot(ingest_file(tmp_path / "b.db", mixed), end)
    for name in a.queues:
        assert a.queues[name].windows["today"] == b.queues[name].windows["today"]
    assert {n: (x.state, x.calls_today) for n, x in a.agents.items()} == {
        n: (x.state, x.calls_today) for n, x in b.agents.items()
    }


# ----------------------------------------------------------------- the real sample
def test_sample_reconciles_with_the_raw_events_at_every_minute(tmp_path, samples):
    feed = samples / "asterisk22_three_queues.queue_log"
    db = ingest_file(tmp_path / "s.db", feed)
    parsed = [line.split("|") for line in feed.read_text().splitlines()]
    first, last = int(parsed[0][0]), int(parsed[-1][0])
    with Store.open_readonly(db) as store:
        for at in range(first, last + 61, 60):
            floor = FloorReader(store, UTC, at=at).snapshot()
            for name, queue in floor.queues.items():
                entered = sum(
                    1 for p in parsed if p[4] == "ENTERQUEUE" and p[2] == name and int(p[0]) <= at
                )
                today = queue.windows["today"]
                ended = today.answered + today.abandoned + today.short_abandoned + today.left
                assert ended + queue.calls_waiting == entered, (name, at)


def test_at_an_instant_equals_a_store_that_only_saw_lines_up_to_it(tmp_path, samples):
    feed = samples / "asterisk22_three_queues.queue_log"
    at = 1795530500
    prefix = tmp_path / "prefix"
    prefix.write_text(
        "".join(
            line + "\n" for line in feed.read_text().splitlines() if int(line.split("|")[0]) <= at
        )
    )
    whole = snapshot(ingest_file(tmp_path / "whole.db", feed), at)
    part = snapshot(ingest_file(tmp_path / "part.db", prefix), at)
    assert whole.queues.keys() == part.queues.keys()
    for name in whole.queues:
        one, two = whole.queues[name].to_dict(at), part.queues[name].to_dict(at)
        assert one["windows"] == two["windows"] and one["agents"] == two["agents"]
        assert one["calls_waiting"] == two["calls_waiting"] == len(one["waiting"])
    strip = lambda d: {k: v for k, v in d.items() if k not in ("flags", "burnout")}  # noqa: E731
    assert {n: strip(a.to_dict(at)) for n, a in whole.agents.items()} == {
        n: strip(a.to_dict(at)) for n, a in part.agents.items()
    }


def test_settled_calls_summed_by_sql_equal_the_row_by_row_sums(tmp_path, samples, monkeypatch):
    db = ingest_file(tmp_path / "s.db", samples / "asterisk22_three_queues.queue_log")
    config = from_table(
        {
            "timezone": "UTC",
            "queues": {
                "vip": {"service_level": {"threshold_s": 15}},
                "returns": {"service_level": {"threshold_s": 30, "short_abandon_s": 40}},
            },
        }
    )
    at = 1795530910
    rows = snapshot(db, at, config)
    monkeypatch.setattr(FloorModel, "KEEP_S", 200)  # most of the run is now "settled"
    summed = snapshot(db, at, config)
    for name in rows.queues:
        assert rows.queues[name].windows["today"] == summed.queues[name].windows["today"]
    for name, agent in rows.agents.items():
        other = summed.agents[name]
        assert (
            agent.calls_today,
            agent.aht_today_s,
            agent.talk_today_s(at),
            agent.ring_no_answers_today,
        ) == (
            other.calls_today,
            other.aht_today_s,
            other.talk_today_s(at),
            other.ring_no_answers_today,
        )


def test_live_refresh_reads_only_what_changed(tmp_path):
    db = tmp_path / "live.db"
    writer = Store.open(db)
    parse = open_source("queue_log:/dev/null", follow=False).parse
    writer.write(
        [Batch("pbx", "queue_log", [parse(f"{NOW - 60}|l1|q|NONE|ENTERQUEUE||5|1", "pbx")])]
    )
    reader = FloorReader(Store.open_readonly(db), UTC, clock=lambda: NOW)
    assert reader.snapshot().queues["q"].calls_waiting == 1
    assert reader.refresh() is False  # nothing committed since
    writer.write([Batch("pbx", "queue_log", [parse(f"{NOW - 50}|l1|q|Ana|CONNECT|10|m|1", "pbx")])])
    assert reader.refresh() is True
    floor = reader.snapshot()
    assert floor.queues["q"].calls_waiting == 0 and floor.agents["Ana"].state == "on_call"
    assert reader.refresh() is False
    writer.close()


def test_a_live_reader_reusing_unchanged_agents_equals_a_fresh_read_at_every_step(tmp_path):
    """The live path keeps each agent's snapshot while nothing happens to them (and shares the
    object between snapshots); the floor it shows must still be exactly what a reader built
    from scratch at the same instant shows, through a whole simulated day fed in steps, with
    snapshots between commits too (time passing alone)."""
    from floorwatch.sources.queue_log import parse_line
    from floorwatch.sources.simulator import SimConfig, Simulator

    simulator = Simulator(SimConfig(agents=24, queues=3, seed=9, start=DAY + 12 * 3600))
    db = tmp_path / "live.db"
    writer = Store.open(db, UTC.derive_config())
    writer.write(
        [
            Batch(
                "sim",
                "queue_log",
                [parse_line(line, "sim") for line in simulator.lines(DAY + 7 * 3600)],
            )
        ]
    )
    now = DAY + 7 * 3600
    live = FloorReader(Store.open_readonly(db), UTC, clock=lambda: now)
    shared = 0
    previous = None
    step_end = now
    while step_end < DAY + 19 * 3600:
        step_end += 900
        events = [parse_line(line, "sim") for line in simulator.lines(step_end)]
        if events:
            writer.write([Batch("sim", "queue_log", events)])
        live.refresh()
        for now in (step_end, step_end + 600):  # at the commit, then time passing alone
            ours = live.snapshot(now, details=None)
            with Store.open_readonly(db) as store:
                fresh = FloorReader(store, UTC, clock=lambda: now).snapshot(now, details=None)
            mine, theirs = ours.to_dict(), fresh.to_dict()
            for side in (mine, theirs):  # the feed's age is the wall clock's, not the floor's
                side.pop("feeds")
            assert mine == theirs, now
            if previous is not None:
                shared += sum(
                    1 for name, agent in ours.agents.items() if previous.agents.get(name) is agent
                )
            previous = ours
    live.store.close()
    writer.close()
    assert shared > 100  # agents nothing happened to were the same objects


def test_an_agent_reused_across_a_full_reorder_still_changes_when_their_next_state_starts(
    make_store, tmp_path
):
    """Ana's pause is already in the store but starts later than the first snapshot (events
    ahead of the clock), so her row holds only until then. A new agent arriving in between
    makes the live reader order the floor again; Ana's row must still turn to paused once her
    pause has started."""
    db = make_store(
        [
            f"{NOW - 600}|MANAGER|orders|Ana|ADDMEMBER|",
            f"{NOW + 60}|NONE|orders|Ana|PAUSE|Lunch",
        ]
    )
    live = FloorReader(Store.open_readonly(db), UTC, clock=lambda: NOW)
    assert live.snapshot(NOW, details=None).agents["Ana"].state == "available"
    writer = Store.open(db, UTC.derive_config())
    writer.write(
        [
            Batch(
                "late",
                "queue_log",
                [
                    open_source("queue_log:-", follow=False).parse(
                        f"{NOW + 30}|MANAGER|orders|Ben|ADDMEMBER|", "late"
                    )
                ],
            )
        ]
    )
    writer.close()
    live.refresh()
    floor = live.snapshot(NOW + 30, details=None)
    assert floor.agents["Ana"].state == "available" and "Ben" in floor.agents
    assert live.snapshot(NOW + 90, details=None).agents["Ana"].state == "paused"
    live.store.close()
