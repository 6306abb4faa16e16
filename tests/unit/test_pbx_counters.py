"""Asterisk's own counters from the calls, against what the real Asterisk 22 printed at the end of
the same run (`queue show`), each queue with its own service-level window."""

from __future__ import annotations

import re

import pytest

from floorwatch.config import Config, QueueConfig
from floorwatch.modes.one_shot import read_floor
from floorwatch.snapshot.pbx_counters import pbx_counters
from floorwatch.snapshot.reader import load_pbx_counters
from floorwatch.store.database import Store
from floorwatch.store.rows import CallRow, MembershipRow
from tests.helpers import PBX_WINDOWS, SAMPLES, THREE_QUEUES, ingest_file, queue_show

QUEUE_LOG = THREE_QUEUES
WINDOWS = PBX_WINDOWS

pytestmark = pytest.mark.skipif(not QUEUE_LOG.exists(), reason=f"no shared samples at {SAMPLES}")


@pytest.fixture(scope="module")
def floor(tmp_path_factory):
    config = Config(
        timezone="UTC",
        queues={
            queue: QueueConfig(service_level={"threshold_s": float(t)})
            for queue, t in WINDOWS.items()
        },
    )
    db = ingest_file(tmp_path_factory.mktemp("pbx") / "f.db", QUEUE_LOG, config)
    last = int(QUEUE_LOG.read_text().splitlines()[-1].split("|")[0])
    return read_floor(db, config, at=last)


def test_the_windows_configured_are_the_pbxs():
    assert {name: q["window"] for name, q in queue_show().items()} == WINDOWS


@pytest.mark.parametrize("queue", sorted(WINDOWS))
def test_c_a_sl_and_sl2_equal_queue_show(floor, queue):
    shown = queue_show()[queue]
    pbx = floor.queues[queue].pbx
    assert (pbx.completed, pbx.abandoned) == (shown["C"], shown["A"])
    assert f"{100 * pbx.service_level:.1f}" == shown["SL"]
    assert f"{100 * pbx.service_level2:.1f}" == shown["SL2"]
    assert pbx.offered == shown["C"] + shown["A"]
    assert pbx.threshold_s == WINDOWS[queue]


@pytest.mark.parametrize("queue", sorted(WINDOWS))
def test_has_taken_n_calls_equals_queue_show(floor, queue):
    """Local/206 was removed mid-call and added again: it has taken 4 since, as Asterisk says."""
    assert floor.queues[queue].pbx.calls_taken == queue_show()[queue]["taken"]


def test_the_log_stays_the_truth_beside_the_pbx(floor):
    """floorwatch's own count keeps the call whose member was removed mid-call (64, C 63)."""
    orders = floor.queues["orders"]
    assert orders.windows["today"].answered == 64
    assert orders.pbx.completed == 63
    as_json = floor.to_dict()["queues"]["orders"]["pbx"]
    assert (as_json["completed"], as_json["abandoned"], as_json["offered"]) == (63, 28, 91)
    assert round(as_json["service_level2"], 3) == 0.187


def call(id_, outcome, wait, agent=None, ended=None, queue="q") -> CallRow:
    return CallRow(
        id_,
        f"c{id_}",
        queue,
        None,
        0.0,
        "done",
        outcome,
        wait,
        wait,
        wait if agent else None,
        agent,
        ended,
        10.0 if ended else None,
        None,
        None,
        0,
        0,
        None,
    )


def test_hand_made_rules():
    """Key presses are in neither C nor A; wait <= T is within; a removed member's call is
    in C only without shared_lastcall; a call still talking is not in C yet."""
    calls = [
        call(1, "answered", 20, "a", 100),
        call(2, "answered", 21, "a", 100),
        call(3, "abandoned", 20),
        call(4, "timeout", 40),
        call(5, "key", 3),
        call(6, "empty", 1),
        call(7, "withdraw", 2),
        call(8, "answered", 5, "b", 300),
        call(9, "answered", 5, "a", None),
    ]
    members = [MembershipRow(1, "a", "q", 0, None, 0), MembershipRow(2, "b", "q", 0, 200, 0)]
    shared = pbx_counters(calls, members, {"q": 20}, now=400)["q"]
    assert (shared.completed, shared.completed_in_sl, shared.abandoned, shared.abandoned_in_sl) == (
        2,
        1,
        4,
        3,
    )
    assert shared.calls_taken == {"a": 2}
    assert shared.service_level2 == (1 + 3) / 6
    alone = pbx_counters(calls, members, {"q": 20}, now=400, shared_lastcall=False)["q"]
    assert alone.completed == 3


@pytest.mark.parametrize("width", [80, 100, 160])
def test_the_text_snapshot_fits_the_width_and_names_the_flags(floor, width):
    """No line longer than the terminal, at 80 columns too; every flag with agent, severity,
    rule and evidence."""
    import io
    from dataclasses import replace

    from rich.console import Console

    from floorwatch.reports.snapshot_text import render
    from floorwatch.snapshot.burnout import Flag

    first = next(iter(floor.agents.values()))
    agent = replace(
        first,
        flags=[
            Flag(
                first.name,
                "no_break",
                "warning",
                floor.at - 3600,
                floor.at - 60,
                "3h 10m on the floor without a break of 15 min or more (last one ended 11:02)",
                {},
            )
        ],
    )
    floor = replace(floor, agents={**floor.agents, first.name: agent})
    out = io.StringIO()
    console = Console(file=out, width=width, soft_wrap=False, markup=False, emoji=False)
    console.print(render(floor, None, width))
    lines = out.getvalue().splitlines()
    assert max(len(line) for line in lines) <= width
    text = out.getvalue()
    assert "burnout flags" in text and "No break" in text and "warning" in text
    assert agent.display_name in text
    assert "without a break" in text.replace("\n", " ").replace("│", " ")
    for queue in floor.queues.values():
        assert any(re.match(rf"\W+{queue.display_name} ", line) for line in lines), queue.name


def test_a_member_removed_mid_call_stays_on_it_until_it_ends_then_offline(tmp_path):
    """queue_log: Local/206 answers 1795530416.307 at 511, is removed from orders (its only
    queue) at 516, the call completes at 528 (talk 17 s)."""
    config = Config(timezone="UTC")
    db = ingest_file(tmp_path / "f.db", QUEUE_LOG, config)
    agent = "Local/206@agents/n"
    during = read_floor(db, config, at=1795530520).agents[agent]
    assert during.state == "on_call"
    assert during.call.call_id == "1795530416.307"
    assert during.call.talk_s(1795530520) == 9
    after = read_floor(db, config, at=1795530530).agents[agent]
    assert after.state == "offline"


@pytest.mark.parametrize("queue", sorted(WINDOWS))
def test_one_queues_counters_read_alone_equal_the_whole_floors(tmp_path, queue):
    """The queue drill-down reads one queue's calls and its members' (for "has taken"): the
    same counters as reading every call."""
    config = Config(
        timezone="UTC",
        queues={
            q: QueueConfig(service_level={"threshold_s": float(t)}) for q, t in WINDOWS.items()
        },
    )
    db = ingest_file(tmp_path / "f.db", QUEUE_LOG, config)
    last = int(QUEUE_LOG.read_text().splitlines()[-1].split("|")[0])
    day_start = last - last % 86400
    with Store.open_readonly(db) as store:
        whole = load_pbx_counters(store, config, day_start, last)[queue]
        alone = load_pbx_counters(store, config, day_start, last, queue)[queue]
    assert alone == whole
    assert (alone.completed, alone.abandoned) == (
        queue_show()[queue]["C"],
        queue_show()[queue]["A"],
    )
