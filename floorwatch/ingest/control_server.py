"""The ingest's control socket: the one path by which a viewer gets something done on the PBX.

A Unix socket beside the database. Who can reach it is decided by its file's mode and group
(`[control] mode`, `group`); who it then listens to is decided again here, from the peer's
credentials as the kernel gives them (SO_PEERCRED), never from anything the request says: the
ingest's own user, root, or a member of the group. A request is one JSON line
(control_protocol); it is checked (allowed action, no control characters, an AMI source that
knows the agent), carried out on the AMI connection the ingest already holds, and written to the
`actions` table with its outcome before the one-line reply goes back. Refusals are audited too.
"""

from __future__ import annotations

import contextlib
import grp
import json
import logging
import os
import pwd
import socket
import stat
import struct
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from floorwatch.control_config import ControlConfig
from floorwatch.control_protocol import (
    ACKNOWLEDGE,
    MAX_LINE_BYTES,
    ControlReply,
    ControlRequest,
    ProtocolError,
    decode_request,
    encode,
    problem,
)
from floorwatch.sources.ami.action_channel import AmiReply
from floorwatch.sources.ami.actions import AmiAction, ami_action
from floorwatch.sources.base import SourceError
from floorwatch.store.action_log import ActionLog, ActionRecord
from floorwatch.store.faults import StoreError

log = logging.getLogger(__name__)

#: A peer has this long to send its line (a stuck client must not hold a thread for ever).
READ_TIMEOUT_S = 5.0
DONE, FAILED, REFUSED = "done", "failed", "refused"


class ActionTarget(Protocol):
    """What performs an action: an AMI source (sources/ami/client.AmiSource)."""

    name: str

    @property
    def connected(self) -> bool: ...

    def perform(self, request: AmiAction, timeout: float) -> AmiReply: ...

    def interface_of(self, agent: str) -> str | None: ...


@dataclass(frozen=True, slots=True)
class Peer:
    """Who is on the other end of a connection, as the kernel says."""

    pid: int
    uid: int
    gid: int

    @property
    def user(self) -> str:
        try:
            return pwd.getpwuid(self.uid).pw_name
        except KeyError:
            return f"uid {self.uid}"


def peer_of(conn: socket.socket) -> Peer:
    raw = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    pid, uid, gid = struct.unpack("3i", raw)
    return Peer(pid, uid, gid)


def group_id(name: str) -> int:
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        raise SourceError(f"[control] group {name!r}: no such group") from None


class ControlServer:
    """Listens on the control socket in a thread of its own until `close`."""

    def __init__(
        self,
        path: str | Path,
        config: ControlConfig,
        targets: Sequence[ActionTarget],
        audit: ActionLog,
        clock: Callable[[], float] = time.time,
    ):
        self.path = Path(path)
        self.config = config
        self.targets = list(targets)
        self.audit = audit
        self.clock = clock
        self.group = group_id(config.group) if config.group else None
        self._listener: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._closed = threading.Event()

    # ----------------------------------------------------------------- the socket
    def start(self) -> None:
        """Make the socket (mode and group as configured) and start answering on it."""
        path = self.path
        if len(os.fsencode(path)) > 100:
            raise SourceError(f"{path}: too long a path for a Unix socket; set [control] socket")
        with contextlib.suppress(FileNotFoundError):
            if not stat.S_ISSOCK(path.lstat().st_mode):
                raise SourceError(f"{path}: exists and is not a socket; move it away")
            path.unlink()  # ours, left by an ingest that was killed (the writer lock is held)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        mask = os.umask(0o777)  # nobody can connect before the mode below is set
        try:
            listener.bind(str(path))
        except OSError as error:
            listener.close()
            raise SourceError(f"{path}: cannot make the control socket: {error.strerror}") from None
        finally:
            os.umask(mask)
        try:
            if self.group is not None:
                os.chown(path, -1, self.group)  # the ingest's user must be in the group
            os.chmod(path, self.config.file_mode)
        except OSError as error:
            listener.close()
            path.unlink(missing_ok=True)
            raise SourceError(
                f"{path}: cannot give the control socket group {self.config.group!r} and mode "
                f"{self.config.mode}: {error.strerror} (is this user in that group?)"
            ) from None
        listener.listen(16)
        listener.settimeout(0.25)
        self._listener = listener
        self._thread = threading.Thread(target=self._serve, daemon=True, name="control socket")
        self._thread.start()

    def close(self) -> None:
        self._closed.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._listener is not None:
            self._listener.close()
            with contextlib.suppress(OSError):
                self.path.unlink()

    def _serve(self) -> None:
        assert self._listener is not None
        while not self._closed.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._converse, args=(conn,), daemon=True).start()

    def _converse(self, conn: socket.socket) -> None:
        with conn:
            try:
                peer = peer_of(conn)
                conn.settimeout(READ_TIMEOUT_S)
                line = _read_line(conn)
                if not line.strip():
                    return  # a viewer knocking to see whether it can act: nothing asked
                reply = self.answer(line, peer)
                conn.sendall(encode(reply))
            except (OSError, TimeoutError):
                return  # the peer went, or never said anything: nothing was asked
            except Exception:
                log.exception("the control socket failed on a request; the ingest carries on")

    # ----------------------------------------------------------------- a request
    def permitted(self, peer: Peer) -> bool:
        """The ingest's own user, root, or a member of `[control] group`."""
        if peer.uid in (os.getuid(), 0):
            return True
        if self.group is None:
            return False
        if peer.gid == self.group:
            return True
        try:
            return self.group in os.getgrouplist(peer.user, peer.gid)
        except OSError:
            return False

    def answer(self, line: bytes, peer: Peer) -> ControlReply:
        """The reply to one request line from `peer`, with its audit row written."""
        try:
            request = decode_request(line)
        except ProtocolError as error:
            return self._refuse(peer, ControlRequest("?", ""), f"not a request: {error}")
        except TypeError:
            return self._refuse(peer, ControlRequest("?", ""), "not a request: wrong fields")
        if not self.permitted(peer):
            return self._refuse(
                peer, request, f"{peer.user} is not in the control group ({self.config.group})"
            )
        found = problem(request)
        if found:
            return self._refuse(peer, request, found)
        if request.action not in self.config.actions:
            return self._refuse(peer, request, f"{request.action} is not allowed here ([control])")
        if request.action == ACKNOWLEDGE:
            return self._acknowledge(peer, request)
        if not self.targets:
            return self._refuse(
                peer, request, "this ingest has no AMI source: actions need an ami: source"
            )
        found_target = self._target_of(request.agent)
        if found_target is None:
            return self._refuse(
                peer,
                request,
                f"{request.agent} is not a member on this ingest's PBX "
                f"({', '.join(t.name for t in self.targets)}); another site's ingest acts on it",
            )
        target, interface = found_target
        sent = ami_action(request, interface, self.config.supervisor_channel)
        reply = target.perform(sent, self.config.timeout_s)
        outcome = DONE if reply.ok else FAILED
        verdict = "done" if reply.ok else "the PBX said" if reply.from_pbx else "failed"
        said = f"{request.describe()}: {verdict}: {reply.message}"
        audit_id = self._record(self._row(peer, request, outcome, reply.message, target.name, sent))
        return ControlReply(reply.ok, said, audit_id)

    def _acknowledge(self, peer: Peer, request: ControlRequest) -> ControlReply:
        """The store's own action: the alarm marked for every viewer, with its audit row."""
        assert request.alarm is not None and request.name is not None
        row = self._row(peer, request, REFUSED, "", None, None)
        try:
            result, audit_id = self.audit.acknowledge(
                request.alarm, request.name, request.note, row
            )
        except StoreError as error:
            log.warning("could not acknowledge an alarm: %s", error)
            return ControlReply(False, f"not acknowledged: {error}")
        if not result.ok:
            return ControlReply(False, f"refused: {result.why}", audit_id)
        again = f" (was {result.before}'s)" if result.before else ""
        what = f" ({result.summary})" if result.summary else ""
        return ControlReply(
            True, f"alarm {request.alarm}{what} acknowledged as {request.name}{again}", audit_id
        )

    def _target_of(self, agent: str) -> tuple[ActionTarget, str] | None:
        for target in self.targets:
            interface = target.interface_of(agent)
            if interface:
                return target, interface
        return None

    def _refuse(self, peer: Peer, request: ControlRequest, why: str) -> ControlReply:
        audit_id = self._record(self._row(peer, request, REFUSED, why, None, None))
        return ControlReply(False, f"refused: {why}", audit_id)

    def _record(self, row: ActionRecord) -> int | None:
        try:
            return self.audit.record(row)
        except StoreError as error:
            log.warning("could not write the audit row of an action: %s", error)
            return None

    def _row(
        self,
        peer: Peer,
        request: ControlRequest,
        outcome: str,
        answer: str,
        source: str | None,
        sent: AmiAction | None,
    ) -> ActionRecord:
        """The audit row of a request, every field as asked (never trusted to be typed)."""

        def text(value: object) -> str | None:
            return value if isinstance(value, str) and value else None

        penalty, alarm = request.penalty, request.alarm
        acknowledging = request.action == ACKNOWLEDGE
        return ActionRecord(
            at=self.clock(),
            user=peer.user,
            uid=peer.uid,
            pid=peer.pid,
            action=str(request.action)[:40],
            agent=text(request.agent),
            queue=text(request.queue),
            reason=text(request.note if acknowledging else request.reason),
            penalty=penalty if isinstance(penalty, int) and abs(penalty) < 2**62 else None,
            extension=text(request.extension),
            source=source,
            ami_action=json.dumps({"Action": sent.name, **sent.headers}) if sent else None,
            outcome=outcome,
            answer=answer,
            alarm_id=alarm if isinstance(alarm, int) and 0 < alarm < 2**62 else None,
        )


def _read_line(conn: socket.socket) -> bytes:
    """One line (without its newline), at most MAX_LINE_BYTES (more is returned whole, so the
    protocol refuses it as too long)."""
    data = b""
    while b"\n" not in data and len(data) <= MAX_LINE_BYTES:
        piece = conn.recv(MAX_LINE_BYTES + 1)
        if not piece:
            break
        data += piece
    return data.split(b"\n", 1)[0]
