"""Where the client's reply text comes from, as a stream the speaker can follow.

``session_reply_stream(session)`` turns PracticeSession's push API
(``generate_reply(state)`` calling ``state.partial(ReplyEvent)``) into an
iterator: generation runs on its own thread and its events are yielded as
they arrive, so synthesis starts on the first sentence while the rest is
still being written. ``record_cut`` keeps a barge-in's ``cut_at`` in the
client turn's meta; ``record_stages`` keeps the turn's stage times there
(``{"voice": {"endpoint_s": …, "recognition_s": …, "prompt_s": …,
"first_token_s": …, "first_audio_s": …, "total_s": …}}``).
"""

from __future__ import annotations

import queue
import threading
from typing import Iterator

from clientsim.core.jobs import JobState

_END = object()


class SessionReplies:
    """Callable: counsellor text -> iterator of ReplyEvents; ``last_turn`` is the stored client turn."""

    def __init__(self, session, state: JobState | None = None) -> None:
        self.session = session
        self.state = state
        self.last_turn = None
        self.counsellor_turn = None

    def __call__(self, text: str) -> Iterator:
        self.counsellor_turn = self.session.add_counsellor_turn(text)
        self.last_turn = None
        q: queue.Queue = queue.Queue()
        outer = self.state
        job = JobState(on_partial=q.put)
        if outer is not None:
            job._cancel = outer._cancel  # cancelling the turn cancels generation
        box: dict = {}

        def run() -> None:
            try:
                box["turn"] = self.session.generate_reply(job)
            except BaseException as exc:  # handed to the caller below
                box["error"] = exc
            finally:
                q.put(_END)

        t = threading.Thread(target=run, name="clientsim-reply", daemon=True)
        t.start()
        try:
            while True:
                item = q.get()
                if item is _END:
                    break
                yield item
        finally:
            t.join()
        if "error" in box:
            raise box["error"]
        self.last_turn = box.get("turn")


def session_reply_stream(session, state: JobState | None = None) -> SessionReplies:
    return SessionReplies(session, state)


def record_cut(session, turn, cut_at: int | None) -> None:
    """The student cut the client off after ``cut_at`` characters: keep that in the turn's meta."""
    if turn is None or cut_at is None:
        return
    turn.meta = {**(turn.meta or {}), "cut_at": int(cut_at)}
    session.db.update_turn_meta(session.id, turn.index, {"cut_at": int(cut_at)})


def record_stages(session, turn, result) -> dict | None:
    """Keep a voice turn's stage times (``VoiceTurnResult.stages``) in the client turn's meta under "voice".

    The prompt-evaluation stage is the model's own time to its first token, from the turn's meta.
    """
    if turn is None:
        return None
    return store_stages(session, turn, result.stages(prompt_s=(turn.meta or {}).get("ttft_s")))


def store_stages(session, turn, stages: dict) -> dict:
    """``stages`` (``jobs.voice_stages``) into the client turn's meta under "voice"."""
    turn.meta = {**(turn.meta or {}), "voice": stages}
    session.db.update_turn_meta(session.id, turn.index, {"voice": stages})
    return stages
