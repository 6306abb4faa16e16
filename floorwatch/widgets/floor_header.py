"""The top line of the floor: the time, the floor's numbers, and whether the feed is alive."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from textual.content import Content
from textual.widget import Widget

from floorwatch.config import Config
from floorwatch.format import STATE_SYMBOLS, clock, level, percent, seconds
from floorwatch.safe_text import printable
from floorwatch.snapshot.floor_snapshot import FloorSnapshot
from floorwatch.snapshot.sites import site_figures
from floorwatch.widgets.guard import shielded
from floorwatch.widgets.rewound_line import follow_rewind

#: Critical is a solid block, warning coloured text (floorwatch/severity.py).
CRITICAL = "bold $fw-on-critical on $fw-critical"
_LEVEL_STYLE = {"ok": "", "warning": "bold $fw-warning", "critical": CRITICAL}
#: A shape beside the colour (warning, critical), so severity never rests on colour alone.
_LEVEL_MARK = {"ok": "", "warning": "▲", "critical": "✖"}


#: How the header names the adherence states it counts ("3 late  1 absent").
ADHERENCE_WORDS = {
    "late": "late",
    "absent": "absent",
    "not_on_phones": "off phones",
    "off_activity": "off activity",
    "unscheduled": "unscheduled",
}


def adherence_parts(snapshot: FloorSnapshot) -> list:
    """ "  3 late  1 absent" from the schedule, when one is imported and someone is off it."""
    adherence = getattr(snapshot, "adherence", None)
    if adherence is None:
        return []
    parts: list = []
    for state, count in adherence.counts().items():
        style = CRITICAL if state == "absent" else "$fw-warning"
        parts += ["  ", Content.styled(f"{count} {ADHERENCE_WORDS[state]}", style)]
    return parts


def styled(text: str, style: str) -> Content | str:
    """`text` in a level's style, marked with the level's shape."""
    if not style:
        return text
    level_name = next(name for name, value in _LEVEL_STYLE.items() if value == style)
    return Content.styled(f"{_LEVEL_MARK[level_name]}{text}", style)


class FloorHeader(Widget):
    """Clock, floor totals and feed health; says FROZEN when updates are held.

    It changes every second (the clock), so it repaints itself without asking for a new
    layout unless its text needs another line: an idle viewer stays nearly free.
    """

    def __init__(self, config: Config, *, id: str | None = None):
        super().__init__(id=id)
        self._content: Content = Content("floorwatch: loading the floor...")
        self._lines = 1
        self.config = config
        self.frozen = False
        self.problem: str | None = None
        #: Says what this floor is when it is not live (demo, replay 10x).
        self.banner: str | None = None
        #: Says the floor shown is a past one ("REWOUND 10:40:00"), None when live.
        self.rewound: str | None = None
        #: Alarm hooks failing now ("name: why"), shown with the feed's health.
        self.hooks_failing: list[str] = []
        self._zone: ZoneInfo | None = config.tzinfo()

    @shielded
    def on_mount(self) -> None:
        follow_rewind(self)

    def show(self, snapshot: FloorSnapshot) -> None:
        config = self.config
        colors = config.colors
        totals = snapshot.totals
        today, half = totals.windows["today"], totals.windows["30m"]
        when = datetime.fromtimestamp(snapshot.at, self._zone).astimezone(self._zone)
        waiting_level = level(
            totals.calls_waiting, colors.calls_waiting.warning, colors.calls_waiting.critical
        )
        wait_level = level(
            totals.longest_wait_s, colors.longest_wait_s.warning, colors.longest_wait_s.critical
        )
        sl_level = level(
            today.service_level,
            colors.service_level.warning,
            colors.service_level.critical,
            higher_is_worse=False,
        )
        parts: list = [
            Content.styled(f"{when:%H:%M:%S}", "bold"),
            "  waiting ",
            styled(str(totals.calls_waiting), _LEVEL_STYLE[waiting_level]),
            "  oldest ",
            styled(
                clock(totals.longest_wait_s) if totals.longest_wait_s is not None else "-",
                _LEVEL_STYLE[wait_level],
            ),
            "  SL today ",
            styled(percent(today.service_level), _LEVEL_STYLE[sl_level]),
            f" (30m {percent(half.service_level)})",
            f"  {STATE_SYMBOLS['available']} {totals.agents_available} free",
            f"  {STATE_SYMBOLS['on_call']} {totals.agents_on_call} on call",
            f"  {STATE_SYMBOLS['paused']} {totals.agents_paused + totals.agents_wrapup} paused",
            f"  of {totals.agents_logged_in}",
        ]
        parts += adherence_parts(snapshot)
        parts += self._site_parts(snapshot)
        parts += self._feed_parts(snapshot)
        if self.banner:
            parts += ["  ", Content.styled(f" {printable(self.banner)} ", "bold reverse $accent")]
        if self.frozen:
            parts += ["  ", Content.styled(" FROZEN ", "bold reverse $fw-warning")]
        if self.rewound:
            parts = [Content.styled(f" {self.rewound} ", "bold reverse"), "  ", *parts]
        self.update(Content.assemble(*parts))

    def update(self, content: Content) -> None:
        self._content = content
        width = max(1, self.content_region.width or self.size.width or 80)
        lines = max(1, -(-content.cell_length // width))
        self.refresh(layout=lines != self._lines)
        self._lines = lines

    def render(self) -> Content:
        return self._content

    def show_failure(self, message: str | None) -> None:
        if message is not None:
            self.update(Content.styled(f"cannot show the floor's numbers: {message}", CRITICAL))

    def show_problem(self, problem: str) -> None:
        """Before any floor could be read: say what is wrong (and that it keeps trying)."""
        self.update(
            Content.assemble(
                Content.styled(f"cannot read the floor: {printable(problem)}", CRITICAL),
                "  (trying again every 2 s)",
            )
        )

    def _site_parts(self, snapshot: FloorSnapshot) -> list:
        """On a replica of several sites: each site's waiting, service level and feed, after
        the total ("  | paris 3 SL 82%  lyon 0 SL 91% (down 2m)")."""
        figures = site_figures(snapshot)
        if len(figures) < 2:
            return []
        colors = self.config.colors
        parts: list = ["  |"]
        for index, site in enumerate(figures):
            waiting = level(
                site.calls_waiting, colors.calls_waiting.warning, colors.calls_waiting.critical
            )
            service = level(
                site.today.service_level,
                colors.service_level.warning,
                colors.service_level.critical,
                higher_is_worse=False,
            )
            parts += [
                f"{' ' if index == 0 else '  '}{printable(site.site)} ",
                styled(str(site.calls_waiting), _LEVEL_STYLE[waiting]),
                " SL ",
                styled(percent(site.today.service_level), _LEVEL_STYLE[service]),
            ]
            if site.connected is False:
                parts += [" ", Content.styled(f"down, {seconds(site.lag_s)} behind", CRITICAL)]
            elif site.lag_s is not None:
                quiet = level(site.lag_s, colors.feed_quiet_s.warning, colors.feed_quiet_s.critical)
                if quiet != "ok":
                    parts += [" ", styled(f"{seconds(site.lag_s)} behind", _LEVEL_STYLE[quiet])]
        return parts

    def _feed_parts(self, snapshot: FloorSnapshot) -> list:
        colors = self.config.colors
        if self.problem:
            return ["  ", Content.styled(f"feed: {printable(self.problem)}", CRITICAL)]
        if not snapshot.feeds:
            return ["  ", Content.styled("feed: no data yet", "$text-muted")]
        ages = [f.last_event_age_s for f in snapshot.feeds if f.last_event_age_s is not None]
        age = min(ages) if ages else None
        quiet = level(age, colors.feed_quiet_s.warning, colors.feed_quiet_s.critical)
        rejects = sum(f.rejects for f in snapshot.feeds)
        down = [printable(f.name) for f in snapshot.feeds if f.status == "disconnected"]
        parts: list = ["  feed ", styled(f"{seconds(age)} ago", _LEVEL_STYLE[quiet])]
        if rejects:
            parts += ["  ", Content.styled(f"{rejects} rejects", "$fw-warning")]
        if down:
            parts += ["  ", Content.styled(f"{', '.join(down)} disconnected", CRITICAL)]
        for hook in self.hooks_failing:
            parts += ["  ", Content.styled(f"alarm hook {printable(hook)}", "bold $fw-warning")]
        return parts
