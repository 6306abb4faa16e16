"""Before the breach: per queue, when the next caller passes the service-level threshold, and
when the service level of the last 30 minutes falls under its target at the present rate.

Both are plain arithmetic on a snapshot (docs/metrics.md, "Forecast", says the method):

- next caller over: among the callers waiting, the oldest one still under the threshold
  passes it in `threshold - wait` seconds (0 when one is over it already);
- SL 30 min below target: the window loses its oldest calls as it slides (taken as spread
  evenly over the 30 minutes) and gains new ones at the last 30 minutes' arrival rate, of
  which the share answered within the threshold is the last 15 minutes' service level (the
  present rate); callers already waiting past the threshold count as misses now. The first
  half-minute step at which that projection is under target is the forecast, within 30 min.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from floorwatch.snapshot.floor_snapshot import WaitingCall
from floorwatch.snapshot.metrics import WindowStats

WINDOW_S = 1800.0
STEP_S = 30.0
#: The windows of a queue's snapshot the forecast reads.
FORECAST_WINDOWS = frozenset({"30m", "15m"})


class ForecastQueue(Protocol):
    """What the forecast reads of a queue: a dashboard's QueueSnapshot, or the QueueFigures
    of the alarm round's lean floor."""

    @property
    def waiting(self) -> Sequence[WaitingCall]: ...

    @property
    def windows(self) -> Mapping[str, WindowStats]: ...

    @property
    def threshold_s(self) -> float: ...

    @property
    def target(self) -> float: ...


@dataclass(frozen=True)
class QueueForecast:
    #: Seconds until the next waiting caller is over the SL threshold (0: one is already);
    #: None: nobody waiting under it.
    next_over_s: float | None
    #: Seconds until SL 30 min is below target at this rate (0: it is already); None: not
    #: within 30 minutes, or too few calls to say.
    sl_below_s: float | None


def next_over(queue: ForecastQueue, now: float) -> float | None:
    """The callers waiting are oldest first (model/waiting.py): the oldest decides."""
    if not queue.waiting:
        return None
    oldest = queue.waiting[0].wait_s(now)
    return 0.0 if oldest >= queue.threshold_s else queue.threshold_s - oldest


def sl_below(queue: ForecastQueue, now: float, min_calls: int = 5) -> float | None:
    half = queue.windows.get("30m")
    recent = queue.windows.get("15m")
    if half is None:
        return None
    counted = half.answered + half.abandoned + half.left
    level = half.service_level
    if counted < min_calls or level is None:
        return None
    within = level * counted  # the formula's numerator, whatever the formula
    # Oldest first: those past the threshold are a prefix of the callers waiting.
    over_now = 0
    for call in queue.waiting:  # oldest first: those past the threshold come first
        if call.wait_s(now) < queue.threshold_s:
            break
        over_now += 1
    present = recent.service_level if recent is not None else None
    rate_share = present if present is not None else level
    arrivals = half.offered / WINDOW_S  # calls a second
    target = queue.target
    # The projection's numerator and denominator are both linear in t, so the sign of
    # (numerator - target * denominator) changes at most once: step from just before it.
    gap_now = within - target * (counted + over_now)
    gap_slope = rate_share * arrivals - within / WINDOW_S - target * (arrivals - counted / WINDOW_S)
    steps = int(WINDOW_S // STEP_S)
    if gap_now < 0:
        first = 0
    elif gap_slope >= 0:
        return None
    else:
        first = max(0, int(-gap_now / gap_slope // STEP_S) - 1)
    for step in range(first, steps + 1):
        t = step * STEP_S
        kept = 1 - t / WINDOW_S
        calls = counted * kept + arrivals * t + over_now
        if calls > 0 and (within * kept + rate_share * arrivals * t) / calls < target:
            return t
    return None


def forecast(queue: ForecastQueue, now: float) -> QueueForecast:
    return QueueForecast(next_over(queue, now), sl_below(queue, now))
