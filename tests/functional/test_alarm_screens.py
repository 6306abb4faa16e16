"""Alarms on screen: the strip on every screen, one bell per newly raised alarm (none for those
already up when the viewer started), `a` opens the list with history, `s` silences one alarm on
this viewer only. The alarms are the real monitor's, written into a real store."""

from __future__ import annotations

from textual.widgets import Input

from floorwatch.app import FloorwatchApp
from floorwatch.config import from_table
from floorwatch.ingest.alarm_monitor import AlarmMonitor
from floorwatch.ingest.alarm_notify import HookStatus
from floorwatch.ingest.control_server import ControlServer
from floorwatch.screens.alarms import AlarmListScreen
from floorwatch.screens.supervisor_actions import AskScreen, ConfirmScreen, login
from floorwatch.snapshot.alarms import AlarmChanges
from floorwatch.snapshot.control_client import ControlAccess
from floorwatch.snapshot.live import LiveFloor
from floorwatch.store.action_log import ActionLog
from floorwatch.store.database import Store
from floorwatch.widgets.alarm_strip import AlarmStrip
from floorwatch.widgets.floor_header import FloorHeader
from floorwatch.widgets.queue_board import QueueBoard
from floorwatch.widgets.wall_panel import WallPanel
from tests.helpers import until

NOW = 1795530000
CONFIG_TABLE = {
    "timezone": "UTC",
    "alarms": {
        "rules": {
            "calls_waiting": {"threshold": 2, "min_duration_s": 0, "clear_after_s": 0},
            "oldest_wait": {"threshold": 120, "min_duration_s": 0},
            "feed_quiet": {"enabled": False},
            "no_agent_free": {"enabled": False},
        }
    },
}
CONFIG = from_table(CONFIG_TABLE)


def lines() -> list[str]:
    return [
        f"{NOW - 900}|MANAGER|sales|Ana|ADDMEMBER|",
        f"{NOW - 100}|c1|sales|NONE|ENTERQUEUE||5551230001|1",
        f"{NOW - 50}|c2|sales|NONE|ENTERQUEUE||5551230002|2",
        f"{NOW - 40}|c3|billing|NONE|ENTERQUEUE||5551230003|1",
    ]


def name_cell(board, queue: str) -> tuple:
    column = next(c for c in board.columns if c.key == "queue")
    return column.cell(board.rows[queue], board.now)


def strip_text(app) -> str:
    return str(app.screen.query_one(AlarmStrip).render())


async def test_strip_bell_list_and_silence(make_store):
    db = make_store(lines(), CONFIG)
    now = [float(NOW)]
    with Store.open(db, CONFIG.derive_config()) as store:
        monitor = AlarmMonitor(db, CONFIG, every_s=0)
        monitor.run(store, NOW)  # sales: 2 waiting -> raised before the viewer starts
        app = FloorwatchApp(
            LiveFloor(db, CONFIG, clock=lambda: now[0], poll_s=0.02, tick_s=0.05),
            CONFIG,
            bell=True,
            blink=False,
        )
        rings = []
        app.bell = lambda: rings.append(now[0])
        async with app.run_test(size=(140, 40)) as pilot:
            await until(pilot, lambda: app.alarms, what="the open alarm")
            assert "sales: 2 calls waiting" in strip_text(app)
            assert rings == []  # already up when the viewer started: not news
            board = app.screen.query_one(QueueBoard)
            assert name_cell(board, "sales") == ("⚑sales", "alarm")
            assert name_cell(board, "billing") == ("billing", None)
            monitor.run(store, NOW + 30)  # the oldest caller passes 120 s: a new alarm
            await until(pilot, lambda: len(app.alarms) == 2, what="the second alarm")
            assert len(rings) == 1
            text = strip_text(app)
            assert text.index("oldest caller waiting") < text.index("2 calls waiting")  # newest
            for key in ("w", "m"):
                await pilot.press(key)
                await pilot.pause(0.1)
                assert "oldest caller waiting" in strip_text(app), key
                if key == "w":
                    panels = {p.queue: p for p in app.screen.query(WallPanel)}
                    await until(pilot, lambda: panels["sales"].has_class("-alarm"), what="mark")
                    assert not panels["billing"].has_class("-alarm")
                await pilot.press(key)
            await pilot.press("a")
            await until(pilot, lambda: isinstance(app.screen, AlarmListScreen), what="the list")
            table = app.screen.query_one("#alarm-table")
            await until(pilot, lambda: table.row_count == 2, what="two rows")
            first = table.get_row_at(0)
            assert first[4:6] == ["critical", "oldest_wait"]
            await pilot.press("s")
            await until(pilot, lambda: app.silenced, what="a silence")
            assert "(silenced)" in strip_text(app)
            monitor.run(store, NOW + 40)
            await pilot.pause(0.2)
            assert len(rings) == 1  # still the same two alarms: no bell again
            await pilot.press("escape")
            # A failing hook (as the ingest's notifier reports it) is in the feed's health.
            failing = HookStatus(
                "web", "failing", "unreachable (refused); retrying in 2s", 0, 3, 2, NOW
            )
            store.write_alarms(AlarmChanges(), [failing])
            header = app.screen.query_one(FloorHeader)
            await until(pilot, lambda: "alarm hook web" in str(header.render()), what="the hook")
            assert "unreachable (refused)" in str(header.render())
        monitor.close()


async def test_an_acknowledgement_is_signed_sent_and_shown_on_every_viewer(make_store):
    """`k` in the alarm list: the name (asked once, the login offered), a note, one line to
    confirm; the ingest's control socket (no AMI source needed) marks the alarm in the store, and
    this viewer and a second one started afterwards show who took it, without blinking."""
    config = from_table({**CONFIG_TABLE, "control": {"actions": ["acknowledge"]}})
    db = make_store(lines(), config)
    now = [float(NOW)]
    with Store.open(db, config.derive_config()) as store:
        monitor = AlarmMonitor(db, config, every_s=0)
        monitor.run(store, NOW + 30)  # sales: 2 waiting (warning), oldest over 120 s (critical)
        audit = ActionLog(db)
        server = ControlServer(config.control_socket(db), config.control, [], audit)
        server.start()
        try:

            def viewer() -> FloorwatchApp:
                live = LiveFloor(db, config, clock=lambda: now[0], poll_s=0.02, tick_s=0.05)
                return FloorwatchApp(live, config, bell=False, blink=True)

            app = viewer()
            async with app.run_test(size=(140, 40)) as pilot:
                await until(pilot, lambda: len(app.alarms) == 2, what="the open alarms")
                strip = app.screen.query_one(AlarmStrip)
                assert strip.has_class("-blink")  # a critical alarm nobody has taken
                await pilot.press("a")
                await until(pilot, lambda: isinstance(app.screen, AlarmListScreen))
                assert "k" in app.screen.active_bindings
                table = app.screen.query_one("#alarm-table")
                await until(pilot, lambda: table.row_count == 2, what="two rows")
                assert table.get_row_at(0)[5] == "oldest_wait"
                await pilot.press("k")
                await until(pilot, lambda: isinstance(app.screen, AskScreen), what="the name")
                assert app.screen.query_one(Input).value == login()
                app.screen.query_one(Input).value = ""
                await pilot.press(*"Dana", "enter")
                await until(pilot, lambda: "note" in app.screen.title_text, what="the note")
                await pilot.press(*"calling Ben in", "enter")
                await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
                assert app.screen.line.startswith("acknowledge sales: oldest caller waiting")
                assert app.screen.line.endswith(" as Dana: calling Ben in")
                await pilot.press("y")
                await until(pilot, lambda: isinstance(app.screen, AlarmListScreen))
                await until(
                    pilot, lambda: table.get_row_at(0)[8] == "Dana: calling Ben in", what="ack"
                )
                assert table.get_row_at(0)[0] == "✔" and table.get_row_at(1)[8] == ""
                (note,) = list(app._notifications)
                assert note.message.endswith("acknowledged as Dana")
                # A second acknowledgement asks the name no more.
                await pilot.press("down", "k")
                await until(pilot, lambda: "note" in getattr(app.screen, "title_text", ""))
                await pilot.press("escape")
                await pilot.press("escape")
                await until(pilot, lambda: not strip.has_class("-blink"), what="no blink")
                assert "(ack Dana: calling Ben in)" in strip_text(app)
            (row,) = [r for r in store.queries.open_alarms() if r.acked_by]
            assert (row.rule, row.acked_by, row.ack_note) == (
                "oldest_wait",
                "Dana",
                "calling Ben in",
            )

            other = viewer()
            other.control = ControlAccess(db, False, "this user is not in the control group")
            async with other.run_test(size=(140, 40)) as pilot:
                await until(pilot, lambda: len(other.alarms) == 2, what="the alarms")
                assert "(ack Dana: calling Ben in)" in strip_text(other)
                assert not other.screen.query_one(AlarmStrip).has_class("-blink")
                await pilot.press("a")
                await until(pilot, lambda: isinstance(other.screen, AlarmListScreen))
                assert "k" not in other.screen.active_bindings
                await pilot.press("k")
                await pilot.pause(0.1)
                assert isinstance(other.screen, AlarmListScreen)  # nothing asked, nothing sent
            assert len(store.queries.actions(0)) == 1
        finally:
            server.close()
            audit.close()
            monitor.close()
