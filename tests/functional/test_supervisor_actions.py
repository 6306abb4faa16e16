"""The action keys in the real dashboard: absent (and `?` says why) on a viewer that cannot reach
the control socket; present on one that can, each asking what it needs, confirming in one line,
and the ingest's answer shown. The socket is served by the ingest's own ControlServer over a
live AMI connection to the loopback PBX (tests/ami_server.py)."""

from __future__ import annotations

import threading

import pytest

from floorwatch.config import load
from floorwatch.ingest.control_server import ControlServer
from floorwatch.screens.help import HelpScreen
from floorwatch.screens.supervisor_actions import ChoiceScreen, ConfirmScreen, ExtensionScreen
from floorwatch.sources.ami.client import AmiSource
from floorwatch.store.action_log import ActionLog
from floorwatch.widgets.agent_board import AgentBoard
from tests.ami_server import AMI, SECRET, AmiServer
from tests.helpers import EXAMPLE_CONFIG, loaded, make_app, until, wait_for

IDLE = (AMI / "queuestatus_idle.raw").read_bytes()[113:]
ACTION_KEYS = {"P", "U", "A", "X", "L", "W", "B"}


def every_action():
    """The example config with every action allowed (listen, whisper and barge are off in it)."""
    config = load(EXAMPLE_CONFIG)
    config.control.actions = ["pause", "unpause", "add", "remove", "listen", "whisper", "barge"]
    return config


@pytest.fixture
def control(sample_db):
    """The ingest's side for the sample store: an AMI connection and the control socket."""
    config = every_action()
    server = AmiServer(status_reply=lambda _: IDLE, answer_actions=True)
    source = AmiSource("pbx", f"driver@127.0.0.1:{server.port}", backoff=(0.05, 0.1))
    source._secret = SECRET
    stop = threading.Event()
    thread = threading.Thread(target=source.run, args=(lambda batch: None, stop, None), daemon=True)
    thread.start()
    wait_for(lambda: source.interface_of("Ana"), what="the members from QueueStatus")
    audit = ActionLog(sample_db)
    socket = ControlServer(config.control_socket(sample_db), config.control, [source], audit)
    socket.start()
    yield server, audit
    socket.close()
    audit.close()
    stop.set()
    thread.join(timeout=5)
    server.close()


def _keys(app) -> set[str]:
    return set(app.screen.active_bindings)


async def test_without_the_socket_the_keys_are_absent_and_help_says_why(sample_db):
    app = make_app(sample_db)
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        assert not app.control.usable
        assert not ACTION_KEYS & _keys(app)
        await pilot.press("P")  # nothing happens: no picker, no request
        await pilot.pause(0.1)
        assert not isinstance(app.screen, ChoiceScreen)
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        assert "Pause agent" not in [row[1] for row in app.screen.rows]
        why = app.screen.query_one("#help-no-actions").render()
        assert "no control socket at" in str(why)
        assert f"{sample_db}.control" in str(why)


async def test_pause_with_a_reason_confirmed_reaches_the_pbx(sample_db, control):
    server, audit = control
    app = make_app(sample_db, config=every_action())
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        assert app.control.usable
        assert _keys(app) >= ACTION_KEYS
        board = app.screen.query_one(AgentBoard)
        assert board.move_to("Ana")
        await pilot.press("P")
        await until(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        assert app.screen.choices[:2] == ["Break", "Lunch"]  # [control] pause_reasons
        await pilot.press("down", "enter")  # Lunch
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert app.screen.line == "pause Ana in every queue (Lunch)"
        await pilot.press("y")
        await until(pilot, lambda: server.received, what="the action at the PBX")
        sent = server.received[-1]
        assert (sent["Action"], sent["Interface"], sent["Paused"], sent["Reason"]) == (
            "QueuePause",
            "Local/201@agents/n",
            "true",
            "Lunch",
        )
        await until(pilot, lambda: app._notifications, what="the answer")
        (note,) = list(app._notifications)
        assert note.message == "pause Ana (Lunch): done: Interface paused successfully"


async def test_no_is_no_and_remove_offers_the_agents_queues(sample_db, control):
    server, audit = control
    app = make_app(sample_db, config=every_action())
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        app.screen.query_one(AgentBoard).move_to("Ana")
        await pilot.press("X")
        await until(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        assert sorted(app.screen.choices) == ["orders", "vip"]
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert app.screen.line.startswith("remove Ana from ")
        await pilot.press("n")
        await pilot.pause(0.2)
        assert server.received == []


async def test_listen_asks_the_extension_once_then_spies(sample_db, control):
    server, audit = control
    app = make_app(sample_db, config=every_action())
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        app.screen.query_one(AgentBoard).move_to("Ana")
        await pilot.press("L")
        await until(pilot, lambda: isinstance(app.screen, ExtensionScreen))
        await pilot.press("1", "0", "9", "9", "enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert app.screen.line == "listen to Ana's call from extension 1099"
        await pilot.press("y")
        await until(pilot, lambda: server.received)
        sent = server.received[-1]
        assert (sent["Action"], sent["Channel"], sent["Application"], sent["Data"]) == (
            "Originate",
            "PJSIP/1099",
            "ChanSpy",
            "Local/201@agents,qE",
        )
        await pilot.press("B")  # the extension is remembered: straight to the confirmation
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert app.screen.line == "barge to Ana's call from extension 1099"


async def test_a_key_for_an_action_the_config_does_not_allow_is_absent(sample_db, control):
    app = make_app(sample_db)  # the example config: no listen, whisper or barge
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        keys = _keys(app)
        assert {"P", "U", "A", "X"} <= keys and not {"L", "W", "B"} & keys
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        assert "Pause agent" in [row[1] for row in app.screen.rows]
        assert not app.screen.query("#help-no-actions")
