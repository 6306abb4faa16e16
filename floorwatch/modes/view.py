"""How a dashboard opens, as the viewing commands' flags say it (--wall, --queue, --rotate,
--start, --theme)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ViewerOptions:
    """On the floor, or on the wallboard: every queue, one queue, or one at a time."""

    wall: bool = False
    #: The wallboard for this queue only (opens the wallboard).
    wall_queue: str | None = None
    #: The wallboard shows one queue at a time, turning every this many seconds.
    rotate_s: float | None = None
    #: The screen to open on: floor, wall or map (--wall and --queue mean wall).
    start: str = "floor"
    #: A Textual theme for this viewer instead of the config's `[display] theme`.
    theme: str | None = None
    #: No action keys, whatever the control socket allows (`dash --read-only`, every browser).
    read_only: bool = False
    #: Ring the bell per new alarm (None: the config's `[alarms] bell`).
    bell: bool | None = None
    #: Alarms blink (None: the config's `[alarms] blink`, off under NO_COLOR).
    blink: bool | None = None
