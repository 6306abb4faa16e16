"""Asterisk `queue_log` lines to canonical events.

A line is `epoch|callid|queue|agent|EVENT|data1|data2|...`. The field layouts follow
app_queue.c (its calls to `ast_queue_log`); where a layout differs between Asterisk versions
(ENTERQUEUE with or without the caller name, ATTENDEDTRANSFER's BRIDGE/APP/LINK forms) every
form is accepted. Durations are seconds, except the ring times of RINGNOANSWER and
RINGCANCELED, which Asterisk writes in milliseconds.

This is the ingest's hot path: each builder reads its fields straight from the split line and
lets a bad number raise; only then does `_explain` work out which field was wrong. A number is
ASCII digits and nothing else (`int()` would also take `1_000`, ` 7`, `+7` and the digits of
other scripts) within the range the event schema gives its field (`event_schema.SCHEMA`): a negative
or absurd duration is a reject here, not a stored row that breaks the floor maths later.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from floorwatch.event_schema import (
    MAX_CALL_S,
    MAX_LOGIN_S,
    MAX_POSITION,
    PENALTY_MAX,
    PENALTY_MIN,
    TS_MAX,
    TS_MIN,
)
from floorwatch.events import Event, EventError, Kind
from floorwatch.sources.queue_log_layouts import explain_misfit

FORMAT = "queue_log"

#: Placeholders Asterisk writes where a field has no value.
_NO_CALL = frozenset({"NONE", "MANAGER", "REALTIME", "CLI", ""})
_NO_NAME = frozenset({"NONE", ""})
_EVENT_NAME = re.compile(r"[A-Z][A-Z0-9_]{1,39}\Z")
#: A timestamp: epoch seconds, ASCII digits with an optional fraction (and, as Asterisk never
#: writes but int() always took, spaces around). The sign only to say "out of range".
_STAMP = re.compile(r"[ \t]*-?[0-9]{1,15}(?:\.[0-9]{1,9})?[ \t]*\Z").match
_SIGNED = re.compile(r"-?[0-9]+\Z").match
_SURROGATE = re.compile("[\ud800-\udfff]").search
_SECONDS, _POSITION, _RING_MS = MAX_CALL_S, MAX_POSITION, MAX_CALL_S * 1000

Parts = list[str]  # the whole split line: data fields start at index 5
Builder = Callable[[Parts], dict[str, Any]]


def _uint(text: str, high: int) -> int:
    """A number that cannot be negative (a time, a position): ValueError unless plain ASCII
    digits up to `high`. Two string methods and a comparison: cheap on the hot path."""
    if text.isdigit() and text.isascii():
        value = int(text)
        if value <= high:
            return value
    raise ValueError(text)


def _ranged(text: str, low: int, high: int) -> int:
    """A number that may be negative (a penalty), in low..high; ValueError otherwise."""
    if _SIGNED(text):
        value = int(text)
        if low <= value <= high:
            return value
    raise ValueError(text)


def _opt_pos(parts: Parts, index: int) -> int | None:
    """An optional trailing position: absent or empty is None, anything else must parse."""
    if len(parts) > index and parts[index]:
        return _uint(parts[index], _POSITION)
    return None


def _enter(p: Parts) -> dict[str, Any]:
    data: dict[str, Any] = {"caller": p[6], "position": _uint(p[7], _POSITION)}
    if p[5]:
        data["url"] = p[5]
    if len(p) > 8 and p[8]:
        data["caller_name"] = p[8]
    return data


def _connect(p: Parts) -> dict[str, Any]:
    data: dict[str, Any] = {"wait_s": _uint(p[5], _SECONDS), "member_uniqueid": p[6]}
    if len(p) > 7 and p[7]:
        data["ring_s"] = _uint(p[7], _SECONDS)
    return data


def _complete_agent(p: Parts) -> dict[str, Any]:
    return {
        "ended_by": "agent",
        "wait_s": _uint(p[5], _SECONDS),
        "talk_s": _uint(p[6], _SECONDS),
        "position": _opt_pos(p, 7),
    }


def _complete_caller(p: Parts) -> dict[str, Any]:
    return {
        "ended_by": "caller",
        "wait_s": _uint(p[5], _SECONDS),
        "talk_s": _uint(p[6], _SECONDS),
        "position": _opt_pos(p, 7),
    }


def _abandon(p: Parts) -> dict[str, Any]:
    return {
        "position": _uint(p[5], _POSITION),
        "orig_position": _uint(p[6], _POSITION),
        "wait_s": _uint(p[7], _SECONDS),
    }


def _leave(reason: str) -> Builder:
    def build(p: Parts) -> dict[str, Any]:
        data: dict[str, Any] = {
            "reason": reason,
            "position": _uint(p[5], _POSITION),
            "orig_position": _uint(p[6], _POSITION),
            "wait_s": _uint(p[7], _SECONDS),
        }
        if reason == "withdraw" and len(p) > 8 and p[8]:
            data["info"] = p[8]
        return data

    return build


def _exit_with_key(p: Parts) -> dict[str, Any]:
    return {
        "reason": "key",
        "key": p[5],
        "position": _uint(p[6], _POSITION),
        "orig_position": _uint(p[7], _POSITION),
        "wait_s": _uint(p[8], _SECONDS),
    }


def _ring(p: Parts) -> dict[str, Any]:
    return {"ring_ms": _uint(p[5], _RING_MS)}


def _transfer(mode: str) -> Builder:
    """TRANSFER and BLINDTRANSFER: extension|context|holdtime|calltime|origposition."""

    def build(p: Parts) -> dict[str, Any]:
        return {
            "mode": mode,
            "target": f"{p[5]}@{p[6]}",
            "wait_s": _uint(p[7], _SECONDS),
            "talk_s": _uint(p[8], _SECONDS),
            "position": _opt_pos(p, 9),
        }

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
    return {
        "mode": "attended",
        "target_type": form.lower(),
        "target": target,
        "wait_s": _uint(p[rest], _SECONDS),
        "talk_s": _uint(p[rest + 1], _SECONDS),
        "position": _opt_pos(p, rest + 2),
    }


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
    if len(p) > 6 and p[6]:
        data["logged_in_s"] = _uint(p[6], MAX_LOGIN_S)
    if len(p) > 7 and p[7]:
        data["reason"] = p[7]
    return data


def _penalty(p: Parts) -> dict[str, Any]:
    return {"penalty": _ranged(p[5], PENALTY_MIN, PENALTY_MAX)}


def _ring_in_use(p: Parts) -> dict[str, Any]:
    return {"action": "ringinuse", "value": _ranged(p[5], 0, 1)}


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


def kind_origins() -> dict[Kind, list[str]]:
    """The event types each kind comes from (for the README's event schema table)."""
    origins: dict[Kind, list[str]] = {}
    for name, spec in SPECS.items():
        origins.setdefault(spec[0], []).append(name)
    return origins


#: Each event type's kind as stored (a plain string); any other well-formed name is "other".
_STORED_KIND = {name: spec[0].value for name, spec in SPECS.items()}
_OTHER = Kind.OTHER.value


def from_stored(
    ts: float, call_id: str | None, queue: str | None, agent: str | None, stored: str, source: str
) -> Event:
    """Rebuild the Event the store kept as its columns plus `EVENT|fields` (`Event.raw`).

    A row that today's parser refuses (kept by an older floorwatch that let a negative talk
    time or a 1970 timestamp through) comes back as an `other` event with its fields as
    stored: still there to audit, never derived from.
    """
    stamp = int(ts) if math.isfinite(ts) and ts == int(ts) else ts
    try:
        return parse_line(
            f"{stamp}|{call_id or 'NONE'}|{queue or 'NONE'}|{agent or 'NONE'}|{stored}", source
        )
    except EventError:
        name, _, fields = stored.partition("|")
        return Event(
            ts,
            source,
            Kind.OTHER,
            call_id,
            queue,
            agent,
            {"event": name, "fields": fields.split("|") if fields else []},
            stored,
        )


def parse_line(line: str, source: str = FORMAT) -> Event:
    """One queue_log line (without its newline) as an Event; EventError says why not."""
    parts = line.split("|")
    if len(parts) < 5:
        raise EventError("fewer than 5 fields")
    stamp, name = parts[0], parts[4]
    call_id: str | None = parts[1]
    queue: str | None = parts[2]
    agent: str | None = parts[3]
    if stamp.isdigit() and stamp.isascii() and len(stamp) < 16:  # the common case: seconds
        ts: float = int(stamp)
    elif _STAMP(stamp):
        ts = float(stamp) if "." in stamp else int(stamp)
    else:
        raise EventError(f"timestamp is not a number: {stamp[:40]!r}")
    if not TS_MIN <= ts < TS_MAX:
        raise EventError(f"timestamp {stamp[:40]} is out of range (2001-01-01 to 2099-12-31 UTC)")
    # What the store keeps: the event name and its fields as written ("CONNECT|3|...|3").
    raw = line[len(stamp) + len(parts[1]) + len(parts[2]) + len(parts[3]) + 4 :]
    if call_id in _NO_CALL:
        call_id = None
    if queue in _NO_NAME:
        queue = None
    if agent in _NO_NAME:
        agent = None
    spec = SPECS.get(name)
    if spec is None and not _EVENT_NAME.match(name):
        raise EventError(f"not an event type: {name[:40]!r}")
    if "\x00" in line:
        raise EventError("a field holds a NUL byte")
    if not line.isascii() and _SURROGATE(line):
        raise EventError("a field is not valid UTF-8 (a lone surrogate)")
    if spec is None:
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
            raise EventError(explain_misfit(name, parts)) from None
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
