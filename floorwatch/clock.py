"""Clocks that are not the wall clock (a simulated day, a replayed one), and local days.

Everything that asks "what time is it" (the dashboard, the burnout rules, the simulator's
writer) takes a callable; these are the callables for demos and replays, so the whole floor
follows the feed's time, at any speed, paused or not.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime
from datetime import time as dtime
from zoneinfo import ZoneInfo


class FeedClock:
    """Feed time that runs `speed` times faster than the wall clock from `start`; can pause,
    change speed and jump, and is safe to read from any thread."""

    def __init__(self, start: float, speed: float = 1.0, paused: bool = False):
        self._lock = threading.Lock()
        self._base = start
        self._wall = time.monotonic()
        self._speed = speed
        self._paused = paused

    def now(self) -> float:
        with self._lock:
            if self._paused:
                return self._base
            return self._base + (time.monotonic() - self._wall) * self._speed

    __call__ = now

    def _rebase(self) -> None:
        """Fold the time run so far into the base (call with the lock held)."""
        if not self._paused:
            now = time.monotonic()
            self._base += (now - self._wall) * self._speed
            self._wall = now

    @property
    def speed(self) -> float:
        return self._speed

    @property
    def paused(self) -> bool:
        return self._paused

    def set_speed(self, speed: float) -> None:
        with self._lock:
            self._rebase()
            self._speed = max(0.01, speed)

    def pause(self, paused: bool) -> None:
        with self._lock:
            self._rebase()
            self._paused = paused
            self._wall = time.monotonic()

    def jump(self, to: float) -> None:
        with self._lock:
            self._base = to
            self._wall = time.monotonic()


# ----------------------------------------------------------------- local days
def local_day_start(ts: float, tz: ZoneInfo | None) -> float:
    """Local midnight (in tz, or this machine's zone) of the day containing ts."""
    moment = datetime.fromtimestamp(ts, tz) if tz else datetime.fromtimestamp(ts).astimezone()
    midnight = datetime.combine(moment.date(), dtime(0), moment.tzinfo if tz else None)
    if tz is None:
        midnight = midnight.astimezone()
    return midnight.timestamp()


def local_day_end(day_start: float, tz: ZoneInfo | None) -> float:
    """The next local midnight (days are 23 to 25 hours long around DST changes)."""
    return local_day_start(day_start + 26 * 3600, tz)
