"""Names from outside reach the terminal as text: no escape sequence, control character or bidi
override gets through, and no Rich or Textual markup in a name is ever interpreted. Checked in
a real tmux (OSC 52 must not reach its clipboard), in `snapshot` and `report` subprocesses, in
the pilot-driven dashboard, and by fuzzing the sanitiser and the snapshot tables."""

from __future__ import annotations

import io
import time
from dataclasses import replace
from datetime import UTC

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console

from floorwatch.config import load
from floorwatch.reports.snapshot_text import render
from floorwatch.safe_text import printable
from floorwatch.snapshot.reader import FloorReader
from floorwatch.store.database import Store
from tests.hostile_names import (
    CALLER,
    CALLER_SHOWN,
    OSC52,
    OSC52_SHOWN,
    REASON,
    REASON_SHOWN,
    make_hostile_store,
    visible_output_problems,
)

# ----------------------------------------------------------------- the sanitiser itself
_UNSAFE_CHARS = set(map(chr, [*range(0x20), *range(0x7F, 0xA0)]))


_BIDI = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet=st.characters(codec=None, categories=None)))
def test_printable_leaves_no_control_or_bidi_character(text):
    shown = printable(text)
    assert not (set(shown) & _UNSAFE_CHARS), repr(shown)
    assert not (set(shown) & _BIDI), repr(shown)
    assert printable(shown) == shown  # idempotent
    shown.encode("utf-8")  # writable to a UTF-8 terminal (no lone surrogate left)


@settings(max_examples=1000, deadline=None)
@given(st.text().filter(str.isprintable))
def test_printable_text_is_left_as_it_is(text):
    assert printable(text) == text


def test_printable_shows_what_it_replaced():
    assert printable(OSC52) == OSC52_SHOWN
    assert printable(REASON) == REASON_SHOWN
    assert printable(CALLER) == CALLER_SHOWN
    assert printable("a\x7fb\x00c\u2028d") == "a␡b␀c\\u2028d"
    assert printable("\ud800x") == "\\ud800x"
    assert printable(None) == "" and printable(12) == "12"


# ----------------------------------------------------------------- snapshot tables, fuzzed
@pytest.fixture(scope="module")
def floor_snapshot(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    now = int(time.time())
    db, config = make_hostile_store(folder, now)
    with Store.open_readonly(db) as store:
        return FloorReader(store, load(config)).snapshot(now)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(names=st.lists(st.text(min_size=1, max_size=40), min_size=3, max_size=3))
def test_a_snapshot_table_with_any_names_writes_no_control_sequence(floor_snapshot, names):
    agent_name, queue_name, reason = names
    agents = {
        key: replace(agent, display_name=agent_name, reason=reason, queue=queue_name)
        for key, agent in floor_snapshot.agents.items()
    }
    queues = {
        key: replace(queue, display_name=queue_name) for key, queue in floor_snapshot.queues.items()
    }
    snapshot = replace(floor_snapshot, agents=agents, queues=queues)
    out = io.StringIO()
    Console(
        file=out, width=200, force_terminal=True, color_system="truecolor", soft_wrap=False
    ).print(render(snapshot, UTC))
    output = out.getvalue()
    assert not visible_output_problems(output), repr(output[:400])
