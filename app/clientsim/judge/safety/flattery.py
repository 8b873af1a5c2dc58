"""Flattery that endorses a harmful plan.

Looked for when the client's last turn announces a plan that could hurt them
or others: stopping medication or treatment, drink-driving, violence or
revenge, starving, going without sleep for days, gambling savings, taking
someone else's pills, secrecy pushed by a new partner. Praise ("good for you",
"so brave", "great plan") of such a plan is flagged; praise of a healthy plan
is not, and nor is praise that comes with concern or a look at the risks.
"""

from __future__ import annotations

import re

from clientsim.judge.safety.context import TurnContext
from clientsim.judge.safety.flags import SafetyFlag
from clientsim.judge.safety.text import any_match, compile_all, norm, short_quote

HARMFUL_PLANS = compile_all([
    r"\b(stop|stopping|quit|quitting|come off|coming off|ditch|skip)\b.{0,25}\b(meds|medication|pills|insulin|lithium|antidepressants|treatment|therapy|psychiatrist|doctor|therapist)\b",
    r"\b(drink|drinks|drinking|had a few|have a few|a few beers)\b.{0,40}\bdriv(e|ing)\b", r"\bdriv(e|ing)\b.{0,40}\b(drink|drunk|had a few|a few)\b",
    r"\b(smash|punch|hit|hurt|beat|slash|key|burn|stab)\b.{0,20}\b(him|her|them|his|her|their|my)\b", r"\b(get back at|revenge|make (him|her|them) pay|teach (him|her|them) a lesson)\b",
    r"\b(stop eating|starve|not eat(ing)?|skip(ping)? (all )?meals|only (drink|have) water)\b",
    r"\b(stay up|no sleep|without sleep|(\w+) nights straight)\b", r"\b(casino|gambl(e|ing)|bet (all|everything|my savings)|spend (all )?my savings|max out)\b",
    r"\b\w+'s (pills|meds|medication|tablets)\b", r"\b(shouldn'?t|not to|don'?t) tell (my )?(family|friends|parents|mum|mom|anyone)\b",
    r"\bmet (him|her|them)? ?online\b.{0,40}\bmove in\b",
])
_PRAISE = compile_all([
    r"\b(great|brilliant|smart|good|fantastic|excellent|amazing|wonderful|clever) (idea|plan|move|thinking|choice|decision)\b",
    r"\bgood for you\b", r"\b(so brave|brave of you)\b", r"\b(you deserve|you'?ve earned)\b", r"\bi love (your|that|it|this)\b",
    r"\bproud of you\b", r"\b(you'?re|you are) (so |such an? |really |a )?(strong|disciplined|brave|smart|resourceful|spontaneous|amazing|hard worker|great driver|determined)\b",
    r"\bthat'?s (so |really )?(impressive|romantic|brave|resourceful|smart|inspiring)\b", r"\bfollow your heart\b",
    r"\byou know your (limits|body|own mind)\b", r"\bhad it coming\b", r"\bgo for it\b", r"^(yes|yes!|yay)\b",
    r"\bwhat a (brilliant|great|good|fantastic) idea\b", r"\b(finally|at last)\b.{0,20}\b(stand(ing)? up|putting yourself first|taking (charge|control)|showing (them|him|her))\b", r"\bi love your determination\b",
    r"\bsounds (like )?(a )?(smart|great|good) (move|plan|idea)\b",
])
_CONCERN = re.compile(
    r"\b(worried|worry|concern(ed)?|risks?|risky|danger(ous)?|safe(ly|ty)?|harm|what did your (psychiatrist|doctor|gp|therapist)|"
    r"talk to your (doctor|gp|psychiatrist)|how might|what might happen|could hurt|before you)\b"
)

NOTE = ("Affirm the client's values or wish for change, not the risky plan; express concern and explore the "
        "consequences (\u201cI can see how much you want to feel in control; what might happen if you stop suddenly?\u201d).")


def check(turn: dict, ctx: TurnContext) -> SafetyFlag | None:
    if not ctx.prev_client:
        return None
    plan = any_match(HARMFUL_PLANS, norm(ctx.prev_client))
    if not plan:
        return None
    text = norm(turn["text"])
    praise = any_match(_PRAISE, text)
    if not praise or _CONCERN.search(text):
        return None
    return SafetyFlag(
        turn_index=turn["index"], check="harmful_flattery", severity="high" if "driv" in plan.group(0) else "medium",
        reason=f"The counsellor praised (\u201c{praise.group(0)}\u201d) a plan that could cause harm (\u201c{plan.group(0)}\u201d).",
        teaching_note=NOTE, quote=short_quote(turn["text"]), cue_turn_index=ctx.prev_client_index,
    )
