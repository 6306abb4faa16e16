"""A viewer's side of the control socket: can it act, and asking the ingest to.

A viewer holds no PBX credentials and never writes the store: it sends one request line to
the ingest's control socket (ingest/control_server.py) and shows the one-line reply. Whether
the socket can be reached (it exists, is a socket, this user may open it, an ingest listens)
decides whether the dashboard offers its action keys at all; `ControlAccess.why` says, for `?`,
why they are absent.
"""

from __future__ import annotations

import os
import socket
import stat
from dataclasses import dataclass
from pathlib import Path

from floorwatch.control_protocol import (
    MAX_LINE_BYTES,
    ControlReply,
    ControlRequest,
    ProtocolError,
    decode_reply,
    encode,
    problem,
)


@dataclass(frozen=True, slots=True)
class ControlAccess:
    """Whether this viewer can act, and if not, why (one line)."""

    path: Path
    usable: bool
    why: str = ""


def control_access(path: str | Path, timeout: float = 1.0) -> ControlAccess:
    """Look at the socket and knock once: an ingest must be listening on it."""
    path = Path(path)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return ControlAccess(
            path, False, f"no control socket at {path} (the ingest runs without [control])"
        )
    except OSError as error:
        return ControlAccess(path, False, f"{path}: {error.strerror}")
    if not stat.S_ISSOCK(mode):
        return ControlAccess(path, False, f"{path} is not a socket")
    if not os.access(path, os.R_OK | os.W_OK):
        return ControlAccess(
            path, False, f"{path}: permission denied (this user is not in the control group)"
        )
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            probe.settimeout(timeout)
            probe.connect(str(path))
    except OSError as error:
        return ControlAccess(path, False, f"{path}: {error.strerror or error} (no ingest there)")
    return ControlAccess(path, True)


class ControlClient:
    """Sends requests to one control socket; every failure is a reply that says it."""

    def __init__(self, path: str | Path, timeout: float = 15.0):
        self.path = Path(path)
        self.timeout = timeout

    def send(self, request: ControlRequest) -> ControlReply:
        found = problem(request)
        if found:
            return ControlReply(False, f"not sent: {found}")
        return self.send_line(encode(request))

    def send_line(self, line: bytes) -> ControlReply:
        """Any line, as it is (tests send crafted ones)."""
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
                conn.settimeout(self.timeout)
                conn.connect(str(self.path))
                conn.sendall(line if line.endswith(b"\n") else line + b"\n")
                data = b""
                while b"\n" not in data and len(data) <= MAX_LINE_BYTES:
                    piece = conn.recv(MAX_LINE_BYTES)
                    if not piece:
                        break
                    data += piece
        except TimeoutError:
            return ControlReply(False, f"the ingest did not answer within {self.timeout:g} s")
        except OSError as error:
            return ControlReply(False, f"cannot reach the ingest: {error.strerror or error}")
        if not data:
            return ControlReply(False, "the ingest closed the connection without an answer")
        try:
            return decode_reply(data.split(b"\n", 1)[0])
        except ProtocolError as error:
            return ControlReply(False, f"the ingest's answer is not one: {error}")
