"""The control protocol and the AMI actions it becomes: plain functions, checked directly."""

from __future__ import annotations

import re

import pytest

from floorwatch.config import ConfigError, from_table, load
from floorwatch.control_protocol import (
    ControlReply,
    ControlRequest,
    ProtocolError,
    decode_reply,
    decode_request,
    encode,
    problem,
)
from floorwatch.sources.ami.actions import MemberInterfaces, ami_action, spy_target
from tests.helpers import EXAMPLE_CONFIG


def test_a_request_and_a_reply_go_as_one_json_line_each_way():
    request = ControlRequest("pause", "Ana", "orders", "Break")
    line = encode(request)
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert decode_request(line.strip()) == request
    reply = ControlReply(False, "refused: no", 7)
    assert decode_reply(encode(reply).strip()) == reply


@pytest.mark.parametrize(
    ("line", "why"),
    [
        (b"[1, 2]", "not a JSON object"),
        (b"\xff\xfe", "not a JSON object"),
        (b'{"action": "pause", "agent": "Ana", "user": "root"}', "unknown field(s) user"),
        (b'{"action": 3, "agent": "Ana"}', "action must be text"),
        (b"{" + b" " * 5000 + b"}", "longer than 4096 bytes"),
    ],
)
def test_what_is_not_a_request_says_why(line, why):
    with pytest.raises(ProtocolError, match=re.escape(why)):
        decode_request(line)


@pytest.mark.parametrize(
    ("request_", "why"),
    [
        (
            ControlRequest("pause", "Ana", reason="Break\nAction: Originate"),
            "reason holds a control character",
        ),
        (ControlRequest("pause", "Ana", reason="Break\x85"), "reason holds a control character"),
        (ControlRequest("remove", "Ana", queue="vip\u202e"), "queue holds a control character"),
        (ControlRequest("pause", "Ana\r"), "agent holds a control character"),
        (ControlRequest("pause", ""), "agent is missing"),
        (ControlRequest("pause", "A" * 201), "agent is longer than 200 characters"),
        (ControlRequest("pause", " Ana"), "agent starts or ends with a space"),
        (ControlRequest("add", "Ana"), "queue is missing"),
        (ControlRequest("penalty", "Ana", "orders", penalty=-1), "penalty must be between"),
        (
            ControlRequest("penalty", "Ana", "orders", penalty=True),
            "penalty must be a whole number",
        ),
        (ControlRequest("pause", "Ana", penalty=1), "a penalty goes only with penalty"),
        (ControlRequest("barge", "Ana"), "extension is missing"),
        (ControlRequest("barge", "Ana", extension="1099,qBE"), "extension may hold only"),
        (ControlRequest("hangup", "Ana"), "unknown action 'hangup'"),
    ],
)
def test_bad_input_is_named(request_, why):
    assert why in (problem(request_) or "")


def test_good_requests_pass():
    for request in (
        ControlRequest("pause", "Local/205@agents/n", reason="Café ☕"),
        ControlRequest("penalty", "Ben", "returns", penalty=2),
        ControlRequest("whisper", "Ana", extension="*1099#"),
    ):
        assert problem(request) is None


def test_each_request_becomes_its_ami_action():
    channel = "SIP/{extension}"
    pause = ami_action(ControlRequest("pause", "Ana", reason="Break"), "PJSIP/1001", channel)
    assert (pause.name, pause.headers) == (
        "QueuePause",
        {"Interface": "PJSIP/1001", "Paused": "true", "Reason": "Break"},
    )
    penalty = ami_action(
        ControlRequest("penalty", "Ben", "returns", penalty=2), "PJSIP/1002", channel
    )
    assert (penalty.name, penalty.headers) == (
        "QueuePenalty",
        {"Interface": "PJSIP/1002", "Penalty": "2", "Queue": "returns"},
    )
    spy = ami_action(ControlRequest("whisper", "Ana", extension="1099"), "PJSIP/1001", channel)
    assert spy.headers["Channel"] == "SIP/1099"
    assert spy.headers["Data"] == "PJSIP/1001,qwE"
    assert spy_target("Local/201@agents/n") == "Local/201@agents"


def test_member_interfaces_come_from_status_and_member_events():
    seen = MemberInterfaces()
    seen.see(
        {
            "Event": "QueueMember",
            "Name": "Ana",
            "Location": "Local/201@agents/n",
            "StateInterface": "Custom:ana",
        }
    )
    seen.see(
        {
            "Event": "QueueMemberAdded",
            "MemberName": "Local/205@agents/n",
            "Interface": "Local/205@agents/n",
        }
    )
    seen.see({"Event": "Newchannel", "Channel": "PJSIP/9"})
    assert seen.interface("Ana") == "Local/201@agents/n"
    assert seen.interface("Local/205@agents/n") == "Local/205@agents/n"
    assert seen.interface("Zed") is None and len(seen) == 2


def test_control_config_defaults_and_mistakes():
    control = load(EXAMPLE_CONFIG).control
    assert not control.enabled and control.file_mode == 0o660
    assert control.pause_reasons[:2] == ["Break", "Lunch"]
    for table, why in (
        ({"actions": ["pause", "reboot"]}, "control.actions: unknown reboot"),
        ({"mode": "0666"}, "lets every user in"),
        ({"mode": "rw"}, "not an octal mode"),
        ({"supervisor_channel": "PJSIP/1099"}, "must hold {extension}"),
        ({"shell": "yes"}, "unknown key(s) shell"),
    ):
        with pytest.raises(ConfigError, match=re.escape(why)):
            from_table({"control": table})
