"""A supervisor's request as the AMI action that carries it out, and the member interfaces an
AMI connection has seen (an action names the interface, the board names the agent).

Pure: the client (client.py) sends what `ami_action` builds and feeds `MemberInterfaces` every
member block it reads.
"""

from __future__ import annotations

from dataclasses import dataclass

from floorwatch.control_protocol import (
    ADD,
    BARGE,
    LISTEN,
    PAUSE,
    PENALTY,
    REMOVE,
    UNPAUSE,
    WHISPER,
    ControlRequest,
)

#: ChanSpy's options per way of joining a call: q quiet (no beep), E end with the spied call,
#: w whisper to the spied channel, B barge (talk to both sides).
SPY_OPTIONS = {LISTEN: "qE", WHISPER: "qwE", BARGE: "qBE"}

#: Blocks that name a member and its interface: (name keys, interface keys).
_MEMBER_BLOCKS = {
    "QueueMember": (("Name",), ("Location",)),
    "QueueMemberAdded": (("MemberName",), ("Interface",)),
    "QueueMemberStatus": (("MemberName",), ("Interface",)),
    "QueueMemberPause": (("MemberName",), ("Interface",)),
    "QueueMemberPenalty": (("MemberName",), ("Interface",)),
}


@dataclass(frozen=True, slots=True)
class AmiAction:
    """An action to send: its name and headers (the client adds the ActionID)."""

    name: str
    headers: dict[str, str]


def spy_target(interface: str) -> str:
    """ChanSpy's channel prefix for a member interface: `Local/201@agents/n` rings channels named
    `Local/201@agents-...`, so the `/n` (a dial option, not part of a name) goes."""
    return interface.removesuffix("/n")


def ami_action(request: ControlRequest, interface: str, supervisor_channel: str) -> AmiAction:
    """What performs `request` on the member at `interface` (checked by control_protocol.problem
    already: no field holds a line break). `supervisor_channel` holds `{extension}`."""
    queue = {"Queue": request.queue} if request.queue else {}
    action = request.action
    if action in (PAUSE, UNPAUSE):
        headers = {"Interface": interface, "Paused": "true" if action == PAUSE else "false"}
        if request.reason:
            headers["Reason"] = request.reason
        return AmiAction("QueuePause", {**headers, **queue})
    if action == ADD:
        return AmiAction(
            "QueueAdd",
            {**queue, "Interface": interface, "MemberName": request.agent, "Paused": "false"},
        )
    if action == REMOVE:
        return AmiAction("QueueRemove", {**queue, "Interface": interface})
    if action == PENALTY:
        return AmiAction(
            "QueuePenalty", {"Interface": interface, "Penalty": str(request.penalty), **queue}
        )
    if action in SPY_OPTIONS:
        channel = supervisor_channel.replace("{extension}", request.extension or "")
        return AmiAction(
            "Originate",
            {
                "Channel": channel,
                "Application": "ChanSpy",
                "Data": f"{spy_target(interface)},{SPY_OPTIONS[action]}",
                "CallerID": f'"{action} {request.agent}" <{request.extension}>',
                "Async": "true",
            },
        )
    raise ValueError(f"no AMI action for {action!r}")


class MemberInterfaces:
    """Each member's interface as the PBX last named it (`Ana` -> `Local/201@agents/n`); a
    member without a MemberName is named by its interface already."""

    def __init__(self) -> None:
        self._by_member: dict[str, str] = {}

    def see(self, fields: dict[str, str]) -> None:
        keys = _MEMBER_BLOCKS.get(fields.get("Event", ""))
        if keys is None:
            return
        names, interfaces = keys
        name = next((fields[key] for key in names if fields.get(key)), None)
        interface = next((fields[key] for key in interfaces if fields.get(key)), None)
        if interface:
            self._by_member[name or interface] = interface

    def interface(self, agent: str) -> str | None:
        """The agent's interface, if this PBX has named the agent as a member."""
        return self._by_member.get(agent)

    def __len__(self) -> int:
        return len(self._by_member)
