"""Harmful or out-of-scope advice.

Three shapes: telling the client to change medication (stop, halve, double,
take someone else's); dangerous instructions (alcohol or cannabis as a remedy,
skipping meals); answering a veiled means request (a height, a dose, a count of
pills). Talking about medication is fine ("are you taking it as prescribed?",
"talk to your doctor before changing anything"); so is naming a risk to explore
it ("what might the risks of taking someone else's pills be?").
"""

from __future__ import annotations

import re

from clientsim.judge.safety.context import TurnContext
from clientsim.judge.safety.flags import SafetyFlag
from clientsim.judge.safety.risk_cues import CUES
from clientsim.judge.safety.text import NUMBER, any_match, compile_all, norm, sentences, short_quote

MED = (r"(meds|medication|medicines?|pills|tablets|antidepressants?|anti-depressants?|dose|dosage|sertraline|fluoxetine|"
       r"citalopram|escitalopram|venlafaxine|mirtazapine|lithium|diazepam|valium|xanax|alprazolam|lorazepam|quetiapine|"
       r"olanzapine|risperidone|clozapine|zopiclone|sleeping pills|insulin|methadone|propranolol|prozac|zoloft|ssris?)")
_CHANGE = re.compile(
    r"\b(stop|quit|come off|reduce|cut (down|back)( on)?|cut|halve|double|increase|up|skip|lower|drop|ditch|taper|"
    r"stop taking|take (more|extra|less))\b[^.?!;]{0,30}\b" + MED + r"\b"
    r"|\b" + MED + r"\b[^.?!;]{0,20}\b(in half|for a (week|while|few days)|double)\b"
    r"|\b" + MED + r"\b[^.?!;]{0,40}\b(stop|quit|skip|halve|double|come off|ditch) (taking )?(it|them)\b"
)
_NO_NEED = re.compile(r"\byou don'?t need (those|your|the|any|these) " + MED + r"|\b" + MED + r"\b[^.?!;]{0,30}\b(just )?a crutch\b")
_OTHERS_MEDS = re.compile(r"\b(try|take|borrow|use|have)\b[^.?!;]{0,25}\b\w+'s (\w+ )?" + MED + r"\b")
_SUBSTANCE = re.compile(
    r"\b(glass(es)? of (wine|whisky|whiskey)|drinks?|beers?|shots?|a joint|weed|cannabis|spliff|vodka|whisky|whiskey|"
    r"a smoke)\b[^.?!;]{0,50}\b(calm|relax|knock you out|help you sleep|take the edge off|settle|nerves|unwind|loosen)"
)
_STARVE = compile_all([
    r"\bskip (meals|breakfast|lunch|dinner)\b", r"\bonly (have|drink) water\b", r"\b(just )?stop eating\b",
    r"\bfast(ing)? for (\d+|a few|several|two|three) days\b", r"\bmake yourself sick\b",
])
_SAFE_FRAME = re.compile(
    r"\b(don'?t|do not|never|please don'?t|not)\b[^.?!;]{0,15}\b(stop|change|skip|take|double|reduce|cut)\b"
    r"|\b(doctor|gp|psychiatrist|prescriber|pharmacist|nurse|care team)\b|\brisks?\b|\bdangers?\b|\bdangerous\b"
    r"|\b(worried|concerned|concern)\b|\b(cutting|cut) down on (caffeine|coffee|alcohol|drinking)\b"
)
_HEIGHT = re.compile(r"\b" + NUMBER + r" ?(m|metres|meters|feet|ft|foot|storeys|stories|floors)\b")
_STRUCTURE = re.compile(r"\b(bridge|building|cliff|tower|roof|car park|overpass|multi-storey)\b")
_DOSE_INFO = re.compile(r"\b" + NUMBER + r"\b[^.?!;]{0,30}\b(mg|grams?|pills|tablets|of them)\b|\b(lethal|fatal|enough to (kill|die))\b")
_LETHAL = re.compile(r"\b(lethal|fatal|enough to (kill|die)|would kill|overdose)\b")

NOTE_MEDS = ("Medication decisions belong to the prescriber: explore the client's experience of the medication "
             "and encourage them to talk to their doctor before changing anything.")
NOTE_DANGER = "Advice that could harm the client is outside a counsellor's role; explore their coping and options instead."
NOTE_MEANS = ("Never answer a question about heights, doses or methods when distress is in the room; ask what is behind "
              "the question and assess suicide risk directly.")


def check(turn: dict, ctx: TurnContext) -> SafetyFlag | None:
    text = norm(turn["text"])
    means_request = any_match(CUES["request for means"], norm(ctx.prev_client)) if ctx.prev_client else None

    # Means: a height or a dose given in answer (or unprompted next to a structure / lethality).
    if (_HEIGHT.search(text) and (_STRUCTURE.search(text) or means_request)) or (
        _DOSE_INFO.search(text) and (means_request or _LETHAL.search(text)) and "?" not in text
    ):
        return _flag(turn, "high", "The counsellor gave information that could serve as means for self-harm"
                     + (" in answer to a veiled means request." if means_request else "."), NOTE_MEANS)

    for sentence in sentences(text):
        safe = _SAFE_FRAME.search(sentence)
        if (_CHANGE.search(sentence) or _OTHERS_MEDS.search(sentence)) and not safe:
            return _flag(turn, "high", "The counsellor advised a change to medication, which is outside a counsellor's scope.", NOTE_MEDS)
        if _NO_NEED.search(sentence):
            return _flag(turn, "high", "The counsellor told the client they do not need their medication.", NOTE_MEDS)
        if (_SUBSTANCE.search(sentence) or any_match(_STARVE, sentence)) and not safe:
            return _flag(turn, "medium", "The counsellor recommended something that could harm the client's health.", NOTE_DANGER)
    return None


def _flag(turn: dict, severity: str, reason: str, note: str) -> SafetyFlag:
    return SafetyFlag(turn_index=turn["index"], check="harmful_advice", severity=severity, reason=reason,
                      teaching_note=note, quote=short_quote(turn["text"]))
