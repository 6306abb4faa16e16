"""How the screens look, from floorwatch.toml: `[display]` (theme, Unicode or ASCII) and
`[wallboard]` (which figures each wall panel shows). Read by config.py like every section;
kept apart so the look of the screens has one home."""

from __future__ import annotations

from dataclasses import dataclass, field

#: What a wall panel can show, in the order a supervisor reads them.
WALL_FIGURES = ("waiting", "oldest", "sl_30m", "sl_today", "free", "need_have")
DEFAULT_WALL_FIGURES = ["waiting", "oldest", "sl_today"]
ASCII_CHOICES = ("auto", "yes", "no")
START_SCREENS = ("floor", "wall", "map")


class DisplayConfigError(ValueError):
    """A [display] or [wallboard] value that is not one of the choices (config.py says which
    file)."""


@dataclass
class DisplayConfig:
    """`[display]`: the theme every viewer starts with, and whether to draw with ASCII only."""

    #: A Textual theme name (textual-dark, textual-light, nord, gruvbox, ...); `floorwatch
    #: dash --theme` and `serve-web --theme` choose another for one viewer.
    theme: str = "textual-dark"
    #: `auto`: ASCII when the terminal's locale is not UTF-8; `yes`: always; `no`: never.
    ascii: str = "auto"
    #: How far `[` and `]` step the rewound floor, in seconds.
    rewind_step_s: float = 60.0
    #: A row whose state changed this few seconds ago is marked (like `htop -H`).
    changed_mark_s: float = 10.0
    #: After this long without a key, the first key shows what changed meanwhile (0: never).
    idle_digest_s: float = 300.0
    #: Where `H` writes the shift handover (relative to the working folder), and how many
    #: hours back its shift starts.
    handover_dir: str = "."
    handover_shift_h: float = 8.0
    #: At least this long between two updates of a viewer: a commit is drawn as soon as it
    #: is noticed unless the last update is younger, and PRAGMA data_version is asked every
    #: quarter of it. 0.2: up to five a second (twenty SSH viewers, bench/viewers.py: about
    #: 1.2-1.3 cores); 0.1 for a wall screen: commit to drawn p95 about 100 ms on 5,000
    #: agents, twice the drawing (twenty such viewers: about 1.7 cores).
    update_gap_s: float = 0.2
    #: Also be woken by the ingest's writes to the store's -wal (file notifications): a few
    #: ms sooner than the look at a quarter of the gap, but every write wakes every viewer.
    watch_commits: bool = False

    def check(self) -> None:
        if not self.rewind_step_s > 0:
            raise DisplayConfigError(
                f"display.rewind_step_s: {self.rewind_step_s!r} must be more than 0"
            )
        if not self.handover_shift_h > 0:
            raise DisplayConfigError("display.handover_shift_h must be more than 0")
        if self.changed_mark_s < 0 or self.idle_digest_s < 0:
            raise DisplayConfigError(
                "display.changed_mark_s and display.idle_digest_s cannot be negative"
            )
        if not 0.02 <= self.update_gap_s <= 5:
            raise DisplayConfigError(
                f"display.update_gap_s: {self.update_gap_s!r} must be from 0.02 to 5 seconds"
            )
        if self.ascii not in ASCII_CHOICES:
            raise DisplayConfigError(
                f"display.ascii: {self.ascii!r} is not one of {', '.join(ASCII_CHOICES)}"
            )


@dataclass
class WallboardConfig:
    """`[wallboard]`: the figures of the queue panels and of the floor-total panel."""

    #: Figures of every queue's panel (see WALL_FIGURES), unless `panels` names the queue.
    figures: list[str] = field(default_factory=lambda: list(DEFAULT_WALL_FIGURES))
    #: A panel with the whole floor's figures, first on every page (when there are 2+ queues).
    floor_total: bool = True
    floor_figures: list[str] = field(default_factory=lambda: list(DEFAULT_WALL_FIGURES))
    #: Per queue (by its name in the feed): the figures of that queue's panel.
    panels: dict[str, list[str]] = field(default_factory=dict)

    def figures_of(self, queue: str | None) -> list[str]:
        """The figures of `queue`'s panel (None: the floor-total panel)."""
        if queue is None:
            return self.floor_figures
        return self.panels.get(queue, self.figures)

    def check(self) -> None:
        lists = {"wallboard.figures": self.figures, "wallboard.floor_figures": self.floor_figures}
        lists.update({f"wallboard.panels.{name}": figures for name, figures in self.panels.items()})
        for where, figures in lists.items():
            unknown = [name for name in figures if name not in WALL_FIGURES]
            if unknown or not figures:
                raise DisplayConfigError(
                    f"{where}: {', '.join(map(repr, unknown)) or 'an empty list'} - the figures "
                    f"are {', '.join(WALL_FIGURES)}"
                )
