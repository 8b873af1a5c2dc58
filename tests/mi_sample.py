"""A small hand-written MI session shared by the report tests."""

TURNS = [
    ("counsellor", "Hi Dan, thanks for coming in. What brings you here today?"),
    ("client", "My doctor says I drink too much. I don't really think it's a problem."),
    ("counsellor", "Do you drink every day?"),
    ("client", "Most days, a few beers after work."),
    ("counsellor", "It helps you unwind after a long day."),
    ("client", "Yeah, exactly. But I guess I've been sleeping badly and my wife is worried."),
    ("counsellor", "You need to stop drinking, it is bad for your liver."),
    ("client", "I know, I know. I do want to feel better in the mornings."),
    ("counsellor", "Part of you enjoys the beers, and part of you is tired of feeling rough and worrying your wife."),
    ("client", "Yeah. I want to be around for my kids."),
    ("counsellor", "You've already noticed what matters to you, that took some honesty. What would you like to do?"),
    ("client", "Maybe cut down to weekends."),
]


def transcript(turns=TURNS):
    return {"format": "clientsim.session/1", "id": "sess-1",
            "persona": {"id": "dan", "name": "Dan Miller", "presenting_problem": "drinking after work",
                        "mi": {"target_behaviour": "reduce drinking", "stage_of_change": "contemplation"}},
            "status": "ended", "started_at": "2026-11-22T02:00:00Z",
            "turns": [{"index": i, "speaker": s, "text": t, "at": "2026-11-22T02:00:00Z"}
                      for i, (s, t) in enumerate(turns)]}


def miti_band(summary: dict) -> str:
    """The overall band from the MITI 4.2.1 thresholds as docs/mi-judge.md states them, written apart from
    metrics.band so a test can check the judge against the rule: fair needs technical >= 3 and relational
    >= 3.5; good also needs technical and relational >= 4, %CR >= 50 and R:Q >= 2."""
    tech, rel = summary["technical"], summary["relational"]
    if tech is None or rel is None or tech < 3 or rel < 3.5:
        return "below fair"
    cr, rq = summary.get("percent_complex_reflections"), summary.get("reflection_to_question")
    good = tech >= 4 and rel >= 4 and cr is not None and cr >= 50 and rq is not None and rq >= 2
    return "good" if good else "fair"
