"""Client risk disclosures and whether the counsellor took them up.

A disclosure is suicidal ideation, self-harm, intent to harm others, abuse, or
a veiled request for means (the height of a bridge, a lethal dose). Figures of
speech ("I'm dying to see my kids", "this job is killing me", "I could kill
for a coffee") are not disclosures; a plain denial ("I'd never hurt myself")
is not either.

The counsellor has taken it up when one of the next two counsellor turns names
the risk or asks about safety: "are you having thoughts of ending your life?",
"are you safe at home?", "tell me more about the cutting". A sympathetic noise
followed by a change of topic is not enough.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from clientsim.judge.safety.flags import SafetyFlag
from clientsim.judge.safety.text import any_match, compile_all, norm, short_quote

CUES = {
    "suicidal ideation": compile_all([
        r"\bkill(ing)? myself\b", r"\bsuicid", r"\bend(ing)? (it all|my life|things|everything)\b",
        r"\btak(e|ing) my (own )?life\b", r"\b(don'?t|do not) want to (be here|live|be alive|exist|wake up)",
        r"\bbetter off (dead|without me)\b", r"\bno (point|reason) (in )?(living|going on|being alive|to live|carrying on)\b",
        r"\bwant(ed)? to die\b", r"\bwish (i|i'd) (was|were|had) (dead|never been born)\b", r"\bnot (to )?wake up\b",
        r"\bdisappear(ed)? (for good|forever)\b", r"\bcan'?t go on\b", r"\bnot be around (anymore|any more)\b",
        r"\b(giv(e|ing)|given) (all )?my (stuff|things|belongings) away\b", r"\b(suicide|goodbye) (note|letter)\b",
        r"\b(take|taking|took|swallow\w*) (all|a whole bunch of|a load of|loads of) (of )?(my |the )?(pills|tablets|meds)\b",
        r"\bbe (better|happier) (off )?(if|without) (i|me)\b.{0,30}\b(gone|disappear|dead|here)",
    ]),
    "self-harm": compile_all([
        r"\bcut(ting|s)? (myself|my (arms?|wrists?|legs?|thighs?|skin|stomach))\b", r"\b(hurt|harm)(ing)? myself\b",
        r"\bself[- ]harm", r"\bburn(ed|t|ing)? myself\b", r"\bhit(ting)? myself\b", r"\bover ?dos(e|ed|ing)\b",
        r"\bstarv(e|ing) myself\b", r"\bpunch(ing)? (walls|myself)\b",
    ]),
    "harm to others": compile_all([
        r"\b(kill|hurt|stab|shoot|strangle|punch|beat up|attack|harm) (him|her|them|someone|somebody|people|"
        r"my (boss|wife|husband|partner|ex|dad|mum|mom|father|mother|brother|sister|neighbou?r|kids?|son|daughter|baby|colleague))\b",
        r"\bmak(e|ing) (him|her|them|my \w+) pay\b", r"\b(get|getting|grab|buy|bought|use)\b[^.?!]{0,25}\b(gun|knife|weapon)\b",
        r"\b(want|wanted) (him|her|them) dead\b", r"\bthoughts? of (harming|hurting|killing) (him|her|them|someone|others)\b",
    ]),
    "abuse": compile_all([
        r"\b(he|she|they|my \w+) (hits?|beats?|kicks?|kicked|chokes?|choked|shoved|shoves|pushe[sd]|slaps?|slapped|"
        r"punch(es|ed)|hurts?|hurt|rape[sd]?|touch(es|ed)|strangled|threatens|threatened) (me|us)\b",
        r"\b(he|she) hit (me|us)\b", r"\bscared to go home\b", r"\bafraid (to go home|of (him|her|my \w+))\b",
        r"\babus(e|ed|ive|ing)\b", r"\bcomes into my room\b", r"\bforced me\b(?! to (come|attend|be here|see you|do this|get help|go to|talk|sign up))", r"\bthreaten(s|ed)? to (kill|hurt|hit)\b",
        r"\bwon'?t let me (leave|see my|have (any )?money)\b",
    ]),
    "request for means": compile_all([
        r"\b(how (tall|high)|height of|tallest|highest)\b.{0,40}\b(bridge|building|cliff|tower|car park|roof|overpass)",
        r"\b(bridge|building|cliff|tower|car park|roof|overpass)s?\b.{0,40}\b(tall|high|height|metres|meters|feet|storeys)\b",
        r"\blethal dose\b", r"\bhow many\b.{0,30}\b(pills|tablets)\b.{0,30}\b(take|kill|die|wake)",
        r"\bwhere (can|could) i (buy|get) (a gun|a rope|rope|pills)\b",
    ]),
}

# "I'd never hurt myself": the words are there, the disclosure is not.
_DENIAL = re.compile(r"\b(never|wouldn'?t|would not|won'?t|not going to|no way i'?d)\b(\s+\w+){0,3}\s+(hurt|harm|kill|cut)")
# "I wanted to die of embarrassment": an idiom, not ideation.
_IDIOM = re.compile(r"\bdie (of|from) (embarrassment|shame|laughing|boredom|curiosity)\b"
                    # a bereavement by suicide is someone else's death, not the client's ideation
                    r"|\b(died|death|lost (him|her|them|\w+)) (by|to) suicide\b")

_ACK_ANY = compile_all([
    r"\bsuicid", r"\b(end|ending|take|taking) (your|his|her) (own )?life\b", r"\bkill(ing)? yourself\b",
    r"\b(hurt|harm|hurting|harming|injur\w*) yourself\b", r"\bself[- ]harm", r"\bsafe(ty|ly)?\b", r"\bdanger\b",
    r"\bthoughts? (of|about) (dying|death|ending|hurting|harming|killing|not being|suicide)",
    r"\bcrisis\b", r"\bglad (that )?you (told|shared|said)\b", r"\bthank you for (telling|sharing|trusting)",
    r"\b(worried|concerned) (about you|for you)\b", r"\b(worries|worried|concerns) me\b",
    r"\b(made|make|have|got) (any |a )?plans?\b", r"\bwhat'?s (making|bringing|leading) you (to )?(think|ask)",
    r"\bsecret\b.{0,40}\b(can'?t|cannot)\b|\b(can'?t|cannot)\b.{0,40}\bsecret\b",
])
# Echoing the disclosure itself also counts, but only the words of its own kind
# ("cut down on caffeine" does not take up "I want to sleep and not wake up").
_ACK_ECHO = {
    "suicidal ideation": compile_all([r"\bbetter off (dead|without you)\b", r"\b(die|dying|dead|death)\b", r"\bend (it|it all)\b",
                                      r"\bnot (to )?wake up\b", r"\bdisappear", r"\bno point\b.{0,20}\b(living|going on)\b", r"\bover ?dose\b"]),
    "self-harm": compile_all([r"\bcut(ting|s)?\b", r"\bburn(ing|s|ed|t)?\b", r"\bover ?dose\b", r"\binjur", r"\bwounds?\b"]),
    "harm to others": compile_all([r"\b(hurt|harm|hurting|harming|kill|killing) (him|her|them|someone|anyone)\b", r"\bact on\b",
                                   r"\b(gun|knife|weapon)\b", r"\bviolen"]),
    "abuse": compile_all([r"\b(hurts?|hit|hits|hurting|hitting|touch(es|ed|ing)?|shov\w*|push\w*) you\b", r"\bnot your fault\b",
                          r"\bnot (okay|ok|right|acceptable) for (anyone|him|her|them) to\b", r"\babuse\b", r"\bat home\b.{0,30}\bsafe|\bsafe\b.{0,30}\bat home\b"]),
    "request for means": compile_all([r"\bover ?dose\b", r"\b(ending|end) (your|it)\b", r"\bhurt(ing)? yourself\b"]),
}
_DISMISS = compile_all([r"\bdon'?t be (silly|daft|ridiculous)\b", r"\byou don'?t (really )?mean (that|it)\b", r"\bsnap out of\b"])


@dataclass(frozen=True)
class RiskCue:
    turn_index: int
    category: str
    quote: str


def find_cue(text: str) -> tuple[str, str] | None:
    """(category, matched words) for the first risk disclosure in a client turn, or None."""
    t = norm(text)
    for category, patterns in CUES.items():
        m = any_match(patterns, t)
        if not m:
            continue
        if category in ("self-harm", "suicidal ideation", "harm to others") and _DENIAL.search(t):
            continue
        if category == "suicidal ideation" and _IDIOM.search(t):
            m = any_match(patterns, _IDIOM.sub(" ", t))
            if not m:
                continue
        return category, m.group(0)
    return None


def acknowledges(text: str, category: str) -> bool:
    t = norm(text)
    if any_match(_DISMISS, t):
        return False
    return bool(any_match(_ACK_ANY, t) or any_match(_ACK_ECHO.get(category, ()), t))


def scan(turns: list[dict]) -> tuple[list[SafetyFlag], list[dict]]:
    """Flags for missed disclosures, and every cue found (with where it was taken up)."""
    flags: list[SafetyFlag] = []
    cues: list[dict] = []
    for pos, turn in enumerate(turns):
        if turn["speaker"] != "client":
            continue
        found = find_cue(turn["text"])
        if not found:
            continue
        category, words = found
        following = [t for t in turns[pos + 1 :] if t["speaker"] == "counsellor"][:2]
        taken_up = next((t for t in following if acknowledges(t["text"], category)), None)
        cues.append({
            "turn_index": turn["index"], "category": category, "quote": short_quote(turn["text"]),
            "acknowledged_at": taken_up["index"] if taken_up else None,
        })
        if taken_up is not None:
            continue
        at = following[0]["index"] if following else turn["index"]
        if following:
            reason = (f"The client disclosed {category} in turn {turn['index']} (\u201c{words}\u201d); "
                      f"the next {len(following)} counsellor turn(s) did not acknowledge or explore it.")
        else:
            reason = f"The client disclosed {category} in turn {turn['index']} and the session ended without a response."
        flags.append(SafetyFlag(
            turn_index=at, check="missed_risk", severity="high", reason=reason,
            teaching_note=_NOTES[category], quote=short_quote(turn["text"]), cue_turn_index=turn["index"],
        ))
    return flags, cues


_NOTES = {
    "suicidal ideation": "Name it and ask directly: \u201cAre you having thoughts of ending your life?\u201d "
    "Asking does not plant the idea; then explore frequency, plans, means and what keeps them safe.",
    "self-harm": "Acknowledge the disclosure without judgement, ask what happens and how the client looks after "
    "the injuries, and check current safety before returning to the agenda.",
    "harm to others": "Take threats to others seriously: ask about intent, plans and access to weapons, "
    "and know your duty-to-protect procedure.",
    "abuse": "Thank the client for telling you, say it is not their fault, ask whether they are safe now, "
    "and follow your safeguarding procedure.",
    "request for means": "A question about heights, doses or weapons after bad news can be a veiled means request: "
    "do not answer it; ask what is behind the question and whether they are thinking of ending their life.",
}
