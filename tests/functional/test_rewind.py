"""Rewind in place (issue 24): `[` `]` `t` `l` on the recorded sample day. The rewound floor on
every screen is the floor `floorwatch snapshot --at` prints for the same instant, live updates
go on underneath and are shown on return, and an instant after now is refused."""

from __future__ import annotations

from floorwatch.config import load
from floorwatch.modes.one_shot import read_floor
from floorwatch.screens.agent import AgentScreen
from floorwatch.screens.floor import FloorScreen
from floorwatch.screens.floor_map import FloorMapScreen
from floorwatch.screens.queue import QueueScreen
from floorwatch.screens.wallboard import WallboardScreen
from floorwatch.widgets.agent_board import AgentBoard
from floorwatch.widgets.agent_tiles import AgentTiles
from floorwatch.widgets.burnout_panel import BurnoutPanel
from floorwatch.widgets.floor_header import FloorHeader
from floorwatch.widgets.queue_board import QueueBoard
from floorwatch.widgets.wall_panel import WallPanel
from tests.helpers import EXAMPLE_CONFIG, SAMPLE_END, loaded, make_app, until

TEN_MINUTES_BACK = SAMPLE_END - 600


def floor_numbers(snapshot) -> dict:
    """What the boards show of a floor: every queue's figures and the totals, and each
    agent's state, reason, queue, time in state and calls."""
    data = snapshot.to_dict()
    for queue in data["queues"].values():
        queue.pop("pbx")
    agents = {
        name: (a.state, a.reason, a.queue, a.time_in_state_s(snapshot.at), a.calls_today)
        for name, a in snapshot.agents.items()
    }
    return {"at": data["at"], "queues": data["queues"], "totals": data["totals"], "agents": agents}


def notices(app) -> list[str]:
    return [notification.message for notification in app._notifications]


async def test_rewind_ten_minutes_shows_every_board_as_snapshot_at(sample_db):
    config = load(EXAMPLE_CONFIG)
    expected = read_floor(sample_db, config, at=TEN_MINUTES_BACK)
    assert expected.totals.windows["today"].offered > 0  # a floor with numbers to compare
    app = make_app(sample_db)
    async with app.run_test(size=(140, 40)) as pilot:
        await loaded(pilot)
        live_sl = app.update.snapshot.totals.windows["today"].service_level
        for _ in range(10):  # held: ten presses faster than the floor is read
            await pilot.press("left_square_bracket")
        assert app.rewound_at == TEN_MINUTES_BACK
        await until(pilot, lambda: app.update.snapshot.at == TEN_MINUTES_BACK, what="10 min back")
        await pilot.pause(0.1)
        shown = app.update.snapshot
        assert floor_numbers(shown) == floor_numbers(expected)
        assert expected.totals.windows["today"].service_level != live_sl  # it did move back
        # The floor screen: header, queue board, agent board, burnout panel.
        screen = app.screen
        assert isinstance(screen, FloorScreen)
        header = screen.query_one(FloorHeader)
        assert header._content.plain.startswith(" REWOUND 15:25:10 ")
        assert "-rewound" in header.classes and "-rewound" not in app.classes
        assert header.styles.background != screen.styles.background
        board = screen.query_one(QueueBoard)
        assert {key: row.windows for key, row in board.rows.items()} == {
            name: queue.windows for name, queue in expected.queues.items()
        }
        agents = screen.query_one(AgentBoard)
        assert {key: row.state for key, row in agents.rows.items()} == {
            name: agent.state for name, agent in expected.agents.items() if name in agents.rows
        }
        assert set(agents.rows) == set(expected.agents)
        assert len(screen.query_one(BurnoutPanel).rows) == sum(
            1 for agent in expected.agents.values() if agent.flags
        )
        # The wallboard, the map, a queue and an agent show the same past floor.
        await pilot.press("w")
        await until(pilot, lambda: isinstance(app.screen, WallboardScreen))
        await until(pilot, lambda: app.screen.query(WallPanel), what="the wall's panels")
        await pilot.pause(0.2)
        status = str(app.screen.query_one("#wall-status").render())
        assert status.startswith(" REWOUND 15:25:10 ")
        for panel in app.screen.query(WallPanel):
            for metric in panel.metrics:
                figure = metric.figure
                reading = (
                    figure.floor(expected, config)
                    if panel.queue is None
                    else figure.queue(expected.queues[panel.queue], config)
                )
                assert metric.value == reading[0]
        await pilot.press("w", "m")
        await until(pilot, lambda: isinstance(app.screen, FloorMapScreen))
        await pilot.pause(0.1)
        tiles = app.screen.query_one(AgentTiles)
        assert tiles._snapshot is shown
        assert str(app.screen.query_one("#map-status").render()).startswith(" REWOUND")
        await pilot.press("m")
        await until(pilot, lambda: isinstance(app.screen, FloorScreen))
        board.focus()
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        await pilot.pause(0.1)
        title = str(app.screen.query_one("#queue-title").render())
        queue = expected.queues[app.screen.queue]
        assert title.startswith("REWOUND 15:25:10")
        assert f"waiting {queue.calls_waiting} " in title
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, FloorScreen))
        agents.focus()
        name = agents.cursor_key
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, AgentScreen))
        await until(
            pilot,
            lambda: app.update.agent_day is not None and app.update.agent_day.agent == name,
            what="the agent's past day",
        )
        day = app.update.agent_day
        assert day.now == TEN_MINUTES_BACK
        assert all((call.answered_at or 0) <= TEN_MINUTES_BACK for call in day.calls)
        assert str(app.screen.query_one("#agent-title").render()).startswith(" REWOUND")
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, FloorScreen))


async def test_step_forward_return_to_live_and_no_step_past_now(sample_db, tmp_path):
    now = [SAMPLE_END]
    app = make_app(sample_db)
    app.live.clock = lambda: now[0]
    async with app.run_test(size=(140, 40)) as pilot:
        await loaded(pilot)
        await pilot.press("right_square_bracket")  # live already
        await pilot.pause(0.05)
        assert app.rewound_at is None
        assert any("nothing after now" in text for text in notices(app))
        await pilot.press("left_square_bracket", "left_square_bracket", "right_square_bracket")
        await until(pilot, lambda: app.update.snapshot.at == SAMPLE_END - 60)
        # Live updates go on underneath while rewound; the screen keeps the past floor.
        now[0] = SAMPLE_END + 30
        await until(pilot, lambda: app._latest.snapshot.at == SAMPLE_END + 30, what="live")
        assert app.update.snapshot.at == SAMPLE_END - 60
        # Forward by a minute would be past now (SAMPLE_END + 30): refused, said, not moved.
        await pilot.press("right_square_bracket")
        await pilot.press("right_square_bracket")
        await pilot.pause(0.05)
        assert app.rewound_at == SAMPLE_END
        await pilot.press("right_square_bracket")
        await pilot.pause(0.05)
        assert app.rewound_at == SAMPLE_END
        assert any("is after now" in text for text in notices(app))
        # `t` with a typed time, a bad one (asked again, with why), and a future one.
        await pilot.press("t")
        await pilot.press(*"10:99", "enter")
        await pilot.pause(0.1)
        assert "not a time" in str(app.screen.query_one("#rewind-error").render())
        await pilot.press(*"15:30", "enter")
        await until(pilot, lambda: app.update.snapshot.at == SAMPLE_END - 310)
        await pilot.press("t", *"-2m", "enter")
        await until(pilot, lambda: app.rewound_at == SAMPLE_END + 30 - 120)
        await pilot.press("t", *"23:59", "enter")
        await pilot.pause(0.05)
        assert app.rewound_at == SAMPLE_END + 30 - 120
        # Escape on the floor (or l) is live again, at the latest floor.
        await pilot.press("escape")
        await until(pilot, lambda: app.rewound_at is None)
        assert app.update.snapshot.at == SAMPLE_END + 30
        header = app.screen.query_one(FloorHeader)
        await pilot.pause(0.05)
        assert "REWOUND" not in header._content.plain
        assert "-rewound" not in header.classes


async def test_a_key_pressed_live_readies_the_first_step_back_and_idle_lets_it_go(sample_db):
    """Nobody at the keys (a wall screen): no second floor is kept. A key pressed live builds
    the floor a step back in a worker, so the first `[` steps from it instead of building the
    day; it shows what `snapshot --at` shows; with no key for a while, it is let go."""
    config = load(EXAMPLE_CONFIG)
    step = config.display.rewind_step_s
    app = make_app(sample_db)
    app.RELEASE_AFTER_S = 0.5
    built: list[float] = []
    build = app.lookback._past
    app.lookback._past = lambda store, at: built.append(at) or build(store, at)
    async with app.run_test(size=(140, 40)) as pilot:
        await loaded(pilot)
        await pilot.pause(0.3)
        assert built == [] and app.lookback._spare is None
        await pilot.press("down")
        await until(
            pilot, lambda: app.lookback.ready_for(SAMPLE_END - step, 0), what="the floor kept"
        )
        assert built == [SAMPLE_END - step]
        await pilot.press("left_square_bracket")
        await until(pilot, lambda: app.update.snapshot.at == SAMPLE_END - step, what="a step")
        assert built[0] == SAMPLE_END - step and SAMPLE_END - step not in built[1:]
        expected = read_floor(sample_db, config, at=SAMPLE_END - step)
        assert floor_numbers(app.update.snapshot) == floor_numbers(expected)
        await pilot.press("l")
        await until(
            pilot,
            lambda: app.lookback._spare is None and app.lookback._shown is None,
            what="the past floors let go",
        )
        assert app.rewound_at is None
