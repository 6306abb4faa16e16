"""Hostile or odd feeds at the reading end: lines too long to read, bytes that are not UTF-8,
a last line without its newline, a value that derivation cannot take. Each becomes a reject
(or is said in the summary) and the rest of the file is stored, in --once and --follow."""

from __future__ import annotations

import sqlite3
import tracemalloc

from floorwatch.events import Event, Kind
from floorwatch.sources.base import Batch
from floorwatch.sources.tail import FileTail
from floorwatch.store.database import Store
from tests.helpers import (
    long_line,
    rejects,
)


def test_an_over_long_line_is_found_without_holding_it_in_memory(tmp_path):
    path = tmp_path / "queue_log"
    line = long_line(64 << 20)
    path.write_bytes(b"a|1\n" + line + b"\nb|2\n")
    del line
    tail = FileTail(path, watch=False)
    tracemalloc.start()
    chunks = []
    while (chunk := tail.read(1 << 18)) is not None:
        chunks.append((chunk.data, [(r.offset, r.reason[:14]) for r in chunk.rejects]))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    tail.close()
    assert chunks == [(b"a|1\n", []), (b"", [(4, "line too long:")]), (b"b|2\n", [])]
    assert peak < 8 << 20  # a few MiB of reads, never the 64 MiB line


# ----------------------------------------------------------------- defence in depth
def test_an_event_derivation_cannot_take_becomes_a_reject_and_the_rest_is_stored(tmp_path):
    """A value a parser should have refused (here built by hand: a wait that is text) does not
    end the ingest, nor fail every restart on the same line: that event is a reject."""
    db = tmp_path / "floor.db"
    poison = Event(1795530010, "pbx", Kind.CALL_ANSWERED, "p1", "orders", "Ana", {"wait_s": "abc"})
    good = [
        Event(1795530000, "pbx", Kind.CALL_QUEUED, "g1", "orders", None, {"caller": "5"}),
        Event(1795530005, "pbx", Kind.CALL_ANSWERED, "g1", "orders", "Ben", {"wait_s": 5}),
    ]
    with Store.open(db) as store:
        store.write([Batch("pbx", "jsonl", [good[0], poison, good[1]])])
    with Store.open_readonly(db) as store:
        assert store.events() == good
        ((offset, raw, reason, _),) = rejects(db)
        assert '"wait_s":"abc"' in raw and reason.startswith("could not be derived (TypeError")
        assert sqlite3.connect(store.path).execute(
            "SELECT call_id, agent FROM calls"
        ).fetchall() == [("g1", "Ben")]


def test_the_writer_stores_a_commit_with_a_value_it_cannot_hold_carefully(tmp_path):
    db = tmp_path / "floor.db"
    huge = Event(
        1795530100,
        "pbx",
        Kind.CALL_QUEUED,
        "huge",
        "orders",
        None,
        {"caller": "5", "position": 10**20},
    )
    ok = Event(
        1795530101, "pbx", Kind.CALL_QUEUED, "ok", "orders", None, {"caller": "6", "position": 2}
    )
    with Store.open(db) as store:
        store.write([Batch("pbx", "jsonl", [huge, ok])])
        assert store.events() == [huge, ok]  # the events are the truth, kept as they came
        calls = (
            sqlite3.connect(store.path)
            .execute("SELECT call_id, position FROM calls ORDER BY id")
            .fetchall()
        )
        ((raw, reason),) = (
            sqlite3.connect(store.path).execute("SELECT raw, reason FROM rejects").fetchall()
        )
        assert sqlite3.connect(store.path).execute("SELECT rejects FROM sources").fetchone() == (1,)
    assert calls == [("huge", None), ("ok", 2)]
    assert raw.startswith("calls row 1: position=100000000000000000000")
    assert reason == "derived value SQLite cannot hold; stored empty"
