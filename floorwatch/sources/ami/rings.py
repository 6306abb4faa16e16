"""The rings in progress on an AMI connection. A ring ends by `AgentConnect`, by
`AgentRingNoAnswer` (which Asterisk raises with every DialEnd of NOANSWER, BUSY or CONGESTION),
or, with no miss to count, by `DialEnd` CANCEL (another member answered, the caller left), by
the caller leaving the queue, or by `QueueMemberStatus` back to not in use: those last ways
are a `ring_canceled`, so the member is no longer shown ringing."""

from __future__ import annotations

from collections import OrderedDict

from floorwatch.events import Event, Kind
from floorwatch.sources.ami.member_events import MakeEvent

#: How many recently finished callers (and rings) are remembered.
RECENT = 2000


def remember(store: OrderedDict, key, value) -> None:
    """Keep `key` as the newest of a bounded store, forgetting the oldest beyond RECENT."""
    store[key] = value
    store.move_to_end(key)
    if len(store) > RECENT:
        store.popitem(last=False)


class RingsInProgress:
    """(caller uniqueid, queue, member) -> the member's channel, for each ring on now."""

    def __init__(self, event: MakeEvent):
        self._event = event
        self._rings: OrderedDict[tuple[str, str, str], str | None] = OrderedDict()

    def started(self, call_id: str, queue: str, agent: str, channel: str | None) -> None:
        remember(self._rings, (call_id, queue, agent), channel)

    def ended(self, call_id: str, queue: str, agent: str) -> None:
        """The ring ended by an answer or a miss, which say so themselves."""
        self._rings.pop((call_id, queue, agent), None)

    def cancel(
        self,
        ts: float,
        out: list[Event],
        call_id: str | None = None,
        queue: str | None = None,
        agent: str | None = None,
        channel: str | None = None,
    ) -> None:
        """Rings that ended with no answer and no miss: `ring_canceled` for each one matching
        every given part (caller, queue, member, member channel)."""
        for key, ringing in list(self._rings.items()):
            ring_call, ring_queue, ring_agent = key
            if (
                (call_id is None or ring_call == call_id)
                and (queue is None or ring_queue == queue)
                and (agent is None or ring_agent == agent)
                and (channel is None or ringing == channel)
            ):
                del self._rings[key]
                out.append(self._event(ts, Kind.RING_CANCELED, ring_call, ring_queue, ring_agent))
