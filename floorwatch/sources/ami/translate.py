"""AMI events and QueueStatus replies as canonical events.

What AMI says is mapped to the same kinds the queue_log adapter produces, with waits and talk
times from the events' own `HoldTime`/`TalkTime` (so a recorded stream replayed fast gives the
service level the live run did). Where AMI says less than queue_log, the event says so:
`inferred: true` marks an outcome that AMI cannot tell for sure, and a later, surer fact (a
queue_log line, a `QUEUESTATUS` variable) replaces it. docs/sources.md lists the differences.

A little state is needed, kept here and in the two helpers beside this module:
- `QueueCallerLeave` comes for every caller leaving a queue, answered or not; an answered one
  is followed at once (the next block) by `AgentConnect`. So a leave waits for the next block
  before it becomes "left the queue".
- A `QueueStatus` reply is a snapshot: at its `QueueStatusComplete` a per-queue sync event lists
  who is there, so calls and members that vanished while we were not connected are closed
  (ami/queue_status.py).
- Each member's call in each queue (from `AgentConnect`): Asterisk 22 sometimes sends an
  `AgentComplete` with no channel fields (no Uniqueid), and it ends that call.
- The rings in progress (from `AgentCalled`): a ring ends by `AgentConnect`, by
  `AgentRingNoAnswer` (which Asterisk raises with every DialEnd of NOANSWER, BUSY or
  CONGESTION), or, with no miss to count, by `DialEnd` CANCEL (another member answered, the
  caller left), by the caller leaving the queue, or by `QueueMemberStatus` back to not in use.
  Those last ways are a `ring_canceled`, so the member is no longer shown ringing
  (ami/rings.py).

The membership events that need no state (added, removed, paused, penalty) are in
ami/member_events.py; reading a block's fields in ami/fields.py.

Whatever a server sends is checked as a feed line is: a number is plain digits, every event's
data has the types and ranges of the event schema (`event_schema.SCHEMA`), a `Timestamp` is a time
in its range, no field holds a NUL byte. A block that fails is a reject (`BlockError`).
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Callable
from functools import partial

from floorwatch.event_schema import TS_MAX, TS_MIN, check_data
from floorwatch.events import Event, EventError, Kind
from floorwatch.sources.ami.fields import (
    TS_PATTERN,
    BlockError,
    int_field,
    member,
    member_state,
    need,
)
from floorwatch.sources.ami.member_events import MEMBER_EVENTS
from floorwatch.sources.ami.protocol import Block
from floorwatch.sources.ami.queue_status import Handler, QueueStatusReply
from floorwatch.sources.ami.rings import RingsInProgress, remember

#: QUEUESTATUS values (dialplan VarSet) that tell how an unanswered caller left.
QUEUESTATUS_REASONS = {"TIMEOUT": "timeout", "LEAVEEMPTY": "empty", "WITHDRAW": "withdraw"}

#: QueueMemberStatus `Status` of a device not in use (AST_DEVICE_NOT_INUSE): no ring is on.
NOT_IN_USE = "1"


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
        self._status = QueueStatusReply(self._event)
        #: (queue, member) -> the caller's uniqueid of the call the member is on in that queue.
        self._on_call: OrderedDict[tuple[str, str], str] = OrderedDict()
        self._rings = RingsInProgress(self._event)
        #: Events decided before a block that failed: they go out with the next one.
        self._carried: list[Event] = []
        self._handlers: dict[str, Handler] = {
            **{name: partial(handler, self) for name, handler in self._call_handlers.items()},
            **{name: partial(self._member_event, make) for name, make in MEMBER_EVENTS.items()},
            **self._status.handlers(),
        }

    # ----------------------------------------------------------------- entry points
    def translate(self, block: Block) -> list[Event]:
        """The events one block means (often none). BlockError for a broken known event."""
        fields = block.fields
        name = fields.get("Event")
        out, self._carried = self._carried, []
        pending = self._pending_leave
        if pending is not None:
            self._pending_leave = None
            if not (
                name == "AgentConnect"
                and fields.get("Uniqueid") == pending.call_id
                and fields.get("Queue") == pending.queue
            ):
                self._left_unanswered(pending, out)  # no answer followed
        known = len(out)
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
            handler(fields, self._time(fields), out)
        except BlockError:
            self._carried = out[:known]  # not lost with this block: they go with the next
            raise
        return out

    def used(self, name: str) -> bool:
        """Whether events of this name mean anything here (the rest need not be parsed)."""
        return name in self._handlers

    def skip(self, name: str) -> list[Event]:
        """An event not used here went by: count it; a held leave is now known unanswered."""
        self.ignored[name] += 1
        return self.flush(sure=True)

    def flush(self, sure: bool = False) -> list[Event]:
        """Events held back for the next block, when no next block is coming soon. Unless
        `sure` (another block did come), a held leave goes out as the guess it is (the
        connection may have dropped before its AgentConnect): the rings for it stay on until
        a DialEnd, QueueMemberStatus or the next block ends them."""
        pending, self._pending_leave = self._pending_leave, None
        out, self._carried = self._carried, []
        if pending is not None:
            if sure:
                self._left_unanswered(pending, out)
            else:
                out.append(pending)
        return out

    def _left_unanswered(self, leave: Event, out: list[Event]) -> None:
        """A held leave is known unanswered: it goes out, and the rings for it are over."""
        out.append(leave)
        self._rings.cancel(leave.ts, out, leave.call_id, leave.queue)

    def start_sync(self) -> None:
        """A QueueStatus reply begins: gather who is there until QueueStatusComplete."""
        self._status.start()

    # ----------------------------------------------------------------- helpers
    def _time(self, fields: dict[str, str]) -> float:
        stamp = fields.get("Timestamp")
        if stamp:
            if TS_PATTERN(stamp) and TS_MIN <= float(stamp) < TS_MAX:
                return float(stamp)
            raise BlockError(f"Timestamp is not a time from 2001 to 2099: {stamp[:30]!r}")
        return self.clock()

    def _event(self, ts: float, kind: Kind, call_id=None, queue=None, agent=None, **data) -> Event:
        try:
            check_data(kind, data)
        except EventError as error:
            raise BlockError(str(error)) from None
        return Event(ts, self.source, kind, call_id, queue, agent, data)

    # ----------------------------------------------------------------- callers
    def _caller_join(self, f: dict[str, str], ts: float, out: list[Event]) -> None:
        call_id, queue = need(f, "Uniqueid"), need(f, "Queue")
        self._status.touch(call_id)
        out.append(
            self._event(
                ts,
                Kind.CALL_QUEUED,
                call_id,
                queue,
                caller=f.get("CallerIDNum"),
                caller_name=f.get("CallerIDName") or None,
                position=int_field(f, "Position", 0),
            )
        )

    def _caller_leave(self, f: dict[str, str], ts: float, out: list[Event]) -> None:
        call_id, queue = need(f, "Uniqueid"), need(f, "Queue")
        self._status.touch(call_id)
        if (call_id, queue) in self._abandoned:
            del self._abandoned[(call_id, queue)]
            return  # the abandon already said how it left
        remember(self._recent_left, call_id, queue)
        # Answered callers leave too; only if no AgentConnect follows did it leave unanswered.
        # AMI cannot tell a key press from an empty queue or a withdraw: "key" is a guess.
        self._pending_leave = self._event(
            ts,
            Kind.CALL_LEFT,
            call_id,
            queue,
            reason="key",
            position=int_field(f, "Position", 0),
            inferred=True,
        )

    def _caller_abandon(self, f: dict[str, str], ts: float, out: list[Event]) -> None:
        call_id, queue = need(f, "Uniqueid"), need(f, "Queue")
        self._status.touch(call_id)
        remember(self._abandoned, (call_id, queue), None)
        remember(self._recent_left, call_id, queue)
        self._rings.cancel(ts, out, call_id, queue)
        # Asterisk raises this for a hang-up and also for a queue timeout: "abandoned" until a
        # surer fact (QUEUESTATUS, a queue_log line) says otherwise.
        out.append(
            self._event(
                ts,
                Kind.CALL_ABANDONED,
                call_id,
                queue,
                wait_s=int_field(f, "HoldTime"),
                position=int_field(f, "Position", 0),
                orig_position=int_field(f, "OriginalPosition", 0),
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
        call_id, queue, agent = need(f, "Uniqueid"), need(f, "Queue"), member(f)
        self._rings.started(call_id, queue, agent, f.get("DestChannel"))
        out.append(
            self._event(
                ts, Kind.AGENT_RINGING, call_id, queue, agent, member_channel=f.get("DestChannel")
            )
        )

    def _agent_connect(self, f: dict[str, str], ts: float, out: list[Event]) -> None:
        call_id, queue, agent = need(f, "Uniqueid"), need(f, "Queue"), member(f)
        self._status.touch(call_id)
        self._rings.ended(call_id, queue, agent)
        remember(self._on_call, (queue, agent), call_id)
        out.append(
            self._event(
                ts,
                Kind.CALL_ANSWERED,
                call_id,
                queue,
                agent,
                wait_s=int_field(f, "HoldTime"),
                ring_s=int_field(f, "RingTime", 0),
                member_uniqueid=f.get("DestUniqueid"),
            )
        )
        self._rings.cancel(
            ts, out, call_id, queue
        )  # another member answered: the others' rings end

    def _agent_complete(self, f: dict[str, str], ts: float, out: list[Event]) -> None:
        queue, agent = need(f, "Queue"), member(f)
        call_id = f.get("Uniqueid") or self._on_call.get((queue, agent))
        if not call_id:
            # Asterisk 22 may leave out every channel field: the call is the member's current
            # one in that queue, and without one we know of there is nothing to end.
            raise BlockError(f"Uniqueid missing and {agent[:60]!r} has no call in {queue[:60]!r}")
        if self._on_call.get((queue, agent)) == call_id:
            del self._on_call[(queue, agent)]
        wait_s, talk_s = int_field(f, "HoldTime"), int_field(f, "TalkTime")
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
            remember(self._transfers, caller, ("blind", target))

    def _attended_transfer(self, f: dict[str, str], ts: float, out: list[Event]) -> None:
        caller = f.get("TransfereeUniqueid") or f.get("OrigTransfereeUniqueid")
        if caller and f.get("Result", "Success") == "Success":
            target = f.get("SecondTransfererChannel") or f.get("DestApp") or None
            remember(self._transfers, caller, ("attended", target))

    def _ring_no_answer(self, f: dict[str, str], ts: float, out: list[Event]) -> None:
        call_id, queue, agent = need(f, "Uniqueid"), need(f, "Queue"), member(f)
        self._rings.ended(call_id, queue, agent)
        # RingTime is in milliseconds here (seconds in AgentConnect).
        out.append(
            self._event(
                ts, Kind.RING_NO_ANSWER, call_id, queue, agent, ring_ms=int_field(f, "RingTime", 0)
            )
        )

    def _dial_end(self, f: dict[str, str], ts: float, out: list[Event]) -> None:
        # Only CANCEL ends a ring silently: NOANSWER, BUSY and CONGESTION come with an
        # AgentRingNoAnswer (app_queue's rna()), ANSWER with an AgentConnect.
        call_id, channel = f.get("Uniqueid"), f.get("DestChannel")
        if f.get("DialStatus") == "CANCEL" and call_id and channel:
            self._rings.cancel(ts, out, call_id, channel=channel)

    def _member_event(self, make: Callable, f: dict[str, str], ts: float, out: list[Event]) -> None:
        out.append(make(self._event, f, ts))

    def _agent_dump(self, f: dict[str, str], ts: float, out: list[Event]) -> None:
        call_id, queue, agent = need(f, "Uniqueid"), need(f, "Queue"), member(f)
        if self._on_call.get((queue, agent)) == call_id:
            del self._on_call[(queue, agent)]
        out.append(self._event(ts, Kind.AGENT_DUMP, call_id, queue, agent))

    def _member_status(self, f: dict[str, str], ts: float, out: list[Event]) -> None:
        queue, agent = need(f, "Queue"), member(f)
        state = member_state(f)
        if f.get("Status") == NOT_IN_USE and not state["in_call"]:
            self._rings.cancel(ts, out, queue=queue, agent=agent)  # the device stopped ringing
        out.append(self._event(ts, Kind.AGENT_STATUS, None, queue, agent, **state))

    _call_handlers: dict[str, Callable] = {
        "QueueCallerJoin": _caller_join,
        "QueueCallerLeave": _caller_leave,
        "QueueCallerAbandon": _caller_abandon,
        "VarSet": _var_set,
        "AgentCalled": _agent_called,
        "AgentConnect": _agent_connect,
        "AgentComplete": _agent_complete,
        "AgentRingNoAnswer": _ring_no_answer,
        "DialEnd": _dial_end,
        "AgentDump": _agent_dump,
        "BlindTransfer": _blind_transfer,
        "AttendedTransfer": _attended_transfer,
        "QueueMemberStatus": _member_status,
    }
