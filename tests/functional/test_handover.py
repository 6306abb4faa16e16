"""The shift handover (issue 24): `H` in the dashboard writes Markdown whose numbers are those
of `floorwatch snapshot` at the shift's end (the command: tests/e2e/test_handover_cli.py)."""

from __future__ import annotations

import dataclasses
import re

from floorwatch.config import load
from floorwatch.format import percent, seconds
from floorwatch.modes.one_shot import read_floor, read_shift
from floorwatch.reports.handover import handover_markdown
from floorwatch.snapshot.lookback import Lookback
from tests.helpers import EXAMPLE_CONFIG, SAMPLE_END, loaded, make_app, until


def queue_rows(text: str) -> dict[str, list[str]]:
    """The service-level table: queue -> its cells."""
    table = text.split("## Service level per queue")[1].split("##")[0]
    rows = [line.strip("|").split("|") for line in table.splitlines() if line.startswith("| ")]
    return {cells[0].strip().strip("*"): [c.strip().strip("*") for c in cells] for cells in rows}


def assert_equal_to_snapshot(text: str, floor) -> None:
    rows = queue_rows(text)
    for queue in floor.queues.values():
        cells = rows[queue.display_name]
        today = queue.windows["today"]
        assert cells[5] == percent(today.service_level)
        assert cells[7] == seconds(today.asa_s)
        assert cells[8] == percent(today.abandon_rate)
    floor_cells = rows["whole floor"]
    assert floor_cells[5] == percent(floor.totals.windows["today"].service_level)


def test_handover_of_the_day_equals_snapshot_at_its_end(sample_db):
    config = load(EXAMPLE_CONFIG)
    floor, record = read_shift(sample_db, config, 8 * 3600, at=SAMPLE_END)
    text = handover_markdown(floor, record, config)
    assert_equal_to_snapshot(text, read_floor(sample_db, config, at=SAMPLE_END))
    # The whole capture is in the shift: its calls are the day's.
    rows = queue_rows(text)
    for queue in floor.queues.values():
        today = queue.windows["today"]
        assert rows[queue.display_name][1:4] == [
            str(today.offered),
            str(today.answered),
            str(today.abandoned),
        ]
    assert "## Worst half hours" in text and "| Orders | 15:30-15:35 |" in text
    # A shortened shift counts only its own calls.
    _, last_ten = read_shift(sample_db, config, 600, at=SAMPLE_END)
    assert 0 < len(last_ten.calls) < len(record.calls)
    assert all(call.wait_end_at >= SAMPLE_END - 600 for call in last_ten.calls)


def test_handover_lists_long_pauses_but_not_wrapup(make_store):
    start = 1795500000
    lines = [f"{start}|MANAGER|sales|Ana|ADDMEMBER|", f"{start + 60}|NONE|sales|Ana|PAUSE|Break"]
    lines += [f"{start + 60 + 25 * 60}|NONE|sales|Ana|UNPAUSE|"]
    lines += [
        f"{start + 3000}|NONE|sales|Ben|ADDMEMBER|",
        f"{start + 3010}|NONE|sales|Ben|PAUSE|ACW",
    ]
    config = dataclasses.replace(load(EXAMPLE_CONFIG), timezone="UTC")
    db = make_store(lines, config)
    floor, record = read_shift(db, config, 8 * 3600, at=start + 7200)
    text = handover_markdown(floor, record, config)
    assert re.search(r"- \*\*Ana\*\* 06:01-06:26: 25m00s \(Break\)", text), text
    assert "Ben" not in text.split("## Long pauses")[1].split("##")[0]  # wrap-up is not a pause
    lookback = Lookback(db, config)
    assert lookback.shift(start, start + 7200).pauses
    lookback.close()


async def test_h_in_the_dashboard_writes_the_handover(sample_db, tmp_path):
    app = make_app(sample_db)
    app.config.display.handover_dir = str(tmp_path)
    async with app.run_test(size=(140, 40)) as pilot:
        await loaded(pilot)
        await pilot.press("H")
        await until(pilot, lambda: app.handover_file is not None, what="the handover file")
        path = tmp_path / "handover-2026-11-24-1535.md"
        assert app.handover_file == str(path)
        assert any(str(path) in n.message for n in app._notifications)
        config = load(EXAMPLE_CONFIG)
        assert_equal_to_snapshot(path.read_text(), read_floor(sample_db, config, at=SAMPLE_END))
