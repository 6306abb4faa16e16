"""The dashboard driven through Textual's pilot: keys, screens, live updates from a separate
ingest process, and SVG snapshots of the floor, wallboard and agent screens at a fixed clock."""

from __future__ import annotations

import subprocess
import sys
import time

from floorwatch.app import FloorwatchApp
from floorwatch.config import load
from floorwatch.screens.agent import AgentScreen
from floorwatch.snapshot.live import LiveFloor
from floorwatch.widgets.agent_board import AgentBoard
from floorwatch.widgets.burnout_panel import BurnoutPanel
from floorwatch.widgets.queue_board import QueueBoard
from tests.helpers import EXAMPLE_CONFIG as CONFIG
from tests.helpers import SAMPLE_END as END
from tests.helpers import loaded, make_app, until


async def test_burnout_panel_b_jumps_and_enter_opens(tmp_path, samples):
    db = tmp_path / "floor.db"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "floorwatch",
            "ingest",
            "--db",
            str(db),
            "--once",
            "--config",
            str(CONFIG),
            f"queue_log:{samples / 'asterisk22_three_queues.queue_log'}",
        ],
        check=True,
        capture_output=True,
    )
    app = make_app(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        panel = app.screen.query_one(BurnoutPanel)
        assert len(panel.order) >= 3  # flagged agents in the sample (missing calls, hard calls)
        agents = app.screen.query_one(AgentBoard)
        flagged = [k for k in agents.order if agents.rows[k].flags]
        assert set(flagged) == set(panel.order)
        cell = agents.columns[-1].cell(agents.rows[flagged[0]], END)
        assert cell[0] in ("△ watch", "▲ warn", "■ crit") and cell[1].startswith("flag-")
        await pilot.press("b")
        assert panel.has_focus
        first = panel.cursor_key
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, AgentScreen))
        await until(
            pilot,
            lambda: (
                "WATCH" in str(app.screen.query_one("#agent-flags").render())
                or "WARNING" in str(app.screen.query_one("#agent-flags").render())
            ),
        )
        assert app.screen.agent == first


async def test_a_separate_ingest_process_appends_and_the_viewer_shows_it(tmp_path):
    """A real `floorwatch ingest --follow` writes; the viewer (its own read-only connection)
    shows each new call waiting, then answered, within its poll."""
    feed = tmp_path / "queue_log"
    db = tmp_path / "live.db"
    now = int(time.time())
    feed.write_text(f"{now - 60}|MANAGER|sales|Zoe|ADDMEMBER|\n")
    ingest = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "floorwatch",
            "ingest",
            "--db",
            str(db),
            "--poll",
            "0.05",
            f"queue_log:{feed}",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 20
        while not db.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)
        config = load(CONFIG)
        app = FloorwatchApp(LiveFloor(db, config, poll_s=0.02), config)
        async with app.run_test(size=(100, 30)) as pilot:
            await until(
                pilot,
                lambda: app.update is not None and "Zoe" in app.update.snapshot.agents,
                timeout=15,
            )
            with feed.open("a") as out:
                out.write(f"{now}|{now}.1|sales|NONE|ENTERQUEUE||5550100|1\n")
            await until(
                pilot, lambda: app.update.snapshot.queues["sales"].calls_waiting == 1, timeout=15
            )
            board = app.screen.query_one(QueueBoard)
            await pilot.pause(0.05)
            assert board.rows["sales"].calls_waiting == 1
            with feed.open("a") as out:
                out.write(f"{now + 1}|{now}.1|sales|Zoe|CONNECT|1|{now}.2|1\n")
            await until(
                pilot, lambda: app.update.snapshot.agents["Zoe"].state == "on_call", timeout=15
            )
            agents = app.screen.query_one(AgentBoard)
            await pilot.pause(0.05)
            assert agents.rows["Zoe"].state == "on_call"
            assert app.update.snapshot.queues["sales"].calls_waiting == 0
    finally:
        ingest.terminate()
        ingest.wait(timeout=10)
