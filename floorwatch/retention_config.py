"""`[retention]` in floorwatch.toml: how long the store keeps each kind of row before
`floorwatch db prune` removes it. Read by config.py like every section; the pruning itself is
store/retention.py's."""

from __future__ import annotations

from dataclasses import dataclass

#: The shortest policy: a day. Today is never pruned, and a shorter one is a typo (hours for
#: days) that would empty the store's history.
MIN_DAYS = 1.0


class RetentionConfigError(ValueError):
    """A [retention] value that cannot be a policy (config.py says which file)."""


@dataclass
class RetentionConfig:
    """`[retention]`: days to keep, per kind of row; a key left out keeps that kind forever."""

    #: Raw events (the truth the derived tables are made from).
    events_days: float | None = None
    #: Derived rows that are over: finished calls, availability intervals, pauses, ended
    #: memberships, missed rings and cleared burnout flags. Open ones are never pruned.
    derived_days: float | None = None
    #: Lines that could not be read (kept for finding out why).
    rejects_days: float | None = None

    def policies(self) -> dict[str, float]:
        """Each kind of row with a policy, and its days."""
        return {
            name: days
            for name, days in (
                ("events", self.events_days),
                ("derived", self.derived_days),
                ("rejects", self.rejects_days),
            )
            if days is not None
        }

    def check(self) -> None:
        for name, days in self.policies().items():
            if days < MIN_DAYS:
                raise RetentionConfigError(
                    f"retention.{name}_days: {days:g} is shorter than a day; keep at least "
                    f"{MIN_DAYS:g} (today is never pruned)"
                )
