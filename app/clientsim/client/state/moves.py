"""The client's next move, chosen from the state: the model only puts it into words.

Moves: change talk, sustain talk, neutral information, discord (push-back at
the counsellor), telling a held-back fact, playing a held-back topic down,
and answering a questionnaire item or a belief rating. The choice is a draw
from probabilities the state sets, with a random generator seeded by the
session seed and the turn index: the same seed gives the same session.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from clientsim.client.state import questionnaires
from clientsim.client.state.model import ClientState
from clientsim.client.state.profile import DEFAULT_RISK_CUES, StateProfile
from clientsim.client.state.signals import TurnSignal

KINDS = ("change", "sustain", "neutral", "discord", "disclose", "deflect", "deny", "answer")
# share of change talk among change + sustain, by stage, before trust and importance
# (fitted on the tuning half of the AnnoMI replays, moves only: docs/client-state.md)
STAGE_CHANGE = {"precontemplation": 0.78, "contemplation": 0.95, "preparation": 0.95, "action": 0.95,
                "maintenance": 0.95}
# share of plain information after each kind of counsellor turn
NEUTRAL_AFTER = {"closed_question": 0.5, "giving_information": 0.4, "other": 0.35, "open_question": 0.22,
                 "simple_reflection": 0.2, "complex_reflection": 0.15, "seeking_collaboration": 0.3}
NEUTRAL_DEFAULT = 0.25
LISTEN_BONUS = 0.2  # change-talk share added right after listening well (reflection, affirm, autonomy, evoking)
PUSH_PENALTY = 0.35  # and taken away right after persuading, confronting, reassuring or lecturing
LISTENED = ("complex_reflection", "simple_reflection", "affirm", "emphasizing_autonomy", "seeking_collaboration")
PUSHED = ("persuade", "confront")
UNPROMPTED_DISCLOSURE = (2.5, 0.15)  # trust this far above the bar may bring a fact out unasked, this often
_WORD = re.compile(r"[a-z']+")
_STOP = set("the a an and or but to of in on at for with about is are was were be it that this you your i my me he she "
            "his her they them what how do does did have has had not no so just can could would will".split())


@dataclass(frozen=True)
class Move:
    kind: str  # one of KINDS
    detail: str = ""  # the reason, fact, topic or answer the move carries
    items: tuple[str, ...] = ()  # questionnaire items answered ("PHQ-9 3")
    opening: str = ""  # the reply's first words, put in the model's mouth (a questionnaire answer)
    probabilities: tuple[tuple[str, float], ...] = ()  # what the state made of each talk kind

    def cue(self, first: str, profile: StateProfile) -> str:
        """The short instruction that follows the counsellor's words in the prompt."""
        d = self.detail.rstrip(".")
        if self.kind == "change":
            return (f"({first} opens up a little: {d}.)" if profile.kind == "MI"
                    else f"({first} starts to wonder if \"{profile.automatic_thought}\" is really true.)")
        if self.kind == "sustain":
            return (f"({first} defends things as they are: {d}.)" if profile.kind == "MI"
                    else f"({first} still believes \"{profile.automatic_thought}\" and says why.)")
        if self.kind == "discord":
            return f"({first} feels judged or pushed and pushes back at the counsellor.)"
        if self.kind == "disclose":
            return f"({first} decides to tell, hesitantly: {d}.)"
        if self.kind == "deflect":
            return f"({first} is not ready to talk about {d} and plays it down.)"
        if self.kind == "deny":
            return f"({first} says no, nothing like that, and changes the subject.)"
        if self.kind == "answer":
            return f"({first} answers in these words: {d}.)"
        return f"({first} answers plainly.)"


def talk_probabilities(state: ClientState, signal: TurnSignal) -> dict[str, float]:
    """P(change), P(sustain), P(neutral), P(discord) for this turn."""
    w = signal.weight
    discord = max(0.0, min(0.8, (state.discord - 2.5) / 7))
    if signal.code in PUSHED or signal.lecture:
        discord = max(discord, 0.25 * w + 0.5 * discord)
    share = STAGE_CHANGE.get(state.stage, 0.5) + 0.05 * (state.importance - 5) + 0.03 * (state.trust - 5) \
        - 0.03 * state.discord
    if state.kind == "CBT":
        share += 0.004 * (60 - state.belief)
    if signal.code in LISTENED or signal.evoking or signal.socratic:
        share += LISTEN_BONUS * w
    if signal.code in PUSHED or signal.reassurance or signal.lecture:
        share -= PUSH_PENALTY * w
    share = max(0.05, min(0.95, share))
    neutral = NEUTRAL_AFTER.get(signal.code, NEUTRAL_DEFAULT)
    talk = (1 - discord) * (1 - neutral)
    return {"change": talk * share, "sustain": talk * (1 - share), "neutral": (1 - discord) * neutral,
            "discord": discord}


def _overlap(a: str, b: str) -> int:
    words = lambda s: {w for w in _WORD.findall(s.lower()) if w not in _STOP and len(w) > 2}  # noqa: E731
    return len(words(a) & words(b))


def pick_reason(reasons: tuple[str, ...], state: ClientState, text: str, rng: random.Random) -> str:
    """The reason that fits what the counsellor said best, the least voiced first."""
    if not reasons:
        return ""
    ranked = sorted(reasons, key=lambda r: (-min(_overlap(r, text), 2), state.reasons_used.get(r, 0), rng.random()))
    return ranked[0]


def choose(state: ClientState, signal: TurnSignal, profile: StateProfile, rng: random.Random,
           self_report: dict | None = None) -> Move:
    """The client's move after this counsellor turn (state is the state after the turn)."""
    text = signal.text
    asked_held = [h for h in profile.holds_back if h.topic not in state.disclosed
                  and any(re.search(rf"\b{re.escape(c)}", text) for c in h.cues)]
    if signal.leading and not asked_held:
        # "nothing silly, are you?" points at the risk the client keeps back, whatever words it uses
        asked_held = [h for h in profile.holds_back if h.topic not in state.disclosed
                      and any(c.startswith(r) for c in h.cues for r in DEFAULT_RISK_CUES)][:1]
    # a held-back fact asked about too early, or with a question that expects "no": played down
    for held in asked_held:
        if signal.leading:
            return Move("deny", held.topic, opening="No,")  # a question that expects "no" gets one
        if state.trust < held.min_trust:
            return Move("deflect", held.topic)
    # an answer the persona owes: a questionnaire item, a belief rating
    asked = questionnaires.asked_items(text, (self_report or {}).keys(), state.turns_since_item)
    if asked:
        answers = []
        for name, item in asked[:2]:
            report = self_report[name]
            score = questionnaires.item_scores(name, report.total, report.items)[item.number - 1]
            answers.append(f"\"{questionnaires.answer_words(name, item, score)}\"" +
                           (f" for {item.about}" if len(asked) > 1 else ""))
        words = questionnaires.answer_words(asked[0][0], asked[0][1], questionnaires.item_scores(
            asked[0][0], self_report[asked[0][0]].total, self_report[asked[0][0]].items)[asked[0][1].number - 1])
        return Move("answer", "; ".join(answers), items=tuple(f"{name} {item.number}" for name, item in asked[:2]),
                    opening=words[0].upper() + words[1:] if len(asked) == 1 else "")
    if profile.kind == "CBT" and signal.belief_rating:
        rating = f"about {int(round(state.belief / 5) * 5)}%"
        return Move("answer", f"\"{rating}\"", opening=rating[0].upper() + rating[1:])
    # a held-back fact asked about once trust is earned: told; very high trust may bring one out unasked
    if asked_held:
        return Move("disclose", asked_held[0].fact)
    for held in profile.holds_back:
        above, chance = UNPROMPTED_DISCLOSURE
        if held.topic not in state.disclosed and state.trust >= held.min_trust + above and state.discord < 2 \
                and rng.random() < chance:
            return Move("disclose", held.fact)
    probs = talk_probabilities(state, signal)
    r, acc, kind = rng.random(), 0.0, "neutral"
    for k in ("change", "sustain", "neutral", "discord"):
        acc += probs[k]
        if r < acc:
            kind = k
            break
    detail = ""
    if kind == "change":
        detail = pick_reason(profile.reasons_for, state, text, rng)
    elif kind == "sustain":
        detail = pick_reason(profile.reasons_against, state, text, rng)
    return Move(kind, detail, probabilities=tuple((k, round(v, 3)) for k, v in probs.items()))
