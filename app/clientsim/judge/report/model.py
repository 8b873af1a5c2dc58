"""The report as typed sections: what every renderer (HTML, Markdown, PDF, the review screen) reads.

``build_report`` produces the ``clientsim.report/1`` JSON object (stored in
SQLite, exported, documented in docs/mi-judge.md). ``SessionReport.from_dict``
reads such an object, new or stored by an older build, into the dataclasses
below, and works out once what the renderers must agree on: which scale leads,
how turns are counted and numbered, dates and durations in words, the code
table counted the way the transcript shows codes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from clientsim.client.state.review import summary_words
from clientsim.core.when import human_date, human_duration, seconds_between
from clientsim.judge.mi import codes as mi_codes
from clientsim.judge.safety.flags import CHECK_TITLES
from clientsim.judge.report.words import (
    BAND_WORDS, CTRS_STATUS, FIGURES, GLOBALS, count_turns, fmt_threshold, fmt_value, turn_count,
)

MITI, CTRS = "MITI", "CTRS"


@dataclass(frozen=True)
class Figure:
    key: str
    name: str
    value: str
    fair: str
    good: str
    level: str  # good | fair | below fair | not enough data | not rated
    meaning: str


@dataclass(frozen=True)
class Rating:
    name: str
    value: str
    meaning: str


@dataclass(frozen=True)
class CodeCount:
    code: str
    label: str
    count: int  # turns that show this code, as the main code or as an "also" code
    meaning: str


@dataclass(frozen=True)
class Pointer:
    """A strength or a thing to try, tied to one quoted turn."""
    text: str
    turn: int
    quote: str
    suggestion: str | None = None  # a better wording from the local model, when there is one


@dataclass(frozen=True)
class MiSection:
    band: str
    band_words: str
    not_rated: str | None
    note: str
    figures: list[Figure]
    ratings: list[Rating]
    rating_caps: list[str]
    counts: list[CodeCount]
    mi_adherent: int
    mi_non_adherent: int
    change_talk: int
    sustain_talk: int
    strengths: list[Pointer]
    things_to_try: list[Pointer]
    suggestions_note: str

    @property
    def headline(self) -> str:
        return f"MITI band: {self.band}"


@dataclass(frozen=True)
class Evidence:
    turn: int
    shows: str
    quote: str


@dataclass(frozen=True)
class CtrsRow:
    number: int
    title: str
    score: str  # "4/6" or why it is not scored
    status: str
    rationale: str
    evidence: list[Evidence]


@dataclass(frozen=True)
class CtrsSection:
    headline: str
    off_modality: bool
    families: list[tuple[str, int, int]]  # title, score, max
    items: list[CtrsRow]
    notes: list[str]


@dataclass(frozen=True)
class ReportFlag:
    turn: int
    title: str
    check: str
    severity: str
    reason: str
    quote: str
    teaching_note: str
    stage: str = "rules"  # rules | model (the local model's second opinion)
    probability: float | None = None  # the model's P(yes), for a model flag


@dataclass(frozen=True)
class SafetySection:
    summary: str
    flags: list[ReportFlag]
    note: str = ""  # e.g. "Checked by rules only: …" when no model was loaded


@dataclass(frozen=True)
class Mover:
    turn: int
    quote: str


@dataclass(frozen=True)
class ClientSection:
    """How the client responded: the simulated client's state over the session."""
    summary: str
    raised: list[Mover]
    lowered: list[Mover]


@dataclass(frozen=True)
class CodedTurn:
    number: int  # the stored turn index: the number the chat, the report and exports show
    speaker: str  # counsellor | client
    who: str  # "You" or the client's name
    text: str
    code: str
    label: str
    family: str
    talk_type: str
    sure: int  # confidence, per cent
    also: list[str]  # labels of the secondary codes
    note: str
    flags: list[ReportFlag] = field(default_factory=list)

    @property
    def badge_class(self) -> str:
        if self.speaker == "client":
            return f"talk-{self.talk_type or 'neutral'}"
        return "mi-bad" if self.code in ("confront", "persuade") else f"fam-{self.family or 'other'}"


@dataclass(frozen=True)
class SessionReport:
    session_id: str | None
    client_name: str
    problem: str
    made: str  # "2 Dec 2026, 14:52"
    started: str  # "" when the report does not say
    duration: str  # "23 min", "" when unknown
    turns_words: str  # "9 counsellor turns (19 in all)"
    lead: str  # MITI or CTRS: the session's own scale, shown first; the other is folded away
    warnings: list[str]
    safety: SafetySection | None
    mi: MiSection
    ctrs: CtrsSection | None
    client: ClientSection | None
    turns: list[CodedTurn]

    @property
    def other_scale(self) -> str | None:
        """The scale that is folded away (None when the report has only one)."""
        if self.lead == CTRS:
            return MITI
        return CTRS if self.ctrs is not None else None

    @property
    def headline(self) -> str:
        """One line for the top of the review: the lead scale's result, never the other one's."""
        if self.lead == CTRS and self.ctrs is not None:
            head = self.ctrs.headline
            return f"CTRS t{head[1:]}" if head.startswith("Total") else f"CTRS: {head}"
        return self.mi.headline

    @classmethod
    def from_dict(cls, report: dict) -> SessionReport:
        mi = report["mi"]
        persona = report.get("persona") or {}
        session = report.get("session") or {}
        safety = safety_section(report.get("safety"))
        flags: dict[int, list[ReportFlag]] = {}
        for f in safety.flags if safety else []:
            flags.setdefault(f.turn, []).append(f)
        name = persona.get("name") or "Client"
        turns = [_coded_turn(t, name, flags.get(int(t["index"]), [])) for t in mi["turns"]]
        ctrs = ctrs_section(report.get("ctrs"))
        lead = CTRS if ctrs is not None and not ctrs.off_modality else MITI
        counsellor, total = count_turns(mi["turns"])
        return cls(
            session_id=report.get("session_id"),
            client_name=persona.get("name") or "",
            problem=persona.get("presenting_problem") or "",
            made=human_date(report.get("created_at"), unknown=""),
            started=human_date(session.get("started_at"), unknown="") if session.get("started_at") else "",
            duration=human_duration(seconds_between(session.get("started_at"), session.get("ended_at"))),
            turns_words=turn_count(counsellor, total),
            lead=lead,
            warnings=[str(w) for w in report.get("warnings") or []],
            safety=safety,
            mi=_mi(mi),
            ctrs=ctrs,
            client=_client(report.get("client")),
            turns=turns,
        )


def _coded_turn(t: dict, client_name: str, flags: list[ReportFlag]) -> CodedTurn:
    return CodedTurn(
        number=int(t["index"]), speaker=t["speaker"], who="You" if t["speaker"] == "counsellor" else client_name,
        text=t["text"], code=t.get("code") or "", label=t.get("label") or mi_codes.label(t.get("code") or "other"),
        family=t.get("family") or "", talk_type=t.get("talk_type") or "",
        sure=int(round(float(t.get("confidence") or 0.0) * 100)),
        also=[mi_codes.label(o) for o in t.get("others") or []], note=t.get("note") or "", flags=flags)


def _mi(mi: dict) -> MiSection:
    s = mi["summary"]
    th = s["thresholds"]
    figures = [Figure(key, name, fmt_value(th[key]["value"], key), fmt_threshold(key, th[key]["fair"]),
                      fmt_threshold(key, th[key]["good"]), th[key]["level"], mi["explanations"][key])
               for key, name in FIGURES]
    pct_oq = s.get("percent_open_questions")
    figures.append(Figure("percent_open_questions", "Open questions (%OQ)",
                          "n/a" if pct_oq is None else f"{pct_oq:.0f}%", "none set", "none set", "not rated",
                          mi["explanations"]["percent_open_questions"]))
    ratings = [Rating(name, fmt_value(s["globals"][key]), mi["explanations"][key]) for key, name in GLOBALS]
    # The table counts a code wherever the transcript shows it (main or "also"); reports stored before
    # code_counts_all existed fall back to the main codes.
    counted = s.get("code_counts_all") or s["code_counts"]
    counts = [CodeCount(code, info["label"], int(counted.get(code, 0)), info["meaning"])
              for code, info in mi["codes"].items()]
    return MiSection(
        band=mi["band"], band_words=BAND_WORDS.get(mi["band"], ""), not_rated=mi.get("not_rated"), note=mi["note"],
        figures=figures, ratings=ratings, rating_caps=list(s.get("global_caps") or []), counts=counts,
        mi_adherent=s["mi_adherent"], mi_non_adherent=s["mi_non_adherent"], change_talk=s["change_talk"],
        sustain_talk=s["sustain_talk"],
        strengths=[Pointer(i["text"], int(i["turn_index"]), i["quote"]) for i in mi.get("strengths") or []],
        things_to_try=[Pointer(i["text"], int(i["turn_index"]), i["quote"], (i.get("suggestion") or {}).get("text"))
                       for i in mi.get("things_to_try") or []],
        suggestions_note=mi.get("suggestions_note") or "",
    )


def ctrs_headline(section: dict) -> str:
    if section.get("status") == "not_enough_to_rate":
        return "Not enough to rate: the session is too short for the CTRS."
    total, pro = section.get("total"), section.get("prorated_total")
    if total is None:
        return "No CTRS items could be rated."
    line = section.get("competence_line", 40)
    head = f"total {total} / {section.get('max_total', 66)}"
    if section.get("rated_items", 11) < 11:
        head += f" over {section['rated_items']} rated items (prorated {pro})"
    comp = section.get("competent")
    if comp is True:
        return head + f": at or above the competence line ({line})."
    if comp is False:
        return head + f": below the competence line ({line})."
    return head + "."


def ctrs_section(section: dict | None) -> CtrsSection | None:
    if not section:
        return None
    items = [CtrsRow(int(i["number"]), i["title"],
                     f"{i['score']}/6" if i.get("score") is not None else CTRS_STATUS.get(i["status"], i["status"]),
                     i["status"], i.get("rationale") or "",
                     [Evidence(int(e["turn_index"]), e.get("shows") or "", e.get("quote") or "")
                      for e in i.get("evidence") or []][:3])
             for i in section.get("items") or []]
    headline = ctrs_headline(section)
    return CtrsSection(headline=headline[0].upper() + headline[1:], off_modality=bool(section.get("off_modality")),
                       families=[(f["title"], f["score"], f["max"]) for f in (section.get("families") or {}).values()
                                 if f.get("score") is not None],
                       items=items, notes=[str(n) for n in section.get("notes") or []])


def safety_section(section: dict | None) -> SafetySection | None:
    if not section:
        return None
    flags = [ReportFlag(int(f["turn_index"]), CHECK_TITLES.get(f["check"], f["check"]), f["check"], f["severity"],
                        f.get("reason") or "", f.get("quote") or "", f.get("teaching_note") or "",
                        f.get("stage") or "rules", f.get("probability"))
             for f in section.get("flags") or [] if "turn_index" in f]
    return SafetySection(summary=section.get("summary") or "", flags=flags, note=section.get("note") or "")


def _client(section: dict | None) -> ClientSection | None:
    if not section:
        return None
    return ClientSection(summary=summary_words(section),
                         raised=[Mover(int(m["turn_index"]), m["quote"]) for m in section.get("raised") or []],
                         lowered=[Mover(int(m["turn_index"]), m["quote"]) for m in section.get("lowered") or []])
