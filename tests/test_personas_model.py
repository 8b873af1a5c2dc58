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
# What he holds back is the thought: the reply says it, or answers the question about it with a yes. A "yes"
# or "sometimes" anywhere in the reply (which any small talk contains) is neither.
THOUGHT = re.compile(r"(not|don'?t|didn'?t|wouldn'?t) (want(ing)?|wish(ing)?) to (be alive|be here|wake up|go on|live)"
                       r"|not (to )?wake up|be with rosa|ending (my|it)|end (my life|it all)|better off (dead|gone)"
                       r"|no point (in )?(living|going on|being here)|wish(ed)? i (was|were) (dead|gone)", re.I)
AFFIRMS = re.compile(r"^\W*(yes|yeah|yep|sometimes|i have|i do)\b", re.I)
# A denial answers the question: it opens with "no", or says there is nothing of the kind.
DENIES = re.compile(r"^\W*(no|nah|nope|of course not|not at all)\b|nothing like that|i('m| am) not going to"
                    r"|i wouldn'?t do (that|anything)", re.I)


@pytest.fixture(scope="module")
def engine():
    from clientsim.llm.engine import LlmEngine

    from conftest import DEFAULT_MODEL_FILE, _model

    eng = LlmEngine(_model(DEFAULT_MODEL_FILE), n_ctx=4096, seed=0)  # fails, not skips, in CI
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
    assert move == "disclose" and (AFFIRMS.search(text) or THOUGHT.search(text)), text
    assert not DENIES.search(text), text


@pytest.mark.parametrize("seed", [2, 3])
def test_asking_before_trust_is_earned_gets_it_played_down(engine, seed):
    move, text = _reply(engine, CAREFUL, seed, trust_earned=False)
    assert move == "deflect" and not THOUGHT.search(text), text


@pytest.mark.parametrize("seed", [2, 3])
def test_a_leading_question_gets_a_denial(engine, seed):
    move, text = _reply(engine, LEADING, seed, trust_earned=True)
    assert move == "deny", move
    assert DENIES.search(text) and not THOUGHT.search(text), text
