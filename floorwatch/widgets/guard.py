"""A widget that cannot draw a snapshot says so in its own place, and the dashboard goes on.

An exception in a widget's `show` reaches Textual's handler, which ends the whole app: one odd
row would take the wall screen down. `shielded` wraps a widget's `show` so that a failure is
logged (Textual's log) and handed to the widget's `show_failure`, which puts a one-line
message where the widget's content is; the next snapshot that draws clears it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from floorwatch.safe_text import printable

Show = TypeVar("Show", bound=Callable[..., Any])


class ShowsFailures(Protocol):
    def show_failure(self, message: str | None) -> None: ...


def describe(error: BaseException, limit: int = 160) -> str:
    """The error in one printable line: its type and message, cut to `limit` characters."""
    text = printable(f"{type(error).__name__}: {error}".strip().rstrip(":"))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def shielded(show: Show) -> Show:
    """Decorate a widget's `show`: an exception is shown in the widget, never raised."""

    @functools.wraps(show)
    def guarded(self, *args: Any, **kwargs: Any) -> Any:
        try:
            result = show(self, *args, **kwargs)
        except Exception as error:  # any snapshot, any state: the app must go on
            self.log.error(f"{type(self).__name__}.{show.__name__} failed", error)
            self._shield_failed = True
            try:
                self.show_failure(describe(error))
            except Exception as second:  # a widget that cannot even say so stays as it was
                self.log.error(f"{type(self).__name__}.show_failure failed", second)
            return None
        if getattr(self, "_shield_failed", False):
            self._shield_failed = False
            self.show_failure(None)
        return result

    return guarded  # type: ignore[return-value]
