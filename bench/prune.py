"""`floorwatch db prune` rate: events removed per second on a 10M-event store.

    python bench/prune.py [--events N] [--days D] [--keep K]

The store is made quickly: floorwatch's own schema (Store.open, so through sqlite-utils),
then N queue_log-shaped event rows spread evenly over D days up to now, written by one
executemany per million rows straight into `events` (no parsing, no derivation: derived
tables do not change what pruning events costs). It is cached in bench/.cache and copied
fresh for each run:

- baseline: one bare `DELETE FROM events WHERE ts < cut` in a single transaction, which
  blocks the ingest for its whole length;
- prune: `floorwatch db prune` with `events_days = K` (the part before the cut goes), as a
  subprocess, no ingest running (no pauses);
- prune beside an ingest: the same with the writer's lock held by this script, so prune
  pauses after each transaction as it does beside a running ingest;
- prune --archive (with --archive-events M): the archive of what it removes written (gzipped
  JSON Lines), on a store of M events (default 1M: the archive goes at about a tenth of the
  rate, each event parsed back into a canonical event and written as JSON).

Each prints events removed per second; the prune runs print their transaction count and the
longest transaction (what an ingest could wait at most).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from floorwatch.store.database import Store
from floorwatch.store.lock import WriterLock

CACHE = Path(__file__).parent / ".cache"


def build(path: Path, events: int, days: int) -> None:
    """A store of `events` events over `days` days up to now (see the docstring)."""
    Store.open(path).close()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("INSERT INTO origins (id, name, format) VALUES (1, 'pbx1', 'queue_log')")
    now = time.time()
    first = now - days * 86400
    gap = days * 86400 / events
    chunk = 1_000_000
    for start in range(0, events, chunk):
        rows = [
            (
                first + n * gap,
                1,
                "call_queued",
                f"{n}.1",
                f"queue{n % 12:02d}",
                None,
                f"ENTERQUEUE||555{n % 10000:04d}|1",
            )
            for n in range(start, min(events, start + chunk))
        ]
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO events (ts, origin, kind, call_id, queue, agent, data) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        conn.execute("COMMIT")
    conn.execute(
        'INSERT INTO sources (name, path, "offset", events, rejects) '
        "VALUES ('pbx1', '/var/log/asterisk/queue_log', 1, ?, 0)",
        (events,),
    )
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def fresh_copy(cached: Path, work: Path) -> Path:
    for leftover in work.iterdir():
        if leftover.is_dir():
            shutil.rmtree(leftover)
        else:
            leftover.unlink()
    db = work / "store.db"
    shutil.copyfile(cached, db)
    return db


def baseline(db: Path, cut_days: int) -> tuple[int, float]:
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    from floorwatch.store.retention import cut_for

    cut = cut_for(cut_days, time.time(), None)
    started = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    removed = conn.execute("DELETE FROM events WHERE ts < ?", (cut,)).rowcount
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return removed, elapsed


def prune(db: Path, keep: int, *options: str) -> tuple[int, float, str]:
    config = db.with_name("floorwatch.toml")
    config.write_text(f'database = "{db}"\ntimezone = "UTC"\n[retention]\nevents_days = {keep}\n')
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "floorwatch", "db", "prune", "--config", str(config), *options],
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"prune failed: {result.stderr.strip()}")
    removed = int(re.search(r"events: removed ([\d,]+)", result.stdout)[1].replace(",", ""))
    summary = result.stdout.strip().splitlines()[-1 if not options else -2]
    return removed, elapsed, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--keep", type=int, default=30, help="events_days of the policy")
    parser.add_argument("--archive-events", type=int, default=1_000_000, help="0: skip it")
    args = parser.parse_args()
    CACHE.mkdir(exist_ok=True)
    cached = CACHE / f"prune_{args.events}_{args.days}.db"
    if not cached.exists():
        print(f"building a {args.events:,}-event store in {cached} ...", flush=True)
        started = time.perf_counter()
        build(cached, args.events, args.days)
        print(f"  built in {time.perf_counter() - started:.0f} s", flush=True)
    print(
        f"store:     {args.events:,} events over {args.days} days, {cached.stat().st_size / 1e6:,.0f} MB"
    )
    with tempfile.TemporaryDirectory(dir=CACHE) as work_dir:
        work = Path(work_dir)
        removed, elapsed = baseline(fresh_copy(cached, work), args.keep)
        print(
            f"baseline:  {removed / elapsed:,.0f} events/s (one bare DELETE of {removed:,} "
            f"events in one transaction of {elapsed:.1f} s: an ingest would wait all of it)"
        )
        removed, elapsed, summary = prune(fresh_copy(cached, work), args.keep)
        print(f"prune:     {removed / elapsed:,.0f} events/s incl. start-up ({summary})")
        db = fresh_copy(cached, work)
        lock = WriterLock(db, timeout_s=1)  # as a running ingest holds it: prune pauses
        try:
            removed, elapsed, summary = prune(db, args.keep)
        finally:
            lock.release()
        print(f"beside an ingest: {removed / elapsed:,.0f} events/s ({summary})")
    if args.archive_events:
        small = CACHE / f"prune_{args.archive_events}_{args.days}.db"
        if not small.exists():
            build(small, args.archive_events, args.days)
        with tempfile.TemporaryDirectory(dir=CACHE) as work_dir:
            work = Path(work_dir)
            db = fresh_copy(small, work)
            removed, elapsed, summary = prune(db, args.keep, "--archive", str(work / "archive"))
            size = sum(f.stat().st_size for f in (work / "archive").iterdir())
            print(
                f"--archive: {removed / elapsed:,.0f} events/s on {args.archive_events:,} events "
                f"({summary}; archive {size / 1e6:,.0f} MB gzipped)"
            )


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
