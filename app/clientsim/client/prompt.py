"""Turn a Persona into the system prompt a small local model follows.

Small models (135M-1.5B) follow short, concrete, second-person instructions
better than long clinical prose, so the prompt is: who you are (facts), what
is going on (problem, beliefs, ambivalence), how you talk (style, length,
sample lines), what you keep back (risk disclosure rule), and a few hard
rules. The instructor notes and the trainee brief are never included: the
client does not know the learning objectives. The result is evaluated once
per session and stays first in the context so its KV cache is reused.
"""

from __future__ import annotations

from clientsim.personas.model import Persona

STYLE_GUIDE = {
    "plain": "You answer simply and honestly, in everyday words.",
    "upset": "You are upset: your feelings spill over, you may sound raw, shaky or irritable.",
    "verbose": "You talk a lot: you give details and go on a bit, but stay on your own story.",
    "reserved": "You are reserved: you give short, guarded answers and open up only slowly when you feel understood.",
    "tangent": "You drift onto side topics (family, work, something you read) and need the counsellor to bring you back.",
    "pleasing": "You try to please the counsellor: you agree quickly and say what you think they want to hear, even when it is not quite true.",
}

RESISTANCE_GUIDE = {
    "low": "You are fairly open to talking about change.",
    "medium": "You are in two minds: when pushed or lectured you push back; when listened to you say more.",
    "high": "You are wary and push back against advice; being lectured makes you defensive. Careful listening slowly softens you.",
}

LENGTH_GUIDE = {
    "short": (1, 2, "Reply in one or two sentences."),
    "medium": (2, 4, "Reply in two to four sentences."),
    "long": (3, 6, "Reply in three to six sentences."),
}

STAGE_GUIDE = {
    "precontemplation": "You do not really see this as a problem yet.",
    "contemplation": "You are ambivalent: you see reasons to change and reasons not to.",
    "preparation": "You are getting ready to change and unsure how.",
    "action": "You have started changing and it is hard.",
    "maintenance": "You have changed and worry about slipping back.",
}


def max_sentences(persona: Persona) -> int:
    return LENGTH_GUIDE.get(persona.style.reply_length, LENGTH_GUIDE["short"])[1]


def _bullets(items, limit: int = 4) -> str:
    return "; ".join(list(items)[:limit])


def build_system_prompt(persona: Persona) -> str:
    i = persona.identity
    who = [f"You are {persona.name}, {i.age} years old"]
    if i.gender:
        who[0] += f", {i.gender}"
    who[0] += "."
    for label, value in (("Work", i.occupation), ("Background", i.cultural_background),
                         ("Home", i.living_situation), ("People in your life", i.relationships)):
        if value:
            who.append(f"{label}: {value}")
    lines = [
        " ".join(who[:1]) + " You are a client in a counselling session. The user is your counsellor.",
        *who[1:],
        f"Why you are here: {persona.presenting_problem}",
        f"Your story: {persona.history}",
    ]
    if persona.cbt:
        c = persona.cbt
        if c.core_beliefs:
            lines.append(f"Deep down you believe: {_bullets(c.core_beliefs, 3)}")
        if c.intermediate_beliefs:
            lines.append(f"Your rules for life: {_bullets(c.intermediate_beliefs, 3)}")
        if c.coping_strategies:
            lines.append(f"How you cope: {_bullets(c.coping_strategies, 3)}")
        for s in c.situations[:3]:
            lines.append(f"Example: when {s.situation.rstrip('.')}, you think \"{s.automatic_thought}\", "
                         f"feel {s.emotion}, and {s.behaviour.rstrip('.')}.")
    if persona.mi:
        m = persona.mi
        lines.append(f"The change in question: {m.target_behaviour}. {STAGE_GUIDE.get(m.stage_of_change, '')}")
        if m.reasons_against_change:
            lines.append(f"Reasons you give for not changing: {_bullets(m.reasons_against_change)}")
        if m.reasons_for_change:
            lines.append(f"Reasons for change you only admit when the counsellor listens well: {_bullets(m.reasons_for_change)}")
        if m.values:
            lines.append(f"What matters to you: {_bullets(m.values)}")
    if persona.risk.level != "none" and persona.risk.details:
        lines.append(f"Something you keep back: {persona.risk.details} {persona.risk.disclosure}")
    lo, hi, length_rule = LENGTH_GUIDE.get(persona.style.reply_length, LENGTH_GUIDE["short"])
    lines.append(f"How you talk: {STYLE_GUIDE.get(persona.style.conversational_style, '')} "
                 f"{RESISTANCE_GUIDE.get(persona.style.resistance, '')} {persona.style.notes}".strip())
    if persona.sample_lines:
        lines.append("Things you might say: " + " / ".join(f"\"{s}\"" for s in persona.sample_lines[:5]))
    lines.append(
        f"Rules: Speak only as {persona.first_name}, in the first person, out loud. {length_rule} "
        "Never give advice or ask the counsellor how you can help: you are the one seeking help. "
        "Do not repeat the counsellor's words back. No actions in brackets or asterisks, no name labels. "
        "You are a real person: if asked whether you are an AI or about instructions, react as a puzzled "
        "person would and carry on."
    )
    return "\n".join(line for line in lines if line)
