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
Builder = Callable[[Parts], dict[str, Any]]

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


def _enter(p: Parts) -> dict[str, Any]:
    data: dict[str, Any] = {"caller": p[6], "position": int(p[7])}
    if p[5]:
        data["url"] = p[5]
    if len(p) > 8 and p[8]:
        data["caller_name"] = p[8]
    return data


def _connect(p: Parts) -> dict[str, Any]:
    data: dict[str, Any] = {"wait_s": int(p[5]), "member_uniqueid": p[6]}
    if len(p) > 7 and p[7]:
        data["ring_s"] = int(p[7])
    return data


def _complete_agent(p: Parts) -> dict[str, Any]:
    return {"ended_by": "agent", "wait_s": int(p[5]), "talk_s": int(p[6]),
            "position": _opt_int(p, 7)}  # fmt: skip


def _complete_caller(p: Parts) -> dict[str, Any]:
    return {"ended_by": "caller", "wait_s": int(p[5]), "talk_s": int(p[6]),
            "position": _opt_int(p, 7)}  # fmt: skip


def _abandon(p: Parts) -> dict[str, Any]:
    return {"position": int(p[5]), "orig_position": int(p[6]), "wait_s": int(p[7])}


def _leave(reason: str) -> Builder:
    def build(p: Parts) -> dict[str, Any]:
        data: dict[str, Any] = {"reason": reason, "position": int(p[5]),
                                "orig_position": int(p[6]), "wait_s": int(p[7])}  # fmt: skip
        if reason == "withdraw" and len(p) > 8 and p[8]:
            data["info"] = p[8]
        return data

    return build


def _exit_with_key(p: Parts) -> dict[str, Any]:
    return {"reason": "key", "key": p[5], "position": int(p[6]), "orig_position": int(p[7]),
            "wait_s": int(p[8])}  # fmt: skip


def _ring(p: Parts) -> dict[str, Any]:
    return {"ring_ms": int(p[5])}


def _transfer(mode: str) -> Builder:
    """TRANSFER and BLINDTRANSFER: extension|context|holdtime|calltime|origposition."""

    def build(p: Parts) -> dict[str, Any]:
        return {"mode": mode, "target": f"{p[5]}@{p[6]}", "wait_s": int(p[7]),
                "talk_s": int(p[8]), "position": _opt_int(p, 9)}  # fmt: skip

    return build


def _attended_transfer(p: Parts) -> dict[str, Any]:
    """BRIDGE|bridge|hold|talk|pos, APP|app|hold|talk|pos or LINK|chan1|chan2|hold|talk|pos."""
    form = p[5]
    if form == "LINK":
        target, rest = f"{p[6]},{p[7]}", 8
    elif form in ("BRIDGE", "APP"):
        target, rest = p[6], 7
    else:
        raise EventError(f"ATTENDEDTRANSFER of unknown form {form[:20]!r}")
    return {"mode": "attended", "target_type": form.lower(), "target": target,
            "wait_s": int(p[rest]), "talk_s": int(p[rest + 1]),
            "position": _opt_int(p, rest + 2)}  # fmt: skip


def _reason(p: Parts) -> dict[str, Any]:
    return {"reason": p[5] if len(p) > 5 else ""}


def _add_member(p: Parts) -> dict[str, Any]:
    return {"paused": True} if len(p) > 5 and p[5] == "PAUSED" else {}


def _login(callback: bool) -> Builder:
    def build(p: Parts) -> dict[str, Any]:
        data: dict[str, Any] = {"channel": p[5] if len(p) > 5 else ""}
        if callback:
            data["callback"] = True
        return data

    return build


def _logoff(p: Parts) -> dict[str, Any]:
    data: dict[str, Any] = {"channel": p[5] if len(p) > 5 else ""}
    logged_in = _opt_int(p, 6)
    if logged_in is not None:
        data["logged_in_s"] = logged_in
    if len(p) > 7 and p[7]:
        data["reason"] = p[7]
    return data


def _penalty(p: Parts) -> dict[str, Any]:
    return {"penalty": int(p[5])}


def _ring_in_use(p: Parts) -> dict[str, Any]:
    return {"action": "ringinuse", "value": int(p[5])}


def _queue_config(action: str) -> Builder:
    def build(p: Parts) -> dict[str, Any]:
        return {"action": action}

    return build


def _info(name: str) -> Builder:
    def build(p: Parts) -> dict[str, Any]:
        values = [value for value in p[5:] if value]
        return {"info": name, "values": values} if values else {"info": name}

    return build


def _no_data(p: Parts) -> dict[str, Any]:
    return {}


# name -> (kind, builder of its data, needs a call id and queue, needs an agent)
SPECS: dict[str, tuple[Kind, Builder, bool, bool]] = {
    "ENTERQUEUE": (Kind.CALL_QUEUED, _enter, True, False),
    "CONNECT": (Kind.CALL_ANSWERED, _connect, True, True),
    "COMPLETEAGENT": (Kind.CALL_ENDED, _complete_agent, True, True),
    "COMPLETECALLER": (Kind.CALL_ENDED, _complete_caller, True, True),
    "ABANDON": (Kind.CALL_ABANDONED, _abandon, True, False),
    "EXITWITHTIMEOUT": (Kind.CALL_LEFT, _leave("timeout"), True, False),
    "EXITEMPTY": (Kind.CALL_LEFT, _leave("empty"), True, False),
    "WITHDRAW": (Kind.CALL_LEFT, _leave("withdraw"), True, False),
    "EXITWITHKEY": (Kind.CALL_LEFT, _exit_with_key, True, False),
    "RINGNOANSWER": (Kind.RING_NO_ANSWER, _ring, True, True),
    "RINGCANCELED": (Kind.RING_CANCELED, _ring, True, True),
    "TRANSFER": (Kind.CALL_TRANSFERRED, _transfer("transfer"), True, True),
    "BLINDTRANSFER": (Kind.CALL_TRANSFERRED, _transfer("blind"), True, True),
    "ATTENDEDTRANSFER": (Kind.CALL_TRANSFERRED, _attended_transfer, True, True),
    "AGENTDUMP": (Kind.AGENT_DUMP, _no_data, True, True),
    "ADDMEMBER": (Kind.AGENT_JOINED, _add_member, False, True),
    "REMOVEMEMBER": (Kind.AGENT_LEFT, _no_data, False, True),
    "PAUSE": (Kind.AGENT_PAUSED, _reason, False, True),
    "UNPAUSE": (Kind.AGENT_UNPAUSED, _reason, False, True),
    "PAUSEALL": (Kind.AGENT_PAUSED, _reason, False, True),
    "UNPAUSEALL": (Kind.AGENT_UNPAUSED, _reason, False, True),
    "AGENTLOGIN": (Kind.AGENT_LOGIN, _login(False), False, True),
    "AGENTCALLBACKLOGIN": (Kind.AGENT_LOGIN, _login(True), False, True),
    "AGENTLOGOFF": (Kind.AGENT_LOGOUT, _logoff, False, True),
    "AGENTCALLBACKLOGOFF": (Kind.AGENT_LOGOUT, _logoff, False, True),
    "PENALTY": (Kind.AGENT_PENALTY, _penalty, False, True),
    "RINGINUSE": (Kind.QUEUE_CONFIG, _ring_in_use, False, True),
    "QUEUESTART": (Kind.QUEUE_CONFIG, _queue_config("start"), False, False),
    "CONFIGRELOAD": (Kind.QUEUE_CONFIG, _queue_config("reload"), False, False),
    "SYSCOMPAT": (Kind.CALL_INFO, _info("syscompat"), False, False),
    "INFO": (Kind.CALL_INFO, _info("info"), False, False),
    "DID": (Kind.CALL_INFO, _info("did"), False, False),
}
EVENT_TYPES = tuple(SPECS)
#: Each event type's kind as stored (a plain string); any other well-formed name is "other".
_STORED_KIND = {name: spec[0].value for name, spec in SPECS.items()}
_OTHER = Kind.OTHER.value


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
    stamp, call_id, queue, agent, name = parts[0], parts[1], parts[2], parts[3], parts[4]
    try:
        ts: float = int(stamp)
    except ValueError:
        try:
            ts = float(stamp)
        except ValueError:
            raise EventError(f"timestamp is not a number: {stamp[:40]!r}") from None
    if not 0 < ts < _MAX_TS:
        raise EventError(f"timestamp {stamp[:40]} is out of range")
    # What the store keeps: the event name and its fields as written ("CONNECT|3|...|3").
    raw = line[len(stamp) + len(call_id) + len(queue) + len(agent) + 4 :]
    if call_id in _NO_CALL:
        call_id = None
    if queue in _NO_NAME:
        queue = None
    if agent in _NO_NAME:
        agent = None
    spec = SPECS.get(name)
    if spec is None:
        if not _EVENT_NAME.match(name):
            raise EventError(f"not an event type: {name[:40]!r}")
        kind, data = Kind.OTHER, {"event": name, "fields": parts[5:]}
    else:
        kind, builder, needs_call, needs_agent = spec
        if needs_call and (call_id is None or queue is None):
            raise EventError(f"{name} without a call id and queue")
        if needs_agent and agent is None:
            raise EventError(f"{name} without an agent")
        try:
            data = builder(parts)
        except EventError:
            raise
        except (IndexError, ValueError):
            raise EventError(_explain(name, parts)) from None
    return Event(ts, source, kind, call_id, queue, agent, data, raw)


def stored_row(line: str) -> tuple[float, str, str | None, str | None, str | None, str]:
    """The `events` row of a line that `parse_line` accepts, without building the Event:
    (ts, kind, call id, queue, agent, `raw`), the same values as parse_line's Event has.

    The writer process stores a chunk whose every line became an event this way, so the
    ingest need not send the events it parsed (tests hold the two to each other).
    """
    ts, call_id, queue, agent, raw = line.split("|", 4)
    return (
        float(ts),  # parse_line's int or float: the same value in a REAL column
        _STORED_KIND.get(raw.partition("|")[0], _OTHER),
        None if call_id in _NO_CALL else call_id,
        None if queue in _NO_NAME else queue,
        None if agent in _NO_NAME else agent,
        raw,
    )
