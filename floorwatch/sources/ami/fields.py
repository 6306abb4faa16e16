"""Reading an AMI block's fields the way a feed line is read: numbers as plain digits, required
keys present, the member named as queue_log names it. A block that fails is a `BlockError`."""

from __future__ import annotations

import re

#: A number as AMI writes one (a penalty may be negative; ranges are the schema's to check).
_NUMBER = re.compile(r"-?[0-9]{1,19}\Z").match
#: A `Timestamp` (timestampevents = yes): epoch seconds with microseconds.
TS_PATTERN = re.compile(r"[0-9]{1,12}(?:\.[0-9]{1,9})?\Z").match


class BlockError(ValueError):
    """A block that names a known event but lacks what that event must carry."""


def int_field(fields: dict[str, str], key: str, default: int | None = None) -> int | None:
    value = fields.get(key)
    if value is None or value == "":
        if default is not None:
            return default
        raise BlockError(f"{key} missing")
    if _NUMBER(value):  # int() alone would also take "1_000", " 7" and other scripts' digits
        return int(value)
    raise BlockError(f"{key} is not a number: {value[:20]!r}")


def need(fields: dict[str, str], key: str) -> str:
    value = fields.get(key)
    if not value:
        raise BlockError(f"{key} missing")
    return value


def member(fields: dict[str, str]) -> str:
    """The agent: the member name where configured, else the interface (as queue_log does)."""
    return fields.get("MemberName") or fields.get("Name") or need(fields, "Interface")


def member_state(fields: dict[str, str]) -> dict:
    paused = int_field(fields, "Paused", 0) == 1
    state = {
        "paused": paused,
        "reason": (fields.get("PausedReason") or None) if paused else None,
        "penalty": int_field(fields, "Penalty", 0),
        "in_call": int_field(fields, "InCall", 0) == 1,
        "dynamic": fields.get("Membership") == "dynamic",
    }
    return state
