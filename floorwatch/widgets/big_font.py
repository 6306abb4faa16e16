"""Big digits of any height, from one 3x5 pixel font: the wallboard's numbers.

A glyph is a 3x5 bitmap (narrower for `:` and `.`). Scale k makes each pixel k columns wide
and k half-rows tall: with the half blocks ▀ ▄ █ one character row holds two pixel rows, so a
glyph is 3k columns by ceil(5k/2) rows - 3 rows at k=1, 5 at k=2, 13 at k=5 - and keeps the
shape of a digit on a cell that is twice as tall as it is wide. Without Unicode (a terminal
whose locale is not UTF-8) the pixels are `#`, one row per pixel row and k//2 rows per pixel.
Scale 0 is the text itself on one row, for a panel too small for any big digit. A panel with
room to spare in height draws its digits taller than wide (`tall`, up to twice the scale): the
height is what reads across a room.

Pure: no Textual here; the widget that draws these lines is widgets/big_number.py.
"""

from __future__ import annotations

from functools import lru_cache

GLYPH_ROWS = 5
FONT: dict[str, tuple[str, ...]] = {
    "0": ("###", "#.#", "#.#", "#.#", "###"),
    "1": ("##.", ".#.", ".#.", ".#.", "###"),
    "2": ("###", "..#", "###", "#..", "###"),
    "3": ("###", "..#", ".##", "..#", "###"),
    "4": ("#.#", "#.#", "###", "..#", "..#"),
    "5": ("###", "#..", "###", "..#", "###"),
    "6": ("###", "#..", "###", "#.#", "###"),
    "7": ("###", "..#", "..#", "..#", "..#"),
    "8": ("###", "#.#", "###", "#.#", "###"),
    "9": ("###", "#.#", "###", "..#", "###"),
    ":": (".", "#", ".", "#", "."),
    ".": (".", ".", ".", ".", "#"),
    "-": ("...", "...", "###", "...", "..."),
    "/": ("..#", "..#", ".#.", "#..", "#.."),
    "%": ("#.#", "..#", ".#.", "#..", "#.#"),
    "+": ("...", ".#.", "###", ".#.", "..."),
    " ": ("..", "..", "..", "..", ".."),
    "?": ("###", "..#", ".##", "...", ".#."),
}
#: Half blocks for (top pixel, bottom pixel) of one character row.
HALVES = {(False, False): " ", (True, False): "▀", (False, True): "▄", (True, True): "█"}


def glyph(char: str) -> tuple[str, ...]:
    return FONT.get(char, FONT["?"])


def rows(scale: int, ascii_only: bool = False, tall: int | None = None) -> int:
    """Character rows of a line of big text at `scale` (pixels `tall` half-rows high)."""
    if scale <= 0:
        return 1
    tall = max(scale, tall or scale)
    if ascii_only:
        return GLYPH_ROWS * max(1, tall // 2)
    return -(-GLYPH_ROWS * tall // 2)


def width(text: str, scale: int) -> int:
    """Character columns of `text` at `scale` (one pixel of space between glyphs)."""
    if scale <= 0:
        return len(text)
    if not text:
        return 0
    pixels = sum(len(glyph(char)[0]) for char in text) + len(text) - 1
    return pixels * scale


def largest_scale(
    texts: list[str], columns: int, lines: int, ascii_only: bool = False, limit: int = 40
) -> int:
    """The largest scale at which every one of `texts` fits `columns` x `lines` (0 if none)."""
    widest = max((width(text, 1) for text in texts), default=1) or 1
    best = 0
    for scale in range(1, limit + 1):
        if widest * scale > columns or rows(scale, ascii_only) > lines:
            break
        best = scale
    return best


def tallest(scale: int, lines: int, ascii_only: bool = False) -> int:
    """How tall (in half-rows a pixel) digits at `scale` may be in `lines` rows: from the
    scale itself up to twice it."""
    if scale <= 0:
        return scale
    best = scale
    for tall in range(scale, 2 * scale + 1):
        if rows(scale, ascii_only, tall) <= lines:
            best = tall
    return best


@lru_cache(maxsize=512)
def render(
    text: str, scale: int, ascii_only: bool = False, tall: int | None = None
) -> tuple[str, ...]:
    """The character rows of `text` at `scale` (pixels `tall` half-rows high; default: as high
    as wide), all of the same width."""
    if scale <= 0:
        return (text,)
    tall = max(scale, tall or scale)
    pixel_rows = []
    for row in range(GLYPH_ROWS):
        line = []
        for index, char in enumerate(text):
            if index:
                line.append(" " * scale)
            for pixel in glyph(char)[row]:
                line.append(("#" if pixel == "#" else " ") * scale)
        pixel_rows.append("".join(line))
    if ascii_only:
        repeat = max(1, tall // 2)
        return tuple(line for line in pixel_rows for _ in range(repeat))
    halves = [line for line in pixel_rows for _ in range(tall)]  # `tall` half-rows a pixel
    if len(halves) % 2:
        halves.append(" " * len(halves[0]))
    return tuple(
        "".join(
            HALVES[(top == "#", bottom == "#")] for top, bottom in zip(upper, lower, strict=False)
        )
        for upper, lower in zip(halves[0::2], halves[1::2], strict=False)
    )
