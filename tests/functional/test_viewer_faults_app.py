"""Viewers under hard conditions: a scrolled board taking live updates, a wallboard whose
queues keep changing while the terminal is resized, a widget that fails, a dashboard that dies,
and a store that is replaced or deleted under a running viewer."""

from __future__ import annotations

import os
import shutil
import time

from floorwatch.app import FloorwatchApp
from floorwatch.config import Config
from floorwatch.snapshot.live import LiveFloor
from tests.helpers import floor_lines, ingest_file, until, write_lines


# ----------------------------------------------------------------- item 13: a store replaced
async def test_a_viewer_follows_its_store_when_it_is_replaced_or_deleted(tmp_path):
    """The store file is replaced under a running dashboard (a copy renamed over it, as a
    restore does): the viewer shows the new floor. Deleted: the header says the store is
    gone, the last floor stays. Back: the viewer reopens it and the problem clears."""
    now = int(time.time())
    first = ingest_file(
        tmp_path / "floor.db",
        write_lines(tmp_path / "a.ql", [f"{now - 60}|MANAGER|sales|Zoe|ADDMEMBER|"]),
    )
    second = ingest_file(
        tmp_path / "other.db",
        write_lines(
            tmp_path / "b.ql",
            [
                f"{now - 50}|MANAGER|sales|Yann|ADDMEMBER|",
                f"{now - 40}|c1|sales|NONE|ENTERQUEUE||5550100|1",
            ],
        ),
    )
    backup = tmp_path / "backup.db"
    shutil.copy(first, backup)
    config = Config(timezone="UTC")
    app = FloorwatchApp(LiveFloor(first, config, poll_s=0.02), config)
    async with app.run_test(size=(120, 30)) as pilot:
        await until(
            pilot,
            lambda: app.update is not None and "Zoe" in app.update.snapshot.agents,
            what="the first floor",
        )
        incoming = tmp_path / "incoming.db"
        shutil.copy(second, incoming)
        os.replace(incoming, first)
        await until(
            pilot,
            lambda: "Yann" in app.update.snapshot.agents,
            timeout=5,
            what="the replaced store's floor",
        )
        assert "Zoe" not in app.update.snapshot.agents and app.problem is None
        assert app.update.snapshot.queues["sales"].calls_waiting == 1
        first.unlink()
        await until(pilot, lambda: app.problem is not None, timeout=5, what="the problem")
        assert "the store is gone" in app.problem
        await pilot.pause(0.1)
        header = str(app.screen.query_one("#floor-header").render())
        assert "the store is gone" in header
        assert "Yann" in app.update.snapshot.agents  # the last floor, marked as such
        shutil.copy(backup, first)
        await until(
            pilot,
            lambda: app.problem is None and "Zoe" in app.update.snapshot.agents,
            timeout=8,
            what="the store back",
        )


# ----------------------------------------------------------------- worker failures
class FailsOnce(LiveFloor):
    """A live floor whose first run dies outside its own retry loop (as an error in Textual's
    worker machinery or a bug past LiveFloor's handlers would): what no real store can be
    made to do on purpose."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.runs = 0

    def run(self, publish, stop) -> None:
        self.runs += 1
        if self.runs == 1:
            raise RuntimeError("injected worker fault")
        super().run(publish, stop)


async def test_a_live_floor_worker_that_fails_is_said_and_started_again(tmp_path):
    """The live-floor worker dies: the header says so (it was lost before: a floor that never
    came, with nothing said), and the worker is started again, bringing the floor."""
    now = int(time.time())
    db = ingest_file(tmp_path / "floor.db", write_lines(tmp_path / "ql", floor_lines(now, 3)))
    config = Config(timezone="UTC")
    live = FailsOnce(db, config, poll_s=0.02)
    app = FloorwatchApp(live, config)
    app.LIVE_RETRY_S = 0.5
    async with app.run_test(size=(120, 30)) as pilot:
        await until(pilot, lambda: app.problem is not None, timeout=5, what="the problem")
        assert app.problem == "the live floor stopped: RuntimeError: injected worker fault"
        assert app.update is None and app.is_running
        await pilot.pause(0.05)
        header = str(app.screen.query_one("#floor-header").render())
        assert "cannot read the floor: the live floor stopped: RuntimeError: injected" in header
        await until(pilot, lambda: app.update is not None, timeout=5, what="the floor")
        assert live.runs == 2 and app.problem is None
        assert len(app.update.snapshot.agents) == 3


async def test_a_report_that_cannot_be_built_says_so_in_its_title(tmp_path):
    """The report screen's loader fails (its store deleted under the dashboard): the title
    says why, through the app's one handler of worker failures; the dashboard goes on."""
    from textual.widgets import Static

    from floorwatch.screens.report import ReportScreen

    now = int(time.time())
    db = ingest_file(tmp_path / "floor.db", write_lines(tmp_path / "ql", floor_lines(now, 3)))
    config = Config(timezone="UTC")
    app = FloorwatchApp(LiveFloor(db, config, poll_s=0.02), config)
    async with app.run_test(size=(120, 30)) as pilot:
        await until(pilot, lambda: app.update is not None, what="the floor")
        db.unlink()
        await pilot.press("r")
        assert isinstance(app.screen, ReportScreen)
        title = app.screen.query_one("#report-title", Static)
        await until(pilot, lambda: "cannot build" in str(title.render()), what="the failure")
        assert str(title.render()).startswith(
            f"cannot build today's report: StoreError: {db}: no such database"
        )
        assert app.is_running and app.return_code is None
        await pilot.press("escape")
        assert not isinstance(app.screen, ReportScreen)


async def test_a_failed_worker_with_no_place_of_its_own_is_a_notification(tmp_path):
    """A worker of the app that fails and whose node has nowhere to say it: a notification
    naming it and the error (Textual alone would drop it: exit_on_error=False)."""
    now = int(time.time())
    db = ingest_file(tmp_path / "floor.db", write_lines(tmp_path / "ql", floor_lines(now, 2)))
    config = Config(timezone="UTC")
    app = FloorwatchApp(LiveFloor(db, config, poll_s=0.02), config)

    def broken() -> None:
        raise ValueError("nothing to see")

    async with app.run_test(size=(120, 30)) as pilot:
        await until(pilot, lambda: app.update is not None, what="the floor")
        app.run_worker(broken, thread=True, name="probe", exit_on_error=False)
        await until(pilot, lambda: len(app._notifications) > 0, what="the notification")
        [note] = list(app._notifications)
        assert note.message == "probe: ValueError: nothing to see" and note.severity == "error"
        assert app.is_running and app.problem is None
