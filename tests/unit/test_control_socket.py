"""Supervisor actions end to end in one process: a viewer's request over the real control socket
(a Unix socket beside a real store), the real ingest with its AMI source, and the loopback AMI
server recording what it receives and answering as Asterisk 22 does (tests/ami_server.py)."""

from __future__ import annotations

import grp
import json
import os
import pwd
import sqlite3
import subprocess
from pathlib import Path

import pytest

from floorwatch.config import from_table
from floorwatch.modes.feeds import FeedSpec
from floorwatch.snapshot.control_client import ControlClient, control_access
from floorwatch.sources.base import SourceError
from tests.ami_server import AMI, PERMISSION_DENIED, SECRET, AmiServer, unknown_action
from tests.helpers import RunningIngest, wait_for, write_lines

IDLE = (AMI / "queuestatus_idle.raw").read_bytes()[113:]  # QueueStatus: 7 members, no callers


@pytest.fixture
def secret_file(tmp_path: Path) -> str:
    path = tmp_path / "ami.secret"
    path.write_text(SECRET)
    return str(path)


@pytest.fixture
def pbx(tmp_path: Path, secret_file: str):
    """An ingest following the loopback PBX (idle floor), its control socket open."""
    server = AmiServer(
        status_reply=lambda _: IDLE,
        answer_actions=True,
        action_errors={"QueuePenalty": PERMISSION_DENIED},
    )
    spec = FeedSpec(f"ami:driver@127.0.0.1:{server.port}", "pbx", secret_file)
    ingest = RunningIngest(tmp_path, [spec])
    sqlite_members = "SELECT count(*) FROM memberships"
    wait_for(lambda: _count(ingest.db, sqlite_members) == 11, what="the members from QueueStatus")
    yield ingest, server
    ingest.close()
    server.close()


def _count(db: Path, sql: str) -> int:
    try:
        return sqlite3.connect(db).execute(sql).fetchone()[0]
    except sqlite3.Error:
        return 0


def _sent(server: AmiServer) -> dict:
    """The last action the PBX received, without its ActionID (floorwatch's own counter)."""
    wait_for(lambda: server.received, what="an action at the PBX")
    action = dict(server.received[-1])
    assert action.pop("ActionID").startswith("floorwatch-act-")
    return action


def test_each_action_sends_the_right_ami_action_and_fields(pbx):
    ingest, server = pbx
    cases = [
        (
            dict(action="pause", agent="Ana", queue="orders", reason="Coaching"),
            {
                "Action": "QueuePause",
                "Interface": "Local/201@agents/n",
                "Paused": "true",
                "Reason": "Coaching",
                "Queue": "orders",
            },
        ),
        (
            dict(action="pause", agent="Ben", reason="Lunch"),  # every queue: no Queue header
            {
                "Action": "QueuePause",
                "Interface": "Local/202@agents/n",
                "Paused": "true",
                "Reason": "Lunch",
            },
        ),
        (
            dict(action="unpause", agent="Ana", queue="orders"),
            {
                "Action": "QueuePause",
                "Interface": "Local/201@agents/n",
                "Paused": "false",
                "Queue": "orders",
            },
        ),
        (
            dict(action="add", agent="Dev", queue="orders"),
            {
                "Action": "QueueAdd",
                "Queue": "orders",
                "Interface": "Local/204@agents/n",
                "MemberName": "Dev",
                "Paused": "false",
            },
        ),
        (
            dict(action="remove", agent="Cleo", queue="orders"),
            {"Action": "QueueRemove", "Queue": "orders", "Interface": "Local/203@agents/n"},
        ),
        (
            dict(action="listen", agent="Ana", extension="1099"),
            {
                "Action": "Originate",
                "Channel": "PJSIP/1099",
                "Application": "ChanSpy",
                "Data": "Local/201@agents,qE",
                "CallerID": '"listen Ana" <1099>',
                "Async": "true",
            },
        ),
        (
            dict(action="whisper", agent="Ana", extension="1099"),
            {"Data": "Local/201@agents,qwE"},
        ),
        (
            dict(action="barge", agent="Ana", extension="1099"),
            {"Data": "Local/201@agents,qBE"},
        ),
    ]
    for request, expected in cases:
        before = len(server.received)
        reply = ingest.send(**request)
        assert reply.ok, reply.message
        assert len(server.received) == before + 1
        sent = _sent(server)
        assert {key: sent.get(key) for key in expected} == expected, request
        if expected.get("Action") == "QueuePause" and "Queue" not in expected:
            assert "Queue" not in sent
    assert ingest.send(action="pause", agent="Ana", queue="orders").message == (
        "pause Ana in orders: done: Interface paused successfully"
    )


def test_the_effect_comes_back_as_ordinary_events(pbx):
    ingest, server = pbx
    reply = ingest.send(action="pause", agent="Ana", queue="orders", reason="Coaching")
    assert reply.ok
    wait_for(
        lambda: (
            _count(
                ingest.db,
                "SELECT count(*) FROM pauses WHERE agent = 'Ana' AND reason = 'Coaching'"
                ' AND "end" IS NULL',
            )
            == 1
        ),
        what="the pause from the PBX's QueueMemberPause",
    )


def test_pbx_errors_reach_the_user_as_one_line_and_are_audited(pbx):
    ingest, server = pbx
    denied = ingest.send(action="penalty", agent="Ben", queue="returns", penalty=2)
    assert not denied.ok
    assert denied.message == "set Ben's penalty in returns to 2: the PBX said: Permission denied"
    assert "\n" not in denied.message
    server.action_errors["QueuePause"] = "Interface not found"
    missing = ingest.send(action="pause", agent="Ana", queue="vip")
    assert missing.message == "pause Ana in vip: the PBX said: Interface not found"
    server.action_errors["QueueAdd"] = unknown_action("QueueAdd")
    unknown = ingest.send(action="add", agent="Ana", queue="returns")
    assert unknown.message.endswith(
        "Invalid/unknown command: QueueAdd. Use Action: ListCommands to show available commands."
    )
    rows = ingest.audit()
    assert [(r["action"], r["outcome"], r["answer"]) for r in rows] == [
        ("penalty", "failed", "Permission denied"),
        ("pause", "failed", "Interface not found"),
        ("add", "failed", unknown_action("QueueAdd")),
    ]
    assert json.loads(rows[0]["ami_action"]) == {
        "Action": "QueuePenalty",
        "Interface": "Local/202@agents/n",
        "Penalty": "2",
        "Queue": "returns",
    }
    assert rows[0]["source"] == "pbx"
    assert rows[0]["penalty"] == 2


def test_the_audit_row_says_who_what_when_and_the_answer(pbx):
    ingest, server = pbx
    reply = ingest.send(action="remove", agent="Cleo", queue="orders")
    assert reply.ok
    (row,) = ingest.audit()
    assert reply.audit_id == row["id"]
    assert row["user"] == "root" and row["uid"] == os.getuid() and row["pid"] == os.getpid()
    assert (row["action"], row["agent"], row["queue"]) == ("remove", "Cleo", "orders")
    assert (row["outcome"], row["answer"], row["source"]) == (
        "done",
        "Removed interface from queue",
        "pbx",
    )
    assert row["at"] > 1.7e9


@pytest.mark.parametrize(
    ("request_", "why"),
    [
        (
            dict(action="pause", agent="Ana", reason="Break\r\nAction: Originate"),
            "reason holds a control character",
        ),
        (
            dict(action="remove", agent="Ana", queue="orders\x1b[2J"),
            "queue holds a control character",
        ),
        (dict(action="add", agent="Ana"), "queue is missing"),
        (dict(action="listen", agent="Ana", extension="1099&PJSIP/666"), "extension may hold only"),
        (dict(action="reboot", agent="Ana"), "unknown action 'reboot'"),
        (dict(action="pause", agent="Zed"), "Zed is not a member on this ingest's PBX (pbx)"),
    ],
)
def test_bad_input_is_refused_with_the_reason_and_audited(pbx, request_, why):
    ingest, server = pbx
    reply = ControlClient(ingest.socket).send_line(json.dumps(request_).encode())
    assert not reply.ok and reply.message.startswith("refused: ")
    assert why in reply.message
    assert server.received == []  # nothing reached the PBX
    (row,) = ingest.audit()
    assert row["outcome"] == "refused" and why in row["answer"]
    assert row["user"] == "root"


def test_a_crafted_line_is_refused_and_audited(pbx):
    ingest, server = pbx
    client = ControlClient(ingest.socket)
    for line in (
        b"Action: QueuePause",
        b'{"action": "pause", "agent": "Ana", "who": "boss"}',
        b"x" * 5000,
    ):
        reply = client.send_line(line)
        assert not reply.ok and reply.message.startswith("refused: not a request")
    assert server.received == []
    assert [r["outcome"] for r in ingest.audit()] == ["refused"] * 3


def test_an_action_not_listed_in_config_is_refused(tmp_path, secret_file):
    with AmiServer(status_reply=lambda _: IDLE, answer_actions=True) as server:
        spec = FeedSpec(f"ami:driver@127.0.0.1:{server.port}", "pbx", secret_file)
        ingest = RunningIngest(tmp_path, [spec], {"actions": ["pause", "unpause"]})
        try:
            reply = ingest.send(action="barge", agent="Ana", extension="1099")
            assert reply.message == "refused: barge is not allowed here ([control])"
            assert server.received == []
        finally:
            ingest.close()


def test_an_ingest_without_an_ami_source_refuses_with_the_reason(tmp_path):
    feed = write_lines(tmp_path / "queue_log", ["1795530000|MANAGER|orders|Ana|ADDMEMBER|"])
    ingest = RunningIngest(tmp_path, [FeedSpec(f"queue_log:{feed}")])
    try:
        reply = ingest.send(action="pause", agent="Ana", reason="Break")
        assert reply.message == (
            "refused: this ingest has no AMI source: actions need an ami: source"
        )
        assert [r["outcome"] for r in ingest.audit()] == ["refused"]
    finally:
        ingest.close()
    assert not ingest.socket.exists()  # the socket goes with the ingest


def test_the_socket_has_the_configured_mode_and_group(tmp_path):
    feed = write_lines(tmp_path / "queue_log", [])
    ingest = RunningIngest(tmp_path, [FeedSpec(f"queue_log:{feed}")], {"mode": "0600"})
    try:
        assert ingest.socket == Path(f"{ingest.db}.control")
        assert oct(ingest.socket.stat().st_mode & 0o777) == "0o600"
        assert control_access(ingest.socket).usable
    finally:
        ingest.close()
    access = control_access(ingest.socket)
    assert not access.usable and "no control socket" in access.why


# ----------------------------------------------------------------- a peer outside the group
OUTSIDER, SUPERVISORS, MEMBER = "fwoutsider", "fwsupervisors", "fwsupervisor"


def _ensure_users() -> None:
    if os.getuid() != 0:
        pytest.skip("creating test users and a group needs root")
    try:
        subprocess.run(["getent", "group", SUPERVISORS], check=True, capture_output=True)
    except subprocess.CalledProcessError:
        subprocess.run(["groupadd", SUPERVISORS], check=True, capture_output=True)
    for user, groups in ((OUTSIDER, []), (MEMBER, ["-G", SUPERVISORS])):
        if subprocess.run(["id", user], capture_output=True).returncode:
            subprocess.run(["useradd", "-M", *groups, user], check=True, capture_output=True)


def _as(user: str, socket: Path, request: dict) -> dict:
    """What a viewer running as `user` sees and gets: a child process that drops to that user
    (the interpreter lives under /root, which other users cannot run from, so fork, not exec)."""
    record = pwd.getpwnam(user)
    groups = [grp.getgrnam(SUPERVISORS).gr_gid] if user == MEMBER else []
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: become the user, knock, ask, report, leave
        try:
            os.close(read)
            os.setgroups(groups)
            os.setgid(record.pw_gid)
            os.setuid(record.pw_uid)
            access = control_access(socket)
            reply = ControlClient(socket).send_line(json.dumps(request).encode())
            result = {"usable": access.usable, "why": access.why}
            result.update(ok=reply.ok, message=reply.message)
            os.write(write, json.dumps(result).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        data = pipe.read()
    os.waitpid(pid, 0)
    return json.loads(data)


def test_the_socket_refuses_a_peer_outside_the_group(pbx_with_group):
    ingest, server = pbx_with_group
    request = dict(action="pause", agent="Ana", queue="orders", reason="Break")
    # Through the file's mode (0660, group fwsupervisors) the outsider cannot even connect.
    outsider = _as(OUTSIDER, ingest.socket, request)
    assert not outsider["usable"] and "permission denied" in outsider["why"]
    assert not outsider["ok"] and "Permission denied" in outsider["message"]
    # Opened up by hand (a mistaken chmod): the ingest still refuses them, and audits it.
    os.chmod(ingest.socket, 0o666)
    outsider = _as(OUTSIDER, ingest.socket, request)
    assert outsider["message"] == (
        f"refused: {OUTSIDER} is not in the control group ({SUPERVISORS})"
    )
    member = _as(MEMBER, ingest.socket, request)
    assert member["usable"] and member["ok"], member
    rows = ingest.audit()
    assert [(r["user"], r["outcome"]) for r in rows] == [(OUTSIDER, "refused"), (MEMBER, "done")]
    assert len(server.received) == 1


@pytest.fixture
def pbx_with_group(tmp_path: Path, secret_file: str):
    _ensure_users()
    os.chmod(tmp_path, 0o755)  # other users may reach the socket's folder (pytest makes it 0700)
    for parent in tmp_path.parents:
        if parent == Path("/tmp"):
            break
        os.chmod(parent, os.stat(parent).st_mode | 0o005)
    server = AmiServer(status_reply=lambda _: IDLE, answer_actions=True)
    spec = FeedSpec(f"ami:driver@127.0.0.1:{server.port}", "pbx", secret_file)
    ingest = RunningIngest(tmp_path, [spec], {"group": SUPERVISORS})
    wait_for(lambda: _count(ingest.db, "SELECT count(*) FROM memberships") == 11, what="members")
    yield ingest, server
    ingest.close()
    server.close()


def test_floorwatch_run_opens_the_socket_for_its_own_dashboard(tmp_path):
    from floorwatch.modes.single_screen import SingleScreen

    feed = write_lines(tmp_path / "queue_log", ["1795530000|MANAGER|orders|Ana|ADDMEMBER|"])
    config = from_table({"sources": [{"spec": f"queue_log:{feed}"}], "control": {"enabled": True}})
    screen = SingleScreen(config, tmp_path / "floor.db")
    screen.open()
    try:
        assert screen.control is not None
        assert control_access(tmp_path / "floor.db.control").usable
    finally:
        screen.control.close()
        screen.control.audit.close()
        screen.store.close()
    left = write_lines(tmp_path / "floor2.db.control", [])  # a file there that is no socket
    config.control.socket = str(left)
    with pytest.raises(SourceError, match="exists and is not a socket"):
        SingleScreen(config, tmp_path / "floor2.db").open()


def test_a_pbx_that_does_not_answer_or_is_gone_fails_in_one_line(tmp_path, secret_file):
    server = AmiServer(
        status_reply=lambda _: IDLE, answer_actions=True, action_errors={"QueuePause": None}
    )
    spec = FeedSpec(f"ami:driver@127.0.0.1:{server.port}", "pbx", secret_file)
    ingest = RunningIngest(tmp_path, [spec], {"timeout_s": 0.5})
    try:
        wait_for(
            lambda: _count(ingest.db, "SELECT count(*) FROM memberships") == 11, what="members"
        )
        silent = ingest.send(action="pause", agent="Ana", reason="Break")
        assert silent.message == "pause Ana (Break): failed: the PBX did not answer within 0.5 s"
        server.close()  # the PBX goes away: the source is disconnected (and retrying)
        wait_for(
            lambda: "not connected" in ingest.send(action="unpause", agent="Ana").message,
            what="the disconnected source",
        )
        outcomes = [(r["action"], r["outcome"]) for r in ingest.audit()]
        assert outcomes[0] == ("pause", "failed") and outcomes[-1] == ("unpause", "failed")
        assert ingest.audit()[-1]["answer"].startswith(
            "not connected to the PBX (driver@127.0.0.1:"
        )
    finally:
        ingest.close()
        server.close()


def test_a_group_the_ingest_cannot_give_the_socket_is_one_line(tmp_path):
    from floorwatch.config import ControlConfig
    from floorwatch.ingest.control_server import ControlServer

    with pytest.raises(SourceError, match="no such group"):
        ControlServer(tmp_path / "s", ControlConfig(group="no-such-group-fw"), [], None)
