"""A `QueueStatus` reply as canonical events: each member and waiting caller as it is listed,
and at `QueueStatusComplete` a per-queue sync event naming who is there, so the calls and
members that vanished while floorwatch was not connected are closed."""

from __future__ import annotations

from collections.abc import Callable

from floorwatch.events import Event, Kind
from floorwatch.sources.ami.fields import int_field, member, member_state, need
from floorwatch.sources.ami.member_events import MakeEvent

#: A handler of one AMI event: (fields, ts, the events out).
Handler = Callable[[dict[str, str], float, list[Event]], None]


class QueueStatusReply:
    """Gathers one reply: who is listed per queue, and the calls that moved meanwhile."""

    def __init__(self, event: MakeEvent):
        self._event = event
        self._listed: dict[str, dict[str, list]] | None = None
        self._touched: set[str] = set()

    def handlers(self) -> dict[str, Handler]:
        return {
            "QueueParams": self.params,
            "QueueMember": self.member,
            "QueueEntry": self.entry,
            "QueueStatusComplete": self.complete,
        }

    def start(self) -> None:
        """A reply begins: gather who is there until QueueStatusComplete."""
        self._listed = {}
        self._touched = set()

    def touch(self, call_id: str) -> None:
        """A call moved (joined, left, answered) while a reply is being sent."""
        if self._listed is not None:
            self._touched.add(call_id)

    def _queue(self, queue: str) -> dict[str, list]:
        if self._listed is None:  # a reply whose start we did not see: still a snapshot
            self.start()
        assert self._listed is not None  # start() made it
        return self._listed.setdefault(queue, {"waiting": [], "members": [], "in_call": []})

    def params(self, f: dict[str, str], ts: float, out: list[Event]) -> None:
        self._queue(need(f, "Queue"))

    def member(self, f: dict[str, str], ts: float, out: list[Event]) -> None:
        queue, agent = need(f, "Queue"), member(f)
        state = member_state(f)
        listed = self._queue(queue)
        listed["members"].append(agent)
        if state["in_call"]:
            listed["in_call"].append(agent)
        out.append(self._event(ts, Kind.AGENT_STATUS, None, queue, agent, sync=True, **state))

    def entry(self, f: dict[str, str], ts: float, out: list[Event]) -> None:
        queue, call_id = need(f, "Queue"), need(f, "Uniqueid")
        self._queue(queue)["waiting"].append(call_id)
        out.append(
            self._event(
                ts,
                Kind.CALL_WAITING,
                call_id,
                queue,
                wait_s=int_field(f, "Wait", 0),
                caller=f.get("CallerIDNum"),
                caller_name=f.get("CallerIDName") or None,
                position=int_field(f, "Position", 0),
                # The queue priority (QueueCallerJoin's Priority is the dialplan's: not this).
                priority=int_field(f, "Priority") if f.get("Priority") else None,
                sync=True,
            )
        )

    def complete(self, f: dict[str, str], ts: float, out: list[Event]) -> None:
        listed, touched = self._listed or {}, self._touched
        self._listed, self._touched = None, set()
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
