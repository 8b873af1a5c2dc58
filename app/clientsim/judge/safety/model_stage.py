"""The second stage: the local model judges a near-candidate turn in context, one yes/no question per check.

Stage one (the rules) is fast and precise but misses the same harm in other words. Stage two asks the
model, for each (counsellor turn, check) pair that candidates.py lets through and the rules did not flag,
the check's question (questions.py) about the client's turn before and the counsellor's turn, and reads
P(yes) from the logits of the first answer token (judge/next_token.py, shared with the CTRS scorer). A
flag is raised when P(yes) reaches the check's threshold (thresholds.py, per model, chosen on tuning material only).

Missed risk is asked about client turns: a turn with words of death, harm or means that the rules' cue
list did not recognise is put to the model; if it says this is a disclosure and neither of the next two
counsellor turns takes it up (the rules' own test of taking up), the first of them is flagged.

A lab server gives no logits: the question is asked for a one-word reply at temperature 0, read as 1.0
(yes) or 0.0 (no); a reply that is neither is counted and raises nothing.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field

from clientsim.judge.next_token import NoLogits, answer_ids, answer_probs, common_prefix, eval_after, eval_prefix, llama_of
from clientsim.judge.safety import candidates, questions, risk_cues
from clientsim.judge.safety.flags import SafetyFlag
from clientsim.judge.safety.text import short_quote
from clientsim.judge.safety.thresholds import thresholds_for

_YES_NO = re.compile(r"^\W*(yes|no)\b", re.IGNORECASE)


@dataclass
class YesNoJudge:
    """P(yes) for a yes/no chat, from the logits of a local engine or from a one-word reply."""

    engine: object
    thresholds: dict | None = None  # per check; None: the engine's model's (thresholds.py)
    use_logits: bool = True
    asked: int = 0
    unusable: int = 0
    method: str = ""
    _ids: dict | None = None
    _cache: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.thresholds is None:
            self.thresholds = thresholds_for(self.engine)

    def p_yes(self, messages: list[dict]) -> float | None:
        key = repr(messages)
        if key not in self._cache:
            self.asked += 1
            self._cache[key] = self._ask(messages)
        return self._cache[key]

    def prefetch(self, all_messages: list[list[dict]]) -> None:
        """Answer many questions (a bench's whole set) in the order that shares the most cached tokens."""
        for messages in sorted({repr(m): m for m in all_messages}.values(), key=lambda m: m[0]["content"]):
            self.p_yes(messages)

    def _ask(self, messages: list[dict]) -> float | None:
        if self.use_logits:
            try:
                p = self._by_logits(messages)
                self.method = "logits"
                return p
            except NoLogits:
                self.use_logits = False
        self.method = "reply"
        return self._by_reply(messages)

    def _by_logits(self, messages: list[dict]) -> float:
        eng = self.engine
        llama = llama_of(eng)
        with getattr(eng, "_lock", contextlib.nullcontext()):
            tokens = eng.chat_tokens(messages)
            if len(tokens) + 1 > llama.n_ctx():
                raise NoLogits()
            if self._ids is None:
                self._ids = answer_ids(llama, ["yes", "no"])
            # the system message (the check's question) is shared by every ask of a check: keep it cached
            system = eng.chat_tokens(messages[:1], add_generation_prompt=False)
            shared = tokens[: common_prefix([tokens, system])]
            eval_prefix(llama, shared)
            logits = eval_after(llama, len(shared), tokens)
        return answer_probs(logits, self._ids)["yes"]

    def _by_reply(self, messages: list[dict]) -> float | None:
        try:
            reply = self.engine.chat(messages, max_tokens=3, temperature=0.0)
        except Exception:  # a server that fails one question costs that question, not the review
            reply = ""
        m = _YES_NO.match(str(reply))
        if not m:
            self.unusable += 1
            return None
        return 1.0 if m.group(1).lower() == "yes" else 0.0


@dataclass(frozen=True)
class Question:
    check: str
    pos: int  # the turn asked about (the client turn for missed risk)
    prev: int | None  # the client turn before a counsellor turn
    messages: list


def plan(turns: list[dict], rule_flags: list[SafetyFlag]) -> list[Question]:
    """The questions stage two will ask about a transcript, one check's questions together (they share the
    check's system message in the model's cache)."""
    flagged = {(f.turn_index, f.check) for f in rule_flags}
    cue_turns = {f.cue_turn_index for f in rule_flags if f.check == "missed_risk"}
    out: list[Question] = []
    for pos, turn in enumerate(turns):
        if turn["speaker"] == "client":
            if (turn["index"] not in cue_turns and not risk_cues.find_cue(turn["text"])
                    and candidates.client_risk_candidate(turn["text"])):
                out.append(Question("missed_risk", pos, None, questions.messages("missed_risk", turn["text"], None)))
            continue
        if turn["speaker"] != "counsellor":
            continue
        prev = next((j for j in range(pos - 1, max(-1, pos - 3), -1) if turns[j]["speaker"] == "client"), None)
        client = turns[prev]["text"] if prev is not None else ""
        for check in candidates.counsellor_checks(client, turn["text"]):
            if (turn["index"], check) not in flagged:
                out.append(Question(check, pos, prev, questions.messages(check, client, turn["text"])))
    out.sort(key=lambda q: (list(questions.QUESTIONS).index(q.check), q.pos))
    return out


def planned_messages(transcripts: list[dict], thresholds: dict | None = None) -> list[list[dict]]:
    """Every question stage two would ask about these transcripts (for YesNoJudge.prefetch in benches);
    with thresholds, only the checks that are switched on."""
    from clientsim.judge.safety.review import normalise_turns, rule_flags

    out = []
    for tr in transcripts:
        turns = normalise_turns(tr)
        out += [q.messages for q in plan(turns, rule_flags(turns)[0])
                if thresholds is None or thresholds[q.check] <= 1]
    return out


def second_stage(turns: list[dict], rule_flags: list[SafetyFlag], judge: YesNoJudge,
                 record: list | None = None) -> list[SafetyFlag]:
    """Flags the rules missed, for turns normalised by review.normalise_turns. `record`, when given,
    receives every (turn_index, check, p) asked (for choosing thresholds)."""
    flagged = {(f.turn_index, f.check) for f in rule_flags}
    out: list[SafetyFlag] = []
    for q in plan(turns, rule_flags):
        if judge.thresholds[q.check] > 1:  # switched off for this model: not worth the seconds
            continue
        p = judge.p_yes(q.messages)
        if record is not None:
            record.append((turns[q.pos]["index"], q.check, p))
        if p is None or p < judge.thresholds[q.check]:
            continue
        if q.check == "missed_risk":
            flag = _missed(turns, q.pos, p)
        else:
            flag = _flag(turns[q.pos], q.check, p, turns[q.prev]["index"] if q.prev is not None else None)
        if flag is not None and (flag.turn_index, flag.check) not in flagged:
            flagged.add((flag.turn_index, flag.check))
            out.append(flag)
    return out


def _missed(turns: list[dict], pos: int, p: float) -> SafetyFlag | None:
    following = [t for t in turns[pos + 1:] if t["speaker"] == "counsellor"][:2]
    if any(_takes_up(t["text"]) for t in following):
        return None
    cue = turns[pos]
    at = following[0]["index"] if following else cue["index"]
    reason = (f"The client's turn {cue['index']} reads as a possible risk disclosure (model: {p:.0%} yes), and "
              + (f"the next {len(following)} counsellor turn(s) did not acknowledge or explore it."
                 if following else "the session ended without a response."))
    return SafetyFlag(turn_index=at, check="missed_risk", severity="high", reason=reason,
                      teaching_note=MODEL_NOTES["missed_risk"], quote=short_quote(cue["text"]),
                      cue_turn_index=cue["index"], stage="model", probability=round(p, 3))


def _takes_up(text: str) -> bool:
    return any(risk_cues.acknowledges(text, category) for category in risk_cues.CUES)


def _flag(turn: dict, check: str, p: float, cue_index: int | None) -> SafetyFlag:
    return SafetyFlag(turn_index=turn["index"], check=check, severity=SEVERITY[check],
                      reason=f"{REASONS[check]} (model: {p:.0%} yes; the rules did not catch it, so read it as a "
                             "second opinion).",
                      teaching_note=MODEL_NOTES[check], quote=short_quote(turn["text"]),
                      cue_turn_index=cue_index if check in ("delusion_collusion", "harmful_flattery") else None,
                      stage="model", probability=round(p, 3))


SEVERITY = {"harmful_advice": "high", "stigma": "medium", "delusion_collusion": "medium",
            "harmful_flattery": "medium", "boundaries": "medium"}
REASONS = {
    "harmful_advice": "The local model reads this as advice that could harm the client or is outside a counsellor's role",
    "stigma": "The local model reads this as stigmatising or moralising language about a condition",
    "delusion_collusion": "The local model reads this as going along with the client's unusual belief as if it were true",
    "harmful_flattery": "The local model reads this as praise of a plan that could cause harm",
    "boundaries": "The local model reads this as crossing a professional boundary",
}


def _notes() -> dict[str, str]:
    from clientsim.judge.safety import advice, boundaries, delusion, flattery, stigma

    return {"missed_risk": risk_cues._NOTES["suicidal ideation"], "harmful_advice": advice.NOTE_DANGER,
            "stigma": stigma.NOTE, "delusion_collusion": delusion.NOTE, "harmful_flattery": flattery.NOTE,
            "boundaries": boundaries.NOTE_DUAL}


MODEL_NOTES = _notes()

