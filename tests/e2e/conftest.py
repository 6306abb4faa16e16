"""Fixtures only the end-to-end tests use: a store that a real `floorwatch ingest` wrote."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from tests.helpers import FLOORWATCH


@pytest.fixture
def live_floor(tmp_path) -> tuple[Path, Path]:
    """A store with a floor happening now: an agent free, one on a call, a caller waiting."""
    now = int(time.time())
    feed = tmp_path / "queue_log"
    feed.write_text(
        "".join(
            line + "\n"
            for line in [
                f"{now - 300}|MANAGER|sales|Zoe|ADDMEMBER|",
                f"{now - 300}|MANAGER|sales|Yann|ADDMEMBER|",
                f"{now - 120}|c1|sales|NONE|ENTERQUEUE||5550100|1",
                f"{now - 110}|c1|sales|Yann|CONNECT|10|m1|2",
                f"{now - 20}|c2|sales|NONE|ENTERQUEUE||5550101|1",
            ]
        )
    )
    db = tmp_path / "floor.db"
    subprocess.run(
        [*FLOORWATCH, "ingest", "--db", str(db), "--once", f"queue_log:{feed}"],
        check=True,
        capture_output=True,
    )
    config = tmp_path / "floorwatch.toml"
    config.write_text('[queues.sales]\ndisplay_name = "Sales"\n')
    return db, config
