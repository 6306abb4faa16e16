"""The control socket's protocol: a supervisor's request and the ingest's answer, one JSON
object per line each way.

A viewer never acts itself: it writes one `ControlRequest` to the ingest's control socket
(ingest/control_server.py) and reads one `ControlReply`. Both sides check a request with
`problem()` (the viewer to say so at once, the ingest because a request may be crafted by hand),
so a reason or a queue holding a line break can never become a second AMI header.
Plain Python: no sockets, no I/O.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, fields

#: What a supervisor can do, by the name the request and the `[control] actions` list use.
PAUSE, UNPAUSE, ADD, REMOVE, PENALTY = "pause", "unpause", "add", "remove", "penalty"
LISTEN, WHISPER, BARGE = "listen", "whisper", "barge"
#: An alarm acknowledged for every viewer: the one action that needs no PBX.
ACKNOWLEDGE = "acknowledge"
QUEUE_ACTIONS = (PAUSE, UNPAUSE, ADD, REMOVE, PENALTY)
SPY_ACTIONS = (LISTEN, WHISPER, BARGE)
ACTIONS = QUEUE_ACTIONS + SPY_ACTIONS + (ACKNOWLEDGE,)

#: The longest line either side reads; anything longer is refused without being read whole.
MAX_LINE_BYTES = 4096
#: The longest text field (an agent, a queue, a reason, an extension, a note).
MAX_TEXT = 200
#: The longest name an acknowledgement is signed with.
MAX_NAME = 60
#: A penalty as app_queue keeps it (a C int; negative penalties are not asked for here).
MAX_PENALTY = 2**31 - 1

#: C0 controls, DEL and C1 controls, the line and paragraph separators and the bidi controls:
#: none belongs in a name, and CR or LF would end an AMI header early.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
#: A phone extension: digits, letters, and the few signs dial plans use (`*`, `#`, `+`, `-`, `_`).
_EXTENSION = re.compile(r"[0-9A-Za-z*#+_.-]{1,40}\Z")


class ProtocolError(ValueError):
    """A line that is not a request (or not a reply); the message says why, in one line."""


@dataclass(frozen=True, slots=True)
class ControlRequest:
    """One supervisor action. `queue` None on a pause or unpause: in every queue. An
    acknowledgement names no agent (`agent` empty): it names the alarm, the name it is signed
    with and a note, all shown on every viewer."""

    action: str
    agent: str
    queue: str | None = None
    reason: str | None = None
    penalty: int | None = None
    #: The supervisor's own phone, for listen / whisper / barge.
    extension: str | None = None
    #: The alarm's id (the store's) an acknowledgement is for.
    alarm: int | None = None
    #: The name an acknowledgement is signed with, as the supervisor gave it.
    name: str | None = None
    note: str | None = None

    def describe(self) -> str:
        """The action in a few words, as the confirmation line and the audit say it."""
        if self.action == ACKNOWLEDGE:
            note = f": {self.note}" if self.note else ""
            return f"acknowledge alarm {self.alarm} as {self.name}{note}"
        where = f" in {self.queue}" if self.queue else ""
        if self.action == PAUSE:
            because = f" ({self.reason})" if self.reason else ""
            return f"pause {self.agent}{where}{because}"
        if self.action == UNPAUSE:
            return f"unpause {self.agent}{where}"
        if self.action == ADD:
            return f"add {self.agent} to {self.queue}"
        if self.action == REMOVE:
            return f"remove {self.agent} from {self.queue}"
        if self.action == PENALTY:
            return f"set {self.agent}'s penalty{where} to {self.penalty}"
        return f"{self.action} to {self.agent}'s call from extension {self.extension}"


@dataclass(frozen=True, slots=True)
class ControlReply:
    """The ingest's answer: done or not, and one line that says what happened."""

    ok: bool
    message: str
    #: The audit row written for the request (None when nothing could be recorded).
    audit_id: int | None = None


def _text_problem(name: str, value: object, required: bool, longest: int = MAX_TEXT) -> str | None:
    if value is None or value == "":
        return f"{name} is missing" if required else None
    if not isinstance(value, str):
        return f"{name} must be text"
    if len(value) > longest:
        return f"{name} is longer than {longest} characters"
    if _CONTROL.search(value):
        return f"{name} holds a control character"
    if value != value.strip():
        return f"{name} starts or ends with a space"
    return None


def problem(request: ControlRequest) -> str | None:
    """Why the request cannot be carried out as it stands (None: it can be tried)."""
    if request.action not in ACTIONS:
        return f"unknown action {str(request.action)[:40]!r} (known: {', '.join(ACTIONS)})"
    if request.action == ACKNOWLEDGE:
        return _acknowledge_problem(request)
    for name in ("alarm", "name", "note"):
        if getattr(request, name) is not None:
            return f"{name} goes only with {ACKNOWLEDGE}"
    needs_queue = request.action in (ADD, REMOVE, PENALTY)
    for name, value, required in (
        ("agent", request.agent, True),
        ("queue", request.queue, needs_queue),
        ("reason", request.reason, False),
        ("extension", request.extension, request.action in SPY_ACTIONS),
    ):
        found = _text_problem(name, value, required)
        if found:
            return found
    if request.extension and not _EXTENSION.match(request.extension):
        return "extension may hold only digits, letters and * # + - _ ."
    if request.action == PENALTY:
        penalty = request.penalty
        if not isinstance(penalty, int) or isinstance(penalty, bool):
            return "penalty must be a whole number"
        if not 0 <= penalty <= MAX_PENALTY:
            return f"penalty must be between 0 and {MAX_PENALTY}"
    elif request.penalty is not None:
        return f"a penalty goes only with {PENALTY}"
    return None


def _acknowledge_problem(request: ControlRequest) -> str | None:
    alarm = request.alarm
    if not isinstance(alarm, int) or isinstance(alarm, bool) or not 0 < alarm < 2**62:
        return "alarm must be the alarm's number"
    for name in ("agent", "queue", "reason", "penalty", "extension"):
        if getattr(request, name) not in (None, ""):
            return f"{name} does not go with {ACKNOWLEDGE}"
    return _text_problem("name", request.name, True, MAX_NAME) or _text_problem(
        "note", request.note, False
    )


def encode(message: ControlRequest | ControlReply) -> bytes:
    """One line of JSON, ended by a newline."""
    return json.dumps(asdict(message), ensure_ascii=True, separators=(",", ":")).encode() + b"\n"


def _decode(line: bytes, kind: type) -> dict:
    if len(line) > MAX_LINE_BYTES:
        raise ProtocolError(f"longer than {MAX_LINE_BYTES} bytes")
    try:
        value = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ProtocolError("not a JSON object") from None
    if not isinstance(value, dict):
        raise ProtocolError("not a JSON object")
    known = {field.name for field in fields(kind)}
    unknown = sorted(set(value) - known)
    if unknown:
        raise ProtocolError(f"unknown field(s) {', '.join(unknown)[:80]}")
    return value


def decode_request(line: bytes) -> ControlRequest:
    """A request from its line; ProtocolError if it is not one (its fields are checked by
    `problem`, so the refusal can say which)."""
    value = _decode(line, ControlRequest)
    value.setdefault("agent", "")  # an acknowledgement names no agent
    for name in ("action", "agent"):
        if not isinstance(value.get(name), str):
            raise ProtocolError(f"{name} must be text")
    return ControlRequest(**value)


def decode_reply(line: bytes) -> ControlReply:
    value = _decode(line, ControlReply)
    if not isinstance(value.get("ok"), bool) or not isinstance(value.get("message"), str):
        raise ProtocolError("a reply needs ok and message")
    return ControlReply(**value)
