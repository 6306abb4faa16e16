"""The manager's figures on the dashboard: FCR and CSAT on the queue and agent boards and the
agent screen, adherence in the agent board and "1 absent" in the header."""

from __future__ import annotations

from floorwatch.config import load
from floorwatch.format import percent
from floorwatch.screens.agent import AgentScreen
from floorwatch.snapshot.quality_reader import load_day_quality
from floorwatch.sources.schedule_csv import PlannedActivity
from floorwatch.store.reading import ReadOnlyStore
from floorwatch.store.schedules import replace_schedule
from floorwatch.widgets.agent_board import AgentBoard
from floorwatch.widgets.queue_board import QueueBoard
from tests.helpers import EXAMPLE_CONFIG, ingest_file, loaded, make_app, until, write_lines
from tests.unit.test_fcr_csat import T0, at, day_lines


def cell(board, key: str, column: str) -> str:
    found = next(c for c in board.columns if c.key == column)
    return found.cell(board.rows[key], board.now if hasattr(board, "now") else 0)[0]


async def test_boards_show_fcr_csat_and_adherence(tmp_path):
    config = load(EXAMPLE_CONFIG)
    db = ingest_file(tmp_path / "s.db", write_lines(tmp_path / "q.log", day_lines()), config)
    # Agent/4 is planned on the phones from 08:00 UTC and never logs in; Agent/1 is planned
    # for training at 16:30 but takes calls.
    replace_schedule(
        db,
        [
            PlannedActivity("Agent/4", "2026-11-24", at(8), at(17), "phones"),
            PlannedActivity("Agent/1", "2026-11-24", at(16, 30), at(17), "training"),
        ],
    )
    now = at(16, 40)
    with ReadOnlyStore.open_readonly(db) as store:
        expected = load_day_quality(store, config, T0 - 3600, now, now)  # Berlin's midnight
    app = make_app(db, clock=now)
    async with app.run_test(size=(200, 50)) as pilot:
        await loaded(pilot)
        queues = app.screen.query_one(QueueBoard)
        support = expected.queue("support")
        assert cell(queues, "support", "fcr") == percent(support.fcr.rate)
        assert cell(queues, "support", "csat").startswith(percent(support.csat.csat))
        agents = app.screen.query_one(AgentBoard)
        assert cell(agents, "Agent/1", "fcr") == percent(expected.agent("Agent/1").fcr.rate)
        assert cell(agents, "Agent/1", "adherence") == "▲ off-act"
        assert "Agent/4" not in agents.rows  # never logged in: only the header counts them
        header = str(app.screen.query_one("#floor-header").render())
        assert "1 absent" in header and "1 off activity" in header
        # The agent screen lists FCR and CSAT against the floor's.
        agents.focus()
        while agents.cursor_key != "Agent/1":
            await pilot.press("down")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, AgentScreen))
        await until(pilot, lambda: "FCR" in str(app.screen.query_one("#agent-numbers").render()))
        numbers = str(app.screen.query_one("#agent-numbers").render())
        assert percent(expected.floor.fcr.rate) in numbers and "CSAT" in numbers
