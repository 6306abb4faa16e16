"""AMI events and QueueStatus replies as canonical events.

What AMI says is mapped to the same kinds the queue_log adapter produces, with waits and talk
times from the events' own `HoldTime`/`TalkTime` (so a recorded stream replayed fast gives the
service level the live run did). Where AMI says less than queue_log, the event says so:
`inferred: true` marks an outcome that AMI cannot tell for sure, and a later, surer fact (a
queue_log line, a `QUEUESTATUS` variable) replaces it. docs/sources.md lists the differences.

Two things need a little state, kept here and nowhere else:
- `QueueCallerLeave` comes for every caller leaving a queue, answered or not; an answered one
  is followed at once (the next block) by `AgentConnect`. So a leave waits for the next block
  before it becomes "left the queue".
- A `QueueStatus` reply is a snapshot: at its `QueueStatusComplete` a per-queue sync event lists
  who is there, so calls and members that vanished while we were not connected are closed.

Whatever a server sends is checked as a feed line is: a number is plain digits, every event's
data has the types and ranges of the event schema (`events.SCHEMA`), a `Timestamp` is a time
in its range, no field holds a NUL byte. A block that fails is a reject (`BlockError`).
"""

from __future__ import annotations

import re
from collections import Counter, OrderedDict
from collections.abc import Callable

from floorwatch.events import TS_MAX, TS_MIN, Event, EventError, Kind, check_data
from floorwatch.sources.ami.protocol import Block

#: QUEUESTATUS values (dialplan VarSet) that tell how an unanswered caller left.
QUEUESTATUS_REASONS = {"TIMEOUT": "timeout", "LEAVEEMPTY": "empty", "WITHDRAW": "withdraw"}

#: How many recently finished callers are remembered (for a late QUEUESTATUS or transfer).
RECENT = 2000

#: A number as AMI writes one (a penalty may be negative; ranges are the schema's to check).
_NUMBER = re.compile(r"-?[0-9]{1,19}\Z").match
#: A `Timestamp` (timestampevents = yes): epoch seconds with microseconds.
_TIMESTAMP = re.compile(r"[0-9]{1,12}(?:\.[0-9]{1,9})?\Z").match


class BlockError(ValueError):
    """A block that names a known event but lacks what that event must carry."""


def _int(fields: dict[str, str], key: str, default: int | None = None) -> int | None:
    value = fields.get(key)
    if value is None or value == "":
        if default is not None:
            return default
        raise BlockError(f"{key} missing")
    if _NUMBER(value):  # int() alone would also take "1_000", " 7" and other scripts' digits
        return int(value)
    raise BlockError(f"{key} is not a number: {value[:20]!r}")


def _need(fields: dict[str, str], key: str) -> str:
    value = fields.get(key)
    if not value:
        raise BlockError(f"{key} missing")
    return value


def _member(fields: dict[str, str]) -> str:
    """The agent: the member name where configured, else the interface (as queue_log does)."""
    return fields.get("MemberName") or fields.get("Name") or _need(fields, "Interface")


def _member_state(fields: dict[str, str]) -> dict:
    paused = _int(fields, "Paused", 0) == 1
    state = {
        "paused": paused,
        "reason": (fields.get("PausedReason") or None) if paused else None,
        "penalty": _int(fields, "Penalty", 0),
        "in_call": _int(fields, "InCall", 0) == 1,
        "dynamic": fields.get("Membership") == "dynamic",
    }
    return state


class AmiTranslator:
    """Turns blocks into canonical events, one block at a time, in arrival order."""

    def __init__(self, source: str, clock: Callable[[], float]):
        self.source = source
        self.clock = clock
        #: Events by name that carried nothing floorwatch uses (Newstate, Hangup, ...).
        self.ignored: Counter[str] = Counter()
        self._pending_leave: Event | None = None
        self._transfers: OrderedDict[str, tuple[str, str]] = OrderedDict()
        self._recent_left: OrderedDict[str, str] = OrderedDict()  # caller uniqueid -> queue
        self._abandoned: OrderedDict[tuple[str, str], None] = OrderedDict()
        self._sync: dict[str, dict[str, list]] | None = None
        self._sync_touched: set[str] = set()

    # ----------------------------------------------------------------- entry points
    def translate(self, block: Block) -> list[Event]:
        """The events one block means (often none). BlockError for a broken known event."""
        fields = block.fields
        name = fields.get("Event")
        out: list[Event] = []
        pending = self._pending_leave
        if pending is not None:
            self._pending_leave = None
            if not (
                name == "AgentConnect"
                and fields.get("Uniqueid") == pending.call_id
                and fields.get("Queue") == pending.queue
            ):
                out.append(pending)  # no answer followed: the caller left unanswered
        if name is None:
            if fields.get("Response") == "Success" and fields.get("EventList") == "start":
                self.start_sync()
            return out
        handler = self._handlers.get(name)
        if handler is None:
            self.ignored[name] += 1
            return out
        try:
            if "\x00" in block.text:
                raise BlockError("a field holds a NUL byte")
            handler(self, fields, self._time(fields), out)
        except BlockError:
            if out and out[0] is pending:
                self._pending_leave = pending  # not lost with this block: it goes with the next
            raise
        return out

    def used(self, name: str) -> bool:
        """Whether events of this name mean anything here (the rest need not be parsed)."""
        return name in self._handlers

    def skip(self, name: str) -> list[Event]:
        """An event not used here went by: count it; a held leave is now known unanswered."""
        self.ignored[name] += 1
        return self.flush()

    def flush(self) -> list[Event]:
        """Events held back for the next block, when no next block is coming soon."""
        pending, self._pending_leave = self._pending_leave, None
        return [pending] if pending is not None else []

    def start_sync(self) -> None:
        """A QueueStatus reply begins: gather who is there until QueueStatusComplete."""
        self._sync = {}
        self._sync_touched = set()

    # ----------------------------------------------------------------- helpers
    def _time(self, fields: dict[str, str]) -> float:
        stamp = fields.get("Timestamp")
        if stamp:
            if _TIMESTAMP(stamp) and TS_MIN <= float(stamp) < TS_MAX:
                return float(stamp)
            raise BlockError(f"Timestamp is not a time from 2001 to 2099: {stamp[:30]!r}")
        return self.clock()

    def _event(self, ts: float, kind: Kind, call_id=None, queue=None, agent=None, **data) -> Event:
        try:
            check_data(kind, data)
        except EventError as error:
            raise BlockError(str(error)) from None
        return Event(ts, self.source, kind, call_id, queue, agent, data)

    def _remember(self, store: OrderedDict, key, value) -> None:
        store[key] = value
        store.move_to_end(key)
        if len(store) > RECENT:
            store.popitem(last=False)

    def _touch(self, call_id: str) -> None:
        if self._sync is not None:
            self._sync_touched.add(call_id)

    # ----------------------------------------------------------------- callers
    def _caller_join(self, f: dict[str, str], ts: float, out: list[Event]) -> None:
        call_id, queue = _need(f, "Uniqueid"), _need(f, "Queue")
        self._touch(call_id)
        out.append(
            self._event(
                ts,
                Kind.CALL_QUEUED,
                call_id,
                queue,
                caller=f.get("CallerIDNum"),
                caller_name=f.get("CallerIDName") or None,
                position=_int(f, "Position", 0),
            )
        )

    def _caller_leave(self, f: dict[str, str], ts: float, out: list[Event]) -> None:
        call_id, queue = _need(f, "Uniqueid"), _need(f, "Queue")
        self._touch(call_id)
        if (call_id, queue) in self._abandoned:
            del self._abandoned[(call_id, queue)]
            return  # the abandon already said how it left
        self._remember(self._recent_left, call_id, queue)
        # Answered callers leave too; only if no AgentConnect follows did it leave unanswered.
        # AMI cannot tell a key press from an empty queue or a withdraw: "key" is a guess.
        self._pending_leave = self._event(
            ts,
            Kind.CALL_LEFT,
            call_id,
            queue,
            reason="key",
            position=_int(f, "Position", 0),
            inferred=True,
        )

    def _caller_abandon(self, f: dict[str, str], ts: float, out: list[Event]) -> None:
        call_id, queue = _need(f, "Uniqueid"), _need(f, "Queue")
        self._touch(call_id)
        self._remember(self._abandoned, (call_id, queue), None)
        self._remember(self._recent_left, call_id, queue)
        # Asterisk raises this for a hang-up and also for a queue timeout: "abandoned" until a
        # surer fact (QUEUESTATUS, a queue_log line) says otherwise.
        out.append(
            self._event(
                ts,
                Kind.CALL_ABANDONED,
                call_id,
                queue,
                wait_s=_int(f, "HoldTime"),
                position=_int(f, "Position", 0),
                orig_position=_int(f, "OriginalPosition", 0),
                inferred=True,
            )
        )

    def _var_set(self, f: dict[str, str], ts: float, out: list[Event]) -> None:
        if f.get("Variable") != "QUEUESTATUS":
            return
        reason = QUEUESTATUS_REASONS.get(f.get("Value", ""))
        call_id = f.get("Uniqueid", "")
        queue = self._recent_left.get(call_id)
        if reason is None or queue is None:
            return
        out.append(self._event(ts, Kind.CALL_LEFT, call_id, queue, reason=reason))

    # ----------------------------------------------------------------- calls and agents
    def _agent_called(self, f: dict[str, str], ts: float, out: list[Event]) -> None:
        out.append(
            self._event(
                ts,
                Kind.AGENT_RINGING,
                _need(f, "Uniqueid"),
                _need(f, "Queue"),
                _member(f),
                member_channel=f.get("DestChannel"),
            )
        )

    def _agent_connect(self, f: dict[str, str], ts: float, out: list[Event]) -> None:
        call_id = _need(f, "Uniqueid")
        self._touch(call_id)
        out.append(
            self._event(
                ts,
                Kind.CALL_ANSWERED,
                call_id,
                _need(f, "Queue"),
                _member(f),
                wait_s=_int(f, "HoldTime"),
                ring_s=_int(f, "RingTime", 0),
                member_uniqueid=f.get("DestUniqueid"),
            )
        )

    def _agent_complete(self, f: dict[str, str], ts: float, out: list[Event]) -> None:
        call_id, queue, agent = _need(f, "Uniqueid"), _need(f, "Queue"), _member(f)
        wait_s, talk_s = _int(f, "HoldTime"), _int(f, "TalkTime")
        reason = f.get("Reason", "")
        if reason == "transfer":
            mode, target = self._transfers.pop(call_id, ("transfer", None))
            out.append(
                self._event(
                    ts,
                    Kind.CALL_TRANSFERRED,
                    call_id,
                    queue,
                    agent,
                    mode=mode,
                    target=target,
                    wait_s=wait_s,
                    talk_s=talk_s,
                )
            )
            return
        ended_by = "caller" if reason == "caller" else "agent"
        out.append(
            self._event(
                ts,
                Kind.CALL_ENDED,
                call_id,
                queue,
                agent,
                ended_by=ended_by,
                wait_s=wait_s,
                talk_s=talk_s,
            )
        )

    def _blind_transfer(self, f: dict[str, str], ts: float, out: list[Event]) -> None:
        caller = f.get("TransfereeUniqueid")
        if caller and f.get("Result", "Success") == "Success":
            target = f"{f.get('Extension', '')}@{f.get('Context', '')}"
            self._remember(self._transfers, caller, ("blind", target))

    def _attended_transfer(self, f: dict[str, str], ts: float, out: list[Event]) -> None:
        caller = f.get("TransfereeUniqueid") or f.get("OrigTransfereeUniqueid")
        if caller and f.get("Result", "Success") == "Success":
            target = f.get("SecondTransfererChannel") or f.get("DestApp") or None
            self._remember(self._transfers, caller, ("attended", target))

    def _ring_no_answer(self, f: dict[str, str], ts: float, out: list[Event]) -> None:
        # RingTime is in milliseconds here (seconds in AgentConnect).
        out.append(
            self._event(
                ts,
                Kind.RING_NO_ANSWER,
                _need(f, "Uniqueid"),
                _need(f, "Queue"),
                _member(f),
                ring_ms=_int(f, "RingTime", 0),
            )
        )

    def _agent_dump(self, f: dict[str, str], ts: float, out: list[Event]) -> None:
        out.append(
            self._event(ts, Kind.AGENT_DUMP, _need(f, "Uniqueid"), _need(f, "Queue"), _member(f))
        )

    def _member_added(self, f: dict[str, str], ts: float, out: list[Event]) -> None:
        state = _member_state(f)
        out.append(
            self._event(
                ts,
                Kind.AGENT_JOINED,
                None,
                _need(f, "Queue"),
                _member(f),
                paused=state["paused"],
                reason=state["reason"],
                interface=f.get("Interface"),
            )
        )

    def _member_removed(self, f: dict[str, str], ts: float, out: list[Event]) -> None:
        out.append(self._event(ts, Kind.AGENT_LEFT, None, _need(f, "Queue"), _member(f)))

    def _member_pause(self, f: dict[str, str], ts: float, out: list[Event]) -> None:
        paused = _int(f, "Paused") == 1
        kind = Kind.AGENT_PAUSED if paused else Kind.AGENT_UNPAUSED
        out.append(
            self._event(
                ts, kind, None, _need(f, "Queue"), _member(f), reason=f.get("PausedReason") or None
            )
        )

    def _member_penalty(self, f: dict[str, str], ts: float, out: list[Event]) -> None:
        out.append(
            self._event(
                ts,
                Kind.AGENT_PENALTY,
                None,
                _need(f, "Queue"),
                _member(f),
                penalty=_int(f, "Penalty"),
            )
        )

    def _member_status(self, f: dict[str, str], ts: float, out: list[Event]) -> None:
        out.append(
            self._event(
                ts, Kind.AGENT_STATUS, None, _need(f, "Queue"), _member(f), **_member_state(f)
            )
        )

    # ----------------------------------------------------------------- QueueStatus replies
    def _sync_queue(self, queue: str) -> dict[str, list]:
        if self._sync is None:  # a reply whose start we did not see: still a snapshot
            self.start_sync()
        assert self._sync is not None  # start_sync() made it
        return self._sync.setdefault(queue, {"waiting": [], "members": [], "in_call": []})

    def _queue_params(self, f: dict[str, str], ts: float, out: list[Event]) -> None:
        self._sync_queue(_need(f, "Queue"))

    def _queue_member(self, f: dict[str, str], ts: float, out: list[Event]) -> None:
        queue, agent = _need(f, "Queue"), _member(f)
        state = _member_state(f)
        listed = self._sync_queue(queue)
        listed["members"].append(agent)
        if state["in_call"]:
            listed["in_call"].append(agent)
        out.append(self._event(ts, Kind.AGENT_STATUS, None, queue, agent, sync=True, **state))

    def _queue_entry(self, f: dict[str, str], ts: float, out: list[Event]) -> None:
        queue, call_id = _need(f, "Queue"), _need(f, "Uniqueid")
        self._sync_queue(queue)["waiting"].append(call_id)
        out.append(
            self._event(
                ts,
                Kind.CALL_WAITING,
                call_id,
                queue,
                wait_s=_int(f, "Wait", 0),
                caller=f.get("CallerIDNum"),
                position=_int(f, "Position", 0),
                sync=True,
            )
        )

    def _queue_status_complete(self, f: dict[str, str], ts: float, out: list[Event]) -> None:
        listed, touched = self._sync or {}, self._sync_touched
        self._sync, self._sync_touched = None, set()
        for queue, seen in listed.items():
            # Calls that moved while the reply was being sent are not "vanished".
            waiting = sorted(set(seen["waiting"]) | touched)
            out.append(
                self._event(
                    ts,
                    Kind.QUEUE_CONFIG,
                    None,
                    queue,
                    action="sync",
                    waiting=waiting,
                    members=seen["members"],
                    in_call=seen["in_call"],
                )
            )

    _handlers: dict[str, Callable] = {
        "QueueCallerJoin": _caller_join,
        "QueueCallerLeave": _caller_leave,
        "QueueCallerAbandon": _caller_abandon,
        "VarSet": _var_set,
        "AgentCalled": _agent_called,
        "AgentConnect": _agent_connect,
        "AgentComplete": _agent_complete,
        "AgentRingNoAnswer": _ring_no_answer,
        "AgentDump": _agent_dump,
        "BlindTransfer": _blind_transfer,
        "AttendedTransfer": _attended_transfer,
        "QueueMemberAdded": _member_added,
        "QueueMemberRemoved": _member_removed,
        "QueueMemberPause": _member_pause,
        "QueueMemberPenalty": _member_penalty,
        "QueueMemberStatus": _member_status,
        "QueueParams": _queue_params,
        "QueueMember": _queue_member,
        "QueueEntry": _queue_entry,
        "QueueStatusComplete": _queue_status_complete,
    }
