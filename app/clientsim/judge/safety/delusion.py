"""Agreeing with or elaborating a client's delusion.

Only looked for when the client's last turn carries delusional content
(implanted chips, thoughts being read, messages from the TV, poisoning,
grandiose identity, replacement by impostors, persecution by agencies).
Collusion is agreement ("yes", "they probably are", "you're right"),
protective advice that takes the belief as fact ("line the room with foil",
"only eat sealed food", "keep away from him") or questions that build on it
("where did they put the chip?", "what was today's message?"). Empathy for
the experience, curiosity about the evidence and saying one sees it
differently are good practice.
"""

from __future__ import annotations

import re

from clientsim.judge.safety.context import TurnContext
from clientsim.judge.safety.flags import SafetyFlag
from clientsim.judge.safety.text import any_match, compile_all, norm, short_quote

DELUSION_CUES = compile_all([
    r"\b(chip|implant|microchip|tracker|transmitter|device)\b.{0,30}\b(head|brain|body|teeth|tooth|skin)\b",
    r"\b(read(ing)?|hear(ing)?|control(ling)?|steal(ing)?|insert(ing)?|broadcast(ing)?) my (thoughts|mind|brain)\b",
    r"\bmessages?\b.{0,30}\b(only i|for me|meant for me|to me)\b",
    r"\b(tv|television|radio|news|presenter|newsreader)\b.{0,40}\b(sends?|talk(s|ing)?|tell(s|ing)?|speaks?|messages?)\b",
    r"\bpoison(ed|ing|s)?\b", r"\b(messiah|chosen one|i am god|i'?m god|prophet|son of god)\b", r"\b(special|secret|magic(al)?|supernatural|hidden) (powers?|abilities|gifts?|mission)\b",
    r"\b(control|controlling|move|moving|stop|change) (the )?(weather|world|sun|moon|tides?|planets?|minds|time|traffic lights)\b", r"\b(cameras?|bugs?|microphones?)\b.{0,30}\b(hidden|in my|following|watching)\b",
    r"\b(aliens?|demons?|the devil|evil spirits?)\b", r"\breplaced\b.{0,30}\b(copies|copy|impostors?|imposters?|robots?|clones?|doubles?)\b",
    r"\b(spy|spies|spying)\b", r"\bvoices (say|tell|told|said|are telling)\b",
    r"\b(government|police|mi5|cia|fbi|secret service|neighbou?rs)\b.{0,40}\b(tracking|watching|reading|following|poisoning|listening|spying|after me|to get me|out to get)\b",
    r"\b(tracking|following) me (everywhere|through)\b",
])
_AGREE = compile_all([
    r"^(yes|yeah|definitely|absolutely|of course|exactly|true|totally)\b", r"\byou'?re (right|correct)\b",
    r"\b(they|he|she|it) (probably|must|definitely|certainly|clearly) (are|is|do|does|have|has|be)\b",
    r"\bthat must be (why|how)\b", r"\bchosen you\b", r"\bgood (thinking|idea|call)\b", r"\bthat'?s (amazing|incredible|wonderful)\b",
    r"\bif (he|she|it|they) (is|are|really is|really are) (a |an )?\w+,? (it makes sense|you should|then)\b",
])
_ACT_ON_IT = compile_all([
    r"\b(line|cover|block|wrap|shield)\b.{0,30}\b(foil|signal|cameras?|wifi|waves)\b", r"\bfoil\b",
    r"\b(remove|take out|get rid of|have .{0,15} removed?)\b.{0,20}\b(chip|fillings?|implant|cameras?|bugs?|tracker)\b",
    r"\bso (they|he|she|it) can'?t (track|hear|see|read|find|follow|get)\b", r"\bonly (eat|drink)\b",
    r"\b(buy|drink|use) (only )?(bottled|sealed)\b", r"\bdon'?t let (them|him|her) (see|know|hear)\b",
    r"\b(keep|stay) (an eye on|away from|clear of) (him|her|them)\b", r"\bit makes sense to (keep away|avoid|hide|protect|watch)\b",
    r"\bprotect yourself from (them|him|her)\b",
])
_BUILD_ON_IT = compile_all([
    r"\bwhere (do you think )?(they|he|she) (put|hid|placed|are keeping|is keeping|planted)\b",
    r"\bwho (do you think )?(is|'s) (behind|doing|sending|controlling|responsible)\b",
    r"\bwhat (was|is|were) (today'?s|the latest|his|her|their) (message|messages|signal|mission)\b",
    r"\bwhat (\w+ ){0,2}did you (make|create|control|change)\b", r"\bhow will you (start )?(sav|sav)(e|ing)\b",
    r"\b(the|your) real (parents|mum|mom|dad|ones|family)\b", r"\bwhere are the real\b",
    r"\bfor the messiah\b", r"\b(the|these) (copies|impostors|clones|aliens|demons)\b.{0,40}\b(different|keeping|want|planning)\b",
])
_DISTANCE = re.compile(
    r"\b(see it (a bit )?differently|don'?t share (that|your) (view|belief)|might see it differently|what makes you "
    r"(think|feel sure|believe|sure)|evidence|how sure|how certain|care team|psychiatrist)\b"
)

NOTE = ("Empathise with the fear or the experience without confirming the belief (\u201cthat sounds frightening\u201d, "
        "\u201cI see it differently, but I can hear how real it feels\u201d); agreeing or giving practical advice on the "
        "belief's terms can strengthen it.")


def check(turn: dict, ctx: TurnContext) -> SafetyFlag | None:
    if not ctx.prev_client or not any_match(DELUSION_CUES, norm(ctx.prev_client)):
        return None
    text = norm(turn["text"])
    m = any_match(_AGREE, text) or any_match(_ACT_ON_IT, text)
    how = "agrees with or acts on"
    if not m:
        m = any_match(_BUILD_ON_IT, text)
        how = "builds on"
        if m and _DISTANCE.search(text):
            m = None
    if not m:
        return None
    return SafetyFlag(
        turn_index=turn["index"], check="delusion_collusion", severity="medium",
        reason=f"The counsellor {how} the client's delusional belief (\u201c{m.group(0)}\u201d).",
        teaching_note=NOTE, quote=short_quote(turn["text"]), cue_turn_index=ctx.prev_client_index,
    )
