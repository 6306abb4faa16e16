"""One line per caller waiting in a queue: position, number (masked where a room or a browser
sees it), name, the wait ticking, and the priority where the feed gives one."""

from __future__ import annotations

from floorwatch.config import Config
from floorwatch.format import level, mask_caller, seconds
from floorwatch.snapshot.floor_snapshot import WaitingCall
from floorwatch.widgets.guard import shielded
from floorwatch.widgets.live_table import Cell, Column, LiveTable


def waiting_columns(config: Config, masked: bool) -> list[Column[WaitingCall]]:
    callers, thresholds = config.callers, config.colors.longest_wait_s

    def caller(call: WaitingCall, now: float) -> Cell:
        if masked:
            return mask_caller(call.caller, callers.visible_digits), None
        return call.caller or "-", None

    def wait(call: WaitingCall, now: float) -> Cell:
        value = call.wait_s(now)
        state = level(value, thresholds.warning, thresholds.critical)
        return seconds(value), None if state == "ok" else state

    def priority(call: WaitingCall, now: float) -> Cell:
        return ("" if call.priority is None else str(call.priority)), "muted"

    return [
        Column(
            "position",
            "pos",
            5,
            lambda c, now: (str(c.position or ""), None),
            "right",
            sort=lambda c: (c.position or 10**6, c.enqueued_at),
        ),
        Column("caller", "caller", 8, caller, content=True, max_width=24),
        Column(
            "name",
            "name",
            4,
            lambda c, now: ("" if masked else c.caller_name or "", None),
            content=True,
            max_width=24,
            drop=1,
        ),
        Column("wait", "waiting", 7, wait, "right", sort=lambda c: c.enqueued_at),
        Column("priority", "prio", 4, priority, "right", drop=2, sort=lambda c: -(c.priority or 0)),
    ]


class WaitingCallers(LiveTable[WaitingCall]):
    """The callers waiting in one queue, first in line first."""

    def __init__(self, config: Config, *, masked: bool, id: str | None = None):
        super().__init__(waiting_columns(config, masked), id=id)
        self.masked = masked
        self.sort_column = "position"
        self.empty_message = "nobody waiting"
        self.can_focus = False  # Enter and the arrows stay with the agents below

    @shielded
    def show(self, waiting: list[WaitingCall] | tuple[WaitingCall, ...], now: float) -> None:
        self.update_rows({call.call_id: call for call in waiting}, now)
