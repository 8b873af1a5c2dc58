"""The client's state: updated from what the student does, choosing the client's move (no model needed)."""

from __future__ import annotations

import json
import random
import time

import pytest

from clientsim.client.state import StateTracker
from clientsim.client.state import moves, update
from clientsim.client.state.model import STAGES
from clientsim.client.state.profile import StateProfile
from clientsim.client.state.signals import read_turn
from clientsim.core.errors import PersonaError
from clientsim.personas import PersonaLibrary
from clientsim.personas.loader import persona_from_dict, validate_file

LISTENING = [
    ("You're fed up with people telling you what to do, and you want to make your own call.", "complex_reflection"),
    ("It's your decision what, if anything, changes.", "emphasizing_autonomy"),
    ("What would be different for you and Owen if things changed?", "open_question"),
    ("You've kept working hard through all of it, that says a lot about you.", "affirm"),
]
PUSHING = [
    ("You need to stop drinking now, and you should stop making excuses.", "persuade"),
    ("You're in denial about how much you drink.", "confront"),
]


def coded(code: str, confidence: float = 0.9) -> dict:
    return {"code": code, "confidence": confidence, "others": []}


@pytest.fixture(scope="module")
def library():
    return PersonaLibrary.load()


def run(tracker: StateTracker, script, turns: int, start: int = 1, confidence: float = 0.9):
    out = []
    for i in range(turns):
        text, code = script[i % len(script)]
        out.append(tracker.after_counsellor(text, coded(code, confidence), start + 2 * i))
    return out


def test_every_bundled_persona_has_a_state_profile(library):
    for persona in library.all():
        p = StateProfile.from_persona(persona)
        assert 0 <= p.trust <= 10 and 0 <= p.discord <= 10 and 0.2 <= p.movability <= 2
        assert p.kind in ("MI", "CBT")
        if p.kind == "CBT":
            assert p.automatic_thought, persona.id
        if persona.risk.level != "none":
            assert p.holds_back, f"{persona.id}: the risk must be something the client holds back"


def test_older_persona_without_state_fields_gets_documented_defaults(library):
    d = library.get("daniel-alcohol").to_dict()
    d.pop("client_state", None)
    d["style"]["resistance"] = "high"
    old = persona_from_dict(d)
    p = StateProfile.from_persona(old)
    assert (p.trust, p.discord, p.movability) == (3.0, 3.5, 0.8)
    assert p.importance == 2.5 and p.confidence == 4.0  # precontemplation
    assert [h.fact for h in p.holds_back] == [old.risk.details]
    d["style"]["resistance"] = "low"
    assert StateProfile.from_persona(persona_from_dict(d)).trust == 5.0


def test_listening_builds_trust_and_confrontation_raises_discord(library):
    persona = library.get("daniel-alcohol")
    good, bad = StateTracker(persona, 1), StateTracker(persona, 1)
    run(good, LISTENING, 8)
    run(bad, PUSHING, 8)
    assert good.state.trust > good.start.trust + 2 and good.state.discord < good.start.discord
    assert bad.state.trust < bad.start.trust and bad.state.discord > bad.start.discord + 3
    assert good.state.importance > bad.state.importance


def test_lost_trust_is_slower_to_win_back(library):
    persona = library.get("linh-smoking")
    t = StateTracker(persona, 1)
    before = t.state.trust
    run(t, PUSHING[:1], 2)
    lost = before - t.state.trust
    run(t, LISTENING[:1], 2)
    regained = t.state.trust - (before - lost)
    fresh = StateTracker(persona, 1)
    fresh.state.trust = before - lost
    run(fresh, LISTENING[:1], 2)
    assert regained < fresh.state.trust - (before - lost)


def test_an_unsure_code_moves_the_client_less(library):
    persona = library.get("daniel-alcohol")
    sure, unsure = StateTracker(persona, 1), StateTracker(persona, 1)
    sure.after_counsellor("You're in denial.", coded("confront", 0.95), 1)
    unsure.after_counsellor("You're in denial.", coded("confront", 0.2), 1)
    assert sure.state.discord - sure.start.discord > 1.5 * (unsure.state.discord - unsure.start.discord) > 0


def test_no_instant_cure(library):
    """The best practice does not take a precontemplative client to action within 10 turns; stages move one at a time."""
    for persona in library.all():
        if not persona.mi or persona.mi.stage_of_change != "precontemplation":
            continue
        t = StateTracker(persona, 3)
        stages = [t.state.stage] + [s.stage for s, _ in run(t, LISTENING, 10, confidence=1.0)]
        assert stages[-1] not in ("action", "maintenance"), persona.id
        steps = [STAGES.index(b) - STAGES.index(a) for a, b in zip(stages, stages[1:])]
        assert all(abs(s) <= 1 for s in steps)
        run(t, LISTENING, 30, start=21, confidence=1.0)
        assert STAGES.index(t.state.stage) > STAGES.index("precontemplation"), "long good practice moves the stage"


def test_moves_follow_the_practice(library):
    persona = library.get("daniel-alcohol")
    good = [m.kind for seed in range(6) for _, m in run(StateTracker(persona, seed), LISTENING, 12)]
    bad = [m.kind for seed in range(6) for _, m in run(StateTracker(persona, seed), PUSHING, 12)]
    share = lambda ms: ms.count("change") / max(1, ms.count("change") + ms.count("sustain") + ms.count("discord"))  # noqa: E731
    assert share(good) > share(bad) + 0.3
    assert bad.count("discord") > good.count("discord")


def test_same_seed_same_moves(library):
    persona = library.get("tyler-cannabis")
    a = [m.kind for _, m in run(StateTracker(persona, 9), LISTENING + PUSHING, 12)]
    b = [m.kind for _, m in run(StateTracker(persona, 9), LISTENING + PUSHING, 12)]
    assert a == b


def test_held_back_fact_waits_for_trust(library):
    persona = library.get("daniel-alcohol")
    held = StateProfile.from_persona(persona).holds_back[0]
    cue_word = held.cues[0] if held.cues else "safe"
    asking = f"Can I ask about {cue_word} for a moment?"
    t = StateTracker(persona, 1)
    t.state.trust = held.min_trust - 2
    _, move = t.after_counsellor(asking, coded("open_question"), 1)
    assert move.kind == "deflect" and held.fact not in t.cue(move)
    t.state.trust = held.min_trust + 1
    _, move = t.after_counsellor(asking, coded("open_question"), 3)
    assert move.kind == "disclose" and held.fact.rstrip(".") in t.cue(move)
    _, move = t.after_counsellor(asking, coded("open_question"), 5)
    assert move.kind != "disclose", "a fact is told once"


def test_held_back_fact_is_not_in_the_system_prompt(library):
    from clientsim.client.prompt import build_system_prompt

    for persona in library.all():
        prompt = build_system_prompt(persona)
        for held in StateProfile.from_persona(persona).holds_back:
            assert held.fact not in prompt, persona.id
            assert held.topic in prompt


def test_self_report_answers_match_the_declared_items(library):
    from clientsim.client.state.questionnaires import FREQUENCY, item_scores

    d = library.get("tomas-depression").to_dict()
    d["self_report"] = {"PHQ-9": {"total": 17, "items": [2, 3, 2, 3, 1, 2, 2, 1, 1]}}
    persona = persona_from_dict(d)
    t = StateTracker(persona, 1)
    _, move = t.after_counsellor("Over the last two weeks, how often have you been feeling down, depressed or hopeless?",
                                 coded("closed_question"), 1)
    assert move.kind == "answer" and FREQUENCY[3] in move.detail
    _, move = t.after_counsellor("And trouble falling or staying asleep?", coded("closed_question"), 3)
    assert move.kind == "answer" and FREQUENCY[2] in move.detail
    assert sum(item_scores("GAD-7", 10)) == 10 and max(item_scores("GAD-7", 21)) == 3


def test_cbt_belief_falls_with_guided_discovery_and_holds_when_lectured(library):
    persona = library.get("amara-social-anxiety")
    socratic = [("What's the evidence that they'll think you're stupid?", "open_question"),
                ("What would you say to a friend who thought that?", "open_question")]
    lecture = [("That thought is irrational, you just need to speak up and stop avoiding it.", "persuade"),
               ("Don't worry, nobody thinks that, you'll be fine.", "other")]
    a, b = StateTracker(persona, 1), StateTracker(persona, 1)
    run(a, socratic, 8)
    run(b, lecture, 8)
    assert a.state.belief < a.start.belief - 15
    assert b.state.belief >= b.start.belief - 1
    _, move = a.after_counsellor("How much do you believe that thought now, from 0 to 100?", coded("open_question"), 40)
    assert move.kind == "answer" and f"{int(round(a.state.belief / 5) * 5)}%" in move.detail


def test_signals_read_what_miti_does_not_code():
    assert read_turn("Don't worry, you'll be completely fine.", None).reassurance
    assert not read_turn("You sound worried about your heart.", None).reassurance
    assert read_turn("What would be different if you cut down?", coded("open_question")).evoking
    assert read_turn("How much do you believe it, 0 to 100?", None).belief_rating


def test_state_update_and_move_are_cheap(library):
    persona = library.get("daniel-alcohol")
    t = StateTracker(persona, 1)
    t0 = time.perf_counter()
    run(t, LISTENING + PUSHING, 200)
    assert (time.perf_counter() - t0) / 200 < 0.02  # the budget is 20 ms a turn; this is ~0.1 ms


def test_talk_probabilities_are_a_distribution(library):
    persona = library.get("riley-panic")
    t = StateTracker(persona, 1)
    rng = random.Random(1)
    for _ in range(50):
        t.state.trust, t.state.discord = rng.uniform(0, 10), rng.uniform(0, 10)
        p = moves.talk_probabilities(t.state, read_turn("Hm.", coded(rng.choice(list(update.EFFECTS)))))
        assert abs(sum(p.values()) - 1) < 1e-9 and min(p.values()) >= 0


@pytest.mark.parametrize("change, field, words", [
    ({"client_state": {"trust": 11}}, "client_state.trust", "expected"),
    ({"client_state": {"trust": "high"}}, "client_state.trust", "expected"),
    ({"client_state": {"movability": 0}}, "client_state.movability", "expected"),
    ({"client_state": {"holds_back": [{"topic": "x", "fact": "y"}]}}, "client_state.holds_back[0].min_trust", "missing"),
    ({"client_state": {"importance": 9}}, "client_state.importance", "contradicts"),
    ({"self_report": {"PHQ-9": {"total": 30}}}, "self_report.PHQ-9.total", "expected"),
    ({"self_report": {"GAD-7": {"total": 5, "items": [1, 1, 1, 1, 1, 1, 1]}}}, "self_report.GAD-7.items", "add up"),
    ({"self_report": {"GAD-7": {"total": 5, "items": [1, 1]}}}, "self_report.GAD-7.items", "item"),
    ({"self_report": {"BDI": {"total": 5}}}, "self_report.BDI", "not a known field"),
])
def test_bad_state_fields_name_file_field_and_problem(library, tmp_path, change, field, words):
    d = library.get("daniel-alcohol").to_dict()
    for key, value in change.items():
        d[key] = {**d.get(key, {}), **value} if key == "client_state" else value
    d["format"] = "clientsim.persona/1"
    path = tmp_path / "daniel-alcohol.json"
    path.write_text(json.dumps(d), encoding="utf-8")
    errors = validate_file(path)
    assert any(e.field == field and words in e.problem for e in errors), [(e.field, e.problem) for e in errors]
    with pytest.raises(PersonaError):
        persona_from_dict({k: v for k, v in d.items()})


def test_questionnaire_items_need_a_frame_and_risk_waits_for_trust(library):
    persona = library.get("tomas-depression")
    t = StateTracker(persona, 1)
    _, move = t.after_counsellor("How's your sleep been lately?", coded("open_question"), 1)
    assert move.kind != "answer", "a chat about sleep is not PHQ-9 item 3"
    _, move = t.after_counsellor("Over the last two weeks, how often have you had little interest in doing things?",
                                 coded("closed_question"), 3)
    assert move.kind == "answer" and move.items == ("PHQ-9 1",)
    _, move = t.after_counsellor("And trouble sleeping?", coded("closed_question"), 5)
    assert move.items == ("PHQ-9 3",), "a follow-on item needs no frame of its own"
    t.state.trust = 2
    _, move = t.after_counsellor("How often have you had thoughts that you would be better off dead?",
                                 coded("closed_question"), 7)
    assert move.kind == "deflect", "item 9 touches a held-back fact: played down before trust is earned"


def test_a_leading_question_is_played_down_whatever_the_trust(library):
    persona = library.get("tomas-depression")
    t = StateTracker(persona, 1)
    t.state.trust = 9
    _, move = t.after_counsellor("You're not thinking of doing anything silly, are you?", coded("closed_question"), 1)
    assert move.kind == "deny" and "says no" in t.cue(move)


def test_a_talk_move_answers_no_questionnaire_item(library):
    t = StateTracker(library.get("tomas-depression"), 1)
    _, move = t.after_counsellor("That sounds really hard.", coded("simple_reflection"), 1)
    assert move.kind in ("change", "sustain", "neutral", "discord") and move.items == ()
    assert dict(move.probabilities).keys() == {"change", "sustain", "neutral", "discord"}
    assert t.state.turns_since_item > 1
