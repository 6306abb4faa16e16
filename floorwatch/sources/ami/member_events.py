"""The AMI events of queue membership that map one block to one event with no state: a member
added, removed, paused or unpaused, its penalty changed."""

from __future__ import annotations

from collections.abc import Callable

from floorwatch.events import Event, Kind
from floorwatch.sources.ami.fields import int_field, member, member_state, need

#: Builds a checked event: (ts, kind, call_id, queue, agent, **data).
MakeEvent = Callable[..., Event]


def member_added(event: MakeEvent, f: dict[str, str], ts: float) -> Event:
    state = member_state(f)
    return event(
        ts,
        Kind.AGENT_JOINED,
        None,
        need(f, "Queue"),
        member(f),
        paused=state["paused"],
        reason=state["reason"],
        interface=f.get("Interface"),
    )


def member_removed(event: MakeEvent, f: dict[str, str], ts: float) -> Event:
    return event(ts, Kind.AGENT_LEFT, None, need(f, "Queue"), member(f))


def member_pause(event: MakeEvent, f: dict[str, str], ts: float) -> Event:
    kind = Kind.AGENT_PAUSED if int_field(f, "Paused") == 1 else Kind.AGENT_UNPAUSED
    reason = f.get("PausedReason") or None
    return event(ts, kind, None, need(f, "Queue"), member(f), reason=reason)


def member_penalty(event: MakeEvent, f: dict[str, str], ts: float) -> Event:
    penalty = int_field(f, "Penalty")
    return event(ts, Kind.AGENT_PENALTY, None, need(f, "Queue"), member(f), penalty=penalty)


#: The events above by name.
MEMBER_EVENTS: dict[str, Callable[[MakeEvent, dict[str, str], float], Event]] = {
    "QueueMemberAdded": member_added,
    "QueueMemberRemoved": member_removed,
    "QueueMemberPause": member_pause,
    "QueueMemberPenalty": member_penalty,
}
