"""Soak: a simulated floor at 100x for minutes, four dashboards on it, then an exactness check.

    python bench/soak.py [--minutes 5] [--speed 100] [--agents 60] [--queues 6]

The floor is `floorwatch demo`'s machinery (floorwatch.modes.demo.Demo): a simulator writes
Asterisk queue_log lines to a file at `--speed` simulated seconds per second, and an ingest
follows it into the store (burnout rules included). Its clock is set so that the simulated
span ends at the wall clock's start time, in a time zone where that span is one local working
day from 08:30: every event a viewer sees is in its past (`floorwatch dash` keeps the wall
clock), arriving as fast as a floor 100 times busier would send them. Four real `floorwatch dash` processes, each in its
own pseudo-terminal (output drained as a terminal would), watch the store: three on the floor
(120x40, 80x24, 200x60), one on the wallboard (200x60, --wall). A fifth on a copy of the store
that never changes is the same-run baseline for memory.

Prints whether any viewer exited, each viewer's memory over time (and whether it levelled
off: the last third grew by under 5 % and 10 MB), their CPU, then stops the floor, lets the
ingest catch up with the file (`ingest --once`, as a restart would) and compares the store's
calls, row by row (wrap-up included), with a one-shot `ingest --once` of the same file.
The machine is shared: CPU figures are indicative.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import select
import shutil
import sqlite3
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from viewers import cpu_seconds, memory_mb  # noqa: E402  (bench/viewers.py)

from floorwatch.modes.demo import Demo, DemoOptions  # noqa: E402

FLOORWATCH = [sys.executable, "-m", "floorwatch"]


class PtyViewer:
    """A `floorwatch dash` in a pseudo-terminal of its own size; its output is read away."""

    def __init__(self, name: str, db: Path, config: Path, size: tuple[int, int], *extra: str):
        self.name = name
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
        env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
        env.update(TERM="xterm-256color", COLORTERM="truecolor")
        self.process = subprocess.Popen(
            [*FLOORWATCH, "dash", "--db", str(db), "--config", str(config), *extra],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            start_new_session=True,
        )
        os.close(slave)
        self.master = master
        self.received = 0
        self.tail = b""
        self.memory: list[tuple[float, float]] = []
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        while True:
            try:
                ready, _, _ = select.select([self.master], [], [], 0.5)
                if ready:
                    data = os.read(self.master, 65536)
                    if not data:
                        return
                    self.received += len(data)
                    self.tail = (self.tail + data)[-4000:]
            except OSError:
                return

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def sample(self, at: float) -> None:
        if self.alive:
            self.memory.append((at, memory_mb(self.process.pid)))

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        os.close(self.master)


def zone_for_span(hours: float) -> tuple[str, float]:
    """A fixed-offset zone where the `hours` before now are one local working day (from
    08:30, when the simulated floor is busy), and the local hour that the span starts at.
    Etc/GMT-X is UTC+X (the sign is POSIX's)."""
    if hours > 22:
        raise SystemExit(f"{hours:.1f} simulated hours do not fit one day: lower --minutes")
    utc = datetime.now(UTC)
    end_hour = min(8.5 + hours, 23.5)  # local time when the span ends (now)
    offset = round(end_hour - (utc.hour + utc.minute / 60)) % 24
    offset = offset - 24 if offset > 14 else offset
    zone = "UTC" if offset == 0 else f"Etc/GMT{-offset:+d}"
    local = utc + timedelta(hours=offset)
    return zone, local.hour + local.minute / 60 + local.second / 3600 - hours


def calls(db: Path) -> tuple[list[str], list[tuple]]:
    """The calls table without its row ids and commit numbers, in a stable order."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        names = [
            row[1]
            for row in conn.execute("PRAGMA table_info(calls)")
            if row[1] not in ("id", "seq")
        ]
        quoted = ", ".join(f'"{name}"' for name in names)
        rows = conn.execute(f"SELECT {quoted} FROM calls").fetchall()
    finally:
        conn.close()
    return names, sorted(rows, key=lambda row: tuple("" if v is None else str(v) for v in row))


def levelled(samples: list[tuple[float, float]]) -> tuple[bool, float]:
    """Whether memory levelled off: growth over the last third of the run (MB)."""
    if len(samples) < 3:
        return False, 0.0
    third = samples[len(samples) * 2 // 3][1]
    growth = samples[-1][1] - third
    return growth < max(10.0, 0.05 * third), growth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--speed", type=float, default=100.0)
    parser.add_argument("--agents", type=int, default=60)
    parser.add_argument("--queues", type=int, default=6)
    parser.add_argument("--history-days", type=int, default=2)
    parser.add_argument("--sample-every", type=float, default=15.0)
    args = parser.parse_args()
    seconds = args.minutes * 60
    work = Path(tempfile.mkdtemp(prefix="fw-soak-"))
    zone, start_hour = zone_for_span(seconds * args.speed / 3600)
    demo = Demo(
        DemoOptions(
            folder=work / "floor",
            agents=args.agents,
            queues=args.queues,
            speed=args.speed,
            start_hour=start_hour,
            timezone=zone,
            history_days=args.history_days,
        )
    )
    print(
        f"soak: {args.minutes:g} min at {args.speed:g}x ({seconds * args.speed / 3600:.1f} "
        f"simulated hours), {args.agents} agents, {args.queues} queues, zone {zone}, in {work}"
    )
    started = time.monotonic()
    demo.prepare()
    print(f"prepared the history and the day so far in {time.monotonic() - started:.1f} s")
    frozen = work / "frozen.db"
    shutil.copy(demo.database, frozen)
    config = demo.config_path
    demo.start()
    viewers = [
        PtyViewer("floor 120x40", demo.database, config, (120, 40)),
        PtyViewer("floor 80x24", demo.database, config, (80, 24)),
        PtyViewer("floor 200x60", demo.database, config, (200, 60)),
        PtyViewer("wall 200x60", demo.database, config, (200, 60), "--wall"),
    ]
    baseline = PtyViewer("baseline (a store that never changes)", frozen, config, (120, 40))
    everyone = [*viewers, baseline]
    time.sleep(10)  # imports, first floor
    cpu_start = {v.name: cpu_seconds(v.process.pid) for v in everyone if v.alive}
    began = time.monotonic()
    exits: dict[str, float] = {}
    while (elapsed := time.monotonic() - began) < seconds:
        for viewer in everyone:
            viewer.sample(elapsed)
            if not viewer.alive and viewer.name not in exits:
                exits[viewer.name] = elapsed
        time.sleep(min(args.sample_every, max(0.1, seconds - elapsed)))
    elapsed = time.monotonic() - began
    cpu = {
        v.name: (cpu_seconds(v.process.pid) - cpu_start[v.name]) / elapsed
        for v in everyone
        if v.alive and v.name in cpu_start
    }
    for viewer in everyone:
        viewer.sample(elapsed)
    print(f"\nviewers after {elapsed / 60:.1f} min:")
    for viewer in everyone:
        if viewer.alive:
            ok, growth = levelled(viewer.memory)
            trace = " ".join(
                f"{mb:.0f}" for _, mb in viewer.memory[:: max(1, len(viewer.memory) // 10)]
            )
            print(
                f"  {viewer.name:40} running, CPU {cpu.get(viewer.name, 0) * 100:5.1f} % of a "
                f"core, {viewer.received / 1e6:.1f} MB drawn, RSS MB {trace} -> "
                f"{viewer.memory[-1][1]:.0f}; last third "
                f"{growth:+.1f} MB ({'levels off' if ok else 'STILL GROWING'})"
            )
        else:
            print(
                f"  {viewer.name:40} EXITED at {exits.get(viewer.name, 0):.0f} s with status "
                f"{viewer.process.returncode}: ...{viewer.tail[-300:]!r}"
            )
    for viewer in everyone:
        viewer.stop()
    stopped = demo.stop()
    print(
        f"\nfloor stopped ({'cleanly' if stopped else 'NOT within 60 s'}); "
        f"ingest errors: {demo.ingest_errors or 'none'}"
    )
    feed = work / "feed.queue_log"
    shutil.copy(demo.feed, feed)
    catch_up = subprocess.run(
        [
            *FLOORWATCH,
            "ingest",
            "--once",
            "--no-burnout",
            "--config",
            str(config),
            "--db",
            str(demo.database),
        ],
        capture_output=True,
        text=True,
    )
    print(
        f"catch-up ingest of the rest of the file: {catch_up.stdout.strip() or catch_up.stderr.strip()}"
    )
    one_shot = work / "one_shot.db"
    once = subprocess.run(
        [
            *FLOORWATCH,
            "ingest",
            "--once",
            "--no-burnout",
            "--config",
            str(config),
            "--db",
            str(one_shot),
        ],
        capture_output=True,
        text=True,
    )  # the config's source: the same name
    print(f"one-shot ingest of the same file:        {once.stdout.strip() or once.stderr.strip()}")
    names, live_rows = calls(demo.database)
    _, once_rows = calls(one_shot)
    differing = sum(1 for a, b in zip(live_rows, once_rows, strict=False) if a != b) + abs(
        len(live_rows) - len(once_rows)
    )
    for a, b in zip(live_rows, once_rows, strict=False):
        if a != b:
            print(
                "first difference:",
                {n: (x, y) for n, x, y in zip(names, a, b, strict=True) if x != y},
            )
            break
    wrapup = names.index("wrapup_s") if "wrapup_s" in names else None
    with_wrapup = sum(1 for row in live_rows if wrapup is not None and row[wrapup] is not None)
    print(
        f"calls: live store {len(live_rows)}, one-shot {len(once_rows)}, rows that differ "
        f"{differing} (compared on {len(names)} columns, {with_wrapup} calls with wrap-up)"
    )
    verdict = (
        not exits and all(levelled(v.memory)[0] for v in viewers) and differing == 0 and stopped
    )
    print(
        f"\nsoak {'PASSED' if verdict else 'FAILED'}: viewers exited: {len(exits)}, "
        f"memory levels off: {all(levelled(v.memory)[0] for v in viewers)}, store equals "
        f"one-shot: {differing == 0}  (shared machine: CPU is indicative)"
    )
    if verdict:
        shutil.rmtree(work, ignore_errors=True)
    sys.exit(0 if verdict else 1)


if __name__ == "__main__":
    main()
