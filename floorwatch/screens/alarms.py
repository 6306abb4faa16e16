"""`a`: today's alarms, newest first, open ones on top (raised, cleared, how long, what), with
`s` to silence the bell and blink of the one under the cursor on this viewer only.

Silence is this viewer's: another screen on the floor still rings and blinks (a shared
acknowledgement needs a supervisor's action, which a read-only viewer does not have).
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from floorwatch.format import seconds
from floorwatch.safe_text import printable
from floorwatch.snapshot.alarms import Alarm
from floorwatch.snapshot.live import FloorUpdate
from floorwatch.widgets.alarm_strip import SEVERITY_MARK, AlarmStrip


def where(alarm: Alarm) -> str:
    return " / ".join(p for p in (alarm.queue, alarm.agent, alarm.source) if p) or "floor"


class AlarmListScreen(Screen):
    """The alarm history of today, as the ingest stored it."""

    DEFAULT_CSS = """
    AlarmListScreen #alarms-title { height: 1; padding: 0 1; background: $panel; }
    AlarmListScreen DataTable { height: 1fr; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,a", "app.pop_screen", "Back"),
        Binding("s", "silence", "Silence"),
    ]
    COLUMNS = ("", "raised", "cleared", "for", "severity", "rule", "where", "what")

    def compose(self) -> ComposeResult:
        yield Static("alarms today", id="alarms-title")
        yield AlarmStrip()
        yield DataTable(id="alarm-table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(*self.COLUMNS)
        table.focus()
        self.watch(self.app, "update", self.show_update)
        self.watch(self.app, "silenced", lambda _: self.show_update(self.app.update))

    def show_update(self, update: FloorUpdate | None) -> None:
        if update is None:
            return
        zone = self.app.config.tzinfo()
        now = update.snapshot.at
        history = sorted(update.alarm_history, key=lambda a: (not a.is_open, -a.raised_ts))
        table = self.query_one(DataTable)
        cursor = table.cursor_row
        table.clear()
        silenced = self.app.silenced
        for alarm in history:
            end = alarm.cleared_ts if alarm.cleared_ts is not None else now
            table.add_row(
                ("🔕" if alarm.store_id in silenced else SEVERITY_MARK.get(alarm.severity, "")),
                f"{datetime.fromtimestamp(alarm.raised_ts, zone):%H:%M:%S}",
                f"{datetime.fromtimestamp(alarm.cleared_ts, zone):%H:%M:%S}"
                if alarm.cleared_ts is not None
                else "open",
                seconds(max(0.0, end - alarm.raised_ts)),
                alarm.severity,
                alarm.rule,
                printable(where(alarm)),
                printable(alarm.summary),
                key=str(alarm.store_id),
            )
        if history:
            table.move_cursor(row=min(cursor, len(history) - 1))
        opened = sum(a.is_open for a in history)
        self.query_one("#alarms-title", Static).update(
            f"alarms today: {len(history)} ({opened} open)   s: silence on this screen   "
            "escape: back"
        )

    def action_silence(self) -> None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        if key is not None and key != "None":
            self.app.toggle_silence(int(key))
