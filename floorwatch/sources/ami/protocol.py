"""The Asterisk Manager Interface on the wire: framing blocks and reading their fields.

AMI is a one-line banner, then blocks of `Key: Value` lines ended by CRLF, each block ended
by an empty line. Bytes arrive in arbitrary pieces, so `BlockFramer` keeps the unfinished
tail between reads. Plain Python, no sockets: the client in `ami.py` feeds it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: A block that never ends (no blank line) is cut off here rather than growing without bound.
MAX_BLOCK_BYTES = 1 << 20


@dataclass(slots=True)
class Block:
    """One AMI message: its fields, its text, and any lines in it that were not `Key: Value`."""

    fields: dict[str, str]
    text: str
    bad_lines: list[str] = field(default_factory=list)

    @property
    def event(self) -> str | None:
        return self.fields.get("Event")

    @property
    def response(self) -> str | None:
        return self.fields.get("Response")


class BlockFramer:
    """Splits a byte stream into complete blocks, whatever the read boundaries were."""

    def __init__(self) -> None:
        self._tail = b""

    def feed(self, data: bytes) -> list[bytes]:
        """The blocks completed by `data` (without their terminating blank line)."""
        buffer = self._tail + data if self._tail else data
        parts = buffer.split(b"\r\n\r\n")
        self._tail = parts.pop()
        if len(self._tail) > MAX_BLOCK_BYTES:
            parts.append(self._tail)
            self._tail = b""
        # A stray CRLF between blocks leaves an empty line at the front of the next one.
        return [part.lstrip(b"\r\n") if part[:2] == b"\r\n" else part for part in parts if part]

    @property
    def pending(self) -> int:
        """Bytes of an unfinished block held back (dropped if the connection ends now)."""
        return len(self._tail)

    def reset(self) -> None:
        self._tail = b""


def event_name(raw: bytes) -> bytes | None:
    """The `Event:` value of a block, read from its first line without parsing the rest."""
    if raw[:7] != b"Event: ":
        return None
    end = raw.find(b"\r\n")
    return raw[7:] if end < 0 else raw[7:end]


def parse_block(raw: bytes) -> Block:
    """A block's fields. Values keep their exact text (an empty value stays ""); a line with no
    `: ` separator is kept in `bad_lines`, and the rest of the block still counts."""
    text = raw.decode("utf-8", "replace")
    fields: dict[str, str] = {}
    bad: list[str] = []
    for line in text.split("\r\n"):
        key, sep, value = line.partition(": ")
        if sep and key and " " not in key:
            fields.setdefault(key, value)
        elif line.endswith(":") and " " not in line:
            fields.setdefault(line[:-1], "")  # "Key:" with nothing after it
        elif line:
            bad.append(line)
    return Block(fields, text, bad)


def action(name: str, **headers: str) -> bytes:
    """An action to send: `Action: name` and its headers, CRLF, ended by a blank line."""
    lines = [f"Action: {name}"] + [f"{key}: {value}" for key, value in headers.items()]
    for line in lines:
        if "\r" in line or "\n" in line:
            raise ValueError("an AMI header cannot contain a line break")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()
