"""The rater's prompt: one shared prefix (instructions + transcript) and a short question per item.

Every item prompt starts with the same tokens, so the transcript is evaluated
once and the eleven questions only pay for their own few dozen tokens.
"""

from __future__ import annotations

from clientsim.judge.ctrs.items import CtrsItem

SYSTEM = ("You are an experienced CBT supervisor rating one counselling session on the Cognitive Therapy Rating "
          "Scale (CTRS). Rate only the counsellor. Each item is scored 0-6: 0 absent or harmful, 2 attempted with "
          "clear problems, 4 competent, 6 excellent (rare); odd scores fall between. Reply with one digit.")
ANSWER_PREFIX = "Score:"
MAX_TURN_WORDS = 60  # counsellor; client turns are cut harder, the rating is about the counsellor
MAX_CLIENT_WORDS = 40


def transcript_lines(transcript: dict, max_words: int = MAX_TURN_WORDS) -> list[str]:
    lines = []
    for pos, t in enumerate(transcript.get("turns") or []):
        who = "Counsellor" if str(t.get("speaker", "")).lower() in ("counsellor", "counselor", "therapist", "trainee") else "Client"
        words = str(t.get("text") or "").split()
        max_words = MAX_TURN_WORDS if who == "Counsellor" else MAX_CLIENT_WORDS
        text = " ".join(words[:max_words]) + (" …" if len(words) > max_words else "")
        lines.append(f"T{t.get('index', pos)} {who}: {text}")
    return lines


def fit_lines(lines: list[str], count_tokens, budget: int) -> list[str]:
    """Shorten to the token budget: first trim long turns harder, then drop turns from the middle."""
    if count_tokens("\n".join(lines)) <= budget:
        return lines
    lines = [_trim(line, 35) for line in lines]
    while count_tokens("\n".join(lines)) > budget and len(lines) > 8:
        mid = len(lines) // 2
        del lines[mid - 1 : mid + 1]
        if "[…" not in lines[mid - 1]:
            lines.insert(mid - 1, "[… some middle turns omitted …]")
    return lines


def _trim(line: str, n: int) -> str:
    words = line.split()
    return line if len(words) <= n + 2 else " ".join(words[: n + 2]) + " …"


def messages(transcript: dict, lines: list[str], item: CtrsItem) -> list[dict]:
    persona = transcript.get("persona") or {}
    problem = str(persona.get("presenting_problem") or "").split(". ")[0]
    who = f"Client: {persona.get('name', 'the client')}. {problem}.\n" if problem else ""
    return [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": f"{who}Session transcript:\n" + "\n".join(lines) + "\n\n" + item.prompt},
    ]
