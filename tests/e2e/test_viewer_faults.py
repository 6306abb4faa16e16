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
from floorwatch.snapshot.live import LiveFloor
from floorwatch.store.database import Store
from floorwatch.widgets.agent_board import AgentBoard
from tests.helpers import FLOORWATCH, floor_lines, ingest_file, until, write_lines


def text_of(strip) -> str:
    return "".join(segment.text for segment in strip)


def on_screen(widget) -> list[str]:
    """The widget's lines as the screen has them: the compositor's cached strips, which are
    only painted again for the lines the widget asked to refresh."""
    return [text_of(strip) for strip in widget.render_lines(widget.size.region)]


def drawn_now(widget) -> list[str]:
    """What the widget would draw now, line by line."""
    return [text_of(widget.render_line(y)) for y in range(widget.size.height)]


# ----------------------------------------------------------------- item 12: a scrolled board
async def test_a_scrolled_board_shows_what_it_would_draw_after_every_update(tmp_path):
    """80x24, 60 agents (more than fit), the board scrolled down; a real `floorwatch ingest`
    moves agents between states while the clock runs: after every update the lines on screen
    are exactly what the board draws now, and no agent is on screen twice."""
    now = int(time.time())
    feed = tmp_path / "queue_log"
    feed.write_text("".join(line + "\n" for line in floor_lines(now, 60)))
    db = tmp_path / "floor.db"
    ingest = subprocess.Popen(
        [
            *FLOORWATCH,
            "ingest",
            "--db",
            str(db),
            "--poll",
            "0.05",
            "--no-burnout",
            f"queue_log:{feed}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while not db.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
        config = Config(timezone="UTC")
        started = time.time()
        # The floor's clock runs 20 times faster, so every update changes times in state.
        live = LiveFloor(
            db,
            config,
            clock=lambda: started + (time.time() - started) * 20,
            poll_s=0.02,
            tick_s=0.1,
        )
        app = FloorwatchApp(live, config)
        async with app.run_test(size=(80, 24)) as pilot:
            await until(
                pilot,
                lambda: app.update is not None and len(app.update.snapshot.agents) == 60,
                what="the floor",
            )
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


# ----------------------------------------------------------------- item 5: the wallboard
class FollowedFeed:
    """A queue_log that a real `floorwatch ingest --follow` loads into a store as it grows."""

    def __init__(self, folder: Path, lines: list[str]):
        self.path = folder / "queue_log"
        self.path.write_text("".join(line + "\n" for line in lines))
        self.db = folder / "floor.db"
        self.process = subprocess.Popen(
            [
                *FLOORWATCH,
                "ingest",
                "--db",
                str(self.db),
                "--poll",
                "0.05",
                "--no-burnout",
                f"queue_log:{self.path}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while not self.db.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)

    def write(self, *lines: str) -> None:
        with self.path.open("a") as out:
            out.write("".join(line + "\n" for line in lines))

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def new_queue(number: int, now: int) -> tuple[str, list[str]]:
    """Queue q<number> appears with number % 4 + 1 callers waiting."""
    name = f"q{number:02d}"
    return name, [
        f"{now}|{name}.{n}|{name}|NONE|ENTERQUEUE||555{n:04d}|{n + 1}"
        for n in range(number % 4 + 1)
    ]


def panels_of(screen) -> dict[str, str]:
    """queue -> the calls-waiting digits of each queue panel mounted now (the floor-total
    panel, queue None, left out). A panel holds its figures from birth, composed or not."""
    from floorwatch.widgets.wall_panel import WallPanel

    return {
        panel.queue: panel.metrics[0].value
        for panel in screen.query(WallPanel)
        if panel.queue is not None
    }


async def test_a_wallboard_survives_new_queues_resizes_and_w(tmp_path):
    """A wallboard on a live store where a new queue appears every 0.4 s (a thread writes
    them, in real time), while the terminal goes through 80x24, 120x40, 200x60 and 320x90 and
    `w` leaves and reopens the wall: no exception, the app still running, and every panel
    shows its queue's callers waiting."""
    import threading

    from floorwatch.screens.wallboard import WallboardScreen

    now = int(time.time())
    feed = FollowedFeed(tmp_path, [f"{now - 60}|MANAGER|q00|Zoe|ADDMEMBER|"])
    expected: dict[str, int] = {}

    def new_queues() -> None:
        for number in range(20):
            name, lines = new_queue(number, int(time.time()))
            feed.write(*lines)
            expected[name] = len(lines)
            time.sleep(0.4)

    writer = threading.Thread(target=new_queues)
    try:
        config = Config(timezone="UTC")
        app = FloorwatchApp(LiveFloor(feed.db, config, poll_s=0.02), config, wall=True)
        sizes = [(80, 24), (120, 40), (200, 60), (320, 90)]
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: app.update is not None, what="the floor")
            writer.start()
            step = 0
            while writer.is_alive():
                await pilot.resize_terminal(*sizes[step % len(sizes)])
                if step % 3 == 2:
                    await pilot.press("w")  # back to the floor...
                    await pilot.pause(0.05)
                    await pilot.press("w")  # ...and a new wallboard
                await pilot.pause(0.1)
                assert app.is_running and app.return_code is None
                step += 1
            assert step >= 3
            await until(
                pilot, lambda: set(expected) <= set(app.update.snapshot.queues), what="every queue"
            )
            for size in sizes:  # every size once more, with all queues known
                await pilot.resize_terminal(*size)
                await pilot.pause(0.3)
                screen = app.screen
                assert isinstance(screen, WallboardScreen)
                await until(pilot, lambda: not screen._laying_out, what="a laid-out page")
                shown = panels_of(screen)
                assert shown and list(shown) == [key for key in screen.shown if key]
                assert set(shown) <= set(expected) | {"q00"}
                for queue, waiting in shown.items():
                    assert waiting == str(expected.get(queue, 0)), (size, queue, waiting)
            assert app.is_running and app.return_code is None
    finally:
        writer.join()
        feed.close()


async def test_wallboard_pages_turn_at_80x24_with_rotate(tmp_path):
    """`--rotate` at 80x24 with queues arriving: one queue per page, pages turning every
    0.3 s, each page's panel showing its own queue's number."""
    from floorwatch.screens.wallboard import WallboardScreen

    now = int(time.time())
    lines = [f"{now - 60}|MANAGER|q00|Zoe|ADDMEMBER|"]
    expected = {}
    for number in range(4):
        name, queue_lines = new_queue(number, now - 30)
        lines += queue_lines
        expected[name] = len(queue_lines)
    feed = FollowedFeed(tmp_path, lines)
    try:
        config = Config(timezone="UTC")
        app = FloorwatchApp(
            LiveFloor(feed.db, config, poll_s=0.02), config, wall=True, rotate_s=0.3
        )
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: app.update is not None, what="the floor")
            seen: set[str] = set()
            for step in range(30):
                if step % 6 == 5:
                    name, queue_lines = new_queue(10 + step, int(time.time()))
                    feed.write(*queue_lines)
                    expected[name] = len(queue_lines)
                await pilot.pause(0.1)
                screen = app.screen
                assert isinstance(screen, WallboardScreen) and app.return_code is None
                shown = panels_of(screen)
                assert len(shown) <= 1
                for queue, waiting in shown.items():
                    seen.add(queue)
                    if waiting == "(not composed)":  # mounted a moment ago, mid-layout
                        continue
                    if queue in app.update.snapshot.queues:
                        assert waiting == str(app.update.snapshot.queues[queue].calls_waiting)
            assert len(seen) >= 4, seen  # the pages did turn
            await pilot.pause(0.5)
            for queue, waiting in panels_of(app.screen).items():
                assert waiting == str(expected[queue])
    finally:
        feed.close()


# ----------------------------------------------------------------- item 5: faults
async def test_a_failing_widget_says_so_in_its_place_and_the_app_goes_on(tmp_path, monkeypatch):
    """Faults injected into one widget at a time (its show, one of its cells, one wall
    panel): each shows in that widget, the rest of the floor keeps updating, the app runs."""
    from floorwatch.screens.wallboard import WallboardScreen
    from floorwatch.widgets import queue_board, wall_figures
    from floorwatch.widgets.queue_board import QueueBoard

    now = int(time.time())
    lines = [f"{now - 60}|MANAGER|q00|Zoe|ADDMEMBER|"]
    for number in range(3):
        lines += new_queue(number, now - 30)[1]
    feed = FollowedFeed(tmp_path, lines)
    try:

        def broken_rows(self, rows, now):
            raise RuntimeError("injected fault")

        monkeypatch.setattr(AgentBoard, "update_rows", broken_rows)

        def broken_spark(values, top=None):
            raise ValueError("no spark")

        monkeypatch.setattr(queue_board, "sparkline", broken_spark)
        real_level = wall_figures.level

        def level_failing_at_three(value, *args, **kwargs):
            if value == 3:  # q02, with three callers waiting
                raise ArithmeticError("odd number")
            return real_level(value, *args, **kwargs)

        monkeypatch.setattr(wall_figures, "level", level_failing_at_three)
        config = Config(timezone="UTC")
        app = FloorwatchApp(LiveFloor(feed.db, config, poll_s=0.02, tick_s=0.2), config)
        # 140 columns: the boards stacked, the queue board wide enough for its trend cells.
        async with app.run_test(size=(140, 50)) as pilot:
            await until(pilot, lambda: app.update is not None, what="the floor")
            await pilot.pause(0.3)
            board = app.screen.query_one(AgentBoard)
            assert board.failure == "RuntimeError: injected fault"
            assert "⚠ not current: RuntimeError: injected fault" in text_of(board.render_line(0))
            queues = app.screen.query_one(QueueBoard)
            assert queues.failure is None and sorted(queues.order) == ["q00", "q01", "q02"]
            row = text_of(queues.render_line(1))
            assert "?" in row  # the trend cells, and only they, could not be drawn
            feed.write(*new_queue(3, int(time.time()))[1])  # the floor moves on
            await until(pilot, lambda: "q03" in queues.rows, what="the new queue on the board")
            await pilot.press("w")
            await until(
                pilot,
                lambda: isinstance(app.screen, WallboardScreen) and len(panels_of(app.screen)) == 4,
                what="the wallboard",
            )
            await pilot.pause(0.3)
            from floorwatch.widgets.wall_panel import WallPanel

            panels = {panel.queue: panel for panel in app.screen.query(WallPanel)}
            assert panels["q02"].has_class("-failed")
            assert "cannot show q02: ArithmeticError: odd number" in str(
                panels["q02"].title_line.render()
            )
            for name in ("q00", "q01", "q03"):
                assert not panels[name].has_class("-failed")
            assert panels_of(app.screen)["q03"] == "4"
            assert app.is_running and app.return_code is None
    finally:
        feed.close()


class Tmux:
    """A private tmux server (its own socket) running one command in a real terminal; after
    it ends, the pane shows what it printed and `exit status N`."""

    def __init__(self, folder: Path, width: int = 120, height: int = 36):
        if not shutil.which("tmux"):
            pytest.skip("tmux is not installed (make test installs it)")
        self.socket = f"fw-faults-{os.getpid()}-{time.monotonic_ns()}"
        self.size = (width, height)
        self.script = folder / "tmux-command.sh"

    def run(self, *args: str) -> str:
        return subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True
        ).stdout

    def start(self, command: str) -> None:
        # (COLUMNS and LINES, which readline may have set in this process, would fix the size.)
        self.script.write_text(
            f'unset COLUMNS LINES\n{command}\necho "exit status $?"\nsleep 600\n'
        )
        subprocess.run(
            [
                "tmux",
                "-L",
                self.socket,
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-s",
                "fw",
                "-x",
                str(self.size[0]),
                "-y",
                str(self.size[1]),
                f"sh {self.script}",
            ],
            check=True,
        )

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "fw")

    def ended(self) -> tuple[int, list[str]] | None:
        """(exit status, the lines printed before it) once the command has ended."""
        lines = [line for line in self.screen().splitlines() if line.strip()]
        for index, line in enumerate(lines):
            if line.startswith("exit status "):
                return int(line.split()[-1]), lines[:index]
        return None

    def wait_for(self, condition, timeout: float = 60.0, what: str = "it") -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}:\n{self.screen()}")
            time.sleep(0.2)

    def close(self) -> None:
        self.run("kill-server")


def with_fault(code: str) -> str:
    """A `floorwatch` command line with `code` run first (a fault injected into the app)."""
    return f"{sys.executable} -c {code!r}"


def wrapper(injection: str) -> str:
    return (
        "import sys; " + injection + "; from floorwatch.cli import run; "
        "sys.argv[0] = 'floorwatch'; run()"
    )


def test_a_dashboard_that_dies_exits_non_zero_with_one_line(tmp_path):
    """A real `floorwatch dash` in tmux whose header cannot render (an injected fault, past
    every shield): the process exits with status 1 and says it in one line, no traceback."""
    now = int(time.time())
    db = ingest_file(tmp_path / "floor.db", write_lines(tmp_path / "ql", floor_lines(now, 5)))
    injection = (
        "from floorwatch.widgets.floor_header import FloorHeader; "
        "FloorHeader.render = lambda self: 1 / 0"
    )
    tmux = Tmux(tmp_path)
    try:
        tmux.start(with_fault(wrapper(injection)) + f" dash --db {db}")
        tmux.wait_for(lambda: tmux.ended() is not None, what="the dashboard to end")
        status, lines = tmux.ended()
    finally:
        tmux.close()
    assert status == 1, lines
    assert lines == [
        "floorwatch: error: the dashboard stopped on an internal error: "
        "ZeroDivisionError: division by zero"
    ], lines


def test_run_stops_its_ingest_cleanly_when_the_dashboard_dies(tmp_path):
    """`floorwatch run` following a feed that a writer is still appending to: the dashboard
    dies (a key whose action fails, an injected fault) mid-stream. The ingest is stopped and
    commits what it had, the command says so in one line and exits 1, and a following ingest
    of the whole feed brings the store to exactly its events: nothing lost, nothing twice."""
    import threading

    simulated = tmp_path / "simulated.queue_log"
    subprocess.run(
        [
            *FLOORWATCH,
            "simulate",
            "--out",
            str(simulated),
            "--hours",
            "10",
            "--agents",
            "200",
            "--queues",
            "4",
            "--start",
            "2026-11-20",
        ],
        check=True,
        capture_output=True,
    )
    lines = simulated.read_text().splitlines(keepends=True)
    feed = tmp_path / "queue_log"
    feed.write_text("".join(lines[:2000]))
    db = tmp_path / "floor.db"
    config = tmp_path / "floorwatch.toml"
    config.write_text(
        f'database = "{db}"\ntimezone = "UTC"\n\n'
        f'[[sources]]\nspec = "queue_log:{feed}"\nname = "pbx"\n'
    )

    def append_the_rest() -> None:
        with feed.open("a") as out:
            for start in range(2000, len(lines), 400):
                out.write("".join(lines[start : start + 400]))
                out.flush()
                time.sleep(0.1)

    writer = threading.Thread(target=append_the_rest)
    injection = (
        "from floorwatch.screens.floor import FloorScreen; "
        "FloorScreen.action_burnout = lambda self: 1 / 0"
    )
    tmux = Tmux(tmp_path, width=300)
    try:
        tmux.start(with_fault(wrapper(injection)) + f" run --config {config}")
        tmux.wait_for(lambda: "⏎ Open" in tmux.screen(), what="the dashboard")
        tmux.wait_for(lambda: db.exists() and _events(db) >= 2000, what="the first commit")
        writer.start()
        time.sleep(1.5)  # the ingest follows the writer
        tmux.run("send-keys", "-t", "fw", "b")
        tmux.wait_for(lambda: tmux.ended() is not None, what="the command to end")
        status, shown = tmux.ended()
    finally:
        tmux.close()
        if writer.is_alive() or writer.ident is not None:
            writer.join()
    assert status == 1, shown
    assert len(shown) == 1, shown
    line = shown[0]
    assert line.startswith(
        "floorwatch: error: the dashboard stopped on an internal error: "
        "ZeroDivisionError: division by zero; the ingest stopped cleanly "
        "after committing "
    ), line
    committed = int(line.split("after committing ")[1].split()[0])
    assert _events(db) == committed and 2000 < committed < len(lines), (committed, len(lines))
    again = subprocess.run(
        [*FLOORWATCH, "ingest", "--once", "--no-burnout", "--config", str(config)],
        capture_output=True,
        text=True,
    )
    assert again.returncode == 0, again.stderr
    assert _events(db) == len(lines)


def _events(db: Path) -> int:
    try:
        with Store.open_readonly(db) as store:
            return store.count("events")
    except Exception:
        return 0
