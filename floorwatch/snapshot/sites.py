"""The floor per site, for a replica of several sites (sources/nats_source.py): which sites
there are, each site's own figures beside the total, and the floor narrowed to one site (the
boards' and the wallboard's `f`). Pure: it reads a FloorSnapshot and makes new ones.

A site is known by its feed (`<stem>:<site>`, one per site of a `nats:` source) and its names
(`<site>/<queue>`, `<site>/<agent>`, sources/site_names.py); a store of one PBX has no sites,
and an agent's interface such as `Local/201@agents/n` is never taken for one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from floorwatch.events import AgentState
from floorwatch.snapshot.floor_snapshot import FeedHealth, FloorSnapshot, FloorTotals
from floorwatch.snapshot.metrics import WindowStats, combined
from floorwatch.sources.site_names import SITE_SEPARATOR


@dataclass(frozen=True)
class SiteFigures:
    """One site's line: what a head office reads for it, and whether its feed is alive."""

    site: str
    calls_waiting: int
    longest_wait_s: float | None
    today: WindowStats
    agents_logged_in: int
    agents_available: int
    #: The site's feed: connected or not, and its lag (newest event vs now).
    feed: FeedHealth | None

    @property
    def connected(self) -> bool | None:
        return None if self.feed is None else self.feed.status != "disconnected"

    @property
    def lag_s(self) -> float | None:
        return None if self.feed is None else self.feed.lag_s

    def to_dict(self) -> dict[str, Any]:
        return {
            "site": self.site,
            "calls_waiting": self.calls_waiting,
            "longest_wait_s": self.longest_wait_s,
            "today": self.today.to_dict(),
            "agents_logged_in": self.agents_logged_in,
            "agents_available": self.agents_available,
            "connected": self.connected,
            "lag_s": self.lag_s,
        }


def feed_site(feed_name: str) -> str | None:
    """The site a feed's name may be for (`<stem>:<site>`, as a `nats:` source names it)."""
    stem, separator, site = feed_name.rpartition(":")
    if separator and stem and site and SITE_SEPARATOR not in site:
        return site
    return None


def _site_feeds(feeds: list[FeedHealth]) -> dict[str, FeedHealth]:
    return {site: feed for feed in feeds if (site := feed_site(feed.name)) is not None}


def known_sites(feed_names: Iterable[str], names: Iterable[str]) -> list[str]:
    """The sites, sorted: a feed for each, and queues or agents (`names`) named on it."""
    candidates = {site for name in feed_names if (site := feed_site(name)) is not None}
    return sorted(site for site in candidates if any(on(site, name) for name in names))


#: The name of a site's total row in a report ("paris/ALL"; the floor's is "ALL").
def site_total(site: str) -> str:
    return f"{site}{SITE_SEPARATOR}ALL"


def on(site: str, name: str) -> bool:
    """Whether a queue or agent name is one of `site`'s."""
    return name.startswith(f"{site}{SITE_SEPARATOR}")


def sites_of(snapshot: FloorSnapshot) -> list[str]:
    """The sites on this floor, sorted: a feed per site, and queues or agents named on it."""
    names = list(snapshot.queues) + list(snapshot.agents)
    return known_sites((feed.name for feed in snapshot.feeds), names)


def _totals(snapshot: FloorSnapshot, queues: dict, agents: dict, formula: str) -> FloorTotals:
    windows = {
        window: combined((queue.windows[window] for queue in queues.values()), formula)
        for window in snapshot.totals.windows
    }
    states = [agent.state for agent in agents.values()]
    longest = [q.longest_wait_s for q in queues.values() if q.longest_wait_s is not None]
    return FloorTotals(
        calls_waiting=sum(q.calls_waiting for q in queues.values()),
        longest_wait_s=max(longest) if longest else None,
        windows=windows,
        agents_logged_in=sum(state != AgentState.OFFLINE for state in states),
        agents_available=states.count(AgentState.AVAILABLE),
        agents_ringing=states.count(AgentState.RINGING),
        agents_on_call=states.count(AgentState.ON_CALL),
        agents_wrapup=states.count(AgentState.WRAPUP),
        agents_paused=states.count(AgentState.PAUSED),
    )


def _formula(snapshot: FloorSnapshot) -> str:
    """The floor's service level formula (its totals are counted by it)."""
    today = snapshot.totals.windows.get("today")
    return today.formula if today is not None else "abandoned"


def site_snapshot(snapshot: FloorSnapshot, site: str) -> FloorSnapshot:
    """The floor narrowed to one site: its queues, its agents, its feed, its totals."""
    formula = _formula(snapshot)
    queues = {name: queue for name, queue in snapshot.queues.items() if on(site, name)}
    agents = {name: agent for name, agent in snapshot.agents.items() if on(site, name)}
    feed = _site_feeds(snapshot.feeds).get(site)
    return dataclasses.replace(
        snapshot,
        queues=queues,
        agents=agents,
        totals=_totals(snapshot, queues, agents, formula),
        feeds=[feed] if feed is not None else [],
    )


def site_figures(snapshot: FloorSnapshot) -> list[SiteFigures]:
    """Each site's figures (none on a floor without sites); the total is `snapshot.totals`."""
    feeds = _site_feeds(snapshot.feeds)
    figures = []
    for site in sites_of(snapshot):
        narrowed = site_snapshot(snapshot, site)
        totals = narrowed.totals
        figures.append(
            SiteFigures(
                site,
                totals.calls_waiting,
                totals.longest_wait_s,
                totals.windows["today"],
                totals.agents_logged_in,
                totals.agents_available,
                feeds.get(site),
            )
        )
    return figures
