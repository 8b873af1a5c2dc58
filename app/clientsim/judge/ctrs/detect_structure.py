"""Structural items: agenda (1), feedback (2), pacing (6), homework (11).

These leave plain marks in the words: an agenda is set in the first few
counsellor turns ("what would you like to put on the agenda?"), feedback is
asked for ("does that make sense?", "what did you think of today?"), homework
is agreed near the end ("this week, would you be willing to ...").
"""

from __future__ import annotations

from clientsim.judge.ctrs.detection import Detection, clip, hits, rx
from clientsim.judge.ctrs.session_view import SessionView

AGENDA = rx(r"\bagenda\b", r"\b(plan|cover|focus on|work on|talk about|include)\b[^?]{0,40}\b(today|this session|our time)\b",
            r"\bwhat (would|shall|should|do) (you|we) (like|want)?\s*(to )?(put on|add|include|work on|focus on|cover)",
            r"\bput (that|it|this|the \w+) on the (list|agenda)", r"\b(anything|what) else (would you like|to add|on the)",
            r"\btoday we'?ll cover\b", r"\bgoes on the list\b")
AGENDA_VAGUE = rx(r"\bwhat('?s| is| would you like| shall we| do you want)\b.{0,30}\b(talk about|work on|on your mind)\b")
AGENDA_CLIENT = rx(r"\bwhat (would|else|shall|do) (you|we)\b.{0,40}\b(add|include|put|like|want)\b", r"\banything else\b",
                   r"\bwhat would you like\b")
PRIORITY = rx(r"\bwhich (would|should|feels|do|one)\b.{0,40}\b(most|first|pressing|important)", r"\b(most of (our|the) time|the most time)\b",
              r"\b(\d+|ten|fifteen|twenty|fifty|thirty) minutes\b", r"\bprioriti", r"\bstart with\b")
BRIDGE = rx(r"\bmood\b", r"\bhomework\b", r"\bdiary\b", r"\bthought (notes|record)", r"\bsince (we|our) last\b", r"\blast (week|session|time)\b",
            r"\bhow (was|has) (the|your) week\b", r"\bexperiment\b")
FOLLOW = rx(r"\b(next|main|last) item\b", r"\bon our agenda\b", r"\bmove on to\b", r"^now,? (the|your)\b", r"\. now,? (the|your)\b",
            r"\bcarry it over\b", r"\bleave (the \w+ )?for next time\b", r"\blet'?s (move|turn) to\b")

FEEDBACK_MID = rx(r"\bdoes (that|this|it) (make sense|sound|fit|seem|connect|feel doable|sound okay|sound right)",
                  r"\bhow does (that|this) (sound|land|fit|feel)\b", r"\bis that (fair|okay|ok|right|alright)\b",
                  r"\bdid i get (that|it) right\b", r"\bhave i got (that|it) right\b", r"\bwhat do you (make|think) of (that|this)( idea)?\b",
                  r"\bdoes that (sound|seem) (okay|right|alright|doable)\b", r"\bdid the session make sense\b", r"\bdoes that sound alright\b")
FEEDBACK_END = rx(r"\bwhat did you (think|make) of (today|the session|today'?s session)", r"\bhow (was|did you find) (today|the session|today'?s session|this session)",
                  r"\b(anything|something) (i said )?that (bothered|upset|didn'?t sit right|was hard|i missed)", r"\bwas today (okay|ok|alright|helpful)",
                  r"\b(most|least) helpful\b", r"\banything we could do differently\b", r"\bfeedback\b", r"\bdid the session make sense\b",
                  r"\bwhat (are you|will you be) taking away\b", r"\bsummari[sz]e what you'?re taking\b", r"\bif anything bothers you\b")
FEEDBACK_RESPOND = rx(r"\bthank(s| you),? that'?s (useful|helpful)", r"\bnext time i'?ll\b", r"\bi'?ll (make|slow|keep) ", r"\bthank you for saying")

_TASK = r"(try|practise|practice|take(?! care)|fill|keep|write|record|say|add|schedule|test|offer|do|walk|call)"
HOMEWORK = rx(r"\bhomework\b", r"\b(this|next|the coming) week\b.{0,40}\b" + _TASK + r"\b", r"\b" + _TASK + r"\b.{0,60}\b(this|next) week\b",
              r"\bbefore (we meet|next time|our next)", r"\bbetween (now|sessions)\b", r"\bwould you be willing to (try|test|add)",
              r"\bkeep going with\b")
HW_SPECIFIC = rx(r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday|morning|evening|each day|every day|twice|once|two days|one stop|one hour|one sentence|(one|two|three) (small |true |new )?(things?|tasks?|steps?|times?))\b",
                 r"\b(write|record|note|rate)\b.{0,40}\b(down|prediction|mood|anxiety|what (actually )?happened|sheet|afterwards)")
HW_RATIONALE = rx(r"\bto test\b", r"\bit would test\b", r"\bthis will\b", r"\bso (that )?you can\b", r"\bto see (whether|if|what)\b", r"\bcompare\b",
                  r"\bwhere you'?re useful\b", r"\bteach your brain\b", r"\bto find out\b")
HW_COLLAB = rx(r"\bwould you (be willing|like to)\b", r"\bwhat might get in the way\b", r"\bwhat (could|would) help\b", r"\bfeel doable\b",
               r"\bdoes that (sound|feel|seem) (doable|okay|alright)\b", r"\bdoes that sound alright\b")
HW_REVIEW = rx(r"\bhow did (the|your) (homework|diary|experiment|thought notes|record)", r"\bdid you (do|manage|get a chance)", r"\bwhat did the diary show\b",
               r"\bhow did it go\b", r"\bwhat did you write\b", r"\b(thought notes|diary)\b.{0,20}\?")
HW_VAGUE = rx(r"\b(try to|maybe try to)\s+(relax|notice|think|take it easy)\b")

TIME = rx(r"\b(minutes|time check|left|we'?re at|over time|out of time|at time|most of (our|the) time)\b")
DRIFT = rx(r"\b(by the way|the weather|did you watch|do you drink|i like \w+|how'?s work|how is \w+\?|tell me about the (wedding|party|holiday))")
RAN_OUT = rx(r"\b(out of time|over time|nearly out of time|we'?re at time)\b")


def agenda(v: SessionView) -> Detection:
    early = v.early() + v.counsellor[len(v.early()) : len(v.early()) + 2]
    set_ = hits(early, AGENDA)
    vague = hits(early[:2], AGENDA_VAGUE)
    if not set_:
        if vague:
            return Detection(1.5, "the session opened with a general question rather than an agenda", [(vague[0], "open invitation, no agenda")])
        return Detection(0.0, "no agenda was set at the start", [(v.counsellor[0], "opening turn")] if v.counsellor else [])
    ev = [(set_[0], "agenda set")]
    score = 2.0
    asked = hits(set_, AGENDA_CLIENT)
    prio = hits(early, PRIORITY)
    bridge = hits(early, BRIDGE)
    follow = hits(v.counsellor[len(early) :], FOLLOW)
    score += 1.2 * bool(asked) + 1.0 * bool(prio) + 0.6 * bool(bridge) + 1.2 * bool(follow)
    parts = ["an agenda was set" + (" with the client" if asked else " by the counsellor")]
    if prio:
        ev.append((prio[0], "priorities or time"))
        parts.append("with priorities or time")
    if follow:
        ev.append((follow[0], "agenda followed"))
        parts.append("and followed through")
    return Detection(clip(score), " ".join(parts), ev)


def feedback(v: SessionView) -> Detection:
    late = v.late()
    end = hits(late, FEEDBACK_END)
    mid = [t for t in hits(v.counsellor, FEEDBACK_MID) if t not in end]
    respond = hits(late, FEEDBACK_RESPOND)
    score = 1.0 * min(len(mid), 3) + 2.2 * bool(end) + 0.8 * bool(respond)
    if not mid and not end:
        return Detection(0.0, "the counsellor did not ask for feedback", [])
    ev = [(t, "checks understanding") for t in mid[:2]] + [(t, "asks for reactions to the session") for t in end[:1]]
    why = (f"the counsellor checked understanding {len(mid)} time(s)" if mid else "no checks of understanding during the session")
    why += "; asked for reactions at the end" if end else "; no end-of-session feedback"
    return Detection(clip(score), why, ev)


def pacing(v: SessionView) -> Detection:
    c = v.counsellor
    if not c:
        return Detection(0.0, "no counsellor turns", [])
    time_ = hits(c, TIME)
    drift = hits(c, DRIFT)
    ran_out = hits(v.late(), RAN_OUT)
    has_agenda = bool(hits(v.early(), AGENDA))
    has_hw = bool(hits(v.late(), HOMEWORK))
    follow = hits(c, FOLLOW)
    score = 1.0 + 1.3 * has_agenda + 1.0 * has_hw + 0.7 * bool(follow) + 0.6 * bool([t for t in time_ if t not in ran_out])
    score -= 0.8 * min(len(drift), 3) + 1.0 * bool(ran_out)
    ev = [(t, "manages time") for t in time_[:1] if t not in ran_out] + [(t, "side-track") for t in drift[:2]] + [(t, "ran out of time") for t in ran_out[:1]]
    bits = []
    bits.append("structured by an agenda" if has_agenda else "no agenda to pace against")
    if drift:
        bits.append(f"{len(drift)} side-track(s)")
    if ran_out:
        bits.append("time ran out before the work was finished")
    elif has_hw:
        bits.append("reached homework before the end")
    return Detection(clip(score), ", ".join(bits), ev)


def homework(v: SessionView) -> Detection:
    late = v.late()
    vague = hits(late, HW_VAGUE)
    set_ = [t for t in hits(late, HOMEWORK) if t not in vague]
    review = hits(v.counsellor[: max(6, len(v.counsellor) // 3)], HW_REVIEW)
    if not set_:
        if vague:
            return Detection(1.0, "only a vague suggestion for the week", [(vague[0], "vague suggestion")])
        proposed = hits(late, rx(r"\bwe could test\b", r"\bexperiment\b"))
        if proposed:
            return Detection(1.5, "a task was floated but not agreed as homework", [(proposed[0], "task proposed, not agreed")])
        return Detection(0.0, "no homework was set", [])
    spec = hits(late, HW_SPECIFIC)
    why_ = hits(late, HW_RATIONALE)
    collab = hits(late, HW_COLLAB)
    score = 2.0 + 0.9 * bool(spec) + 0.9 * bool(why_) + 0.6 * min(len(collab), 2) + 0.8 * bool(review)
    ev = [(set_[0], "homework set")] + [(t, "previous homework reviewed") for t in review[:1]] + [(t, "obstacles or agreement") for t in collab[:1]]
    bits = ["homework was set"]
    bits.append("with a reason" if why_ else "without a stated reason")
    bits.append("agreed with the client" if collab else "not negotiated")
    bits.append("after reviewing the last homework" if review else "with no review of the last homework")
    return Detection(clip(score), ", ".join(bits[:1]) + " " + ", ".join(bits[1:]), ev)
