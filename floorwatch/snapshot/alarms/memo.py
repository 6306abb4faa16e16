"""The last readings of each queue and agent, and the figures they were read from.

Most of a big floor does not move from one round to the next: of 200 queues' 30-minute
windows a second, a few dozen change; an agent's count of missed rings changes with a ring.
A round that finds a queue's (or an agent's) figures as they were hands back the very same
readings, at the cost of comparing a few figures instead of measuring and making them again.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from floorwatch.alarm_config import AlarmsConfig

T = TypeVar("T")


class ReadingMemo:
    """Per (rule group, queue or agent): the inputs of the last reading and what it found.
    Plain data kept by the alarm monitor between rounds; a reading must be a function of its
    inputs and the config alone (anything moving with the clock is an input too)."""

    def __init__(self) -> None:
        self._config: AlarmsConfig | None = None
        #: group -> subject -> (inputs, what was made of them)
        self._groups: dict[str, dict[str, tuple[Hashable, Any]]] = {}

    def remember(
        self,
        config: AlarmsConfig,
        group: str,
        subject: str,
        inputs: Hashable,
        make: Callable[..., T],
        *args: Any,
    ) -> T:
        """What `make(*args)` reads of `subject`, made again only when `inputs` moved."""
        table = self.table(config, group)
        last = table.get(subject)
        if last is not None and last[0] == inputs:
            return last[1]
        found = make(*args)
        table[subject] = (inputs, found)
        return found

    def table(self, config: AlarmsConfig, group: str) -> dict[str, tuple[Hashable, Any]]:
        """A group's subjects and their (inputs, what was made of them), for a loop over
        hundreds of subjects to read and fill itself (`remember` costs a call for each)."""
        if config is not self._config:  # other settings: nothing remembered holds
            self._config = config
            self._groups.clear()
        table = self._groups.get(group)
        if table is None:
            table = self._groups[group] = {}
        return table

    def clear(self) -> None:
        """A new day: yesterday's queues and agents are no guide."""
        self._groups.clear()
