"""Erlang C: how many agents a queue's traffic needs (plain Python, numerically stable).

Traffic A (Erlangs) = calls per second x average handle time. With N agents:

- Erlang B by its recursion B(0) = 1, B(n) = A B(n-1) / (n + A B(n-1)): no factorials or powers,
  so it neither overflows nor loses precision from 0.1 to 5,000 Erlangs;
- P(wait) = Erlang C = N B / (N - A (1 - B)) for N > A, and 1 when N <= A (the queue grows
  without bound);
- service level within T seconds = 1 - P(wait) e^{-(N - A) T / AHT};
- ASA = P(wait) AHT / (N - A); occupancy = A / N.

`agents_needed` walks N up from the first count above A, carrying the recursion along, so a
search costs one pass of the recursion (about a millisecond at 5,000 Erlangs).

Erlang C assumes callers never give up; real callers do, so it errs on the side of more agents.
That is the model shown everywhere in floorwatch (docs/staffing.md says why).

The functions refuse (ValueError) what has no answer: NaN or infinite inputs, a negative
traffic, an AHT that is not positive, traffic beyond `MAX_TRAFFIC`. The floor and the reports
go through `staffing_for`, which turns measured figures that cannot be staffed from (no calls,
no AHT, or a bad AHT that only a bad stored row can give) into "no figure" instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: The most traffic `agents_needed` staffs for: a hundred times the largest contact centres
#: (the search is about 30 ms here); anything above it comes from a bad figure, not a floor.
MAX_TRAFFIC = 100_000.0


@dataclass(frozen=True)
class Staffing:
    """How a queue does with `agents` agents on `traffic` Erlangs."""

    agents: int
    traffic: float
    wait_probability: float
    service_level: float
    asa_s: float
    occupancy: float

    def to_dict(self) -> dict:
        return {
            "agents": self.agents,
            "traffic_erlangs": self.traffic,
            "service_level": self.service_level,
            "asa_s": None if math.isinf(self.asa_s) else self.asa_s,
            "wait_probability": self.wait_probability,
            "occupancy": self.occupancy,
        }


def traffic(calls: float, period_s: float, aht_s: float) -> float:
    """Erlangs offered by `calls` calls in `period_s` seconds of `aht_s` seconds each."""
    if period_s <= 0:
        raise ValueError("the period must be positive")
    return calls / period_s * aht_s


def erlang_b(agents: int, traffic_erlangs: float) -> float:
    """Probability that all `agents` are busy (the loss formula), by the stable recursion."""
    blocking = 1.0
    for n in range(1, agents + 1):
        blocking = traffic_erlangs * blocking / (n + traffic_erlangs * blocking)
    return blocking


def _from_blocking(
    agents: int, a: float, blocking: float, aht_s: float, within_s: float
) -> Staffing:
    if agents <= 0:
        if a == 0:
            return Staffing(agents, a, 0.0, 1.0, 0.0, 0.0)
        return Staffing(agents, a, 1.0, 0.0, math.inf, 1.0)
    if a == 0:
        return Staffing(agents, a, 0.0, 1.0, 0.0, 0.0)
    if agents <= a:
        return Staffing(agents, a, 1.0, 0.0, math.inf, 1.0)
    wait = agents * blocking / (agents - a * (1 - blocking))
    spare = agents - a
    level = 1.0 - wait * math.exp(-spare * within_s / aht_s)
    return Staffing(agents, a, wait, max(0.0, min(1.0, level)), wait * aht_s / spare, a / agents)


def _check(traffic_erlangs: float, aht_s: float, within_s: float) -> None:
    if not (math.isfinite(traffic_erlangs) and math.isfinite(aht_s) and math.isfinite(within_s)):
        raise ValueError("traffic, AHT and the target time must be finite numbers")
    if traffic_erlangs < 0 or aht_s <= 0 or within_s < 0:
        raise ValueError("traffic and the target time must not be negative, AHT must be positive")


def erlang_c(agents: int, traffic_erlangs: float, aht_s: float, within_s: float) -> Staffing:
    """Service level, ASA, P(wait) and occupancy for `agents` agents."""
    _check(traffic_erlangs, aht_s, within_s)
    return _from_blocking(
        agents, traffic_erlangs, erlang_b(agents, traffic_erlangs), aht_s, within_s
    )


def agents_needed(
    traffic_erlangs: float,
    aht_s: float,
    target: float,
    within_s: float,
    max_occupancy: float | None = None,
) -> Staffing:
    """The smallest agent count that meets `target` within `within_s` (and keeps occupancy at
    or under `max_occupancy`, if given). No traffic needs no agents."""
    _check(traffic_erlangs, aht_s, within_s)
    if traffic_erlangs > MAX_TRAFFIC:
        raise ValueError(f"traffic over {MAX_TRAFFIC:,.0f} Erlangs is beyond any floor")
    if not 0 <= target <= 1 or (max_occupancy is not None and not 0 < max_occupancy <= 1):
        raise ValueError("the target and the maximum occupancy are shares between 0 and 1")
    a = traffic_erlangs
    if a == 0:
        return Staffing(0, 0.0, 0.0, 1.0, 0.0, 0.0)
    blocking = 1.0
    agents = 0
    while True:
        agents += 1
        blocking = a * blocking / (agents + a * blocking)
        if agents <= a:
            continue
        result = _from_blocking(agents, a, blocking, aht_s, within_s)
        if result.service_level >= target and (
            max_occupancy is None or result.occupancy <= max_occupancy
        ):
            return result
        if target >= 1.0 and agents > a + 50 * math.sqrt(a) + 100:
            return result  # 100 % is only reached in the limit; this is as close as it gets


def staffing_for(
    calls: float,
    period_s: float,
    aht_s: float | None,
    target: float,
    within_s: float,
    max_occupancy: float | None = None,
) -> Staffing | None:
    """`agents_needed` for `calls` calls in `period_s` seconds at a measured AHT, or None when
    there is nothing to staff from: no calls, no AHT, or an AHT or traffic that is not a
    positive finite number up to MAX_TRAFFIC. A store written before the parsers checked ranges
    can hold a negative talk time; the floor then shows no staffing figure for that queue
    rather than failing (docs/staffing.md)."""
    if not calls or aht_s is None or period_s <= 0:
        return None
    erlangs = calls / period_s * aht_s
    if (
        not (math.isfinite(erlangs) and math.isfinite(aht_s))
        or aht_s <= 0
        or not (0 < erlangs <= MAX_TRAFFIC)
    ):
        return None
    return agents_needed(erlangs, aht_s, target, within_s, max_occupancy)


def around(
    traffic_erlangs: float, aht_s: float, within_s: float, center: int, spread: int = 2
) -> list[Staffing]:
    """The figures for a few agent counts around `center` (what a planner compares)."""
    low = max(1, center - spread)
    return [erlang_c(n, traffic_erlangs, aht_s, within_s) for n in range(low, center + spread + 1)]
