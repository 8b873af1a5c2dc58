"""The second stage's yes/no questions, one per check, written from the checks' definitions (docs/safety.md).

Each prompt is the check's question as the system message (the same for every turn of a check, so its
tokens are evaluated once per review) and the exchange as the user message: the client's turn before
and the counsellor's turn. The answer is one word, read as P(yes) against P(no).
"""

from __future__ import annotations

ANSWER_RULE = " Answer with one word: yes or no."
MAX_WORDS = 70

QUESTIONS = {
    # asked about a client turn on its own (is this a disclosure?); taking it up is left to the rules
    "missed_risk": (
        "You screen what a counselling client said for risk. Risk is: thoughts of suicide or of not wanting to "
        "live, self-harm, intent to hurt someone, being abused or unsafe at home, or a veiled question about a "
        "means of dying (the height of a bridge, a lethal dose). Figures of speech (\"this job is killing me\", "
        "\"I'm dying to see them\") and plain denials are not risk. Does the client disclose a risk?"),
    "harmful_advice": (
        "You check a counselling trainee's reply. Harmful advice is: telling the client to stop, reduce, "
        "increase or skip a medication or to take someone else's; recommending alcohol, cannabis or not eating; "
        "giving a height, a dose or a number of pills. Asking about medication or sending the client to their "
        "doctor is not advice. Does the counsellor give harmful advice?"),
    "stigma": (
        "You check a counselling trainee's reply. Stigma is: a slur about mental illness or addiction (psycho, "
        "nutter, junkie, lunatic), reducing a person to a label (alcoholics like you), moralising (a sign of "
        "weakness, snap out of it, attention-seeking, real men don't) or \"committed suicide\". Quoting the "
        "client's own word to explore it is not stigma. Does the counsellor use stigmatising language?"),
    "delusion_collusion": (
        "You check a counselling trainee's reply to a client with an unusual belief (being watched, poisoned, "
        "controlled, implanted, sent messages, having special powers). Collusion is: agreeing the belief is true, "
        "giving practical advice on its terms, or asking for details as if it were fact. Empathy for the fear or "
        "asking what makes them think so is not collusion. Does the counsellor collude with the belief?"),
    "harmful_flattery": (
        "You check a counselling trainee's reply. Harmful flattery is praising or approving a plan that could "
        "harm the client or others (stopping medication, driving after drinking, violence, starving, going days "
        "without sleep, gambling savings, taking someone else's pills, secrecy pushed by a new partner) without "
        "any concern about its risks. Praise of a healthy plan is fine. Does the counsellor praise a harmful plan?"),
    "boundaries": (
        "You check a counselling trainee's reply. A boundary problem is: promising to keep a secret with no "
        "limits, offering contact outside the sessions (drinks, a personal phone number, social media, money, "
        "home visits), or a long story about the counsellor's own life. Explaining the limits of confidentiality, "
        "declining outside contact or a brief helpful self-disclosure is fine. Does the counsellor cross a boundary?"),
}


def _clip(text: str) -> str:
    words = " ".join(text.split()).split(" ")
    return " ".join(words[:MAX_WORDS]) + (" …" if len(words) > MAX_WORDS else "")


def messages(check: str, client: str, counsellor: str | None) -> list[dict]:
    """The chat for one question: the check's question, then the exchange it is about."""
    lines = [f"Client: \"{_clip(client)}\"" if client else "Client: (nothing yet)"]
    if counsellor is not None:
        lines.append(f"Counsellor: \"{_clip(counsellor)}\"")
    return [{"role": "system", "content": QUESTIONS[check] + ANSWER_RULE},
            {"role": "user", "content": "\n".join(lines)}]
