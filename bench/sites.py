"""Many sites, one replica (issue 22): how fast, how late, and what a replica's viewer sees.

    python bench/sites.py [--sites 5] [--copies 40] [--busy-rate 500] [--seconds 20]

A real `nats-server -js` on a free port. Each site is a real `floorwatch ingest` subprocess
with [[publish]] reading the real Asterisk capture tiled (tests/helpers.py, real-shaped data).

1. Backfill: every site loads `--copies` tiles (40: about 24k lines, a busy day) with `--once`,
   all at once; then one replica `floorwatch ingest --once nats:...?sites=...` takes them all.
   In the same run, the baseline: nats-py alone publishes the very payloads read back from the
   stream to a second stream BARE (`bare.>`, publish_async in rounds of 2000 with message ids,
   as the publisher does) and consumes them with one pull consumer fetching 2000 at a time.
2. Busy: on a fresh server, every site follows a file this bench appends to (`--busy-rate`
   lines/s over all sites, timestamped now) for `--seconds`, and one replica follows them all.
   A thread polls every store every 5 ms (read-only: the seq and the events so far, per site on
   the replica); the k-th event of a site on its store and the k-th from that site on the replica
   give site-commit -> replica-commit. A viewer is the dashboard's own LiveFloor (its usual
   poll_s 0.1, at most 5 updates/s): one on the replica and one on a site store, the same code
   both sides; an event counts as seen when an update built from its commit's seq is out.
   The appending starts once the replica's feed health says connected for every site.
Issue 22 asks for these figures beside their baselines; the dashboard's usual time, the site
viewer's figure, follows LiveFloor's cadence (data_version polled every 0.1 s, a frame at most every 0.2 s).
Everything (5 sites, their writers, the replica, nats-server, this bench) shares this machine's
cores, so the figures are of a loaded machine.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.helpers import FLOORWATCH, count_events, tiled_capture, wait_for  # noqa: E402
from tests.nats_server import NatsServer  # noqa: E402

BATCH = 2000


def ingest(work: Path, name: str, toml: str, *args: str) -> subprocess.Popen:
    """`floorwatch ingest` with its own floorwatch.toml, as a site or the replica runs it."""
    config = work / f"{name}.toml"
    config.write_text(f'database = "{work / name}.db"\ntimezone = "UTC"\n{toml}')
    command = [*FLOORWATCH, "ingest", "--config", str(config), "--no-progress", *args]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL)


def start_site(work: Path, name: str, url: str, *options: str) -> subprocess.Popen:
    toml = f'[[publish]]\nsite = "{name}"\nservers = ["{url}"]\n'
    return ingest(work, name, toml, *options, f"queue_log:{work / name}.log")


def replica(work: Path, url: str, sites: list[str], *options: str) -> subprocess.Popen:
    return ingest(work, "replica", "", *options, f"nats:{url}/FLOORWATCH?sites={','.join(sites)}")


def finished(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.wait() != 0:
            raise SystemExit(f"{' '.join(process.args)} failed (exit status {process.returncode})")


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def bare_loop(url: str) -> tuple[int, float, float]:
    """The stream's payloads read back (not timed), then published to BARE and consumed."""
    import nats
    from nats.js.api import AckPolicy, ConsumerConfig, StreamConfig

    client = await nats.connect(url)
    js = client.jetstream(timeout=10)
    total = (await js.stream_info("FLOORWATCH")).state.messages
    reading = ConsumerConfig(ack_policy=AckPolicy.NONE)
    source = await js.pull_subscribe("floorwatch.events.>", stream="FLOORWATCH", config=reading)
    messages: list[tuple[str, bytes, str]] = []
    while len(messages) < total:
        for message in await source.fetch(BATCH, timeout=5):
            site = message.subject.rsplit(".", 1)[1]
            messages.append((f"bare.{site}", message.data, message.headers["Nats-Msg-Id"]))
    await source.unsubscribe()
    await js.add_stream(StreamConfig(name="BARE", subjects=["bare.>"], duplicate_window=120))
    started = time.perf_counter()
    for first in range(0, len(messages), BATCH):
        futures = [
            await js.publish_async(subject, data, headers={"Nats-Msg-Id": msg_id})
            for subject, data, msg_id in messages[first : first + BATCH]
        ]
        await asyncio.gather(*futures)
    published = time.perf_counter()
    config = ConsumerConfig(durable_name="bare", ack_policy=AckPolicy.ALL, max_ack_pending=-1)
    await js.add_consumer("BARE", config)
    consumer = await js.pull_subscribe_bind("bare", "BARE")
    got = 0
    while got < len(messages):
        batch = await consumer.fetch(BATCH, timeout=5)
        got += len(batch)
        await batch[-1].ack()
    consumed = time.perf_counter()
    await client.close()
    return total, len(messages) / (published - started), got / (consumed - published)


def backfill(work: Path, sites: list[str], copies: int) -> None:
    server = NatsServer(work / "nats").start()
    processes: list[subprocess.Popen] = []
    try:
        lines = tiled_capture(copies)
        for site in sites:
            (work / f"{site}.log").write_text("".join(line + "\n" for line in lines))
        started = time.perf_counter()
        processes = [start_site(work, name, server.url, "--once") for name in sites]
        finished(processes)
        sites_s = time.perf_counter() - started
        stored = sum(count_events(work / f"{site}.db") for site in sites)
        started = time.perf_counter()
        processes.append(replica(work, server.url, sites, "--once"))
        finished(processes[-1:])
        replica_s = time.perf_counter() - started
        total = count_events(work / "replica.db")
        on_bus, bare_publish, bare_consume = asyncio.run(bare_loop(server.url))
    finally:
        stop(processes)
        server.stop()
    print(
        f"backfill:  {len(sites)} sites x {len(lines):,} lines: {stored:,} events in the "
        f"sites, {on_bus:,} on the bus"
    )
    print(
        f"sites:     {sites_s:.1f} s for all {len(sites)} at once (ingest + publish, "
        f"start-up included): {stored / sites_s:,.0f} events/s; bare publish "
        f"{bare_publish:,.0f} events/s ({stored / sites_s / bare_publish:.0%} of it)"
    )
    rate = total / replica_s
    print(
        f"replica:   {total:,} events in {replica_s:.1f} s: {rate:,.0f} events/s, start-up "
        f"included; bare consume {bare_consume:,.0f} events/s (floorwatch/bare {rate / bare_consume:.0%})"
    )


class Watch(threading.Thread):
    """Polls stores read-only every 5 ms: (time, seq, events so far[, per site]) on change."""

    def __init__(self, dbs: dict[str, Path], stop_event: threading.Event):
        super().__init__(daemon=True)
        self.dbs, self.stop_event = dbs, stop_event
        self.seen: dict[str, list[tuple[float, int, int, dict[str, int]]]] = {n: [] for n in dbs}

    def run(self) -> None:
        conns: dict[str, sqlite3.Connection] = {}
        while not self.stop_event.is_set():
            for name, db in self.dbs.items():
                try:
                    if name not in conns:
                        conns[name] = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
                    self._poll(name, conns[name])
                except sqlite3.Error:
                    conns.pop(name, None)
            time.sleep(0.005)

    def _poll(self, name: str, conn: sqlite3.Connection) -> None:
        records = self.seen[name]
        conn.execute("BEGIN")
        try:
            seq = int(conn.execute("SELECT value FROM meta WHERE key = 'seq'").fetchone()[0])
            if records and records[-1][1] == seq:
                return
            top = conn.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0]
            rows = conn.execute(
                "SELECT o.name, count(*) FROM events e JOIN origins o ON o.id = e.origin "
                "GROUP BY o.name"
            ).fetchall()
        finally:
            conn.execute("COMMIT")
        sites = {origin.rsplit(":", 1)[-1]: count for origin, count in rows}
        records.append((time.monotonic(), seq, top, sites))


def first_times(records, count_of) -> list[float]:
    """The time each event (by its number, from 0) was first seen."""
    times: list[float] = []
    for record in records:
        times += [record[0]] * max(0, count_of(record) - len(times))
    return times


def viewer_lags(records, views: list[tuple[float, int]]) -> list[float]:
    """Commit -> a viewer's update built from that commit (or a later one)."""
    commits = first_times(records, lambda r: r[2])
    seqs, tops = [r[1] for r in records], [r[2] for r in records]
    shown: list[float] = []
    for at, seq in views:
        index = bisect.bisect_right(seqs, seq) - 1
        if index >= 0:
            shown += [at] * max(0, tops[index] - len(shown))
    return [s - c for s, c in zip(shown, commits, strict=False)]


def start_viewer(db: Path, stop_event: threading.Event) -> list[tuple[float, int]]:
    from floorwatch.config import Config
    from floorwatch.snapshot.live import LiveFloor

    views: list[tuple[float, int]] = []

    class Viewer(LiveFloor):
        def update(self, reader):
            result = super().update(reader)
            views.append((time.monotonic(), reader._seq))
            return result

    viewer = Viewer(db, Config(timezone="UTC"))
    threading.Thread(target=viewer.run, args=(lambda _: None, stop_event), daemon=True).start()
    return views


def figures(lags: list[float]) -> str:
    if len(lags) < 2:
        return "no events"
    ms = sorted(lag * 1000 for lag in lags)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    return f"median {statistics.median(ms):.0f} ms, p95 {p95:.0f} ms, max {ms[-1]:.0f} ms"


def connected(db: Path) -> int:
    """How many of the replica's feeds say connected (feed health)."""
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            query = "SELECT count(*) FROM sources WHERE name LIKE 'nats:%' AND status = 'connected'"
            return conn.execute(query).fetchone()[0]
    except sqlite3.Error:
        return 0


def busy(work: Path, sites: list[str], rate: float, seconds: float) -> None:
    server = NatsServer(work / "nats").start()
    each = rate / len(sites)
    need = int(each * seconds) + 1
    feeds = {site: tiled_capture(need // 607 + 1)[:need] for site in sites}
    processes: list[subprocess.Popen] = []
    halt = threading.Event()
    try:
        for site in sites:
            (work / f"{site}.log").write_text("")
        processes = [start_site(work, name, server.url) for name in sites]
        processes.append(replica(work, server.url, sites))
        dbs = {site: work / f"{site}.db" for site in sites} | {"replica": work / "replica.db"}
        wait_for(lambda: all(db.exists() for db in dbs.values()), 60, "the stores")
        watch = Watch(dbs, halt)
        watch.start()
        views = {name: start_viewer(dbs[name], halt) for name in ("replica", sites[0])}
        wait_for(lambda: connected(dbs["replica"]) == len(sites), 60, "the replica to connect")
        time.sleep(1.0)  # the site publishers connect, the viewers load their floor
        started, written = time.monotonic(), 0
        files = {site: (work / f"{site}.log").open("a") for site in sites}
        while (elapsed := time.monotonic() - started) < seconds:
            due = min(need, int(elapsed * each) + 1)
            now = str(int(time.time()))
            for site in sites:
                tail = feeds[site][written:due]
                files[site].write("".join(now + ln[ln.index("|") :] + "\n" for ln in tail))
                files[site].flush()
            written = due
            time.sleep(0.02)
        for handle in files.values():
            handle.close()
        records = watch.seen

        def caught_up() -> bool:
            wanted = [(records[s] or [(0, 0, 0, {})])[-1][2] for s in sites]
            got = (records["replica"] or [(0, 0, 0, {})])[-1][3]
            return all(got.get(s, 0) >= n > 0 for s, n in zip(sites, wanted, strict=True))

        wait_for(caught_up, 60, "the replica to catch up")
        time.sleep(1.0)  # the viewers' last updates
    finally:
        halt.set()
        stop(processes)
        server.stop()
    lags, total = [], 0
    for site in sites:
        at_site = first_times(records[site], lambda r: r[2])
        at_replica = first_times(records["replica"], lambda r, s=site: r[3].get(s, 0))
        total += len(at_site)
        lags += [r - s for s, r in zip(at_site, at_replica, strict=False)]
    print(
        f"busy:      {len(sites)} sites following, {total:,} events in {seconds:.0f} s "
        f"({total / seconds:,.0f}/s; asked {rate:,.0f}/s), one replica following"
    )
    print(f"latency:   site commit -> replica commit: {figures(lags)} ({len(lags):,} events)")
    for name in ("replica", sites[0]):
        lag = viewer_lags(records[name], views[name])
        label = "the replica" if name == "replica" else f"site {name}"
        print(f"viewer:    commit -> LiveFloor update on {label}: {figures(lag)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sites", type=int, default=5)
    parser.add_argument("--copies", type=int, default=40, help="Tiles of the capture per site.")
    parser.add_argument("--busy-rate", type=float, default=500, help="Lines/s over all sites.")
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    sites = [f"s{n}" for n in range(1, args.sites + 1)]
    with tempfile.TemporaryDirectory(prefix="fw-sites-") as work:
        (Path(work) / "backfill").mkdir()
        (Path(work) / "busy").mkdir()
        backfill(Path(work) / "backfill", sites, args.copies)
        busy(Path(work) / "busy", sites, args.busy_rate, args.seconds)


if __name__ == "__main__":
    main()
