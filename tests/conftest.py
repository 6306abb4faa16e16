"""Shared fixtures: the real sample feeds, and stores built through the real ingest path."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from floorwatch.config import Config
from floorwatch.ingest.pipeline import Ingest
from floorwatch.sources import open_source
from floorwatch.store.database import Store

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT.parent / "shared" / "samples"
THREE_QUEUES = SAMPLES / "asterisk22_three_queues.queue_log"


@pytest.fixture
def samples() -> Path:
    """../shared/samples, or a skip saying it is missing (a clone without the shared folder)."""
    if not THREE_QUEUES.exists():
        pytest.skip(f"sample feeds not found at {SAMPLES} (the shared folder beside the project)")
    return SAMPLES


def ingest_file(db: Path, feed: Path, config: Config | None = None,
                kind: str = "queue_log") -> Path:  # fmt: skip
    """Load `feed` into `db` through the real ingest (as `floorwatch ingest --once` does)."""
    config = config or Config(timezone="UTC")
    store = Store.open(db, config.derive_config())
    try:
        Ingest(store, [open_source(f"{kind}:{feed}", follow=False)]).run(threading.Event())
    finally:
        store.close()
    return db


@pytest.fixture
def make_store(tmp_path: Path) -> Callable[..., Path]:
    """Write queue_log lines to a file and ingest them; returns the database path."""
    counter = iter(range(1000))

    def make(lines: Iterable[str], config: Config | None = None, db: Path | None = None) -> Path:
        number = next(counter)
        feed = tmp_path / f"feed{number}.queue_log"
        feed.write_text("".join(line + "\n" for line in lines))
        return ingest_file(db or tmp_path / f"store{number}.db", feed, config)

    return make
