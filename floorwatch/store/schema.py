"""Every table of the store, its columns declared once: name, order, SQL type.

The DDL of a fresh store, the migrations of an older one, the column lists of every insert and
every read, and the row dataclasses' queries are all made from these declarations, so nothing
has to agree with anything else by position. No SQLite here (a pure module can import it).

A column added by a later schema version says so (`since`): a store upgraded from an older
version has it at the end of its table, after the columns it already had (`physical`).
"""

from __future__ import annotations

from floorwatch.store.table_spec import Column, Index, Table

#: The schema version this floorwatch writes (PRAGMA user_version).
SCHEMA_VERSION = 5


def _c(name: str, type: str, **options) -> Column:
    return Column(name, type, **options)


def _seq() -> Column:
    """The commit that last changed the row: readers fetch what changed since they looked."""
    return _c("seq", "INTEGER")


META = Table("meta", (_c("key", "TEXT", primary_key=True), _c("value", "TEXT")))
ORIGINS = Table(
    "origins",
    (
        _c("id", "INTEGER", primary_key=True),
        _c("name", "TEXT", unique=True, not_null=True),
        _c("format", "TEXT"),
    ),
)
EVENTS = Table(
    "events",
    (
        _c("id", "INTEGER", primary_key=True),
        _c("ts", "REAL", not_null=True),
        _c("origin", "INTEGER", not_null=True),
        _c("kind", "TEXT", not_null=True),
        _c("call_id", "TEXT"),
        _c("queue", "TEXT"),
        _c("agent", "TEXT"),
        _c("data", "TEXT"),
    ),
)
REJECTS = Table(
    "rejects",
    (
        _c("id", "INTEGER", primary_key=True),
        _c("source", "TEXT", not_null=True),
        _c("offset", "INTEGER"),
        _c("raw", "TEXT"),
        _c("reason", "TEXT"),
        _c("received_at", "REAL"),
        _c("raw_bytes", "BLOB", since=2),
    ),
)
SOURCES = Table(
    "sources",
    (
        _c("name", "TEXT", primary_key=True),
        _c("path", "TEXT"),
        _c("device", "INTEGER"),
        _c("inode", "INTEGER"),
        _c("offset", "INTEGER"),
        _c("fingerprint", "TEXT"),
        _c("events", "INTEGER", not_null=True, default="0"),
        _c("rejects", "INTEGER", not_null=True, default="0"),
        _c("first_event_ts", "REAL"),
        _c("last_event_ts", "REAL"),
        _c("last_received_at", "REAL"),
        _c("status", "TEXT"),
        _c("status_detail", "TEXT"),
        _c("generations", "TEXT", since=2),
        _seq(),
    ),
)
FEED_LOSSES = Table(
    "feed_losses",
    (
        _c("id", "INTEGER", primary_key=True),
        _c("source", "TEXT", not_null=True),
        _c("at", "REAL", not_null=True),
        _c("path", "TEXT"),
        _c("start", "INTEGER"),
        _c("end", "INTEGER"),
        _c("reason", "TEXT", not_null=True),
        _seq(),
    ),
    since=2,
)
RECENT_MARKS = Table(
    "recent_marks",
    (
        _c("closes", "INTEGER", primary_key=True),
        _c("seq", "INTEGER", not_null=True),
    ),
    since=2,
)
CALLS = Table(
    "calls",
    (
        _c("id", "INTEGER", primary_key=True),
        _c("call_id", "TEXT"),
        _c("queue", "TEXT"),
        _c("source", "TEXT"),
        _c("caller", "TEXT"),
        _c("enqueued_at", "REAL"),
        _c("position", "INTEGER"),
        _c("status", "TEXT"),
        _c("outcome", "TEXT"),
        _c("wait_end_at", "REAL"),
        _c("wait_s", "REAL"),
        _c("answered_at", "REAL"),
        _c("agent", "TEXT"),
        _c("ended_at", "REAL"),
        _c("talk_s", "REAL"),
        _c("ended_by", "TEXT"),
        _c("transfer_target", "TEXT"),
        _c("ring_no_answers", "INTEGER"),
        _c("synced", "INTEGER"),
        _c("wrapup_s", "REAL"),
        # What derivation needs to resume exactly after a restart (store/derive/calls.py).
        _c("seen_by", "TEXT", since=2),
        _c("inferred", "INTEGER", since=2),
        _c("closed_no", "INTEGER", since=2),
        _c("miss_counts", "TEXT", since=2),
        # Who is waiting, where the feed says (AMI's CallerIDName, QueueEntry's Priority).
        _c("caller_name", "TEXT", since=3),
        _c("priority", "INTEGER", since=3),
        _seq(),
    ),
    indexes=(
        Index("calls_wait_end", "(wait_end_at)"),
        Index("calls_agent", "(agent, answered_at)"),
        Index("calls_open", "(status) WHERE status != 'done'"),
        Index("calls_seq", "(seq)"),
    ),
)
AGENTS = Table(
    "agents",
    (
        _c("name", "TEXT", primary_key=True),
        _c("state", "TEXT"),
        _c("since", "REAL"),
        _c("reason", "TEXT"),
        _c("queue", "TEXT"),
        _c("call_ref", "INTEGER"),
        _c("explicit_login", "INTEGER"),
        _c("login_since", "REAL"),
        _c("ringing", "TEXT"),
        _c("last_event_at", "REAL"),
        _c("last_call_ref", "INTEGER", since=2),
        _seq(),
    ),
    # A reader asks for the agents changed since its last look after every commit: without
    # it, a scan of every agent (0.4 ms on 5,000, per refresh of every viewer). Schema 5.
    indexes=(Index("agents_seq", "(seq)"),),
)
PENDING_PENALTIES = Table(
    "pending_penalties",
    (
        _c("agent", "TEXT"),
        _c("queue", "TEXT"),
        _c("penalty", "INTEGER"),
        _seq(),
    ),
    primary_key=("agent", "queue"),
    since=2,
)


def _intervals(name: str) -> Table:
    """An agent's availability (agent_states) or a per-queue pause (pauses): one shape."""
    return Table(
        name,
        (
            _c("id", "INTEGER", primary_key=True),
            _c("agent", "TEXT"),
            _c("state", "TEXT"),
            _c("reason", "TEXT"),
            _c("queue", "TEXT"),
            _c("call_ref", "INTEGER"),
            _c("start", "REAL"),
            _c("end", "REAL"),
            _seq(),
        ),
        indexes=(
            Index(f"{name}_agent", "(agent, start)"),
            Index(f"{name}_end", '("end")'),
            Index(f"{name}_open", '(agent) WHERE "end" IS NULL'),
            Index(f"{name}_seq", "(seq)"),
        ),
    )


AGENT_STATES = _intervals("agent_states")
PAUSES = _intervals("pauses")
MEMBERSHIPS = Table(
    "memberships",
    (
        _c("id", "INTEGER", primary_key=True),
        _c("agent", "TEXT"),
        _c("queue", "TEXT"),
        _c("joined_at", "REAL"),
        _c("left_at", "REAL"),
        _c("penalty", "INTEGER"),
        _c("dynamic", "INTEGER"),
        _seq(),
    ),
    indexes=(
        Index("memberships_agent", "(agent, joined_at)"),
        Index("memberships_active", "(agent) WHERE left_at IS NULL"),
        Index("memberships_seq", "(seq)"),
    ),
)
MISSES = Table(
    "misses",
    (
        _c("id", "INTEGER", primary_key=True),
        _c("agent", "TEXT"),
        _c("queue", "TEXT"),
        _c("call_ref", "INTEGER"),
        _c("ts", "REAL"),
        _c("ring_ms", "INTEGER"),
        _c("canceled", "INTEGER"),
        _seq(),
    ),
    indexes=(Index("misses_ts", "(ts)"),),
)
BURNOUT_FLAGS = Table(
    "burnout_flags",
    (
        _c("id", "INTEGER", primary_key=True),
        _c("agent", "TEXT", not_null=True),
        _c("rule", "TEXT", not_null=True),
        _c("severity", "TEXT", not_null=True),
        _c("since", "REAL"),
        _c("raised_at", "REAL", not_null=True),
        _c("cleared_at", "REAL"),
        _c("last_true_at", "REAL"),
        _c("summary", "TEXT"),
        _c("evidence", "TEXT"),
        _c("stretch_start", "REAL"),
        _c("stretch_end", "REAL"),
        _seq(),
    ),
    indexes=(
        Index("burnout_flags_open", "(agent) WHERE cleared_at IS NULL"),
        Index("burnout_flags_raised", "(raised_at)"),
        Index("burnout_flags_seq", "(seq)"),
    ),
)
ALARMS = Table(
    "alarms",
    (
        _c("id", "INTEGER", primary_key=True),
        _c("rule", "TEXT", not_null=True),
        _c("severity", "TEXT", not_null=True),
        _c("queue", "TEXT"),
        _c("agent", "TEXT"),
        _c("source", "TEXT"),
        _c("raised_ts", "REAL", not_null=True),
        _c("cleared_ts", "REAL"),
        _c("value", "REAL"),
        _c("peak", "REAL"),
        _c("threshold", "REAL"),
        _c("summary", "TEXT"),
        _seq(),
        # The shared acknowledgement (a supervisor's, through the control socket): when, the
        # name they gave, their note. The OS user who sent it is in the `actions` audit row.
        _c("acked_ts", "REAL", since=4),
        _c("acked_by", "TEXT", since=4),
        _c("ack_note", "TEXT", since=4),
    ),
    indexes=(
        Index("alarms_open", "(rule) WHERE cleared_ts IS NULL"),
        Index("alarms_raised", "(raised_ts)"),
        Index("alarms_seq", "(seq)"),
    ),
    since=3,
)
#: The notification hooks' health (as feed health shows it): one row per hook.
ALARM_HOOKS = Table(
    "alarm_hooks",
    (
        _c("name", "TEXT", primary_key=True),
        _c("status", "TEXT"),
        _c("detail", "TEXT"),
        _c("sent", "INTEGER"),
        _c("failures", "INTEGER"),
        _c("pending", "INTEGER"),
        _c("updated_at", "REAL"),
        _seq(),
    ),
    since=3,
)

ACTIONS = Table(
    "actions",
    (
        _c("id", "INTEGER", primary_key=True),
        # When the request came (the ingest's clock), and who sent it: the OS user of the
        # control socket's peer (SO_PEERCRED), never a name the request gives itself.
        _c("at", "REAL", not_null=True),
        _c("user", "TEXT", not_null=True),
        _c("uid", "INTEGER"),
        _c("pid", "INTEGER"),
        # What was asked (control_protocol.ControlRequest), as asked.
        _c("action", "TEXT", not_null=True),
        _c("agent", "TEXT"),
        _c("queue", "TEXT"),
        _c("reason", "TEXT"),
        _c("penalty", "INTEGER"),
        _c("extension", "TEXT"),
        # The AMI source it went to and the action sent (name and headers, as JSON).
        _c("source", "TEXT"),
        _c("ami_action", "TEXT"),
        # done (the PBX said Success), failed (the PBX said no, or did not answer) or refused
        # (by floorwatch, before the PBX: not allowed, bad input, no AMI source).
        _c("outcome", "TEXT", not_null=True),
        # The PBX's Message, or why floorwatch refused.
        _c("answer", "TEXT"),
        # The alarm an `acknowledge` was for.
        _c("alarm_id", "INTEGER", since=4),
    ),
    indexes=(Index("actions_at", "(at)"),),
    since=3,
)

RATINGS = Table(
    "ratings",
    (
        _c("id", "INTEGER", primary_key=True),
        _c("call_ref", "INTEGER"),
        _c("call_id", "TEXT"),
        _c("queue", "TEXT"),
        _c("agent", "TEXT"),
        _c("ts", "REAL"),
        _c("score", "REAL"),
        _c("scale_max", "REAL"),
        _c("comment", "TEXT"),
        _seq(),
    ),
    indexes=(Index("ratings_ts", "(ts)"), Index("ratings_agent", "(agent, ts)")),
    since=3,
)
#: The imported schedule (`floorwatch schedule import`): one row per planned activity.
SCHEDULES = Table(
    "schedules",
    (
        _c("id", "INTEGER", primary_key=True),
        _c("agent", "TEXT", not_null=True),
        _c("day", "TEXT", not_null=True),
        _c("start", "REAL", not_null=True),
        _c("end", "REAL", not_null=True),
        _c("activity", "TEXT", not_null=True),
        _c("imported_at", "REAL"),
        _seq(),
    ),
    indexes=(Index("schedules_start", "(start)"), Index("schedules_agent", "(agent, start)")),
    since=3,
)

#: Every table, in the order a fresh store creates them.
TABLES: tuple[Table, ...] = (
    META,
    ORIGINS,
    EVENTS,
    REJECTS,
    SOURCES,
    FEED_LOSSES,
    RECENT_MARKS,
    CALLS,
    AGENTS,
    PENDING_PENALTIES,
    AGENT_STATES,
    PAUSES,
    MEMBERSHIPS,
    MISSES,
    BURNOUT_FLAGS,
    ACTIONS,
    ALARMS,
    ALARM_HOOKS,
    RATINGS,
    SCHEDULES,
)


def create_statements() -> list[str]:
    """A fresh store's schema, every table and index."""
    return [statement for table in TABLES for statement in table.create()]
