"""The keys that act on an agent (pause, unpause, add to / remove from a queue, listen, whisper,
barge), shared by the agent board and the agent screen.

They are capitals, so acting on the PBX takes a deliberate shift, and they exist only on a
viewer that reached the ingest's control socket (`app.control`): elsewhere `check_action` hides
them (from the footer, `?` and the keyboard alike) and `?` says why.
"""

from __future__ import annotations

from textual.binding import Binding, BindingType
from textual.dom import DOMNode

from floorwatch.control_protocol import ADD, BARGE, LISTEN, PAUSE, REMOVE, UNPAUSE, WHISPER

ACTION_BINDINGS: list[BindingType] = [
    Binding("P", f"act('{PAUSE}')", "Pause agent"),
    Binding("U", f"act('{UNPAUSE}')", "Unpause agent"),
    Binding("A", f"act('{ADD}')", "Add to queue"),
    Binding("X", f"act('{REMOVE}')", "Remove from queue"),
    Binding("L", f"act('{LISTEN}')", "Listen to the call", show=False),
    Binding("W", f"act('{WHISPER}')", "Whisper to the agent", show=False),
    Binding("B", f"act('{BARGE}')", "Barge in", show=False),
]


def action_key_shown(node: DOMNode, action: str, parameters: tuple[object, ...]) -> bool | None:
    """For `check_action`: False hides an action key (no control socket, or an action
    `[control] actions` does not allow); True for every other action."""
    if action != "act":
        return True
    control = getattr(node.app, "control", None)
    if control is None or not control.usable:
        return False
    allowed = node.app.config.control.actions
    return not parameters or parameters[0] in allowed
