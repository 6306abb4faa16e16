"""What the simulated floor is made of: its queues, its agents and their personas, its calls,
and the settings that choose them. Plain data; the behaviour lives in call_flow and agent_day."""

from __future__ import annotations

from dataclasses import dataclass, field

#: Agents' names, in roster order (every ninth agent is a dynamic member without one).
FIRST_NAMES = [
    "Ana",
    "Ben",
    "Cleo",
    "Dev",
    "Erin",
    "Farid",
    "Gita",
    "Hugo",
    "Ines",
    "Jon",
    "Kemal",
    "Lena",
    "Marta",
    "Nico",
    "Oona",
    "Pavel",
    "Quinn",
    "Rosa",
    "Sami",
    "Tara",
    "Umar",
    "Vera",
    "Wim",
    "Xena",
    "Yusuf",
    "Zoe",
    "Aiko",
    "Bram",
    "Carla",
    "Dario",
    "Elif",
    "Femi",
    "Greta",
    "Hamid",
    "Iris",
    "Jonas",
    "Kira",
    "Luca",
    "Mina",
    "Nora",
    "Omar",
    "Petra",
    "Rafa",
    "Sofia",
    "Teo",
    "Ulla",
    "Viktor",
    "Wanda",
    "Yara",
    "Zeno",
]


@dataclass(frozen=True)
class QueueProfile:
    name: str
    #: Share of the floor's traffic.
    share: float
    #: Talk time: log-normal with this median (seconds) and shape.
    talk_median_s: float
    talk_sigma: float = 0.55
    #: Callers' patience: exponential with this mean (seconds).
    patience_s: float = 150.0
    #: The queue's timeout (seconds): EXITWITHTIMEOUT.
    timeout_s: float = 300.0


QUEUE_PROFILES = [
    QueueProfile("sales", 0.40, 190),
    QueueProfile("support", 0.35, 300, patience_s=200),
    QueueProfile("billing", 0.15, 210, patience_s=120),
    QueueProfile("vip", 0.10, 240, patience_s=90, timeout_s=180),
    QueueProfile("returns", 0.10, 160),
    QueueProfile("tech", 0.15, 420, patience_s=240),
]

#: Personas, each driving one burnout rule (see docs/burnout.md), and the rest who are steady.
STEADY, NO_BREAKS, GRINDER, SLOWING, MISSER, HARD = (
    "steady",
    "no_breaks",
    "grinder",
    "slowing",
    "misser",
    "hard",
)
PERSONAS = [NO_BREAKS, GRINDER, SLOWING, MISSER, HARD]


@dataclass
class SimConfig:
    """The floor to simulate. `start` is any time on the simulated day (its local date)."""

    agents: int = 24
    queues: int = 3
    seed: int = 1
    start: float | None = None
    timezone: str = "UTC"
    #: Days simulated before `start`'s day (for baselines such as "slowing down").
    history_days: int = 0
    #: Multiplies the traffic (1.0: the floor is about 85 % busy at its peak).
    load: float = 1.0


@dataclass
class Agent:
    name: str
    queues: list[str]
    persona: str
    shift_start: float
    shift_end: float
    breaks: list[tuple[float, float, str]]
    state: str = "off"  # off, idle, ringing, talking, wrapup, paused
    free_at: float = 0.0
    last_end: float = 0.0
    logging_out: bool = False
    calls_taken: int = 0
    #: Queues this agent is auto-paused in (after a missed ring), and a break waiting for
    #: the current call to end.
    auto_paused: set[str] = field(default_factory=set)
    due_break: tuple[float, str] | None = None


@dataclass
class Call:
    call_id: str
    queue: str
    caller: str
    entered: float
    position: int
    patience_deadline: float
    timeout_deadline: float
    key_deadline: float | None
    done: bool = False
    transfer_of: str | None = None
    #: The agent it rings now, since when, and a token that outdates older ring events.
    ringing: Agent | None = None
    ring_started: float = 0.0
    ring_token: int = 0
