"""Better responses for the weakest turns, written by the local LLM.

Each suggestion is checked before it is shown (an open question must be a
question and must not open like a closed one; a reflection must be a
statement; neither may say the same three words twice); a failed check gets one retry, then the suggestion is left out.
Nothing here invents text when no model is available.
"""

from __future__ import annotations

import re

from clientsim.core.jobs import JobState

_OPEN = ("Write what the counsellor could ask instead: ONE open question on the same topic as the counsellor's "
         "question, spoken to the client, starting with What or How. Reply with the question only.\n"
         "Example. Client: \"I only smoke when I'm stressed.\" Counsellor: \"Do you smoke every day?\" "
         "Better: \"How does smoking fit into the stressful parts of your day?\"")
_COMPLEX = ("Write what the counsellor could say instead: ONE complex reflection spoken directly to the client "
            "(start with \"You\" or \"It sounds like you\"): a statement, not a question, that adds the feeling "
            "or meaning beneath what the client said. Reply with that sentence only.\n"
            "Example. Client: \"My wife keeps nagging me about the beer.\" "
            "Better: \"You're tired of being told what to do, and part of you wonders if she has a point.\"")
KINDS = {
    # weak code -> (what to write, instruction)
    "closed_question": ("open_question", _OPEN),
    "simple_reflection": ("complex_reflection", _COMPLEX),
    "persuade": ("complex_reflection", _COMPLEX),
    "confront": ("complex_reflection", _COMPLEX),
}

_CLOSED_START = re.compile(
    r"^(do|does|did|is|are|was|were|have|has|had|can|could|will|would|should|shall|may|might|am|isn'?t|aren'?t|don'?t|didn'?t)\b",
    re.I,
)
_MAX_WORDS = 45


def _persona_context(persona: dict | None) -> str:
    if not persona:
        return "The client is an adult talking about a behaviour they are unsure about changing."
    mi = persona.get("mi") or {}
    parts = [f"The client is {persona.get('name', 'the client')}"]
    if persona.get("presenting_problem"):
        parts.append(f"presenting problem: {persona['presenting_problem']}")
    if mi.get("target_behaviour"):
        parts.append(f"behaviour in question: {mi['target_behaviour']}")
    if mi.get("stage_of_change"):
        parts.append(f"stage of change: {mi['stage_of_change']}")
    return "; ".join(parts) + "."


def clean(text: str) -> str:
    text = text.strip().strip('"').strip()
    text = re.sub(r"^(counsellor|counselor|therapist|answer|rewrite|reflection|question)\s*:\s*", "", text, flags=re.I)
    text = text.split("\n")[0].strip().strip('"').strip()
    return text


def _repeats_itself(text: str) -> bool:
    """A three-word run said twice ("you're not doing it, but you're not doing it either"): the small
    model looping, which reads to a student as nonsense."""
    words = re.findall(r"[a-z']+", text.lower())
    runs = [tuple(words[i:i + 3]) for i in range(len(words) - 2)]
    return len(runs) != len(set(runs))


def valid(kind: str, text: str, original: str) -> bool:
    words = text.split()
    if not words or len(words) > _MAX_WORDS or text.lower() == original.strip().lower() or _repeats_itself(text):
        return False
    if kind == "open_question":
        return text.endswith("?") and not _CLOSED_START.match(text)
    if kind == "complex_reflection":
        # a reflection speaks about the client ("you…"), in the counsellor's voice, briefly
        lower = text.lower()
        return (not text.endswith("?") and 4 <= len(words) <= 35 and re.search(r"\byou", lower) is not None
                and not re.match(r"(i'?m sorry|i understand|i think|i feel|i'm)\b", lower))
    return False


def suggest(engine, *, weak_code: str, turn_text: str, client_before: str, persona: dict | None,
            state: JobState | None = None) -> dict | None:
    """One checked suggestion, or None if the model did not produce a valid one in two tries."""
    if weak_code not in KINDS:
        return None
    kind, instruction = KINDS[weak_code]
    system = ("You help a counselling student practise Motivational Interviewing. "
              + _persona_context(persona) + " Keep it to one sentence, plain and warm.")
    user = (f"Client said: \"{client_before or '(start of session)'}\"\n"
            f"Counsellor said: \"{turn_text}\"\n\n{instruction}")
    messages = [{"role": "system", "content": system}, {"role": "user", "content": user}]
    for attempt in range(2):
        if state is not None and state.cancelled:
            return None
        if attempt == 1:
            messages = messages + [{"role": "user", "content":
                                    ("Again, as one open question to the client: start with What or How, end "
                                     "with a question mark." if kind == "open_question" else
                                     "Again, as one sentence said to the client, starting with \"You\", not a "
                                     "question.")}]
        raw = engine.chat(messages, max_tokens=60, temperature=0.0)
        text = clean(raw)
        if valid(kind, text, turn_text):
            return {"kind": kind, "text": text, "is_suggestion": True, "attempts": attempt + 1}
    return None
