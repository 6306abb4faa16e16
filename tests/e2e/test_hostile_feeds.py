"""Hostile or odd feeds at the reading end: lines too long to read, bytes that are not UTF-8,
a last line without its newline, a value that derivation cannot take. Each becomes a reject
(or is said in the summary) and the rest of the file is stored, in --once and --follow."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import time

from floorwatch.events import Event, Kind
from floorwatch.sources.linefeed import parse_lines
from floorwatch.sources.queue_log import parse_line
from floorwatch.sources.tail import MAX_LINE_BYTES
from floorwatch.store.database import Store
from tests.helpers import (
    FLOORWATCH,
    call_lines,
    children,
    count_events,
    long_line,
    rejects,
    run,
    stored_lines,
    wait_for,
)


def test_long_lines_are_rejects_and_the_rest_of_the_file_is_read_once(tmp_path):
    """A 300 KiB line (longer than a read, shorter than the maximum) and a 3 MiB one (longer
    than the maximum) in the middle of a file: both rejects with their offsets and first
    bytes, every other line stored. Before, the reader stopped at the first for ever."""
    good = call_lines(400)
    feed = tmp_path / "queue_log"
    first, second = long_line(300 << 10), long_line(3 << 20)
    parts = [good[:500], [first.decode()], good[500:900], [second.decode()], good[900:]]
    data = b"".join(line.encode() + b"\n" for part in parts for line in part)
    feed.write_bytes(data)
    db = tmp_path / "floor.db"
    result = run("ingest", "--db", str(db), "--once", "--no-burnout", f"queue_log:{feed}")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{len(good)} events, 2 rejects")
    assert stored_lines(db) == good
    (offset1, text1, reason1, _), (offset2, text2, reason2, head2) = rejects(db)
    assert (offset1, offset2) == (data.index(first), data.index(second))
    assert text1 == first.decode()[:2000] and "data fields" in reason1 or "ENTERQUEUE" in reason1
    assert text2 == second.decode()[:2000] and head2 == second[:4096]
    assert reason2 == (
        f"line too long: {len(second):,} bytes (at most {MAX_LINE_BYTES:,} are read); not read"
    )
    again = run("ingest", "--db", str(db), "--once", "--no-burnout", f"queue_log:{feed}")
    assert again.stdout.startswith("0 events, 0 rejects")


def test_a_long_line_written_slowly_to_a_followed_file_is_one_reject_and_reading_goes_on(tmp_path):
    """A PBX writes good lines, then a 6 MiB line in pieces over a second or two (the ingest
    is killed half-way through it and restarted), then good lines again: one reject, every
    good line stored once."""
    feed, db = tmp_path / "queue_log", tmp_path / "floor.db"
    good = call_lines(200)
    feed.write_text("".join(line + "\n" for line in good[:300]))

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

    process = start()
    wait_for(lambda: count_events(db) == 300)
    line = long_line(6 << 20)
    with feed.open("ab") as out:
        for piece in range(0, len(line), 1 << 20):
            out.write(line[piece : piece + (1 << 20)])
            out.flush()
            time.sleep(0.2)
            if piece == 3 << 20:
                process.send_signal(signal.SIGKILL)
                process.wait()
                process = start()
                wait_for(lambda: children(process.pid))
        out.write(b"\n" + "".join(line + "\n" for line in good[300:]).encode())
    wait_for(lambda: count_events(db) == len(good))
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=20) == 0
    assert stored_lines(db) == good
    (reject,) = rejects(db)
    assert reject[0] == len("".join(line + "\n" for line in good[:300]).encode())
    assert reject[2].startswith("line too long: 6,291,456 bytes")


# ----------------------------------------------------------------- bytes that are not UTF-8
def test_lines_that_are_not_utf8_are_rejects_that_keep_their_bytes(tmp_path):
    good = call_lines(100)
    bad = [
        b"1795530000|u1|orders|Ana\xff\xfe|CONNECT|2|m|1",
        b"1795530001|u2|orders|NONE|ENTERQUEUE||\xc3\x28|1",
        b"\xed\xa0\x80|u3|orders|NONE|ENTERQUEUE||5|1",
    ]  # a UTF-16 surrogate, encoded
    raw = [line.encode() for line in good[:150]] + bad + [line.encode() for line in good[150:]]
    data = b"".join(line + b"\n" for line in raw)
    feed, db = tmp_path / "queue_log", tmp_path / "floor.db"
    feed.write_bytes(data)
    result = run("ingest", "--db", str(db), "--once", "--no-burnout", f"queue_log:{feed}")
    assert result.returncode == 0 and result.stdout.startswith(f"{len(good)} events, 3 rejects")
    assert stored_lines(db) == good
    found = rejects(db)
    assert [row[3] for row in found] == bad  # the bytes, exactly
    assert [row[0] for row in found] == [data.index(line) for line in bad]
    assert all(row[2].startswith("not UTF-8") for row in found)
    assert found[0][1] == "1795530000|u1|orders|Ana\\xff\\xfe|CONNECT|2|m|1"
    # parse_lines keeps its signature and tells the same, called directly.
    events, rejected, lines = parse_lines(
        bad[0] + b"\n" + good[0].encode() + b"\n", 100, parse_line, "q"
    )
    assert len(events) == 1 and lines is None
    assert [(r.offset, r.raw_bytes) for r in rejected] == [(100, bad[0])]


# ----------------------------------------------------------------- a last line without newline
def test_once_says_a_last_line_without_its_newline_was_not_read_and_a_later_run_reads_it(tmp_path):
    lines = call_lines(10)
    feed, db = tmp_path / "queue_log", tmp_path / "floor.db"
    feed.write_text("".join(line + "\n" for line in lines[:-1]) + lines[-1][:20])
    result = run("ingest", "--db", str(db), "--once", "--no-burnout", f"queue_log:{feed}")
    assert result.returncode == 0
    summary = result.stdout.strip()
    assert summary.startswith(f"{len(lines) - 1} events, 0 rejects")
    assert summary.endswith("events/s), 1 partial line not read (no newline yet)")
    assert stored_lines(db) == lines[:-1]
    with feed.open("a") as out:
        out.write(lines[-1][20:] + "\n")
    again = run("ingest", "--db", str(db), "--once", "--no-burnout", f"queue_log:{feed}")
    assert again.stdout.startswith("1 events, 0 rejects") and "partial" not in again.stdout
    assert stored_lines(db) == lines


def test_a_value_sqlite_cannot_hold_does_not_fail_the_commit_nor_every_restart(tmp_path):
    """Defence in depth behind the parsers: a number past 2**63 in a derived row, a lone
    surrogate in an event. Before, the writer died (OverflowError, UnicodeEncodeError) with
    the whole commit, and every restart died again on the same line. Now the commit is
    written: the event that cannot be stored is a reject, the derived value that cannot be
    is stored empty and said as a reject, and a second run has nothing left to do."""
    good = [
        Event(
            1795530000 + n,
            "pbx",
            Kind.CALL_QUEUED,
            f"g{n}",
            "orders",
            None,
            {"caller": "5", "position": 1},
        )
        for n in range(50)
    ]
    huge = Event(
        1795530100,
        "pbx",
        Kind.CALL_QUEUED,
        "huge",
        "orders",
        None,
        {"caller": "5", "position": 10**20},
    )
    lone = Event(1795530101, "pbx", Kind.AGENT_PAUSED, None, None, "Ana\udcff", {"reason": "x"})
    named = Event(1795530102, "pbx\udcff", Kind.AGENT_PAUSED, None, None, "Ana", {"reason": "y"})
    feed = tmp_path / "events.jsonl"
    lines = [event.to_json() for event in good[:25]] + [
        huge.to_json(),
        lone.to_json(),
        named.to_json(),
    ]
    lines += [event.to_json() for event in good[25:]]
    feed.write_text("".join(line + "\n" for line in lines))
    db = tmp_path / "floor.db"
    result = run("ingest", "--db", str(db), "--once", "--no-burnout", f"jsonl:{feed}")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    with Store.open_readonly(db) as store:
        stored = store.events()
        assert [e for e in stored if e.call_id and e.call_id.startswith("g")] == good
        assert all(e.agent != "Ana\udcff" for e in stored)
        reasons = [r for (r,) in sqlite3.connect(store.path).execute("SELECT reason FROM rejects")]
        position = (
            sqlite3.connect(store.path)
            .execute("SELECT position FROM calls WHERE call_id = 'huge'")
            .fetchone()
        )
    assert reasons and position in (None, (None,))  # a parser's reject, or stored empty
    again = run("ingest", "--db", str(db), "--once", "--no-burnout", f"jsonl:{feed}")
    assert again.returncode == 0 and again.stdout.startswith("0 events, 0 rejects")


def test_a_feed_whose_path_is_not_utf8_is_read_and_resumed(tmp_path):
    """A file name with a byte that is not UTF-8 (Python hands it over with a surrogate):
    before, every commit failed on the source's name with a traceback."""
    lines = call_lines(10)
    folder = bytes(tmp_path) + b"/q\xff.log"
    with open(folder, "wb") as out:
        out.write("".join(line + "\n" for line in lines).encode())
    feed = folder.decode("utf-8", "surrogateescape")
    db = tmp_path / "floor.db"
    first = subprocess.run(
        [
            *FLOORWATCH,
            "ingest",
            "--db",
            str(db),
            "--once",
            "--no-burnout",
            f"queue_log:{feed}".encode("utf-8", "surrogateescape"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert first.returncode == 0 and "Traceback" not in first.stderr, first.stderr
    assert first.stdout.startswith("30 events, 0 rejects")
    again = subprocess.run(
        [
            *FLOORWATCH,
            "ingest",
            "--db",
            str(db),
            "--once",
            "--no-burnout",
            f"queue_log:{feed}".encode("utf-8", "surrogateescape"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert again.stdout.startswith("0 events, 0 rejects")
    assert stored_lines(db) == lines
