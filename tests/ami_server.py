"""A real TCP server on 127.0.0.1 that speaks AMI the way Asterisk 22 does, for tests and bench.

It sends the banner, checks the Login (username and secret), answers it with recorded bytes,
answers QueueStatus, then replays a recorded event stream byte for byte. It can close the
connection at chosen byte offsets of the stream (mid-block or at a block boundary); the next
connection carries on from the start of the block that was cut, as a PBX's stream carries on
with what happens next. Its QueueStatus answer is either recorded bytes or, for a replayed
stream, the floor as the events sent so far left it (callers waiting, members and pauses).

The recordings are ../shared/samples/ami/*.raw (real Asterisk 22.10.1 exchanges; offsets from
ami/INDEX.txt) and ../shared/samples/asterisk22_three_queues.ami.log.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable

from tests.helpers import SAMPLES

AMI = SAMPLES / "ami"
BANNER = b"Asterisk Call Manager/11.0.0\r\n"
SECRET = "s3cret-for-tests"


def login_ok(action_id: str) -> bytes:
    return (
        f"Response: Success\r\nActionID: {action_id}\r\nMessage: Authentication accepted"
        "\r\n\r\nEvent: FullyBooted\r\nPrivilege: system,all\r\nUptime: 6\r\nLastReload: 6"
        "\r\nStatus: Fully Booted\r\n\r\n"
    ).encode()


def recorded_login_failure() -> bytes:
    """login_fail.raw after its banner: the real 'Authentication failed' block."""
    return (AMI / "login_fail.raw").read_bytes()[30:]


class FloorTracker:
    """What a replayed stream has said so far: who waits, who is a member, who is paused."""

    def __init__(self) -> None:
        self.waiting: dict[str, dict[str, dict[str, str]]] = {}
        self.members: dict[str, dict[str, dict[str, str]]] = {}

    def see(self, block: bytes) -> None:
        if not block.startswith(b"Event: Queue") and not block.startswith(b"Event: Agent"):
            return
        fields = dict(line.split(": ", 1) for line in block.decode().split("\r\n") if ": " in line)
        name, queue = fields.get("Event"), fields.get("Queue", "")
        if name == "QueueCallerJoin":
            self.waiting.setdefault(queue, {})[fields["Uniqueid"]] = fields
        elif name == "QueueCallerLeave":
            self.waiting.get(queue, {}).pop(fields["Uniqueid"], None)
        elif name == "QueueMemberRemoved":
            self.members.get(queue, {}).pop(fields["MemberName"], None)
        elif name and name.startswith("QueueMember"):
            self.members.setdefault(queue, {})[fields["MemberName"]] = fields

    def status_reply(self, action_id: str) -> bytes:
        """A QueueStatus answer in Asterisk's layout (ActionID last in the list events)."""
        out = [
            f"Response: Success\r\nActionID: {action_id}\r\nEventList: start\r\n"
            "Message: Queue status will follow\r\n\r\n"
        ]
        items = 0
        for queue in sorted(set(self.waiting) | set(self.members)):
            callers = self.waiting.get(queue, {})
            out.append(
                f"Event: QueueParams\r\nQueue: {queue}\r\nMax: 0\r\nStrategy: ringall\r\n"
                f"Calls: {len(callers)}\r\nActionID: {action_id}\r\n\r\n"
            )
            items += 1
            for name, member in self.members.get(queue, {}).items():
                out.append(
                    f"Event: QueueMember\r\nQueue: {queue}\r\nName: {name}\r\n"
                    f"Location: {member.get('Interface', name)}\r\n"
                    f"Membership: {member.get('Membership', 'static')}\r\n"
                    f"Penalty: {member.get('Penalty', '0')}\r\nInCall: {member.get('InCall', '0')}"
                    f"\r\nStatus: {member.get('Status', '1')}\r\nPaused: {member.get('Paused', '0')}"
                    f"\r\nPausedReason: {member.get('PausedReason', '') if member.get('Paused') == '1' else ''}"
                    f"\r\nWrapuptime: 0\r\nActionID: {action_id}\r\n\r\n"
                )
                items += 1
            for position, (uniqueid, caller) in enumerate(callers.items(), 1):
                out.append(
                    f"Event: QueueEntry\r\nQueue: {queue}\r\nPosition: {position}\r\n"
                    f"Channel: {caller.get('Channel', '')}\r\nUniqueid: {uniqueid}\r\n"
                    f"CallerIDNum: {caller.get('CallerIDNum', '')}\r\nWait: 0\r\n"
                    f"Priority: 0\r\nActionID: {action_id}\r\n\r\n"
                )
                items += 1
        out.append(
            f"Event: QueueStatusComplete\r\nActionID: {action_id}\r\nEventList: Complete"
            f"\r\nListItems: {items}\r\n\r\n"
        )
        return "".join(out).encode()


#: What Asterisk 22 answers each action floorwatch sends when it works (app_queue.c, manager.c).
ACTION_SUCCESS = {
    "QueuePause": "Interface paused successfully",
    "QueueAdd": "Added interface to queue",
    "QueueRemove": "Removed interface from queue",
    "QueuePenalty": "Interface penalty set successfully",
    "Originate": "Originate successfully queued",
}
#: The real answer to an action the account's write classes do not grant (unknown_action_prelogin.raw).
PERMISSION_DENIED = "Permission denied"


def unknown_action(name: str) -> str:
    """The real answer to an action Asterisk does not have (unknown_action.raw)."""
    return f"Invalid/unknown command: {name}. Use Action: ListCommands to show available commands."


def member_names(status: bytes) -> dict[str, str]:
    """Interface -> member name, from the QueueMember blocks of a QueueStatus answer."""
    names = {}
    for block in status.split(b"\r\n\r\n"):
        fields = dict(line.split(": ", 1) for line in block.decode().split("\r\n") if ": " in line)
        if fields.get("Event") == "QueueMember":
            names[fields.get("Location", "")] = fields.get("Name", "")
    return names


def action_reply(
    request: dict[str, str], errors: dict[str, str], names: dict[str, str]
) -> tuple[bytes, bytes]:
    """The Response block for an action after login, and the event its effect sends (or b"").
    `errors`: action name -> the Message of an Error answer to it (None: no answer at all);
    `names`: interface -> member name (the PBX names the member in its events)."""
    name, action_id = request.get("Action", ""), request.get("ActionID", "")
    if name in errors and errors[name] is None:
        return b"", b""
    if name in errors:
        response, message = "Error", errors[name]
    elif name in ACTION_SUCCESS:
        response, message = "Success", ACTION_SUCCESS[name]
        if name == "QueuePause" and request.get("Paused") == "false":
            message = "Interface unpaused successfully"
    else:
        response, message = "Error", unknown_action(name)
    reply = f"Response: {response}\r\nActionID: {action_id}\r\nMessage: {message}\r\n\r\n"
    effect = b""
    if response == "Success" and name == "QueuePause":
        paused = "1" if request.get("Paused") == "true" else "0"
        effect = (
            ami_block(
                Event="QueueMemberPause",
                Privilege="agent,all",
                Queue=request.get("Queue", "orders"),
                MemberName=names.get(request.get("Interface", ""), request.get("Interface", "")),
                Interface=request.get("Interface", ""),
                Paused=paused,
                PausedReason=request.get("Reason", ""),
            )
            + b"\r\n\r\n"
        )
    return reply.encode(), effect


class AmiServer:
    """Serves one script to every connection, in turn, on a thread of its own.

    `login_reply(action_id)` answers a good login; `status_reply(action_id)` a QueueStatus (None:
    a replayed stream's own floor); `stream` is replayed after the first QueueStatus answer
    (or right after login when `stream_after_login`). `drops` are stream offsets at which to
    close the connection, one per connection, in order; `hold` keeps the stream back until
    `release()` is called (to look at the floor before any new event).
    """

    def __init__(
        self,
        stream: bytes = b"",
        *,
        secret: str = SECRET,
        user: str = "driver",
        login_reply: Callable[[str], bytes] = login_ok,
        status_reply: Callable[[str], bytes] | None = None,
        drops: list[int] | None = None,
        hold: bool = False,
        stream_after_login: bool = False,
        close_at_end: bool = False,
        chunk: int = 1 << 16,
        answer_actions: bool = False,
        action_errors: dict[str, str | None] | None = None,
    ):
        self.stream = stream
        self.secret = secret
        self.user = user
        self.login_reply = login_reply
        self.status_reply = status_reply
        self.drops = list(drops or [])
        self.stream_after_login = stream_after_login
        self.close_at_end = close_at_end
        self.chunk = chunk
        #: Keep reading after the sync: record every action (`received`) and answer it.
        self.answer_actions = answer_actions
        self.action_errors = dict(action_errors or {})
        self.received: list[dict[str, str]] = []
        self.names: dict[str, str] = {}
        self._send_lock = threading.Lock()
        self.position = 0  # where in `stream` the next connection carries on
        self.tracker = FloorTracker()
        self.connections = 0
        self.logins: list[tuple[str, str]] = []
        self.actions: list[str] = []
        self.finished = threading.Event()  # the whole stream has been sent
        self._release = threading.Event()
        if not hold:
            self._release.set()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True, name="ami server")
        self._thread.start()

    def release(self) -> None:
        self._release.set()

    def close(self) -> None:
        self._stop.set()
        self._release.set()
        self._listener.close()
        self._thread.join(timeout=5)

    def __enter__(self) -> AmiServer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ----------------------------------------------------------------- serving
    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            try:
                self._converse(conn)
            except OSError:
                pass
            finally:
                conn.close()

    def _actions(self, conn: socket.socket):
        """The client's actions, one dict each, as they arrive."""
        buffer = b""
        while True:
            while b"\r\n\r\n" not in buffer:
                data = conn.recv(4096)
                if not data:
                    return
                buffer += data
            raw, buffer = buffer.split(b"\r\n\r\n", 1)
            yield dict(line.split(": ", 1) for line in raw.decode().split("\r\n") if ": " in line)

    def _converse(self, conn: socket.socket) -> None:
        conn.sendall(BANNER)
        actions = self._actions(conn)
        login = next(actions, None)
        if login is None or login.get("Action") != "Login":
            return
        self.logins.append((login.get("Username", ""), login.get("Secret", "")))
        if (login.get("Username"), login.get("Secret")) != (self.user, self.secret):
            time.sleep(0.2)  # Asterisk sleeps 1 s before saying no
            conn.sendall(recorded_login_failure())
            return
        conn.sendall(self.login_reply(login.get("ActionID", "")))
        if not self.stream_after_login:
            for request in actions:
                self.actions.append(request.get("Action", ""))
                if request.get("Action") == "QueueStatus":
                    reply = self.status_reply or self.tracker.status_reply
                    status = reply(request.get("ActionID", ""))
                    self.names.update(member_names(status))
                    conn.sendall(status)
                    break
            else:
                return
        if self.answer_actions:
            threading.Thread(
                target=self._answer, args=(conn, actions), daemon=True, name="ami actions"
            ).start()
        self._release.wait()
        self._replay(conn)

    def _answer(self, conn: socket.socket, actions) -> None:
        """Record and answer each action the client sends after the sync."""
        try:
            for request in actions:
                self.received.append(request)
                reply, effect = action_reply(request, self.action_errors, self.names)
                if reply:
                    with self._send_lock:
                        conn.sendall(reply + effect)
        except OSError:
            return

    def _replay(self, conn: socket.socket) -> None:
        stream = self.stream
        drop = self.drops.pop(0) if self.drops else None
        while self.position < len(stream) and not self._stop.is_set():
            end = min(self.position + self.chunk, len(stream))
            if drop is not None and drop < end:
                end = max(drop, self.position)
            if self.answer_actions and drop is None and end < len(stream):
                boundary = stream.rfind(b"\r\n\r\n", self.position, end)
                end = boundary + 4 if boundary >= 0 else end  # answers go between blocks
            piece = stream[self.position : end]
            with self._send_lock:
                conn.sendall(piece)
            if drop is not None and end == drop:
                # Cut here. The next connection resumes at the start of the block we cut.
                block_start = stream.rfind(b"\r\n\r\n", 0, end)
                block_start = 0 if block_start < 0 else block_start + 4
                if stream[end - 4 : end] == b"\r\n\r\n":
                    block_start = end
                self._track(stream, block_start)
                self.position = block_start
                conn.shutdown(socket.SHUT_RDWR)
                return
            self._track(stream, end)
            self.position = end
        self.finished.set()
        if self.close_at_end:
            conn.shutdown(socket.SHUT_RDWR)
            return
        while not self._stop.wait(0.05):  # keep the connection open, as a quiet PBX does
            pass

    def _track(self, stream: bytes, end: int) -> None:
        """Feed the floor tracker every block completed by the bytes sent up to `end`."""
        if self.status_reply is not None:
            return
        boundary = stream.rfind(b"\r\n\r\n", self._tracked, end)
        if boundary < 0:
            return
        for block in stream[self._tracked : boundary].split(b"\r\n\r\n"):
            self.tracker.see(block)
        self._tracked = boundary + 4

    _tracked = 0


def ami_block(**fields: str) -> bytes:
    """One AMI message as the server writes it, without its closing blank line."""
    return "".join(f"{key}: {value}\r\n" for key, value in fields.items()).rstrip().encode()


CONNECT = dict(
    Event="AgentConnect",
    Queue="orders",
    Uniqueid="u1",
    MemberName="Ana",
    Interface="Local/201@agents/n",
    HoldTime="4",
    RingTime="2",
)

COMPLETE = dict(
    Event="AgentComplete",
    Queue="orders",
    Uniqueid="u1",
    MemberName="Ana",
    HoldTime="4",
    TalkTime="20",
    Reason="agent",
)
