"""The ingest end to end: exactly once through SIGKILL and restarts, garbage lines, out-of-order
lines, the store's guards, JSON Lines from a file and from stdin, and the CLI's errors."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from floorwatch.events import Event, Kind
from floorwatch.ingest.pipeline import Ingest
from floorwatch.store.database import SCHEMA_VERSION, Store, StoreError

from .conftest import ingest_file

FLOORWATCH = [sys.executable, "-m", "floorwatch"]


def run(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([*FLOORWATCH, *args], capture_output=True, text=True, timeout=120,
                          **kwargs)  # fmt: skip


def stored_lines(db: Path) -> list[str]:
    """The events table as the lines they came from (ts|call|queue|agent|EVENT|fields)."""
    rows = sqlite3.connect(db).execute(
        "SELECT ts, call_id, queue, agent, data FROM events ORDER BY id").fetchall()
    return [f"{int(ts)}|{c or 'NONE'}|{q or 'NONE'}|{a or 'NONE'}|{d}" for ts, c, q, a, d in rows]


def call_lines(count: int, start: int = 1795530000) -> list[str]:
    lines = []
    for n in range(count):
        t = start + n
        lines += [f"{t}|c{n}|orders|NONE|ENTERQUEUE||555{n:04d}|1",
                  f"{t + 2}|c{n}|orders|Agent{n % 7}|CONNECT|2|m{n}|1",
                  f"{t + 30}|c{n}|orders|Agent{n % 7}|COMPLETEAGENT|2|28|1"]  # fmt: skip
    return lines


def wait_for(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


def count_events(db: Path) -> int:
    try:
        return sqlite3.connect(db).execute("SELECT count(*) FROM events").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_sigkill_mid_stream_then_restart_stores_every_line_once(tmp_path):
    """A writer appends in bursts; the ingest is SIGKILLed twice mid-stream and restarted; at the
    end the events table holds exactly the lines written, in order, none twice."""
    feed, db = tmp_path / "queue_log", tmp_path / "floor.db"
    lines = [line for line in call_lines(1500)]
    feed.write_text("")
    written: list[str] = []
    done = threading.Event()

    def writer() -> None:
        rng = random.Random(3)
        position = 0
        with feed.open("a") as out:
            while position < len(lines):
                burst = lines[position : position + rng.randint(1, 60)]
                out.write("".join(line + "\n" for line in burst))
                out.flush()
                written.extend(burst)
                position += len(burst)
                time.sleep(rng.uniform(0, 0.01))
        done.set()

    def start() -> subprocess.Popen:
        return subprocess.Popen([*FLOORWATCH, "ingest", "--db", str(db), "--poll", "0.05",
                                 "--no-burnout", f"queue_log:{feed}"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip

    thread = threading.Thread(target=writer)
    process = start()
    thread.start()
    for kill_after in (300, 1800):
        wait_for(lambda: count_events(db) >= kill_after)
        process.send_signal(signal.SIGKILL)
        process.wait()
        process = start()
    thread.join()
    wait_for(lambda: count_events(db) >= len(lines), timeout=60)
    # The killed ingest's writer may have committed every line already: wait until the new
    # ingest is running (its writer started), not still starting, before asking it to stop.
    wait_for(lambda: children(process.pid), timeout=30)
    time.sleep(0.5)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=20) == 0
    assert written == lines
    assert stored_lines(db) == lines
    # Derived state agrees: every call once, all completed.
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*), count(DISTINCT call_id) FROM calls").fetchone() == (
        1500, 1500)
    assert conn.execute("SELECT count(*) FROM calls WHERE outcome = 'answered' AND "
                        "ended_by = 'agent' AND talk_s = 28").fetchone()[0] == 1500  # fmt: skip


def test_restart_resumes_at_the_checkpoint_and_derived_tables_match_one_run(tmp_path):
    lines = call_lines(200) + [
        "1795530100|NONE|orders|Agent1|PAUSE|Break", "1795530500|NONE|orders|Agent1|UNPAUSE|",
    ]
    feed = tmp_path / "queue_log"
    feed.write_text("".join(line + "\n" for line in lines[:250]))
    split = tmp_path / "split.db"
    assert run("ingest", "--db", str(split), "--once", "--no-burnout", f"queue_log:{feed}").returncode == 0
    with feed.open("a") as out:
        out.write("".join(line + "\n" for line in lines[250:]))
    assert run("ingest", "--db", str(split), "--once", "--no-burnout", f"queue_log:{feed}").returncode == 0
    again = run("ingest", "--db", str(split), "--once", "--no-burnout", f"queue_log:{feed}")
    assert again.stdout.startswith("0 events, 0 rejects")
    whole = tmp_path / "whole.db"
    assert run("ingest", "--db", str(whole), "--once", "--no-burnout", f"queue_log:{feed}").returncode == 0
    for table in ("calls", "agents", "agent_states", "pauses", "memberships", "misses"):
        query = f"SELECT * FROM {table} ORDER BY 1, 2"
        strip = lambda rows: [row[:-1] for row in rows]  # noqa: E731 (seq differs by commit)
        assert strip(sqlite3.connect(split).execute(query).fetchall()) == strip(
            sqlite3.connect(whole).execute(query).fetchall()), table
    assert stored_lines(split) == lines


def test_garbage_lines_go_to_rejects_with_their_offsets_the_rest_lands(tmp_path):
    rng = random.Random(11)
    good = call_lines(300)
    garbage = []
    for n in range(1000):
        choice = n % 5
        if choice == 0:
            garbage.append("".join(chr(rng.randint(33, 0x2FF)) for _ in range(rng.randint(1, 80))))
        elif choice == 1:
            garbage.append(rng.choice(good)[: rng.randint(1, 25)])  # truncated
        elif choice == 2:
            garbage.append(f"1795530000|x{n}|orders|Ana|CONNECT|notanumber|m|1")
        elif choice == 3:
            garbage.append(f"yesterday|x{n}|orders|NONE|ENTERQUEUE||5|1")
        else:
            garbage.append(f"1795530000|x{n}|orders|NONE|ABANDON|1|two|3")
    mixed = good + garbage
    rng.shuffle(mixed)
    feed = tmp_path / "queue_log"
    raw = b"".join(line.encode() + b"\n" for line in mixed)
    feed.write_bytes(raw)
    result = run("ingest", "--db", str(tmp_path / "g.db"), "--once", "--no-burnout",
                 f"queue_log:{feed}")  # fmt: skip
    assert result.returncode == 0
    assert result.stdout.startswith(f"{len(good)} events, {len(garbage)} rejects")
    conn = sqlite3.connect(tmp_path / "g.db")
    assert stored_lines(tmp_path / "g.db") == [line for line in mixed if line in set(good)]
    rejects = conn.execute('SELECT "offset", raw, reason FROM rejects ORDER BY id').fetchall()
    assert len(rejects) == len(garbage)
    for offset, text, reason in rejects:
        end = raw.index(b"\n", offset)
        assert raw[offset:end].decode("utf-8", "replace") == text and reason


def test_out_of_order_lines_do_not_corrupt_agent_states(make_store):
    db = make_store([
        "1795530100|MANAGER|orders|Ana|ADDMEMBER|",
        "1795530200|c1|orders|NONE|ENTERQUEUE||555|1",
        "1795530215|c1|orders|Ana|CONNECT|15|m1|2",
        "1795530210|c1|orders|Bob|RINGNOANSWER|15000",  # written after a later CONNECT
        "1795530260|c1|orders|Ana|COMPLETEAGENT|15|45|1",
        "1795530400|NONE|orders|Ana|PAUSE|Break",
        "1795530300|NONE|orders|Ana|UNPAUSE|",  # stamped before the pause it ends
        "1795530500|NONE|orders|Ana|PAUSE|Lunch",
        "1795530450|NONE|orders|Ana|UNPAUSE|",
    ])  # fmt: skip
    conn = sqlite3.connect(db)
    intervals = conn.execute(
        'SELECT agent, start, "end" FROM agent_states ORDER BY agent, start').fetchall()
    by_agent: dict[str, list] = {}
    for agent, start, end in intervals:
        assert end is None or end >= start
        by_agent.setdefault(agent, []).append((start, end))
    for spans in by_agent.values():
        for (a_start, a_end), (b_start, _) in zip(spans, spans[1:]):
            assert a_end is not None and a_end <= b_start  # no overlaps
    assert conn.execute("SELECT outcome, agent, ring_no_answers FROM calls").fetchone() == (
        "answered", "Ana", 1)
    assert conn.execute("SELECT agent, ts FROM misses").fetchall() == [("Bob", 1795530210.0)]


# ----------------------------------------------------------------- the store's guards
def test_store_refuses_files_that_are_not_its_own(tmp_path):
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)")
    with pytest.raises(StoreError, match="not a floorwatch database"):
        Store.open(other)
    corrupt = tmp_path / "corrupt.db"
    corrupt.write_bytes(os.urandom(8192))
    with pytest.raises(StoreError, match="not a SQLite database"):
        Store.open(corrupt)
    newer = tmp_path / "newer.db"
    Store.open(newer).close()
    conn = sqlite3.connect(newer)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer floorwatch"):
        Store.open(newer)
    with pytest.raises(StoreError, match="no such database"):
        Store.open_readonly(tmp_path / "missing.db")
    with pytest.raises(StoreError, match="no such directory"):
        Store.open(tmp_path / "nowhere" / "x.db")
    fresh = Store.open(tmp_path / "fresh.db")
    assert sqlite3.connect(fresh.path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert sqlite3.connect(fresh.path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


@pytest.mark.parametrize(
    "args, message",
    [
        (["--once", "nosuch:/x"], "unknown source kind 'nosuch'"),
        (["--once", "queue_log"], "a source is KIND:LOCATION"),
        (["--once", "queue_log:{tmp}/missing"], "no such file"),
        (["--once", "queue_log:{tmp}"], "is a directory"),
        (["queue_log:{tmp}/nodir/queue_log"], "no such directory"),
        (["--once", "queue_log:{feed}", "--burnout-every", "soon"], "not a duration"),
    ],
)  # fmt: skip
def test_cli_errors_are_one_line_and_exit_2(tmp_path, args, message):
    feed = tmp_path / "feed"
    feed.write_text("")
    args = [a.format(tmp=tmp_path, feed=feed) for a in args]
    result = run("ingest", "--db", str(tmp_path / "x.db"), *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


@pytest.mark.parametrize("kind", ["other", "corrupt", "newer"])
def test_cli_refuses_a_database_that_is_not_floorwatchs(tmp_path, kind):
    db = tmp_path / "x.db"
    if kind == "other":
        sqlite3.connect(db).execute("CREATE TABLE t (x)")
    elif kind == "corrupt":
        db.write_bytes(b"\x00garbage" * 1000)
    else:
        Store.open(db).close()
        conn = sqlite3.connect(db)
        conn.execute("PRAGMA user_version = 99")
        conn.close()
    feed = tmp_path / "feed"
    feed.write_text("")
    result = run("ingest", "--db", str(db), "--once", f"queue_log:{feed}")
    assert result.returncode == 2 and result.stderr.startswith("floorwatch: error:")
    assert "Traceback" not in result.stderr


def test_sigterm_stops_a_following_ingest_cleanly_with_everything_committed(tmp_path):
    feed, db = tmp_path / "queue_log", tmp_path / "floor.db"
    lines = call_lines(50)
    feed.write_text("".join(line + "\n" for line in lines))
    process = subprocess.Popen([*FLOORWATCH, "ingest", "--db", str(db), "--poll", "0.05",
                                f"queue_log:{feed}"], stderr=subprocess.PIPE)  # fmt: skip
    wait_for(lambda: count_events(db) == len(lines))
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=20) == 0
    assert stored_lines(db) == lines
    checkpoint = sqlite3.connect(db).execute('SELECT "offset" FROM sources').fetchone()[0]
    assert checkpoint == feed.stat().st_size


def test_once_summary_line(tmp_path, samples):
    result = run("ingest", "--db", str(tmp_path / "s.db"), "--once",
                 f"queue_log:{samples / 'asterisk22_three_queues.queue_log'}")  # fmt: skip
    assert result.returncode == 0
    first = result.stdout.splitlines()[0]
    assert first.startswith("607 events, 0 rejects, 199 calls, 7 agents in ")
    assert first.endswith("events/s)")


# ----------------------------------------------------------------- JSON Lines
def test_jsonl_round_trip_from_a_file_and_from_stdin(tmp_path):
    events = [
        Event(1795530192, "pbx9", Kind.CALL_QUEUED, "j1", "sales", None,
              {"caller": "555", "position": 1}),
        Event(1795530195.5, "pbx9", Kind.CALL_ANSWERED, "j1", "sales", "Zoe", {"wait_s": 3.5}),
        Event(1795530230, "pbx9", Kind.CALL_ENDED, "j1", "sales", "Zoe",
              {"ended_by": "caller", "wait_s": 3.5, "talk_s": 34.5}),
        Event(1795530240, "pbx9", Kind.AGENT_PAUSED, None, None, "Zoe", {"reason": "Break"}),
    ]  # fmt: skip
    text = "".join(event.to_json() + "\n" for event in events)
    bad = [
        "{not json", '{"ts": "x", "kind": "call_queued"}', '{"ts": 1, "kind": "nope"}',
        '{"ts": 1795530192, "kind": "call_queued", "queue": "s"}',
        '{"ts": 1795530192, "kind": "agent_paused"}', "[1, 2]",
        '{"ts": 1795530192, "kind": "call_queued", "call_id": "a", "queue": "b", "colour": 1}',
    ]
    feed = tmp_path / "events.jsonl"
    feed.write_text(text + "\n".join(bad) + "\n")
    file_db = tmp_path / "file.db"
    result = run("ingest", "--db", str(file_db), "--once", f"jsonl:{feed}")
    assert result.stdout.startswith(f"{len(events)} events, {len(bad)} rejects")
    with Store.open_readonly(file_db) as store:
        assert store.events() == events
        reasons = [r for (r,) in sqlite3.connect(store.path).execute("SELECT reason FROM rejects ORDER BY id")]
    assert reasons[0].startswith("not JSON") and "unknown kind" in reasons[2]
    assert "needs call_id and queue" in reasons[3] and "needs agent" in reasons[4]
    assert "unknown field(s): colour" in reasons[6]
    stdin_db = tmp_path / "stdin.db"
    result = run("ingest", "--db", str(stdin_db), "--once", "jsonl:-", input=text)
    assert result.returncode == 0 and result.stdout.startswith("4 events, 0 rejects")
    with Store.open_readonly(stdin_db) as store:
        assert store.events() == events
        row = sqlite3.connect(store.path).execute("SELECT outcome, wait_s, talk_s, agent FROM calls").fetchone()
    assert row == ("answered", 3.5, 34.5, "Zoe")
    assert json.loads(events[1].to_json()) == {
        "ts": 1795530195.5, "source": "pbx9", "kind": "call_answered", "call_id": "j1",
        "queue": "sales", "agent": "Zoe", "data": {"wait_s": 3.5}}  # fmt: skip


def test_rotation_while_the_ingest_was_stopped(tmp_path):
    feed, db = tmp_path / "queue_log", tmp_path / "floor.db"
    lines = call_lines(20)
    feed.write_text("".join(line + "\n" for line in lines[:30]))
    ingest_file(db, feed)
    with feed.open("a") as out:
        out.write("".join(line + "\n" for line in lines[30:45]))
    feed.rename(tmp_path / "queue_log.1")
    feed.write_text("".join(line + "\n" for line in lines[45:]))
    ingest_file(db, feed)
    assert stored_lines(db) == lines


# ----------------------------------------------------------------- one writer, in its own process
def children(pid: int) -> list[int]:
    """The pids of a process's children (Linux /proc)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def kill_the_writer_and_hear_it(ingest: subprocess.Popen, db: Path, timeout: float = 60) -> None:
    """SIGKILL an ingest's writer process: the ingest must stop, exit 2, and say so in a line."""
    (writer,) = children(ingest.pid)
    os.kill(writer, signal.SIGKILL)
    _, stderr = ingest.communicate(timeout=timeout)
    assert ingest.returncode == 2
    assert stderr.strip() == (f"floorwatch: error: {db}: the database writer stopped "
                              "unexpectedly (killed by signal 9)")  # fmt: skip


def test_only_one_ingest_writes_a_database_and_its_writer_process_holds_the_lock(tmp_path):
    from floorwatch.store.writer import WriterProcess

    db = tmp_path / "floor.db"
    first = Store.open(db)
    with pytest.raises(StoreError, match=rf"another floorwatch ingest \(pid {os.getpid()}\) is "
                                         "writing to it; stop that one first"):  # fmt: skip
        Store.open(db, lock_timeout_s=0.2)
    # The writer process inherits the lock: closing the store does not free the database while
    # it still runs (a killed ingest's writer finishing its last commit).
    writer = WriterProcess(db, (first.lock.fd,))
    first.close()
    with pytest.raises(StoreError, match="another floorwatch ingest"):
        Store.open(db, lock_timeout_s=0.2)
    writer.close()
    Store.open(db, lock_timeout_s=0.2).close()


def test_a_commit_the_database_refuses_stops_the_ingest_with_one_line_and_loses_nothing(tmp_path):
    """Another program holds the database's write lock past the busy timeout: the ingest says
    so in one line (exit 2) and commits nothing half-way; run again, every line lands once."""
    feed, db = tmp_path / "queue_log", tmp_path / "floor.db"
    lines = call_lines(100)
    feed.write_text("".join(line + "\n" for line in lines))
    Store.open(db).close()
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    result = run("ingest", "--db", str(db), "--once", "--no-burnout", f"queue_log:{feed}")
    holder.execute("ROLLBACK")
    holder.close()
    assert result.returncode == 2
    assert result.stderr.strip() == f"floorwatch: error: {db}: cannot write (database is locked)"
    assert count_events(db) == 0
    again = run("ingest", "--db", str(db), "--once", "--no-burnout", f"queue_log:{feed}")
    assert again.returncode == 0 and again.stdout.startswith(f"{len(lines)} events, 0 rejects")
    assert stored_lines(db) == lines


def test_a_writer_process_killed_mid_load_loses_nothing_once_the_ingest_runs_again(tmp_path):
    feed, db = tmp_path / "queue_log", tmp_path / "floor.db"
    lines = call_lines(60_000)
    feed.write_text("".join(line + "\n" for line in lines))
    process = subprocess.Popen([*FLOORWATCH, "ingest", "--db", str(db), "--once", "--no-burnout",
                                "--no-progress", f"queue_log:{feed}"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    wait_for(lambda: count_events(db) > 0)
    kill_the_writer_and_hear_it(process, db)
    assert 0 < count_events(db) < len(lines)
    again = run("ingest", "--db", str(db), "--once", "--no-burnout", f"queue_log:{feed}")
    assert again.returncode == 0
    assert stored_lines(db) == lines
    assert sqlite3.connect(db).execute("SELECT count(*) FROM calls").fetchone()[0] == 60_000


def test_the_events_table_keeps_the_feeds_spelling_of_an_agent_aliases_apply_to_the_rest(tmp_path):
    """Raw events are the truth: an alias (one member under two spellings) renames the agent
    in the derived tables only, whether a chunk is stored from its lines or from its events."""
    from floorwatch.store.derive import DeriveConfig
    from floorwatch.sources import open_source

    feed, db = tmp_path / "queue_log", tmp_path / "floor.db"
    lines = [
        "1795530100|NONE|orders|Local/202@agents/n|ADDMEMBER|",
        "1795530200|c1|orders|NONE|ENTERQUEUE||555|1",
        "1795530215|c1|orders|Local/202@agents/n|CONNECT|15|m1|2",
        "1795530260|c1|orders|Local/202@agents/n|COMPLETEAGENT|15|45|1",
    ]
    for clean in (True, False):  # a garbage line makes the chunk go as events, not lines
        feed.write_text("".join(line + "\n" for line in lines + ([] if clean else ["junk"])))
        for path in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
            path.unlink(missing_ok=True)
        store = Store.open(db, DeriveConfig(aliases={"Local/202@agents/n": "Ben"}))
        Ingest(store, [open_source(f"queue_log:{feed}", follow=False)]).run(threading.Event())
        store.close()
        assert stored_lines(db) == lines
        conn = sqlite3.connect(db)
        assert conn.execute("SELECT agent, talk_s FROM calls").fetchall() == [("Ben", 45)]
        assert [name for (name,) in conn.execute("SELECT name FROM agents")] == ["Ben"]
        assert conn.execute("SELECT count(*) FROM rejects").fetchone()[0] == (0 if clean else 1)


def test_a_following_ingest_on_a_quiet_feed_notices_its_writer_is_gone(tmp_path):
    """Nothing to commit would not reveal a dead writer: the ingest checks while it waits, and
    stops with one line (exit 2) instead of looking healthy while it could store nothing."""
    feed, db = tmp_path / "queue_log", tmp_path / "floor.db"
    feed.write_text("".join(line + "\n" for line in call_lines(10)))
    process = subprocess.Popen([*FLOORWATCH, "ingest", "--db", str(db), "--poll", "0.05",
                                "--no-burnout", f"queue_log:{feed}"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    wait_for(lambda: count_events(db) == 30)
    kill_the_writer_and_hear_it(process, db, timeout=10)
