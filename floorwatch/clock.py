"""Clocks that are not the wall clock (a simulated day, a replayed one), and local days.

Everything that asks "what time is it" (the dashboard, the burnout rules, the simulator's
writer) takes a callable; these are the callables for demos and replays, so the whole floor
follows the feed's time, at any speed, paused or not.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from datetime import time as dtime
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class ClockState:
    """Where a feed clock stands, in a form another process can follow: feed time `feed` at
    wall-clock (epoch) time `wall`, running `speed` times as fast, or held there if `paused`.

    The ingest of a demo or a replay records it in the store, so that any viewer of that store
    reads the floor at the feed's time, not the machine's."""

    feed: float
    wall: float
    speed: float
    paused: bool

    def at(self, wall: float) -> float:
        """Feed time when the wall clock reads `wall`."""
        if self.paused:
            return self.feed
        return self.feed + (wall - self.wall) * self.speed

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ClockState | None:
        """The state recorded as `text`; None if it is not one (then the wall clock holds)."""
        try:
            data = json.loads(text)
            return cls(
                float(data["feed"]), float(data["wall"]), float(data["speed"]), bool(data["paused"])
            )
        except (ValueError, TypeError, KeyError):
            return None


class FeedClock:
    """Feed time that runs `speed` times faster than the wall clock from `start`; can pause,
    change speed and jump, and is safe to read from any thread."""

    def __init__(self, start: float, speed: float = 1.0, paused: bool = False):
        self._lock = threading.Lock()
        self._base = start
        self._wall = time.monotonic()
        self._speed = speed
        self._paused = paused
        #: Goes up with every pause, speed change and jump (the ingest records the new state).
        self.changes = 0

    def state(self) -> ClockState:
        """Where the clock stands now, against the wall clock (epoch seconds)."""
        with self._lock:
            wall = time.time()
            feed = self._base
            if not self._paused:
                feed += (time.monotonic() - self._wall) * self._speed
            return ClockState(feed, wall, self._speed, self._paused)

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
            self.changes += 1

    def pause(self, paused: bool) -> None:
        with self._lock:
            self._rebase()
            self._paused = paused
            self._wall = time.monotonic()
            self.changes += 1

    def jump(self, to: float) -> None:
        with self._lock:
            self._base = to
            self._wall = time.monotonic()
            self.changes += 1


class StoreClock:
    """A viewer's clock: the feed clock its store records (a demo's, a replay's), else the wall
    clock. The viewer's live link hands it each state it reads (`follow`)."""

    def __init__(self, wall: Callable[[], float] = time.time):
        self._wall = wall
        self._state: ClockState | None = None

    def follow(self, state: ClockState | None) -> None:
        self._state = state

    @property
    def state(self) -> ClockState | None:
        return self._state

    def now(self) -> float:
        wall = self._wall()
        state = self._state
        return wall if state is None else state.at(wall)

    __call__ = now


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


# ----------------------------------------------------------------- instants a person types
def typed_instant(text: str, now: float, tz: ZoneInfo | None) -> float:
    """The instant `text` names, for the rewind's `t`: a time of the day `now` is in ("10:40",
    "10:40:30", in `tz`), or a distance back from `now` ("-15m", "-90s", "-2h", "-15" in
    minutes). Raises ValueError with the words to show for anything else."""
    words = text.strip().lower()
    if words.startswith("-"):
        units = {"s": 1, "m": 60, "h": 3600}
        amount, unit = (words[1:-1], words[-1]) if words[-1] in units else (words[1:], "m")
        try:
            back = float(amount) * units[unit]
        except ValueError:
            raise ValueError(f"{text!r}: not a time back such as -15m, -90s or -2h") from None
        if not back > 0 or back != back:
            raise ValueError(f"{text!r}: a time back must be more than zero")
        return now - back
    parts = words.split(":")
    try:
        numbers = [int(part) for part in parts]
    except ValueError:
        numbers = []
    if len(numbers) not in (2, 3) or not (
        0 <= numbers[0] < 24 and all(0 <= n < 60 for n in numbers[1:])
    ):
        raise ValueError(f"{text!r}: not a time such as 10:40, 10:40:30 or -15m")
    moment = datetime.fromtimestamp(now, tz) if tz else datetime.fromtimestamp(now).astimezone()
    wanted = moment.replace(
        hour=numbers[0],
        minute=numbers[1],
        second=numbers[2] if len(numbers) == 3 else 0,
        microsecond=0,
    )
    return wanted.timestamp()
