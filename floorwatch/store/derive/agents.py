"""How agent events change the agents derived: memberships, pauses, logins, the state shown.

A part of `Deriver` (store/derive/deriver.py), which holds the state these rules change.
"""

from __future__ import annotations

import operator

from floorwatch.events import Event, Kind, shown_state
from floorwatch.store.derive.entries import (
    AVAILABLE,
    OFFLINE,
    PAUSED,
    RINGING,
    TALKING,
    WAITING,
    WRAPUP,
    Interval,
    Membership,
    TrackedAgent,
)


class AgentRules:
    """The agent handlers of `Deriver`, and the two rules every handler ends with: an agent's
    availability (`_refresh_agent`) and the state shown on top of it (`_refresh_state`)."""

    # ----------------------------------------------------------------- agents
    def _agent(self, name: str) -> TrackedAgent:
        agent = self.agents.get(name)
        if agent is None:
            agent = self.agents[name] = TrackedAgent(name)
        return agent

    def _ensure_member(
        self, agent: TrackedAgent, queue: str | None, ts: float
    ) -> Membership | None:
        """An agent rung or answering for a queue is a member of it (static members log no
        ADDMEMBER)."""
        if queue is None:
            return None
        membership = agent.memberships.get(queue)
        if membership is None:
            membership = self._join(agent, queue, ts, dynamic=0)
        return membership

    def _join(self, agent: TrackedAgent, queue: str, ts: float, dynamic: int) -> Membership:
        membership = Membership(self._next_membership_id, agent.name, queue, ts, dynamic)
        self._next_membership_id += 1
        if queue in agent.pending_penalty:
            membership.penalty = agent.pending_penalty.pop(queue)
            self._dirty_penalties[(agent.name, queue)] = None  # taken: no longer kept aside
        agent.memberships[queue] = membership
        self._dirty_memberships[membership.id] = membership
        self._refresh_agent(agent, ts)
        return membership

    def _agent_joined(self, event: Event) -> None:
        agent = self._agent(event.agent)
        agent.last_event_at = event.ts
        if event.queue is None:
            return
        membership = agent.memberships.get(event.queue)
        if membership is None:
            membership = self._join(agent, event.queue, event.ts, dynamic=1)
        if event.data.get("paused") and not membership.paused:
            self._set_paused(agent, membership, True, event.data.get("reason"), event.ts)
            self._refresh_agent(agent, event.ts)

    def _agent_left(self, event: Event) -> None:
        agent = self._agent(event.agent)
        agent.last_event_at = event.ts
        membership = agent.memberships.get(event.queue) if event.queue else None
        if membership is not None:
            self._leave(agent, membership, event.ts)
            self._refresh_agent(agent, event.ts)

    def _leave(self, agent: TrackedAgent, membership: Membership, ts: float) -> None:
        if membership.paused:
            self._set_paused(agent, membership, False, None, ts)
        membership.left_at = max(ts, membership.joined_at)
        del agent.memberships[membership.queue]
        self._dirty_memberships[membership.id] = membership

    def _agent_paused(self, event: Event) -> None:
        agent = self._agent(event.agent)
        agent.last_event_at = event.ts
        paused = event.kind == Kind.AGENT_PAUSED
        reason = event.data.get("reason") or None
        if event.queue is None:
            targets = list(agent.memberships.values())
        else:
            targets = [self._ensure_member(agent, event.queue, event.ts)]
        for membership in targets:
            if paused and (not membership.paused or membership.reason != reason):
                self._set_paused(agent, membership, True, reason, event.ts)
            elif not paused and membership.paused:
                self._set_paused(agent, membership, False, None, event.ts)
        self._refresh_agent(agent, event.ts)

    def _set_paused(
        self,
        agent: TrackedAgent,
        membership: Membership,
        paused: bool,
        reason: str | None,
        ts: float,
    ) -> None:
        key = (agent.name, membership.queue)
        open_pause = self.open_pauses.pop(key, None)
        if open_pause is not None:
            open_pause.end = max(ts, open_pause.start)
            self._dirty_pauses[open_pause.id] = open_pause
        if paused:
            pause = Interval(
                self._next_pause_id, agent.name, "paused", reason, membership.queue, None, ts
            )
            self._next_pause_id += 1
            self.open_pauses[key] = pause
            self._dirty_pauses[pause.id] = pause
            membership.paused = 1
            membership.reason = reason
            membership.paused_since = ts
        else:
            membership.paused = 0
            membership.reason = None
            membership.paused_since = None

    def _agent_login(self, event: Event) -> None:
        agent = self._agent(event.agent)
        agent.last_event_at = event.ts
        agent.explicit_login = True
        if event.queue is not None:
            self._ensure_member(agent, event.queue, event.ts)
        self._refresh_agent(agent, event.ts)

    def _agent_logout(self, event: Event) -> None:
        agent = self._agent(event.agent)
        agent.last_event_at = event.ts
        agent.explicit_login = False
        for membership in list(agent.memberships.values()):
            self._leave(agent, membership, event.ts)
        self._refresh_agent(agent, event.ts)

    def _agent_penalty(self, event: Event) -> None:
        agent = self._agent(event.agent)
        penalty = event.data.get("penalty")
        membership = agent.memberships.get(event.queue) if event.queue else None
        if membership is None:
            # A penalty names the member's interface even where calls use its name: without
            # an alias we cannot tell who it is, so it must not make anyone look logged in.
            if event.queue:
                agent.pending_penalty[event.queue] = penalty
                self._dirty_penalties[(agent.name, event.queue)] = penalty
            return
        membership.penalty = penalty
        self._dirty_memberships[membership.id] = membership

    def _agent_status(self, event: Event) -> None:
        """A state sync of one member in one queue: membership, pause and penalty as they are."""
        agent = self._agent(event.agent)
        agent.last_event_at = max(agent.last_event_at or event.ts, event.ts)
        data = event.data
        if event.queue is None:
            return
        membership = agent.memberships.get(event.queue)
        if membership is None:
            membership = self._join(
                agent, event.queue, event.ts, dynamic=int(bool(data.get("dynamic")))
            )
        if "penalty" in data:
            membership.penalty = data["penalty"]
            self._dirty_memberships[membership.id] = membership
        if "paused" in data:
            paused = bool(data["paused"])
            reason = data.get("reason") or None
            if paused != bool(membership.paused) or (paused and reason != membership.reason):
                self._set_paused(agent, membership, paused, reason, event.ts)
        self._refresh_agent(agent, event.ts)

    def _queue_config(self, event: Event) -> None:
        """A state sync of a whole queue (AMI QueueStatus) is complete: whatever is not in it
        any more ended while we were not looking. It is closed without an outcome (we do not
        know how it ended, so it is not counted), unless another feed tells later."""
        data = event.data
        if data.get("action") != "sync" or event.queue is None:
            return
        waiting, in_call = set(data.get("waiting", ())), set(data.get("in_call", ()))
        members = set(data.get("members", ()))
        # In id and name order: the same after a restart as in an uninterrupted run.
        for entry in sorted(
            (e for e in self.open_calls.values() if e.queue == event.queue),
            key=operator.attrgetter("id"),
        ):
            if (
                entry.status == WAITING
                and entry.call_id not in waiting
                or entry.status == TALKING
                and entry.agent not in in_call
            ):
                self._close(entry, event.ts)
        for agent in sorted(self.agents.values(), key=operator.attrgetter("name")):
            membership = agent.memberships.get(event.queue)
            if membership is not None and agent.name not in members:
                self._leave(agent, membership, event.ts)
                self._refresh_agent(agent, event.ts)

    def _refresh_agent(self, agent: TrackedAgent, ts: float) -> None:
        """Recompute availability (an interval on change), then the state shown."""
        logged_in = agent.explicit_login or bool(agent.memberships)
        state, reason, queue = OFFLINE, None, None
        if logged_in:
            paused = [m for m in agent.memberships.values() if m.paused]
            if paused and len(paused) == len(agent.memberships):
                latest = max(paused, key=lambda m: m.paused_since or 0)
                reason = latest.reason
                queue = latest.queue if len(paused) == 1 else None
                state = WRAPUP if self.config.is_wrapup(reason) else PAUSED
            else:
                state = AVAILABLE
            if agent.login_since is None:
                agent.login_since = ts
        else:
            agent.login_since = None
        current = agent.interval
        if current is None or (current.state, current.reason, current.queue) != (
            state,
            reason,
            queue,
        ):
            at = ts
            if current is not None:
                at = max(ts, current.start)
                current.end = at
                if current.state == WRAPUP:
                    self._attribute_wrapup(agent, current)
                self._dirty_intervals[current.id] = current
            if current is not None or state != OFFLINE:
                interval = Interval(
                    self._next_interval_id, agent.name, state, reason, queue, None, at
                )
                self._next_interval_id += 1
                agent.interval = interval
                self._dirty_intervals[interval.id] = interval
        self._refresh_state(agent, ts)

    #: A wrap-up belongs to the call before it when it starts within this many seconds of its end.
    WRAPUP_GAP_S = 10.0

    def _attribute_wrapup(self, agent: TrackedAgent, wrapup: Interval) -> None:
        """Add a finished wrap-up to the call it followed, for AHT (talk + wrap-up)."""
        entry = agent.last_call
        if entry is None or entry.ended_at is None:
            return
        if not 0 <= wrapup.start - entry.ended_at <= self.WRAPUP_GAP_S:
            return
        entry.wrapup_s = (entry.wrapup_s or 0.0) + (wrapup.end - wrapup.start)
        self._dirty_calls[entry.id] = entry

    def _refresh_state(self, agent: TrackedAgent, ts: float) -> None:
        """The state shown: on a call, ringing, or the availability underneath."""
        interval = agent.interval
        call_ref = reason = queue = None
        state, entry = shown_state(
            interval.state if interval is not None else None,
            agent.calls.values(),
            bool(agent.ringing),
        )
        if entry is not None:
            queue, call_ref = entry.queue, entry.id
        elif state == RINGING:
            queue = agent.ringing
        elif state != OFFLINE:
            reason, queue = interval.reason, interval.queue
        self._dirty_agents[agent.name] = agent
        if (
            state != agent.state
            or call_ref != agent.call_ref
            or queue != agent.queue
            or reason != agent.reason
        ):
            since = agent.since
            agent.since = ts if since is None or ts > since else since
            agent.state, agent.reason, agent.queue, agent.call_ref = state, reason, queue, call_ref
