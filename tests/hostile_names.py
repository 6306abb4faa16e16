"""Names a hostile feed can carry (escape sequences, markup, bidi overrides, formulas) and the
store that holds them: shared by the unit, pilot and subprocess tests of what viewers show."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from floorwatch.config import load
from floorwatch.store.database import Store
from tests.helpers import ingest_file

#: Writes "OSC52_PWNED" to the terminal's clipboard when written raw.
OSC52 = "Ag\x1b]52;c;T1NDNTJfUFdORUQ=\x1b\\X"
OSC52_SHOWN = "Ag␛]52;c;T1NDNTJfUFdORUQ=␛\\X"
LINK = "[link=http://evil.example]Bob[/link]"
QUEUE = "[bold red]Q[/bold red]"
#: A C1 CSI (clear screen) and a right-to-left override in a pause reason.
REASON = "x\x9b2Jy\u202eevil"
REASON_SHOWN = "x\\x9b2Jyevil"
#: A caller id that sets the window title.
CALLER = "Mal\x1b]0;owned\x07"
CALLER_SHOWN = "Mal␛]0;owned␇"
FORMULA = "=1+2"
EMOJI = "Eve :skull:"

#: Rich's own styling (SGR) is allowed in terminal output; nothing else may start with ESC.
SGR = re.compile(r"\x1b\[[0-9;]*m")
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def hostile_lines(now: int) -> list[str]:
    return [
        f"{now - 300}|MANAGER|{QUEUE}|{OSC52}|ADDMEMBER|",
        f"{now - 300}|MANAGER|{QUEUE}|{LINK}|ADDMEMBER|",
        f"{now - 290}|MANAGER|sales|{FORMULA}|ADDMEMBER|",
        f"{now - 290}|MANAGER|sales|{EMOJI}|ADDMEMBER|",
        f"{now - 200}|c1|{QUEUE}|NONE|ENTERQUEUE||5550100|1",
        f"{now - 190}|c1|{QUEUE}|{OSC52}|CONNECT|10|m1|2",
        f"{now - 100}|c1|{QUEUE}|{OSC52}|COMPLETEAGENT|10|90|1",
        f"{now - 80}|NONE|{QUEUE}|{LINK}|PAUSE|{REASON}",
        f"{now - 70}|c3|sales|NONE|ENTERQUEUE||{CALLER}|1",
        f"{now - 65}|c3|sales|{FORMULA}|CONNECT|5|m3|2",
        f"{now - 60}|c2|{QUEUE}|NONE|ENTERQUEUE||5550101|1",
    ]


def make_hostile_store(folder: Path, now: int) -> tuple[Path, Path]:
    feed = folder / "hostile.queue_log"
    feed.write_text("".join(line + "\n" for line in hostile_lines(now)))
    config = folder / "floorwatch.toml"
    config.write_text('timezone = "UTC"\n')
    db = ingest_file(folder / "hostile.db", feed, load(config))
    with Store.open_readonly(db) as store:  # the feed's text is stored as it came
        names = {row[0] for row in sqlite3.connect(store.path).execute("SELECT name FROM agents")}
    assert OSC52 in names and LINK in names, f"the test store lacks the hostile names: {names}"
    return db, config


def visible_output_problems(output: str) -> list[str]:
    """What in terminal output is not plain text or Rich's own SGR styling."""
    return CONTROL.findall(SGR.sub("", output).replace("\x1b", "\x01"))
