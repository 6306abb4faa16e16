"""Acting on an agent from the dashboard: the keys, what each asks for, the confirmation line,
and the one-line answer.

The keys exist only on a viewer that can reach the ingest's control socket (`app.control`,
snapshot/control_client.py); elsewhere they are absent and `?` says why. A key asks for what the
action still needs (a pause reason from `[control] pause_reasons`, a queue, the supervisor's
extension once), shows one confirmation line, and on `y` sends the request from a worker
thread; the ingest's reply (done, the PBX's error, or why it was refused) is shown as a
notification. An alarm is acknowledged the same way, from the alarm list (`AcknowledgeFlow`).
Nothing here writes the store or talks to the PBX.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from floorwatch.control_protocol import (
    ACKNOWLEDGE,
    ADD,
    PAUSE,
    REMOVE,
    SPY_ACTIONS,
    UNPAUSE,
    ControlRequest,
    problem,
)
from floorwatch.safe_text import printable
from floorwatch.snapshot.alarms import Alarm
from floorwatch.snapshot.control_client import ControlClient
from floorwatch.widgets.safe_content import content

NO_REASON = "(no reason)"


def say(app, text: str, severity: str = "warning") -> None:
    """A notification of text that may hold feed names: shown as text, never as markup."""
    app.notify(printable(text), severity=severity, markup=False)


class ChoiceScreen(ModalScreen[str | None]):
    """Pick one of a few texts (a reason, a queue)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, choices: list[str]):
        super().__init__()
        self.title_text = title
        self.choices = choices

    def compose(self) -> ComposeResult:
        options = [Option(content(choice), id=str(n)) for n, choice in enumerate(self.choices)]
        with Vertical(id="picker"):
            yield Static(content(self.title_text), classes="picker-title")
            yield OptionList(*options, id="choice-options")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.choices[int(event.option.id or 0)])

    def action_cancel(self) -> None:
        self.dismiss(None)


class AskScreen(ModalScreen[str | None]):
    """One line of text: Enter gives it (empty only when `optional`), Escape gives None."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, placeholder: str = "", value: str = "", optional: bool = False):
        super().__init__()
        self.title_text, self.placeholder, self.value = title, placeholder, value
        self.optional = optional

    def compose(self) -> ComposeResult:
        with Vertical(id="picker"):
            yield Static(content(self.title_text), classes="picker-title")
            yield Input(value=self.value, placeholder=self.placeholder, id="ask-input")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if text or self.optional:
            self.dismiss(text)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ExtensionScreen(AskScreen):
    """The supervisor's own extension, asked once per session when the config has none."""

    def __init__(self) -> None:
        super().__init__("your phone's extension (the PBX rings it)", "1099")


class ConfirmScreen(ModalScreen[bool]):
    """One line: what is about to happen, `y` to do it, anything else to leave it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "confirm", "Yes"),
        Binding("n,escape", "cancel", "No"),
    ]

    def __init__(self, line: str):
        super().__init__()
        self.line = line

    def compose(self) -> ComposeResult:
        yield Static(content(f"{self.line}?   y: yes   n: no"), id="confirm-line")

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)


class ActionFlow:
    """One action on one agent, from its key to the notification of the ingest's answer."""

    def __init__(self, screen: Screen, agent: str):
        self.screen = screen
        self.app = screen.app
        self.agent = agent
        snapshot = self.app.update.snapshot if self.app.update is not None else None
        self.member_of = (
            list(snapshot.agents[agent].queues) if snapshot and agent in snapshot.agents else []
        )
        self.all_queues = sorted(snapshot.queues) if snapshot else []

    def start(self, action: str) -> None:
        config = self.app.config.control
        if action not in config.actions:
            say(self.app, f"{action} is not allowed by [control] actions")
            return
        if action == PAUSE:
            reasons = [*config.pause_reasons, NO_REASON]
            self._ask(ChoiceScreen(f"pause {self.agent}: why?", reasons), self._paused)
        elif action == UNPAUSE:
            self._confirm(ControlRequest(UNPAUSE, self.agent))
        elif action == ADD:
            others = [q for q in self.all_queues if q not in self.member_of]
            self._pick_queue(ADD, others, f"add {self.agent} to which queue?")
        elif action == REMOVE:
            self._pick_queue(REMOVE, self.member_of, f"remove {self.agent} from which queue?")
        elif action in SPY_ACTIONS:
            extension = getattr(self.app, "supervisor_extension", None) or config.extension
            if extension:
                self._confirm(ControlRequest(action, self.agent, extension=extension))
            else:
                self._ask(ExtensionScreen(), lambda ext: self._extension(action, ext))

    def _ask(self, screen: ModalScreen, then: Callable) -> None:
        self.app.push_screen(screen, lambda answer: answer is not None and then(answer))

    def _paused(self, reason: str) -> None:
        self._confirm(
            ControlRequest(PAUSE, self.agent, reason=None if reason == NO_REASON else reason)
        )

    def _pick_queue(self, action: str, queues: list[str], title: str) -> None:
        if not queues:
            where = "in no queue" if action == REMOVE else "in every queue already"
            say(self.app, f"{self.agent} is {where}")
            return
        self._ask(
            ChoiceScreen(title, queues),
            lambda q: self._confirm(ControlRequest(action, self.agent, q)),
        )

    def _extension(self, action: str, extension: str) -> None:
        self.app.supervisor_extension = extension
        self._confirm(ControlRequest(action, self.agent, extension=extension))

    def _confirm(self, request: ControlRequest) -> None:
        found = problem(request)
        if found:
            say(self.app, f"not sent: {found}", "error")
            return
        line = request.describe()
        if request.action in (PAUSE, UNPAUSE) and request.queue is None:
            line = line.replace(request.agent, f"{request.agent} in every queue", 1)
        self._ask(ConfirmScreen(line), lambda yes: yes and send(self.app, request))


class AcknowledgeFlow:
    """An alarm taken for every viewer: the name it is signed with (asked once per session,
    the login name offered), a note, one confirmation line, the ingest's answer."""

    def __init__(self, screen: Screen, alarm: Alarm):
        self.app = screen.app
        self.alarm = alarm

    def start(self) -> None:
        if ACKNOWLEDGE not in self.app.config.control.actions:
            say(self.app, f"{ACKNOWLEDGE} is not allowed by [control] actions")
            return
        if not self.alarm.is_open:
            say(self.app, "that alarm has cleared: there is nothing to acknowledge")
            return
        name = getattr(self.app, "supervisor_name", None)
        if name:
            self._ask_note(name)
            return
        screen = AskScreen("acknowledge as (your name, shown on every screen)", value=login())
        self.app.push_screen(screen, lambda given: given and self._named(given))

    def _named(self, name: str) -> None:
        self.app.supervisor_name = name
        self._ask_note(name)

    def _ask_note(self, name: str) -> None:
        title = f"note for {self.alarm.summary} (Enter: none)"
        screen = AskScreen(title, "calling in two agents from training", optional=True)
        self.app.push_screen(screen, lambda note: note is not None and self._noted(name, note))

    def _noted(self, name: str, note: str) -> None:
        request = ControlRequest(
            ACKNOWLEDGE, "", alarm=self.alarm.store_id, name=name, note=note or None
        )
        found = problem(request)
        if found:
            say(self.app, f"not sent: {found}", "error")
            return
        line = f"acknowledge {self.alarm.summary} as {name}" + (f": {note}" if note else "")
        self.app.push_screen(ConfirmScreen(line), lambda yes: yes and send(self.app, request))


def login() -> str:
    """This viewer's login name, offered as the name to sign with ("" if there is none)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


def send(app, request: ControlRequest) -> None:
    """Send from a worker thread (the answer may take the PBX's time) and show the reply."""

    def run() -> None:
        reply = ControlClient(app.control.path).send(request)
        app.call_from_thread(
            app.notify,
            printable(reply.message),
            severity="information" if reply.ok else "error",
            timeout=8 if reply.ok else 15,
            markup=False,
        )

    app.run_worker(run, thread=True, group="control", exit_on_error=False)
