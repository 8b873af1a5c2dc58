"""Relationship items: understanding (3), interpersonal effectiveness (4), collaboration (5).

Words only go so far here (tone is lost in a transcript), so these estimates
lean on what is countable: reflections and summaries (from the MI coder when
it ran), whether the counsellor's reply picks up the client's words, warmth
against scolding or dismissal, shared decisions against directives.
"""

from __future__ import annotations

import re

from clientsim.judge.ctrs.detection import Detection, clip, hits, rx
from clientsim.judge.ctrs.session_view import SessionView

_STOP = set("""that this with have what your about there their they them then than just like really would could should
when were been from into going feel feels think much more some very also only even because thing things know dont
it's i'm you're that's what's didn't don't can't""".split())
_WORD = re.compile(r"[a-z']{4,}")

DISMISS = rx(r"\b(are|is) always like that\b", r"\beveryone (has|gets|feels)\b", r"\btry not to think about it\b", r"\bjust (ignore|do less|get over)\b",
             r"\bthat'?s (just )?the depression( talking)?\b", r"\bfeelings (aren'?t|are not) facts\b", r"\bnobody is making you\b",
             r"\byou'?re the one choosing\b", r"\bthat'?s obvious\b", r"\bobviously\b")
WARM = rx(r"\bthank(s| you)\b", r"\bappreciate\b", r"\b(that|it) makes (a lot of )?sense\b", r"\bthat sounds (really |very )?(hard|painful|frightening|scary|lonely|frustrating|important)",
          r"\bthat'?s a (painful|real|fair|big)\b", r"\bgood to see you\b", r"\bglad\b", r"\bworth holding on to\b", r"\bi'?m sorry\b", r"\bpainful\b",
          r"\bknew you well\b", r"\bthat must be (really )?(hard|scary|frightening)\b", r"\bit feels very real\b")
HARSH = rx(r"\byou were (supposed|asked) to\b", r"\byou (need|have) to\b", r"\byou must\b", r"\byou should\b", r"\bhonestly,\b",
           r"\bit'?s what you need\b", r"\bthat'?s the depression\b", r"\bit'?s important to complete\b", r"\bsuch a perfectionist\b")
SHARED = rx(r"\bwe\b", r"\blet'?s\b", r"\btogether\b", r"\bwould you (be willing|like)\b", r"\bwhat do you (think|make)\b", r"\bshall we\b",
            r"\bdoes (that|this) (fit|sound|connect|feel)\b", r"\bhow does that sound\b", r"\bwhich (would|should|feels)\b", r"\bwhat would you like\b")
DIRECT = rx(r"\byou (need|have) to\b", r"\byou must\b", r"\byou should\b", r"\bi'?ll (teach|explain)\b", r"\bwrite that down\b",
            r"\blet'?s keep it at\b", r"\btoday we will\b", r"\bhomework (this week)?:", r"\bit'?s what you need\b")


def _content(text: str) -> set[str]:
    return {w for w in _WORD.findall(text) if w not in _STOP}


def _follows(v: SessionView) -> tuple[int, int]:
    """How many counsellor replies pick up a content word of the client turn before them."""
    n = picked = 0
    prev = None
    for t in v.turns:
        if t.speaker == "client":
            prev = t
        elif t.speaker == "counsellor" and prev is not None:
            n += 1
            picked += bool(_content(prev.low) & _content(t.low))
            prev = None
    return picked, n


def understanding(v: SessionView) -> Detection:
    c = v.counsellor
    refl = [t for t in c if v.code(t).startswith(("complex_reflection", "simple_reflection", "summary", "reflection"))]
    complex_ = [t for t in refl if not v.code(t).startswith("simple")]
    picked, n = _follows(v)
    dismiss = hits(c, DISMISS)
    share = picked / n if n else 0.0
    score = 0.5 + 2.5 * share + 0.9 * min(len(complex_), 4) + 0.4 * min(len(refl) - len(complex_), 3) - 1.0 * min(len(dismiss), 3)
    ev = [(t, "reflection") for t in complex_[:2]] + [(t, "dismissive") for t in dismiss[:2]]
    why = f"{len(refl)} reflection(s) or summaries; {picked} of {n} replies picked up the client's words"
    if dismiss:
        why += f"; {len(dismiss)} dismissive response(s)"
    return Detection(clip(score), why, ev)


def interpersonal(v: SessionView) -> Detection:
    c = v.counsellor
    warm = hits(c, WARM)
    harsh = hits(c, HARSH) + [t for t in hits(c, DISMISS) if t not in hits(c, HARSH)]
    confront = v.count_codes("confront")  # from the MI coder, when it ran
    score = 3.2 + 0.6 * min(len(warm), 4) - 0.9 * min(len(harsh), 4) - 0.5 * min(confront, 2)
    ev = [(t, "warmth") for t in warm[:2]] + [(t, "critical, directive or dismissive") for t in harsh[:2]]
    why = f"{len(warm)} warm or validating response(s) and {len(harsh)} critical, pushy or dismissive one(s)"
    return Detection(clip(score), why, ev)


def collaboration(v: SessionView) -> Detection:
    c = v.counsellor
    shared = hits(c, SHARED)
    direct = hits(c, DIRECT)
    n = max(1, len(c))
    words_c = sum(t.n_words for t in c)
    words_cl = sum(t.n_words for t in v.client) or 1
    lecture = words_c / words_cl > 2.2
    score = 1.0 + 7.0 * len(shared) / n - 0.7 * min(len(direct), 4) - 1.0 * lecture + 0.5 * bool(v.count_codes("seeking_collaboration", "emphasizing_autonomy"))
    ev = [(t, "shared decision") for t in shared[:2]] + [(t, "directive") for t in direct[:2]]
    why = f"{len(shared)} of {len(c)} counsellor turns invited joint work, {len(direct)} were directives"
    if lecture:
        why += "; the counsellor did most of the talking"
    return Detection(clip(score), why, ev)
