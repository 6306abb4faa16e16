"""`floorwatch actions`: the audit of supervisor actions read back, as a table and as JSON, with
names from requests shown printable; and `floorwatch ingest` with [control] on, as a process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

from floorwatch.control_protocol import ControlRequest
from floorwatch.snapshot.control_client import ControlClient
from floorwatch.store.action_log import ActionLog, ActionRecord
from tests.helpers import FLOORWATCH, ingest_file, run, wait_for, write_lines


def _row(at: float, **fields) -> ActionRecord:
    base = dict(
        at=at,
        user="sup1",
        uid=1001,
        pid=42,
        action="pause",
        agent="Ana",
        queue=None,
        reason="Break",
        penalty=None,
        extension=None,
        source="pbx",
        ami_action='{"Action": "QueuePause"}',
        outcome="done",
        answer="Interface paused successfully",
    )
    return ActionRecord(**{**base, **fields})


def test_actions_since_lists_the_audit_as_a_table_and_json(tmp_path, samples):
    db = ingest_file(tmp_path / "floor.db", samples / "asterisk22_three_queues.queue_log")
    now = time.time()
    log = ActionLog(db)
    log.record(_row(now - 3 * 86400, agent="Old"))  # outside --since 1d
    log.record(_row(now - 60))
    log.record(
        _row(
            now - 30,
            action="remove",
            queue="vip",
            reason=None,
            outcome="failed",
            answer="Unable to remove interface: Not there",
        )
    )
    log.record(
        _row(
            now - 10,
            user="mallory",
            agent="Ana\x1b]52;c;x\x07",
            outcome="refused",
            answer="mallory is not in the control group (supervisors)",
        )
    )
    log.close()
    table = run("actions", "--db", str(db), "--since", "1d")
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert "Old" not in table.stdout
    assert [w for w in lines[0].split()] == ["when", "who", "what", "outcome", "answer"]
    assert "sup1" in lines[1] and "pause Ana reason Break" in lines[1] and "done" in lines[1]
    assert "remove Ana queue vip" in lines[2] and "failed" in lines[2]
    assert "\x1b" not in table.stdout and "Ana␛]52;c;x␇" in table.stdout
    data = json.loads(run("actions", "--db", str(db), "--since", "1d", "--json").stdout)
    assert [a["outcome"] for a in data["actions"]] == ["done", "failed", "refused"]
    assert data["actions"][2]["agent"] == "Ana\x1b]52;c;x\x07"  # JSON keeps it as it was
    assert data["actions"][0]["user"] == "sup1" and data["actions"][0]["uid"] == 1001
    empty = run("actions", "--db", str(db), "--since", "1s")
    assert empty.stdout.strip() == "no supervisor actions in the last 1s"
    missing = run("actions", "--db", str(tmp_path / "nope.db"))
    assert missing.returncode == 2 and missing.stderr.startswith("floorwatch: error: ")


def test_floorwatch_ingest_opens_the_socket_refuses_without_ami_and_removes_it(tmp_path):
    feed = write_lines(tmp_path / "queue_log", ["1795530000|MANAGER|orders|Ana|ADDMEMBER|"])
    config = tmp_path / "floorwatch.toml"
    config.write_text('database = "floor.db"\ntimezone = "UTC"\n[control]\nenabled = true\n')
    db, socket = tmp_path / "floor.db", tmp_path / "floor.db.control"
    ingest = subprocess.Popen(
        [*FLOORWATCH, "ingest", "--config", str(config), f"queue_log:{feed}", "--no-burnout"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(lambda: socket.exists() or ingest.poll() is not None, what="the socket")
        assert oct(os.stat(socket).st_mode & 0o777) == "0o660"
        reply = ControlClient(socket).send(ControlRequest("pause", "Ana", reason="Break"))
        assert (
            reply.message == "refused: this ingest has no AMI source: actions need an ami: source"
        )
    finally:
        ingest.send_signal(signal.SIGTERM)
        ingest.wait(timeout=30)
    assert ingest.returncode == 0, ingest.stderr
    assert not socket.exists()
    audit = json.loads(run("actions", "--db", str(db), "--json").stdout)["actions"]
    assert [(a["action"], a["outcome"]) for a in audit] == [("pause", "refused")]
