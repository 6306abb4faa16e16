"""How the wallboard shares the screen: panels across and down, figures in each, and the one
digit scale they all use - the largest at which every figure of every panel fits.

Pure arithmetic on cell counts (no Textual), so the layout is chosen once per size or page and
a test can ask what a 200x60 wall looks like without drawing it. The chrome numbers below are
those of screens/wallboard.tcss: change one, change the other.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from floorwatch.widgets import big_font

#: Rows of the status line above the grid (clock, feed health, page).
STATUS_ROWS = 1
#: Columns and rows a panel spends on its border and padding, and rows on its name line.
PANEL_CHROME = (4, 3)
#: Columns a figure spends on its padding, rows on its caption.
FIGURE_CHROME = (2, 1)
GUTTER = 1
#: The grid's own padding (columns each side).
GRID_PADDING = 1


@dataclass(frozen=True)
class WallLayout:
    """One page of the wall: `columns` x `rows` panels, `figure_columns` figures across in
    each panel, digits at `scale` (0: too small for big digits, the figures as text) and
    `tall` half-rows a pixel high (from `scale` to twice it, as the room's height allows)."""

    panels: int
    columns: int
    rows: int
    figure_columns: int
    scale: int
    tall: int
    #: The size of one panel (columns, rows), for the tests and the figures' own fitting.
    panel_size: tuple[int, int]
    #: Room for each figure's digits (columns, rows).
    figure_room: tuple[int, int]


def _area(scale: int, tall: int) -> int:
    """What a layout is judged by: the size of a digit (its width times its height)."""
    return scale * max(scale, tall)


def _panel_scales(
    panel_w: int, panel_h: int, figures: int, templates: list[str], ascii_only: bool
) -> tuple[int, int, int, tuple[int, int]]:
    """The best (scale, tall, figures across, room per figure) inside one panel."""
    inner_w, inner_h = panel_w - PANEL_CHROME[0], panel_h - PANEL_CHROME[1]
    best = (-1, -1, 1, (0, 0))
    for across in range(1, max(1, figures) + 1):
        down = math.ceil(max(1, figures) / across)
        room_w = inner_w // across - FIGURE_CHROME[0]
        room_h = inner_h // down - FIGURE_CHROME[1]
        if room_w < 1 or room_h < 1:
            continue
        scale = big_font.largest_scale(templates, room_w, room_h, ascii_only)
        if scale == 0 and max(len(t) for t in templates) > room_w:
            continue
        tall = big_font.tallest(scale, room_h, ascii_only)
        # The larger digit wins; at the same, the larger room (less left empty).
        area, best_area = _area(scale, tall), _area(best[0], best[1])
        if area > best_area or (area == best_area and room_w * room_h > best[3][0] * best[3][1]):
            best = (scale, tall, across, (room_w, room_h))
    return best


def plan(
    panels: int,
    figures: int,
    templates: list[str],
    width: int,
    height: int,
    ascii_only: bool = False,
) -> WallLayout:
    """The grid for `panels` panels of `figures` figures each (the widest of `templates`
    decides the width) on a `width` x `height` screen, choosing panels across to give the
    largest digits. Scale -1: the panels do not fit at all."""
    panels = max(1, panels)
    usable_w = width - 2 * GRID_PADDING
    usable_h = height - STATUS_ROWS
    best: WallLayout | None = None
    for columns in range(1, panels + 1):
        rows = math.ceil(panels / columns)
        panel_w = (usable_w - (columns - 1) * GUTTER) // columns
        panel_h = (usable_h - (rows - 1) * GUTTER) // rows
        scale, tall, across, room = _panel_scales(panel_w, panel_h, figures, templates, ascii_only)
        candidate = WallLayout(panels, columns, rows, across, scale, tall, (panel_w, panel_h), room)
        area = _area(scale, tall)
        if (
            best is None
            or area > _area(best.scale, best.tall)
            or (
                area == _area(best.scale, best.tall)
                and room[0] * room[1] > best.figure_room[0] * best.figure_room[1]
            )
        ):
            best = candidate
    assert best is not None
    return best


def paged(
    panels: int,
    figures: int,
    templates: list[str],
    width: int,
    height: int,
    ascii_only: bool = False,
    minimum_scale: int = 1,
) -> WallLayout:
    """`plan` for as many of `panels` as fit one page with digits at least `minimum_scale`
    (the rest go on further pages); one panel per page when not even two fit. Remembered:
    200 queues are 20,000 plans, and the wall asks again whenever a queue appears."""
    return _paged(panels, figures, tuple(templates), width, height, ascii_only, minimum_scale)


@lru_cache(maxsize=64)
def _paged(
    panels: int,
    figures: int,
    templates: tuple[str, ...],
    width: int,
    height: int,
    ascii_only: bool,
    minimum_scale: int,
) -> WallLayout:
    for count in range(max(1, panels), 0, -1):
        layout = plan(count, figures, list(templates), width, height, ascii_only)
        if layout.scale >= minimum_scale or count == 1:
            return layout
    raise AssertionError("unreachable")
