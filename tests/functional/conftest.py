"""Fixtures the pilot tests share."""

from __future__ import annotations

from pathlib import Path

import pytest

from floorwatch.config import load
from tests.helpers import EXAMPLE_CONFIG, ingest_file


@pytest.fixture
def sample_db(tmp_path, samples) -> Path:
    """The shared three-queue capture ingested with the example config."""
    config = load(EXAMPLE_CONFIG)
    return ingest_file(tmp_path / "floor.db", samples / "asterisk22_three_queues.queue_log", config)
