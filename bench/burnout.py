"""Burnout evaluation for a whole floor: every rule for 5,000 agents, full and incremental.

    python bench/burnout.py [--rounds R]

The floor is bench/snapshot.py's cached feed (5,000 agents, 200 queues, 100,000 queue_log
events). The store is loaded with all but the feed's last stretch; then, round after round,
the next 5 seconds of the feed are committed (as the ingest would) and the monitor evaluates
the floor at that instant, as the ingest does every 5 s (burnout_monitor.BurnoutMonitor.run):
refresh the floor model, then the rules for the agents whose facts could have moved, the flag
tracker, and writing the changes. Printed:
- incremental round: what a round costs in the ingest (median and max), and how many agents it
  evaluated;
- full evaluation: the same round forced to evaluate every rule for every agent;
- baseline, same run: the plain snapshot a dashboard takes of the same floor.
Both kinds of round are checked to raise exactly the same flags.

Targets (issue 6): a full evaluation under 100 ms, or an incremental round under 20 ms.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

ROUND_S = 5.0


def load(feed_lines: list[str], work: Path) -> Path:
    """A store holding `feed_lines`, loaded by the real `floorwatch ingest --once`."""
    feed = work / "head.queue_log"
    feed.write_text("\n".join(feed_lines) + "\n")
    db = work / "floor.db"
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
            "--no-burnout",
            f"queue_log:{feed}",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return db


def play(db: Path, tail: list[str], rounds: int, full: bool) -> tuple[list[float], list[int], set]:
    """Commit the tail 5 s of feed time at a time; after each commit one monitor round.
    Returns the rounds' times, agents evaluated per round, and every flag raised."""
    from floorwatch.config import Config
    from floorwatch.ingest.burnout_monitor import BurnoutMonitor
    from floorwatch.sources.base import Batch
    from floorwatch.sources.queue_log import parse_line
    from floorwatch.store.database import Store

    config = Config(timezone="UTC")
    store = Store.open(str(db), config.derive_config())
    now = store.queries.last_event_ts()
    monitor = BurnoutMonitor(db, config, clock=None, every_s=None)
    monitor.run(store, now, full=True)  # loads the model and the baselines
    timings, evaluated = [], []
    position = 0
    for _ in range(rounds):
        now += ROUND_S
        events = []
        while position < len(tail) and int(tail[position].split("|", 1)[0]) <= now:
            events.append(parse_line(tail[position], "bench"))
            position += 1
        if events:
            store.write([Batch("bench", "queue_log", events)])
        started = time.perf_counter()
        monitor.run(store, now, full=full)
        timings.append(time.perf_counter() - started)
        evaluated.append(monitor.last_evaluated)
    monitor.close()
    raised = {(row[0], row[1], row[2]) for row in sqlite3.connect(store.path).execute(
        "SELECT agent, rule, raised_at FROM burnout_flags")}  # fmt: skip
    store.close()
    return timings, evaluated, raised


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    from snapshot import build

    from floorwatch.config import Config
    from floorwatch.snapshot.reader import FloorReader
    from floorwatch.store.database import Store

    feed, _ = build(100_000)
    lines = feed.read_text().splitlines()
    end = int(lines[-1].split("|", 1)[0])
    cut = next(
        i
        for i, line in enumerate(lines)
        if int(line.split("|", 1)[0]) > end - ROUND_S * args.rounds
    )
    work = Path(tempfile.mkdtemp(prefix="fw-burnout-"))
    print(
        f"loading {cut:,} events; {len(lines) - cut:,} more arrive over {args.rounds} rounds "
        f"of {ROUND_S:g} s ...",
        flush=True,
    )
    db = load(lines[:cut], work)
    copy = work / "full.db"
    copy.write_bytes(db.read_bytes())

    incremental, evaluated, raised_incremental = play(db, lines[cut:], args.rounds, full=False)
    full, _, raised_full = play(copy, lines[cut:], args.rounds, full=True)

    config = Config(timezone="UTC")
    reader = FloorReader(Store.open_readonly(db), config)
    now = reader.store.queries.last_event_ts()
    plain = []
    for _ in range(args.rounds):
        started = time.perf_counter()
        reader.snapshot(now)
        plain.append(time.perf_counter() - started)
    agents = len(reader.model.agents)
    reader.store.close()

    ms = 1000
    print(f"floor:        {agents:,} agents, 200 queues; {len(raised_incremental)} flags raised")
    print(
        f"incremental:  {statistics.median(incremental) * ms:.1f} ms median, "
        f"{max(incremental) * ms:.1f} ms max per round; {statistics.median(evaluated):.0f} "
        f"agents evaluated per round (median) (target < 20 ms)"
    )
    print(
        f"full:         {statistics.median(full) * ms:.1f} ms median, {max(full) * ms:.1f} ms "
        f"max per evaluation of every rule for every agent (target < 100 ms)"
    )
    print(
        f"baseline:     {statistics.median(plain) * ms:.1f} ms median for the dashboard's plain "
        f"snapshot of the same floor"
    )
    same = "the same" if raised_incremental == raised_full else "DIFFERENT"
    print(
        f"flags:        incremental and full rounds raised {same} flags "
        f"({len(raised_incremental)} and {len(raised_full)})"
    )


if __name__ == "__main__":
    main()
