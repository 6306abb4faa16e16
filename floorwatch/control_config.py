"""`[control]` in floorwatch.toml: whether the ingest takes supervisor actions, from whom, and
which (the socket's file mode and group decide who can reach it; docs/deploy.md)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from floorwatch.control_protocol import ACTIONS


class ControlConfigError(ValueError):
    """A `[control]` setting that cannot be used; the message names the key."""


@dataclass
class ControlConfig:
    """`[control]`: supervisor actions through the ingest (docs/deploy.md). Off by default: an
    ingest opens its control socket only when told to, and performs only the actions listed."""

    enabled: bool = False
    #: The Unix socket; empty: beside the database (`<database>.control`).
    socket: str = ""
    #: The group that may use the socket (its file's group); empty: only the ingest's own user.
    group: str = ""
    #: The socket file's mode, as octal text: "0660" lets the group in, "0600" only the owner.
    mode: str = "0660"
    #: What a supervisor may do (control_protocol.ACTIONS): a missing one is refused.
    actions: list[str] = field(
        default_factory=lambda: ["pause", "unpause", "add", "remove", "penalty", "acknowledge"]
    )
    #: The reasons the pause picker offers.
    pause_reasons: list[str] = field(
        default_factory=lambda: ["Break", "Lunch", "Training", "Meeting", "Coaching"]
    )
    #: The supervisor's phone for listen / whisper / barge (the viewer's; empty: asked once).
    extension: str = ""
    #: The channel the ingest rings for it: `{extension}` is replaced.
    supervisor_channel: str = "PJSIP/{extension}"
    #: How long the ingest waits for the PBX's answer to an action.
    timeout_s: float = 10.0

    def check(self) -> None:
        unknown = sorted(set(self.actions) - set(ACTIONS))
        if unknown:
            raise ControlConfigError(
                f"control.actions: unknown {', '.join(unknown)} (known: {', '.join(ACTIONS)})"
            )
        if not re.fullmatch(r"0?[0-7]{3}", self.mode):
            raise ControlConfigError(
                f"control.mode: {self.mode!r} is not an octal mode such as 0660"
            )
        if int(self.mode, 8) & 0o007:
            raise ControlConfigError(
                f"control.mode: {self.mode} lets every user in; use 0660 or 0600"
            )
        if "{extension}" not in self.supervisor_channel:
            raise ControlConfigError("control.supervisor_channel: must hold {extension}")
        if self.timeout_s <= 0:
            raise ControlConfigError("control.timeout_s: must be more than 0")

    @property
    def file_mode(self) -> int:
        return int(self.mode, 8)
