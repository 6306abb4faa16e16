"""The alarm rules: what on the floor is measured against which threshold.

`measure` turns the floor (a LeanFloor, snapshot/lean_floor.py) into Measurements, one per
queue, agent or feed whose value is not yet back on the good side of its rule's clear level
(everyone else is plainly fine, and costs nothing further). Whether a measurement raises,
holds or clears an alarm is the tracker's business (minimum duration, hysteresis), so each
rule here is a plain reading of the floor. The queues' rules are in queue_rules.py; the
agents' and the feeds' here.
"""

# ruff: noqa: B023 - each reading's summary is a lambda called at once inside `reading` (so a
# plainly fine reading costs no formatting); it never outlives the loop variables it reads.
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence

from floorwatch.alarm_config import AlarmRule, AlarmsConfig
from floorwatch.format import seconds
from floorwatch.snapshot.alarms.agent_watch import AgentWatch, pause_limit
from floorwatch.snapshot.alarms.forecast import FORECAST_WINDOWS
from floorwatch.snapshot.alarms.measurement import Measurement, reading
from floorwatch.snapshot.alarms.memo import ReadingMemo
from floorwatch.snapshot.alarms.queue_rules import RATIO_WINDOW, queue_readings
from floorwatch.snapshot.lean_floor import LeanFloor

__all__ = ["Measurement", "measure", "windows_read"]


def windows_read(config: AlarmsConfig) -> frozenset[str]:
    """The windows of WINDOWS the enabled rules read: the lean floor counts only these."""
    rules = config.rules
    read = {RATIO_WINDOW} if rules.service_level.enabled or rules.abandon_rate.enabled else set()
    if rules.forecast_breach.enabled:
        read |= FORECAST_WINDOWS
    return frozenset(read)


def measure(
    floor: LeanFloor,
    config: AlarmsConfig,
    misses: Mapping[str, Sequence[float]] | None = None,
    watch: tuple[AgentWatch, Iterable[str] | None] | None = None,
    memo: ReadingMemo | None = None,
) -> list[Measurement]:
    """Every reading that is not plainly fine at `floor.at`. `misses`: each agent's recent
    ring-no-answer instants (the model's book keeps the last hour of them). `watch`: the
    monitor's AgentWatch and the agents changed since its last round (None: every agent),
    so that only the agents whose limits can have come are looked at. `memo`: the monitor's
    last readings, handed back where their figures did not move (the same readings)."""
    if not config.enabled:
        return []
    found: list[Measurement] = []
    queue_readings(floor, config, memo, found)
    # `reading` makes a Measurement only when it is held (tripped, or not back to clear).
    found += (m for m in _agent_readings(floor, config, misses or {}, watch, memo) if m is not None)
    found += (m for m in _feed_readings(floor, config) if m is not None)
    return found


def _agent_readings(
    floor: LeanFloor,
    config: AlarmsConfig,
    misses: Mapping[str, Sequence[float]],
    watch: tuple[AgentWatch, Iterable[str] | None] | None,
    memo: ReadingMemo | None,
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
                yield reading(
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
                yield reading(
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
            if memo is None:
                yield _missed_rings(missed, name, label, count)
            else:
                inputs = (count, label)
                yield memo.remember(
                    config, "missed_rings", name, inputs, _missed_rings, missed, name, label, count
                )


def _missed_rings(rule: AlarmRule, name: str, label: str, count: int) -> Measurement | None:
    return reading(
        "missed_rings",
        rule,
        count,
        rule.threshold,
        rule.clear_for(None),
        lambda: (
            f"{label}: {count} rings missed in {rule.window_min:g} min (limit {rule.threshold:g})"
        ),
        agent=name,
    )


def _feed_readings(floor: LeanFloor, config: AlarmsConfig) -> Iterator[Measurement | None]:
    quiet, disconnected = config.rules.feed_quiet, config.rules.feed_disconnected
    for feed in floor.feeds:
        if disconnected.enabled and feed.status == "disconnected":
            yield reading(
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
            yield reading(
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
