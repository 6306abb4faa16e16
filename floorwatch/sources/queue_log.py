"""Asterisk `queue_log` lines to canonical events.

A line is `epoch|callid|queue|agent|EVENT|data1|data2|...`. The field layouts follow
app_queue.c (its calls to `ast_queue_log`); where a layout differs between Asterisk versions
(ENTERQUEUE with or without the caller name, ATTENDEDTRANSFER's BRIDGE/APP/LINK forms) every
form is accepted. Durations are seconds, except the ring times of RINGNOANSWER and
RINGCANCELED, which Asterisk writes in milliseconds.

This is the ingest's hot path: each builder reads its fields straight from the split line and
lets a bad number raise; only then does `_explain` work out which field was wrong.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from floorwatch.events import Event, EventError, Kind

FORMAT = "queue_log"

#: Placeholders Asterisk writes where a field has no value.
_NO_CALL = frozenset({"NONE", "MANAGER", "REALTIME", "CLI", ""})
_NO_NAME = frozenset({"NONE", ""})
_EVENT_NAME = re.compile(r"[A-Z][A-Z0-9_]{1,39}\Z")
_MAX_TS = 2**33

Parts = list[str]  # the whole split line: data fields start at index 5
Builder = Callable[[Parts], tuple[Kind, dict[str, Any]]]

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
    "ATTENDEDTRANSFER": ("BRIDGE|APP|LINK", "target", "...", "#holdtime", "#calltime",
                         "#origposition?"),  # fmt: skip
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


def _opt_int(parts: Parts, index: int) -> int | None:
    """An optional trailing number: absent or empty is None, anything else must parse."""
    if len(parts) > index and parts[index]:
        return int(parts[index])
    return None


def _enter(p: Parts) -> tuple[Kind, dict[str, Any]]:
    data: dict[str, Any] = {"caller": p[6], "position": int(p[7])}
    if p[5]:
        data["url"] = p[5]
    if len(p) > 8 and p[8]:
        data["caller_name"] = p[8]
    return Kind.CALL_QUEUED, data


def _connect(p: Parts) -> tuple[Kind, dict[str, Any]]:
    data: dict[str, Any] = {"wait_s": int(p[5]), "member_uniqueid": p[6]}
    if len(p) > 7 and p[7]:
        data["ring_s"] = int(p[7])
    return Kind.CALL_ANSWERED, data


def _complete_agent(p: Parts) -> tuple[Kind, dict[str, Any]]:
    return Kind.CALL_ENDED, {"ended_by": "agent", "wait_s": int(p[5]), "talk_s": int(p[6]),
                             "position": _opt_int(p, 7)}  # fmt: skip


def _complete_caller(p: Parts) -> tuple[Kind, dict[str, Any]]:
    return Kind.CALL_ENDED, {"ended_by": "caller", "wait_s": int(p[5]), "talk_s": int(p[6]),
                             "position": _opt_int(p, 7)}  # fmt: skip


def _abandon(p: Parts) -> tuple[Kind, dict[str, Any]]:
    return Kind.CALL_ABANDONED, {"position": int(p[5]), "orig_position": int(p[6]),
                                 "wait_s": int(p[7])}  # fmt: skip


def _leave(reason: str) -> Builder:
    def build(p: Parts) -> tuple[Kind, dict[str, Any]]:
        data: dict[str, Any] = {"reason": reason, "position": int(p[5]),
                                "orig_position": int(p[6]), "wait_s": int(p[7])}  # fmt: skip
        if reason == "withdraw" and len(p) > 8 and p[8]:
            data["info"] = p[8]
        return Kind.CALL_LEFT, data

    return build


def _exit_with_key(p: Parts) -> tuple[Kind, dict[str, Any]]:
    return Kind.CALL_LEFT, {"reason": "key", "key": p[5], "position": int(p[6]),
                            "orig_position": int(p[7]), "wait_s": int(p[8])}  # fmt: skip


def _ring_no_answer(p: Parts) -> tuple[Kind, dict[str, Any]]:
    return Kind.RING_NO_ANSWER, {"ring_ms": int(p[5])}


def _ring_canceled(p: Parts) -> tuple[Kind, dict[str, Any]]:
    return Kind.RING_CANCELED, {"ring_ms": int(p[5])}


def _transfer(mode: str) -> Builder:
    """TRANSFER and BLINDTRANSFER: extension|context|holdtime|calltime|origposition."""

    def build(p: Parts) -> tuple[Kind, dict[str, Any]]:
        return Kind.CALL_TRANSFERRED, {"mode": mode, "target": f"{p[5]}@{p[6]}",
                                       "wait_s": int(p[7]), "talk_s": int(p[8]),
                                       "position": _opt_int(p, 9)}  # fmt: skip

    return build


def _attended_transfer(p: Parts) -> tuple[Kind, dict[str, Any]]:
    """BRIDGE|bridge|hold|talk|pos, APP|app|hold|talk|pos or LINK|chan1|chan2|hold|talk|pos."""
    form = p[5]
    if form == "LINK":
        target, rest = f"{p[6]},{p[7]}", 8
    elif form in ("BRIDGE", "APP"):
        target, rest = p[6], 7
    else:
        raise EventError(f"ATTENDEDTRANSFER of unknown form {form[:20]!r}")
    return Kind.CALL_TRANSFERRED, {"mode": "attended", "target_type": form.lower(),
                                   "target": target, "wait_s": int(p[rest]),
                                   "talk_s": int(p[rest + 1]),
                                   "position": _opt_int(p, rest + 2)}  # fmt: skip


def _reason(kind: Kind) -> Builder:
    def build(p: Parts) -> tuple[Kind, dict[str, Any]]:
        return kind, {"reason": p[5] if len(p) > 5 else ""}

    return build


def _add_member(p: Parts) -> tuple[Kind, dict[str, Any]]:
    return Kind.AGENT_JOINED, ({"paused": True} if len(p) > 5 and p[5] == "PAUSED" else {})


def _login(callback: bool) -> Builder:
    def build(p: Parts) -> tuple[Kind, dict[str, Any]]:
        data: dict[str, Any] = {"channel": p[5] if len(p) > 5 else ""}
        if callback:
            data["callback"] = True
        return Kind.AGENT_LOGIN, data

    return build


def _logoff(p: Parts) -> tuple[Kind, dict[str, Any]]:
    data: dict[str, Any] = {"channel": p[5] if len(p) > 5 else ""}
    logged_in = _opt_int(p, 6)
    if logged_in is not None:
        data["logged_in_s"] = logged_in
    if len(p) > 7 and p[7]:
        data["reason"] = p[7]
    return Kind.AGENT_LOGOUT, data


def _penalty(p: Parts) -> tuple[Kind, dict[str, Any]]:
    return Kind.AGENT_PENALTY, {"penalty": int(p[5])}


def _ring_in_use(p: Parts) -> tuple[Kind, dict[str, Any]]:
    return Kind.QUEUE_CONFIG, {"action": "ringinuse", "value": int(p[5])}


def _queue_config(action: str) -> Builder:
    def build(p: Parts) -> tuple[Kind, dict[str, Any]]:
        return Kind.QUEUE_CONFIG, {"action": action}

    return build


def _info(name: str) -> Builder:
    def build(p: Parts) -> tuple[Kind, dict[str, Any]]:
        values = [value for value in p[5:] if value]
        return Kind.CALL_INFO, ({"info": name, "values": values} if values else {"info": name})

    return build


def _agent_dump(p: Parts) -> tuple[Kind, dict[str, Any]]:
    return Kind.AGENT_DUMP, {}


# name -> (builder, needs a call id and queue, needs an agent)
SPECS: dict[str, tuple[Builder, bool, bool]] = {
    "ENTERQUEUE": (_enter, True, False),
    "CONNECT": (_connect, True, True),
    "COMPLETEAGENT": (_complete_agent, True, True),
    "COMPLETECALLER": (_complete_caller, True, True),
    "ABANDON": (_abandon, True, False),
    "EXITWITHTIMEOUT": (_leave("timeout"), True, False),
    "EXITEMPTY": (_leave("empty"), True, False),
    "WITHDRAW": (_leave("withdraw"), True, False),
    "EXITWITHKEY": (_exit_with_key, True, False),
    "RINGNOANSWER": (_ring_no_answer, True, True),
    "RINGCANCELED": (_ring_canceled, True, True),
    "TRANSFER": (_transfer("transfer"), True, True),
    "BLINDTRANSFER": (_transfer("blind"), True, True),
    "ATTENDEDTRANSFER": (_attended_transfer, True, True),
    "AGENTDUMP": (_agent_dump, True, True),
    "ADDMEMBER": (_add_member, False, True),
    "REMOVEMEMBER": (lambda p: (Kind.AGENT_LEFT, {}), False, True),
    "PAUSE": (_reason(Kind.AGENT_PAUSED), False, True),
    "UNPAUSE": (_reason(Kind.AGENT_UNPAUSED), False, True),
    "PAUSEALL": (_reason(Kind.AGENT_PAUSED), False, True),
    "UNPAUSEALL": (_reason(Kind.AGENT_UNPAUSED), False, True),
    "AGENTLOGIN": (_login(False), False, True),
    "AGENTCALLBACKLOGIN": (_login(True), False, True),
    "AGENTLOGOFF": (_logoff, False, True),
    "AGENTCALLBACKLOGOFF": (_logoff, False, True),
    "PENALTY": (_penalty, False, True),
    "RINGINUSE": (_ring_in_use, False, True),
    "QUEUESTART": (_queue_config("start"), False, False),
    "CONFIGRELOAD": (_queue_config("reload"), False, False),
    "SYSCOMPAT": (_info("syscompat"), False, False),
    "INFO": (_info("info"), False, False),
    "DID": (_info("did"), False, False),
}
EVENT_TYPES = tuple(SPECS)


def _explain(name: str, parts: Parts) -> str:
    """Why the data fields of a line did not fit its event's layout."""
    fields = parts[5:]
    for index, spec in enumerate(LAYOUTS.get(name, ())):
        optional = spec.endswith("?")
        label = spec.strip("#?")
        if index >= len(fields) or (not fields[index] and spec.startswith("#")):
            if optional:
                break
            return f"{name}: missing {label}"
        if spec.startswith("#"):
            try:
                int(fields[index])
            except ValueError:
                return f"{name}: {label} is not a number: {fields[index][:40]!r}"
    return f"{name}: data fields do not match its layout"


def from_stored(ts: float, call_id: str | None, queue: str | None, agent: str | None,
                stored: str, source: str) -> Event:  # fmt: skip
    """Rebuild the Event the store kept as its columns plus `EVENT|fields` (`Event.raw`)."""
    stamp = int(ts) if ts == int(ts) else ts
    return parse_line(f"{stamp}|{call_id or 'NONE'}|{queue or 'NONE'}|{agent or 'NONE'}|{stored}",
                      source)  # fmt: skip


def parse_line(line: str, source: str = FORMAT) -> Event:
    """One queue_log line (without its newline) as an Event; EventError says why not."""
    parts = line.split("|")
    if len(parts) < 5:
        raise EventError("fewer than 5 fields")
    try:
        ts: float = int(parts[0])
    except ValueError:
        try:
            ts = float(parts[0])
        except ValueError:
            raise EventError(f"timestamp is not a number: {parts[0][:40]!r}") from None
    if not 0 < ts < _MAX_TS:
        raise EventError(f"timestamp {parts[0][:40]} is out of range")
    call_id, queue, agent, name = parts[1], parts[2], parts[3], parts[4]
    spec = SPECS.get(name)
    if spec is None:
        if not _EVENT_NAME.match(name):
            raise EventError(f"not an event type: {name[:40]!r}")
        kind, data = Kind.OTHER, {"event": name, "fields": parts[5:]}
    else:
        builder, needs_call, needs_agent = spec
        if needs_call and (call_id in _NO_CALL or queue in _NO_NAME):
            raise EventError(f"{name} without a call id and queue")
        if needs_agent and agent in _NO_NAME:
            raise EventError(f"{name} without an agent")
        try:
            kind, data = builder(parts)
        except EventError:
            raise
        except (IndexError, ValueError):
            raise EventError(_explain(name, parts)) from None
    return Event(
        ts,
        source,
        kind,
        None if call_id in _NO_CALL else call_id,
        None if queue in _NO_NAME else queue,
        None if agent in _NO_NAME else agent,
        data,
        # What the store keeps: the event name and its fields as written ("CONNECT|3|...|3").
        line[len(parts[0]) + len(call_id) + len(queue) + len(agent) + 4 :],
    )
