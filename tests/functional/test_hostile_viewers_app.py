"""Names from outside reach the terminal as text: no escape sequence, control character or bidi
override gets through, and no Rich or Textual markup in a name is ever interpreted. Checked in
a real tmux (OSC 52 must not reach its clipboard), in `snapshot` and `report` subprocesses, in
the pilot-driven dashboard, and by fuzzing the sanitiser and the snapshot tables."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from floorwatch.app import FloorwatchApp
from floorwatch.config import load
from floorwatch.snapshot.live import LiveFloor
from tests.helpers import until
from tests.hostile_names import (
    CALLER_SHOWN,
    CONTROL,
    EMOJI,
    FORMULA,
    LINK,
    OSC52_SHOWN,
    QUEUE,
    REASON_SHOWN,
    make_hostile_store,
)


@pytest.fixture
def hostile(tmp_path) -> tuple[Path, Path, int]:
    now = int(time.time())
    db, config = make_hostile_store(tmp_path, now)
    return db, config, now


# ----------------------------------------------------------------- the dashboard (pilot)
def screen_text(app) -> str:
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(segment.text for segment in strip) for strip in strips)


def every_segment(app) -> str:
    return "".join(
        segment.text for strip in app.screen._compositor.render_strips() for segment in strip
    )


async def test_the_dashboard_shows_names_as_text(hostile):
    from floorwatch.screens.agent import AgentScreen
    from floorwatch.screens.floor import FloorScreen
    from floorwatch.screens.palette import FloorCommands
    from floorwatch.screens.pickers import FilterScreen, SearchScreen
    from floorwatch.screens.wallboard import WallboardScreen

    db, config_path, now = hostile
    config = load(config_path)
    app = FloorwatchApp(LiveFloor(db, config, clock=lambda: now, poll_s=0.02), config)
    async with app.run_test(size=(200, 50)) as pilot:
        await until(pilot, lambda: app.update is not None)
        await pilot.pause(0.1)
        text = screen_text(app)
        assert not CONTROL.findall(every_segment(app))
        for shown in (OSC52_SHOWN, LINK, QUEUE, EMOJI, REASON_SHOWN[:8]):  # (the reason is cut)
            assert shown in text, (shown, text)
        # The drill-down of the agent on a call: title (caller), numbers, calls.
        app.open_agent(FORMULA)
        await until(
            pilot, lambda: isinstance(app.screen, AgentScreen) and app.update.agent_day is not None
        )
        await pilot.pause(0.1)
        text = screen_text(app)
        assert not CONTROL.findall(every_segment(app))
        assert FORMULA in text and CALLER_SHOWN in text, text
        await pilot.press("escape")
        app.open_agent(LINK)
        await until(
            pilot,
            lambda: (
                isinstance(app.screen, AgentScreen)
                and app.update.agent_day is not None
                and app.screen.agent == LINK
            ),
        )
        await pilot.pause(0.1)
        text = screen_text(app)
        assert LINK in text and REASON_SHOWN in text and QUEUE in text, text
        assert not CONTROL.findall(every_segment(app))
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, AgentScreen))
        # The pickers list names as text.
        FloorScreen.of(app).action_search()
        await until(pilot, lambda: isinstance(app.screen, SearchScreen))
        await pilot.pause(0.05)
        options = app.screen.query_one("#search-results")
        prompts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert OSC52_SHOWN in prompts and LINK in prompts and EMOJI in prompts, prompts
        assert LINK in screen_text(app)
        await pilot.press("escape")
        FloorScreen.of(app).action_filter()
        await until(pilot, lambda: isinstance(app.screen, FilterScreen))
        await pilot.pause(0.05)
        options = app.screen.query_one("#filter-options")
        prompts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert f"queue: {QUEUE}" in prompts, prompts
        await pilot.press("escape")
        # The command palette: what it shows (prompt and help) is the text, not markup.
        from textual.content import Content

        provider = FloorCommands(app.screen)
        hits = [hit async for hit in provider.search("Bob")]
        shown = [Content.from_markup(hit.prompt).plain for hit in hits]
        assert f"Open agent {LINK}" in shown, shown
        hits = [hit async for hit in provider.search("bold")]
        helps = [Content.from_markup(hit.help).plain for hit in hits if hit.help]
        assert any(QUEUE in help_text for help_text in helps), helps
        # The wallboard: the queue's name as text.
        await until(pilot, lambda: not isinstance(app.screen, FilterScreen))
        app.action_wallboard()
        await until(pilot, lambda: isinstance(app.screen, WallboardScreen))
        await pilot.pause(0.3)
        text = screen_text(app)
        assert QUEUE in text, text
        assert not CONTROL.findall(every_segment(app))
