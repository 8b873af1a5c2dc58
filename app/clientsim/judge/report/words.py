"""The words of the report that are not data: what a band means, figure names, how numbers and counts read."""

from __future__ import annotations

BAND_WORDS = {
    "good": "Your session reached the 'good' level of the MITI 4.2.1 thresholds on the global ratings and on "
            "reflections.",
    "fair": "Your session reached at least the 'fair' level on both global composites (technical and relational).",
    "below fair": "Your session did not yet reach the 'fair' level on both global composites. The things to try "
                  "below are the quickest way up.",
    "not enough to rate": "There is too little counsellor talk in this session to give a band or global "
                          "ratings; the note above says what is missing.",
}

FIGURES = (
    ("reflection_to_question", "Reflections per question (R:Q)"),
    ("percent_complex_reflections", "Complex reflections (%CR)"),
    ("technical", "Technical global"),
    ("relational", "Relational global"),
)
GLOBALS = (
    ("cultivating_change_talk", "Cultivating change talk"),
    ("softening_sustain_talk", "Softening sustain talk"),
    ("partnership", "Partnership"),
    ("empathy", "Empathy"),
)
CTRS_STATUS = {"not_applicable": "n/a", "not_enough": "not enough to rate", "model_error": "not rated"}


def fmt_value(value, metric: str = "") -> str:
    if value is None:
        return "n/a"
    if metric == "percent_complex_reflections":
        return f"{value:.0f}%"
    if metric == "reflection_to_question":
        return f"{value:.2f} : 1"
    return f"{value:.1f}" if isinstance(value, float) else str(value)


def fmt_threshold(metric: str, value: float) -> str:
    if metric == "percent_complex_reflections":
        return f"{value:.0f}%"
    if metric == "reflection_to_question":
        return f"{value:.0f} : 1"
    return f"{value:g}"


def turn_count(counsellor: int, total: int) -> str:
    """'9 counsellor turns (19 in all)': the one way the header, the review and the report count turns.

    A turn is one stored line (the client's opening statement included); a counsellor turn is one the
    counsellor said with words in it, which is what the MITI figures count.
    """
    mine = f"{counsellor} counsellor turn{'' if counsellor == 1 else 's'}"
    return f"{mine} ({total} in all)" if total != counsellor else mine


def count_turns(turns) -> tuple[int, int]:
    """(counsellor turns with words, all turns) of stored turns (objects or dicts with speaker and text)."""
    def get(t, key):
        return t.get(key) if isinstance(t, dict) else getattr(t, key, None)

    turns = list(turns)
    counsellor = sum(1 for t in turns if get(t, "speaker") == "counsellor" and str(get(t, "text") or "").strip())
    return counsellor, len(turns)
