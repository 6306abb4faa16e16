"""The edges of the AMI feed where a wall screen stops being trusted: calls that never end and
rings that never stop. Hand-made blocks in the shape real Asterisk 22 sends (the shared capture
and app_queue.c), written to a real store, read back from its tables."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from floorwatch.sources.ami.protocol import parse_block
from floorwatch.sources.ami.translate import AmiTranslator, BlockError
from floorwatch.sources.base import Batch
from floorwatch.store.database import Store

T = 1_795_530_000


def block(text: str) -> bytes:
    return text.strip().replace("\n", "\r\n").encode()


JOIN = """
Event: QueueCallerJoin
Queue: {queue}
Uniqueid: {call}
CallerIDNum: 5550100
Position: 1
"""
CALLED = """
Event: AgentCalled
Queue: {queue}
Uniqueid: {call}
DestChannel: {channel}
Interface: Local/{ext}@agents/n
MemberName: {name}
"""
CONNECT = """
Event: AgentConnect
Queue: {queue}
Uniqueid: {call}
DestChannel: {channel}
Interface: Local/{ext}@agents/n
MemberName: {name}
HoldTime: 5
RingTime: 2
"""
LEAVE = """
Event: QueueCallerLeave
Queue: {queue}
Uniqueid: {call}
Position: 1
"""
# Exactly as the issue quotes it from a real Asterisk 22: no Channel, no Uniqueid.
COMPLETE_NO_CHANNEL = """
Event: AgentComplete
Privilege: agent,all
Queue: claims
Interface: Local/301@agents/n
MemberName: Maya
HoldTime: 5
TalkTime: 65
Reason: agent
"""


def fill(template: str, queue="orders", call="1.1", ext="201", name="Ana", **extra) -> bytes:
    channel = f"Local/{ext}@agents-0000000{call[-1]};1"
    return block(
        template.format(queue=queue, call=call, ext=ext, name=name, channel=channel, **extra)
    )


class Feed:
    """A translator with a clock that moves one second a block, and a real store behind."""

    def __init__(self, tmp_path: Path):
        self.ticks = 0
        self.translator = AmiTranslator("ami", self.clock)
        self.db = tmp_path / "ami.db"
        self.store = Store.open(str(self.db))
        self.events: list = []

    def clock(self) -> float:
        return float(T + self.ticks)

    def send(self, *raws: bytes) -> list:
        out = []
        for raw in raws:
            self.ticks += 1
            out += self.translator.translate(parse_block(raw))
        out += self.translator.flush()
        self.events += out
        self.store.write([Batch("ami", None, out)])
        return out

    def rows(self, sql: str, *args) -> list[tuple]:
        with sqlite3.connect(self.db) as conn:
            return conn.execute(sql, args).fetchall()

    def state(self, agent: str) -> tuple:
        return self.rows("SELECT state, ringing FROM agents WHERE name = ?", agent)[0]

    def close(self) -> None:
        self.store.close()


@pytest.fixture
def feed(tmp_path):
    feed = Feed(tmp_path)
    yield feed
    feed.close()


# ----------------------------------------------------------------- calls that never end
def test_agent_complete_without_channel_fields_ends_the_members_call_in_that_queue(feed):
    feed.send(
        fill(JOIN, "claims", "9.1"),
        fill(CALLED, "claims", "9.1", "301", "Maya"),
        fill(CONNECT, "claims", "9.1", "301", "Maya"),
    )
    assert feed.state("Maya") == ("on_call", None)
    events = feed.send(block(COMPLETE_NO_CHANNEL))
    assert [(e.kind, e.call_id, e.queue, e.agent) for e in events] == [
        ("call_ended", "9.1", "claims", "Maya")
    ]
    assert feed.rows("SELECT status, talk_s, wait_s, ended_by FROM calls") == [
        ("done", 65.0, 5.0, "agent")
    ]
    assert feed.state("Maya") == ("available", None)
    # handled and AHT count it: its talk time is known.
    assert feed.rows("SELECT count(*), avg(talk_s) FROM calls WHERE talk_s IS NOT NULL") == [
        (1, 65.0)
    ]


def test_agent_complete_without_channel_fields_picks_the_queue_it_names(feed):
    """The same member on calls in two queues (ringinuse): the block's Queue says which ends."""
    feed.send(
        fill(JOIN, "claims", "9.1"),
        fill(CONNECT, "claims", "9.1", "301", "Maya"),
        fill(JOIN, "sales", "9.2"),
        fill(CONNECT, "sales", "9.2", "301", "Maya"),
    )
    feed.send(block(COMPLETE_NO_CHANNEL))
    assert feed.rows("SELECT call_id, queue, status FROM calls ORDER BY id") == [
        ("9.1", "claims", "done"),
        ("9.2", "sales", "talking"),
    ]
    assert feed.state("Maya") == ("on_call", None)


def test_agent_complete_without_channel_fields_and_no_known_call_is_a_clear_reject(feed):
    with pytest.raises(BlockError, match=r"Uniqueid missing and 'Maya' has no call in 'claims'"):
        feed.translator.translate(parse_block(block(COMPLETE_NO_CHANNEL)))
    # Nothing held back is lost with the rejected block: the leave goes with the next one.
    feed.send(fill(JOIN, "claims", "9.1"))
    feed.translator.translate(parse_block(fill(LEAVE, "claims", "9.1")))
    with pytest.raises(BlockError):
        feed.translator.translate(parse_block(block(COMPLETE_NO_CHANNEL)))
    after = feed.translator.translate(parse_block(block("Event: Hangup\nUniqueid: 9.1")))
    assert [(e.kind, e.call_id) for e in after] == [("call_left", "9.1")]


def test_an_ended_call_is_not_ended_twice_by_a_later_bare_complete(feed):
    feed.send(fill(JOIN, "claims", "9.1"), fill(CONNECT, "claims", "9.1", "301", "Maya"))
    feed.send(block(COMPLETE_NO_CHANNEL.replace("Privilege: agent,all", "Uniqueid: 9.1")))
    with pytest.raises(BlockError):
        feed.translator.translate(parse_block(block(COMPLETE_NO_CHANNEL)))
    assert feed.rows("SELECT count(*) FROM calls WHERE status = 'done'") == [(1,)]


# ----------------------------------------------------------------- rings that never stop
DIAL_END = """
Event: DialEnd
Uniqueid: {call}
DestChannel: {channel}
DialStatus: {status}
"""
RING_NO_ANSWER = """
Event: AgentRingNoAnswer
Queue: {queue}
Uniqueid: {call}
DestChannel: {channel}
Interface: Local/{ext}@agents/n
MemberName: {name}
RingTime: 15000
"""
MEMBER_STATUS = """
Event: QueueMemberStatus
Queue: {queue}
MemberName: {name}
Interface: Local/{ext}@agents/n
Membership: static
InCall: 0
Status: {status}
Paused: 0
"""
ABANDON = """
Event: QueueCallerAbandon
Queue: {queue}
Uniqueid: {call}
Position: 1
OriginalPosition: 1
HoldTime: 12
"""


def ringing(feed: Feed, *members: tuple[str, str]) -> None:
    feed.send(fill(JOIN), *(fill(CALLED, ext=ext, name=name) for ext, name in members))
    for _, name in members:
        assert feed.state(name) == ("ringing", "orders")


def misses(feed: Feed) -> list[tuple]:
    return feed.rows("SELECT agent, canceled FROM misses ORDER BY id")


def test_dial_end_cancel_ends_the_ring_without_a_miss(feed):
    ringing(feed, ("201", "Ana"))
    feed.send(fill(DIAL_END, status="CANCEL"))
    assert feed.state("Ana") == ("available", None)
    assert misses(feed) == [("Ana", 1)]  # a canceled ring, never a ring-no-answer
    assert feed.rows("SELECT ring_no_answers FROM calls") == [(0,)]


def test_another_member_answering_ends_the_others_rings(feed):
    """ringall: Dev answers; Ana's ring ends even before (or without) her DialEnd CANCEL."""
    ringing(feed, ("201", "Ana"), ("204", "Dev"))
    feed.send(fill(LEAVE), fill(CONNECT, ext="204", name="Dev"))
    assert feed.state("Dev") == ("on_call", None)
    assert feed.state("Ana") == ("available", None)
    feed.send(fill(DIAL_END, ext="201", status="CANCEL"))  # late: nothing more happens
    assert misses(feed) == [("Ana", 1)]


def test_ring_no_answer_with_its_dial_end_is_one_miss(feed):
    ringing(feed, ("201", "Ana"))
    feed.send(fill(DIAL_END, status="NOANSWER"))
    assert feed.state("Ana") == ("ringing", "orders")  # AgentRingNoAnswer is on its way
    feed.send(fill(RING_NO_ANSWER), fill(DIAL_END, status="CANCEL"))
    assert feed.state("Ana") == ("available", None)
    assert misses(feed) == [("Ana", 0)]
    assert feed.rows("SELECT ring_no_answers FROM calls") == [(1,)]


def test_member_status_back_to_not_in_use_ends_the_ring(feed):
    ringing(feed, ("201", "Ana"))
    feed.send(fill(MEMBER_STATUS, status="2"))  # in use (a Local channel being rung): still on
    assert feed.state("Ana") == ("ringing", "orders")
    feed.send(fill(MEMBER_STATUS, status="1"))
    assert feed.state("Ana") == ("available", None)


@pytest.mark.parametrize("how", ["abandon", "leave"])
def test_the_caller_leaving_ends_every_ring_for_it(feed, how):
    ringing(feed, ("201", "Ana"), ("204", "Dev"))
    if how == "abandon":  # a hang-up (or a timeout): QueueCallerAbandon, then the leave
        feed.send(fill(ABANDON), fill(LEAVE))
    else:  # a key press: only the leave, and no AgentConnect after it
        feed.send(fill(LEAVE), block("Event: Hangup\nUniqueid: 1.1"))
    assert feed.state("Ana") == ("available", None)
    assert feed.state("Dev") == ("available", None)
    assert feed.rows("SELECT outcome FROM calls") == [("abandoned" if how == "abandon" else "key",)]
