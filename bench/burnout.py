"""Burnout evaluation for a whole floor: every rule for every one of 5,000 agents.

    python bench/burnout.py [--events N] [--repeat R]

Uses bench/snapshot.py's cached store (5,000 agents, 200 queues; N events, default 100,000),
copied, and times what the ingest does every 5 s (burnout_monitor.BurnoutMonitor.run): refresh
the floor model, a snapshot with every agent's details, each agent's facts, the eight rules,
the flag tracker, and writing the changes. Baseline in the same run: the plain snapshot the
dashboard takes anyway (no details, no rules), so the difference is what burnout adds.

Target (issue 6): a full evaluation under 100 ms.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    from snapshot import build

    from floorwatch.burnout_monitor import BurnoutMonitor
    from floorwatch.config import Config
    from floorwatch.reader import FloorReader
    from floorwatch.store import Store

    _, cached = build(args.events)
    work = Path(tempfile.mkdtemp(prefix="fw-burnout-"))
    db = work / "floor.db"
    shutil.copy(cached, db)
    config = Config(timezone="UTC")
    store = Store.open(str(db), config.derive_config())
    now = store.conn.execute("SELECT max(ts) FROM events").fetchone()[0]
    agents = store.count("agents")

    monitor = BurnoutMonitor(db, config, clock=None, every_s=None)
    started = time.perf_counter()
    first = monitor.run(store, now)
    first_s = time.perf_counter() - started
    timings = []
    for step in range(args.repeat):
        started = time.perf_counter()
        monitor.run(store, now + 5 * (step + 1))
        timings.append(time.perf_counter() - started)
    monitor.close()
    with Store.open_readonly(db) as view:
        open_flags = view.conn.execute(
            "SELECT count(*) FROM burnout_flags WHERE cleared_at IS NULL").fetchone()[0]

    reader = FloorReader(Store.open_readonly(db), config, clock=lambda: now)
    plain = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        reader.snapshot(now)
        plain.append(time.perf_counter() - started)
    reader.store.close()
    store.close()

    raised = len(first.raised) if first is not None else 0
    print(f"floor:     {agents:,} agents, {args.events:,} events; {raised} flags raised on the "
          f"first evaluation, {open_flags} open at the end")  # fmt: skip
    print(f"first:     {first_s * 1000:.0f} ms (loads the floor model and the 14-day baselines)")
    print(f"full:      {statistics.median(timings) * 1000:.1f} ms median, "
          f"{max(timings) * 1000:.1f} ms max per evaluation of every rule for every agent "
          f"(target < 100 ms)")  # fmt: skip
    print(f"baseline:  {statistics.median(plain) * 1000:.1f} ms median for the dashboard's plain "
          f"snapshot of the same floor")  # fmt: skip


if __name__ == "__main__":
    main()
