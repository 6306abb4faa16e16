"""Interval report over a day of 1,000,000 events: `floorwatch report`, end to end.

    python bench/report.py [--events N]

Generates a day of N queue_log events from midnight UTC (bench/ingest.py's realistic mix, 300
agents, 12 queues, a call every 0.26 s on average so that the day holds them all), ingests it once (cached under bench/.cache/), then times
`floorwatch report --date D --interval 15m` by queue and by agent in a subprocess with the
progress bar on (as on a terminal). Baseline in the same run: reading that day's calls into
pandas with one query, which any report must at least do.

Also times `floorwatch report --management --from D --to D` (issue 21): its HTML and PDF.

Target (issues 8 and 21): under 10 s for the day.
"""

from __future__ import annotations

import argparse
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
CACHE = ROOT / "bench" / ".cache"
DAY_START = 1_795_478_400  # 2026-11-24 00:00 UTC
DAY = "2026-11-24"


def build(events: int) -> Path:
    from ingest import generate

    db = CACHE / f"report_{events}.db"
    if not db.exists():
        CACHE.mkdir(exist_ok=True)
        feed = CACHE / f"report_{events}.queue_log"
        print(f"generating a day of {events:,} events ...", flush=True)
        generate(feed, events, agents=300, queues=12, seed=5, mean_gap_s=0.26, start=DAY_START)
        print("ingesting ...", flush=True)
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
        )
        feed.unlink()
    return db


def timed_report(db: Path, by: str, out: Path) -> float:
    config = out.parent / "utc.toml"
    config.write_text('timezone = "UTC"\n')
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "floorwatch",
            "report",
            "--db",
            str(db),
            "--config",
            str(config),
            "--date",
            DAY,
            "--interval",
            "15m",
            "--by",
            by,
            "--format",
            "csv",
            "--out",
            str(out),
            "--progress",
        ],
        check=True,
    )
    return time.perf_counter() - started


def timed_management(db: Path, out: Path) -> float:
    """`report --management` of the one day (its period before is empty, as it is read too)."""
    config = out.parent / "utc.toml"
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "floorwatch",
            "report",
            "--management",
            "--db",
            str(db),
            "--config",
            str(config),
            "--from",
            DAY,
            "--to",
            DAY,
            "--out",
            str(out),
            "--no-progress",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    args = parser.parse_args()
    import pandas as pd

    db = build(args.events)
    with sqlite3.connect(db) as conn:
        events = conn.execute("SELECT count(*) FROM events").fetchone()[0]
        calls = conn.execute("SELECT count(*) FROM calls").fetchone()[0]
        started = time.perf_counter()
        frame = pd.read_sql_query(
            "SELECT * FROM calls WHERE wait_end_at >= ? AND wait_end_at < ?",
            conn,
            params=(DAY_START, DAY_START + 86400),
        )
        baseline = time.perf_counter() - started
    out = CACHE / "report_out"
    out.mkdir(exist_ok=True)
    by_queue = timed_report(db, "queue", out / "queues.csv")
    by_agent = timed_report(db, "agent", out / "agents.csv")
    management = timed_management(db, out / "management.html")
    rows_queue = sum(1 for _ in (out / "queues.csv").open()) - 1
    rows_agent = sum(1 for _ in (out / "agents.csv").open()) - 1
    print(f"day:       {events:,} events, {calls:,} calls ({len(frame):,} ended their wait today)")
    print(f"by queue:  {by_queue:.2f} s end to end, {rows_queue:,} rows (target < 10 s)")
    print(f"by agent:  {by_agent:.2f} s end to end, {rows_agent:,} rows (target < 10 s)")
    print(
        f"management: {management:.2f} s end to end, HTML and PDF of the day "
        f"({(out / 'management.html').stat().st_size:,} bytes; target < 10 s)"
    )
    print(f"baseline:  {baseline:.2f} s to read the day's calls into pandas with one query")


if __name__ == "__main__":
    main()
