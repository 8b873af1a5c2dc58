"""Better responses for the weakest turns, written by the local LLM.

The model sees only what was said in the session (the client's last words and
the student's line), never the persona, so it has nothing to invent from.
Each suggestion is checked before it is shown: an open question must be a
question and must not open like a closed one; a reflection must be a
statement about the client; neither may loop, sound like a textbook ("the
relationship between…"), bring in a content word the client never said
(``grounding.new_content_words``), repeat a suggestion already in the
report, or be coded confront or persuade by the MI coder. A failed check gets
one retry that names what was wrong; then the line gets a reflection or open
question built from the client's own words (``template.template_response``).
All suggestions of a report share a time budget (``BUDGET_S``). The report
asks for suggestions only when a model is loaded.
"""

from __future__ import annotations

import difflib
import re
import time

from clientsim.core.jobs import JobState
from clientsim.judge.mi.coder import MiCoder
from clientsim.judge.mi.grounding import new_content_words, words
from clientsim.judge.mi.template import VARIANTS, template_response

_OPEN = ("Write what the counsellor could ask instead: ONE short open question, the way a warm counsellor "
         "talks, starting with What or How, about something the client just said. Use the client's own words "
         "without quoting them; add no new facts. Reply with the question only.\n"
         "Example. Client: \"I only smoke when I'm stressed.\" Counsellor: \"Do you smoke every day?\" "
         "Better: \"What is it about being stressed that makes you smoke?\"")
_COMPLEX = ("Write what the counsellor could say instead: ONE complex reflection spoken directly to the client "
            "(start with \"You\" or \"It sounds like you\"): a statement, not a question, that says back what the "
            "client means and the feeling beneath it, in your own voice (do not quote the client or start with "
            "\"You said\"). Use the client's own words; add no new facts. Reply with that sentence only.\n"
            "Example. Client: \"I only smoke when I'm stressed.\" "
            "Better: \"Smoking helps you get through the stress, and part of you wonders about it.\"")
KINDS = {
    # weak code -> what to write instead (things_to_try codes; see feedback.WEAK_RANK)
    "confront": ("complex_reflection", _COMPLEX),
    "persuade": ("complex_reflection", _COMPLEX),
    "closed_question": ("open_question", _OPEN),
    "simple_reflection": ("complex_reflection", _COMPLEX),
    "missed_change_talk": ("complex_reflection", _COMPLEX),
    "sustain_not_reflected": ("complex_reflection", _COMPLEX),
    "question_run": ("complex_reflection", _COMPLEX),
}

BUDGET_S = 15.0       # model time for all suggestions of one report (the MI report must stay within 30 s)
CLIENT_TURNS = 3      # the client's last turns shown to the model
NEAR_DUPLICATE = 0.8  # word-sequence similarity at which two suggestions say the same thing

_CLOSED_START = re.compile(
    r"^(do|does|did|is|are|was|were|have|has|had|can|could|will|would|should|shall|may|might|am|isn'?t|aren'?t|don'?t|didn'?t)\b",
    re.I,
)
# a textbook register no counsellor speaks in ("What is the relationship between your lip piercing and…")
_STILTED = re.compile(r"\b(relationship between|connection between|correlation|in relation to|with regard to|"
                      r"regarding|in terms of|the impact of|aspects? of|factors?|furthermore|moreover)\b", re.I)
_MAX_WORDS = 45


def client_turns_before(turns: list[dict], pos: int) -> list[str]:
    """Everything the client said before ``turns[pos]``, oldest first (empty turns left out): all a
    suggestion for that line may draw on."""
    return [t["text"] for t in turns[:pos] if t["speaker"] == "client" and t["text"].strip()]


def clean(text: str) -> str:
    text = text.strip().strip('"').strip()
    text = re.sub(r"^(counsellor|counselor|therapist|answer|rewrite|reflection|question|better)\s*:\s*", "", text,
                  flags=re.I)
    text = text.split("\n")[0].strip().strip('"').strip()
    return text


def _repeats_itself(text: str) -> bool:
    """A three-word run said twice ("you're not doing it, but you're not doing it either"): the small
    model looping, which reads to a student as nonsense."""
    ws = re.findall(r"[a-z']+", text.lower())
    runs = [tuple(ws[i:i + 3]) for i in range(len(ws) - 2)]
    return len(runs) != len(set(runs))


_CONTRACTIONS = (("n't", " not"), ("'re", " are"), ("'m", " am"), ("'ve", " have"), ("'ll", " will"),
                 ("'d", " would"), ("'s", " is"))


def normalised(text: str) -> str:
    """Lower-case words with contractions spelled out: "You're fine!" and "you are fine" read the same."""
    out = []
    for w in words(text):
        if w in ("can't", "won't"):
            w = {"can't": "can not", "won't": "will not"}[w]
        for short, full in _CONTRACTIONS:
            if w.endswith(short):
                w = w[: -len(short)] + full
                break
        out.append(w)
    return " ".join(out)


def same_suggestion(a: str, b: str) -> bool:
    """The same text once case, punctuation and spacing are set aside, or nearly the same words."""
    na, nb = normalised(a), normalised(b)
    if na == nb:
        return True
    return difflib.SequenceMatcher(None, na.split(), nb.split()).ratio() >= NEAR_DUPLICATE


def valid(kind: str, text: str, original: str) -> bool:
    """The form checks: right kind, not the original, not looping, not stilted."""
    ws = text.split()
    if (not ws or len(ws) > _MAX_WORDS or same_suggestion(text, original) or _repeats_itself(text)
            or _STILTED.search(text) or re.search(r"[\"\u201c\u201d]", text)):
        return False  # a quotation is the model pasting the prompt back, not something a counsellor says
    if kind == "open_question":
        return text.endswith("?") and not _CLOSED_START.match(text)
    if kind == "complex_reflection":
        # a reflection speaks about the client ("you…"), in the counsellor's voice, briefly
        lower = text.lower()
        return (not text.endswith("?") and 4 <= len(ws) <= 35 and re.search(r"\byou", lower) is not None
                and not re.match(r"(i'?m sorry|i understand|i think|i feel|i'm|you said)\b", lower))
    return False


# The student's line is a source of words only when its content was fine and its form was weak (a closed
# question, a simple reflection): a confrontation's label or a lecture's advice is what must not come back.
_OWN_WORDS_UNFIT = ("confront", "persuade")


def sources(weak_code: str, original: str, client_turns: list[str]) -> list[str]:
    """What a suggestion for ``original`` may take its content words from."""
    return list(client_turns) if weak_code in _OWN_WORDS_UNFIT else [*client_turns, original]


def codes_as_unfit(text: str, client_turns: list[str]) -> bool:
    """The MI coder hears a confrontation or advice in it ("You are a compulsive gambler, and it's time
    to accept that." is a statement about the client, but not a better one)."""
    context = [{"speaker": "client", "text": client_turns[-1]}] if client_turns else []
    row = MiCoder.load().code_turn(text, "counsellor", context)
    return row["code"] in _OWN_WORDS_UNFIT or any(c in _OWN_WORDS_UNFIT for c in row.get("others") or [])


def problems(kind: str, text: str, original: str, client_turns: list[str], avoid: list[str],
             weak_code: str = "") -> list[str]:
    """Why ``text`` cannot be shown, in words the retry prompt can quote; empty when it can."""
    out = []
    if same_suggestion(text, original):
        out.append("original")
    elif not valid(kind, text, original):
        out.append("form")
    new = new_content_words(text, sources(weak_code, original, client_turns))
    if new:
        out.append("new words: " + ", ".join(new))
    if any(same_suggestion(text, other) for other in avoid):
        out.append("repeat")
    if not out and codes_as_unfit(text, client_turns):
        out.append("confronts or advises")
    return out


def _reminder(kind: str, found: list[str]) -> str:
    said = ("as one open question to the client: start with What or How, end with a question mark."
            if kind == "open_question" else
            "as one sentence said to the client, starting with \"You\", not a question.")
    new = [p[len("new words: "):] for p in found if p.startswith("new words: ")]
    extra = f" The client never mentioned {new[0]}: use only the client's own words." if new else ""
    if "original" in found or "confronts or advises" in found:
        extra += " Do not repeat the counsellor's line or give advice: respond to what the client said."
    return "Again, " + said + extra


class _Until(JobState):
    """The report's JobState, also cancelled once ``deadline`` (time.monotonic) has passed: the model
    stops mid-reply when the suggestions' time budget is spent."""

    def __init__(self, parent: JobState | None, deadline: float | None) -> None:
        super().__init__()
        self.parent, self.deadline = parent, deadline

    @property
    def cancelled(self) -> bool:
        return ((self.parent is not None and self.parent.cancelled)
                or (self.deadline is not None and time.monotonic() >= self.deadline))


def suggest(engine, *, weak_code: str, turn_text: str, client_turns: list[str], avoid: list[str] = (),
            state: JobState | None = None, deadline: float | None = None) -> dict | None:
    """One checked suggestion for the student's line ``turn_text``: the model's (two tries, while
    ``deadline`` on ``time.monotonic()`` has not passed), else a template from the client's words; None
    only when every wording repeats one in ``avoid``."""
    if weak_code not in KINDS:
        return None
    kind, instruction = KINDS[weak_code]
    avoid = list(avoid)
    shown = client_turns[-CLIENT_TURNS:]
    said = "\n".join(f"- {t}" for t in shown) or "(nothing yet)"
    # the instruction goes first, in the system message, so every suggestion of a kind shares the
    # model's cached prompt prefix and only the session's words are evaluated anew
    system = ("You help a counselling student practise Motivational Interviewing. You know only what was said "
              "in the session. Keep it to one sentence, plain and warm.\n" + instruction)
    user = (f"What the client has said so far (latest last):\n{said}\n\n"
            f"Then the student counsellor said: \"{turn_text}\"\n\nYour better response:")
    messages = [{"role": "system", "content": system}, {"role": "user", "content": user}]
    rejected: list[dict] = []
    until = _Until(state, deadline)
    for attempt in range(2):
        if state is not None and state.cancelled:
            return None
        if until.cancelled:
            break
        if attempt == 1:
            messages = messages + [{"role": "assistant", "content": rejected[-1]["text"]},
                                   {"role": "user", "content": _reminder(kind, rejected[-1]["problems"])}]
        # one line is all that is shown (clean), so generation stops at the first line break
        text = clean(engine.chat(messages, max_tokens=60, temperature=0.0, stop=["\n"], state=until))
        if state is not None and state.cancelled:
            return None
        # cut off by the time budget: a half sentence can look like a whole one, so it is not shown
        found = ["time"] if until.cancelled else problems(kind, text, turn_text, client_turns, avoid, weak_code)
        if not found:
            return {"kind": kind, "text": text, "is_suggestion": True, "source": "model", "attempts": attempt + 1}
        rejected.append({"text": text, "problems": found})
    for variant in range(VARIANTS):
        text = template_response(kind, client_turns, variant)
        if text is None:
            break
        if not problems(kind, text, turn_text, client_turns, avoid, weak_code):
            return {"kind": kind, "text": text, "is_suggestion": True, "source": "template",
                    "attempts": len(rejected), "rejected": rejected}
    return None
