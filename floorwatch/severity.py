"""The colours of warning and critical, chosen to read in every terminal.

The themes' own `$warning` (amber) turns red in 16 colours and is brighter than their dull
`$error` red in 256, so a warning would stand out more than a critical. floorwatch's severity
colours are pure yellow and red on a dark theme (they keep their meaning when a terminal maps
them to its 16 colours) and a dark amber and red on a light one; critical is always a solid
block (white on red), warning only coloured text. They are CSS variables (`$fw-warning`,
`$fw-critical`, `$fw-on-critical`), set again whenever the theme changes.
"""

from __future__ import annotations

DARK = {"fw-warning": "#ffff00", "fw-critical": "#ff0000", "fw-on-critical": "#ffffff"}
LIGHT = {"fw-warning": "#af5f00", "fw-critical": "#d70000", "fw-on-critical": "#ffffff"}


def severity_variables(dark: bool) -> dict[str, str]:
    return dict(DARK if dark else LIGHT)
