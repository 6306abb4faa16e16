"""`r`: today's intervals for the queue under the cursor: a table and offered vs answered bars."""

from __future__ import annotations

from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static
from textual.worker import Worker

from floorwatch.format import percent, seconds
from floorwatch.store.reading import ReadOnlyStore
from floorwatch.widgets.live_table import Column, LiveTable
from floorwatch.widgets.safe_content import content


def bar_chart(records: list[dict], width: int) -> Content:
    """One line per interval: offered (█) over answered (▒), scaled to the busiest interval."""
    if not records:
        return Content("no calls yet today")
    top = max(record["offered"] for record in records) or 1
    room = max(10, width - 18)
    lines = [Content.assemble(("█ offered", "$primary"), "   ", ("▒ answered", "$success"))]
    for record in records:
        offered = round(record["offered"] / top * room)
        answered = round(record["answered"] / top * room)
        lines.append(
            Content.assemble(
                f"{record['interval']} ", ("█" * offered, "$primary"), f" {record['offered']}"
            )
        )
        lines.append(
            Content.assemble("      ", ("▒" * answered, "$success"), f" {record['answered']}")
        )
    return Content("\n").join(lines)


class ReportScreen(Screen):
    """Today's interval report for one queue; escape goes back."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,r", "app.pop_screen", "Back"),
        Binding("i", "next_interval", "Interval"),
    ]

    def __init__(self, queue: str, interval: str = "30m"):
        super().__init__()
        self.queue = queue
        self.interval = interval

    def compose(self) -> ComposeResult:
        yield Static("", id="report-title")
        with Horizontal(id="report-body"):
            yield LiveTable(self._columns(), id="report-table")
            yield Static("", id="report-bars")
        yield Footer()

    def _columns(self) -> list[Column]:
        def number(key: str):
            def cell(r, now):
                value = r[key]
                if value is None or value != value:  # None or NaN
                    return "-", None
                return str(int(value)), None

            return cell

        return [
            Column("interval", "time", 6, lambda r, now: (r["interval"], None)),
            Column("offered", "offer", 5, number("offered"), "right"),
            Column("answered", "answ", 5, number("answered"), "right"),
            Column("abandoned", "aband", 5, number("abandoned"), "right"),
            Column("short", "short", 5, number("short_abandoned"), "right"),
            Column("sl", "SL", 6, lambda r, now: (percent(r["service_level"]), None), "right"),
            Column("asa", "ASA", 6, lambda r, now: (seconds(r["asa_s"]), None), "right"),
            Column("aht", "AHT", 6, lambda r, now: (seconds(r["aht_s"]), None), "right"),
            Column("max", "max wait", 8, lambda r, now: (seconds(r["max_wait_s"]), None), "right"),
            Column("need", "agents", 6, number("agents_required"), "right"),
        ]

    def on_mount(self) -> None:
        self.query_one("#report-table", LiveTable).focus()
        self.load()

    def action_next_interval(self) -> None:
        choices = ["15m", "30m", "60m"]
        self.interval = choices[(choices.index(self.interval) + 1) % len(choices)]
        self.load()

    @work(thread=True, exclusive=True, group="report", exit_on_error=False, name="report")
    def load(self) -> None:
        """Read today's calls in a thread (its own read-only connection), then draw. A failure
        here or in the drawing goes to the app's one handler, which shows it in the title
        (`show_worker_failure`); the dashboard goes on."""
        update = self.app.update
        if update is None:
            return
        from datetime import datetime

        # The interval report is pandas: loaded only when a manager opens this screen, never
        # by a viewer that does not (the import contracts allow this one edge for that reason).
        from floorwatch.reports.intervals import queue_report, report_day

        config = self.app.config
        day = datetime.fromtimestamp(update.snapshot.at, config.tzinfo()).date()
        with ReadOnlyStore.open_readonly(self.app.live.db_path) as store:
            frame = queue_report(store, config, report_day(config, day, self.interval))
        frame = frame.astype(object).where(frame.notna(), None)
        records = [r for r in frame.to_dict(orient="records") if r["queue"] == self.queue]
        self.app.call_from_thread(self._draw, records)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.app.worker_state_changed(event)

    def show_worker_failure(self, message: str) -> None:
        self.query_one("#report-title", Static).update(
            content(f"cannot build today's report: {message}   (escape: back)", "bold $error")
        )

    def _draw(self, records: list[dict]) -> None:
        rows = [r for r in records if r["interval"] != "total"]
        total = next((r for r in records if r["interval"] == "total"), None)
        name = self.app.config.queue_name(self.queue)
        summary = ""
        if total is not None:
            summary = (
                f"   today: {total['offered']} offered, {total['answered']} answered, "
                f"SL {percent(total['service_level'])}, ASA {seconds(total['asa_s'])}, "
                f"FCR {percent(total.get('fcr'))}, CSAT {percent(total.get('csat'))}"
            )
        self.query_one("#report-title", Static).update(
            content(
                f"{name}: today by {self.interval} intervals{summary}   (i: interval, escape: back)"
            )
        )
        table = self.query_one("#report-table", LiveTable)
        table.update_rows({r["interval"]: r for r in rows + ([total] if total else [])}, 0)
        bars = self.query_one("#report-bars", Static)
        bars.update(bar_chart(rows, bars.size.width or 40))
