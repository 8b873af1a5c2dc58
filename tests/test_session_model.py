"""A real practice session on the real SmolLM2 model and a real SQLite file.

The tests that do not depend on this process's KV cache run twice: on this
computer's model (LlmEngine) and on a real llama-server on 127.0.0.1 serving
the same file (RemoteEngine), so the lab backend passes the same client tests.
"""

from __future__ import annotations

import pytest

from clientsim.core.errors import UserError
from clientsim.core.jobs import JobState
from clientsim.llm.engine import LlmEngine
from clientsim.personas import PersonaLibrary
from clientsim.sessions.session import PracticeSession, ReplyEvent
from clientsim.storage import Database

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def local_engine():
    from conftest import MODELS_DIR, SMOLLM_FILE, need

    path = MODELS_DIR / SMOLLM_FILE
    need(path.exists(), f"model {path} (run `clientsim models fetch`)")
    e = LlmEngine(path, n_ctx=2048, seed=3)
    e.load()
    yield e
    e.close()


@pytest.fixture(params=["local", "lab server"])
def engine(request, local_engine):
    """This computer's model, then the same model on a real lab server."""
    if request.param == "local":
        return local_engine
    from clientsim.llm.remote import RemoteEngine, ServerAddress

    server = request.getfixturevalue("lab_server")
    return RemoteEngine(ServerAddress(server.url), n_ctx=4096, seed=3).load()  # the estimate over-counts: the app's 4096


@pytest.fixture
def persona():
    return PersonaLibrary.load().get("daniel-alcohol")


def test_whole_session_streams_and_persists(engine, persona, tmp_path):
    db = Database.open(tmp_path / "s.sqlite3")
    s = PracticeSession.start(db, persona, engine, seed=5)
    assert s.turns[0].speaker == "client" and s.turns[0].text == persona.opening_statement.strip()
    events: list[ReplyEvent] = []
    for line in ["Hi Daniel, what brings you in today?", "It sounds like your partner is worried.",
                 "مرحبا 😊 how are you feeling today?"]:
        s.add_counsellor_turn(line)
        turn = s.generate_reply(JobState(on_partial=events.append))
        assert turn.speaker == "client" and turn.text.strip()
        # what was streamed adds up to what was stored
        shown = ""
        for e in events:
            shown = "" if e.kind == "reset" else shown + e.text
        assert shown == turn.text
        events.clear()
        assert turn.meta["tokens"] > 0 and turn.meta["ttft_s"] > 0
    s.end()
    db.close()
    db2 = Database.open(tmp_path / "s.sqlite3")
    stored = db2.get_turns(s.id)
    assert [t["speaker"] for t in stored] == ["client", "counsellor"] * 3 + ["client"]
    assert len(stored) == 7
    assert stored[5]["text"].startswith("مرحبا 😊")
    # the MI coder labelled each turn as it was sent
    assert stored[1]["meta"]["mi"]["family"] == "question"
    assert stored[3]["meta"]["mi"]["family"] == "reflection"
    assert stored[2]["meta"]["mi"]["talk_type"] in ("change", "neutral", "sustain")
    assert db2.get_session(s.id)["status"] == "ended"


def test_same_seed_same_session(local_engine, persona, tmp_path):
    """Replayed from the same engine state, the same seed gives the same replies, moves and client state."""
    engine = local_engine  # this process's KV cache
    replies = []
    for run in range(2):
        engine.reset_cache()
        db = Database.open(tmp_path / f"r{run}.sqlite3")
        s = PracticeSession.start(db, persona, engine, seed=42, prime=False)
        got = []
        for line in ("What would you like to talk about?", "You're in denial, you need to stop."):
            s.add_counsellor_turn(line)
            turn = s.generate_reply()
            got.append((turn.text, turn.meta["state"]))
        replies.append(got)
        db.close()
    assert replies[0] == replies[1]


def test_second_turn_evaluates_only_new_tokens(local_engine, persona, tmp_path):
    engine = local_engine  # this process's KV cache
    db = Database.open(tmp_path / "kv.sqlite3")
    s = PracticeSession.start(db, persona, engine, seed=1, prime=False)
    s.simulator.prime()
    s.add_counsellor_turn("Hello, how are you?")
    s.generate_reply()
    first = s.last_reply.stats
    assert first.new_prompt_tokens < first.prompt_tokens / 2  # persona prompt was already evaluated
    s.add_counsellor_turn("Tell me more about that.")
    s.generate_reply()
    second = s.last_reply.stats
    assert second.new_prompt_tokens < 80 < second.prompt_tokens


def test_next_turn_is_primed_while_the_student_composes(local_engine, persona, tmp_path):
    engine = local_engine  # this process's KV cache
    db = Database.open(tmp_path / "prime.sqlite3")
    s = PracticeSession.start(db, persona, engine, seed=2)
    s.add_counsellor_turn("Hello, how are you?")
    s.generate_reply()
    s.wait_primed()
    line = "What would a good week look like for you, Daniel?"
    turn = s.add_counsellor_turn(line)
    # what priming could not know: the student's words, the move note the state chose after them,
    # and the tokens that close the message
    cue = s.cues[turn.index]
    expected = len(engine.tokenize(line)) + len(engine.tokenize("\n\n" + cue))
    assert s.simulator.prime_next(s.history()[:-1], s.cues) == 0  # already primed: nothing left to evaluate
    s.generate_reply()
    st = s.last_reply.stats
    assert expected <= st.new_prompt_tokens <= expected + 8 < 60 < st.prompt_tokens
    # the reminder is in the prompt before the counsellor's words, the move note after them
    msgs = s.simulator.messages(s.history()[:-1], s.cues)
    assert msgs[-1]["role"] == "user" and msgs[-1]["content"].startswith("[Daniel, the client")
    assert msgs[-1]["content"].endswith(line + "\n\n" + cue)


def test_stop_cancels_at_once_and_keeps_partial(engine, persona, tmp_path):
    db = Database.open(tmp_path / "c.sqlite3")
    s = PracticeSession.start(db, persona, engine, seed=9, prime=False)
    s.add_counsellor_turn("Tell me everything about your week, in detail, from Monday to Sunday.")
    state = JobState()
    count = {"n": 0}

    def on_partial(e):
        count["n"] += 1
        state.cancel()

    state.on_partial = on_partial
    turn = s.generate_reply(state)
    assert s.last_reply.stopped
    assert s.last_reply.stats.stopped_by == "cancelled"
    assert s.last_reply.stats.completion_tokens < 40


def test_empty_and_read_only_are_refused(engine, persona, tmp_path):
    db = Database.open(tmp_path / "e.sqlite3")
    s = PracticeSession.start(db, persona, engine, prime=False)
    with pytest.raises(UserError, match="Type something"):
        s.add_counsellor_turn("   \n ")
    s.end()
    with pytest.raises(UserError, match="read-only"):
        s.add_counsellor_turn("hello")
    past = PracticeSession.open(db, s.id)
    assert past.read_only and past.turns[0].speaker == "client"


def test_long_message_is_kept_whole_and_clipped_for_the_model(engine, persona, tmp_path):
    db = Database.open(tmp_path / "l.sqlite3")
    s = PracticeSession.start(db, persona, engine, prime=False)
    long = ("I hear a lot going on for you. " * 700)[:20000]
    turn = s.add_counsellor_turn(long)
    s.generate_reply()
    assert db.get_turns(s.id)[turn.index]["text"] == long.strip()


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["local", "lab server"])
def test_a_long_session_never_overflows_and_keeps_the_persona(persona, tmp_path, backend, request):
    """Long counsellor turns fill the window within a few turns; the window is condensed again and
    again (not once), every prompt fits, the persona prompt stays first, and every turn is stored."""
    from conftest import MODELS_DIR, SMOLLM_FILE

    if backend == "local":
        e = LlmEngine(MODELS_DIR / SMOLLM_FILE, n_ctx=2048, seed=2).load()
    else:
        from clientsim.llm.remote import RemoteEngine, ServerAddress

        # its token count is an estimate that errs high: 2048 is too tight for the persona, the slot has 4096
        e = RemoteEngine(ServerAddress(request.getfixturevalue("lab_server").url), n_ctx=3072, seed=2).load()
    db = Database.open(tmp_path / "long.sqlite3")
    s = PracticeSession.start(db, persona, e, seed=2, prime=False)
    s.simulator.max_tokens = 16  # short replies: the test is about the context window, not the words
    folds = []
    for i in range(14):
        s.add_counsellor_turn(f"Turn {i}: I'd like to hear more about how that felt for you this week, at work "
                              f"and at home, with your family and on your own in the evenings, what you noticed "
                              f"in your body and in your thoughts, and what you did next when it was over, "
                              f"because that might tell us something about what matters to you here.")
        s.generate_reply()
        msgs = s.simulator.messages(s.history())
        assert msgs[0]["content"].startswith(s.simulator.system_prompt)
        assert e.count_tokens(msgs) + s.simulator.max_tokens <= e.n_ctx
        assert not s.last_reply.interrupted  # a server would refuse a prompt over its context
        if s.simulator.window.condensed_upto not in folds:
            folds.append(s.simulator.window.condensed_upto)
    assert len(folds) >= 3, folds  # the start, then at least two condensations
    assert len(db.get_turns(s.id)) == 29
    e.close()


def test_stop_works_during_long_prompt_evaluation(local_engine, persona, tmp_path):
    """Stop is honoured between chunks of prompt evaluation, not only between generated tokens."""
    engine = local_engine  # this process's KV cache
    db = Database.open(tmp_path / "p.sqlite3")
    s = PracticeSession.start(db, persona, engine, seed=9, prime=False)
    s.add_counsellor_turn("I want to understand your week. " * 80)
    state = JobState()
    state.cancel()
    turn = s.generate_reply(state)
    stats = s.last_reply.stats
    assert stats.stopped_by == "cancelled" and stats.completion_tokens == 0
    assert engine.llama.n_tokens < stats.prompt_tokens - 100  # the long prompt was not evaluated
    assert turn.text == "" and len(db.get_turns(s.id)) == 2  # nothing invented, the counsellor turn kept


def test_a_failed_state_update_keeps_the_turn_and_says_so(engine, persona, tmp_path, monkeypatch):
    db = Database.open(tmp_path / "st.sqlite3")
    s = PracticeSession.start(db, persona, engine, seed=3, prime=False)
    assert s.turns[0].meta["state"]["trust"] == s.tracker.start.trust  # the starting state, with the opening

    def broken(*_args, **_kw):
        raise ValueError("no code for this turn")

    monkeypatch.setattr(s.tracker, "after_counsellor", broken)
    turn = s.add_counsellor_turn("How are things at home?")
    assert "could not be worked out" in s.state_error and "saved" in s.state_error
    assert [t["text"] for t in db.get_turns(s.id)][-1] == "How are things at home?"  # stored first
    reply = s.generate_reply()
    assert reply.text and "state" not in reply.meta and turn.index not in s.cues
    monkeypatch.undo()
    s.add_counsellor_turn("You sound worried about Owen.")
    assert s.state_error is None
    assert s.generate_reply().meta["state"]["move"] in ("change", "sustain", "neutral", "discord", "disclose",
                                                         "deflect", "deny", "answer")
    db.close()


def test_a_questionnaire_answer_starts_with_the_questionnaires_words(engine, tmp_path):
    """The answer to a PHQ-9 item is put in the model's mouth; the model only goes on from it."""
    from clientsim.client.state.questionnaires import FREQUENCY, item_scores

    tomas = PersonaLibrary.load().get("tomas-depression")
    db = Database.open(tmp_path / "q.sqlite3")
    s = PracticeSession.start(db, tomas, engine, seed=4, prime=False)
    s.add_counsellor_turn("Over the last two weeks, how often have you been feeling down, depressed or hopeless?")
    reply = s.generate_reply()
    expected = FREQUENCY[item_scores("PHQ-9", tomas.self_report["PHQ-9"].total, tomas.self_report["PHQ-9"].items)[1]]
    assert reply.meta["state"]["move"] == "answer" and reply.meta["state"]["items"] == ["PHQ-9 2"]
    assert reply.text.lower().startswith(expected)
    db.close()


def test_a_draft_evaluated_while_typing_leaves_only_its_last_chunk_for_send(local_engine, persona, tmp_path):
    """Issue 15: the student's words go into the cache while they type; at send only the chunk where the
    final prompt departs from the draft remains (at most DRAFT_CHUNK tokens)."""
    from clientsim.sessions.session import DRAFT_CHUNK

    engine = local_engine
    engine.reset_cache()
    db = Database.open(tmp_path / "d.sqlite3")
    s = PracticeSession.start(db, persona, engine, seed=6, prime=False)
    assert s.enable_draft_evaluation()
    try:
        s.prime_now()
        line = "It sounds like the drinking has started to worry you more than you let on at work."
        assert s.prime_draft(line) > 20
        s.add_counsellor_turn(line)
        s.generate_reply()
        st = s.last_reply.stats
        assert st.new_prompt_tokens <= DRAFT_CHUNK < 40 < st.prompt_tokens
        # a draft that no longer matches (edited after it was evaluated) costs only what differs
        s.wait_primed()
        base = engine._base  # where the student's words start
        s.prime_draft("What would you like us to talk about first today: the evenings at home with your family, or your job?")
        s.add_counsellor_turn("What would you like us to talk about first today: the evenings at home with your family, or your work?")
        s.generate_reply()
        st = s.last_reply.stats
        # everything from the chunk where the words changed is evaluated again (the move note after them too)
        assert DRAFT_CHUNK < st.new_prompt_tokens <= st.prompt_tokens - base - 2 * DRAFT_CHUNK
    finally:
        engine.draft_chunk = None
        db.close()


def test_speech_sent_at_once_is_evaluated_in_one_batch_as_without_drafts(local_engine, persona, tmp_path):
    """A session that evaluates drafts answers speech sent the moment it was recognised with its words in
    one batch (`one_batch`): the same reply as a session that never evaluates drafts, and the session
    goes back to aligned chunks for the next typed message."""
    from clientsim.sessions.session import DRAFT_CHUNK

    engine = local_engine
    line = "What would a good week look like for you and Owen?"
    got = {}
    try:
        for name in ("no drafts", "drafts, one batch"):
            engine.reset_cache()
            db = Database.open(tmp_path / f"{name}.sqlite3")
            s = PracticeSession.start(db, persona, engine, seed=5, prime=False)
            if name != "no drafts":
                s.enable_draft_evaluation()
            s.prime_now()
            s.add_counsellor_turn(line)
            reply = s.generate_reply(one_batch=name == "drafts, one batch")
            got[name] = (reply.text, s.last_reply.stats.prompt_s)
            assert engine.draft_chunk == (None if name == "no drafts" else DRAFT_CHUNK)
            if name != "no drafts":  # the next typed message goes back to the aligned chunks
                s.add_counsellor_turn("And the evenings?")
                s.generate_reply()
                assert s.last_reply.stats.prompt_s > 0.0
            db.close()
    finally:
        engine.draft_chunk = None
    assert got["drafts, one batch"][0] == got["no drafts"][0], got
    assert got["drafts, one batch"][1] == 0.0 == got["no drafts"][1]  # nothing evaluated in chunks before generate


def test_a_reply_is_the_same_whenever_and_whatever_the_draft_was(local_engine, persona, tmp_path):
    """The reply is always to exactly what was sent, and the same seed gives the same reply, whether the
    draft was evaluated, evaluated in part, or was a stale draft the student then changed."""
    engine = local_engine
    line = "You're worried that Owen has noticed how much you drink."
    drafts = {"none": [], "prefix": ["You're worried that Owen"], "whole": [line],
              "stale": ["You need to stop drinking before Owen notices, honestly.", "You're worried that Ow"]}
    got = {}
    try:
        for name, typed in drafts.items():
            engine.reset_cache()
            db = Database.open(tmp_path / f"{name}.sqlite3")
            s = PracticeSession.start(db, persona, engine, seed=11, prime=False)
            s.enable_draft_evaluation()
            s.prime_now()
            for draft in typed:
                s.prime_draft(draft)
            s.add_counsellor_turn(line)
            got[name] = (s.generate_reply().text, s.last_reply.stats.new_prompt_tokens)
            db.close()
    finally:
        engine.draft_chunk = None
    texts = {name: text for name, (text, _) in got.items()}
    assert len(set(texts.values())) == 1, texts
    assert got["whole"][1] < got["none"][1]  # and the draft did save evaluation at send
