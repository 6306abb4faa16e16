"""The wall screens (issue 19): the wallboard's big digits that grow with the screen, the
floor map, and screens that survive any snapshot, any size and any order of keys."""

from __future__ import annotations

import dataclasses
import math
import threading
import time
from pathlib import Path

import pytest

from floorwatch.app import FloorwatchApp
from floorwatch.config import Config, ConfigError, from_table, load
from floorwatch.glyphs import ASCII, UNICODE, Glyphs, locale_is_utf8
from floorwatch.screens.agent import AgentScreen
from floorwatch.screens.floor import FloorScreen
from floorwatch.screens.floor_map import FloorMapScreen
from floorwatch.screens.wallboard import WallboardScreen
from floorwatch.snapshot.live import FloorUpdate, LiveFloor
from floorwatch.widgets import big_font
from floorwatch.widgets.agent_board import AgentBoard
from floorwatch.widgets.agent_tiles import AgentTiles
from floorwatch.widgets.tile_layout import TILE_SIZES, choose_size
from floorwatch.widgets.wall_layout import paged
from floorwatch.widgets.wall_panel import WallPanel
from tests.e2e.test_viewer_faults import FollowedFeed
from tests.helpers import ROOT, ingest_file

CONFIG = ROOT / "data" / "floorwatch.toml"
END = 1795530910.0  # ten seconds after the sample's last line
SIZES = [(80, 24), (120, 40), (200, 60), (320, 90)]


@pytest.fixture
def sample_db(tmp_path, samples) -> Path:
    return ingest_file(
        tmp_path / "floor.db", samples / "asterisk22_three_queues.queue_log", load(CONFIG)
    )


def make_app(db: Path, config: Config | None = None, **options) -> FloorwatchApp:
    config = config or load(CONFIG)
    return FloorwatchApp(
        LiveFloor(db, config, clock=lambda: END, poll_s=0.02), config, glyphs=UNICODE, **options
    )


async def until(pilot, condition, timeout: float = 10.0, what: str = "the screen") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not get there in time")
        await pilot.pause(0.02)


async def laid_out(pilot) -> None:
    screen = pilot.app.screen
    await until(pilot, lambda: pilot.app.update is not None, what="the floor")
    await pilot.pause(0.1)
    if isinstance(screen, WallboardScreen):
        await until(pilot, lambda: not screen._laying_out and screen.shown, what="the wall")
    await pilot.pause(0.2)


# ----------------------------------------------------------------- the font and the layout
def test_one_font_gives_every_height_and_ascii():
    """Scale k: 3k columns a digit and ceil(5k/2) rows; ASCII: '#' and 5 rows a pixel row."""
    for scale in range(1, 12):
        lines = big_font.render("8", scale)
        assert len(lines) == big_font.rows(scale) == math.ceil(5 * scale / 2)
        assert {len(line) for line in lines} == {3 * scale}
        taller = big_font.render("8", scale, tall=2 * scale)
        assert len(taller) == big_font.rows(scale, tall=2 * scale) == 5 * scale
        assert {len(line) for line in taller} == {3 * scale}
    assert big_font.width("12:34", 2) == (3 * 4 + 1 + 4) * 2
    ascii_lines = big_font.render("10", 2, ascii_only=True)
    assert len(ascii_lines) == 5 and set("".join(ascii_lines)) <= {"#", " "}
    assert ascii_lines[0] == "####    ######"
    assert big_font.render("7", 0) == ("7",)


def test_the_layout_gives_one_queue_the_screen_and_pages_twelve_at_80x24():
    templates = ["88", "8:88", "100%"]
    one = [
        big_font.rows(layout.scale, False, layout.tall)
        for layout in (paged(1, 3, templates, w, h) for w, h in SIZES)
    ]
    assert one == sorted(one) and one[0] >= 5 and one[2] >= 3 * one[0]
    twelve = paged(13, 3, templates, 320, 90)
    assert twelve.panels == 13 and twelve.scale >= 1  # twelve queues and the total share it
    small = paged(13, 3, templates, 80, 24)
    assert 1 <= small.panels < 13 and small.scale >= 1  # the rest on pages


def test_tiles_fit_10_to_500_agents_on_a_tv():
    for count in (10, 50, 200, 500):
        groups = [count // 4] * 3 + [count - 3 * (count // 4)]
        for width, height in ((200, 58), (320, 88)):
            size = choose_size(groups, width, height)
            across = (width + 1) // (size.width + 1)
            rows = sum(1 + math.ceil(n / across) * size.height for n in groups)
            assert rows <= height, (count, width, size)
    assert choose_size([5, 5], 200, 58) == TILE_SIZES[0]


def test_glyphs_follow_the_locale_and_the_config():
    assert locale_is_utf8({"LANG": "en_US.UTF-8"})
    assert locale_is_utf8({"LC_ALL": "C.utf8", "LANG": "C"})
    assert not locale_is_utf8({"LANG": "C"})
    assert not locale_is_utf8({"LC_ALL": "POSIX"})
    assert not locale_is_utf8({"LANG": "en_US.ISO-8859-1"})
    assert Glyphs.choose("auto", {"LANG": "C"}) is ASCII
    assert Glyphs.choose("auto", {"LANG": "de_DE.UTF-8"}) is UNICODE
    assert Glyphs.choose("yes", {"LANG": "de_DE.UTF-8"}) is ASCII
    assert Glyphs.choose("no", {"LANG": "C"}) is UNICODE
    for glyphs in (ASCII, UNICODE):  # a shape for every severity, not colour alone
        assert glyphs.severity["warning"] and glyphs.severity["critical"]
        assert glyphs.severity["warning"] != glyphs.severity["critical"]
    assert all(
        symbol.isascii()
        for symbol in [*ASCII.states.values(), *ASCII.severity.values(), *ASCII.burnout.values()]
    )


def test_wallboard_and_display_config():
    config = from_table(
        {
            "wallboard": {
                "figures": ["waiting", "free"],
                "floor_total": False,
                "panels": {"vip": ["oldest", "sl_30m", "need_have"]},
            },
            "display": {"theme": "textual-light", "ascii": "yes"},
        }
    )
    assert config.wallboard.figures_of("orders") == ["waiting", "free"]
    assert config.wallboard.figures_of("vip") == ["oldest", "sl_30m", "need_have"]
    assert config.display.theme == "textual-light"
    for bad, words in (
        ({"wallboard": {"figures": ["calls"]}}, "'calls'"),
        ({"wallboard": {"panels": {"vip": []}}}, "an empty list"),
        ({"display": {"ascii": "maybe"}}, "display.ascii"),
    ):
        with pytest.raises(ConfigError, match=words):
            from_table(bad)


# ----------------------------------------------------------------- digits grow with the screen
async def test_digits_at_200x60_are_3x_those_at_80x24_for_one_queue(sample_db):
    heights = {}
    for size in ((80, 24), (200, 60)):
        app = make_app(sample_db, wall_queue="orders")
        async with app.run_test(size=size) as pilot:
            await laid_out(pilot)
            (panel,) = app.screen.query(WallPanel)
            digits = [metric.digits for metric in panel.metrics]
            scales = {number.drawn_scale() for number in digits}
            assert len(scales) == 1  # every figure of the panel the same height
            heights[size] = {number.size.height - 1 for number in digits}  # (1: the caption)
            tall = {number.tall for number in digits}
            assert heights[size] == {big_font.rows(scales.pop(), False, tall.pop())}
    small, large = heights[(80, 24)].pop(), heights[(200, 60)].pop()
    assert small >= 3 and large >= 3 * small, (small, large)


async def test_every_panel_has_the_same_digit_height(sample_db):
    app = make_app(sample_db, wall=True)
    async with app.run_test(size=(200, 60)) as pilot:
        await laid_out(pilot)
        panels = list(app.screen.query(WallPanel))
        assert [panel.queue for panel in panels] == [None, "orders", "returns", "vip"]
        heights = {metric.digit_rows for panel in panels for metric in panel.metrics}
        assert len(heights) == 1 and heights.pop() >= 8
        # The sample's service levels are under the critical 60 %: each panel says CRITICAL.
        for panel in panels:
            assert panel.has_class("-critical")
            assert "CRITICAL" in str(panel.title_line.render())


# ----------------------------------------------------------------- snapshots (SVG)
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_snapshot_wall(snap_compare, sample_db, size):
    assert snap_compare(make_app(sample_db, wall=True), terminal_size=size, run_before=laid_out)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_snapshot_floor_map(snap_compare, sample_db, size):
    assert snap_compare(make_app(sample_db, start="map"), terminal_size=size, run_before=laid_out)


# ----------------------------------------------------------------- any snapshot, any state
def odd_snapshots(snapshot):
    """The same floor in states a screen must cope with."""
    empty = dataclasses.replace(snapshot, queues={}, agents={}, feeds=[])
    queue = next(iter(snapshot.queues.values()))
    quiet = dataclasses.replace(
        queue,
        calls_waiting=0,
        longest_wait_s=None,
        waiting=[],
        staffing=None,
        trend_waiting=[],
        trend_service_level=[],
    )
    no_calls = dataclasses.replace(snapshot, queues={queue.name: quiet})
    broken = dataclasses.replace(queue, windows={}, longest_wait_s=float("nan"))
    damaged = dataclasses.replace(snapshot, queues={**snapshot.queues, queue.name: broken})
    silent = dataclasses.replace(
        snapshot,
        feeds=[
            dataclasses.replace(feed, last_event_age_s=3600.0, status="disconnected")
            for feed in snapshot.feeds
        ],
    )
    return {"empty": empty, "no calls": no_calls, "damaged": damaged, "silent": silent}


async def test_every_screen_copes_with_any_snapshot(sample_db):
    """No queues, a queue without calls, a queue whose numbers are damaged, a dead feed: on
    every screen at every size, the app goes on; a damaged queue says so in its panel."""
    app = make_app(sample_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await laid_out(pilot)
        real = app.update.snapshot
        seen_failure = set()
        app.live.poll_s = 3600.0  # only the snapshots below from now on
        for key, screen_type in (("w", WallboardScreen), ("m", FloorMapScreen), ("w", None)):
            if screen_type is not None:
                await pilot.press(key)
                await until(pilot, lambda: isinstance(app.screen, screen_type))
            for size in SIZES:
                await pilot.resize_terminal(*size)
                for name, odd in odd_snapshots(real).items():
                    app.update = FloorUpdate(odd)
                    await pilot.pause(0.15)
                    assert app.is_running and app.return_code is None, (name, size)
                    if name == "damaged" and isinstance(app.screen, WallboardScreen):
                        await until(pilot, lambda: not app.screen._laying_out)
                        app.update = FloorUpdate(odd)
                        await pilot.pause(0.05)
                        first = next(iter(real.queues))
                        states = {
                            p.queue: p.has_class("-failed") for p in app.screen.query(WallPanel)
                        }
                        assert not any(v for k, v in states.items() if k != first), states
                        if first in states:  # on this page: it says so in its own panel
                            assert states[first], (size, states)
                            seen_failure.add(size)
                    if name == "silent" and isinstance(app.screen, WallboardScreen):
                        assert app.screen.has_class("-feed-critical")
                        assert "FEED DISCONNECTED" in str(
                            app.screen.query_one("#wall-status").render()
                        )
            if isinstance(app.screen, (WallboardScreen, FloorMapScreen)):
                await pilot.press("escape")
        assert seen_failure and app.is_running and app.return_code is None


# ----------------------------------------------------------------- live: resize and switch
async def test_resizing_and_switching_screens_on_a_live_floor(tmp_path):
    """A store that a real ingest process fills while agents log in, take calls and pause;
    the terminal goes through 80x24 .. 320x90 while the keys go floor -> wallboard -> map ->
    agent -> back: no exception, and after every update each agent is on the board once and
    on the map once."""
    now = int(time.time())
    agents = [f"A{n:02d}" for n in range(30)]
    lines = [f"{now - 120}|MANAGER|q{n % 3}|{agent}|ADDMEMBER|" for n, agent in enumerate(agents)]
    feed = FollowedFeed(tmp_path, lines)
    stop = threading.Event()

    def events() -> None:
        number = 0
        while not stop.is_set():
            agent, queue = agents[number % 30], f"q{number % 3}"
            stamp = int(time.time())
            call = f"c{number}"
            feed.write(
                f"{stamp}|{call}|{queue}|NONE|ENTERQUEUE||5550{number:03d}|1",
                f"{stamp}|{call}|{queue}|{agent}|CONNECT|1|{call}.b|0",
                f"{stamp}|NONE|{queue}|{agents[(number + 7) % 30]}|PAUSE|Break",
            )
            number += 1
            time.sleep(0.15)

    writer = threading.Thread(target=events)
    try:
        config = Config(timezone="UTC")
        app = FloorwatchApp(LiveFloor(feed.db, config, poll_s=0.02), config, glyphs=UNICODE)
        async with app.run_test(size=(120, 40)) as pilot:
            await until(
                pilot,
                lambda: app.update is not None and len(app.update.snapshot.agents) == 30,
                what="every agent",
            )
            writer.start()
            checked = 0

            def check() -> None:
                nonlocal checked
                snapshot = app.update.snapshot
                board = FloorScreen.of(app).query_one(AgentBoard)
                names = [str(key) for key in board.order]
                assert len(names) == len(set(names)) == len(snapshot.agents), names
                if isinstance(app.screen, FloorMapScreen):
                    tiles = app.screen.query_one(AgentTiles)
                    if not tiles.hidden:
                        assert set(tiles.places) == set(snapshot.agents)
                checked += 1

            app.watch(app, "update", lambda update: check(), init=False)
            keys = ["w", "w", "m", "enter", "escape", "m", "w", "escape"]
            for step in range(24):
                await pilot.resize_terminal(*SIZES[step % 4])
                key = keys[step % len(keys)]
                await pilot.press(key)
                await pilot.pause(0.25)
                assert app.is_running and app.return_code is None, (step, key)
                if key == "enter" and isinstance(app.screen, AgentScreen):
                    assert app.screen.agent in agents
            await pilot.press("escape", "escape", "escape")
            await until(pilot, lambda: isinstance(app.screen, FloorScreen))
            await pilot.pause(0.3)
            FloorScreen.of(app).show_update(app.update)
            check()
            assert checked > 20
            assert app.is_running and app.return_code is None
    finally:
        stop.set()
        if writer.is_alive():
            writer.join()
        feed.close()


async def test_an_ascii_terminal_gets_ascii_on_the_wall_and_the_map(sample_db):
    """`[display] ascii` (auto: a locale that is not UTF-8): the digits are `#`, the state,
    severity and burnout symbols and the wall's borders plain ASCII."""
    config = load(CONFIG)
    app = FloorwatchApp(
        LiveFloor(sample_db, config, clock=lambda: END, poll_s=0.02),
        config,
        glyphs=ASCII,
        wall=True,
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await laid_out(pilot)
        assert app.screen.has_class("-ascii")
        for panel in app.screen.query(WallPanel):
            for metric in panel.metrics:
                drawn = str(metric.render())
                assert set(drawn) <= set("# \n") | set(metric.caption) | set(metric.value)
            assert str(panel.title_line.render()).isascii()
            assert panel.styles.border_top[0] == "ascii"
        await pilot.press("m")
        await until(pilot, lambda: isinstance(app.screen, FloorMapScreen))
        await pilot.pause(0.2)
        tiles = app.screen.query_one(AgentTiles)
        assert tiles.places and str(tiles.render()).isascii()
