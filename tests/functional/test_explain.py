"""Explain a number (issue 24): `e` on the queue board or the header takes a number apart, and
its numerator and denominator are the calls it lists, which are the board's own figures."""

from __future__ import annotations

import pytest

from floorwatch.config import load
from floorwatch.modes.one_shot import read_floor
from floorwatch.screens.agent import AgentScreen
from floorwatch.screens.explain import ExplainScreen
from floorwatch.screens.floor import FloorScreen
from floorwatch.snapshot.explain import IN_BOTH, IN_DENOMINATOR, explain
from floorwatch.snapshot.lookback import Lookback
from floorwatch.widgets.live_table import LiveTable
from floorwatch.widgets.queue_board import QueueBoard
from tests.helpers import EXAMPLE_CONFIG, SAMPLE_END, loaded, make_app, until

COUNTED_RATIOS = ("service_level", "abandon_rate")


@pytest.mark.parametrize("at", [SAMPLE_END, SAMPLE_END - 400])
def test_numerator_and_denominator_are_the_counted_calls(sample_db, at):
    """Every queue and the floor, every window: the number from the listed calls is the
    number on the board (live and rewound), and its parts are the calls counted as such."""
    config = load(EXAMPLE_CONFIG)
    floor = read_floor(sample_db, config, at=at)
    lookback = Lookback(sample_db, config)
    calls = lookback.calls_counted(floor.day_start - 3600, at)
    lookback.close()
    assert calls and all(call.wait_end_at <= at for call in calls)
    checked = 0
    for queue in [None, *floor.queues]:
        for window in ("today", "15m", "30m", "60m"):
            for metric in ("service_level", "abandon_rate", "asa", "aht"):
                told = explain(metric, window, queue, floor, calls, config)
                assert told.value == pytest.approx(told.shown), (queue, window, metric)
                both = told.counted(IN_BOTH)
                if metric in COUNTED_RATIOS:
                    assert told.numerator == both
                    assert told.denominator == both + told.counted(IN_DENOMINATOR)
                else:
                    assert told.denominator == both
                    counted = [c.call for c in told.calls if c.role == IN_BOTH]
                    parts = [
                        c.wait_s if metric == "asa" else c.talk_s + (c.wrapup_s or 0)
                        for c in counted
                    ]
                    assert told.numerator == pytest.approx(sum(parts))
                stats = (
                    floor.totals.windows[window]
                    if queue is None
                    else floor.queues[queue].windows[window]
                )
                if metric == "service_level":
                    assert told.numerator == stats.answered_within
                if metric == "abandon_rate":
                    assert told.numerator == stats.abandoned
                checked += told.value is not None
    assert checked > 20


async def test_e_explains_the_queue_and_the_header_and_enter_opens_the_agent(sample_db):
    config = load(EXAMPLE_CONFIG)
    floor = read_floor(sample_db, config, at=SAMPLE_END)
    app = make_app(sample_db)
    async with app.run_test(size=(140, 40)) as pilot:
        await loaded(pilot)
        board = app.screen.query_one(QueueBoard)
        board.focus()
        queue = str(board.cursor_key)
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, ExplainScreen))
        screen = app.screen
        await until(pilot, lambda: screen.explanation is not None, what="the explanation")
        told = screen.explanation
        stats = floor.queues[queue].windows["today"]
        assert told.metric == "service_level"
        assert told.scope == config.queue_name(queue)
        body = str(screen.query_one("#explain-body").render())
        threshold = floor.queues[queue].threshold_s
        assert f"answered within {threshold:g} s: {stats.answered_within}\n" in body
        denominator = stats.answered + stats.abandoned + stats.left
        assert f"(short abandons in neither): {denominator}\n" in body
        table = screen.query_one(LiveTable)
        assert len(table.rows) == stats.offered
        # right: the next number (abandon rate) of the same calls.
        await pilot.press("right")
        assert screen.explanation.metric == "abandon_rate"
        assert screen.explanation.numerator == stats.abandoned
        # Enter on an answered call opens its agent.
        answered = [key for key, row in table.rows.items() if row.call.agent]
        table.move_to(answered[0])
        agent = table.rows[answered[0]].call.agent
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, AgentScreen))
        assert app.screen.agent == agent
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, ExplainScreen))
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, FloorScreen))
        # e outside the queue board: the header's number, the whole floor.
        app.screen.query_one("#agents").focus()
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, ExplainScreen))
        await until(pilot, lambda: app.screen.explanation is not None)
        told = app.screen.explanation
        assert told.scope == "the whole floor"
        assert told.numerator == floor.totals.windows["today"].answered_within
        assert len(told.calls) == floor.totals.windows["today"].offered
