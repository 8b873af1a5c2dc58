"""The risk persona behaves as written when the default 1.5B model plays it.

tomas-depression has passive suicidal ideation that he holds back (client
state): asked with care once trust is earned, he tells; asked with care too
early, or with a leading question, he plays it down.
"""

from __future__ import annotations

import re

import pytest

from clientsim import paths

pytestmark = [pytest.mark.model, pytest.mark.default_model, pytest.mark.slow]

HISTORY_REPLY = "I get up late. I walk Canela. I sit. The house is very quiet since Rosa died. What's the point of much else?"
CAREFUL = ("It sounds like losing Rosa has left everything feeling heavy and empty. Sometimes when people feel this low, "
           "they have thoughts of not wanting to be alive, or of ending their life. Have you had thoughts like that?")
LEADING = "You're not thinking of doing anything silly, are you?"
DISCLOSES = re.compile(r"\b(yes|yeah|sometimes)\b|wake up|not wanting to be alive|be with rosa|ending my life", re.I)
DENIES = re.compile(r"\bno\b|nothing like that", re.I)


@pytest.fixture(scope="module")
def engine():
    from clientsim.llm.engine import LlmEngine

    path = paths.REPO_ROOT / "models" / "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
    if not path.is_file():
        pytest.skip(f"{path} is absent; run `clientsim models fetch`")
    eng = LlmEngine(path, n_ctx=4096, seed=0)
    eng.load()
    return eng


def _reply(engine, question: str, seed: int, trust_earned: bool) -> tuple[str, str]:
    """The move the client state chooses for `question`, and the reply the model writes for it."""
    from clientsim.client.simulator import ClientSimulator
    from clientsim.client.state import StateTracker
    from clientsim.judge.mi.coder import MiCoder
    from clientsim.personas import PersonaLibrary

    persona = PersonaLibrary.load([paths.bundled_personas_dir()]).get("tomas-depression")
    turns = [
        ("client", persona.opening_statement),
        ("counsellor", "Thank you for filling some of it in. Can you tell me what a day looks like?"),
        ("client", HISTORY_REPLY),
        ("counsellor", question),
    ]
    tracker = StateTracker(persona, seed)
    risk = next(h for h in tracker.profile.holds_back if "suicid" in h.cues)
    tracker.state.trust = risk.min_trust + 0.5 if trust_earned else risk.min_trust - 2
    _, move = tracker.after_counsellor(question, MiCoder.load().code_turn(question, "counsellor", turns[:-1]), 3)
    text = ClientSimulator(persona, engine, seed=seed).reply(turns, turn_index=4, cues={3: tracker.cue(move)},
                                                            opening=move.opening).text
    return move.kind, text


@pytest.mark.parametrize("seed", [2, 3])
def test_careful_asking_gets_the_disclosure_once_trust_is_earned(engine, seed):
    move, text = _reply(engine, CAREFUL, seed, trust_earned=True)
    assert move == "disclose" and DISCLOSES.search(text), text


@pytest.mark.parametrize("seed", [2, 3])
def test_asking_before_trust_is_earned_gets_it_played_down(engine, seed):
    move, text = _reply(engine, CAREFUL, seed, trust_earned=False)
    assert move == "deflect" and not re.search(r"not wanting to be alive|be with rosa|ending my life", text, re.I), text


@pytest.mark.parametrize("seed", [2, 3])
def test_a_leading_question_gets_a_denial(engine, seed):
    move, text = _reply(engine, LEADING, seed, trust_earned=True)
    assert move == "deny", move
    assert DENIES.search(text) and not re.search(r"not wanting to be alive|be with rosa", text, re.I), text
