"""The wallboard's top line: the clock, the feed's health and the page; and, when the feed is
quiet or gone, a line no one in the room can miss (the numbers below it are not live).

The feed's age is the snapshot's (`FeedHealth.last_event_age_s`), so demo and replay read it
against the feed's own clock like every other screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from textual.content import Content

from floorwatch.config import Config
from floorwatch.format import level, seconds
from floorwatch.glyphs import Glyphs
from floorwatch.safe_text import printable
from floorwatch.snapshot.floor_snapshot import FloorSnapshot


@dataclass(frozen=True)
class FeedState:
    """How alive the feed is: ok, warning (quiet) or critical (silent long, disconnected,
    the store unreadable), and the words for it."""

    level: str
    words: str


def feed_state(snapshot: FloorSnapshot | None, config: Config, problem: str | None) -> FeedState:
    if problem:
        return FeedState("critical", f"CANNOT READ THE FLOOR: {printable(problem)}")
    if snapshot is None:
        return FeedState("warning", "waiting for the floor")
    if not snapshot.feeds:
        return FeedState("warning", "NO FEED DATA YET")
    down = [printable(feed.name) for feed in snapshot.feeds if feed.status == "disconnected"]
    ages = [f.last_event_age_s for f in snapshot.feeds if f.last_event_age_s is not None]
    age = min(ages) if ages else None
    limits = config.colors.feed_quiet_s
    if down:
        return FeedState("critical", f"FEED DISCONNECTED: {', '.join(down)} - not live")
    if age is None:
        return FeedState("warning", "no event from the feed yet")
    quiet = level(age, limits.warning, limits.critical)
    if quiet == "critical":
        return FeedState("critical", f"FEED SILENT {seconds(age)} - these numbers are not live")
    if quiet == "warning":
        return FeedState("warning", f"feed quiet {seconds(age)}")
    return FeedState("ok", f"feed {seconds(age)} ago")


def status_line(
    snapshot: FloorSnapshot | None,
    config: Config,
    glyphs: Glyphs,
    *,
    zone: ZoneInfo | None,
    problem: str | None,
    page: tuple[int, int],
    frozen: bool,
    note: str | None = None,
    rewound: str | None = None,
) -> tuple[Content, str]:
    """The line's content and the feed's level (the screen colours the whole line by it)."""
    feed = feed_state(snapshot, config, problem)
    parts: list = []
    if snapshot is not None:
        when = datetime.fromtimestamp(snapshot.at, zone).astimezone(zone)
        parts += [Content.styled(f"{when:%H:%M:%S}", "bold"), "  "]
    symbol = glyphs.severity[feed.level]
    words = f" {symbol} {feed.words} " if symbol else feed.words
    parts.append(Content.styled(words, "bold reverse") if feed.level != "ok" else words)
    if page[1] > 1:
        parts.append(f"  page {page[0] + 1}/{page[1]}")
    if frozen:
        parts += ["  ", Content.styled(" FROZEN ", "bold reverse")]
    if rewound:
        parts = [Content.styled(f" {rewound} ", "bold reverse"), "  ", *parts]
    if note:
        parts.append(f"  ({printable(note)})")
    return Content.assemble(*parts), feed.level
