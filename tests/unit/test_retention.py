"""`db prune` in-process on a store of three simulated weeks: what goes is what the policy says
(counted from the lines written, not from the code's own query), today and open rows stay,
checkpoints are untouched, a dry run counts the same, and the archive of what went, replayed
into a fresh store, is exactly the events that went."""

from __future__ import annotations

import gzip
import sqlite3
import time

import pytest

from floorwatch.config import ConfigError, from_table
from floorwatch.events import Event
from floorwatch.retention_config import RetentionConfig
from floorwatch.store.archive import read_archive
from floorwatch.store.database import Store
from floorwatch.store.faults import StoreError
from floorwatch.store.lock import TaskLock
from floorwatch.store.maintenance import open_store
from floorwatch.store.retention import Pruner, cut_for

from ..helpers import ingest_file, weeks_of_lines, write_lines

NOW = time.time()
DAY = 86400


def run_prune(db, policy, dry_run=False, archive=None):
    conn = open_store(db, write=True)
    try:
        pruner = Pruner(conn, db, policy, None, clock=lambda: NOW, archive=archive, ids_per_step=50)
        return pruner.run(dry_run=dry_run)
    finally:
        conn.close()


@pytest.fixture
def weeks(make_store):
    lines = weeks_of_lines(21, NOW)
    return make_store(lines), lines


def rows(db, sql, params=()):
    return sqlite3.connect(db).execute(sql, params).fetchall()


def test_a_prune_removes_what_the_policy_says_and_nothing_of_today(weeks):
    db, lines = weeks
    today = NOW // DAY * DAY
    cut_events, cut_derived = cut_for(7, NOW, None), cut_for(14, NOW, None)
    assert cut_events == today - 7 * DAY  # a UTC midnight (the process runs in UTC)
    stamps = [int(line.split("|", 1)[0]) for line in lines]
    todays = rows(db, "SELECT * FROM events WHERE ts >= ? ORDER BY id", (today,))
    checkpoint = rows(db, "SELECT * FROM sources")
    dry = run_prune(db, RetentionConfig(events_days=7, derived_days=14), dry_run=True)
    report = run_prune(db, RetentionConfig(events_days=7, derived_days=14))

    assert report.removed["events"] == sum(ts < cut_events for ts in stamps)
    assert rows(db, "SELECT count(*) FROM events")[0][0] == sum(ts >= cut_events for ts in stamps)
    assert dry.removed == report.removed
    assert rows(db, "SELECT * FROM events WHERE ts >= ? ORDER BY id", (today,)) == todays
    assert rows(db, "SELECT * FROM sources") == checkpoint
    # Three calls a day: the days before the cut went, the 14 days since stayed, and the
    # caller still waiting since the first day stayed too.
    days_kept = 14 + 1
    calls = rows(db, "SELECT call_id, status FROM calls ORDER BY id")
    assert len(calls) == 3 * days_kept + 1
    assert ("stuck", "waiting") in calls
    assert report.removed["calls"] == 3 * (21 - 14)
    assert rows(db, "SELECT count(*) FROM pauses")[0][0] == days_kept
    assert rows(db, "SELECT count(*) FROM memberships WHERE left_at < ?", (cut_derived,)) == [(0,)]
    assert rows(db, 'SELECT count(*) FROM agent_states WHERE "end" IS NULL')[0][0] >= 1
    assert report.transactions > 3  # bounded: 50 ids a step here


def test_a_second_prune_while_one_runs_is_refused(weeks):
    db, _ = weeks
    held = TaskLock(db, "prune")
    try:
        with pytest.raises(StoreError, match=r"another floorwatch db prune \(pid \d+\) is running"):
            TaskLock(db, "prune")
    finally:
        held.release()
    TaskLock(db, "prune").release()  # free again once the first has ended


def test_a_policy_shorter_than_a_day_is_refused_in_one_line():
    with pytest.raises(ConfigError) as refused:
        from_table({"retention": {"events_days": 0.5}}, "floorwatch.toml")
    assert str(refused.value) == (
        "floorwatch.toml: retention.events_days: 0.5 is shorter than a day; keep at least 1 "
        "(today is never pruned)"
    )
    assert from_table({"retention": {"rejects_days": 1}}).retention.rejects_days == 1


def test_rejects_go_by_when_they_were_received(make_store):
    db = make_store(["not a line", "nor this", f"{int(NOW)}|c|q|NONE|ENTERQUEUE||1|1"])
    conn = sqlite3.connect(db)
    conn.execute("UPDATE rejects SET received_at = ? WHERE id = 1", (NOW - 40 * DAY,))
    conn.commit()
    report = run_prune(db, RetentionConfig(rejects_days=30))
    assert report.removed == {"rejects": 1}
    assert rows(db, "SELECT raw FROM rejects") == [("nor this",)]


def test_the_archive_replayed_is_exactly_the_events_pruned(weeks, tmp_path):
    db, _ = weeks
    cut = cut_for(7, NOW, None)
    with Store.open_readonly(db) as store:
        going = store.events("ts < ?", (cut,))
    assert len(going) > 100
    report = run_prune(db, RetentionConfig(events_days=7), archive=tmp_path / "archive")
    assert report.archived == len(going)
    files = sorted((tmp_path / "archive").glob("events-*.jsonl.gz"))
    assert files == report.archive_files and files
    replay = tmp_path / "replay.jsonl"
    replay.write_text("".join(line + "\n" for f in files for line in read_archive(f)))
    replayed = ingest_file(tmp_path / "replayed.db", replay, kind="jsonl")
    with Store.open_readonly(replayed) as store:
        back = store.events()
    # The same events, field by field (their order is the files' order: month by month).
    assert len(back) == len(going)
    assert sorted(back, key=Event.to_json) == sorted(going, key=Event.to_json)
    # A second prune with nothing left to go writes nothing more.
    again = run_prune(db, RetentionConfig(events_days=7), archive=tmp_path / "archive")
    assert again.archived == 0
    assert sum(len(read_archive(f)) for f in files) == len(going)
    with gzip.open(files[0], "rt") as first:
        assert first.readline().startswith('{"ts":')


def test_write_lines_helper_is_what_the_weeks_store_read(tmp_path):
    """(The counts above are taken from the lines, so the lines must be what was read.)"""
    lines = weeks_of_lines(2, NOW)
    feed = write_lines(tmp_path / "f.queue_log", lines)
    db = ingest_file(tmp_path / "w.db", feed)
    assert rows(db, "SELECT count(*) FROM events")[0][0] == len(lines)
