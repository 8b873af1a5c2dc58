"""Method items: guided discovery (7), key cognitions (8), strategy (9), CBT techniques (10)."""

from __future__ import annotations

from clientsim.judge.ctrs.detection import Detection, clip, hits, rx
from clientsim.judge.ctrs.session_view import SessionView

SOCRATIC = rx(r"\bwhat (evidence|makes you think|do you make of|does (that|this) (tell|suggest)|would you say to|would a (more )?balanced|did you (learn|notice)|would it mean|would that mean)",
              r"\bhow (does that fit|would you see|much do you believe|strongly do you believe|many of them)\b", r"\bis there (any )?(evidence|another way)\b",
              r"\banother way of (looking|seeing)\b", r"\bif (a|one of your|your) (friend|team|daughter|son)\b", r"\bif \w+ were in your place\b",
              r"\bwhat would \w+ say\b", r"\bthe evidence (against|for)\b", r"\band the evidence against\b", r"\bwhat (did|do) you predict\b", r"\bwhat would you predict\b")
LECTURE = rx(r"\bthat'?s (a cognitive distortion|irrational|not true|obvious|a catastrophic|an example of|normal\. that'?s why)",
             r"\bthe truth is\b", r"\bresearch shows\b", r"\byou need to (replace|challenge|act|stop)\b", r"\b(your )?new thought should be\b",
             r"\byou'?re (mind reading|catastrophi[sz]ing|overgenerali[sz]ing)\b", r"\bwe know it'?s not true\b", r"\bfeelings (aren'?t|are not) facts\b",
             r"\bi'?ll teach you\b", r"\bpanic happens when\b", r"\bthat'?s how \w+ \w+ works\b", r"\bis (also )?distorted\b", r"\byou are not a burden\b",
             r"\bso you don'?t need to worry\b", r"\bit actually makes\b")
THOUGHT = rx(r"\bwhat (went|goes|was going) through your mind\b", r"\bwhat('?s| is) the thought\b", r"\bwhat were you thinking\b",
             r"\bhow (much|strongly) do you believe\b", r"\bwhat would it mean\b", r"\bwhat would that mean\b", r"\bwhat does that say about\b",
             r"\bthe thought\b", r"\bbelief\b", r"\ba rule\b", r"\bthere'?s a rule\b", r"\bwhat did you write\b", r"\bthat thought\b")
BEHAVIOUR = rx(r"\bwhat did you do\b", r"\band what did you do\b", r"\bwhat happened (in|when|after)\b", r"\band then what happened\b", r"\bchecking\b", r"\bstaying quiet\b")
LINK = rx(r"\bled to\b", r"\bleads to\b", r"\bso the thought\b", r"\bcycle\b", r"\bkeeps? (it|the \w+|you) going\b", r"\bkeep the (fear|anxiety) going\b",
          r"\blinks with\b", r"\bwas read as\b")
DEEP = rx(r"\bwhat would it mean\b", r"\bwhat would that mean\b", r"\bcore belief\b", r"\bthere may be a rule\b", r"\bthere'?s a rule\b", r"\bbelief that\b")
CONCEPT = rx(r"\bcycle\b", r"\bkeeps? (it|the \w+) going\b", r"\blinks? with\b", r"\bwhat we mapped\b", r"\bwe'?ve been mapping\b", r"\bthe (panic )?model\b",
             r"\brule\b", r"\bcore belief\b", r"\bthe idea that\b", r"\bit would test\b", r"\bthat may be part of what\b", r"\bsince they keep\b")
PLAN = rx(r"\b(behavioural|behavioral) experiment\b", r"\bexperiment\b", r"\bto test\b", r"\btest (it|the|these|them)\b", r"\bgraded\b", r"\bstep toward\b",
          r"\bexposure\b", r"\bthe plan\b", r"\bactivation\b", r"\bone at a time\b")
TECHNIQUES = {
    "thought record": rx(r"\bthought (record|sheet)\b"),
    "evidence for and against": rx(r"\bevidence\b"),
    "alternative or balanced thought": rx(r"\b(balanced|alternative|realistic) thought\b", r"\banother way of looking\b"),
    "belief ratings": rx(r"\b0 to (10|100)\b", r"\bpercent\b", r"\bhow much do you believe\b", r"\bhow strongly do you believe\b"),
    "behavioural experiment": rx(r"\bexperiment\b", r"\bpredict(ion)?\b"),
    "graded exposure": rx(r"\bexposure\b", r"\bgraded\b", r"\bone stop\b"),
    "interoceptive exposure": rx(r"\brun on the spot\b", r"\bbring on a fast\b"),
    "activity scheduling": rx(r"\bactivity (diary|schedule)\b", r"\bschedule\b", r"\bmastery and pleasure\b", r"\bplan some small activities\b"),
    "downward arrow": rx(r"\bwhat would it mean\b", r"\bwhat would that mean\b"),
    "double standard": rx(r"\bif (a|one of your|your) (friend|team)\b", r"\bif \w+ were in your place\b"),
    "cognitive model diagram": rx(r"\bcycle\b", r"\bdraw that out\b"),
    "labelling distortions": rx(r"\bcognitive distortion\b", r"\bmind reading\b", r"\bemotional reasoning\b", r"\bfortune telling\b"),
}


def guided_discovery(v: SessionView) -> Detection:
    c = v.counsellor
    soc = hits(c, SOCRATIC)
    lec = hits(c, LECTURE)
    long_statements = [t for t in c if t.n_words > 45 and "?" not in t.text]
    opens = v.count_codes("open_question")
    persuade = sum(v.codes.get(t.index, "") in ("persuade", "confront") for t in c)  # MI coder only
    score = (1.0 + 0.75 * min(len(soc), 6) + 0.08 * min(opens, 10) - 1.0 * min(len(lec), 4)
             - 0.5 * min(len(long_statements), 2) - 0.3 * min(persuade, 3))
    ev = [(t, "Socratic question") for t in soc[:2]] + [(t, "lecturing or persuasion") for t in lec[:2]]
    why = f"{len(soc)} Socratic question(s) against {len(lec)} lecturing or persuading turn(s)"
    return Detection(clip(score), why, ev)


def key_cognitions(v: SessionView) -> Detection:
    c = v.counsellor
    th = hits(c, THOUGHT)
    be = hits(c, BEHAVIOUR)
    link = hits(c, LINK)
    deep = hits(c, DEEP)
    score = 0.3 + 0.7 * min(len(th), 4) + 0.4 * bool(be) + 0.8 * bool(link) + 1.0 * bool(deep)
    ev = [(t, "elicits a thought or belief") for t in th[:2]] + [(t, "links thought, feeling and behaviour") for t in link[:1]] + [(t, "reaches an underlying belief") for t in deep[:1]]
    why = (f"{len(th)} turn(s) elicited or worked with specific thoughts"
           + ("; linked them to feelings and behaviour" if link else "")
           + ("; reached an underlying rule or belief" if deep else ""))
    if not th and not be:
        why = "the counsellor did not elicit specific thoughts or behaviours"
    return Detection(clip(score), why, ev)


def strategy(v: SessionView) -> Detection:
    c = v.counsellor
    concept = hits(c, CONCEPT)
    plan = hits(c, PLAN)
    used = _techniques(v)
    score = 0.2 + 1.0 * min(len(concept), 3) + 0.6 * min(len(plan), 3) + 0.2 * min(len(used), 4)
    ev = [(t, "conceptualisation") for t in concept[:2]] + [(t, "plan for change") for t in plan[:1]]
    if not concept and not plan:
        return Detection(clip(0.4 * min(len(used), 3)), "no coherent strategy for change was visible", ev)
    why = f"{len(concept)} turn(s) tied the work to a formulation and {len(plan)} set out a plan to test or change it"
    return Detection(clip(score), why, ev)


def techniques(v: SessionView) -> Detection:
    used = _techniques(v)
    lec = hits(v.counsellor, LECTURE)
    skilled = {k: ts for k, ts in used.items() if k != "labelling distortions"}
    score = 0.9 * min(len(skilled), 6) - 0.6 * min(len(lec), 3) + 0.3 * bool(used.get("labelling distortions"))
    ev = [(ts[0], name) for name, ts in list(skilled.items())[:3]]
    if not used:
        return Detection(0.0, "no CBT techniques were used", [])
    why = "techniques used: " + ", ".join(used)
    if lec:
        why += "; applied partly by telling rather than exploring"
    return Detection(clip(score), why, ev)


def _techniques(v: SessionView) -> dict:
    out = {}
    for name, pattern in TECHNIQUES.items():
        ts = hits(v.counsellor, pattern)
        if ts:
            out[name] = ts
    return out
