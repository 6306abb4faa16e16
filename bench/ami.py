"""AMI throughput: a loopback server streams recorded events as fast as it can.

    python bench/ami.py [--copies N]

The stream is the real three-queue capture (../shared/samples/asterisk22_three_queues.ami.log,
4,810 blocks, unfiltered Local-channel plumbing included) repeated N times with its Uniqueids
made distinct per copy, so every copy is new calls. A server process (tests/ami_server.py)
answers the login and QueueStatus, then sends the whole stream and closes. The pipeline is
`floorwatch ingest --once ami:...` in a subprocess: framing, parsing, mapping, the store and
its derived tables. Same run, same machine: `floorwatch ingest --once queue_log:...` on the
same run's queue_log repeated the same way.

Target (issue 10): at least 50,000 AMI events/s through the whole pipeline.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SAMPLES = ROOT.parent / "shared" / "samples"


def repeated_stream(copies: int) -> tuple[bytes, int]:
    """The capture `copies` times over with distinct call ids; and its number of blocks."""
    data = (SAMPLES / "asterisk22_three_queues.ami.log").read_bytes()
    body = data[data.index(b"\r\n\r\n") + 4 :]  # without the recorded login answer
    pieces = [body.replace(b"niqueid: ", b"niqueid: %d-" % n) for n in range(copies)]
    stream = b"".join(pieces)
    return stream, stream.count(b"\r\n\r\n")


def repeated_queue_log(path: Path, copies: int) -> int:
    lines = (SAMPLES / "asterisk22_three_queues.queue_log").read_text().splitlines()
    span = int(lines[-1].split("|")[0]) - int(lines[0].split("|")[0]) + 60
    written = 0
    with path.open("w") as out:
        for n in range(copies):
            for line in lines:
                ts, call_id, rest = line.split("|", 2)
                if call_id not in ("NONE", "MANAGER"):
                    call_id = f"{n}-{call_id}"
                out.write(f"{int(ts) + n * span}|{call_id}|{rest}\n")
                written += 1
    return written


def serve(copies: int, ready, port_value) -> None:
    """The server process: holds the stream, serves one connection, then exits."""
    from tests.ami_server import AmiServer, FloorTracker

    stream, _ = repeated_stream(copies)
    idle = FloorTracker().status_reply
    server = AmiServer(stream, status_reply=idle, close_at_end=True, chunk=1 << 20)
    port_value.value = server.port
    ready.set()
    server.finished.wait()
    time.sleep(1)
    server.close()


def ingest(spec: str, db: Path, env: dict) -> tuple[float, float, str]:
    """`floorwatch ingest --once` in a subprocess: seconds, peak RSS (MB), its summary line."""
    began = time.perf_counter()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "floorwatch",
            "ingest",
            "--once",
            "--no-progress",
            "--no-burnout",
            "--db",
            str(db),
            spec,
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out, err = process.stdout.read(), process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)  # this process's own peak, not the server's
    elapsed = time.perf_counter() - began
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"ingest failed: {err.strip()}")
    return elapsed, usage.ru_maxrss / 1024, out.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--copies", type=int, default=40)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="fw-ami-"))
    stream, blocks = repeated_stream(args.copies)
    del stream
    env = {**os.environ, "FLOORWATCH_AMI_SECRET": "s3cret-for-tests", "PYTHONPATH": str(ROOT)}

    ready, port = multiprocessing.Event(), multiprocessing.Value("i", 0)
    server = multiprocessing.Process(target=serve, args=(args.copies, ready, port))
    server.start()
    ready.wait(60)
    ami_db = work / "ami.db"
    ami_s, ami_peak, ami_line = ingest(f"ami:driver@127.0.0.1:{port.value}", ami_db, env)
    server.join(10)
    with sqlite3.connect(ami_db) as conn:
        stored = conn.execute("SELECT count(*) FROM events").fetchone()[0]
        calls = conn.execute("SELECT count(*) FROM calls").fetchone()[0]

    log = work / "queue_log"
    lines = repeated_queue_log(log, args.copies)
    ql_s, ql_peak, ql_line = ingest(f"queue_log:{log}", work / "ql.db", env)

    print(
        f"stream:    the real capture x{args.copies}: {blocks:,} AMI blocks "
        f"({blocks / args.copies:,.0f} per copy), {calls:,} calls"
    )
    print(
        f"AMI:       {ami_s:.2f} s end to end (process start to exit): "
        f"{blocks / ami_s:,.0f} AMI events/s, {stored / ami_s:,.0f} canonical events/s stored "
        f"({stored:,}); peak RSS {ami_peak:.0f} MB (target >= 50,000 AMI events/s)"
    )
    print(f"           ingest said: {ami_line}")
    print(
        f"queue_log: {ql_s:.2f} s for the same run's queue_log x{args.copies} ({lines:,} lines):"
        f" {lines / ql_s:,.0f} events/s; peak RSS {ql_peak:.0f} MB"
    )
    print(f"           ingest said: {ql_line}")


if __name__ == "__main__":
    main()
