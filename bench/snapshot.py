"""Snapshot cost against history: a big floor after 10,000,000 events vs 100,000 events.

    python bench/snapshot.py [--events 10000000] [--small 100000]

Builds (once, cached in bench/.cache/) stores of 5,000 agents and 200 queues: one with
10,000,000 events (several busy days), one with 100,000. For each it prints:
- load: building the model for today from the store (once per viewer start);
- snapshot: one snapshot as the dashboard takes it (every queue and agent, the costlier agent
  numbers for the 40 agents on screen), median of 20;
- full snapshot: the same with every agent's details (occupancy), as `snapshot --json` does;
- refresh: reading and applying 100 newly committed events.
Target (issue 4): snapshot under 50 ms at 10,000,000 events and within 2x of the 100,000 case.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from ingest import CACHE, generate  # noqa: E402

from floorwatch.config import Config  # noqa: E402
from floorwatch.snapshot.reader import FloorReader  # noqa: E402
from floorwatch.sources import open_source  # noqa: E402
from floorwatch.sources.base import Batch  # noqa: E402
from floorwatch.store.database import Store  # noqa: E402

AGENTS, QUEUES = 5000, 200
#: 5,000 agents taking a call about every 6 minutes each: a call every 0.072 s.
MEAN_GAP_S = 0.072


def build(events: int) -> tuple[Path, Path]:
    feed = CACHE / f"snapshot_{events}.queue_log"
    db = CACHE / f"snapshot_{events}.db"
    if not db.exists():
        CACHE.mkdir(exist_ok=True)
        print(f"generating {events:,} events ...", flush=True)
        generate(feed, events, AGENTS, QUEUES, seed=11, mean_gap_s=MEAN_GAP_S)
        print(f"ingesting into {db} ...", flush=True)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "floorwatch",
                "ingest",
                "--db",
                str(db),
                "--once",
                "--no-progress",
                f"queue_log:{feed}",
            ],
            check=True,
        )
    else:
        Store.open(db).close()  # a cache made by an older schema is upgraded, as an ingest would
    return feed, db


def measure(db: Path, label: str) -> float:
    store = Store.open_readonly(db)
    last_ts = store.queries.last_event_ts()
    events = store.count("events")
    config = Config(timezone="UTC")
    started = time.perf_counter()
    reader = FloorReader(store, config, clock=lambda: last_ts)
    load_s = time.perf_counter() - started
    snap = reader.snapshot()
    visible = list(snap.agents)[:40]
    timings = []
    for _ in range(20):
        started = time.perf_counter()
        reader.snapshot(details=visible)
        timings.append(time.perf_counter() - started)
    started = time.perf_counter()
    full = reader.snapshot()
    full_s = time.perf_counter() - started
    store.close()
    print(
        f"{label:>6}: {events:>11,} events, {len(snap.queues)} queues, {len(full.agents)} agents "
        f"today; load {load_s * 1000:8.0f} ms; snapshot {statistics.median(timings) * 1000:6.1f} ms"
        f" (median of 20); full snapshot {full_s * 1000:6.1f} ms"
    )
    return statistics.median(timings)


def measure_refresh(feed: Path, db: Path) -> None:
    """Commit 100 more events with a writer, time the reader's refresh."""
    copy = db.with_suffix(".refresh.db")
    copy.write_bytes(db.read_bytes())
    writer = Store.open(copy)
    reader_store = Store.open_readonly(copy)
    last_ts = reader_store.queries.last_event_ts()
    reader = FloorReader(reader_store, Config(timezone="UTC"), clock=lambda: last_ts + 60)
    source = open_source(f"queue_log:{feed}", follow=False)
    lines = feed.read_text().splitlines()[-100:]
    events = [
        source.parse(
            line.replace(str(int(line.split("|")[0])), str(int(line.split("|")[0]) + 30), 1),
            "bench",
        )
        for line in lines
    ]
    writer.write([Batch("bench", "queue_log", events)])
    started = time.perf_counter()
    reader.refresh()
    reader.snapshot(details=[])
    print(
        f"refresh: read + apply 100 new events + snapshot: "
        f"{(time.perf_counter() - started) * 1000:.1f} ms"
    )
    writer.close()
    reader_store.close()
    for suffix in ("", "-wal", "-shm"):
        Path(str(copy) + suffix).unlink(missing_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--small", type=int, default=100_000)
    args = parser.parse_args()
    _, small_db = build(args.small)
    big_feed, big_db = build(args.events)
    small = measure(small_db, "small")
    big = measure(big_db, "big")
    print(
        f"big / small snapshot: {big / small:.2f}x (target <= 2x); big: {big * 1000:.1f} ms "
        f"(target < 50 ms)"
    )
    measure_refresh(big_feed, big_db)


if __name__ == "__main__":
    main()
