"""The figures a wall panel can show (`[wallboard] figures`): for a queue or the whole floor,
its text in big digits and its level against the config's thresholds.

Each figure has a template - the widest text it usually takes - so the wall chooses one digit
size for every panel from the templates, not from today's values: the digits do not jump when
a count goes from 9 to 10, and a number wider than its template is drawn one size smaller.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from floorwatch.config import Config
from floorwatch.format import clock, level, service_level_state
from floorwatch.snapshot.floor_snapshot import FloorSnapshot, QueueSnapshot

#: (text, level): level is ok, warning or critical.
Reading = tuple[str, str]


@dataclass(frozen=True)
class Figure:
    name: str
    caption: str
    template: str
    queue: Callable[[QueueSnapshot, Config], Reading]
    floor: Callable[[FloorSnapshot, Config], Reading]


def _waiting(count: int, config: Config) -> Reading:
    limits = config.colors.calls_waiting
    return str(count), level(count, limits.warning, limits.critical)


def _oldest(wait_s: float | None, config: Config) -> Reading:
    limits = config.colors.longest_wait_s
    return (
        clock(wait_s) if wait_s is not None else "0:00",
        level(wait_s, limits.warning, limits.critical),
    )


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


def _queue_level(window: str) -> Callable[[QueueSnapshot, Config], Reading]:
    def reading(queue: QueueSnapshot, config: Config) -> Reading:
        value = queue.windows[window].service_level
        return _percent(value), service_level_state(
            value, queue.target, config.colors.service_level.critical
        )

    return reading


def _floor_level(window: str) -> Callable[[FloorSnapshot, Config], Reading]:
    def reading(snapshot: FloorSnapshot, config: Config) -> Reading:
        value = snapshot.totals.windows[window].service_level
        limits = config.colors.service_level
        return _percent(value), level(value, limits.warning, limits.critical, higher_is_worse=False)

    return reading


def _free(available: int, waiting: int) -> Reading:
    """No agent free while callers wait is a warning: nobody can take the next call."""
    return str(available), "warning" if available == 0 and waiting else "ok"


def _need_have(gaps: list[dict]) -> Reading:
    if not gaps:
        return "-", "ok"
    needed = sum(int(gap["agents_needed"]) for gap in gaps)
    staffed = sum(int(gap["agents_staffed"]) for gap in gaps)
    short = needed - staffed
    return f"{needed}/{staffed}", "critical" if short > 1 else ("warning" if short > 0 else "ok")


FIGURES: dict[str, Figure] = {
    figure.name: figure
    for figure in (
        Figure(
            "waiting",
            "waiting",
            "88",
            lambda q, c: _waiting(q.calls_waiting, c),
            lambda s, c: _waiting(s.totals.calls_waiting, c),
        ),
        Figure(
            "oldest",
            "oldest wait",
            "8:88",
            lambda q, c: _oldest(q.longest_wait_s, c),
            lambda s, c: _oldest(s.totals.longest_wait_s, c),
        ),
        Figure("sl_30m", "SL 30 min", "100%", _queue_level("30m"), _floor_level("30m")),
        Figure("sl_today", "SL today", "100%", _queue_level("today"), _floor_level("today")),
        Figure(
            "free",
            "agents free",
            "88",
            lambda q, c: _free(q.agents_available, q.calls_waiting),
            lambda s, c: _free(s.totals.agents_available, s.totals.calls_waiting),
        ),
        Figure(
            "need_have",
            "need/have",
            "88/88",
            lambda q, c: _need_have([q.staffing] if q.staffing else []),
            lambda s, c: _need_have([q.staffing for q in s.queues.values() if q.staffing]),
        ),
    )
}

LEVEL_ORDER = {"ok": 0, "warning": 1, "critical": 2}


def worst(levels: list[str]) -> str:
    """The most severe of `levels` (ok when there are none)."""
    return max(levels, key=LEVEL_ORDER.__getitem__, default="ok")
