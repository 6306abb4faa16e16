"""Actions sent on an AMI source's live connection from another thread (the ingest's control
server), each matched to its Response by ActionID.

The connection belongs to the source's own asyncio loop; `perform` hands an action to that
loop and waits for its answer, so the control server never touches the socket itself. An event
block that carries an ActionID (Asterisk's OriginateResponse, another session's) is never taken
for an answer: only `Response:` blocks are offered to `answered`.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass

from floorwatch.sources.ami.actions import AmiAction
from floorwatch.sources.ami.protocol import action

#: The longest answer kept (a Message is one line; a longer one is cut here).
MAX_MESSAGE = 300


@dataclass(frozen=True, slots=True)
class AmiReply:
    """The PBX's answer to an action: Success or not, and its Message (one line); or, with
    `from_pbx` False, why no answer came (not connected, no answer in time, connection lost)."""

    ok: bool
    message: str
    from_pbx: bool = True


class ActionChannel:
    """The live connection as far as actions are concerned: open while logged in."""

    def __init__(self, address: str, action_ids: itertools.count):
        self.address = address
        self._action_ids = action_ids
        self._loop: asyncio.AbstractEventLoop | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._pending: dict[str, asyncio.Future[AmiReply]] = {}

    @property
    def connected(self) -> bool:
        return self._writer is not None

    @property
    def waiting(self) -> bool:
        """Some action is waiting for its answer."""
        return bool(self._pending)

    def open(self, writer: asyncio.StreamWriter) -> None:
        """Logged in on `writer` (called on the source's loop)."""
        self._loop, self._writer = asyncio.get_running_loop(), writer

    def close(self) -> None:
        """The connection ended: nothing more can be sent, and no answer will come."""
        self._writer = None
        for answer in self._pending.values():
            if not answer.done():
                answer.set_result(AmiReply(False, "the connection to the PBX was lost", False))

    def perform(self, request: AmiAction, timeout: float) -> AmiReply:
        """Send an action and wait for its Response (from any thread but the loop's own).
        Not connected, or no answer in time: a reply saying so."""
        loop = self._loop
        if loop is None or self._writer is None:
            return AmiReply(False, f"not connected to the PBX ({self.address})", False)
        future = asyncio.run_coroutine_threadsafe(self._send(request), loop)
        try:
            return future.result(timeout)
        except TimeoutError:
            future.cancel()
            return AmiReply(False, f"the PBX did not answer within {timeout:g} s", False)
        except (OSError, RuntimeError, asyncio.CancelledError) as error:
            return AmiReply(
                False, f"the connection to the PBX was lost ({error or 'closed'})", False
            )

    async def _send(self, request: AmiAction) -> AmiReply:
        writer = self._writer
        if writer is None:
            return AmiReply(False, f"not connected to the PBX ({self.address})", False)
        action_id = f"floorwatch-act-{next(self._action_ids)}"
        answer: asyncio.Future[AmiReply] = asyncio.get_running_loop().create_future()
        self._pending[action_id] = answer
        try:
            writer.write(action(request.name, ActionID=action_id, **request.headers))
            await writer.drain()
            return await answer
        finally:
            self._pending.pop(action_id, None)

    def answered(self, fields: dict[str, str]) -> bool:
        """A Response block: if it answers one of ours, hand it over (True)."""
        answer = self._pending.get(fields.get("ActionID", ""))
        if answer is None:
            return False
        if not answer.done():
            response = fields.get("Response", "")
            lines = (fields.get("Message") or response or "no message").splitlines() or [""]
            answer.set_result(AmiReply(response == "Success", lines[0][:MAX_MESSAGE]))
        return True
