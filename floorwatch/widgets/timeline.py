"""Today's states as a coloured bar across the hours, with a legend (symbols, not only colour)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from textual.content import Content
from textual.widget import Widget

from floorwatch.format import (
    AVAILABLE,
    OFFLINE,
    ON_CALL,
    PAUSED,
    RINGING,
    STATE_SYMBOLS,
    STATE_WORDS,
    WRAPUP,
)
from floorwatch.snapshot.timeline import Stretch, dominant_states
from floorwatch.widgets.guard import describe

#: Theme variables per state, for the bar and the legend.
STATE_COLORS = {
    AVAILABLE: "$success",
    RINGING: "$primary-lighten-2",
    ON_CALL: "$primary",
    WRAPUP: "$secondary",
    PAUSED: "$foreground",
    OFFLINE: "$text-disabled",
}
#: Bar glyphs differ per state too, so the bar reads without colour.
STATE_GLYPHS = {AVAILABLE: "░", RINGING: "▒", ON_CALL: "█", WRAPUP: "▓", PAUSED: "▚", OFFLINE: " "}


class Timeline(Widget):
    """A bar of the day from the first login hour to now; an optional stretch is marked."""

    def __init__(self, zone: ZoneInfo | None, *, id: str | None = None):
        super().__init__(id=id)
        self.zone = zone
        self.stretches: list[Stretch] = []
        self.start = 0.0
        self.end = 0.0
        self.highlight: tuple[float, float] | None = None

    def show(
        self,
        stretches: list[Stretch],
        start: float,
        end: float,
        highlight: tuple[float, float] | None = None,
    ) -> None:
        self.stretches, self.start, self.end = stretches, start, end
        self.highlight = highlight
        self.refresh()

    def _hour(self, ts: float) -> datetime:
        return datetime.fromtimestamp(ts, self.zone).astimezone(self.zone)

    def render(self) -> Content:
        try:
            return self._bar()
        except Exception as error:  # an odd stretch must not end the dashboard
            self.log.error("timeline failed", error)
            return Content.styled(f"cannot draw the timeline: {describe(error)}", "$error")

    def _bar(self) -> Content:
        width = max(10, self.size.width - 2)
        if self.end <= self.start:
            return Content("no activity today")
        states = dominant_states(self.stretches, self.start, self.end, width)
        bar = Content.assemble(*[(STATE_GLYPHS[s], STATE_COLORS[s]) for s in states])
        marks = [" "] * width
        if self.highlight is not None:
            low, high = self.highlight
            span = self.end - self.start
            first = int((low - self.start) / span * width)
            last = int((high - self.start) / span * width)
            for cell in range(max(0, first), min(width, last + 1)):
                marks[cell] = "▔"
        scale = [" "] * width
        first_hour = self._hour(self.start).replace(minute=0, second=0, microsecond=0)
        for ts, at_end in ((self.start, False), (self.end, True)):
            label = f"{self._hour(ts):%H:%M}"
            cell = width - len(label) if at_end else 0
            scale[cell : cell + len(label)] = list(label)
        hour = first_hour.timestamp() + 3600
        while hour <= self.end:
            cell = int((hour - self.start) / (self.end - self.start) * width)
            label = f"{self._hour(hour):%H}"
            if 0 <= cell <= width - len(label) and all(
                c == " " for c in scale[max(0, cell - 1) : cell + 3]
            ):
                scale[cell : cell + len(label)] = list(label)
            hour += 3600
        legend = Content.assemble(
            *[
                part
                for state in (ON_CALL, AVAILABLE, WRAPUP, PAUSED, OFFLINE)
                for part in (
                    (f"{STATE_GLYPHS[state] * 2}", STATE_COLORS[state]),
                    f" {STATE_SYMBOLS[state]} {STATE_WORDS[state]}   ",
                )
            ]
        )
        return Content("\n").join(
            [bar, Content.styled("".join(marks), "$error"), Content("".join(scale)), legend]
        )
