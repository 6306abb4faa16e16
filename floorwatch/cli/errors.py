"""How the command line fails: one line on stderr (`floorwatch: error: ...`) and an exit status,
2 for what an operator can fix (a missing file, a wrong flag, a database that is not ours), 1
for a dashboard that ended on an internal error; never a traceback for these."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click

from floorwatch.config import ConfigError
from floorwatch.safe_text import printable
from floorwatch.sources.base import SourceError
from floorwatch.store.database import StoreError
from floorwatch.store.faults import DATABASE_FAULTS, sqlite_fault

EXIT_USAGE = 2


class FloorwatchError(click.ClickException):
    """A one-line error, exit status 2."""

    exit_code = EXIT_USAGE

    def show(self, file=None) -> None:
        # (An error can quote what a feed sent: it is shown printable, like every name.)
        click.echo(f"floorwatch: error: {printable(self.format_message())}", err=True)


class DashboardFailed(FloorwatchError):
    """The dashboard ended on an internal error: one line, exit status 1."""

    exit_code = 1


def check_dashboard(failure: str | None) -> None:
    """After a dashboard ran: one that ended on an error is one line and exit status 1."""
    if failure:
        raise DashboardFailed(failure)


@contextmanager
def errors(database: str | None = None) -> Iterator[None]:
    """Turn the library's expected failures into one-line CLI errors.

    A database that fails under a reader (flipped bytes found half-way through a snapshot, a
    disk gone read-only) is said in the same one line, naming `database` when given.
    """
    try:
        yield
    except (StoreError, SourceError, ConfigError) as error:
        raise FloorwatchError(str(error)) from None
    except DATABASE_FAULTS as error:
        raise FloorwatchError(sqlite_fault(database or "the database", error, "read")) from None
