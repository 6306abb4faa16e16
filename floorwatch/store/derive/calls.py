"""How call events change the calls derived (and the agents on them).

A part of `Deriver` (store/derive/deriver.py), which holds the state these rules change.
"""

from __future__ import annotations

import json

from floorwatch.events import Event, Kind
from floorwatch.store.derive.entries import (
    ABANDONED,
    ANSWERED,
    DONE,
    TALKING,
    WAITING,
    CallEntry,
)


class CallRules:
    """The call handlers of `Deriver`: a call enters a queue, waits, is answered, ends, leaves."""

    SAME_ENTRY_S: float

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
        if (
            entry is not None
            and event.source != entry.source
            and (event.source not in (sources := entry.sources()))
        ):
            # Another feed of the same PBX (queue_log beside AMI) reporting the same call.
            entry.seen_by = json.dumps([*sources, event.source])
            if entry.caller is None:
                entry.caller = event.data.get("caller")
            if entry.caller_name is None:
                entry.caller_name = event.data.get("caller_name")
            self._dirty_calls[entry.id] = entry
            return
        implied = entry is not None and (
            entry.synced or (entry.caller is None and entry.position is None)
        )
        if implied and (
            entry.status != DONE or abs(entry.enqueued_at - event.ts) <= self.SAME_ENTRY_S
        ):
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
        entry.caller_name = data.get("caller_name")
        entry.position = data.get("position")
        self._dirty_calls[entry.id] = entry

    def _call_waiting(self, event: Event) -> None:
        """A state sync: the caller is waiting now, with `wait_s` so far. Never a new call."""
        data = event.data
        known = self.open_calls.get((event.call_id, event.queue))
        if known is not None:
            # Only a QueueStatus reply tells a caller's queue priority: keep it on the call.
            priority, name = data.get("priority"), data.get("caller_name")
            if (priority, name or known.caller_name) != (known.priority, known.caller_name):
                known.priority, known.caller_name = priority, name or known.caller_name
                self._dirty_calls[known.id] = known
            return
        entry = self._new_entry(event, event.ts - float(data.get("wait_s") or 0))
        entry.synced = 1
        entry.caller = data.get("caller")
        entry.caller_name = data.get("caller_name")
        entry.priority = data.get("priority")
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
        if (
            entry is None
            or entry.outcome not in (None, ANSWERED)
            or (entry.status == DONE and entry.ended_by is not None)
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
        return mine > max((n for source, n in counts.items() if source != event.source), default=0)

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
