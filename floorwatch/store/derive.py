"""Derived state: turn canonical events into calls, agent states and queue memberships.

Plain Python, no SQLite: the store feeds events in, takes the changed rows out and writes them
in the same transaction as the events and the feed checkpoint. On restart the store hands the
open rows (calls not finished, agents, open intervals) back through `load`, so derivation
carries on exactly where it stopped.

Out-of-order events never move time backwards: an agent state change stamped before the
current state began takes effect at the current state's start, so intervals never overlap or
run backwards, and a late ring-no-answer only adds to the counts.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Iterable
from dataclasses import dataclass, field

from floorwatch.config import DEFAULT_WRAPUP_REASONS, DeriveConfig
from floorwatch.events import AgentState, CallStatus, Event, Kind, Outcome, shown_state

# The vocabulary of events.py as plain strings: they are written into every derived row and
# cross to the writer process, where a str costs less than an enum member.
OFFLINE, AVAILABLE, RINGING, ON_CALL, WRAPUP, PAUSED = (state.value for state in AgentState)
AGENT_STATES = tuple(state.value for state in AgentState)
WAITING, TALKING, DONE = (status.value for status in CallStatus)
ANSWERED, ABANDONED = Outcome.ANSWERED.value, Outcome.ABANDONED.value

class CallEntry:
    """One call's stay in one queue (a transferred call that re-enters is a new entry)."""

    COLUMNS = (
        "id", "call_id", "queue", "source", "caller", "enqueued_at", "position", "status",
        "outcome", "wait_end_at", "wait_s", "answered_at", "agent", "ended_at", "talk_s",
        "ended_by", "transfer_target", "ring_no_answers", "synced", "wrapup_s",
        # What derivation still needs after a restart (stored so that it can resume exactly):
        # the other sources that reported this entry's queueing (two feeds of one PBX report
        # each call once each), whether the outcome was a guess a surer feed may fix, the
        # number of its latest close (see _Recent), and the missed rings each feed reported.
        "seen_by", "inferred", "closed_no", "miss_counts",
    )  # fmt: skip
    __slots__ = COLUMNS

    def __init__(self, entry_id: int, call_id: str, queue: str, source: str, enqueued_at: float):
        self.id = entry_id
        self.call_id = call_id
        self.queue = queue
        self.source = source
        self.caller: str | None = None
        self.enqueued_at = enqueued_at
        self.position: int | None = None
        self.status = WAITING
        self.outcome: str | None = None
        self.wait_end_at: float | None = None
        self.wait_s: float | None = None
        self.answered_at: float | None = None
        self.agent: str | None = None
        self.ended_at: float | None = None
        self.talk_s: float | None = None
        self.ended_by: str | None = None
        self.transfer_target: str | None = None
        self.ring_no_answers = 0
        self.synced = 0
        self.wrapup_s: float | None = None
        #: JSON list of every source that reported it, when more than the one that made it.
        self.seen_by: str | None = None
        self.inferred = False
        self.closed_no: int | None = None
        #: JSON {agent: {source: missed rings}}, when a ring of this call was missed.
        self.miss_counts: str | None = None

    @classmethod
    def from_row(cls, row: dict) -> CallEntry:
        entry = cls.__new__(cls)
        for name in cls.COLUMNS:
            setattr(entry, name, row.get(name))
        entry.inferred = bool(entry.inferred)
        return entry

    def sources(self) -> list[str]:
        """The sources that reported this entry's queueing."""
        return json.loads(self.seen_by) if self.seen_by else [self.source]

    @property
    def unsure(self) -> bool:
        """Done, but how it ended is unknown (closed by a state sync) or only guessed: a surer
        fact from any feed may still say how."""
        return self.status == DONE and (
            self.outcome is None or self.inferred and self.outcome != ANSWERED
        )


class Interval:
    """A stretch of time: an agent state, a per-queue pause, or a queue membership."""

    __slots__ = ("id", "agent", "state", "reason", "queue", "call_ref", "start", "end")

    def __init__(self, interval_id, agent, state, reason, queue, call_ref, start, end=None):
        self.id = interval_id
        self.agent = agent
        self.state = state
        self.reason = reason
        self.queue = queue
        self.call_ref = call_ref
        self.start = start
        self.end = end


class Membership:
    """An agent's place in one queue: since when, penalty, and whether paused there.

    Only joining, leaving and the penalty are stored with the membership; whether it is paused
    is the open row of `pauses` for the same agent and queue (pauses change far more often).
    """

    __slots__ = ("id", "agent", "queue", "joined_at", "left_at", "penalty", "dynamic",
                 "paused", "reason", "paused_since")  # fmt: skip

    COLUMNS = ("id", "agent", "queue", "joined_at", "left_at", "penalty", "dynamic")

    def __init__(self, membership_id, agent, queue, joined_at, dynamic):
        self.id = membership_id
        self.agent = agent
        self.queue = queue
        self.joined_at = joined_at
        self.left_at: float | None = None
        self.penalty: int | None = None
        self.dynamic = dynamic
        self.paused = 0
        self.reason: str | None = None
        self.paused_since: float | None = None


class AgentState:
    """Everything derivation keeps about one agent between events.

    Two layers: `interval` is the agent's availability (offline, available, paused, wrap-up),
    which changes rarely and is stored as intervals; on top of it the calls the agent is on
    (stored as calls) and a ring in progress give the state shown (`state`, since `since`).
    """

    __slots__ = ("name", "memberships", "calls", "ringing", "explicit_login", "interval",
                 "login_since", "pending_penalty", "last_event_at", "state", "since", "reason",
                 "queue", "call_ref", "last_call", "last_call_ref")  # fmt: skip

    def __init__(self, name: str):
        self.name = name
        self.memberships: dict[str, Membership] = {}
        self.calls: dict[int, CallEntry] = {}
        self.ringing: str | None = None  # queue being rung for (sources that say so)
        self.explicit_login = False
        self.interval: Interval | None = None  # the open availability interval
        self.login_since: float | None = None
        self.pending_penalty: dict[str, int] = {}
        self.last_event_at: float | None = None
        self.state = OFFLINE
        self.since: float | None = None
        self.reason: str | None = None
        self.queue: str | None = None
        self.call_ref: int | None = None
        self.last_call: CallEntry | None = None  # the call a wrap-up that starts now belongs to
        self.last_call_ref: int | None = None  # its id, as stored


AGENT_COLUMNS = ("name", "state", "since", "reason", "queue", "call_ref", "explicit_login",
                 "login_since", "ringing", "last_event_at", "last_call_ref")  # fmt: skip
INTERVAL_COLUMNS = ("id", "agent", "state", "reason", "queue", "call_ref", "start", "end")
MISS_COLUMNS = ("agent", "queue", "call_ref", "ts", "ring_ms", "canceled")

# Each derived object's row, in its table's column order (attrgetter: no Python per field).
_call_row = operator.attrgetter(*CallEntry.COLUMNS)
_agent_row = operator.attrgetter(*AGENT_COLUMNS)
_interval_row = operator.attrgetter(*INTERVAL_COLUMNS)
_membership_row = operator.attrgetter(*Membership.COLUMNS)


class _Recent:
    """Finished entries by key, for late events: an entry is recent while its latest close is
    among the last `size` closes.

    That rule depends only on the entry's close number and the count of closes so far, both
    stored, so a restarted deriver holds exactly the recent entries an uninterrupted one would
    (Store._load_state reads them back). Entries no longer recent are dropped in bulk once
    there are twice as many as needed, which costs less than evicting one at a time.
    """

    __slots__ = ("size", "closes", "entries")

    def __init__(self, size: int):
        self.size = size
        self.closes = 0  # closes so far; an entry's `closed_no` is the number of its latest
        self.entries: dict = {}

    def get(self, key) -> CallEntry | None:
        entry = self.entries.get(key)
        if entry is not None and entry.closed_no > self.closes - self.size:
            return entry
        return None

    def add(self, key, entry: CallEntry) -> None:
        self.closes += 1
        entry.closed_no = self.closes
        entries = self.entries
        entries[key] = entry
        if len(entries) >= 2 * self.size:
            floor = self.closes - self.size
            self.entries = {k: e for k, e in entries.items() if e.closed_no > floor}

    def discard(self, key) -> None:
        self.entries.pop(key, None)

    @property
    def floor(self) -> int:
        """Entries closed at or before this close number are no longer recent."""
        return self.closes - self.size


@dataclass
class Changes:
    """Rows changed since the last `take_changes`, ready for executemany."""

    calls: list[tuple] = field(default_factory=list)
    agents: list[tuple] = field(default_factory=list)
    agent_states: list[tuple] = field(default_factory=list)
    pauses: list[tuple] = field(default_factory=list)
    memberships: list[tuple] = field(default_factory=list)
    misses: list[tuple] = field(default_factory=list)
    #: Calls closed so far, and the close number at or before which a call is no longer
    #: recent: the store keeps where each count was reached, to find the recent ones again.
    closes: int = 0
    recent_floor: int = 0
    #: (agent, queue, penalty) kept aside for a member not yet seen; penalty None: taken.
    pending_penalties: list[tuple] = field(default_factory=list)


@dataclass
class LoadedState:
    """The open rows a store hands back on restart."""

    open_calls: list[dict] = field(default_factory=list)
    agents: list[dict] = field(default_factory=list)
    open_agent_states: list[dict] = field(default_factory=list)
    open_pauses: list[dict] = field(default_factory=list)
    active_memberships: list[dict] = field(default_factory=list)
    next_ids: dict[str, int] = field(default_factory=dict)
    #: Finished calls that may still be recent (a superset: `load` keeps the recent ones),
    #: the calls agents' wrap-ups would go to, and the number of closes so far.
    done_calls: list[dict] = field(default_factory=list)
    closes: int = 0
    pending_penalties: list[dict] = field(default_factory=list)


class Deriver:
    """Applies events in arrival order and tracks which derived rows they changed."""

    RECENT_CALLS = 20_000  # finished entries kept in memory for late events, at most
    #: An ENTERQUEUE this close to the start implied by the call's earlier-arriving lines is
    #: that same stay in the queue, not a new one.
    SAME_ENTRY_S = 5.0

    def __init__(self, config: DeriveConfig | None = None):
        self.config = config or DeriveConfig()
        self._aliases = self.config.aliases
        self.open_calls: dict[tuple[str, str], CallEntry] = {}
        self.recent_calls = _Recent(self.RECENT_CALLS // 2)
        self.agents: dict[str, AgentState] = {}
        self.open_pauses: dict[tuple[str, str], Interval] = {}
        self._next_call_id = 1
        self._next_interval_id = 1
        self._next_pause_id = 1
        self._next_membership_id = 1
        self._dirty_calls: dict[int, CallEntry] = {}
        self._dirty_agents: dict[str, AgentState] = {}
        self._dirty_intervals: dict[int, Interval] = {}
        self._dirty_pauses: dict[int, Interval] = {}
        self._dirty_memberships: dict[int, Membership] = {}
        self._misses: list[tuple] = []
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
            self._agent(row["agent"]).interval = Interval(*(row[c] for c in INTERVAL_COLUMNS))
        for row in state.active_memberships:
            membership = Membership(row["id"], row["agent"], row["queue"], row["joined_at"],
                                    row["dynamic"])  # fmt: skip
            membership.penalty = row["penalty"]
            self._agent(row["agent"]).memberships[row["queue"]] = membership
        for row in state.open_pauses:
            pause = Interval(*(row[c] for c in INTERVAL_COLUMNS))
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
        for entry in sorted((entries[row["id"]] for row in state.done_calls
                             if row["status"] == DONE and row.get("closed_no") is not None),
                            key=operator.attrgetter("closed_no")):  # fmt: skip
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
        for index, event in enumerate(events):
            handler = handlers.get(event.kind)
            if handler is None:
                continue
            if aliases and event.agent in aliases:
                event.agent = aliases[event.agent]
            try:
                handler(event)
            except Exception as error:  # costs nothing until it happens
                failed.append((index, f"could not be derived ({type(error).__name__}: "
                                      f"{str(error)[:200]})"))  # fmt: skip
        return failed

    def take_changes(self) -> Changes:
        """The rows changed since the last call, and forget them."""
        changes = Changes(
            calls=list(map(_call_row, self._dirty_calls.values())),
            agents=list(map(_agent_row, self._dirty_agents.values())),
            agent_states=list(map(_interval_row, self._dirty_intervals.values())),
            pauses=list(map(_interval_row, self._dirty_pauses.values())),
            memberships=list(map(_membership_row, self._dirty_memberships.values())),
            misses=self._misses,
            closes=self.recent_calls.closes,
            recent_floor=self.recent_calls.floor,
            pending_penalties=[(agent, queue, penalty) for (agent, queue), penalty
                               in self._dirty_penalties.items()],  # fmt: skip
        )
        self._dirty_penalties = {}
        self._dirty_calls = {}
        self._dirty_agents = {}
        self._dirty_intervals = {}
        self._dirty_pauses = {}
        self._dirty_memberships = {}
        self._misses = []
        return changes

    # ----------------------------------------------------------------- calls
    def _new_entry(self, event: Event, enqueued_at: float) -> CallEntry:
        key = (event.call_id, event.queue)
        previous = self.open_calls.get(key)
        if previous is not None:
            # The same call entering the same queue again while we still think it is there:
            # the earlier stay ended without a line saying so. Close it where it stood.
            self._close(previous, enqueued_at)
        entry = CallEntry(self._next_call_id, event.call_id, event.queue, event.source, enqueued_at)
        self._next_call_id += 1
        self.open_calls[key] = entry
        self._dirty_calls[entry.id] = entry
        return entry

    def _reopen(self, entry: CallEntry) -> None:
        key = (entry.call_id, entry.queue)
        self.recent_calls.discard(key)
        self.open_calls[key] = entry
        entry.status, entry.outcome, entry.inferred = WAITING, None, False
        entry.ended_at = entry.wait_end_at = entry.wait_s = None

    def _close(self, entry: CallEntry, ts: float) -> None:
        key = (entry.call_id, entry.queue)
        if self.open_calls.get(key) is entry:
            del self.open_calls[key]
        entry.status = DONE
        if entry.ended_at is None:
            entry.ended_at = ts
        if entry.agent:
            agent = self.agents.get(entry.agent)
            if agent is not None and agent.calls.pop(entry.id, None) is not None:
                if entry.answered_at is not None:
                    agent.last_call, agent.last_call_ref = entry, entry.id
                self._refresh_state(agent, ts)
        self.recent_calls.add(key, entry)
        self._dirty_calls[entry.id] = entry

    def _entry(self, event: Event) -> CallEntry | None:
        """The open entry an event is about, or the recently finished one for late events."""
        key = (event.call_id, event.queue)
        return self.open_calls.get(key) or self.recent_calls.get(key)

    def _call_queued(self, event: Event) -> None:
        entry = self._entry(event)
        if entry is not None and event.source != entry.source and (
            event.source not in (sources := entry.sources())
        ):
            # Another feed of the same PBX (queue_log beside AMI) reporting the same call.
            entry.seen_by = json.dumps([*sources, event.source])
            if entry.caller is None:
                entry.caller = event.data.get("caller")
            self._dirty_calls[entry.id] = entry
            return
        implied = entry is not None and (
            entry.synced or (entry.caller is None and entry.position is None)
        )
        if implied and (entry.status != DONE or abs(entry.enqueued_at - event.ts) <= self.SAME_ENTRY_S):
            # The call is known already: from a state sync, or from lines about it that arrived
            # before this one (out of order). This line tells us no new call, only its details.
            entry.synced = 0
            entry.enqueued_at = min(entry.enqueued_at, event.ts)
        elif entry is not None and entry.status == WAITING and entry.enqueued_at == event.ts:
            pass  # the same line again (another source of the same PBX)
        else:
            entry = self._new_entry(event, event.ts)
        data = event.data
        entry.caller = data.get("caller")
        entry.position = data.get("position")
        self._dirty_calls[entry.id] = entry

    def _call_waiting(self, event: Event) -> None:
        """A state sync: the caller is waiting now, with `wait_s` so far. Never a new call."""
        if (event.call_id, event.queue) in self.open_calls:
            return
        data = event.data
        entry = self._new_entry(event, event.ts - float(data.get("wait_s") or 0))
        entry.synced = 1
        entry.caller = data.get("caller")
        entry.position = data.get("position")

    def _call_answered(self, event: Event) -> None:
        data = event.data
        wait_s = data.get("wait_s")
        entry = self._entry(event)
        if entry is not None and entry.status == DONE and entry.unsure:
            # Closed on a guess (a leave taken for unanswered, a state sync that did not know
            # how it ended): the answer is the surer fact. The call was answered after all.
            self._reopen(entry)
        if entry is None or entry.status == DONE and entry.outcome != ANSWERED:
            entry = self._new_entry(event, event.ts - (wait_s or 0))
        elif entry.outcome == ANSWERED:
            return  # already answered: a repeat of the same fact
        entry.status = TALKING
        entry.outcome = ANSWERED
        entry.wait_end_at = event.ts
        entry.wait_s = wait_s if wait_s is not None else max(0.0, event.ts - entry.enqueued_at)
        entry.answered_at = event.ts
        entry.agent = event.agent
        self._dirty_calls[entry.id] = entry
        if event.agent:
            agent = self._agent(event.agent)
            agent.last_event_at = event.ts
            self._ensure_member(agent, event.queue, event.ts)
            if agent.ringing:
                agent.ringing = None
            agent.calls[entry.id] = entry
            if agent.interval is None:
                self._refresh_agent(agent, event.ts)
            else:
                self._refresh_state(agent, event.ts)

    def _call_ended(self, event: Event) -> None:
        data = event.data
        talk_s = data.get("talk_s")
        entry = self._entry(event)
        if entry is None or entry.outcome not in (None, ANSWERED) or (
            entry.status == DONE and entry.ended_by is not None
        ):
            if entry is not None and entry.status == DONE and entry.ended_by is not None:
                return  # already ended: a repeat
            wait_s = data.get("wait_s") or 0
            entry = self._new_entry(event, event.ts - (talk_s or 0) - wait_s)
        if entry.outcome is None:
            # The answer was never seen (feed started mid-call): it is implied by the end.
            entry.outcome = ANSWERED
            entry.answered_at = event.ts - (talk_s or 0)
            entry.wait_end_at = entry.answered_at
            entry.wait_s = data.get("wait_s")
        if entry.agent is None:
            entry.agent = event.agent
        entry.talk_s = talk_s if talk_s is not None else max(0.0, event.ts - entry.answered_at)
        entry.ended_at = event.ts
        if event.kind == Kind.CALL_TRANSFERRED:
            entry.ended_by = "transfer"
            entry.transfer_target = data.get("target")
        else:
            entry.ended_by = data.get("ended_by")
        if event.agent:
            self._agent(event.agent).last_event_at = event.ts
        self._close(entry, event.ts)

    def _call_left(self, event: Event) -> None:
        entry = self._entry(event)
        data = event.data
        if entry is not None and entry.status == DONE:
            if entry.unsure and not (entry.outcome is not None and data.get("inferred")):
                # A surer fact about how it left (a queue_log line, QUEUESTATUS) than the
                # guess we had, or the outcome of a call a state sync closed unknowing.
                self._set_left(entry, event)
                entry.ended_at = entry.wait_end_at
                self._dirty_calls[entry.id] = entry
            return  # otherwise its wait already ended: a late or repeated line
        wait_s = data.get("wait_s")
        if entry is None:
            entry = self._new_entry(event, event.ts - (wait_s or 0))
        if entry.status == TALKING:
            return  # answered already; the leave line is stale
        self._set_left(entry, event)
        self._close(entry, event.ts)

    def _set_left(self, entry: CallEntry, event: Event) -> None:
        data = event.data
        wait_s = data.get("wait_s")
        if wait_s is None and entry.wait_s is not None and entry.outcome is not None:
            wait_s = entry.wait_s  # a correction of the outcome keeps the wait we had
        entry.outcome = ABANDONED if event.kind == Kind.CALL_ABANDONED else data.get("reason")
        entry.inferred = bool(data.get("inferred"))
        if entry.wait_end_at is None or wait_s is None:
            entry.wait_end_at = event.ts
        entry.wait_s = wait_s if wait_s is not None else max(0.0, event.ts - entry.enqueued_at)
        if entry.position is None:
            entry.position = data.get("orig_position")

    def _ring_missed(self, event: Event) -> None:
        canceled = 1 if event.kind == Kind.RING_CANCELED else 0
        entry = self._entry(event)
        if entry is not None and not self._new_miss(entry, event):
            return  # the same missed ring, reported by a second feed of the PBX
        if entry is not None and not canceled:
            entry.ring_no_answers += 1
            self._dirty_calls[entry.id] = entry
        self._misses.append(
            (
                event.agent,
                event.queue,
                entry.id if entry is not None else None,
                event.ts,
                event.data.get("ring_ms"),
                canceled,
            )
        )
        agent = self._agent(event.agent)
        agent.last_event_at = max(agent.last_event_at or event.ts, event.ts)
        self._ensure_member(agent, event.queue, event.ts)
        if agent.ringing:
            agent.ringing = None
            self._refresh_state(agent, event.ts)

    def _new_miss(self, entry: CallEntry, event: Event) -> bool:
        """Whether a missed ring is news: a feed's n-th miss of this agent on this call is a
        repeat when another feed has already reported n of them."""
        by_agent = json.loads(entry.miss_counts) if entry.miss_counts else {}
        counts = by_agent.setdefault(event.agent or "", {})
        mine = counts.get(event.source, 0) + 1
        counts[event.source] = mine
        entry.miss_counts = json.dumps(by_agent, sort_keys=True)
        self._dirty_calls[entry.id] = entry
        return mine > max((n for source, n in counts.items() if source != event.source),
                          default=0)  # fmt: skip

    def _agent_ringing(self, event: Event) -> None:
        agent = self._agent(event.agent)
        agent.last_event_at = event.ts
        self._ensure_member(agent, event.queue, event.ts)
        agent.ringing = event.queue
        self._refresh_state(agent, event.ts)

    def _agent_dump(self, event: Event) -> None:
        agent = self._agent(event.agent)
        agent.last_event_at = event.ts
        if agent.ringing:
            agent.ringing = None
            self._refresh_state(agent, event.ts)

    # ----------------------------------------------------------------- agents
    def _agent(self, name: str) -> AgentState:
        agent = self.agents.get(name)
        if agent is None:
            agent = self.agents[name] = AgentState(name)
        return agent

    def _ensure_member(self, agent: AgentState, queue: str | None, ts: float) -> Membership | None:
        """An agent rung or answering for a queue is a member of it (static members log no
        ADDMEMBER)."""
        if queue is None:
            return None
        membership = agent.memberships.get(queue)
        if membership is None:
            membership = self._join(agent, queue, ts, dynamic=0)
        return membership

    def _join(self, agent: AgentState, queue: str, ts: float, dynamic: int) -> Membership:
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

    def _leave(self, agent: AgentState, membership: Membership, ts: float) -> None:
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

    def _set_paused(self, agent: AgentState, membership: Membership, paused: bool,
                    reason: str | None, ts: float) -> None:  # fmt: skip
        key = (agent.name, membership.queue)
        open_pause = self.open_pauses.pop(key, None)
        if open_pause is not None:
            open_pause.end = max(ts, open_pause.start)
            self._dirty_pauses[open_pause.id] = open_pause
        if paused:
            pause = Interval(self._next_pause_id, agent.name, "paused", reason, membership.queue,
                             None, ts)  # fmt: skip
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
            membership = self._join(agent, event.queue, event.ts, dynamic=int(bool(data.get("dynamic"))))
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
        for entry in sorted((e for e in self.open_calls.values() if e.queue == event.queue),
                            key=operator.attrgetter("id")):  # fmt: skip
            if entry.status == WAITING and entry.call_id not in waiting:
                self._close(entry, event.ts)
            elif entry.status == TALKING and entry.agent not in in_call:
                self._close(entry, event.ts)
        for agent in sorted(self.agents.values(), key=operator.attrgetter("name")):
            membership = agent.memberships.get(event.queue)
            if membership is not None and agent.name not in members:
                self._leave(agent, membership, event.ts)
                self._refresh_agent(agent, event.ts)

    def _refresh_agent(self, agent: AgentState, ts: float) -> None:
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
            state, reason, queue,
        ):  # fmt: skip
            at = ts
            if current is not None:
                at = max(ts, current.start)
                current.end = at
                if current.state == WRAPUP:
                    self._attribute_wrapup(agent, current)
                self._dirty_intervals[current.id] = current
            if current is not None or state != OFFLINE:
                interval = Interval(self._next_interval_id, agent.name, state, reason, queue,
                                    None, at)  # fmt: skip
                self._next_interval_id += 1
                agent.interval = interval
                self._dirty_intervals[interval.id] = interval
        self._refresh_state(agent, ts)

    #: A wrap-up belongs to the call before it when it starts within this many seconds of its end.
    WRAPUP_GAP_S = 10.0

    def _attribute_wrapup(self, agent: AgentState, wrapup: Interval) -> None:
        """Add a finished wrap-up to the call it followed, for AHT (talk + wrap-up)."""
        entry = agent.last_call
        if entry is None or entry.ended_at is None:
            return
        if not 0 <= wrapup.start - entry.ended_at <= self.WRAPUP_GAP_S:
            return
        entry.wrapup_s = (entry.wrapup_s or 0.0) + (wrapup.end - wrapup.start)
        self._dirty_calls[entry.id] = entry

    def _refresh_state(self, agent: AgentState, ts: float) -> None:
        """The state shown: on a call, ringing, or the availability underneath."""
        interval = agent.interval
        call_ref = reason = queue = None
        state, entry = shown_state(interval.state if interval is not None else None,
                                   agent.calls.values(), bool(agent.ringing))  # fmt: skip
        if entry is not None:
            queue, call_ref = entry.queue, entry.id
        elif state == RINGING:
            queue = agent.ringing
        elif state != OFFLINE:
            reason, queue = interval.reason, interval.queue
        self._dirty_agents[agent.name] = agent
        if (state != agent.state or call_ref != agent.call_ref or queue != agent.queue
                or reason != agent.reason):  # fmt: skip
            since = agent.since
            agent.since = ts if since is None or ts > since else since
            agent.state, agent.reason, agent.queue, agent.call_ref = state, reason, queue, call_ref
