"""Issue 15 in the window: what the student types is evaluated while they pause, and the reply is to
exactly what they sent, even when they change the message after it was evaluated."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt

from clientsim.sessions.session import DRAFT_CHUNK
from clientsim.settings import Settings
from clientsim.ui.main_window import MainWindow
from ui_helpers import stored_turn_rows

pytestmark = [pytest.mark.model, pytest.mark.slow]


def test_typing_pause_evaluates_the_draft_and_send_pays_only_the_rest(qtbot, smollm_path):
    w = MainWindow(settings=Settings(model_path=str(smollm_path), n_threads=2), load_model=True)
    qtbot.addWidget(w)
    w.resize(1100, 760)
    w.show()
    qtbot.waitUntil(lambda: w.host.state == "ready", timeout=120_000)
    w.start_session("daniel-alcohol")
    sv = w.session_view
    c = sv.controller
    qtbot.waitUntil(sv.is_active, timeout=60_000)
    assert c.session.engine.draft_chunk == DRAFT_CHUNK
    line = "It sounds like the drinking worries you more than you let on."
    qtbot.keyClicks(sv.input, line)
    qtbot.waitUntil(lambda: c.drafts_evaluated > 0 and c.draft_job is None, timeout=60_000)
    qtbot.keyClick(sv.input, Qt.Key_Return)
    qtbot.waitUntil(lambda: not sv.is_generating(), timeout=120_000)
    st = c.session.last_reply.stats
    assert st.new_prompt_tokens <= DRAFT_CHUNK < st.prompt_tokens
    # edited after its draft was evaluated: the reply is to the words sent, not to the stale draft
    qtbot.keyClicks(sv.input, "What would you like to change first?")
    qtbot.waitUntil(lambda: c.draft_job is None and not c.draft_timer.isActive(), timeout=60_000)
    sv.input.selectAll()
    qtbot.keyClicks(sv.input, "What would your wife say about that?")
    qtbot.keyClick(sv.input, Qt.Key_Return)  # sent at once, before the new pause ends
    qtbot.waitUntil(lambda: not sv.is_generating(), timeout=120_000)
    rows = stored_turn_rows(c.session.id)
    assert rows[-2][1:3] == ("counsellor", "What would your wife say about that?")
    assert rows[-1][1] == "client" and rows[-1][2].strip()
    cue = json.loads(rows[-1][3])["state"]["cue"]
    msgs = c.session.simulator.messages(c.session.history()[:-1], c.session.cues)
    assert msgs[-1]["content"].endswith("What would your wife say about that?\n\n" + cue)
