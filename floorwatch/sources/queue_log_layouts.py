"""The data fields of each queue_log event as app_queue writes them, and why a line misfits.

`LAYOUTS` is the reference docs/sources.md follows; `explain_misfit` turns a line the parser
refused (a missing or non-numeric field, a number out of range) into the reject's message.
Only on the reject path, so none of it is on the hot path of parsing.
"""

from __future__ import annotations

import re

from floorwatch.event_schema import (
    MAX_CALL_S,
    MAX_LOGIN_S,
    MAX_POSITION,
    PENALTY_MAX,
    PENALTY_MIN,
)

_SIGNED = re.compile(r"-?[0-9]+\Z").match
_RING_MS = MAX_CALL_S * 1000

#: Each event's data fields as app_queue writes them; `#` marks a number that must parse.
#: Used to explain a rejected line, and as the reference in docs/sources.md.
LAYOUTS: dict[str, tuple[str, ...]] = {
    "ENTERQUEUE": ("url", "callerid", "#position", "callername?"),
    "CONNECT": ("#holdtime", "bridgedchanneluniqueid", "#ringtime?"),
    "COMPLETEAGENT": ("#holdtime", "#calltime", "#origposition?"),
    "COMPLETECALLER": ("#holdtime", "#calltime", "#origposition?"),
    "ABANDON": ("#position", "#origposition", "#waittime"),
    "EXITWITHTIMEOUT": ("#position", "#origposition", "#waittime"),
    "EXITEMPTY": ("#position", "#origposition", "#waittime"),
    "WITHDRAW": ("#position", "#origposition", "#waittime", "info?"),
    "EXITWITHKEY": ("key", "#position", "#origposition", "#waittime"),
    "RINGNOANSWER": ("#ringtime_ms",),
    "RINGCANCELED": ("#ringtime_ms",),
    "TRANSFER": ("extension", "context", "#holdtime", "#calltime", "#origposition?"),
    "BLINDTRANSFER": ("extension", "context", "#holdtime", "#calltime", "#origposition?"),
    "ATTENDEDTRANSFER": (
        "BRIDGE|APP|LINK",
        "target",
        "...",
        "#holdtime",
        "#calltime",
        "#origposition?",
    ),
    "AGENTDUMP": (),
    "ADDMEMBER": ("PAUSED?",),
    "REMOVEMEMBER": (),
    "PAUSE": ("reason?",),
    "UNPAUSE": ("reason?",),
    "PAUSEALL": ("reason?",),
    "UNPAUSEALL": ("reason?",),
    "AGENTLOGIN": ("channel",),
    "AGENTCALLBACKLOGIN": ("exten@context",),
    "AGENTLOGOFF": ("channel", "#logintime?"),
    "AGENTCALLBACKLOGOFF": ("exten@context", "#logintime?", "reason?"),
    "PENALTY": ("#penalty",),
    "RINGINUSE": ("#ringinuse",),
    "QUEUESTART": (),
    "CONFIGRELOAD": (),
    "SYSCOMPAT": (),
    "INFO": ("values...",),
    "DID": ("did",),
}


#: The range of each number field of LAYOUTS (the event schema's, for the field it fills).
RANGES: dict[str, tuple[int, int]] = {
    "holdtime": (0, MAX_CALL_S),
    "calltime": (0, MAX_CALL_S),
    "waittime": (0, MAX_CALL_S),
    "ringtime": (0, MAX_CALL_S),
    "ringtime_ms": (0, _RING_MS),
    "position": (0, MAX_POSITION),
    "origposition": (0, MAX_POSITION),
    "logintime": (0, MAX_LOGIN_S),
    "penalty": (PENALTY_MIN, PENALTY_MAX),
    "ringinuse": (0, 1),
}


def explain_misfit(name: str, parts: list[str]) -> str:
    """Why the data fields of a line did not fit its event's layout."""
    fields = parts[5:]
    layout = LAYOUTS.get(name, ())
    if name == "ATTENDEDTRANSFER" and fields[:1] in (["BRIDGE"], ["APP"]):
        layout = tuple(spec for spec in layout if spec != "...")  # only LINK names two channels
    for index, spec in enumerate(layout):
        optional = spec.endswith("?")
        label = spec.strip("#?")
        if index >= len(fields) or (not fields[index] and spec.startswith("#")):
            if optional:
                break
            return f"{name}: missing {label}"
        if spec.startswith("#"):
            text = fields[index]
            if not _SIGNED(text):
                return f"{name}: {label} is not a number: {text[:40]!r}"
            low, high = RANGES[label]
            if len(text) > 20 or not low <= int(text) <= high:  # (int() stops at 4,300 digits)
                return f"{name}: {label} {text[:40]} is out of range ({low}..{high})"
    return f"{name}: data fields do not match its layout"
