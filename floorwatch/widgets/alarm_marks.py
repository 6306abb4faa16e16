"""Which queues and agents have an alarm up, for the boards and tiles that mark them.

A board's name cell reads this (a flag before the name, the row's name in reverse), so a
queue or an agent in alarm stands out at a distance; silenced alarms (this viewer's) do not
mark. Kept as one mutable object per board: its columns close over it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from floorwatch.snapshot.alarms import Alarm

#: Before a marked name (a shape, so NO_COLOR keeps it).
ALARM_MARK = "⚑"
RANK = {"info": 0, "warning": 1, "critical": 2}


class AlarmMarks:
    """Queue and agent names -> the worst severity of their unsilenced open alarms."""

    def __init__(self) -> None:
        self.queues: dict[str, str] = {}
        self.agents: dict[str, str] = {}

    def take(self, alarms: Iterable[Alarm], silenced: Collection[int] = ()) -> bool:
        """The alarms up now; True if any mark changed."""
        queues: dict[str, str] = {}
        agents: dict[str, str] = {}
        for alarm in alarms:
            if alarm.store_id in silenced:
                continue
            for names, name in ((queues, alarm.queue), (agents, alarm.agent)):
                if name is not None and RANK.get(alarm.severity, 0) >= RANK.get(
                    names.get(name, "info"), 0
                ):
                    names[name] = alarm.severity
        if queues == self.queues and agents == self.agents:
            return False
        self.queues, self.agents = queues, agents
        return True

    def name_cell(self, names: dict[str, str], key: str, text: str) -> tuple[str, str | None]:
        """A name, marked if it has an alarm up."""
        return (f"{ALARM_MARK}{text}", "alarm") if key in names else (text, None)
