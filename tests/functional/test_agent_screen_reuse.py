"""One agent screen serves every agent: opened again for another agent it shows that agent,
never what the last one showed, and a closed agent screen draws nothing."""

from __future__ import annotations

from dataclasses import replace

from floorwatch.screens.agent import AgentScreen
from floorwatch.screens.floor import FloorScreen
from floorwatch.widgets.agent_board import AgentBoard
from floorwatch.widgets.live_table import LiveTable
from tests.helpers import loaded, make_app, until


async def test_the_agent_screen_is_kept_and_shows_the_agent_opened(sample_db):
    app = make_app(sample_db)
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        board = app.screen.query_one(AgentBoard)
        opened: list[tuple[AgentScreen, str, set]] = []
        for _ in range(2):
            name = board.cursor_key
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, AgentScreen))
            screen = app.screen
            await until(pilot, lambda: screen._shown is not None and screen._shown.agent_day)
            day = screen._shown.agent_day
            assert screen.agent == name and day.agent == name
            calls = screen.query_one("#agent-calls", LiveTable)
            assert set(calls.rows) == {c.id for c in day.calls}
            opened.append((screen, name, set(calls.rows)))
            await pilot.press("escape")
            await until(pilot, lambda: isinstance(app.screen, FloorScreen))
            # Closed, it is kept but draws no update.
            drawn = screen._shown
            screen.show_update(replace(app.update))  # the next update, as the app would give it
            assert screen._shown is drawn
            await pilot.press("down", "down")
        (first, first_name, _), (second, second_name, _) = opened
        assert first is second, "a new agent screen was built for the second agent"
        assert first_name != second_name
