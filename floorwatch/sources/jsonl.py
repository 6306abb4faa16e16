"""JSON Lines in the canonical model: one event object per line, from a file or stdin.

The object is the one `Event.to_json` writes and the README documents:
`{"ts": 1795530192, "kind": "call_queued", "call_id": "1795530192.1", "queue": "orders",
"data": {"caller": "5550151", "position": 1}}`. Any system can feed floorwatch this way, so
every field is checked here against the event schema (`event_schema.SCHEMA`): a line of the wrong
shape is a reject, never an event the deriver or the store would choke on.
"""

from __future__ import annotations

import json

from floorwatch.event_schema import event_from_dict
from floorwatch.events import Event, EventError

FORMAT = "jsonl"


def _no_constant(name: str) -> float:
    """Python's json reads NaN, Infinity and -Infinity, which JSON does not have: refuse them."""
    raise EventError(f"not JSON: {name} is not a JSON number")


_DECODER = json.JSONDecoder(parse_constant=_no_constant)


def parse_line(line: str, source: str = FORMAT) -> Event:
    """One JSON line as an Event; EventError says why not."""
    try:
        record = _DECODER.decode(line)
    except EventError:
        raise
    except RecursionError:
        # Thousands of nested brackets: no event is more than three levels deep.
        raise EventError("not JSON: nested too deeply") from None
    except ValueError as error:  # also an integer of more than 4,300 digits
        raise EventError(f"not JSON: {str(error)[:200]}") from None
    return event_from_dict(record, default_source=source)
