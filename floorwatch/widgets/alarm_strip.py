"""The alarm strip: one line under the header of every screen with the alarms up now, newest
first, critical as a solid block. Hidden while nothing is up, so a calm floor loses no row.

Alarms are the ingest's (stored); the strip only reads them from the app (`app.alarms`). A
viewer's silence (the alarm list's `s`) dims an alarm on this screen only and stops its blink;
an acknowledgement (the list's `k`, through the ingest) stops it blinking on every screen and
says who took it.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content
from textual.widget import Widget

from floorwatch.safe_text import printable
from floorwatch.snapshot.alarms import Alarm
from floorwatch.widgets.guard import shielded

#: A shape and a style per severity (never colour alone: NO_COLOR keeps the shape).
SEVERITY_MARK = {"critical": "✖", "warning": "▲", "info": "●"}
SEVERITY_STYLE = {
    "critical": "bold $fw-on-critical on $fw-critical",
    "warning": "bold $fw-warning",
    "info": "bold $accent",
}
SILENCED_STYLE = "$text-muted"
#: Somebody has it: still shown (the trouble is still there), no longer shouting.
ACKNOWLEDGED_STYLE = "$text"


def alarm_label(alarm: Alarm) -> str:
    taken = f" ({printable(alarm.acknowledgement())})" if alarm.acknowledged else ""
    return f"{SEVERITY_MARK.get(alarm.severity, '●')} {printable(alarm.summary)}{taken}"


class AlarmStrip(Widget):
    """Draws the app's open alarms; `a` (the app's binding) opens the list with history."""

    DEFAULT_CSS = """
    AlarmStrip {
        height: 1;
        padding: 0 1;
        background: $panel-darken-1;
        display: none;
    }
    AlarmStrip.-up { display: block; }
    AlarmStrip.-blink.-on { text-style: reverse; }
    """

    def __init__(self, *, id: str | None = None):
        super().__init__(id=id)
        self._content = Content("")
        self._blink_on = False

    def on_mount(self) -> None:
        self.watch(self.app, "alarms", self.show)
        self.watch(self.app, "silenced", lambda _: self.show(self.app.alarms))
        if getattr(self.app, "blink", False):
            self.set_interval(0.5, self._blink)

    def _blink(self) -> None:
        """Blink while a loud critical alarm is up. Otherwise nothing: `-on` shows only with
        `-blink`, and a class changed restyles the strip (twice a second on an idle viewer)."""
        if not self.has_class("-blink"):
            if self._blink_on:
                self._blink_on = False
                self.set_class(False, "-on")
            return
        self._blink_on = not self._blink_on
        self.set_class(self._blink_on, "-on")

    @shielded
    def show(self, alarms: Sequence[Alarm]) -> None:
        silenced = self.app.silenced
        self.set_class(bool(alarms), "-up")
        loud = [a for a in alarms if a.store_id not in silenced and not a.acknowledged]
        # Blinking only while a critical alarm is up that nobody has silenced or taken.
        self.set_class(any(a.severity == "critical" for a in loud), "-blink")
        parts: list = [Content.styled(f" ALARMS {len(alarms)} ", "bold reverse"), " "]
        for index, alarm in enumerate(alarms):
            if index:
                parts.append("  ")
            quiet = alarm.store_id in silenced
            style = (
                SILENCED_STYLE
                if quiet
                else ACKNOWLEDGED_STYLE
                if alarm.acknowledged
                else SEVERITY_STYLE.get(alarm.severity, "")
            )
            parts.append(
                Content.styled(alarm_label(alarm) + (" (silenced)" if quiet else ""), style)
            )
        self._content = Content.assemble(*parts)
        self.refresh()

    def render(self) -> Content:
        return self._content

    def show_failure(self, message: str | None) -> None:
        if message is not None:
            self._content = Content(f"cannot show the alarms: {message}")
            self.refresh()
