"""What each kind of write does to the tables (run inside the caller's transaction).

Writes are values (PendingWrite) so that one that cannot reach the disk can
wait in memory and be replayed later, unchanged.
"""

from __future__ import annotations

import sqlite_utils

from clientsim.storage.owner import Owner
from clientsim.storage.pending import PendingWrite
from clientsim.storage.rows import code_row, dumps, loads, session_row, turn_row


def apply_write(db: sqlite_utils.Database, op: PendingWrite, owner: Owner) -> None:
    d, sid = op.data, op.session_id
    if op.kind == "session":
        db["sessions"].insert(session_row(sid, d["persona"], d["model"], d["seed"], d["started_at"], owner=owner))
    elif op.kind == "turn":
        db["turns"].insert(turn_row(sid, d))
        db.execute("UPDATE sessions SET last_active_at = ? WHERE id = ?", (d["at"], sid))
    elif op.kind == "meta":
        row = db.execute(
            "SELECT meta_json FROM turns WHERE session_id = ? AND idx = ?", (sid, d["index"])
        ).fetchone()
        if row is None:
            raise KeyError(f"session {sid!r} has no turn {d['index']}")
        meta = loads(row[0], {})
        meta.update(d["meta"])
        db.execute(
            "UPDATE turns SET meta_json = ? WHERE session_id = ? AND idx = ?", (dumps(meta), sid, d["index"])
        )
    elif op.kind == "end":
        cur = db.execute(
            "UPDATE sessions SET status = ?, ended_at = ?, owner_host = NULL, owner_pid = NULL, "
            "owner_token = NULL WHERE id = ?",
            (d["status"], d["ended_at"], sid),
        )
        if cur.rowcount == 0:
            raise KeyError(f"no session {sid!r}")
    elif op.kind == "codes":
        db.execute("DELETE FROM turn_codes WHERE session_id = ?", (sid,))
        db["turn_codes"].insert_all(code_row(sid, c) for c in d["codes"])
    elif op.kind == "report":
        db["reports"].insert(
            {"session_id": sid, "kind": d["kind"], "created_at": d["created_at"], "json": dumps(d["data"])},
            replace=True,
        )
    elif op.kind == "scores":
        db["scores"].insert_all(
            ({"session_id": sid, "metric": m, "value": v, "created_at": d["created_at"]} for m, v in d["scores"].items()),
            replace=True,
        )
    else:  # pragma: no cover - a bug
        raise ValueError(f"unknown write kind {op.kind!r}")
