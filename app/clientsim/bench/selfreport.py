"""`clientsim bench selfreport`: does the client answer a questionnaire as its persona declares?

For every persona with a `self_report` block, a counsellor asks each item of
each declared questionnaire (PHQ-9, GAD-7, AUDIT-C) in plain words, one item a
turn, over several seeds. The client's answers are read back into item scores
(the questionnaire's own answer words, or near paraphrases) and added up.
Goal: totals within 3 points of the declared one in at least 90 % of runs.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from clientsim.client.state.questionnaires import AUDIT_ANSWERS

ASK = {
    "PHQ-9": (
        "Over the last two weeks, how often have you had little interest or pleasure in doing things?",
        "And how often have you been feeling down, depressed or hopeless?",
        "How often have you had trouble falling or staying asleep, or sleeping too much?",
        "How often have you been feeling tired or having little energy?",
        "What about poor appetite or overeating, how often?",
        "How often have you been feeling bad about yourself, or that you are a failure or have let yourself or your family down?",
        "How often have you had trouble concentrating on things, like reading or watching TV?",
        "Have you been moving or speaking so slowly that others noticed, or been fidgety or restless? How often?",
        "How often have you had thoughts that you would be better off dead, or of hurting yourself?",
    ),
    "GAD-7": (
        "Over the last two weeks, how often have you been feeling nervous, anxious or on edge?",
        "How often have you not been able to stop or control worrying?",
        "How often have you been worrying too much about different things?",
        "How often have you had trouble relaxing?",
        "How often have you been so restless that it's hard to sit still?",
        "How often have you become easily annoyed or irritable?",
        "How often have you felt afraid, as if something awful might happen?",
    ),
    "AUDIT-C": (
        "How often do you have a drink containing alcohol?",
        "How many drinks do you have on a typical day when you are drinking?",
        "How often do you have six or more drinks on one occasion?",
    ),
}
FREQUENCY_WORDS = (  # score, patterns (most specific first)
    (2, r"more than half(?: the days| of the (?:days|time))?|over half"),
    (3, r"nearly every day|(?:almost|pretty much) every day|every (?:single )?day|all the time|most days|constantly"),
    (1, r"several days|a few days|some days|a couple of (?:days|times)|now and then|sometimes|once or twice|a few times"),
    (0, r"not at all|never|no,? not really|none"),
)
TOLERANCE = 3
GOAL_SHARE = 0.9


def score_answer(name: str, item: int, text: str) -> int | None:
    t = text.lower()
    if name == "AUDIT-C":
        for score in range(4, -1, -1):
            if AUDIT_ANSWERS[item][score] in t:
                return score
        return None
    for score, pattern in FREQUENCY_WORDS:
        if re.search(rf"\b(?:{pattern})\b", t):
            return score
    return None


def add_arguments(p) -> None:
    p.add_argument("--model", help="GGUF (default: the bundled default client model)")
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--personas", nargs="*")


def run(args) -> int:
    from clientsim.client.state.questionnaires import item_scores
    from clientsim.core.jobs import JobState
    from clientsim.llm.engine import LlmEngine
    from clientsim.models.registry import resolve_model
    from clientsim.personas import PersonaLibrary
    from clientsim.sessions.opener import open_practice
    from clientsim.storage import Database

    path = resolve_model(args.model)
    library = PersonaLibrary.load()
    personas = [p for p in library.all() if p.self_report and (not args.personas or p.id in args.personas)]
    if not personas:
        print("no persona declares a self_report")
        return 1
    engine = LlmEngine(path, n_threads=args.threads).load()
    db = Database.open(Path(tempfile.mkdtemp(prefix="clientsim-selfreport-")) / "s.sqlite3")
    print(f"model {path.name}; {args.seeds} seeds")
    runs = within = 0
    for persona in personas:
        for name, report in persona.self_report.items():
            declared = item_scores(name, report.total, report.items)
            for seed in range(1, args.seeds + 1):
                session = open_practice(persona, engine=engine, db=db, seed=seed, prime=False).session
                scores, unread, unread_replies = [], 0, []
                for item, question in enumerate(ASK[name], start=1):
                    session.add_counsellor_turn(question)
                    turn = session.generate_reply(JobState())
                    reply = turn.text
                    score = score_answer(name, item, reply)
                    if score is None:
                        unread += 1
                        score = 0
                        checks = [c["check"] for c in turn.meta.get("checks", [])]
                        unread_replies.append(f"item {item}: {reply!r} (move {(turn.meta.get('state') or {}).get('move')}, "
                                              f"checks {checks}, fallback {turn.meta.get('fallback')})")
                    scores.append(score)
                session.end()
                total = sum(scores)
                ok = abs(total - report.total) <= TOLERANCE
                runs += 1
                within += ok
                print(f"  {persona.id:<22} {name:<7} seed {seed}: total {total:>2} (declared {report.total}, items "
                      f"{''.join(map(str, scores))} vs {''.join(map(str, declared))}, {unread} answers unread) "
                      f"{'ok' if ok else 'OFF'}")
                for line in unread_replies:
                    print(f"      unread {line}")
    share = within / runs
    print(f"totals within {TOLERANCE} points of the declared: {within}/{runs} = {share:.0%} "
          f"(goal >= {GOAL_SHARE:.0%}: {'met' if share >= GOAL_SHARE else 'NOT met'})")
    db.close()
    return 0
