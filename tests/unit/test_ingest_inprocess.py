"""The ingest end to end: exactly once through SIGKILL and restarts, garbage lines, out-of-order
lines, the store's guards, JSON Lines from a file and from stdin, and the CLI's errors."""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path

import pytest

from floorwatch.ingest.pipeline import Ingest
from floorwatch.store.database import SCHEMA_VERSION, Store, StoreError
from tests.helpers import call_lines, ingest_file, stored_lines


def test_out_of_order_lines_do_not_corrupt_agent_states(make_store):
    db = make_store(
        [
            "1795530100|MANAGER|orders|Ana|ADDMEMBER|",
            "1795530200|c1|orders|NONE|ENTERQUEUE||555|1",
            "1795530215|c1|orders|Ana|CONNECT|15|m1|2",
            "1795530210|c1|orders|Bob|RINGNOANSWER|15000",  # written after a later CONNECT
            "1795530260|c1|orders|Ana|COMPLETEAGENT|15|45|1",
            "1795530400|NONE|orders|Ana|PAUSE|Break",
            "1795530300|NONE|orders|Ana|UNPAUSE|",  # stamped before the pause it ends
            "1795530500|NONE|orders|Ana|PAUSE|Lunch",
            "1795530450|NONE|orders|Ana|UNPAUSE|",
        ]
    )
    conn = sqlite3.connect(db)
    intervals = conn.execute(
        'SELECT agent, start, "end" FROM agent_states ORDER BY agent, start'
    ).fetchall()
    by_agent: dict[str, list] = {}
    for agent, start, end in intervals:
        assert end is None or end >= start
        by_agent.setdefault(agent, []).append((start, end))
    for spans in by_agent.values():
        for (_, a_end), (b_start, _) in zip(spans, spans[1:], strict=False):
            assert a_end is not None and a_end <= b_start  # no overlaps
    assert conn.execute("SELECT outcome, agent, ring_no_answers FROM calls").fetchone() == (
        "answered",
        "Ana",
        1,
    )
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
    assert (
        sqlite3.connect(fresh.path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    )


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


def test_only_one_ingest_writes_a_database_and_its_writer_process_holds_the_lock(tmp_path):
    from floorwatch.store.writer import WriterProcess

    db = tmp_path / "floor.db"
    first = Store.open(db)
    with pytest.raises(
        StoreError,
        match=rf"another floorwatch ingest \(pid {os.getpid()}\) is "
        "writing to it; stop that one first",
    ):
        Store.open(db, lock_timeout_s=0.2)
    # The writer process inherits the lock: closing the store does not free the database while
    # it still runs (a killed ingest's writer finishing its last commit).
    writer = WriterProcess(db, (first.lock.fd,))
    first.close()
    with pytest.raises(StoreError, match="another floorwatch ingest"):
        Store.open(db, lock_timeout_s=0.2)
    writer.close()
    Store.open(db, lock_timeout_s=0.2).close()


def test_the_events_table_keeps_the_feeds_spelling_of_an_agent_aliases_apply_to_the_rest(tmp_path):
    """Raw events are the truth: an alias (one member under two spellings) renames the agent
    in the derived tables only, whether a chunk is stored from its lines or from its events."""
    from floorwatch.sources import open_source
    from floorwatch.store.derive import DeriveConfig

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
