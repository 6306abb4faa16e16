"""The alarm rules: what on the floor is measured against which threshold.

`measure` turns a snapshot into Measurements, one per queue, agent or feed whose value is not
yet back on the good side of its rule's clear level (everyone else is plainly fine, and costs
nothing further). Whether a measurement raises, holds or clears an alarm is the tracker's
business (minimum duration, hysteresis), so each rule here is a plain reading of the floor.
"""

# ruff: noqa: B023 - each reading's summary is a lambda called at once inside _reading (so a
# plainly fine reading costs no formatting); it never outlives the loop variables it reads.
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from floorwatch.alarm_config import LOWER_IS_WORSE, AlarmRule, AlarmsConfig
from floorwatch.format import seconds
from floorwatch.snapshot.alarms.agent_watch import AgentWatch, pause_limit
from floorwatch.snapshot.alarms.forecast import FORECAST_WINDOWS, sl_below
from floorwatch.snapshot.floor_snapshot import FloorSnapshot, QueueSnapshot

#: The window the ratio rules read (service level, abandon rate).
RATIO_WINDOW = "30m"
#: A service-level rule that takes the queue's target clears this far above it.
SERVICE_LEVEL_CLEAR_MARGIN = 0.05


@dataclass(frozen=True)
class Measurement:
    """One rule's reading of one queue, agent or feed, with the levels it is held against."""

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


def _reading(
    name: str,
    rule: AlarmRule,
    value: float,
    threshold: float,
    clear: float,
    summary: Callable[[], str],
    **where: str | None,
) -> Measurement | None:
    """The rule's Measurement, or None (cheaply, with no summary made) when it is plainly
    fine: neither tripped nor held by hysteresis."""
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


def windows_read(config: AlarmsConfig) -> frozenset[str]:
    """The windows of WINDOWS the enabled rules read: a snapshot for them counts only these."""
    rules = config.rules
    read = {RATIO_WINDOW} if rules.service_level.enabled or rules.abandon_rate.enabled else set()
    if rules.forecast_breach.enabled:
        read |= FORECAST_WINDOWS
    return frozenset(read)


def measure(
    floor: FloorSnapshot,
    config: AlarmsConfig,
    misses: Mapping[str, Sequence[float]] | None = None,
    watch: tuple[AgentWatch, Iterable[str] | None] | None = None,
) -> list[Measurement]:
    """Every reading that is not plainly fine at `floor.at`. `misses`: each agent's recent
    ring-no-answer instants (the model's book keeps the last hour of them). `watch`: the
    monitor's AgentWatch and the agents changed since its last round (None: every agent),
    so that only the agents whose limits can have come are looked at."""
    if not config.enabled:
        return []
    found = list(_queue_readings(floor, config))
    found += _agent_readings(floor, config, misses or {}, watch)
    found += _feed_readings(floor, config)
    return [m for m in found if m is not None and m.held]


def _queue_readings(floor: FloorSnapshot, config: AlarmsConfig) -> Iterator[Measurement | None]:
    rules = config.rules
    for name, queue in floor.queues.items():
        label = queue.display_name
        rule = rules.calls_waiting
        if rule.enabled and queue.calls_waiting:
            threshold = rule.threshold_for(name)
            yield _reading(
                "calls_waiting",
                rule,
                queue.calls_waiting,
                threshold,
                rule.clear_for(name),
                lambda: f"{label}: {queue.calls_waiting} calls waiting (limit {threshold:g})",
                queue=name,
            )
        rule = rules.oldest_wait
        if rule.enabled and queue.longest_wait_s is not None:
            threshold = rule.threshold_for(name)
            yield _reading(
                "oldest_wait",
                rule,
                queue.longest_wait_s,
                threshold,
                rule.clear_for(name),
                lambda: (
                    f"{label}: oldest caller waiting {seconds(queue.longest_wait_s)} "
                    f"(limit {seconds(threshold)})"
                ),
                queue=name,
            )
        yield from _ratio_readings(name, queue, config)
        rule = rules.forecast_breach
        if rule.enabled:
            ahead = sl_below(queue, floor.at)
            if ahead is not None:
                yield _reading(
                    "forecast_breach",
                    rule,
                    ahead,
                    rule.threshold_for(name),
                    rule.clear_for(name),
                    lambda: (
                        f"{label}: SL 30 min below target in ~{ahead / 60:.0f} min at this rate"
                    ),
                    queue=name,
                )
        rule = rules.no_agent_free
        if rule.enabled and queue.calls_waiting and queue.agents_available == 0:
            yield _reading(
                "no_agent_free",
                rule,
                queue.calls_waiting,
                rule.threshold_for(name),
                rule.clear_for(name),
                lambda: f"{label}: {queue.calls_waiting} waiting and no agent free",
                queue=name,
            )


def _ratio_readings(
    name: str, queue: QueueSnapshot, config: AlarmsConfig
) -> Iterator[Measurement | None]:
    stats = queue.windows.get(RATIO_WINDOW)
    if stats is None:
        return
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
        yield _reading(
            "service_level",
            rule,
            level,
            threshold,
            max(clear, threshold),
            lambda: f"{label}: service level 30 min {level:.0%} (target {threshold:.0%})",
            queue=name,
        )
    rule = config.rules.abandon_rate
    rate = stats.abandon_rate
    if rule.enabled and rate is not None and calls >= rule.min_calls:
        threshold = rule.threshold_for(name)
        yield _reading(
            "abandon_rate",
            rule,
            rate,
            threshold,
            rule.clear_for(name),
            lambda: f"{label}: abandon rate 30 min {rate:.0%} (limit {threshold:.0%})",
            queue=name,
        )


def _agent_readings(
    floor: FloorSnapshot,
    config: AlarmsConfig,
    misses: Mapping[str, Sequence[float]],
    watch: tuple[AgentWatch, Iterable[str] | None] | None,
) -> Iterator[Measurement | None]:
    rules = config.rules
    now = floor.at
    long_call, long_pause, missed = rules.long_call, rules.long_pause, rules.missed_rings
    names = floor.agents if watch is None else sorted(watch[0].due(floor, config, watch[1]))
    for name in names:
        agent = floor.agents[name]
        label = agent.display_name
        if long_call.enabled and agent.call is not None:
            talk = agent.call.talk_s(now)
            if talk >= long_call.clear_for(None):
                yield _reading(
                    "long_call",
                    long_call,
                    talk,
                    long_call.threshold,
                    long_call.clear_for(None),
                    lambda: (
                        f"{label}: on one call for {seconds(talk)} (limit "
                        f"{seconds(long_call.threshold)})"
                    ),
                    agent=name,
                    queue=agent.call.queue,
                )
        if long_pause.enabled and agent.state == "paused" and agent.since is not None:
            paused = max(0.0, now - agent.since)
            limit = pause_limit(long_pause, agent.reason)
            if paused >= limit:
                reason = agent.reason or "no reason"
                yield _reading(
                    "long_pause",
                    long_pause,
                    paused,
                    limit,
                    limit,
                    lambda: (
                        f"{label}: paused ({reason}) for {seconds(paused)} (limit {seconds(limit)})"
                    ),
                    agent=name,
                )
    if not missed.enabled:
        return
    horizon = now - missed.window_min * 60
    for name, instants in misses.items():
        count = sum(1 for ts in instants if horizon <= ts <= now)
        if count and count >= missed.clear_for(None):
            agent_snapshot = floor.agents.get(name)
            label = agent_snapshot.display_name if agent_snapshot else name
            yield _reading(
                "missed_rings",
                missed,
                count,
                missed.threshold,
                missed.clear_for(None),
                lambda: (
                    f"{label}: {count} rings missed in {missed.window_min:g} min "
                    f"(limit {missed.threshold:g})"
                ),
                agent=name,
            )


def _feed_readings(floor: FloorSnapshot, config: AlarmsConfig) -> Iterator[Measurement | None]:
    quiet, disconnected = config.rules.feed_quiet, config.rules.feed_disconnected
    for feed in floor.feeds:
        if disconnected.enabled and feed.status == "disconnected":
            yield _reading(
                "feed_disconnected",
                disconnected,
                1,
                disconnected.threshold,
                disconnected.clear_for(None),
                lambda: (
                    f"feed {feed.name} disconnected" + (f": {feed.detail}" if feed.detail else "")
                ),
                source=feed.name,
            )
        age = feed.last_event_age_s
        if quiet.enabled and age is not None and age >= quiet.clear_for(None):
            yield _reading(
                "feed_quiet",
                quiet,
                age,
                quiet.threshold,
                quiet.clear_for(None),
                lambda: (
                    f"feed {feed.name} quiet for {seconds(age)} (limit {seconds(quiet.threshold)})"
                ),
                source=feed.name,
            )
