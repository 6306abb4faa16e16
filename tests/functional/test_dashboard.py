"""The dashboard driven through Textual's pilot: keys, screens, live updates from a separate
ingest process, and SVG snapshots of the floor, wallboard and agent screens at a fixed clock."""

from __future__ import annotations

import pytest

from floorwatch.app import FloorwatchApp
from floorwatch.config import load
from floorwatch.screens.agent import AgentScreen
from floorwatch.screens.floor import FloorScreen
from floorwatch.screens.help import HelpScreen
from floorwatch.screens.pickers import FilterScreen, SearchScreen
from floorwatch.screens.wallboard import WallboardScreen
from floorwatch.snapshot.live import LiveFloor
from floorwatch.widgets.agent_board import AgentBoard
from floorwatch.widgets.queue_board import QueueBoard
from tests.helpers import EXAMPLE_CONFIG as CONFIG
from tests.helpers import SAMPLE_END as END
from tests.helpers import loaded, make_app, until


def board_names(board) -> list[str]:
    return [str(key) for key in board.order]


async def test_floor_shows_queues_agents_and_moves_between_screens(sample_db):
    app = make_app(sample_db)
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        screen = app.screen
        assert isinstance(screen, FloorScreen)
        queues = screen.query_one(QueueBoard)
        assert board_names(queues) == ["orders", "returns", "vip"]
        agents = screen.query_one(AgentBoard)
        # Sorted by state: the six available first, Gus (Local/207, logged off) last.
        assert board_names(agents)[-1] == "Local/207@agents/n"
        assert len(agents.order) == 7
        # Enter opens the agent under the cursor; escape comes back with the cursor kept.
        await pilot.press("down", "down")
        chosen = agents.cursor_key
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, AgentScreen))
        assert app.screen.agent == chosen
        await until(
            pilot, lambda: app.update.agent_day is not None and app.update.agent_day.agent == chosen
        )
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, FloorScreen))
        assert agents.cursor_key == chosen and agents.has_focus
        # Wallboard and back.
        await pilot.press("w")
        await until(pilot, lambda: isinstance(app.screen, WallboardScreen))
        await pilot.pause(0.2)
        panels = {panel.queue for panel in app.screen.query("WallPanel")}
        assert panels and panels <= {None, "orders", "returns", "vip"}  # None: the floor total
        await pilot.press("w")
        await until(pilot, lambda: isinstance(app.screen, FloorScreen))
        # Help lists the keys of the floor screen.
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        keys = dict((description, key) for key, description in app.screen.rows)
        for description, key in (
            ("Sort", "s"),
            ("Filter", "f"),
            ("Search", "/"),
            ("Wallboard", "w"),
            ("Freeze", "space"),
            ("Burnout", "b"),
            ("Open", "⏎"),
            ("Quit", "q"),
        ):
            assert keys[description].split(", ")[0] == key
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, FloorScreen))


async def test_sort_filter_and_search(sample_db):
    app = make_app(sample_db)
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        agents = app.screen.query_one(AgentBoard)
        await pilot.press("s")  # state -> time in state
        assert agents.sort_column == "time"
        await pilot.press("s")  # -> queue
        await pilot.press("s")  # -> calls (most first)
        assert agents.sort_column == "calls"
        counts = [agents.rows[k].calls_today for k in agents.order]
        assert counts == sorted(counts, reverse=True) and counts[0] == 25  # Eve (Local/205)
        # Filter by queue: only vip's agents (Ana and Dev serve vip).
        await pilot.press("f")
        await until(pilot, lambda: isinstance(app.screen, FilterScreen))
        options = app.screen.query_one("#filter-options")
        index = next(
            i
            for i in range(options.option_count)
            if options.get_option_at_index(i).id == "queue:vip"
        )
        options.highlighted = index
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, FloorScreen))
        assert sorted(agents.order) == ["Ana", "Dev"]
        # Filter by state.
        app.screen.filter_agents(state="offline")
        assert agents.order == ["Local/207@agents/n"]
        app.screen.filter_agents()
        assert len(agents.order) == 7
        # Search by display name ("Gus" is Local/207's display name) and open.
        await pilot.press("slash")
        await until(pilot, lambda: isinstance(app.screen, SearchScreen))
        await pilot.press("g", "u", "s")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, AgentScreen))
        assert app.screen.agent == "Local/207@agents/n"
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, FloorScreen))
        assert agents.cursor_key == "Local/207@agents/n"


async def test_freeze_holds_the_screen_and_says_so(sample_db):
    clock = [END]
    config = load(CONFIG)
    app = FloorwatchApp(
        LiveFloor(sample_db, config, clock=lambda: clock[0], poll_s=0.02, tick_s=0.05), config
    )
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        await pilot.press("space")
        assert app.frozen
        header = str(app.screen.query_one("#floor-header").render())
        assert "FROZEN" in header
        held = app.update.snapshot.at
        clock[0] = END + 120
        await pilot.pause(0.3)
        assert app.update.snapshot.at == held  # nothing moves while frozen
        await pilot.press("space")
        assert not app.frozen
        await until(pilot, lambda: app.update.snapshot.at == END + 120)
        assert "FROZEN" not in str(app.screen.query_one("#floor-header").render())


# ----------------------------------------------------------------- snapshots (SVG)
SIZES = [(80, 24), (200, 60)]
#: The floor at a laptop's, a desktop's and a wall TV's size: stacked, then side by side.
FLOOR_SIZES = [(80, 24), (120, 40), (200, 60)]


@pytest.mark.parametrize("size", FLOOR_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_snapshot_floor(snap_compare, sample_db, size):
    async def ready(pilot):
        await loaded(pilot)

    assert snap_compare(make_app(sample_db), terminal_size=size, run_before=ready)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_snapshot_wallboard(snap_compare, sample_db, size):
    async def ready(pilot):
        await loaded(pilot)
        await pilot.pause(0.2)

    assert snap_compare(make_app(sample_db, wall=True), terminal_size=size, run_before=ready)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_snapshot_agent(snap_compare, sample_db, size):
    async def ready(pilot):
        await loaded(pilot)
        pilot.app.open_agent("Ana")
        await until(pilot, lambda: pilot.app.update.agent_day is not None)
        await pilot.pause(0.1)

    assert snap_compare(make_app(sample_db), terminal_size=size, run_before=ready)


async def test_a_board_moving_only_the_changed_rows_keeps_the_full_sort_order():
    """LiveTable moves just the rows whose objects changed when few did; after many such
    updates (sorted both ways, with a filter) the order must be exactly a full sort's."""
    import random
    from dataclasses import dataclass

    from textual.app import App

    from floorwatch.widgets.live_table import Column, LiveTable

    @dataclass(frozen=True)
    class Item:
        name: str
        value: int

    columns = [
        Column("name", "name", 8, lambda r, now: (r.name, None)),
        Column("value", "value", 6, lambda r, now: (str(r.value), None), sort=lambda r: r.value),
    ]

    class Host(App):
        def compose(self):
            yield LiveTable(columns)

    rng = random.Random(3)
    rows = {f"a{n:04d}": Item(f"a{n:04d}", rng.randrange(50)) for n in range(1000)}
    async with Host().run_test(size=(40, 20)) as pilot:
        table = pilot.app.query_one(LiveTable)
        table.set_sort("value")
        table.update_rows(rows, 0)
        table.move_to("a0500")
        for step in range(60):
            if step == 20:
                table.set_sort("value", reverse=True)
            if step == 40:
                table.set_filter(lambda r: r.value % 3 != 0)
            rows = dict(rows)
            for key in rng.sample(sorted(rows), 25):
                rows[key] = Item(key, rng.randrange(50))
            table.update_rows(rows, step)
            shown = [k for k in rows if table.filter is None or table.filter(rows[k])]
            expected = sorted(shown, key=lambda k: (rows[k].value, k), reverse=table.sort_reverse)
            assert table.order == expected, step
            if "a0500" in table.order:
                assert table.cursor_key == "a0500"  # the cursor follows its row
        await pilot.pause()
