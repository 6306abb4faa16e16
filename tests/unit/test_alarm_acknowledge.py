"""An alarm acknowledged for every viewer: the request over the real control socket of a real
ingest (a file feed, no AMI source: acknowledging needs no PBX), the alarm row and the audit
row written together, what a viewer and `floorwatch alarms` then read, refusals, and the hooks
that stop repeating an alarm somebody has taken."""

from __future__ import annotations

import json
import os
import pwd
from pathlib import Path

import pytest

from floorwatch.alarm_config import NotifyHook
from floorwatch.config import from_table
from floorwatch.control_protocol import ACKNOWLEDGE, MAX_NAME, ControlRequest, problem
from floorwatch.ingest.alarm_notify import HookWorker, Notifier, slack_text
from floorwatch.modes.feeds import FeedSpec
from floorwatch.snapshot.control_client import ControlClient
from floorwatch.snapshot.live import LiveFloor
from floorwatch.store.action_log import ActionLog, ActionRecord
from floorwatch.store.database import Store
from tests.helpers import RunningIngest, run, wait_for, write_lines
from tests.unit.test_alarms import Floor
from tests.unit.test_alarms import config as alarm_rules

NOW = 1795530000
ALARMS = {
    "alarms": {
        "rules": {
            "calls_waiting": {"threshold": 2, "min_duration_s": 0, "clear_after_s": 0},
            "feed_quiet": {"enabled": False},
            "no_agent_free": {"enabled": False},
            "oldest_wait": {"enabled": False},
        }
    }
}


def waiting_lines() -> list[str]:
    return [
        f"{NOW - 900}|MANAGER|sales|Ana|ADDMEMBER|",
        f"{NOW - 100}|c1|sales|NONE|ENTERQUEUE||5551230001|1",
        f"{NOW - 50}|c2|sales|NONE|ENTERQUEUE||5551230002|2",
    ]


def me() -> str:
    return pwd.getpwuid(os.getuid()).pw_name


@pytest.mark.parametrize(
    ("request_fields", "why"),
    [
        (dict(alarm=3), "name is missing"),
        (dict(alarm=3, name="x" * (MAX_NAME + 1)), f"name is longer than {MAX_NAME}"),
        (dict(alarm=3, name="Ana", note="on it\r\nAction: Logoff"), "note holds a control"),
        (dict(alarm=3, name="Ana\u202e"), "name holds a control"),
        (dict(alarm="3", name="Ana"), "alarm must be the alarm's number"),
        (dict(alarm=True, name="Ana"), "alarm must be the alarm's number"),
        (dict(alarm=0, name="Ana"), "alarm must be the alarm's number"),
        (dict(alarm=3, name="Ana", agent="Ben"), "agent does not go with acknowledge"),
    ],
)
def test_an_acknowledgement_is_checked_before_it_is_sent(request_fields, why):
    fields = {"agent": "", **request_fields}
    assert why in (problem(ControlRequest(ACKNOWLEDGE, **fields)) or "")


def test_other_actions_take_no_alarm_fields():
    assert problem(ControlRequest("pause", "Ana", alarm=3)) == "alarm goes only with acknowledge"
    assert problem(ControlRequest(ACKNOWLEDGE, "", alarm=3, name="Ana", note="on it")) is None


@pytest.fixture
def floor(tmp_path: Path):
    """A real ingest following a queue_log file with two callers waiting (an alarm raised),
    its control socket open and no AMI source."""
    feed = write_lines(tmp_path / "queue_log", waiting_lines())
    ingest = RunningIngest(tmp_path, [FeedSpec(f"queue_log:{feed}", "pbx")], settings=ALARMS)
    config = from_table({"timezone": "UTC", **ALARMS})
    wait_for(lambda: _open_alarms(ingest.db), what="the calls-waiting alarm")
    yield ingest, config
    ingest.close()


def _open_alarms(db: Path) -> list:
    try:
        with Store.open_readonly(db) as store:
            return store.queries.open_alarms()
    except Exception:
        return []


def test_an_acknowledgement_reaches_the_alarm_the_audit_viewers_and_the_cli(floor):
    ingest, config = floor
    (alarm,) = _open_alarms(ingest.db)
    viewer = LiveFloor(ingest.db, config, clock=lambda: NOW)
    reader = viewer.open()
    before = viewer.update(reader)
    assert [a.acked_by for a in before.alarms] == [None]

    reply = ingest.send(action=ACKNOWLEDGE, agent="", alarm=alarm.id, name="Dana", note="on it")
    assert reply.ok, reply.message
    assert reply.message == f"alarm {alarm.id} ({alarm.summary}) acknowledged as Dana"

    (row,) = _open_alarms(ingest.db)
    assert (row.acked_by, row.ack_note) == ("Dana", "on it")
    assert row.acked_ts is not None and row.cleared_ts is None
    (audit,) = ingest.audit()
    assert audit["action"] == ACKNOWLEDGE and audit["alarm_id"] == alarm.id
    assert (audit["user"], audit["outcome"], audit["reason"]) == (me(), "done", "on it")
    assert audit["answer"] == f"as Dana: {alarm.summary}" and audit["id"] == reply.audit_id

    # A viewer sees it on its next poll (the acknowledgement moved the store's seq).
    (seen,) = viewer.update(reader).alarms
    assert (seen.acked_by, seen.ack_note, seen.acknowledgement()) == (
        "Dana",
        "on it",
        "ack Dana: on it",
    )

    # Taken again by someone else: the last name stands, and the reply says whose it was.
    again = ingest.send(action=ACKNOWLEDGE, agent="", alarm=alarm.id, name="Eve")
    assert again.ok and again.message.endswith("acknowledged as Eve (was Dana's)")

    reader.store.close()
    # The ingest raised it at its own clock's time (the feed's lines are older).
    window = ("--db", str(ingest.db), "--at", str(int(alarm.raised_ts) + 60), "--since", "1h")
    listed = run("alarms", *window, "--json")
    assert listed.returncode == 0, listed.stderr
    (shown,) = json.loads(listed.stdout)["alarms"]
    assert (shown["acked_by"], shown["ack_note"], shown["id"]) == ("Eve", None, alarm.id)
    table = run("alarms", *window)
    assert "Eve" in table.stdout
    actions = run("actions", "--db", str(ingest.db), "--since", "3650d")
    assert f"acknowledge alarm {alarm.id} note on it" in actions.stdout, actions.stdout


def test_refusals_are_one_line_and_audited(floor):
    ingest, _ = floor
    (alarm,) = _open_alarms(ingest.db)
    unknown = ingest.send(action=ACKNOWLEDGE, agent="", alarm=alarm.id + 50, name="Dana")
    assert not unknown.ok and unknown.message == f"refused: there is no alarm {alarm.id + 50}"

    crafted = ControlClient(ingest.socket).send_line(
        json.dumps(
            {"action": ACKNOWLEDGE, "alarm": alarm.id, "name": "Dana", "note": "a\nAction: x"}
        ).encode()
    )
    assert not crafted.ok and crafted.message == "refused: note holds a control character"
    assert _open_alarms(ingest.db)[0].acked_by is None  # neither touched the alarm

    audit = ingest.audit()
    assert [(row["outcome"], row["alarm_id"]) for row in audit] == [
        ("refused", alarm.id + 50),
        ("refused", alarm.id),
    ]
    assert audit[0]["answer"] == f"there is no alarm {alarm.id + 50}"


def test_an_ingest_that_does_not_allow_it_refuses(tmp_path):
    feed = write_lines(tmp_path / "queue_log", waiting_lines())
    ingest = RunningIngest(
        tmp_path, [FeedSpec(f"queue_log:{feed}", "pbx")], {"actions": ["pause"]}, ALARMS
    )
    try:
        wait_for(lambda: _open_alarms(ingest.db), what="the alarm")
        (alarm,) = _open_alarms(ingest.db)
        reply = ingest.send(action=ACKNOWLEDGE, agent="", alarm=alarm.id, name="Dana")
        assert reply.message == "refused: acknowledge is not allowed here ([control])"
        assert _open_alarms(ingest.db)[0].acked_by is None
        # And a PBX action on this ingest says why it cannot be done.
        pause = ingest.send(action="pause", agent="Ana")
        assert (
            pause.message == "refused: this ingest has no AMI source: actions need an ami: source"
        )
    finally:
        ingest.close()


def test_hooks_stop_repeating_a_taken_alarm_and_say_who_took_it(tmp_path, monkeypatch):
    sent: list[dict] = []
    monkeypatch.setattr(HookWorker, "deliver", lambda self, message: sent.append(message))
    floor = Floor(
        tmp_path,
        alarm_rules(
            calls_waiting={"threshold": 2, "clear": 1, "min_duration_s": 0, "clear_after_s": 0}
        ),
    )
    floor.monitor.notifier = Notifier([NotifyHook(name="pager", command=["x"], repeat_min=1)])
    try:
        floor.add(*waiting_lines())
        floor.at(0)
        floor.at(61)  # a minute open, nobody on it: repeated
        wait_for(lambda: len(sent) == 2, what="raised and one repeat")
        (alarm,) = floor.store.queries.open_alarms()
        log = ActionLog(floor.db)
        row = ActionRecord(NOW + 70, "dana", 1000, 1, ACKNOWLEDGE, *[None] * 7, "refused", None)
        taken, _ = log.acknowledge(alarm.id, "Dana", "on it", row)
        log.close()
        assert taken.ok
        floor.at(130)  # taken: no repeat
        floor.at(200)
        floor.add(f"{NOW + 201}|c1|sales|NONE|ABANDON|1|1|301")  # one left: it clears
        assert floor.at(202) == []
        wait_for(lambda: len(sent) == 3, what="the clear")
    finally:
        floor.close()
    assert [m["event"] for m in sent] == ["raised", "repeat", "cleared"]
    assert (sent[2]["acked_by"], sent[2]["ack_note"]) == ("Dana", "on it")
    assert slack_text(sent[2])["text"].endswith("(acknowledged by Dana)")
