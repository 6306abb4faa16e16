"""The queue rules: calls waiting, oldest wait, service level and abandon rate over the last
30 minutes, the forecast, no agent free; per queue, in that order.

A big floor's queues are mostly plainly fine, and a round must cost little for them: each
rule's reading is made only from the value at which it can have one (QueueLimits, worked out
once per queue), and with a memo the ratios of a queue whose 30-minute window did not move
(the very same WindowStats) are the last round's readings.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from floorwatch.alarm_config import AlarmRule, AlarmsConfig
from floorwatch.format import seconds
from floorwatch.snapshot.alarms.forecast import sl_below
from floorwatch.snapshot.alarms.measurement import Measurement, reading
from floorwatch.snapshot.alarms.memo import ReadingMemo
from floorwatch.snapshot.lean_floor import LeanFloor, QueueFigures

#: The window the ratio rules read (service level, abandon rate).
RATIO_WINDOW = "30m"
#: A service-level rule that takes the queue's target clears this far above it.
SERVICE_LEVEL_CLEAR_MARGIN = 0.05


@dataclass(frozen=True, slots=True)
class QueueLimits:
    """Per rule, the value below which the queue has no reading (the lower of the rule's
    threshold and clear level for the queue; infinite with the rule off)."""

    calls_waiting: float
    oldest_wait: float
    no_agent_free: float


def queue_limits(name: str, config: AlarmsConfig) -> QueueLimits:
    def lowest(rule: AlarmRule) -> float:
        return min(rule.threshold_for(name), rule.clear_for(name)) if rule.enabled else math.inf

    rules = config.rules
    return QueueLimits(
        lowest(rules.calls_waiting), lowest(rules.oldest_wait), lowest(rules.no_agent_free)
    )


def _every_limit(names: Iterable[str], config: AlarmsConfig) -> dict[str, QueueLimits]:
    return {name: queue_limits(name, config) for name in names}


def queue_readings(
    floor: LeanFloor, config: AlarmsConfig, memo: ReadingMemo | None, found: list[Measurement]
) -> None:
    """Every queue's readings that are not plainly fine, onto `found` (a round on a big floor
    goes through 200 queues: a list filled in place, not a generator)."""
    rules = config.rules
    now = floor.at
    forecast = rules.forecast_breach.enabled
    if memo is None:
        every_limit = _every_limit(floor.queues, config)
        last_ratios: dict = {}
    else:  # the limits come from the config alone: worked out again when a queue is added
        names = tuple(floor.queues)
        every_limit = memo.remember(config, "limits", "", names, _every_limit, names, config)
        last_ratios = memo.table(config, "ratios")
    for name, queue in floor.queues.items():
        limits = every_limit[name]
        label, waiting = queue.display_name, queue.waiting
        count = len(waiting)
        if count and count >= limits.calls_waiting:
            _add(found, _queue_reading(config, "calls_waiting", name, count, _waiting, label))
        if count:
            longest = waiting[0].wait_s(now)
            if longest >= limits.oldest_wait:
                _add(found, _queue_reading(config, "oldest_wait", name, longest, _oldest, label))
        # Most queues' 30 minutes do not move from one round to the next (the window's
        # figures are then the very same object): their readings are the last ones.
        stats = queue.windows.get(RATIO_WINDOW)
        last = last_ratios.get(name)
        if last is None or last[0] is not stats:
            last = (stats, _ratio_readings(name, queue, config))
            if memo is not None:
                last_ratios[name] = last
        found.extend(last[1])
        if forecast:
            ahead = sl_below(queue, now)
            if ahead is not None:
                _add(found, _queue_reading(config, "forecast_breach", name, ahead, _ahead, label))
        if count and queue.agents_available == 0 and count >= limits.no_agent_free:
            _add(found, _queue_reading(config, "no_agent_free", name, count, _unstaffed, label))


def _add(found: list[Measurement], measurement: Measurement | None) -> None:
    if measurement is not None:
        found.append(measurement)


def _queue_reading(
    config: AlarmsConfig,
    rule_name: str,
    name: str,
    value: float,
    describe: Callable[[str, float, float], str],
    label: str,
) -> Measurement | None:
    """A queue rule's reading against the queue's own threshold and clear level; `describe`
    makes its summary of (label, value, threshold), only for a reading not plainly fine."""
    rule: AlarmRule = getattr(config.rules, rule_name)
    threshold = rule.threshold_for(name)
    return reading(
        rule_name,
        rule,
        value,
        threshold,
        rule.clear_for(name),
        lambda: describe(label, value, threshold),
        queue=name,
    )


def _waiting(label: str, count: float, limit: float) -> str:
    return f"{label}: {count} calls waiting (limit {limit:g})"


def _oldest(label: str, longest: float, limit: float) -> str:
    return f"{label}: oldest caller waiting {seconds(longest)} (limit {seconds(limit)})"


def _ahead(label: str, ahead: float, _limit: float) -> str:
    return f"{label}: SL 30 min below target in ~{ahead / 60:.0f} min at this rate"


def _unstaffed(label: str, count: float, _limit: float) -> str:
    return f"{label}: {count} waiting and no agent free"


def _ratio_readings(
    name: str, queue: QueueFigures, config: AlarmsConfig
) -> tuple[Measurement, ...]:
    """The service-level and abandon-rate readings of the queue's last 30 minutes."""
    stats = queue.windows.get(RATIO_WINDOW)
    if stats is None:
        return ()
    found = []
    label = queue.display_name
    calls = stats.answered + stats.abandoned + stats.left
    rule = config.rules.service_level
    level = stats.service_level
    if rule.enabled and level is not None and calls >= rule.min_calls:
        threshold = rule.threshold_for(name)
        if threshold < 0:  # the queue's own target
            threshold = queue.target
            clear = min(1.0, threshold + SERVICE_LEVEL_CLEAR_MARGIN)
            clear = rule.clear if rule.clear is not None else clear
        else:
            clear = rule.clear_for(name)
        found.append(
            reading(
                "service_level",
                rule,
                level,
                threshold,
                max(clear, threshold),
                lambda: f"{label}: service level 30 min {level:.0%} (target {threshold:.0%})",
                queue=name,
            )
        )
    rule = config.rules.abandon_rate
    rate = stats.abandon_rate
    if rule.enabled and rate is not None and calls >= rule.min_calls:
        threshold = rule.threshold_for(name)
        found.append(
            reading(
                "abandon_rate",
                rule,
                rate,
                threshold,
                rule.clear_for(name),
                lambda: f"{label}: abandon rate 30 min {rate:.0%} (limit {threshold:.0%})",
                queue=name,
            )
        )
    return tuple(m for m in found if m is not None)
