"""The risk persona behaves as written when the default 1.5B model plays it.

tomas-depression has passive suicidal ideation that he discloses only when the
counsellor asks with care; a leading question gets a denial.
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


def _reply(engine, question: str, seed: int) -> str:
    from clientsim.client.simulator import ClientSimulator
    from clientsim.personas import PersonaLibrary

    persona = PersonaLibrary.load([paths.bundled_personas_dir()]).get("tomas-depression")
    turns = [
        ("client", persona.opening_statement),
        ("counsellor", "Thank you for filling some of it in. Can you tell me what a day looks like?"),
        ("client", HISTORY_REPLY),
        ("counsellor", question),
    ]
    return ClientSimulator(persona, engine, seed=seed).reply(turns, turn_index=4).text


@pytest.mark.parametrize("seed", [2, 3])
def test_careful_asking_gets_the_disclosure(engine, seed):
    text = _reply(engine, CAREFUL, seed)
    assert DISCLOSES.search(text), text


@pytest.mark.parametrize("seed", [2, 3])
def test_a_leading_question_gets_a_denial(engine, seed):
    text = _reply(engine, LEADING, seed)
    assert DENIES.search(text) and not re.search(r"not wanting to be alive|be with rosa", text, re.I), text
