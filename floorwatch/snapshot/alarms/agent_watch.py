"""Which agents a round of the alarm rules must look at: those whose call or pause can have
reached its limit by now (the rest have no reading, whatever the instant)."""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable

from floorwatch.alarm_config import AlarmRule, AlarmsConfig
from floorwatch.snapshot.floor_snapshot import AgentSnapshot
from floorwatch.snapshot.lean_floor import LeanFloor


def pause_limit(rule: AlarmRule, reason: str | None) -> float:
    """The pause rule's limit for a reason (case-insensitive), else any other reason's."""
    if reason:
        folded = reason.casefold()
        for name, limit in rule.reasons.items():
            if name.casefold() == folded:
                return limit
    return rule.threshold


class AgentWatch:
    """When each agent could next have a reading (a call or a pause reaching its limit), so a
    round looks only at the agents whose instant has come, not at every agent: the monitor
    says which agents changed since the last round (`touched`), their instants are worked out
    again, and a heap hands over the others as their instant comes. Plain data, kept by the
    monitor between rounds (a new day starts a new one)."""

    def __init__(self) -> None:
        self._instant: dict[str, float] = {}
        self._heap: list[tuple[float, str]] = []
        #: Agents whose instant has come: looked at every round until they change.
        self._active: set[str] = set()

    def due(self, floor: LeanFloor, config: AlarmsConfig, touched: Iterable[str] | None):
        """The agents to look at this round. `touched`: the agents changed since the last
        round (None: every agent, as on the first round)."""
        now, agents = floor.at, floor.agents
        if touched is None:
            self._instant.clear()
            self._heap.clear()
            self._active.clear()
            touched = agents
        for name in touched:
            agent = agents.get(name)
            self._active.discard(name)
            if agent is None:
                self._instant.pop(name, None)
                continue
            instant = self._instant[name] = _agent_instant(agent, config)
            if instant <= now:
                self._active.add(name)
            elif instant != math.inf:
                heapq.heappush(self._heap, (instant, name))
        heap = self._heap
        while heap and heap[0][0] <= now:
            instant, name = heapq.heappop(heap)
            if self._instant.get(name) == instant:
                self._active.add(name)
        return self._active


def _agent_instant(agent: AgentSnapshot, config: AlarmsConfig) -> float:
    """The first instant at which one of the agent's rules could have a reading."""
    rules = config.rules
    instant = math.inf
    if rules.long_call.enabled and agent.call is not None:
        limit = min(rules.long_call.threshold, rules.long_call.clear_for(None))
        instant = agent.call.answered_at + limit
    if rules.long_pause.enabled and agent.state == "paused" and agent.since is not None:
        instant = min(instant, agent.since + pause_limit(rules.long_pause, agent.reason))
    return instant
