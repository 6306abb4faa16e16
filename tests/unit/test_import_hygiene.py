"""Each pure module, imported alone in a fresh interpreter, loads no UI, dataframe, command-line
or database library; each viewer module loads neither pandas nor sqlite-utils. (import-linter
checks the import statements; this checks what importing really pulls in.)"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest


def _pure_modules() -> list[str]:
    """The pure modules as the import contract lists them (pyproject.toml), so the two checks
    cover the same modules: one list, kept in one place."""
    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    contracts = tomllib.loads(pyproject.read_text())["tool"]["importlinter"]["contracts"]
    (pure,) = [c for c in contracts if c["name"].startswith("Pure modules")]
    return pure["source_modules"]


PURE = _pure_modules()
NOT_IN_PURE = ["textual", "rich", "pandas", "click", "sqlite3"]

VIEWERS = [
    "floorwatch.app",
    "floorwatch.screens.floor",
    "floorwatch.screens.agent",
    "floorwatch.screens.wallboard",
    "floorwatch.screens.report",
    "floorwatch.widgets.agent_board",
    "floorwatch.widgets.queue_board",
    "floorwatch.snapshot.reader",
    "floorwatch.snapshot.live",
]
NOT_IN_VIEWERS = ["sqlite_utils", "pandas", "nats"]

#: Known breaches, each to be mended where it lives (strict: the test says when one is gone).
#: Viewer modules allowed a known exception (none: the report screen loads pandas only when
#: it runs a report, inside its worker).
KNOWN: dict[str, str] = {}


def loaded_by(module: str, names: list[str]) -> list[str]:
    """Which of `names` are in sys.modules after importing `module` alone."""
    code = (
        f"import json, sys; import {module}; "
        f"print(json.dumps([n for n in {names!r} if n in sys.modules]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    return json.loads(result.stdout)


@pytest.mark.parametrize("module", PURE)
def test_a_pure_module_loads_no_ui_dataframe_cli_or_database_library(module):
    assert loaded_by(module, NOT_IN_PURE) == []


@pytest.mark.parametrize(
    "module",
    [
        pytest.param(m, marks=pytest.mark.xfail(strict=True, reason=KNOWN[m])) if m in KNOWN else m
        for m in VIEWERS
    ],
)
def test_a_viewer_module_loads_neither_pandas_nor_sqlite_utils(module):
    assert loaded_by(module, NOT_IN_VIEWERS) == []


def loaded_after(code: str, names: list[str]) -> list[str]:
    """Which of `names` are in sys.modules after running `code` in a fresh interpreter."""
    check = (
        f"{code}\nimport json, sys; print(json.dumps([n for n in {names!r} if n in sys.modules]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", check], capture_output=True, text=True, timeout=60, check=True
    )
    return json.loads(result.stdout.splitlines()[-1])


def test_a_viewer_opening_a_store_loads_no_sqlite_utils(tmp_path):
    """The store is made (through sqlite-utils) by the writer; then a viewer process, the way
    `floorwatch dash` starts (the command line, a read-only store, its first snapshot), loads
    none of sqlite-utils, pandas or the schema's builder."""
    db = tmp_path / "v.db"
    from floorwatch.store.database import Store

    Store.open(db).close()
    code = (
        "import floorwatch.cli, floorwatch.app\n"
        "from floorwatch.config import Config\n"
        "from floorwatch.snapshot.live import LiveFloor\n"
        "from floorwatch.store.reading import ReadOnlyStore\n"
        f"ReadOnlyStore.open_readonly({str(db)!r}).close()\n"
        f"floor = LiveFloor({str(db)!r}, Config(timezone='UTC'), clock=lambda: 1795530000.0)\n"
        "floor.update(floor.open())"
    )
    names = ["sqlite_utils", "pandas", "floorwatch.store.schema_build"]
    assert loaded_after(code, names) == []


def test_the_writer_reopening_its_store_loads_no_sqlite_utils_and_a_new_one_no_pandas(tmp_path):
    """sqlite-utils makes and upgrades the schema only: an ingest reopening a store of today's
    version never imports it, and one making a store loads it without pandas or numpy."""
    db = tmp_path / "w.db"
    opening = f"from floorwatch.store.database import Store; Store.open({str(db)!r}).close()"
    assert loaded_after(opening, ["pandas", "numpy"]) == []
    assert loaded_after(opening, ["sqlite_utils", "floorwatch.store.schema_build"]) == []
    assert loaded_after(f"import floorwatch.store.writer\n{opening}", ["sqlite_utils"]) == []
