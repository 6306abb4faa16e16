"""Viewers under hard conditions: a scrolled board taking live updates, a wallboard whose
queues keep changing while the terminal is resized, a widget that fails, a dashboard that dies,
and a store that is replaced or deleted under a running viewer."""

from __future__ import annotations

import collections
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from floorwatch.app import FloorwatchApp
from floorwatch.config import Config
from floorwatch.live import FeedProblem, FloorUpdate, LiveFloor
from floorwatch.widgets.agent_board import AgentBoard

from .conftest import ingest_file

FLOORWATCH = [sys.executable, "-m", "floorwatch"]


async def until(pilot, condition, timeout: float = 10.0, what: str = "it") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"the dashboard did not get to {what} in time")
        await pilot.pause(0.02)


def text_of(strip) -> str:
    return "".join(segment.text for segment in strip)


def on_screen(widget) -> list[str]:
    """The widget's lines as the screen has them: the compositor's cached strips, which are
    only painted again for the lines the widget asked to refresh."""
    return [text_of(strip) for strip in widget.render_lines(widget.size.region)]


def drawn_now(widget) -> list[str]:
    """What the widget would draw now, line by line."""
    return [text_of(widget.render_line(y)) for y in range(widget.size.height)]


def floor_lines(now: int, agents: int) -> list[str]:
    lines = [f"{now - 600}|MANAGER|sales|Agent{n:02d}|ADDMEMBER|" for n in range(agents)]
    lines += [f"{now - 500 + n}|NONE|sales|Agent{n:02d}|PAUSE|Break"
              for n in range(0, agents, 3)]  # fmt: skip
    return lines


# ----------------------------------------------------------------- item 12: a scrolled board
async def test_a_scrolled_board_shows_what_it_would_draw_after_every_update(tmp_path):
    """80x24, 60 agents (more than fit), the board scrolled down; a real `floorwatch ingest`
    moves agents between states while the clock runs: after every update the lines on screen
    are exactly what the board draws now, and no agent is on screen twice."""
    now = int(time.time())
    feed = tmp_path / "queue_log"
    feed.write_text("".join(line + "\n" for line in floor_lines(now, 60)))
    db = tmp_path / "floor.db"
    ingest = subprocess.Popen([*FLOORWATCH, "ingest", "--db", str(db), "--poll", "0.05",
                               "--no-burnout", f"queue_log:{feed}"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while not db.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
        config = Config(timezone="UTC")
        started = time.time()
        # The floor's clock runs 20 times faster, so every update changes times in state.
        live = LiveFloor(db, config, clock=lambda: started + (time.time() - started) * 20,
                         poll_s=0.02, tick_s=0.1)  # fmt: skip
        app = FloorwatchApp(live, config)
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: app.update is not None and len(app.update.snapshot.agents)
                        == 60, what="the floor")  # fmt: skip
            board = app.screen.query_one(AgentBoard)
            board.focus()
            await pilot.press("end")
            await pilot.pause(0.1)
            assert board.scroll_y > 10, board.scroll_y
            checked = 0
            last = app.update
            for step in range(40):
                if step % 2 == 0:  # someone goes on a break or comes back: rows move
                    agent = f"Agent{(step * 7) % 60:02d}"
                    event = "PAUSE|Lunch" if step % 4 == 0 else "UNPAUSE|"
                    with feed.open("a") as out:
                        out.write(f"{int(time.time())}|NONE|sales|{agent}|{event}\n")
                await until(pilot, lambda: app.update is not last, what="the next update")
                last = app.update
                await pilot.pause(0.03)  # let the compositor paint it
                if board.scroll_y == 0:
                    await pilot.press("end")
                    await pilot.pause(0.05)
                screen, fresh = on_screen(board), drawn_now(board)
                assert screen == fresh, (step, board.scroll_y)
                names = [line.split()[0] for line in screen[1:] if line.startswith("Agent")]
                repeated = [n for n, c in collections.Counter(names).items() if c > 1]
                assert not repeated, (step, repeated)
                assert names == [str(key) for key in board.visible_keys()]
                checked += 1
            assert checked == 40 and board.scroll_y > 0
            paused = sum(1 for a in app.update.snapshot.agents.values() if a.state == "paused")
            assert 0 < paused < 60
    finally:
        ingest.terminate()
        ingest.wait(timeout=10)
