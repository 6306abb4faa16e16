"""Twenty dashboards over one store taking 100 events/s: what they cost the server.

    python bench/viewers.py [--viewers 20] [--seconds 30] [--rate 100]

Each viewer is a real `floorwatch dash` in its own pseudo-terminal (120x40, xterm-256color),
its output drained as a terminal would. One `floorwatch ingest` follows a queue_log that a
writer appends to at `--rate` lines a second (a simulated floor, stamped with the wall clock).
Prints the viewers' total CPU and the ingest's (share of one core), memory per viewer, and then,
with the writer stopped, the CPU of an idle viewer.
Targets (issue 9): 20 viewers under one core together, each under 150 MB, an idle one < 1 %.
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


class Viewer:
    """A `floorwatch dash` in a pseudo-terminal, its output read and thrown away."""

    def __init__(self, db: Path, config: Path):
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        env = dict(os.environ, TERM="xterm-256color", COLORTERM="truecolor")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "floorwatch", "dash", "--db", str(db), "--config", str(config)],
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
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="fw-viewers-"))
    feed, db, config = work / "queue_log", work / "floor.db", work / "floorwatch.toml"
    config.write_text('timezone = "UTC"\n')
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
    stop = threading.Event()
    written = [0]

    def writer() -> None:
        position = split
        with feed.open("a") as out:
            while not stop.is_set() and position < len(lines):
                started = time.monotonic()
                batch = lines[position : position + int(args.rate / 10)]
                out.write("".join(line + "\n" for line in batch))
                out.flush()
                position += len(batch)
                written[0] += len(batch)
                time.sleep(max(0.0, 0.1 - (time.monotonic() - started)))

    viewers = [Viewer(db, config) for _ in range(args.viewers)]
    time.sleep(8)  # start-up: imports, first load
    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    time.sleep(2)
    pids = [v.process.pid for v in viewers]
    start_cpu = [cpu_seconds(p) for p in pids]
    ingest_cpu = cpu_seconds(ingest.pid)
    began, events_before = time.monotonic(), written[0]
    time.sleep(args.seconds)
    elapsed = time.monotonic() - began
    viewer_cpu = sum(cpu_seconds(p) - c for p, c in zip(pids, start_cpu, strict=True)) / elapsed
    ingest_share = (cpu_seconds(ingest.pid) - ingest_cpu) / elapsed
    rate = (written[0] - events_before) / elapsed
    rss = [memory_mb(p) for p in pids]
    peak = [memory_mb(p, "VmHWM") for p in pids]
    stop.set()
    thread.join()
    time.sleep(3)
    idle_cpu = [cpu_seconds(p) for p in pids]
    time.sleep(args.idle_seconds)
    idle = [(cpu_seconds(p) - c) / args.idle_seconds for p, c in zip(pids, idle_cpu, strict=True)]
    alive = sum(1 for v in viewers if v.process.poll() is None)
    for viewer in viewers:
        viewer.stop()
    ingest.terminate()
    ingest.wait(timeout=20)
    print(
        f"viewers:   {args.viewers} x floorwatch dash (120x40 pty), {alive} still running, "
        f"over {args.agents} agents / 6 queues"
    )
    print(f"load:      {rate:.0f} events/s appended to the feed for {elapsed:.0f} s")
    print(
        f"CPU:       all viewers together {viewer_cpu:.1%} of one core "
        f"({viewer_cpu / args.viewers:.2%} each); ingest {ingest_share:.1%}  "
        f"(target: viewers < 100 %)"
    )
    print(
        f"memory:    per viewer RSS {min(rss):.0f}-{max(rss):.0f} MB, peak {max(peak):.0f} MB "
        f"(target < 150 MB)"
    )
    print(
        f"idle:      a viewer with no new events: {max(idle):.2%} of a core at most, "
        f"{sum(idle) / len(idle):.2%} on average (target < 1 %)"
    )
    print(
        f"output:    {sum(v.received for v in viewers) / args.viewers / 1024:.0f} KiB "
        f"per viewer over the run"
    )


if __name__ == "__main__":
    main()
