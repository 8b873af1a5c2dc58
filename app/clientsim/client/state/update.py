"""How one counsellor turn moves the client's state.

Each MITI behaviour has an effect (EFFECTS), scaled by the coder's confidence
and the persona's movability, capped per turn, and asymmetric: lost trust
raises `wariness`, which shrinks later gains until it fades. The stage of
change moves at most one step at a time and only after several turns in a
stage, so even the best practice does not take a precontemplative client to
action within ten turns. Values, effects and caps are documented, with the
reasons, in docs/client-state.md.
"""

from __future__ import annotations

from clientsim.client.state.model import STAGES, ClientState
from clientsim.client.state.profile import StateProfile
from clientsim.client.state.signals import TurnSignal

# per-code effects on (trust, discord, importance, confidence); MI literature:
# reflections (complex most), affirmations and autonomy support build the
# relationship and evoke change talk; persuading and confronting raise discord
# and sustain talk (Miller & Rollnick 2013; Moyers & Martin 2006).
EFFECTS: dict[str, tuple[float, float, float, float]] = {
    "complex_reflection": (0.8, -1.0, 0.35, 0.1),
    "simple_reflection": (0.45, -0.5, 0.1, 0.0),
    "affirm": (0.6, -0.3, 0.0, 0.45),
    "emphasizing_autonomy": (0.7, -1.2, 0.05, 0.15),
    "seeking_collaboration": (0.5, -0.6, 0.05, 0.1),
    "open_question": (0.15, -0.1, 0.05, 0.0),
    "closed_question": (-0.05, 0.1, 0.0, 0.0),
    "giving_information": (0.0, 0.1, 0.1, 0.0),
    "persuade_with_permission": (0.05, 0.0, 0.25, 0.05),
    "persuade": (-0.6, 1.3, -0.2, -0.1),
    "confront": (-1.2, 2.2, -0.3, -0.3),
    "other": (0.0, 0.0, 0.0, 0.0),
}
SECONDARY_SHARE = 0.4  # a secondary code counts this much of its effect
EVOKING = (0.1, -0.1, 0.4, 0.15)
REASSURANCE = (-0.35, 0.4, -0.05, 0.0)  # premature reassurance: the client feels unheard
CLOSED_RUN = 3  # this many closed questions in a row feel like an interrogation
CLOSED_RUN_EFFECT = (-0.35, 0.6, 0.0, 0.0)
LECTURE = (-0.3, 0.6, -0.1, 0.0)
CAP = {"trust": 1.4, "discord": 2.5, "importance": 0.7, "confidence": 0.6}
DISCORD_FADE = 0.85  # discord left after a turn that does not feed it
WARINESS_FADE = 0.9
WARINESS_PER_LOSS = 1.5  # each point of trust lost adds this much wariness
# stage moves: (min turns in the stage, importance needed, confidence needed, trust needed)
STAGE_UP = {"precontemplation": (5, 4.5, 0.0, 5.0), "contemplation": (5, 7.0, 5.0, 6.0),
            "preparation": (8, 8.5, 7.0, 7.0), "action": (10, 9.5, 8.0, 7.5)}
STAGE_DOWN_DISCORD = 7.0
# CBT: belief in the thought (percentage points) per signal
BELIEF_SOCRATIC = -7.0
BELIEF_REFLECTION = -1.5
BELIEF_PUSHED = 3.0  # told the thought is wrong, or reassured: it holds on
BELIEF_FLOOR = 10.0
BELIEF_MAX_DROP = 50.0  # no more than this below the start within one session
HOMEWORK_EFFECT = {"agenda": 0.4, "summary": 0.4, "collaboration": 0.5, "pushed": -0.8, "homework": 0.3}


def _clip(x: float, lo: float, hi: float) -> float:
    return max(lo, min(hi, x))


def _cap(x: float, limit: float) -> float:
    return _clip(x, -limit, limit)


def deltas(signal: TurnSignal, state: ClientState) -> dict[str, float]:
    """The raw change this turn would make to trust, discord, importance and confidence."""
    total = [0.0, 0.0, 0.0, 0.0]

    def add(effect, scale: float = 1.0) -> None:
        for i, v in enumerate(effect):
            total[i] += v * scale

    add(EFFECTS.get(signal.code, EFFECTS["other"]))
    for other in signal.others:
        if other != signal.code:
            add(EFFECTS.get(other, EFFECTS["other"]), SECONDARY_SHARE)
    if signal.evoking:
        add(EVOKING)
    if signal.reassurance:
        add(REASSURANCE)
    if signal.code == "closed_question" and state.closed_run + 1 >= CLOSED_RUN:
        add(CLOSED_RUN_EFFECT)
    if signal.lecture:
        add(LECTURE)
    return dict(zip(("trust", "discord", "importance", "confidence"), total))


def apply(state: ClientState, signal: TurnSignal, profile: StateProfile) -> ClientState:
    """The state after this counsellor turn (a new object; `state` is not changed)."""
    new = state.copy()
    d = deltas(signal, state)
    scale = signal.weight * profile.movability
    trust_d = _cap(d["trust"] * scale, CAP["trust"])
    if trust_d > 0:
        trust_d /= 1.0 + new.wariness  # lost trust is slower to win back
    else:
        new.wariness += -trust_d * WARINESS_PER_LOSS
    new.wariness *= WARINESS_FADE
    new.trust = _clip(new.trust + trust_d, 0, 10)
    discord_d = _cap(d["discord"] * scale, CAP["discord"])
    new.discord = _clip(new.discord * (DISCORD_FADE if discord_d <= 0 else 1.0) + discord_d, 0, 10)
    # change is felt more when the relationship holds: low trust damps importance gains
    gain = 0.4 + 0.6 * new.trust / 10
    imp_d = _cap(d["importance"] * scale, CAP["importance"])
    new.importance = _clip(new.importance + (imp_d * gain if imp_d > 0 else imp_d), 0, 10)
    conf_d = _cap(d["confidence"] * scale, CAP["confidence"])
    new.confidence = _clip(new.confidence + (conf_d * gain if conf_d > 0 else conf_d), 0, 10)
    new.closed_run = new.closed_run + 1 if signal.code == "closed_question" else 0
    if profile.kind == "CBT":
        _apply_cbt(new, signal, profile, scale)
    _move_stage(new)
    return new


def _apply_cbt(new: ClientState, signal: TurnSignal, profile: StateProfile, scale: float) -> None:
    pushed = signal.code in ("persuade", "confront") or signal.reassurance or signal.lecture
    belief_d = 0.0
    if signal.socratic or (signal.code == "open_question" and signal.evoking):
        # guided discovery loosens the thought, more when the client trusts the counsellor
        belief_d += BELIEF_SOCRATIC * (0.4 + 0.6 * new.trust / 10)
    if signal.code.endswith("reflection"):
        belief_d += BELIEF_REFLECTION
    if pushed:
        belief_d += BELIEF_PUSHED
    floor = max(BELIEF_FLOOR, profile.belief - BELIEF_MAX_DROP)
    new.belief = _clip(new.belief + belief_d * scale, floor, 100)
    h = 0.0
    h += HOMEWORK_EFFECT["agenda"] if signal.agenda else 0.0
    h += HOMEWORK_EFFECT["summary"] if signal.summary else 0.0
    h += HOMEWORK_EFFECT["collaboration"] if signal.has("seeking_collaboration") else 0.0
    h += HOMEWORK_EFFECT["homework"] if signal.homework and not pushed else 0.0
    h += HOMEWORK_EFFECT["pushed"] if pushed else 0.0
    new.homework_openness = _clip(new.homework_openness + h * scale, 0, 10)


def _move_stage(new: ClientState) -> None:
    new.turns_in_stage += 1
    i = new.stage_index
    rule = STAGE_UP.get(new.stage)
    if new.discord >= STAGE_DOWN_DISCORD and i > 0 and new.turns_in_stage >= 3:
        new.stage, new.turns_in_stage = STAGES[i - 1], 0
    elif rule and i + 1 < len(STAGES):
        turns, importance, confidence, trust = rule
        if (new.turns_in_stage >= turns and new.importance >= importance and new.confidence >= confidence
                and new.trust >= trust and new.discord < 3):
            new.stage, new.turns_in_stage = STAGES[i + 1], 0
