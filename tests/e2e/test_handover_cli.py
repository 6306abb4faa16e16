"""`floorwatch handover` (issue 24) as a subprocess: the file it writes holds the numbers
`floorwatch snapshot --json` prints for the same instant; bad flags and stores are one line."""

from __future__ import annotations

import json

from floorwatch.config import load
from floorwatch.format import percent
from tests.functional.test_handover import queue_rows
from tests.helpers import EXAMPLE_CONFIG, SAMPLE_END, ingest_file, run


def test_handover_command_writes_the_file(samples, tmp_path):
    sample_db = ingest_file(
        tmp_path / "floor.db", samples / "asterisk22_three_queues.queue_log", load(EXAMPLE_CONFIG)
    )
    out = tmp_path / "shift.md"
    done = run(
        "handover",
        "--db",
        str(sample_db),
        "--config",
        str(EXAMPLE_CONFIG),
        "--at",
        str(SAMPLE_END),
        "--since",
        "8h",
        "--out",
        str(out),
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"handover written to {out}"
    snapshot = run(
        "snapshot",
        "--db",
        str(sample_db),
        "--config",
        str(EXAMPLE_CONFIG),
        "--at",
        str(SAMPLE_END),
        "--json",
    )
    floor = json.loads(snapshot.stdout)
    rows = queue_rows(out.read_text())
    for queue in floor["queues"].values():
        assert rows[queue["display_name"]][5] == percent(queue["windows"]["today"]["service_level"])
    bad = run("handover", "--db", str(sample_db), "--since", "soon")
    assert bad.returncode == 2 and bad.stderr.startswith("floorwatch: error: 'soon'")
    missing = run("handover", "--db", str(tmp_path / "none.db"))
    assert missing.returncode == 2 and "no such database" in missing.stderr
