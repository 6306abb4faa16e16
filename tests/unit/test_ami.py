"""The AMI source against a real TCP server on 127.0.0.1 replaying real Asterisk 22 bytes."""

from __future__ import annotations

import random
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from floorwatch.config import Config
from floorwatch.ingest.pipeline import Ingest
from floorwatch.snapshot.reader import FloorReader
from floorwatch.sources import open_source
from floorwatch.sources.ami.client import AmiSource, parse_address, read_secret
from floorwatch.sources.ami.protocol import BlockFramer, parse_block
from floorwatch.sources.base import SourceError
from floorwatch.store.database import Store
from tests.ami_server import AMI, SAMPLES, SECRET, AmiServer

CAPTURE = SAMPLES / "asterisk22_three_queues.ami.log"


QUEUE_LOG = SAMPLES / "asterisk22_three_queues.queue_log"


BUSY = AMI / "queuestatus_busy_with_events.raw"


FAST = (0.05, 0.4)  # reconnect backoff for tests: the same doubling, smaller numbers


pytestmark = pytest.mark.skipif(
    not CAPTURE.exists(),
    reason=f"AMI recordings not found at {SAMPLES} (the shared folder beside the project)",
)


def capture_stream() -> bytes:
    """The three-queue capture without its first block (the login answer the server sends)."""
    data = CAPTURE.read_bytes()
    return data[data.index(b"\r\n\r\n") + 4 :]


def source(server: AmiServer, name: str = "pbx", **options) -> AmiSource:
    options.setdefault("backoff", FAST)
    feed = AmiSource(name, f"driver@127.0.0.1:{server.port}", **options)
    feed._secret = SECRET
    return feed


def ingest_until(db: Path, feeds, done, timeout: float = 30.0) -> Ingest:
    """Run the ingest in a thread until `done(connection)` holds for the store, then stop."""
    store = Store.open(str(db))
    run = Ingest(store, feeds)
    stop = threading.Event()
    thread = threading.Thread(target=run.run, args=(stop,), daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline and thread.is_alive():
            with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
                if done(conn):
                    break
            time.sleep(0.05)
        else:
            if thread.is_alive():
                pytest.fail("the ingest did not get there in time")
    finally:
        stop.set()
        thread.join(timeout=10)
        store.close()
    return run


def outcomes(db: Path, keys: set | None = None) -> dict[str, Counter]:
    """Outcomes per queue of the calls whose wait ended, optionally only those with `keys`."""
    counts: dict[str, Counter] = {}
    with sqlite3.connect(db) as conn:
        for call_id, queue, outcome in conn.execute(
            "SELECT call_id, queue, outcome FROM calls WHERE outcome IS NOT NULL"
        ):
            if keys is None or (call_id, queue) in keys:
                counts.setdefault(queue, Counter())[outcome] += 1
    return counts


def ended_keys(db: Path) -> set:
    with sqlite3.connect(db) as conn:
        return set(conn.execute("SELECT call_id, queue FROM calls WHERE outcome IS NOT NULL"))


def count(conn: sqlite3.Connection, sql: str) -> int:
    return conn.execute(sql).fetchone()[0]


def test_blocks_split_at_any_read_boundary_come_out_whole():
    data = BUSY.read_bytes()[30:]
    whole = BlockFramer().feed(data)
    assert len(whole) == 985  # ami/INDEX.txt: 985 blocks after the banner
    rng = random.Random(7)
    framer, pieces, at = BlockFramer(), [], 0
    while at < len(data):
        step = rng.choice([1, 2, 3, 7, 100, 4096])
        pieces += framer.feed(data[at : at + step])
        at += step
    assert pieces == whole and framer.pending == 0


def test_block_fields_keep_empty_values_and_set_aside_broken_lines():
    block = parse_block(
        b"Event: QueueMemberPause\r\nPausedReason: \r\nthis is not a header\r\nQueue: orders"
    )
    assert block.fields == {"Event": "QueueMemberPause", "PausedReason": "", "Queue": "orders"}
    assert block.bad_lines == ["this is not a header"]


@pytest.mark.parametrize(
    "location, expected",
    [
        ("driver@127.0.0.1:5040", ("driver", "127.0.0.1", 5040)),
        ("driver@pbx", ("driver", "pbx", 5038)),
        ("driver@[::1]:5039", ("driver", "::1", 5039)),
    ],
)
def test_source_spelling(location, expected):
    address = parse_address(location)
    assert (address.user, address.host, address.port) == expected


@pytest.mark.parametrize("location", ["pbx:5038", "driver@pbx:http", "driver:pw@pbx", "@pbx"])
def test_bad_source_spelling_is_one_clear_error(location):
    with pytest.raises(SourceError, match="ami:"):
        parse_address(location)


def test_secret_from_file_or_environment_never_the_command_line(tmp_path, monkeypatch):
    monkeypatch.delenv("FLOORWATCH_AMI_SECRET", raising=False)
    with pytest.raises(SourceError, match="FLOORWATCH_AMI_SECRET"):
        read_secret(None)
    monkeypatch.setenv("FLOORWATCH_AMI_SECRET", "from-env")
    assert read_secret(None) == "from-env"
    secret_file = tmp_path / "ami.secret"
    secret_file.write_text("from-file\n")
    assert read_secret(str(secret_file)) == "from-file"
    with pytest.raises(SourceError, match="No such file"):
        read_secret(str(tmp_path / "missing"))


def test_idle_queuestatus_gives_every_member_and_no_calls(tmp_path):
    idle = (AMI / "queuestatus_idle.raw").read_bytes()
    with AmiServer(status_reply=lambda action_id: idle[113:]) as server:
        db = tmp_path / "floor.db"
        ingest_until(
            db, [source(server)], lambda c: count(c, "SELECT count(*) FROM memberships") == 11
        )
    with sqlite3.connect(db) as conn:
        per_queue = dict(
            conn.execute(
                "SELECT queue, count(*) FROM memberships WHERE left_at IS NULL GROUP BY queue"
            )
        )
        assert per_queue == {"orders": 5, "returns": 4, "vip": 2}
        assert count(conn, "SELECT count(DISTINCT agent) FROM memberships") == 7
        assert count(conn, "SELECT count(*) FROM calls") == 0
        assert count(conn, "SELECT count(*) FROM pauses") == 0


def test_started_mid_day_the_busy_floor_shows_before_any_new_event(tmp_path):
    """queuestatus_busy_with_events.raw, byte for byte: callers waiting and paused members
    with reasons are on the floor before the stream carries a single new event."""
    raw = BUSY.read_bytes()
    login, status, stream = raw[30:205], raw[205:7457], raw[7457:]
    db = tmp_path / "floor.db"
    clock = [1795532880.0]
    with AmiServer(
        stream, login_reply=lambda _: login, status_reply=lambda _: status, hold=True
    ) as server:
        feed = source(server, clock=lambda: clock[0])
        store = Store.open(str(db))
        run = Ingest(store, [feed])
        stop = threading.Event()
        thread = threading.Thread(target=run.run, args=(stop,), daemon=True)
        thread.start()
        try:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
                    if count(conn, "SELECT count(*) FROM calls") == 11:
                        break
                time.sleep(0.05)
            reader = Store.open_readonly(str(db))
            floor = FloorReader(reader, Config(), at=clock[0]).snapshot()
            reader.close()
            waiting = {name: queue.calls_waiting for name, queue in floor.queues.items()}
            assert waiting == {"orders": 4, "returns": 6, "vip": 1}
            longest = {name: round(queue.longest_wait_s) for name, queue in floor.queues.items()}
            waits = Counter()
            listed = {}
            for block in BlockFramer().feed(status):
                fields = parse_block(block).fields
                if fields.get("Event") == "QueueEntry":
                    waits[fields["Queue"]] = max(waits[fields["Queue"]], int(fields["Wait"]))
                    listed[fields["Uniqueid"]] = (fields["CallerIDName"], int(fields["Priority"]))
            assert longest == dict(waits)
            # Each caller waiting with the name and the queue priority the reply listed.
            shown = {
                call.call_id: (call.caller_name, call.priority)
                for queue in floor.queues.values()
                for call in queue.waiting
            }
            assert shown == listed and len(shown) == 11
            assert shown["1795532867.11"] == ("Cust 0151", 0)
            paused = {a.name: a.paused_in for a in floor.agents.values() if a.paused_in}
            assert paused == {
                "Local/205@agents/n": {"orders": "Training"},
                "Cleo": {"orders": "Auto-Pause"},
                "Ben": {"orders": "Break", "returns": "Break"},
            }
            states = {a.name: (a.state, a.reason) for a in floor.agents.values()}
            assert states["Ben"] == ("paused", "Break")  # paused in every queue he is in
            with sqlite3.connect(db) as conn:
                assert count(conn, "SELECT count(*) FROM calls WHERE outcome IS NOT NULL") == 0
            # Now the live events: they land and count, and nothing synced counts as new.
            server.release()
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and not server.finished.is_set():
                time.sleep(0.05)
            time.sleep(0.5)
        finally:
            stop.set()
            thread.join(timeout=10)
            store.close()
    assert server.actions == ["QueueStatus"]
    with sqlite3.connect(db) as conn:
        # 24 callers joined in the window (INDEX.txt), on top of the 11 already waiting, and
        # 4 calls already talking at connect (4 members InCall) ended in it: their
        # AgentComplete implies the answer. Each call once, the synced ones included.
        assert count(conn, "SELECT count(*) FROM calls") == 11 + 24 + 4
        assert count(conn, "SELECT count(DISTINCT call_id || queue) FROM calls") == 39
        assert count(conn, "SELECT count(*) FROM events WHERE kind = 'call_queued'") == 24
        assert count(conn, "SELECT count(*) FROM events WHERE kind = 'call_answered'") == 13
        assert count(conn, "SELECT count(*) FROM calls WHERE outcome = 'answered'") == 13 + 4
        assert count(conn, "SELECT count(*) FROM calls WHERE outcome = 'abandoned'") == 8
        # The second QueueStatus in the stream re-synced the floor: 21 waiting then (9+11+1).
        assert count(conn, "SELECT count(*) FROM events WHERE kind = 'call_waiting'") == 11 + 21


@pytest.fixture(scope="module")
def queue_log_db(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("ql") / "queue_log.db"
    store = Store.open(str(db))
    Ingest(store, [open_source(f"queue_log:{QUEUE_LOG}", name="queue_log", follow=False)]).run(
        threading.Event()
    )
    store.close()
    return db


def replay_capture(
    db: Path, drops: list[int] | None = None, garbage: bytes | None = None, extra=()
) -> tuple[AmiServer, Ingest]:
    stream = garbage if garbage is not None else capture_stream()
    server = AmiServer(stream, drops=drops, chunk=1 << 14)
    quiet = quiet_for(0.5)
    try:
        run = ingest_until(
            db,
            [source(server), *extra],
            lambda c: (
                server.finished.is_set()
                and count(c, "SELECT count(*) FROM events WHERE kind='call_queued'")
                >= (198 if not extra else 199)
                and quiet(c)
            ),
        )
    finally:
        server.close()
    return server, run


def quiet_for(seconds: float) -> Callable[[sqlite3.Connection], bool]:
    """A check that holds once the store has had no commit for `seconds` (caught up)."""
    last: list = [None, 0.0]

    def quiet(conn: sqlite3.Connection) -> bool:
        seq, now = count(conn, "SELECT value FROM meta WHERE key = 'seq'"), time.monotonic()
        if seq != last[0]:
            last[:] = [seq, now]
            return False
        return now - last[1] > seconds

    return quiet


def test_capture_answered_and_abandoned_agree_with_queue_log(tmp_path, queue_log_db):
    """The same run seen by AMI and by queue_log: for the calls the capture saw end, per
    queue, answered and left-by-key agree; AMI's abandoned = queue_log's ABANDON + timeout
    (Asterisk raises QueueCallerAbandon for both), as docs/sources.md says."""
    db = tmp_path / "ami.db"
    server, run = replay_capture(db)
    assert not run.errors and server.connections == 1
    ami = outcomes(db)
    from_queue_log = outcomes(queue_log_db, ended_keys(db))
    assert sum(sum(c.values()) for c in ami.values()) == 166  # 198 joined, 32 still waiting
    for queue in ("orders", "returns", "vip"):
        a, q = ami[queue], from_queue_log[queue]
        assert a["answered"] == q["answered"]
        assert a["key"] == q["key"]
        assert a["abandoned"] == q["abandoned"] + q["timeout"]
        assert a["timeout"] == 0
    assert ami["orders"] == Counter(answered=50, abandoned=27, key=9)
    with sqlite3.connect(db) as conn:
        # Missed rings land with their ring time in ms (AgentRingNoAnswer says ms).
        assert count(conn, "SELECT count(*) FROM misses WHERE NOT canceled") == 13
        assert count(conn, "SELECT min(ring_ms) FROM misses WHERE NOT canceled") >= 1000
        # Two rings ended by DialEnd CANCEL with no AgentRingNoAnswer: Ben's when the caller
        # hung up (queue_log's one RINGCANCELED) and Ana's when Dev answered a vip ringall.
        assert conn.execute(
            "SELECT agent, queue FROM misses WHERE canceled ORDER BY id"
        ).fetchall() == [("Ben", "orders"), ("Ana", "vip")]
        assert count(conn, "SELECT count(*) FROM calls WHERE ended_by = 'transfer'") == 4
        assert count(conn, "SELECT count(*) FROM rejects") == 0
        # QueueMemberPause with reasons, as pauses with reasons.
        assert count(conn, "SELECT count(*) FROM pauses WHERE reason = 'Lunch'") >= 1


def handled(db: Path, keys: set) -> dict[str, tuple[int, float]]:
    """Per queue: answered calls with a known talk time among `keys`, and their mean talk."""
    talk: dict[str, list[float]] = {}
    with sqlite3.connect(db) as conn:
        for call_id, queue, talk_s in conn.execute(
            "SELECT call_id, queue, talk_s FROM calls WHERE outcome = 'answered' AND talk_s IS NOT NULL"
        ):
            if (call_id, queue) in keys:
                talk.setdefault(queue, []).append(talk_s)
    return {queue: (len(times), round(sum(times) / len(times), 6)) for queue, times in talk.items()}


def test_capture_handled_aht_and_the_floor_at_its_end_agree_with_queue_log(tmp_path, queue_log_db):
    """Handled and AHT from AMI equal queue_log's for the calls the capture saw end (talk times
    are AgentComplete's TalkTime, queue_log's calltime); and where the capture stops (queue_log
    second 1795530720), nobody is on a call and exactly the four members queue_log shows
    being rung then are ringing: Local/205 and Cleo in orders (205 answers at 723, Cleo's
    RINGNOANSWER at 728), Ana and Dev in vip's ringall (Dev answers at 721)."""
    db = tmp_path / "ami.db"
    server, run = replay_capture(db)
    assert not run.errors
    with sqlite3.connect(db) as conn:
        ended = set(conn.execute("SELECT call_id, queue FROM calls WHERE talk_s IS NOT NULL"))
        states = dict(
            conn.execute("SELECT name, state || ' ' || coalesce(ringing, '') FROM agents")
        )
        talking = count(conn, "SELECT count(*) FROM calls WHERE status = 'talking'")
    ami, from_queue_log = handled(db, ended), handled(queue_log_db, ended)
    assert ami == from_queue_log
    assert {queue: n for queue, (n, _) in ami.items()} == {"orders": 50, "returns": 46, "vip": 20}
    assert talking == 0
    assert {name: state for name, state in states.items() if state.startswith("ringing")} == {
        "Local/205@agents/n": "ringing orders",
        "Cleo": "ringing orders",
        "Ana": "ringing vip",
        "Dev": "ringing vip",
    }
    assert not any(state.startswith("on_call") for state in states.values())


def _drop_points(stream: bytes) -> list[int]:
    """Offsets to cut at: mid-block, at a block boundary, and right after a caller left the
    queue (its AgentConnect, the next block, comes on the next connection)."""
    mid = stream.index(b"Event: AgentConnect", 200_000) + 40
    boundary = stream.index(b"\r\n\r\n", 700_000) + 4
    after_leave = stream.index(b"Event: AgentConnect", 1_200_000)
    previous = stream.rindex(b"\r\n\r\n", 0, after_leave - 4) + 4
    assert stream[previous:].startswith(b"Event: QueueCallerLeave")
    return [mid, boundary, after_leave]


def test_dropped_connections_reconnect_resync_and_count_nothing_twice(tmp_path):
    clean_db, dropped_db = tmp_path / "clean.db", tmp_path / "dropped.db"
    replay_capture(clean_db)
    stream = capture_stream()
    server, run = replay_capture(dropped_db, drops=_drop_points(stream))
    assert not run.errors
    assert server.connections == 4
    assert server.actions == ["QueueStatus"] * 4  # re-synced on every connection
    assert outcomes(dropped_db) == outcomes(clean_db)
    with sqlite3.connect(dropped_db) as conn, sqlite3.connect(clean_db) as clean:
        for sql in (
            "SELECT count(*) FROM calls",
            "SELECT count(*) FROM misses",
            "SELECT count(*) FROM calls WHERE status != 'done'",
            "SELECT count(*) FROM events WHERE kind = 'call_queued'",
        ):
            assert count(conn, sql) == count(clean, sql), sql
        assert conn.execute("SELECT status FROM sources").fetchone()[0] == "connected"


def test_garbage_lines_are_rejects_and_the_rest_lands(tmp_path):
    clean_db, dirty_db = tmp_path / "clean.db", tmp_path / "dirty.db"
    replay_capture(clean_db)
    blocks = capture_stream().split(b"\r\n\r\n")
    rng = random.Random(3)
    spots = set(rng.sample(range(len(blocks) - 1), 1000))
    dirty = []
    for index, block in enumerate(blocks):
        if index in spots:
            noise = f"garbage line {index} ~~ \x01 no colon here".encode()
            if index % 2:
                block = noise + b"\r\n" + block  # glued to the front of a real block
            else:
                lines = block.split(b"\r\n")
                block = b"\r\n".join(lines[:2] + [noise] + lines[2:])  # inside a block
        dirty.append(block)
    server, run = replay_capture(dirty_db, garbage=b"\r\n\r\n".join(dirty))
    assert not run.errors
    with sqlite3.connect(dirty_db) as conn:
        assert count(conn, "SELECT count(*) FROM rejects") == 1000
        assert count(conn, "SELECT count(*) FROM rejects WHERE raw LIKE 'garbage line %'") == 1000
        assert conn.execute("SELECT rejects FROM sources").fetchone()[0] == 1000
    assert outcomes(dirty_db) == outcomes(clean_db)


def test_queue_log_and_ami_side_by_side_count_each_call_once(tmp_path, queue_log_db):
    db = tmp_path / "both.db"
    queue_log = open_source(f"queue_log:{QUEUE_LOG}", name="queue_log", follow=False)
    replay_capture(db, extra=[queue_log])
    assert outcomes(db) == outcomes(queue_log_db)
    with sqlite3.connect(db) as conn, sqlite3.connect(queue_log_db) as alone:
        for sql in (
            "SELECT count(*) FROM calls",
            "SELECT count(*) FROM misses WHERE NOT canceled",
            "SELECT count(*) FROM calls WHERE outcome IS NULL",
        ):
            assert count(conn, sql) == count(alone, sql), sql
        # AMI tells one canceled ring more than queue_log writes (RINGCANCELED is only for a
        # caller who hangs up): Ana's, when Dev answered a vip ringall.
        canceled = "SELECT count(*) FROM misses WHERE canceled"
        assert count(conn, canceled) == count(alone, canceled) + 1


def test_refused_login_for_the_dashboard_is_shown_disconnected_and_retried(tmp_path):
    with AmiServer(secret="another") as server:
        feed = source(server, fatal_login=False)
        db = tmp_path / "f.db"
        run = ingest_until(
            db,
            [feed],
            lambda c: server.connections >= 3 and count(c, "SELECT count(*) FROM sources") == 1,
        )
    assert not run.errors
    with sqlite3.connect(db) as conn:
        status, detail = conn.execute("SELECT status, status_detail FROM sources").fetchone()
    assert status == "disconnected"
    assert "login refused: Authentication failed" in detail and "retrying in" in detail
    reader = Store.open_readonly(str(db))
    floor = FloorReader(reader, Config()).snapshot()
    reader.close()
    assert [(f.name, f.status) for f in floor.feeds] == [("pbx", "disconnected")]


def test_no_server_is_disconnected_with_backoff_not_a_crash(tmp_path):
    # Port 9 (discard): nothing listens there, and it is outside the ephemeral range, where a
    # freed port can be reused, or even connect to itself.
    feed = AmiSource("pbx", "driver@127.0.0.1:9", backoff=FAST)
    feed._secret = SECRET
    db = tmp_path / "f.db"
    ingest_until(db, [feed], lambda c: count(c, "SELECT count(*) FROM sources") == 1)
    with sqlite3.connect(db) as conn:
        status, detail = conn.execute("SELECT status, status_detail FROM sources").fetchone()
    assert status == "disconnected" and "cannot connect" in detail


def _capture_events(clock_start: float = 1795530190.0) -> list:
    from floorwatch.sources.ami.translate import AmiTranslator

    ticks = iter(range(10**6))
    translator = AmiTranslator("ami", lambda: clock_start + next(ticks) * 0.1)
    events = []
    for raw in BlockFramer().feed(capture_stream()):
        events += translator.translate(parse_block(raw))
    return events + translator.flush()


@pytest.mark.parametrize("ami_first", [True, False])
def test_either_feed_first_gives_the_queue_log_numbers(tmp_path, queue_log_db, ami_first):
    from floorwatch.sources.base import Batch
    from floorwatch.sources.queue_log import parse_line

    queue_log = [parse_line(line, "queue_log") for line in QUEUE_LOG.read_text().splitlines()]
    ami = _capture_events()
    db = tmp_path / "both.db"
    store = Store.open(str(db))
    for name, events in (
        [("ami", ami), ("queue_log", queue_log)]
        if ami_first
        else [("queue_log", queue_log), ("ami", ami)]
    ):
        store.write([Batch(name, None, events)])
    store.close()
    assert outcomes(db) == outcomes(queue_log_db)
    assert outcomes(db)["orders"] == Counter(answered=64, abandoned=17, timeout=11, key=11)


def test_a_surer_fact_replaces_an_inferred_outcome(tmp_path):
    """QueueCallerAbandon may be a timeout: QUEUESTATUS (or a queue_log line) says which."""
    from floorwatch.sources.ami.translate import AmiTranslator
    from floorwatch.sources.base import Batch

    translator = AmiTranslator("ami", lambda: 1000.0)
    blocks = [
        "Event: QueueCallerJoin\r\nUniqueid: 1.1\r\nQueue: orders\r\nPosition: 1\r\nCallerIDNum: 5550100",
        "Event: QueueCallerAbandon\r\nUniqueid: 1.1\r\nQueue: orders\r\nPosition: 1\r\n"
        "OriginalPosition: 1\r\nHoldTime: 30",
        "Event: QueueCallerLeave\r\nUniqueid: 1.1\r\nQueue: orders\r\nPosition: 1",
        "Event: VarSet\r\nUniqueid: 1.1\r\nVariable: QUEUESTATUS\r\nValue: TIMEOUT",
        "Event: QueueCallerJoin\r\nUniqueid: 2.2\r\nQueue: orders\r\nPosition: 1",
        "Event: QueueCallerLeave\r\nUniqueid: 2.2\r\nQueue: orders\r\nPosition: 1",
        "Event: Hangup\r\nUniqueid: 2.2",
    ]
    events = [e for block in blocks for e in translator.translate(parse_block(block.encode()))]
    assert [(e.kind, e.data.get("reason"), e.data.get("inferred")) for e in events] == [
        ("call_queued", None, None),
        ("call_abandoned", None, True),
        ("call_left", "timeout", None),
        ("call_queued", None, None),
        ("call_left", "key", True),
    ]
    db = tmp_path / "f.db"
    store = Store.open(str(db))
    store.write([Batch("ami", None, events)])
    store.close()
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT call_id, outcome, wait_s FROM calls ORDER BY id").fetchall()
    assert rows == [("1.1", "timeout", 30.0), ("2.2", "key", 0.0)]
    assert translator.ignored == Counter({"Hangup": 1})
