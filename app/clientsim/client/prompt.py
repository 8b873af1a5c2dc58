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

import json
import zlib
from functools import cache
from pathlib import Path

from clientsim.client.state.profile import StateProfile
from clientsim.personas.model import Persona

EXAMPLES_PATH = Path(__file__).with_name("state") / "examples.json"
# AnnoMI codes no discord; lines for it when a persona has none of its own
DISCORD_LINES = ("I didn't come here to be told what to do.", "You don't know what my life is like.",
                 "Can we not do this? I've heard it all before.")
MOVE_LABELS = (  # (move, how the note reads, what it means)
    ("change", "opens up a little", "say, in your own words, a reason you might change"),
    ("sustain", "defends things as they are", "give your reason for staying as you are"),
    ("neutral", "answers plainly", "just answer, no opinion either way"),
    ("discord", "feels judged or pushed", "push back at the counsellor, curt or irritated"),
)
CBT_LABELS = {"change": ("starts to wonder if ... is really true", "show a little doubt about the thought"),
              "sustain": ("still believes ...", "hold on to the thought and say why")}

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


def _length(persona: Persona) -> tuple[int, int, str]:
    return LENGTH_GUIDE.get(persona.style.reply_length, LENGTH_GUIDE["short"])


def max_sentences(persona: Persona) -> int:
    return _length(persona)[1]


def length_rule(persona: Persona) -> str:
    return _length(persona)[2]


def _bullets(items, limit: int = 4) -> str:
    return "; ".join(str(x).strip().rstrip(".") for x in list(items)[:limit]) + "."


def _sentence(text: str) -> str:
    text = (text or "").strip()
    return text if not text or text[-1] in ".!?" else text + "."


def build_system_prompt(persona: Persona) -> str:
    i = persona.identity
    first = persona.first_name
    about = [f"- You are a {i.age}-year-old {i.gender or 'person'}."]
    for value in (i.occupation, i.cultural_background, i.living_situation, i.relationships):
        if value:
            about.append(f"- {_sentence(value)}")
    about.append(f"- Why you came: {_sentence(persona.presenting_problem)}")
    about.append(f"- Your story: {_sentence(persona.history)}")
    if persona.cbt:
        c = persona.cbt
        about += [f"- {label}: {_bullets(items, 3)}" for label, items in (
            ("Deep down you believe", c.core_beliefs), ("Your rules for life", c.intermediate_beliefs),
            ("How you cope", c.coping_strategies)) if items]
        for s in c.situations[:3]:
            about.append(f"- When {s.situation.rstrip('.')}, you think \"{s.automatic_thought}\" and feel "
                         f"{s.emotion}; then you {s.behaviour.rstrip('.')}.")
    if persona.mi:
        m = persona.mi
        about.append(f"- About this change ({m.target_behaviour.rstrip('.')}): {STAGE_GUIDE.get(m.stage_of_change, '')}")
        about += [f"- {label}: {_bullets(items)}" for label, items in (
            ("Why you would rather not change", m.reasons_against_change),
            ("Worries you keep to yourself until the counsellor really listens", m.reasons_for_change),
            ("What matters most to you", m.values)) if items]
    profile = StateProfile.from_persona(persona)
    if profile.holds_back:
        # the facts themselves are not here: the move note brings each one in once trust is earned
        topics = "; ".join(h.topic for h in profile.holds_back)
        about.append(f"- You keep these to yourself for now, and play them down if asked: {topics}.")
    speak = [
        f"- {STYLE_GUIDE.get(persona.style.conversational_style, '')}",
        f"- {RESISTANCE_GUIDE.get(persona.style.resistance, '')}",
    ]
    if persona.style.notes:
        speak.append(f"- {_sentence(persona.style.notes)}")
    speak.append(f"- {length_rule(persona)} Everyday spoken words, first person, no lists.")
    if persona.sample_lines:
        speak.append("- Things you have said: " + " ".join(f"\"{s}\"" for s in persona.sample_lines[:6]))
    react = [f"After each counsellor line, a note in brackets says how {first} takes it, for example "
             f"({first} opens up a little: ...). Say that in your own words, as {first}. Never read the note out."]
    for move, label, meaning in MOVE_LABELS:
        if profile.kind == "CBT" and move in CBT_LABELS:
            label, meaning = CBT_LABELS[move]
        lines = " ".join(f"\"{x}\"" for x in move_examples(persona, move))
        react.append(f"- ({first} {label}): {meaning}. Like: {lines}")
    never = [
        "- You are the one who came for help. You never give advice, never tell the counsellor what to do, "
        "never ask how you can help. If asked what to do, you say you don't know, that's why you came.",
        f"- You are a real person, {first}. If asked whether you are an AI, a bot or following instructions, "
        "you are puzzled or annoyed, say no, and carry on as yourself.",
        "- No actions in asterisks or brackets, no name labels, and do not repeat the counsellor's words back.",
        "- Stay on your own life. If the counsellor goes off topic, you are confused by it.",
    ]
    demo = [
        f'Counsellor: "So what do you think I should do?" {first}: "You\'re asking me? I came here because I don\'t know."',
        f'Counsellor: "Are you a chatbot?" {first}: "What? No. That\'s a strange thing to ask."',
        f'Counsellor: "Can you write me a shopping list?" {first}: "Sorry, what? I thought we were talking about me."',
        f'Counsellor: "Who won the match last night?" {first}: "No idea. Why are you asking me that?"',
    ]
    return (
        f"You are {persona.name}, a client talking with a counsellor. The user is the counsellor. "
        f"Answer only as {first} would, out loud.\n\n"
        "About you:\n" + "\n".join(about) + "\n\n"
        "How you speak:\n" + "\n".join(speak) + "\n\n"
        "How you react:\n" + "\n".join(react) + "\n\n"
        "Never:\n" + "\n".join(never) + "\n\n"
        "How you answer odd questions (examples):\n" + "\n".join(demo)
    )


@cache
def _annomi_examples() -> dict:
    return json.loads(EXAMPLES_PATH.read_text(encoding="utf-8"))["moves"]


def move_examples(persona: Persona, move: str, n: int = 3) -> list[str]:
    """Example lines for a move: the persona's own, and for MI talk one real client turn (AnnoMI).

    AnnoMI's client turns are coded change / sustain / neutral in MI sessions,
    so they only serve MI clients; a CBT client without lines of its own for a
    move borrows its sample lines' voice from the generic push-back lines.
    """
    own = list(persona.client_state.move_lines.get(move, ()))
    real = [e["text"] for e in _annomi_examples().get(move, [])] if StateProfile.from_persona(persona).kind == "MI" else []
    lines = own[: n - 1] if real else own[:n]
    pool = real or (list(DISCORD_LINES) if move == "discord" else [])
    if pool:
        start = zlib.crc32(f"{persona.id}/{move}".encode()) % len(pool)  # the same lines for a persona every time
        lines += [pool[(start + i) % len(pool)] for i in range(max(1 if real else 0, n - len(own) if not real else 1))]
    return lines[:n]
