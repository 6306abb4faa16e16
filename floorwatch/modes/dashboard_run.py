"""Running the dashboard, alone or with an ingest beside it, and saying in one line how it ended.

`floorwatch dash` shows a dashboard alone; `floorwatch run`, `demo` and `replay` show one while
an ingest writes the store in a thread of the same process. However the dashboard ends (q, a
signal, an internal error), the ingest is then asked to stop and given the time to commit what
it has read: a commit is one transaction with its checkpoint, so what it had not committed is
read again on the next start. An internal error that ended the dashboard is one line, and a
non-zero exit, for the command.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from floorwatch.config import Config
from floorwatch.ingest.pipeline import Ingest, IngestSummary
from floorwatch.modes.view import ViewerOptions
from floorwatch.safe_text import printable
from floorwatch.widgets.guard import describe

if TYPE_CHECKING:
    from textual.app import App

    from floorwatch.app import FloorwatchApp, ReplayKeys


def failure_line(app: App) -> str | None:
    """None if the app ended normally, else why it did not, in one line."""
    if not app.return_code:
        return None
    error = getattr(app, "failure", None)
    if error is None:
        return f"the dashboard stopped with status {app.return_code}"
    return f"the dashboard stopped on an internal error: {describe(error)}"


@dataclass
class DashboardOutcome:
    """How a dashboard run ended, for the command to say in one line."""

    #: Why the dashboard ended on an error (and what became of its ingest); None: it did not.
    failure: str | None = None
    #: Why the ingest beside it stopped early, one line each.
    ingest_errors: list[str] = field(default_factory=list)


def ended(app: App, ingest_note: str | None = None) -> str | None:
    """`failure_line`, followed by what became of the ingest beside it when one ran."""
    failed = failure_line(app)
    if failed and ingest_note:
        return f"{failed}; {ingest_note}"
    return failed


def dashboard_app(
    database: str | Path,
    config: Config,
    view: ViewerOptions = ViewerOptions(),
    *,
    clock: Callable[[], float] | None = None,
    banner: str | None = None,
    replay: ReplayKeys | None = None,
) -> FloorwatchApp:
    """A dashboard following the store at `database` read-only, by `clock`'s time (None: the
    feed clock the store records, a demo's or a replay's, else the wall clock)."""
    from floorwatch.app import FloorwatchApp
    from floorwatch.snapshot.control_client import ControlAccess
    from floorwatch.snapshot.live import LiveFloor

    control = None
    if view.read_only:
        control = ControlAccess(
            config.control_socket(database), False, "this dashboard was started with --read-only"
        )

    return FloorwatchApp(
        LiveFloor(database, config, clock=clock),
        config,
        wall=view.wall,
        wall_queue=view.wall_queue,
        rotate_s=view.rotate_s,
        banner=banner,
        replay=replay,
        start=view.start,
        theme=view.theme,
        control=control,
        bell=view.bell,
        blink=view.blink,
    )


def run_dashboard(
    database: str | Path, config: Config, view: ViewerOptions = ViewerOptions(), **options
) -> App:
    """Run a dashboard until it ends (q, a signal, an error); the app, to ask how it ended."""
    app = dashboard_app(database, config, view, **options)
    app.run()
    return app


class BackgroundIngest:
    """An Ingest in a thread; `stop` ends it cleanly and says what it did."""

    #: How long a stop waits for the last commit (a commit is at most 20,000 events).
    STOP_TIMEOUT_S = 60.0

    def __init__(
        self,
        ingest: Ingest,
        sources: Sequence[object],
        *,
        on_error: Callable[[str], None],
        on_end: Callable[[], None],
    ):
        self.ingest = ingest
        self.sources = sources
        self.on_error = on_error
        self.on_end = on_end
        self.summary: IngestSummary | None = None
        #: Why the ingest itself stopped early (a source or the store failed), one line each.
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ingest", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        try:
            self.summary = self.ingest.run(self._stop)
        except Exception as error:  # the store failed: said, never a traceback on the screen
            self.errors.append(describe(error))
        finally:
            self.on_end()
        self.errors += [
            f"{printable(name)}: {describe(error)}" for name, error in self.ingest.errors
        ]
        for line in self.errors:
            self.on_error(line)

    def stop(self) -> str:
        """Ask the ingest to stop, wait for its last commit, and say how it went."""
        self._stop.set()
        for source in self.sources:
            wake = getattr(source, "wake", None)
            if wake is not None:
                wake()
        self._thread.join(timeout=self.STOP_TIMEOUT_S)
        if self._thread.is_alive():
            return (
                f"the ingest did not stop within {self.STOP_TIMEOUT_S:g} s; what it had "
                "not committed is read again on the next start"
            )
        if self.summary is None:
            return "the ingest had stopped already"
        return (
            f"the ingest stopped cleanly after committing {self.summary.events} events "
            f"({self.summary.rejects} rejects) this run"
        )
