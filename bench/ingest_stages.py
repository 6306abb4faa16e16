"""Where the ingest's time goes, per event and per stage, on both loads of bench/ingest.py.

    python bench/ingest_stages.py [--events N] [--load both|simulated|real-shaped]

The stages of `floorwatch ingest --once`, run one after the other in this one process on the
same feed (bench/ingest.py writes or tiles it), each timed on its own:

- decode: the file's bytes, in the tail's 256 KiB chunks cut at a line end, to text lines;
- split:  `line.split("|")` alone (parse does it again: printed to show what parse adds);
- parse:  `queue_log.parse_line` for every line (split + checks + the Event and its data);
- derive: `Deriver.apply` per chunk and `take_changes` per commit of 20,000 events;
- stage:  the commit as plain data (`BatchRows.of`, `Commit`);
- pickle: the commit as the writer process receives it (`store.writer.send`);
- write:  the writer's `CommitWriter.apply` into a fresh store, split into its events and its
  derived rows; and the derived rows counted per table (rows written, against rows kept at
  the end: a row written more than once was rewritten by a later commit).

In the real ingest the ingest process does decode..pickle and the writer process does the
write, side by side; so the slower of those two sums bounds the rate. Figures are
microseconds per event, each stage's best of --rounds passes over the whole feed (one pass
is the ingest's work in order: a chunk is decoded, parsed, staged and derived; every 20,000
events a commit is taken, pickled and written).
"""

from __future__ import annotations

import argparse
import gc
import io
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import ingest as ingest_bench  # noqa: E402

CHUNK_BYTES = 1 << 18
EVENTS_PER_COMMIT = 20_000


def chunks(data: bytes) -> list[bytes]:
    """The file cut as the tail reads it: about CHUNK_BYTES each, ending at a line end."""
    out, start = [], 0
    while start < len(data):
        end = data.rfind(b"\n", start, start + CHUNK_BYTES) + 1 or len(data)
        if end <= start:
            end = data.index(b"\n", start) + 1
        out.append(data[start:end])
        start = end
    return out


class Stopwatch:
    """Seconds spent per stage, added up over a run."""

    def __init__(self) -> None:
        self.seconds: Counter = Counter()
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.seconds[stage] += now - self._last
        self._last = now


def run_once(feed: Path) -> tuple[Counter, int, Counter, Counter]:
    """One pass over the feed as the ingest makes it, a chunk at a time, each stage timed.

    The garbage collector is set as the ingest sets it (pipeline.Ingest.run), and nothing is
    kept between commits, so memory behaves as in the ingest."""
    from floorwatch.sources.base import Batch
    from floorwatch.sources.queue_log import parse_line
    from floorwatch.store.commit import CommitWriter, configure_writer
    from floorwatch.store.commit_rows import BatchRows, Commit
    from floorwatch.store.database import Store
    from floorwatch.store.derive import Changes, Deriver
    from floorwatch.store.writer import send

    raw_chunks = chunks(feed.read_bytes())
    written, kept = Counter(), Counter()
    tables = ("calls", "agents", "agent_states", "pauses", "memberships", "misses")
    events_total = 0
    thresholds = gc.get_threshold()
    gc.set_threshold(200_000, 50, 100)
    with tempfile.TemporaryDirectory(dir=ingest_bench.CACHE) as work:
        path = str(Path(work) / "stages.db")
        Store.open(path).close()  # the schema
        conn = sqlite3.connect(path, isolation_level=None)
        configure_writer(conn)
        writer = CommitWriter(conn)
        deriver = Deriver()
        staged: list[BatchRows] = []
        in_commit = 0
        clock = Stopwatch()

        def commit() -> None:
            changes = deriver.take_changes()
            whole = Commit(staged, changes)
            clock.lap("derive")
            buffer = io.BytesIO()
            send(buffer, whole)
            clock.lap("pickle")
            writer.apply(Commit(staged, Changes()), now=0.0)
            clock.lap("write events")
            writer.apply(Commit([], changes), now=0.0)
            clock.lap("write derived")
            for table in tables:
                written[table] += len(getattr(changes, table))

        for chunk in raw_chunks:
            clock.lap("other")
            lines = chunk.decode("utf-8").split("\n")
            lines.pop()
            clock.lap("decode")
            for line in lines:
                line.split("|")
            clock.lap("split")
            events = [parse_line(line, "bench") for line in lines]
            clock.lap("parse")
            rows = BatchRows.of(Batch("bench", "queue_log", events, lines=lines))
            clock.lap("stage")
            deriver.apply(events)
            clock.lap("derive")
            staged.append(rows)
            events_total += len(events)
            in_commit += len(events)
            if in_commit >= EVENTS_PER_COMMIT:
                commit()
                staged, in_commit = [], 0
        if staged:
            commit()
        for table in tables:
            kept[table] = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        conn.close()
    gc.set_threshold(*thresholds)
    return clock.seconds, events_total, written, kept


def stages(feed: Path, rounds: int) -> tuple[dict[str, float], int, Counter, Counter]:
    """Each stage's best over `rounds` passes."""
    passes = [run_once(feed) for _ in range(rounds)]
    order = ("decode", "split", "parse", "derive", "stage", "pickle", "write events")
    seconds = {stage: min(p[0][stage] for p in passes) for stage in (*order, "write derived")}
    _, events, written, kept = passes[-1]
    return seconds, events, written, kept


def report(name: str, feed: Path, rounds: int) -> None:
    seconds, events, written, kept = stages(feed, rounds)
    per = {stage: value / events * 1e6 for stage, value in seconds.items()}
    ingest_side = sum(per[s] for s in ("decode", "parse", "derive", "stage", "pickle"))
    writer_side = per["write events"] + per["write derived"]
    print(f"== {name}: {events:,} events ({feed.name})")
    for stage, value in per.items():
        note = " (inside parse)" if stage == "split" else ""
        print(f"  {stage:14s} {value:6.2f} us/event{note}")
    print(
        f"  ingest side {ingest_side:.2f} us/event (decode+parse+derive+stage+pickle), "
        f"writer side {writer_side:.2f} us/event: at best {1e6 / max(ingest_side, writer_side):,.0f}"
        " events/s when the two run side by side"
    )
    rows = ", ".join(
        f"{table} {written[table]:,} written / {kept[table]:,} kept" for table in written
    )
    print(f"  derived rows: {rows}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--load", choices=("both", "simulated", "real-shaped"), default="both", help="Which feed."
    )
    args = parser.parse_args()
    for name, _, feed in ingest_bench.feeds(args.events, args.load):
        report(name, feed, args.rounds)


if __name__ == "__main__":
    main()
