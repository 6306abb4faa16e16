"""Site as a dimension, without a new column: on a replica every queue and agent of a site is
named `<site>/<name>` and every call `<site>:<call id>`, so two sites may both have a `sales`
queue and an agent `Ana` and never meet, and every table, metric and screen that works per
queue or per agent works per site's queue and agent unchanged. Pure: the snapshot, the
screens and the reports read the site back with `split_site`."""

from __future__ import annotations

import dataclasses

from floorwatch.events import Event

SITE_SEPARATOR = "/"


def on_site(site: str, name: str | None) -> str | None:
    """`name` as a replica knows it: `<site>/<name>` (None stays None)."""
    return None if name is None else f"{site}{SITE_SEPARATOR}{name}"


def split_site(name: str) -> tuple[str | None, str]:
    """(site, local name) of a replica's queue or agent; (None, name) for a local one."""
    site, separator, local = name.partition(SITE_SEPARATOR)
    if not separator or not site or not local:
        return None, name
    return site, local


def site_of(name: str) -> str | None:
    return split_site(name)[0]


def local_name(name: str) -> str:
    return split_site(name)[1]


def site_event(site: str, event: Event, source: str) -> Event:
    """A site's event as its replica stores it: queue, agent and call named on the site."""
    return dataclasses.replace(
        event,
        source=source,
        queue=on_site(site, event.queue),
        agent=on_site(site, event.agent),
        call_id=None if event.call_id is None else f"{site}:{event.call_id}",
        raw=None,
    )
