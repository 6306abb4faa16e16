"""The `floorwatch` command line: click only. Each command parses its flags, calls the library
(the modes in floorwatch/modes/ for whatever runs, the reports for what prints) and prints.

- main.py: the group, its commands, and `run` (the entry point)
- errors.py: one-line errors and exit statuses
- options.py: what several commands parse alike (config, database, durations, instants,
  the dashboard's and the simulated floor's options)
- ingest.py: `ingest`
- viewing.py: `dash`, `run`, `serve-web`
- one_shot.py: `snapshot`, `burnout`, `staffing`, `report`
- alarms.py: `alarms`
- simulated.py: `simulate`, `demo`, `replay`
- db.py: `db prune|check|vacuum|export|backup|restore` (the store over years)

Errors an operator can fix (a missing file, a wrong flag, a database that is not ours) are one
line on stderr and exit status 2; nothing here prints a traceback for them.
"""

from floorwatch.cli.main import main, run

__all__ = ["main", "run"]
