"""Two SSH keys on one floor, through a real sshd and tmux: the watch-only key's dashboard
(`dash --read-only`) has no action keys and `?` says why; the control key's dashboard pauses an
agent through the ingest's control socket and the PBX receives the QueuePause."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from floorwatch.config import load
from floorwatch.ingest.control_server import ControlServer
from floorwatch.sources.ami.client import AmiSource
from floorwatch.store.action_log import ActionLog
from tests.ami_server import SECRET, AmiServer, ami_block
from tests.helpers import private_sshd, run, wait_for


def tmux(*args: str) -> str:
    import subprocess

    return subprocess.run(["tmux", *args], capture_output=True, text=True).stdout


def screen(session: str) -> str:
    return tmux("capture-pane", "-p", "-J", "-t", session)


def zoe_status(action_id: str) -> bytes:
    """A QueueStatus answer naming Zoe (the live floor's free agent) and her interface."""
    return (
        ami_block(
            Response="Success",
            ActionID=action_id,
            EventList="start",
            Message="Queue status will follow",
        )
        + b"\r\n\r\n"
        + ami_block(
            Event="QueueMember",
            Queue="sales",
            Name="Zoe",
            Location="PJSIP/1001",
            StateInterface="PJSIP/1001",
            Membership="dynamic",
            Penalty="0",
            InCall="0",
            Status="1",
            Paused="0",
            PausedReason="",
            ActionID=action_id,
        )
        + b"\r\n\r\n"
        + ami_block(
            Event="QueueStatusComplete", ActionID=action_id, EventList="Complete", ListItems="1"
        )
        + b"\r\n\r\n"
    )


@pytest.fixture
def control_socket(live_floor):
    """The ingest's half for the live floor: the AMI connection and the control socket."""
    db, config_path = live_floor
    config = load(config_path)
    config.control.enabled = True
    server = AmiServer(status_reply=zoe_status, answer_actions=True)
    source = AmiSource("pbx", f"driver@127.0.0.1:{server.port}", backoff=(0.05, 0.1))
    source._secret = SECRET
    stop = threading.Event()
    thread = threading.Thread(target=source.run, args=(lambda b: None, stop, None), daemon=True)
    thread.start()
    wait_for(lambda: source.interface_of("Zoe"), what="Zoe's interface")
    audit = ActionLog(db)
    control = ControlServer(config.control_socket(db), config.control, [source], audit)
    control.start()
    yield db, config_path, server
    control.close()
    audit.close()
    stop.set()
    thread.join(timeout=5)
    server.close()


def test_the_watch_key_stays_read_only_and_the_control_key_acts(tmp_path, control_socket):
    db, config, pbx = control_socket
    dash = f"{sys.executable} -m floorwatch dash --db {db} --config {config}"
    commands = {"watch": f"{dash} --read-only", "act": dash}
    with private_sshd(tmp_path, commands) as (client, keys, target):
        sessions = {}
        for name in commands:
            sessions[name] = f"fw{name}{os.getpid()}"
            ssh = " ".join([*client, "-t", "-i", str(keys[name]), target])
            tmux("new-session", "-d", "-s", sessions[name], "-x", "150", "-y", "40", ssh)
        try:
            for session in sessions.values():
                wait_for(lambda: "Zoe" in screen(session), timeout=30, what="the floor over ssh")
            watch, act = sessions["watch"], sessions["act"]
            # The watch-only key: no action key in the footer, P does nothing, ? says why.
            assert "Pause agent" not in screen(watch)
            tmux("send-keys", "-t", watch, "P")
            tmux("send-keys", "-t", watch, "?")
            wait_for(lambda: "floorwatch keys" in screen(watch), what="help over ssh")
            assert "started with --read-only" in screen(watch)
            assert "why?" not in screen(watch)
            assert pbx.received == []
            # The control key: P, the first reason, y; the PBX gets the pause.
            wait_for(lambda: "Pause agent" in screen(act), what="the action keys")
            tmux("send-keys", "-t", act, "P")
            wait_for(lambda: "pause Zoe: why?" in screen(act), what="the reason picker")
            tmux("send-keys", "-t", act, "Enter")
            wait_for(lambda: "y: yes" in screen(act), what="the confirmation line")
            assert "pause Zoe in every queue (Break)?" in screen(act)
            tmux("send-keys", "-t", act, "y")
            wait_for(lambda: pbx.received, what="the QueuePause at the PBX")
            sent = pbx.received[-1]
            assert (sent["Action"], sent["Interface"], sent["Reason"]) == (
                "QueuePause",
                "PJSIP/1001",
                "Break",
            )
            wait_for(lambda: "Interface paused successfully" in screen(act), what="the answer")
        finally:
            for session in sessions.values():
                tmux("kill-session", "-t", session)
    audit = run("actions", "--db", str(db), "--json")
    assert '"outcome": "done"' in audit.stdout and '"user": "root"' in audit.stdout
