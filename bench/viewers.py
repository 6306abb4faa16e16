"""Twenty dashboards over one store taking 100 events/s: what they cost the server.

    python bench/viewers.py [--viewers 20] [--seconds 30] [--rate 100]

Each viewer is a real `floorwatch dash` in its own pseudo-terminal (120x40, xterm-256color),
its output drained as a terminal would. One `floorwatch ingest` follows a queue_log that a
writer appends to at `--rate` lines a second (a simulated floor, stamped with the wall clock).
Prints the viewers' total CPU and the ingest's (share of one core), memory per viewer, and then,
with the writer stopped, the CPU of an idle viewer.
Targets (issue 9): 20 viewers under one core together, each under 150 MB, an idle one < 1 %.

The viewers run twice, one set after the other over the same feed: as `floorwatch dash` does
now with the defaults (PRAGMA data_version asked 20 times a second, a commit drawn when it is
noticed, at most five updates a second), with `--fast` as set for the last 100 ms
(`[display] update_gap_s = 0.1`: up to ten), or with `--watching` (`watch_commits = true` and
0.1: woken by the store's -wal as well), and as it did before issue 25 (today's figures: the
poll ten times a second, at most five updates a second);
`--no-baseline` skips today's set, `--baseline-first` runs it first.

Each set is measured alike: before the first, the ingest has read the feed's backlog and one
viewer was started and stopped (the imports and the store in the page cache); in each set every
viewer has drawn its first frame and spent its start-up CPU before the writer starts. The first
set of a run still costs about 30 % more than the same set run second (today's: 169 % first,
116-133 % second): not start-up nor a cold cache, so compare sets run in the same place
(`--baseline-first` swaps them).
"""

from __future__ import annotations

import argparse
import fcntl
import os
import select
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "bench"))

from dash import MECHANISMS, TODAYS_LIVE  # noqa: E402

from floorwatch.sources.simulator import SimConfig, Simulator, day_bounds  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def memory_mb(pid: int, key: str = "VmRSS") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def todays_viewer(db: str, config: str) -> None:
    """`floorwatch dash` as it was before issue 25: the same app, its live floor polling."""
    from floorwatch.config import load
    from floorwatch.modes.dashboard_run import dashboard_app

    app = dashboard_app(db, load(config))
    app.live.poll_s, app.live.min_gap_s = TODAYS_LIVE["poll_s"], TODAYS_LIVE["min_gap_s"]
    app.live.notice.watch = TODAYS_LIVE["watch"]
    app.run()


def settle(pids: int | list[int], what: str, quiet: float = 0.2, limit: float = 60) -> None:
    """Wait until `pids` together use less than `quiet` of a core over half a second."""
    pids = [pids] if isinstance(pids, int) else pids
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        before = sum(cpu_seconds(p) for p in pids)
        time.sleep(0.5)
        if (sum(cpu_seconds(p) for p in pids) - before) / 0.5 < quiet:
            return
    print(f"(still busy after {limit:.0f} s: {what})", file=sys.stderr)


def first_frame(viewers: list[Viewer], limit: float = 120) -> None:
    """Until every viewer has written a screenful (its first frame)."""
    deadline = time.monotonic() + limit
    while any(v.received < 4096 for v in viewers) and time.monotonic() < deadline:
        time.sleep(0.1)


class Viewer:
    """A `floorwatch dash` in a pseudo-terminal, its output read and thrown away (`todays`:
    the viewer as it was before issue 25)."""

    def __init__(self, db: Path, config: Path, todays: bool = False):
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        env = dict(os.environ, TERM="xterm-256color", COLORTERM="truecolor")
        command = [sys.executable, "-m", "floorwatch", "dash", "--db", str(db)]
        if todays:
            command = [sys.executable, __file__, "--todays-viewer", str(db)]
        self.process = subprocess.Popen(
            [*command, "--config", str(config)],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            start_new_session=True,
        )
        os.close(slave)
        self.master = master
        self.received = 0
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        while True:
            try:
                ready, _, _ = select.select([self.master], [], [], 0.5)
                if ready:
                    data = os.read(self.master, 65536)
                    if not data:
                        return
                    self.received += len(data)
            except OSError:
                return

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        os.close(self.master)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--viewers", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--idle-seconds", type=float, default=20)
    parser.add_argument("--rate", type=float, default=100)
    parser.add_argument("--agents", type=int, default=120)
    parser.add_argument("--no-baseline", action="store_true", help="Skip today's set.")
    parser.add_argument(
        "--watching", action="store_true", help="The first set with watch_commits on, gap 0.1."
    )
    parser.add_argument(
        "--fast", action="store_true", help="The first set with update_gap_s = 0.1."
    )
    parser.add_argument("--baseline-first", action="store_true", help="Measure today's set first.")
    parser.add_argument("--todays-viewer", metavar="DB", help=argparse.SUPPRESS)
    parser.add_argument("--config", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.todays_viewer:  # one viewer of today's set, in its pseudo-terminal
        todays_viewer(args.todays_viewer, args.config)
        return
    work = Path(tempfile.mkdtemp(prefix="fw-viewers-"))
    feed, db, config = work / "queue_log", work / "floor.db", work / "floorwatch.toml"
    config.write_text('timezone = "UTC"\n')
    first = "watching" if args.watching else "fast" if args.fast else "defaults"
    if args.watching:
        config.write_text('timezone = "UTC"\n[display]\nwatch_commits = true\nupdate_gap_s = 0.1\n')
    elif args.fast:
        config.write_text('timezone = "UTC"\n[display]\nupdate_gap_s = 0.1\n')
    # A simulated floor, its day laid over today so that its morning is the last hours.
    now = time.time()
    sim = Simulator(SimConfig(agents=args.agents, queues=6, seed=3, start=now))
    day_start, _ = day_bounds(sim)
    offset = now - (day_start + 11 * 3600)  # simulated 11:00 is now
    lines = [
        f"{int(ts + offset)}|{line.split('|', 1)[1]}"
        for ts, line in sim.run_until(day_start + 17 * 3600)
    ]
    split = next(i for i, line in enumerate(lines) if int(line.split("|")[0]) > now)
    feed.write_text("".join(line + "\n" for line in lines[:split]))
    ingest = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "floorwatch",
            "ingest",
            "--db",
            str(db),
            "--config",
            str(config),
            "--poll",
            "0.1",
            f"queue_log:{feed}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    while not db.exists():
        time.sleep(0.1)
    time.sleep(2)
    settle(ingest.pid, "the ingest's backlog")
    # A first viewer started and stopped before any set is measured: the imports and the store
    # are then in the page cache for every set alike (the first set used to pay for it alone).
    warm = Viewer(db, config)
    first_frame([warm])
    warm.stop()
    stop, paused = threading.Event(), threading.Event()
    written = [0]

    def writer() -> None:
        position = split
        with feed.open("a") as out:
            while not stop.is_set() and position < len(lines):
                started = time.monotonic()
                if not paused.is_set():
                    batch = lines[position : position + int(args.rate / 10)]
                    out.write("".join(line + "\n" for line in batch))
                    out.flush()
                    position += len(batch)
                    written[0] += len(batch)
                time.sleep(max(0.0, 0.1 - (time.monotonic() - started)))

    def measure(todays: bool) -> dict:
        """One set of viewers: CPU and memory under the load, then CPU with the feed paused."""
        viewers = [Viewer(db, config, todays) for _ in range(args.viewers)]
        # Start-up (imports, first load) is not the cost of following the floor: every viewer
        # has drawn, and their start-up CPU is spent, before the writer starts.
        first_frame(viewers)
        settle([v.process.pid for v in viewers], "the viewers' start-up", 0.05 * len(viewers))
        paused.clear()
        if not thread.is_alive():
            thread.start()
        time.sleep(2)
        pids = [v.process.pid for v in viewers]
        start_cpu = [cpu_seconds(p) for p in pids]
        ingest_cpu = cpu_seconds(ingest.pid)
        began, events_before = time.monotonic(), written[0]
        print(f"measuring {len(viewers)} viewers for {args.seconds:.0f} s", file=sys.stderr)
        time.sleep(args.seconds)
        elapsed = time.monotonic() - began
        cpu = sum(cpu_seconds(p) - c for p, c in zip(pids, start_cpu, strict=True)) / elapsed
        result = {
            "cpu": cpu,
            "ingest": (cpu_seconds(ingest.pid) - ingest_cpu) / elapsed,
            "rate": (written[0] - events_before) / elapsed,
            "elapsed": elapsed,
            "rss": [memory_mb(p) for p in pids],
            "peak": [memory_mb(p, "VmHWM") for p in pids],
        }
        paused.set()
        time.sleep(3)
        idle_cpu = [cpu_seconds(p) for p in pids]
        time.sleep(args.idle_seconds)
        result["idle"] = [
            (cpu_seconds(p) - c) / args.idle_seconds for p, c in zip(pids, idle_cpu, strict=True)
        ]
        result["alive"] = sum(1 for v in viewers if v.process.poll() is None)
        result["received"] = sum(v.received for v in viewers) / args.viewers
        for viewer in viewers:
            viewer.stop()
        return result

    thread = threading.Thread(target=writer, daemon=True)
    sets = {}
    if args.baseline_first and not args.no_baseline:
        sets["today's"] = measure(True)
    sets[first] = measure(False)
    if not args.no_baseline and not args.baseline_first:
        sets["today's"] = measure(True)
    stop.set()
    thread.join()
    ingest.terminate()
    ingest.wait(timeout=20)
    new = sets[first]
    order = " then ".join(sets)
    print(
        f"viewers:   {args.viewers} x floorwatch dash (120x40 pty), {new['alive']} still running, "
        f"over {args.agents} agents / 6 queues; each set in turn over the same feed ({order})"
    )
    for name, result in sets.items():
        rss, idle = result["rss"], result["idle"]
        print(f"{name}:  {MECHANISMS[name]}")
        print(
            f"  load:    {result['rate']:.0f} events/s appended to the feed for "
            f"{result['elapsed']:.0f} s"
        )
        print(
            f"  CPU:     all viewers together {result['cpu']:.1%} of one core "
            f"({result['cpu'] / args.viewers:.2%} each); ingest {result['ingest']:.1%}  "
            f"(target: viewers < 100 %)"
        )
        print(
            f"  memory:  per viewer RSS {min(rss):.0f}-{max(rss):.0f} MB, peak "
            f"{max(result['peak']):.0f} MB (target < 150 MB)"
        )
        print(
            f"  idle:    a viewer with no new events: {max(idle):.2%} of a core at most, "
            f"{sum(idle) / len(idle):.2%} on average (target < 1 %)"
        )
        print(f"  output:  {result['received'] / 1024:.0f} KiB per viewer over the run")


if __name__ == "__main__":
    main()
