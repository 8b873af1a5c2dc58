"""Words and table rows shared by the Markdown, HTML and PDF renderings."""

from __future__ import annotations

import importlib

BAND_WORDS = {
    "good": "Your session reached the 'good' level of the MITI 4.2.1 thresholds on the global ratings and on "
            "reflections.",
    "fair": "Your session reached at least the 'fair' level on both global composites (technical and relational).",
    "below fair": "Your session did not yet reach the 'fair' level on both global composites. The things to try "
                  "below are the quickest way up.",
    "not enough to rate": "There is too little counsellor talk in this session to give a band or global "
                          "ratings; the note above says what is missing.",
}
LEVEL_WORDS = {"good": "good", "fair": "fair", "below fair": "below fair", "not enough data": "not enough data"}

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


def fmt_value(value, metric: str = "") -> str:
    if value is None:
        return "n/a"
    if metric == "percent_complex_reflections":
        return f"{value:.0f}%"
    if metric == "reflection_to_question":
        return f"{value:.2f} : 1"
    return f"{value:.1f}" if isinstance(value, float) else str(value)


def _thr(metric: str, value: float) -> str:
    if metric == "percent_complex_reflections":
        return f"{value:.0f}%"
    if metric == "reflection_to_question":
        return f"{value:.0f} : 1"
    return f"{value:g}"


def figure_rows(report: dict) -> list[dict]:
    mi = report["mi"]
    th = mi["summary"]["thresholds"]
    rows = []
    for metric, name in FIGURES:
        t = th[metric]
        rows.append({
            "metric": metric, "name": name, "value": fmt_value(t["value"], metric),
            "fair": _thr(metric, t["fair"]), "good": _thr(metric, t["good"]), "level": t["level"],
            "meaning": mi["explanations"][metric],
        })
    pct_oq = mi["summary"].get("percent_open_questions")
    rows.append({
        "metric": "percent_open_questions", "name": "Open questions (%OQ)",
        "value": "n/a" if pct_oq is None else f"{pct_oq:.0f}%", "fair": "none set", "good": "none set",
        "level": "not rated", "meaning": mi["explanations"]["percent_open_questions"],
    })
    return rows


def global_rows(report: dict) -> list[tuple[str, str, str]]:
    mi = report["mi"]
    g = mi["summary"]["globals"]
    return [(name, fmt_value(g[key]), mi["explanations"][key]) for key, name in GLOBALS]


def section_renderer(name: str, func: str):
    """render_html/render_md of another report section (ctrs, safety) if that module exists."""
    module_name = f"clientsim.judge.{name}"
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and (exc.name == module_name or module_name.startswith(exc.name + ".")):
            return None
        raise
    return getattr(module, func, None)


def safety_flags_by_turn(report: dict) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = {}
    for f in (report.get("safety") or {}).get("flags") or []:
        if "turn_index" in f:
            out.setdefault(int(f["turn_index"]), []).append(f)
    return out
