"""The ingest end to end: exactly once through SIGKILL and restarts, garbage lines, out-of-order
lines, the store's guards, JSON Lines from a file and from stdin, and the CLI's errors."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import pytest

from floorwatch.events import Event, Kind
from floorwatch.store.database import Store
from tests.helpers import (
    FLOORWATCH,
    call_lines,
    children,
    count_events,
    run,
    stored_lines,
    wait_for,
)


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
        return subprocess.Popen(
            [
                *FLOORWATCH,
                "ingest",
                "--db",
                str(db),
                "--poll",
                "0.05",
                "--no-burnout",
                f"queue_log:{feed}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

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
        1500,
        1500,
    )
    assert (
        conn.execute(
            "SELECT count(*) FROM calls WHERE outcome = 'answered' AND "
            "ended_by = 'agent' AND talk_s = 28"
        ).fetchone()[0]
        == 1500
    )


def test_restart_resumes_at_the_checkpoint_and_derived_tables_match_one_run(tmp_path):
    lines = call_lines(200) + [
        "1795530100|NONE|orders|Agent1|PAUSE|Break",
        "1795530500|NONE|orders|Agent1|UNPAUSE|",
    ]
    feed = tmp_path / "queue_log"
    feed.write_text("".join(line + "\n" for line in lines[:250]))
    split = tmp_path / "split.db"
    assert (
        run("ingest", "--db", str(split), "--once", "--no-burnout", f"queue_log:{feed}").returncode
        == 0
    )
    with feed.open("a") as out:
        out.write("".join(line + "\n" for line in lines[250:]))
    assert (
        run("ingest", "--db", str(split), "--once", "--no-burnout", f"queue_log:{feed}").returncode
        == 0
    )
    again = run("ingest", "--db", str(split), "--once", "--no-burnout", f"queue_log:{feed}")
    assert again.stdout.startswith("0 events, 0 rejects")
    whole = tmp_path / "whole.db"
    assert (
        run("ingest", "--db", str(whole), "--once", "--no-burnout", f"queue_log:{feed}").returncode
        == 0
    )
    for table in ("calls", "agents", "agent_states", "pauses", "memberships", "misses"):
        query = f"SELECT * FROM {table} ORDER BY 1, 2"
        strip = lambda rows: [row[:-1] for row in rows]  # noqa: E731 (seq differs by commit)
        assert strip(sqlite3.connect(split).execute(query).fetchall()) == strip(
            sqlite3.connect(whole).execute(query).fetchall()
        ), table
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
    result = run(
        "ingest", "--db", str(tmp_path / "g.db"), "--once", "--no-burnout", f"queue_log:{feed}"
    )
    assert result.returncode == 0
    assert result.stdout.startswith(f"{len(good)} events, {len(garbage)} rejects")
    conn = sqlite3.connect(tmp_path / "g.db")
    assert stored_lines(tmp_path / "g.db") == [line for line in mixed if line in set(good)]
    rejects = conn.execute('SELECT "offset", raw, reason FROM rejects ORDER BY id').fetchall()
    assert len(rejects) == len(garbage)
    for offset, text, reason in rejects:
        end = raw.index(b"\n", offset)
        assert raw[offset:end].decode("utf-8", "replace") == text and reason


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
)
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
    process = subprocess.Popen(
        [*FLOORWATCH, "ingest", "--db", str(db), "--poll", "0.05", f"queue_log:{feed}"],
        stderr=subprocess.PIPE,
    )
    wait_for(lambda: count_events(db) == len(lines))
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=20) == 0
    assert stored_lines(db) == lines
    checkpoint = sqlite3.connect(db).execute('SELECT "offset" FROM sources').fetchone()[0]
    assert checkpoint == feed.stat().st_size


def test_once_summary_line(tmp_path, samples):
    result = run(
        "ingest",
        "--db",
        str(tmp_path / "s.db"),
        "--once",
        f"queue_log:{samples / 'asterisk22_three_queues.queue_log'}",
    )
    assert result.returncode == 0
    first = result.stdout.splitlines()[0]
    assert first.startswith("607 events, 0 rejects, 199 calls, 7 agents in ")
    assert first.endswith("events/s)")


# ----------------------------------------------------------------- JSON Lines
def test_jsonl_round_trip_from_a_file_and_from_stdin(tmp_path):
    events = [
        Event(
            1795530192,
            "pbx9",
            Kind.CALL_QUEUED,
            "j1",
            "sales",
            None,
            {"caller": "555", "position": 1},
        ),
        Event(1795530195.5, "pbx9", Kind.CALL_ANSWERED, "j1", "sales", "Zoe", {"wait_s": 3.5}),
        Event(
            1795530230,
            "pbx9",
            Kind.CALL_ENDED,
            "j1",
            "sales",
            "Zoe",
            {"ended_by": "caller", "wait_s": 3.5, "talk_s": 34.5},
        ),
        Event(1795530240, "pbx9", Kind.AGENT_PAUSED, None, None, "Zoe", {"reason": "Break"}),
    ]
    text = "".join(event.to_json() + "\n" for event in events)
    bad = [
        "{not json",
        '{"ts": "x", "kind": "call_queued"}',
        '{"ts": 1, "kind": "nope"}',
        '{"ts": 1795530192, "kind": "call_queued", "queue": "s"}',
        '{"ts": 1795530192, "kind": "agent_paused"}',
        "[1, 2]",
        '{"ts": 1795530192, "kind": "call_queued", "call_id": "a", "queue": "b", "colour": 1}',
    ]
    feed = tmp_path / "events.jsonl"
    feed.write_text(text + "\n".join(bad) + "\n")
    file_db = tmp_path / "file.db"
    result = run("ingest", "--db", str(file_db), "--once", f"jsonl:{feed}")
    assert result.stdout.startswith(f"{len(events)} events, {len(bad)} rejects")
    with Store.open_readonly(file_db) as store:
        assert store.events() == events
        reasons = [
            r
            for (r,) in sqlite3.connect(store.path).execute(
                "SELECT reason FROM rejects ORDER BY id"
            )
        ]
    assert reasons[0].startswith("not JSON") and "unknown kind" in reasons[2]
    assert "needs call_id and queue" in reasons[3] and "needs agent" in reasons[4]
    assert "unknown field(s): colour" in reasons[6]
    stdin_db = tmp_path / "stdin.db"
    result = run("ingest", "--db", str(stdin_db), "--once", "jsonl:-", input=text)
    assert result.returncode == 0 and result.stdout.startswith("4 events, 0 rejects")
    with Store.open_readonly(stdin_db) as store:
        assert store.events() == events
        row = (
            sqlite3.connect(store.path)
            .execute("SELECT outcome, wait_s, talk_s, agent FROM calls")
            .fetchone()
        )
    assert row == ("answered", 3.5, 34.5, "Zoe")
    assert json.loads(events[1].to_json()) == {
        "ts": 1795530195.5,
        "source": "pbx9",
        "kind": "call_answered",
        "call_id": "j1",
        "queue": "sales",
        "agent": "Zoe",
        "data": {"wait_s": 3.5},
    }


# ----------------------------------------------------------------- one writer, in its own process


def kill_the_writer_and_hear_it(ingest: subprocess.Popen, db: Path, timeout: float = 60) -> None:
    """SIGKILL an ingest's writer process: the ingest must stop, exit 2, and say so in a line."""
    (writer,) = children(ingest.pid)
    os.kill(writer, signal.SIGKILL)
    _, stderr = ingest.communicate(timeout=timeout)
    assert ingest.returncode == 2
    assert stderr.strip() == (
        f"floorwatch: error: {db}: the database writer stopped unexpectedly (killed by signal 9)"
    )


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
    process = subprocess.Popen(
        [
            *FLOORWATCH,
            "ingest",
            "--db",
            str(db),
            "--once",
            "--no-burnout",
            "--no-progress",
            f"queue_log:{feed}",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_for(lambda: count_events(db) > 0)
    kill_the_writer_and_hear_it(process, db)
    assert 0 < count_events(db) < len(lines)
    again = run("ingest", "--db", str(db), "--once", "--no-burnout", f"queue_log:{feed}")
    assert again.returncode == 0
    assert stored_lines(db) == lines
    assert sqlite3.connect(db).execute("SELECT count(*) FROM calls").fetchone()[0] == 60_000


def test_a_following_ingest_on_a_quiet_feed_notices_its_writer_is_gone(tmp_path):
    """Nothing to commit would not reveal a dead writer: the ingest checks while it waits, and
    stops with one line (exit 2) instead of looking healthy while it could store nothing."""
    feed, db = tmp_path / "queue_log", tmp_path / "floor.db"
    feed.write_text("".join(line + "\n" for line in call_lines(10)))
    process = subprocess.Popen(
        [
            *FLOORWATCH,
            "ingest",
            "--db",
            str(db),
            "--poll",
            "0.05",
            "--no-burnout",
            f"queue_log:{feed}",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_for(lambda: count_events(db) == 30)
    kill_the_writer_and_hear_it(process, db, timeout=10)
