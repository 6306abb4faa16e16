"""The top line of each screen takes another colour while the floor shown is a past one.

Only the top line takes the `-rewound` class, never the app or a screen: a class on an ancestor
restyles every widget below it, which on a floor of thousands of rows costs the first step back
about as much as reading the floor does (bench/dash.py).
"""

from __future__ import annotations

from textual.widget import Widget


def follow_rewind(widget: Widget) -> None:
    """Give `widget` the `-rewound` class while the app is rewound (set at once on mount)."""
    widget.watch(widget.app, "rewound_at", lambda at: widget.set_class(at is not None, "-rewound"))
