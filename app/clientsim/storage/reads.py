"""The read API of Database: what is on disk, with the writes still waiting in memory laid over it."""

from __future__ import annotations

import json

from clientsim.storage.rows import code_from_row, session_info, session_row, turn_from_row


class Reads:
    """list_sessions, get_session, get_turns, ...; mixed into Database."""


    def session_exists(self, session_id: str) -> bool:
        with self._lock:
            self._check_open()
            if self._pending_of("session", session_id):
                return True
            return self.conn.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone() is not None

    def _pending_session_rows(self) -> list[dict]:
        return [
            {**session_row(op.session_id, op.data["persona"], op.data["model"], op.data["seed"],
                           op.data["started_at"]), "turn_count": 0}
            for op in self._pending_of("session")
        ]

    def _overlay(self, info: dict) -> dict:
        """Apply waiting turns and endings to a session as read from disk."""
        info["turn_count"] += len(self._pending_of("turn", info["id"]))
        for op in self._pending_of("end", info["id"]):
            info["status"], info["ended_at"] = op.data["status"], op.data["ended_at"]
        return info

    def list_sessions(self, persona_id: str | None = None) -> list[dict]:
        """Sessions newest first, each with 'turn_count' and decoded 'persona' and 'model'."""
        with self._lock:
            self._check_open()
            sql = (
                "SELECT s.*, (SELECT COUNT(*) FROM turns t WHERE t.session_id = s.id) AS turn_count "
                "FROM sessions s"
            )
            params: tuple = ()
            if persona_id is not None:
                sql += " WHERE s.persona_id = ?"
                params = (persona_id,)
            rows = list(self.db.query(sql, params))
            rows += [r for r in self._pending_session_rows() if persona_id in (None, r["persona_id"])]
            rows.sort(key=lambda r: (r["started_at"] or "", r["id"]), reverse=True)
            return [self._overlay(session_info(r)) for r in rows]

    def get_session(self, session_id: str) -> dict | None:
        """The session with 'persona' and 'model' decoded, or None."""
        with self._lock:
            self._check_open()
            rows = list(
                self.db.query(
                    "SELECT s.*, (SELECT COUNT(*) FROM turns t WHERE t.session_id = s.id) AS turn_count "
                    "FROM sessions s WHERE s.id = ?",
                    (session_id,),
                )
            )
            rows = rows or [r for r in self._pending_session_rows() if r["id"] == session_id]
            if not rows:
                return None
            return self._overlay(session_info(rows[0]))

    def get_turns(self, session_id: str) -> list[dict]:
        """[{"index", "speaker", "text", "at", "meta"}] in order, including turns waiting in memory."""
        with self._lock:
            self._check_open()
            turns = {
                r["idx"]: turn_from_row(r)
                for r in self.db.query(
                    "SELECT idx, speaker, text, at, meta_json FROM turns WHERE session_id = ? ORDER BY idx",
                    (session_id,),
                )
            }
            for op in self._pending:
                if op.session_id != session_id:
                    continue
                if op.kind == "turn":
                    turns[op.data["index"]] = {k: op.data[k] for k in ("index", "speaker", "text", "at")}
                    turns[op.data["index"]]["meta"] = dict(op.data["meta"])
                elif op.kind == "meta" and op.data["index"] in turns:
                    turns[op.data["index"]]["meta"].update(op.data["meta"])
            return [turns[i] for i in sorted(turns)]

    def get_codes(self, session_id: str) -> list[dict]:
        with self._lock:
            self._check_open()
            waiting = self._pending_of("codes", session_id)
            if waiting:
                return [dict(c) for c in waiting[-1].data["codes"]]
            return [
                code_from_row(r)
                for r in self.db.query(
                    "SELECT * FROM turn_codes WHERE session_id = ? ORDER BY turn_idx", (session_id,)
                )
            ]

    def get_report(self, session_id: str, kind: str) -> dict | None:
        with self._lock:
            self._check_open()
            waiting = [op for op in self._pending_of("report", session_id) if op.data["kind"] == kind]
            if waiting:
                return waiting[-1].data["data"]
            row = self.conn.execute(
                "SELECT json FROM reports WHERE session_id = ? AND kind = ?", (session_id, kind)
            ).fetchone()
            return None if row is None else json.loads(row[0])

    def score_history(self, metric: str) -> list[tuple[str, str, float]]:
        """(session_id, started_at, value) for every session with this metric, oldest first."""
        with self._lock:
            self._check_open()
            return [
                (r[0], r[1], float(r[2]))
                for r in self.conn.execute(
                    "SELECT s.id, s.started_at, sc.value FROM scores sc JOIN sessions s ON s.id = sc.session_id "
                    "WHERE sc.metric = ? ORDER BY s.started_at, s.id",
                    (metric,),
                )
            ]
