"""The floor uses the width it has: columns sized to their content (with maximums), boards side
by side from 160 columns, and nothing essential cut at 80x24 (what does not fit is left to the
drill-down, never painted off the edge)."""

from __future__ import annotations

import pytest

from floorwatch.widgets.agent_board import AgentBoard
from floorwatch.widgets.burnout_panel import BurnoutPanel
from floorwatch.widgets.columns import Column, ColumnLayout
from floorwatch.widgets.queue_board import QueueBoard
from tests.helpers import loaded, make_app

ESSENTIAL = {
    QueueBoard: {"queue", "waiting", "longest", "sl_today", "available"},
    AgentBoard: {"agent", "state", "time", "burnout"},
    BurnoutPanel: {"level", "agent", "reason"},
}


def test_content_sized_columns_take_their_widest_cell_within_limits():
    columns = [
        Column("name", "name", 6, lambda r, now: (r, None), content=True, max_width=12),
        Column("n", "n", 4, lambda r, now: ("1", None), "right"),
        Column("why", "why", 10, lambda r, now: (r * 4, None), content=True, flex=True),
    ]
    layout = ColumnLayout(columns)
    assert layout.measure(["Ana", "Bartholomew"], 0.0)
    assert layout.natural(columns[0]) == 11 and layout.natural(columns[2]) == 44
    assert layout.widths(100) == [11, 4, 83]  # spare to the flexible column
    assert layout.widths(40) == [11, 4, 23]  # the widest content column gives back first
    assert layout.widths(20) == [6, 4, 10]  # every content column down to its minimum
    assert not layout.measure(["Ana", "Bartholomew"], 0.0)  # same widths: no new layout
    assert layout.measure(["Bartholomew-Smith-Jones"], 0.0, grow_only=True)
    assert layout.natural(columns[0]) == 12  # its maximum


@pytest.mark.parametrize(
    "size", [(80, 24), (120, 40), (160, 45), (200, 60), (320, 90)], ids=lambda s: f"{s[0]}x{s[1]}"
)
async def test_every_board_fits_its_width_and_shows_what_is_essential(sample_db, size):
    app = make_app(sample_db)
    async with app.run_test(size=size) as pilot:
        await loaded(pilot)
        await pilot.pause(0.1)
        screen = app.screen
        for kind, essential in ESSENTIAL.items():
            board = screen.query_one(kind)
            width = board._width()
            shown = {column.key for column in board.shown(width)}
            assert essential <= shown, (kind.__name__, essential - shown)
            assert board._total_width(width) <= width, kind.__name__  # nothing off the edge
            assert board.region.right <= size[0]
        queues, agents, burnout = (
            screen.query_one(k) for k in (QueueBoard, AgentBoard, BurnoutPanel)
        )
        if size[0] >= 160:  # side by side: the agents beside the queues, top to bottom
            assert agents.region.y == queues.region.y
            assert agents.region.x >= queues.region.right
            assert agents.region.bottom == burnout.region.bottom
            # The agent board is as wide as its columns, not stretched over the screen.
            assert agents.region.width <= agents.column_layout.natural_width() + 2
            # The burnout reasons get the room they need (the sample's fit whole).
            reason = burnout.column_layout.natural(burnout.columns[-1])
            assert burnout._widths(burnout._width())[-1] >= reason
        else:
            assert agents.region.y > queues.region.y
        # Every queue row of the sample is on screen (the board grows with its rows).
        assert len(queues.visible_keys()) == len(queues.order) == 3
