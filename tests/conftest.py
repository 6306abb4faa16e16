"""Shared fixtures (the real sample feeds, stores built through the real ingest path) and the
`e2e` marker on everything under tests/e2e/, so `pytest -m "not e2e"` is the fast inner loop."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from floorwatch.config import Config

from .helpers import SAMPLES, THREE_QUEUES, ingest_file

#: The real nats-server fixture (tests/nats_server.py), for every test that names it.
pytest_plugins = ["tests.nats_server"]

E2E = Path(__file__).resolve().parent / "e2e"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark by folder, so a test cannot be in tests/e2e/ and miss the marker."""
    for item in items:
        if E2E in Path(item.fspath).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture
def samples() -> Path:
    """../shared/samples, or a skip saying it is missing (a clone without the shared folder)."""
    if not THREE_QUEUES.exists():
        pytest.skip(f"sample feeds not found at {SAMPLES} (the shared folder beside the project)")
    return SAMPLES


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
