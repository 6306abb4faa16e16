"""What the deriver resumes from after a restart, read back from the store.

Open calls, agents, open intervals and memberships, the recent finished calls (for late
events), the call each agent's wrap-up belongs to and penalties kept aside: every row by its
columns' names (`SELECT *` into dicts), so a store upgraded from an older schema, whose added
columns sit at the end of their tables, reads the same.
"""

from __future__ import annotations

import sqlite3

from floorwatch.store.derive import Deriver, LoadedState


def load_state(conn: sqlite3.Connection) -> LoadedState:
    """The rows a deriver resumes from (`Deriver.load`)."""

    def query(sql: str, params: tuple = ()) -> list[dict]:
        cursor = conn.execute(sql, params)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=False)) for row in cursor]

    next_ids = {
        table: (conn.execute(f"SELECT max(id) FROM {table}").fetchone()[0] or 0) + 1
        for table in ("calls", "agent_states", "pauses", "memberships")
    }
    # Recent calls (see derive.recent.RecentCalls): those whose latest close is among the last
    # RECENT_CALLS // 2. recent_marks says from which commit on every such close is, so
    # only the rows changed since then are read (by the seq index), not every call.
    closes = conn.execute("SELECT max(closes) FROM recent_marks").fetchone()[0] or 0
    floor = closes - Deriver.RECENT_CALLS // 2
    since = conn.execute(
        "SELECT seq FROM recent_marks WHERE closes > ? ORDER BY closes LIMIT 1", (floor,)
    ).fetchone()
    done = query(
        "SELECT * FROM calls WHERE seq >= ? AND status = 'done' AND closed_no > ?",
        (since[0] if since else 0, floor),
    )
    done += query("SELECT * FROM calls WHERE id IN (SELECT last_call_ref FROM agents)")
    return LoadedState(
        open_calls=query("SELECT * FROM calls WHERE status != 'done' ORDER BY id"),
        agents=query("SELECT * FROM agents ORDER BY name"),
        open_agent_states=query('SELECT * FROM agent_states WHERE "end" IS NULL ORDER BY id'),
        open_pauses=query('SELECT * FROM pauses WHERE "end" IS NULL ORDER BY id'),
        active_memberships=query("SELECT * FROM memberships WHERE left_at IS NULL ORDER BY id"),
        next_ids=next_ids,
        done_calls=done,
        closes=closes,
        pending_penalties=query("SELECT * FROM pending_penalties ORDER BY rowid"),
    )
