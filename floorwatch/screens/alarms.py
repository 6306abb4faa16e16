"""`a`: today's alarms, newest first, open ones on top (raised, cleared, how long, what, who
took it), with `s` to silence the bell and blink of the one under the cursor on this viewer
only, and `k` to acknowledge it for every viewer.

Silence is this viewer's: another screen on the floor still rings and blinks. An
acknowledgement is shared: it goes to the ingest through the control socket like any
supervisor action (so `k` exists only on a viewer that can reach it), and every viewer shows
the name and note it was given and stops blinking for it.
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
from floorwatch.screens.supervisor_actions import AcknowledgeFlow
from floorwatch.snapshot.alarms import Alarm
from floorwatch.snapshot.live import FloorUpdate
from floorwatch.widgets.action_keys import action_key_shown
from floorwatch.widgets.alarm_strip import SEVERITY_MARK, AlarmStrip

ACKNOWLEDGED_MARK = "✔"


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
        Binding("k", "act('acknowledge')", "Acknowledge"),
    ]
    COLUMNS = ("", "raised", "cleared", "for", "severity", "rule", "where", "what", "taken")

    def __init__(self) -> None:
        super().__init__()
        self._shown: dict[str, Alarm] = {}

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
        self._shown = {str(alarm.store_id): alarm for alarm in history}
        for alarm in history:
            end = alarm.cleared_ts if alarm.cleared_ts is not None else now
            table.add_row(
                "🔕"
                if alarm.store_id in silenced
                else ACKNOWLEDGED_MARK
                if alarm.acknowledged
                else SEVERITY_MARK.get(alarm.severity, ""),
                f"{datetime.fromtimestamp(alarm.raised_ts, zone):%H:%M:%S}",
                f"{datetime.fromtimestamp(alarm.cleared_ts, zone):%H:%M:%S}"
                if alarm.cleared_ts is not None
                else "open",
                seconds(max(0.0, end - alarm.raised_ts)),
                alarm.severity,
                alarm.rule,
                printable(where(alarm)),
                printable(alarm.summary),
                printable(alarm.acknowledgement().removeprefix("ack ")),
                key=str(alarm.store_id),
            )
        if history:
            table.move_cursor(row=min(cursor, len(history) - 1))
        opened = sum(a.is_open for a in history)
        keys = "s: silence on this screen   "
        if action_key_shown(self, "act", ("acknowledge",)):
            keys += "k: acknowledge for everyone   "
        self.query_one("#alarms-title", Static).update(
            f"alarms today: {len(history)} ({opened} open)   {keys}escape: back"
        )

    def _selected(self) -> Alarm | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self._shown.get(str(key))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return action_key_shown(self, action, parameters)

    def action_silence(self) -> None:
        alarm = self._selected()
        if alarm is not None and alarm.store_id is not None:
            self.app.toggle_silence(alarm.store_id)

    def action_act(self, action: str) -> None:
        alarm = self._selected()
        if alarm is not None and alarm.store_id is not None:
            AcknowledgeFlow(self, alarm).start()
