"""A reading of one rule: the value of one queue, agent or feed against its rule's levels.

`reading` makes one only when it is not plainly fine (tripped, or not yet back to its clear
level): everyone else costs no Measurement and no summary at all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from floorwatch.alarm_config import LOWER_IS_WORSE, AlarmRule


class Measurement(NamedTuple):
    """One rule's reading of one queue, agent or feed, with the levels it is held against.
    Plain immutable data, a NamedTuple rather than a frozen dataclass: a round on a big floor
    makes them by the hundred, and a NamedTuple is made four times faster (a memo hands the
    same ones to the next round, so they must not change)."""

    rule: str
    severity: str
    value: float
    threshold: float
    clear: float
    min_duration_s: float
    clear_after_s: float
    summary: str
    queue: str | None = None
    agent: str | None = None
    source: str | None = None
    lower_is_worse: bool = False

    @property
    def key(self) -> tuple[str, str | None, str | None, str | None]:
        return (self.rule, self.queue, self.agent, self.source)

    @property
    def tripped(self) -> bool:
        """At or past the threshold: the condition that raises (after min_duration_s)."""
        if self.lower_is_worse:
            return self.value < self.threshold
        return self.value >= self.threshold

    @property
    def held(self) -> bool:
        """Not yet back to the clear level (at or below it; at or above it where lower is
        worse): a raised alarm stays raised."""
        if self.tripped:
            return True
        if self.lower_is_worse:
            return self.value < self.clear
        return self.value > self.clear


def reading(
    name: str,
    rule: AlarmRule,
    value: float,
    threshold: float,
    clear: float,
    summary: Callable[[], str],
    **where: str | None,
) -> Measurement | None:
    """The rule's Measurement, or None (cheaply, with no summary made) when it is plainly
    fine: neither tripped nor held by hysteresis. `name`: the rule's name; `where`: the queue,
    agent or feed it is about."""
    lower = name in LOWER_IS_WORSE
    # The clear level is never on the worse side of the threshold (no hysteresis the wrong way).
    if lower:
        clear = max(clear, threshold)
        if not value < clear:
            return None
    else:
        clear = min(clear, threshold)
        if not (value > clear or value >= threshold):
            return None
    return Measurement(
        name,
        rule.severity,
        value,
        threshold,
        clear,
        rule.min_duration_s,
        rule.clear_after_s,
        summary(),
        lower_is_worse=lower,
        **where,
    )
