"""The Asterisk Manager Interface (AMI) as a live source: `ami:USER@HOST[:PORT]`.

A TCP client on asyncio streams, run in the source's own thread. It logs in (the secret comes
from `FLOORWATCH_AMI_SECRET` or the config's `secret_file`, never from the command line, where
`ps` would show it), asks `QueueStatus` so the floor is true from the first second, then turns
the event stream into canonical events (ami_events.py). A dropped connection is reported as
`disconnected` in feed health and retried with backoff (1 s doubling to 30 s); each new
connection re-syncs with `QueueStatus`, and the store's dedupe keeps anything from counting
twice. A refused login is fatal for `floorwatch ingest` (exit 2) and retried by the dashboard.

There is nothing to resume in AMI: events sent while we were away are gone (queue_log, run
beside it, is the record of those), so this source keeps no checkpoint.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from floorwatch.events import Event
from floorwatch.sources.ami.action_channel import ActionChannel, AmiReply
from floorwatch.sources.ami.actions import AmiAction, MemberInterfaces
from floorwatch.sources.ami.protocol import BlockFramer, action, event_name, parse_block
from floorwatch.sources.ami.translate import AmiTranslator, BlockError
from floorwatch.sources.base import (
    SECRET_ENV,
    Batch,
    Checkpoint,
    Emit,
    Reject,
    SourceError,
    read_secret_file,
)

FORMAT = "ami"
DEFAULT_PORT = 5038
#: A reject keeps at most this much of its block.
MAX_REJECT_TEXT = 2000
NOT_A_HEADER = "not a 'Key: Value' line"


@dataclass(frozen=True, slots=True)
class AmiAddress:
    """Where to log in: `USER@HOST[:PORT]`."""

    user: str
    host: str
    port: int = DEFAULT_PORT

    def __str__(self) -> str:
        return f"{self.user}@{self.host}:{self.port}"


def parse_address(location: str) -> AmiAddress:
    """`USER@HOST[:PORT]` (an IPv6 host in brackets); SourceError in one line otherwise."""
    user, at, hostport = location.rpartition("@")
    if not at or not user or not hostport:
        raise SourceError(
            f"ami:{location}: expected ami:USER@HOST[:PORT], for example "
            "ami:floorwatch@127.0.0.1:5038"
        )
    if ":" in user and not user.startswith("["):
        raise SourceError(
            f"ami:{location}: no password in the source (it would show in ps); "
            f"set {SECRET_ENV} or secret_file in the config"
        )
    host, port = hostport, DEFAULT_PORT
    if hostport.startswith("["):
        host, _, rest = hostport[1:].partition("]")
        if rest:
            port = _port(location, rest.removeprefix(":"))
    elif hostport.count(":") == 1:
        host, _, text = hostport.partition(":")
        port = _port(location, text)
    if not host:
        raise SourceError(f"ami:{location}: no host")
    return AmiAddress(user, host, port)


def _port(location: str, text: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise SourceError(f"ami:{location}: port {text!r} is not a TCP port")
    return int(text)


def read_secret(secret_file: str | None) -> str:
    """The AMI secret: from `secret_file` when the config names one, else the environment
    (which the command scrubs once every source has read it: `base.scrub_secrets`)."""
    if secret_file:
        return read_secret_file("secret_file", secret_file)
    secret = os.environ.get(SECRET_ENV, "")
    if not secret:
        raise SourceError(
            f"no AMI secret: set {SECRET_ENV} or secret_file in the config's [[sources]]"
        )
    return secret


class LoginRefused(Exception):
    """The PBX said no to our username and secret."""


class Disconnected(Exception):
    """The connection could not be made or was lost; the message says how."""


class AmiSource:
    """Logs in, syncs with QueueStatus and follows the event stream until stopped."""

    kind = FORMAT
    format = FORMAT
    #: Events gathered before handing a batch over (more per commit, less per event).
    BATCH_EVENTS = 5000
    #: ...or this long after the first of them, so the dashboard stays live.
    BATCH_SECONDS = 0.05
    READ_BYTES = 1 << 18

    def __init__(
        self,
        name: str,
        location: str,
        *,
        secret_file: str | None = None,
        fatal_login: bool = True,
        follow: bool = True,
        clock: Callable[[], float] = time.time,
        backoff: tuple[float, float] = (1.0, 30.0),
        timeout: float = 10.0,
    ):
        self.name = name
        self.address = parse_address(location)
        self.secret_file = secret_file
        self.fatal_login = fatal_login
        #: False: one connection, to the end of what the server sends (a recorded stream).
        self.follow = follow
        self.clock = clock
        self.backoff = backoff
        self.timeout = timeout
        self.translator = AmiTranslator(name, clock)
        #: Connections made (1 on a clean run; more after drops). For tests and feed health.
        self.connections = 0
        self.events = 0
        self._secret: str | None = None
        self._action_ids = itertools.count(1)
        #: Member -> interface, as this PBX has named them (for actions on a member).
        self.members = MemberInterfaces()
        #: Actions sent on the live connection from other threads (the control socket's).
        self.channel = ActionChannel(str(self.address), self._action_ids)

    # ----------------------------------------------------------------- Source protocol
    def check(self) -> None:
        """Fail early, in one line, when there is no secret to log in with."""
        self._secret = read_secret(self.secret_file)

    def size(self) -> int:
        return 0

    def wake(self) -> None:
        """Nothing to wake: the read loop looks at the stop flag every quarter second."""

    def run(self, emit: Emit, stop: threading.Event, checkpoint: Checkpoint | None) -> None:
        if self._secret is None:
            self.check()
        asyncio.run(self._run(emit, stop))

    # ----------------------------------------------------------------- actions
    @property
    def connected(self) -> bool:
        """Logged in now: an action can be sent."""
        return self.channel.connected

    def interface_of(self, agent: str) -> str | None:
        """The member's interface, if this PBX has named `agent` as one of its members."""
        return self.members.interface(agent)

    def perform(self, request: AmiAction, timeout: float) -> AmiReply:
        """Send an action on the live connection and wait for the PBX's answer (from any
        thread but the source's own: action_channel.py)."""
        return self.channel.perform(request, timeout)

    # ----------------------------------------------------------------- connection loop
    async def _run(self, emit: Emit, stop: threading.Event) -> None:
        low, high = self.backoff
        delay = low
        while not stop.is_set():
            logged_in = False
            try:
                logged_in = await self._session(emit, stop)
                reason = "the PBX closed the connection"
            except LoginRefused as refused:
                if self.fatal_login:
                    raise SourceError(f"{self.address}: login refused: {refused}") from None
                reason = f"login refused: {refused}"
            except Disconnected as lost:
                reason = str(lost)
            except OSError as error:
                reason = f"connection lost: {error.strerror or error}"
            if stop.is_set() or not self.follow:
                if not self.follow and not logged_in:
                    raise SourceError(f"{self.address}: {reason}")
                break
            if logged_in:
                delay = low
            emit(
                Batch(
                    self.name,
                    FORMAT,
                    status="disconnected",
                    status_detail=f"{self.address}: {reason}; retrying in {delay:g} s",
                )
            )
            await _sleep(delay, stop)
            delay = min(delay * 2, high)

    async def _session(self, emit: Emit, stop: threading.Event) -> bool:
        """One connection, from connect to its end. True once the login was accepted."""
        address = self.address
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(address.host, address.port), self.timeout
            )
        except (TimeoutError, OSError) as error:
            why = getattr(error, "strerror", None) or str(error) or "timed out"
            raise Disconnected(f"cannot connect: {why}") from None
        self.connections += 1
        try:
            return await self._converse(reader, writer, emit, stop)
        finally:
            self.channel.close()
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    async def _converse(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        emit: Emit,
        stop: threading.Event,
    ) -> bool:
        try:
            banner = await asyncio.wait_for(reader.readline(), self.timeout)
        except TimeoutError:
            raise Disconnected("no banner from the server (is it AMI?)") from None
        if not banner:
            raise Disconnected("the server closed the connection before its banner")
        if not banner.startswith(b"Asterisk Call Manager"):
            raise Disconnected(f"not an AMI server: {banner[:60].decode('latin-1').strip()!r}")
        login_id = f"floorwatch-login-{next(self._action_ids)}"
        writer.write(
            action(
                "Login",
                ActionID=login_id,
                Username=self.address.user,
                Secret=self._secret or "",
                Events="on",
            )
        )
        await writer.drain()
        framer = BlockFramer()
        translator = self.translator
        logged_in = False
        events: list[Event] = []
        rejects: list[Reject] = []
        first_at = 0.0
        login_deadline = time.monotonic() + self.timeout + 2

        def hand_over() -> None:
            nonlocal events, rejects
            if events or rejects:
                self.events += len(events)
                emit(
                    Batch(
                        self.name,
                        FORMAT,
                        events,
                        rejects,
                        status="connected",
                        status_detail=self._detail(),
                    )
                )
                events, rejects = [], []

        while not stop.is_set():
            wait = self.BATCH_SECONDS if events else 0.25
            try:
                data = await asyncio.wait_for(reader.read(self.READ_BYTES), wait)
            except TimeoutError:
                if not logged_in and time.monotonic() > login_deadline:
                    raise Disconnected("no answer to the login") from None
                if wait != self.BATCH_SECONDS:
                    # Quiet for a while: a held leave had no AgentConnect after it.
                    events.extend(translator.flush())
                hand_over()
                continue
            if not data:
                break
            for raw in framer.feed(data):
                name = event_name(raw)
                if name is not None and logged_in:
                    text_name = name.decode("latin-1")
                    if not translator.used(text_name):
                        events.extend(translator.skip(text_name))
                        if raw.count(b": ") <= raw.count(b"\r\n"):  # a line that is no header
                            rejects.extend(
                                Reject(None, line[:MAX_REJECT_TEXT], NOT_A_HEADER)
                                for line in parse_block(raw).bad_lines
                            )
                        continue
                block = parse_block(raw)
                for line in block.bad_lines:
                    rejects.append(Reject(None, line[:MAX_REJECT_TEXT], NOT_A_HEADER))
                if (
                    logged_in
                    and name is None
                    and self.channel.waiting
                    and self.channel.answered(block.fields)
                ):
                    continue  # the answer to an action sent from the control socket
                if name is not None:
                    self.members.see(block.fields)
                if not logged_in:
                    if block.response is None:
                        continue  # the only action sent so far is the login: this is not its answer
                    if block.response != "Success":
                        raise LoginRefused(block.fields.get("Message") or block.response)
                    logged_in = True
                    self.channel.open(writer)
                    emit(Batch(self.name, FORMAT, status="connected", status_detail=self._detail()))
                    writer.write(
                        action("QueueStatus", ActionID=f"floorwatch-sync-{next(self._action_ids)}")
                    )
                    await writer.drain()
                    continue
                try:
                    events.extend(translator.translate(block))
                except BlockError as error:
                    rejects.append(
                        Reject(None, block.text[:MAX_REJECT_TEXT], f"{block.event}: {error}")
                    )
            if events and not first_at:
                first_at = time.monotonic()
            if (
                len(events) >= self.BATCH_EVENTS
                or (events and time.monotonic() - first_at >= self.BATCH_SECONDS)
                or rejects
            ):
                hand_over()
                first_at = 0.0
        # The connection ended (or we are stopping): what was complete is handed over; a block
        # cut off mid-way is dropped whole, never half-read.
        framer.reset()
        events.extend(translator.flush())
        hand_over()
        if not logged_in and not stop.is_set():
            raise Disconnected("the server closed the connection during login")
        return logged_in

    def _detail(self) -> str:
        ignored = sum(self.translator.ignored.values())
        return f"{self.address}: {self.events:,} events, {ignored:,} other AMI events ignored"


async def _sleep(seconds: float, stop: threading.Event) -> None:
    """Sleep, but wake within a quarter second of a stop request."""
    deadline = time.monotonic() + seconds
    while not stop.is_set():
        left = deadline - time.monotonic()
        if left <= 0:
            return
        await asyncio.sleep(min(left, 0.25))
