"""Enter on a queue: its callers waiting (position, number, wait ticking) above its agents,
numbers masked where a room or a browser sees them."""

from __future__ import annotations

import time

from textual.widgets import Static

from floorwatch.app import FloorwatchApp
from floorwatch.config import Config, from_table
from floorwatch.format import mask_caller
from floorwatch.screens.floor import FloorScreen
from floorwatch.screens.queue import QueueScreen
from floorwatch.snapshot.live import LiveFloor
from floorwatch.widgets.agent_board import AgentBoard
from floorwatch.widgets.queue_board import QueueBoard
from floorwatch.widgets.waiting_callers import WaitingCallers
from tests.helpers import PBX_WINDOWS, SAMPLE_END, THREE_QUEUES, ingest_file, queue_show

NOW = 1795530000


def floor_lines() -> list[str]:
    lines = [
        f"{NOW - 900}|MANAGER|sales|Ana|ADDMEMBER|",
        f"{NOW - 900}|MANAGER|sales|Ben|ADDMEMBER|",
        f"{NOW - 900}|MANAGER|billing|Cleo|ADDMEMBER|",
        f"{NOW - 800}|NONE|sales|Ben|PAUSE|Lunch",
    ]
    # Three callers waiting in sales (none answered), one in billing.
    for call, (ago, number, position) in enumerate(
        [(100, "5551230001", 1), (50, "5551230002", 2), (10, "5551230003", 3)]
    ):
        lines.append(f"{NOW - ago}|c{call}|sales|NONE|ENTERQUEUE||{number}|{position}")
    # The billing caller's line carries a name (a fourth field, as the parser takes it).
    lines.append(f"{NOW - 30}|c9|billing|NONE|ENTERQUEUE||5559990000|1|Mrs Okafor")
    return lines


async def until(pilot, condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the dashboard did not get there in time")
        await pilot.pause(0.02)


def cells(table, column: str) -> list[str]:
    index = next(i for i, c in enumerate(table.columns) if c.key == column)
    return [table.columns[index].cell(table.rows[key], table.now)[0] for key in table.order]


async def open_sales(make_store, config: Config):
    db = make_store(floor_lines(), config)
    now = [float(NOW)]
    app = FloorwatchApp(
        LiveFloor(db, config, clock=lambda: now[0], poll_s=0.02, tick_s=0.05), config
    )
    return app, now


def test_a_masked_number_keeps_its_last_digits():
    assert mask_caller("5551230001") == "*******001"
    assert mask_caller("5551230001", 4) == "******0001"
    assert mask_caller("12", 3) == "12" and mask_caller(None) == "-"
    callers = Config().callers
    assert callers.masked(wallboard=True) and callers.masked(browser=True)
    assert not callers.masked()  # a personal viewer: in full


async def test_enter_on_a_queue_shows_its_callers_waiting_with_ticking_waits(make_store):
    config = Config(timezone="UTC")
    app, now = await open_sales(make_store, config)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.update is not None)
        queues = app.screen.query_one(QueueBoard)
        assert queues.move_to("sales")
        queues.focus()
        await pilot.press("enter")
        await until(
            pilot, lambda: isinstance(app.screen, QueueScreen) and app.screen.query(WaitingCallers)
        )
        screen = app.screen
        waiting = screen.query_one(WaitingCallers)
        await until(pilot, lambda: len(waiting.order) == 3)
        assert cells(waiting, "position") == ["1", "2", "3"]
        assert cells(waiting, "caller") == ["5551230001", "5551230002", "5551230003"]
        assert cells(waiting, "wait") == ["1m40s", "50s", "10s"]
        # The clock runs on: the waits tick with it.
        now[0] += 25
        await until(pilot, lambda: cells(waiting, "wait") == ["2m05s", "1m15s", "35s"])
        assert "waiting 3" in str(screen.query_one("#queue-title").render())
        # Its agents below: the two of sales, not Cleo of billing.
        agents = screen.query_one(AgentBoard)
        assert sorted(agents.order) == ["Ana", "Ben"] and agents.has_focus
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, FloorScreen))


async def test_caller_numbers_are_masked_where_the_config_says(make_store):
    config = from_table(
        {"timezone": "UTC", "callers": {"masked_in_terminal": True, "visible_digits": 2}}
    )
    app, now = await open_sales(make_store, config)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.update is not None)
        app.push_screen(QueueScreen("billing"))
        await until(
            pilot, lambda: isinstance(app.screen, QueueScreen) and app.screen.query(WaitingCallers)
        )
        waiting = app.screen.query_one(WaitingCallers)
        await until(pilot, lambda: len(waiting.order) == 1)
        assert waiting.masked and cells(waiting, "caller") == ["********00"]
        assert cells(waiting, "name") == [""]  # a name is as personal as a number


async def test_a_personal_viewer_shows_the_callers_name(make_store):
    app, now = await open_sales(make_store, from_table({"timezone": "UTC"}))
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.update is not None)
        app.push_screen(QueueScreen("billing"))
        await until(
            pilot, lambda: isinstance(app.screen, QueueScreen) and app.screen.query(WaitingCallers)
        )
        waiting = app.screen.query_one(WaitingCallers)
        await until(pilot, lambda: len(waiting.order) == 1)
        assert not waiting.masked
        assert cells(waiting, "caller") == ["5559990000"]
        assert cells(waiting, "name") == ["Mrs Okafor"]


async def test_the_queue_board_is_worst_first_and_sorts_with_the_agent_boards_keys(make_store):
    """sales has three callers waiting, the oldest 1m40s (critical from 90 s); billing one for
    30 s; support none: worst first is sales, billing, support. `s` then sorts on the next
    column (the queue's name), `S` reverses, as on the agent board."""
    config = Config(timezone="UTC")
    lines = floor_lines() + [f"{NOW - 900}|MANAGER|support|Dev|ADDMEMBER|"]
    db = make_store(lines, config)
    app = FloorwatchApp(LiveFloor(db, config, clock=lambda: float(NOW), poll_s=0.02), config)
    async with app.run_test(size=(120, 30)) as pilot:
        await until(pilot, lambda: app.update is not None)
        queues = app.screen.query_one(QueueBoard)
        await until(pilot, lambda: len(queues.order) == 3)
        assert queues.order == ["sales", "billing", "support"]
        assert cells(queues, "severity")[:2] == ["✖", "▲"]  # 1m40s: critical; 30 s: warning
        assert "queues: worst first" in app.screen.sub_title
        queues.focus()
        await pilot.press("s")
        assert queues.sort_column == "queue" and queues.order == ["billing", "sales", "support"]
        await pilot.press("S")
        assert queues.order == ["support", "sales", "billing"]
        assert queues.sort_columns() == [c.key for c in queues.columns if c.sort is not None]


async def test_the_queue_drill_down_shows_asterisks_own_counters(tmp_path):
    """Enter on a queue: beside floorwatch's numbers, `queue show`'s C, A, SL and SL2, equal to
    what the real Asterisk printed at the end of the shared run."""
    config = from_table(
        {
            "timezone": "UTC",
            "queues": {q: {"service_level": {"threshold_s": t}} for q, t in PBX_WINDOWS.items()},
        }
    )
    db = ingest_file(tmp_path / "floor.db", THREE_QUEUES, config)
    app = FloorwatchApp(LiveFloor(db, config, clock=lambda: SAMPLE_END, poll_s=0.02), config)
    shown = queue_show()["orders"]
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.update is not None)
        app.push_screen(QueueScreen("orders"))
        await until(
            pilot, lambda: isinstance(app.screen, QueueScreen) and app.screen.query("#queue-pbx")
        )
        line = app.screen.query_one("#queue-pbx", Static)
        expected = (
            f"queue show (today): C {shown['C']}  A {shown['A']}  SL {shown['SL']}%  "
            f"SL2 {shown['SL2']}%  within 20s"
        )
        try:
            await until(pilot, lambda: str(line.render()) == expected)
        except AssertionError:
            raise AssertionError(f"{line.render()!s} != {expected}") from None
        assert app.live._queue_focus == "orders"
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, QueueScreen))
        assert app.live._queue_focus is None  # the floor no longer reads the counters
