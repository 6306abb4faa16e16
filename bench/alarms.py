"""Alarms: what a round costs the ingest on a big floor, and how soon a hook hears of a commit.

    python bench/alarms.py [--rounds R] [--deliveries N]

1. Evaluation per round. The floor is bench/snapshot.py's cached feed (5,000 agents, 200
   queues, 100,000 queue_log events). The store is loaded with all but the feed's last
   stretch; then, round after round, the next second of the feed is committed (as the ingest
   would) and the alarm monitor runs a round at that instant (alarm_monitor.AlarmMonitor.run:
   the model's refresh, the lean floor (FloorModel.lean: only what the rules read), every
   rule, the tracker, writing what changed). Printed: the whole round, median and max, and its
   parts' medians; baseline, same run: the plain snapshot a dashboard takes of the same floor.
   Target (issue 20): under 5 ms.
2. Commit to webhook. A real `floorwatch ingest --follow` on a small feed with a webhook to an
   HTTP server on 127.0.0.1; a caller enters (an alarm raises) then is answered (it clears),
   N times: from the alarm's round (its raised/cleared time) and from the line's append to the
   POST's arrival, median and p95. Target: p95 under 1 s.
3. A dead hook does not slow the ingest: `ingest --follow` catching up the 100,000-event feed
   with every alarm routed to a hook on a closed port, against the same without hooks
   (seconds until every event is in the store; best of 2 each, taking turns).
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from burnout import load  # noqa: E402

ROUND_S = 1.0
FLOORWATCH = [sys.executable, "-m", "floorwatch"]


def rounds(db: Path, tail: list[str], count: int) -> tuple[list[float], dict, int]:
    """Commit the tail a second of feed time at a time; after each commit one alarm round."""
    from floorwatch.config import Config
    from floorwatch.ingest.alarm_monitor import AlarmMonitor
    from floorwatch.sources.base import Batch
    from floorwatch.sources.queue_log import parse_line
    from floorwatch.store.database import Store

    config = Config(timezone="UTC")
    store = Store.open(str(db), config.derive_config())
    now = store.queries.last_event_ts()
    monitor = AlarmMonitor(db, config, every_s=0)
    monitor.run(store, now)  # loads the model
    whole: list[float] = []
    parts: dict[str, list[float]] = {}
    position = 0
    for _ in range(count):
        now += ROUND_S
        events = []
        while position < len(tail) and int(tail[position].split("|", 1)[0]) <= now:
            events.append(parse_line(tail[position], "bench"))
            position += 1
        if events:
            store.write([Batch("bench", "queue_log", events)])
        started = time.perf_counter()
        monitor.run(store, now)
        whole.append(time.perf_counter() - started)
        for part, seconds in monitor.last_parts.items():
            parts.setdefault(part, []).append(seconds)
    raised = sqlite3.connect(db).execute("SELECT count(*) FROM alarms").fetchone()[0]
    monitor.close()
    store.close()
    return whole, parts, raised


class Receiver:
    def __init__(self) -> None:
        self.arrivals: list[tuple[float, float, dict]] = []  # (monotonic, wall, body)
        arrivals = self.arrivals

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                arrivals.append((time.monotonic(), time.time(), body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def config_file(work: Path, db: Path, hook: str | None, quiet_rules: bool) -> Path:
    text = f'database = "{db}"\ntimezone = "UTC"\n[alarms]\nevery_s = 0.1\n'
    if quiet_rules:
        text += (
            "[alarms.rules.calls_waiting]\nthreshold = 1\nmin_duration_s = 0\nclear_after_s = 0\n"
            "[alarms.rules.no_agent_free]\nenabled = false\n"
            "[alarms.rules.feed_quiet]\nenabled = false\n"
        )
    if hook:
        text += f'[[alarms.notify]]\nwebhook = "{hook}"\ntimeout_s = 1\nrate_per_min = 1000\n'
    path = work / f"floorwatch-{len(list(work.glob('floorwatch-*')))}.toml"
    path.write_text(text)
    return path


def deliveries(work: Path, count: int) -> tuple[list[float], list[float]]:
    receiver = Receiver()
    feed, db = work / "hook.queue_log", work / "hook.db"
    feed.write_text("")
    cfg = config_file(work, db, f"http://127.0.0.1:{receiver.port}/", quiet_rules=True)
    ingest = subprocess.Popen(
        [*FLOORWATCH, "ingest", "--config", str(cfg), "--poll", "0.05", f"queue_log:{feed}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    from_round, from_append = [], []
    try:
        for n in range(count * 2):
            now = int(time.time())
            line = (
                f"{now}|b{n // 2}|benchq|NONE|ENTERQUEUE||555|1"
                if n % 2 == 0
                else f"{now}|b{n // 2}|benchq|Ana|CONNECT|0|m|1"
            )
            appended = time.monotonic()
            with feed.open("a") as out:
                out.write(line + "\n")
            deadline = time.monotonic() + 10
            while len(receiver.arrivals) <= n and time.monotonic() < deadline:
                time.sleep(0.002)
            if len(receiver.arrivals) <= n:
                raise SystemExit(f"no delivery for message {n + 1} within 10 s")
            arrived, wall, body = receiver.arrivals[n]
            at = body["raised_ts"] if body["event"] == "raised" else body["cleared_ts"]
            from_round.append(wall - at)
            from_append.append(arrived - appended)
            time.sleep(0.3)
    finally:
        ingest.terminate()
        ingest.wait(timeout=30)
        receiver.server.shutdown()
    return from_round, from_append


def catch_up(work: Path, feed: Path, hook: str | None, events: int) -> float:
    db = work / f"catch-{time.monotonic_ns()}.db"
    cfg = config_file(work, db, hook, quiet_rules=False)
    started = time.monotonic()
    ingest = subprocess.Popen(
        [*FLOORWATCH, "ingest", "--config", str(cfg), "--no-burnout", f"queue_log:{feed}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            try:
                stored = sqlite3.connect(db).execute("SELECT count(*) FROM events").fetchone()[0]
            except sqlite3.Error:
                stored = 0
            if stored >= events:
                return time.monotonic() - started
            time.sleep(0.05)
    finally:
        ingest.terminate()
        ingest.wait(timeout=60)


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 2 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--deliveries", type=int, default=20)
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
    work = Path(tempfile.mkdtemp(prefix="fw-alarms-"))
    print(
        f"loading {cut:,} events; {len(lines) - cut:,} more over {args.rounds} rounds ...",
        flush=True,
    )
    db = load(lines[:cut], work)
    whole, parts, raised = rounds(db, lines[cut:], args.rounds)
    reader = FloorReader(Store.open_readonly(db), Config(timezone="UTC"))
    now = reader.store.queries.last_event_ts()
    plain = []
    for _ in range(args.rounds):
        started = time.perf_counter()
        reader.snapshot(now, details=None)
        plain.append(time.perf_counter() - started)
    agents = len(reader.model.agents)
    reader.store.close()
    ms = 1000
    print(f"floor:        {agents:,} agents, 200 queues; {raised} alarms raised over the rounds")
    print(
        f"round:        {statistics.median(whole) * ms:.1f} ms median, {max(whole) * ms:.1f} ms "
        "max (refresh + lean floor + rules + tracker + write; target < 5 ms)"
    )
    print(
        "  of which:   "
        + ", ".join(f"{part} {statistics.median(v) * ms:.1f} ms" for part, v in parts.items())
        + " (medians; lean floor: the queues' figures the rules read, the agents changed; "
        "rules: every queue and feed, the agents whose limits can have come, the tracker)"
    )
    print(
        f"baseline:     {statistics.median(plain) * ms:.1f} ms median for the dashboard's "
        "snapshot of the same floor (no details)"
    )
    from_round, from_append = deliveries(work, args.deliveries)
    print(
        f"webhook:      alarm round to POST {statistics.median(from_round) * ms:.0f} ms median, "
        f"{p95(from_round) * ms:.0f} ms p95; line appended to POST "
        f"{statistics.median(from_append) * ms:.0f} ms median, {p95(from_append) * ms:.0f} ms "
        f"p95 over {len(from_append)} messages (target p95 < 1 s)"
    )
    dead = "http://127.0.0.1:9/"  # the discard port: nothing listens, every POST is refused
    with_dead, without = [], []
    for turn in range(2):  # taking turns, each first once
        if turn:
            with_dead.append(catch_up(work, feed, dead, len(lines)))
        without.append(catch_up(work, feed, None, len(lines)))
        if not turn:
            with_dead.append(catch_up(work, feed, dead, len(lines)))
    print(
        f"ingest rate:  {len(lines) / min(without):,.0f} events/s without hooks, "
        f"{len(lines) / min(with_dead):,.0f} events/s with every alarm sent to a refused hook "
        f"(best of 2, {len(lines):,} events, --follow catching up)"
    )


if __name__ == "__main__":
    main()
