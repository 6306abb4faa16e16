"""The deriver: canonical events in arrival order in, the derived rows they changed out.

Plain Python, no SQLite: the store feeds events in, takes the changed rows out and writes them
in the same transaction as the events and the feed checkpoint. On restart the store hands the
open rows (calls not finished, agents, open intervals) back through `load`, so derivation
carries on exactly where it stopped.

Out-of-order events never move time backwards: an agent state change stamped before the
current state began takes effect at the current state's start, so intervals never overlap or
run backwards, and a late ring-no-answer only adds to the counts.
"""

from __future__ import annotations

import operator

from floorwatch.config import DeriveConfig
from floorwatch.events import Event, Kind
from floorwatch.sources.survey import rated_from_survey_line
from floorwatch.store.derive.agents import AgentRules
from floorwatch.store.derive.calls import CallRules
from floorwatch.store.derive.changes import Changes, LoadedState
from floorwatch.store.derive.entries import (
    DONE,
    TALKING,
    CallEntry,
    Interval,
    Membership,
    TrackedAgent,
    agent_row,
    call_row,
    interval_row,
    membership_row,
)
from floorwatch.store.derive.recent import RecentCalls


class Deriver(CallRules, AgentRules):
    """Applies events in arrival order and tracks which derived rows they changed."""

    RECENT_CALLS = 20_000  # finished entries kept in memory for late events, at most
    #: An ENTERQUEUE this close to the start implied by the call's earlier-arriving lines is
    #: that same stay in the queue, not a new one.
    SAME_ENTRY_S = 5.0

    def __init__(self, config: DeriveConfig | None = None):
        self.config = config or DeriveConfig()
        self._aliases = self.config.aliases
        self.open_calls: dict[tuple[str, str], CallEntry] = {}
        self.recent_calls = RecentCalls(self.RECENT_CALLS // 2)
        self.agents: dict[str, TrackedAgent] = {}
        self.open_pauses: dict[tuple[str, str], Interval] = {}
        self._next_call_id = 1
        self._next_interval_id = 1
        self._next_pause_id = 1
        self._next_membership_id = 1
        self._dirty_calls: dict[int, CallEntry] = {}
        self._dirty_agents: dict[str, TrackedAgent] = {}
        self._dirty_intervals: dict[int, Interval] = {}
        self._dirty_pauses: dict[int, Interval] = {}
        self._dirty_memberships: dict[int, Membership] = {}
        self._misses: list[tuple] = []
        self._ratings: list[tuple] = []
        #: Penalties kept aside (or taken, None) since the last take_changes.
        self._dirty_penalties: dict[tuple[str, str], int | None] = {}
        self._handlers = {
            Kind.QUEUE_CONFIG: self._queue_config,
            Kind.CALL_QUEUED: self._call_queued,
            Kind.CALL_WAITING: self._call_waiting,
            Kind.AGENT_RINGING: self._agent_ringing,
            Kind.RING_NO_ANSWER: self._ring_missed,
            Kind.RING_CANCELED: self._ring_missed,
            Kind.CALL_ANSWERED: self._call_answered,
            Kind.CALL_ENDED: self._call_ended,
            Kind.CALL_TRANSFERRED: self._call_ended,
            Kind.CALL_ABANDONED: self._call_left,
            Kind.CALL_LEFT: self._call_left,
            Kind.AGENT_DUMP: self._agent_dump,
            Kind.AGENT_JOINED: self._agent_joined,
            Kind.AGENT_LEFT: self._agent_left,
            Kind.AGENT_PAUSED: self._agent_paused,
            Kind.AGENT_UNPAUSED: self._agent_paused,
            Kind.AGENT_LOGIN: self._agent_login,
            Kind.AGENT_LOGOUT: self._agent_logout,
            Kind.AGENT_PENALTY: self._agent_penalty,
            Kind.AGENT_STATUS: self._agent_status,
            Kind.CALL_RATED: self._call_rated,
        }

    # ----------------------------------------------------------------- restart
    def load(self, state: LoadedState) -> None:
        """Resume from the rows the store kept: open calls, agents, open intervals, and what
        else derivation goes on from (recent calls for late lines, the call each agent's
        wrap-up would belong to, penalties kept aside), so that it carries on exactly as if
        it had never stopped."""
        ids = state.next_ids
        self._next_call_id = ids.get("calls", 1)
        self._next_interval_id = ids.get("agent_states", 1)
        self._next_pause_id = ids.get("pauses", 1)
        self._next_membership_id = ids.get("memberships", 1)
        # One object per call, however many of the lists below it is in.
        entries: dict[int, CallEntry] = {}
        for row in (*state.open_calls, *state.done_calls):
            if row["id"] not in entries:
                entries[row["id"]] = CallEntry.from_row(row)
        for row in state.agents:
            agent = self._agent(row["name"])
            agent.state, agent.since, agent.reason = row["state"], row["since"], row["reason"]
            agent.queue, agent.call_ref = row["queue"], row["call_ref"]
            agent.explicit_login = bool(row["explicit_login"])
            agent.login_since = row["login_since"]
            agent.ringing = row["ringing"]
            agent.last_event_at = row["last_event_at"]
            agent.last_call_ref = row.get("last_call_ref")
            agent.last_call = entries.get(agent.last_call_ref)
        for row in state.pending_penalties:
            self._agent(row["agent"]).pending_penalty[row["queue"]] = row["penalty"]
        for row in state.open_agent_states:
            self._agent(row["agent"]).interval = Interval.from_row(row)
        for row in state.active_memberships:
            membership = Membership(
                row["id"], row["agent"], row["queue"], row["joined_at"], row["dynamic"]
            )
            membership.penalty = row["penalty"]
            self._agent(row["agent"]).memberships[row["queue"]] = membership
        for row in state.open_pauses:
            pause = Interval.from_row(row)
            self.open_pauses[(pause.agent, pause.queue)] = pause
            agent = self.agents.get(pause.agent)
            membership = agent.memberships.get(pause.queue) if agent is not None else None
            if membership is not None:
                membership.paused, membership.reason = 1, pause.reason
                membership.paused_since = pause.start
        for row in state.open_calls:
            entry = entries[row["id"]]
            self.open_calls[(entry.call_id, entry.queue)] = entry
            if entry.status == TALKING and entry.agent:
                self._agent(entry.agent).calls[entry.id] = entry
        recent = self.recent_calls
        recent.closes = state.closes
        for entry in sorted(
            (
                entries[row["id"]]
                for row in state.done_calls
                if row["status"] == DONE and row.get("closed_no") is not None
            ),
            key=operator.attrgetter("closed_no"),
        ):
            if entry.closed_no > recent.floor:  # the latest close of a key wins, as it did
                recent.entries[(entry.call_id, entry.queue)] = entry

    # ----------------------------------------------------------------- applying
    def apply(self, events: list[Event]) -> list[tuple[int, str]]:
        """Apply events in order; returns the events that could not be applied (their index
        and why), which leave derivation as it was before them as far as it can tell.

        Parsers check every value, so this is only a second line of defence: one bad value
        must not stop the ingest, nor make every restart fail on the same line.
        """
        handlers = self._handlers
        aliases = self._aliases
        failed: list[tuple[int, str]] = []
        survey = self.config.survey_event
        for index, event in enumerate(events):
            handler = handlers.get(event.kind)
            if handler is None and not (survey and event.kind == Kind.OTHER):
                continue
            if aliases and event.agent in aliases:
                event.agent = aliases[event.agent]
            try:
                if handler is None:
                    rated = rated_from_survey_line(event, survey)
                    if rated is None:
                        continue
                    event, handler = rated, self._call_rated
                handler(event)
            except Exception as error:  # costs nothing until it happens
                failed.append(
                    (index, f"could not be derived ({type(error).__name__}: {str(error)[:200]})")
                )
        return failed

    def take_changes(self) -> Changes:
        """The rows changed since the last call, and forget them."""
        changes = Changes(
            calls=list(map(call_row, self._dirty_calls.values())),
            agents=list(map(agent_row, self._dirty_agents.values())),
            agent_states=list(map(interval_row, self._dirty_intervals.values())),
            pauses=list(map(interval_row, self._dirty_pauses.values())),
            memberships=list(map(membership_row, self._dirty_memberships.values())),
            misses=self._misses,
            ratings=self._ratings,
            closes=self.recent_calls.closes,
            recent_floor=self.recent_calls.floor,
            pending_penalties=[
                (agent, queue, penalty) for (agent, queue), penalty in self._dirty_penalties.items()
            ],
        )
        self._dirty_penalties = {}
        self._dirty_calls = {}
        self._dirty_agents = {}
        self._dirty_intervals = {}
        self._dirty_pauses = {}
        self._dirty_memberships = {}
        self._misses = []
        self._ratings = []
        return changes

    def _call_rated(self, event: Event) -> None:
        """A survey score: kept with the call it rates (its queue and agent) when the call is
        still known, else with what the event says."""
        score = event.data.get("score")
        if score is None:
            return
        entry = self._entry(event)
        agent = event.agent or (entry.agent if entry is not None else None)
        self._ratings.append(
            (
                entry.id if entry is not None else None,
                event.call_id,
                event.queue,
                agent,
                event.ts,
                float(score),
                event.data.get("scale_max"),
                event.data.get("comment"),
            )
        )
