"""Read persona files, check them, and gather them into a library.

A persona file is checked twice: against schema.json (JSON Schema 2020-12)
and against rules a schema cannot say well (an MI persona needs an MI
profile, the id matches the file name, ...). Every problem becomes a
PersonaError naming the file, the field as a JSON path ("mi.stage_of_change",
"cbt.situations[1].emotion") and what was expected, in words an instructor
who wrote the file can act on.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from clientsim import paths
from clientsim.core import safe_json
from clientsim.core.errors import BadFile, PersonaError, UserError
from clientsim.core.schema_messages import TOP_LEVEL, SchemaMessages, json_type as _json_type
from clientsim.personas.model import (
    DIFFICULTIES,
    MODALITIES,
    STYLES,
    CbtConceptualization,
    CbtSituation,
    ClientStateStart,
    HeldBack,
    Identity,
    MiProfile,
    Persona,
    Risk,
    SelfReport,
    Style,
    TraineeBrief,
    Voice,
)

FORMAT = "clientsim.persona/1"
SCHEMA_PATH = Path(__file__).with_name("schema.json")
MIN_CBT_SITUATIONS = 2
JSON_SYNTAX = safe_json.JSON_SYNTAX
WHOLE_FILE = safe_json.WHOLE_FILE
MAX_PERSONA_BYTES = 1024 * 1024  # a persona is a few KB

_SPEAKER_LABEL = re.compile(r"^\s*(client|patient|counsellor|counselor|therapist)\s*:", re.IGNORECASE)


@cache
def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@cache
def _messages() -> SchemaMessages:
    return SchemaMessages(schema(), doc="docs/persona-format.md")


# --- public API -------------------------------------------------------------


def load_persona(path: Path) -> Persona:
    """Read and check one persona file; raise the first problem as a PersonaError."""
    persona, errors = _read(Path(path))
    if errors:
        _raise_first(errors, Path(path))
    assert persona is not None
    return persona


def persona_from_dict(data: dict, source: Path | None = None) -> Persona:
    """Check an already parsed persona (same rules as a file) and build it.

    Also reads back ``Persona.to_dict()`` output, as stored in sessions and
    transcripts: tuples are accepted as lists, and without a ``source`` file a
    missing "format" key means the current format (files must always say it).
    """
    where = source if source is not None else "(persona)"
    if isinstance(data, dict):
        data = json.loads(json.dumps(data, ensure_ascii=False, default=str))
        data.pop("source_path", None)
        if source is None:
            data.setdefault("format", FORMAT)
    errors = _check(data, where, source)
    if errors:
        _raise_first(errors, where)
    return _build(data, source)


def persona_from_record(data: dict) -> Persona:
    """Rebuild a persona saved with ``Persona.to_dict()`` (same as persona_from_dict without a source)."""
    return persona_from_dict(data)


def check_persona(data: Any, source: Path | None = None) -> list[PersonaError]:
    """Every problem in an already parsed persona (the same checks as a file); [] when valid.

    The persona editor runs this on every change. Without a ``source`` the
    id is not compared with a file name.
    """
    return _check(data, source if source is not None else "(persona)", source)


def validate_file(path: Path) -> list[PersonaError]:
    """Every problem in one persona file (an empty list when it is valid)."""
    return _read(Path(path))[1]


@dataclass
class PersonaLibrary:
    personas: dict[str, Persona] = field(default_factory=dict)
    errors: list[PersonaError] = field(default_factory=list)

    @classmethod
    def load(cls, dirs: list[Path] | None = None) -> "PersonaLibrary":
        """Load every *.json persona in ``dirs`` (default: bundled, system, user).

        A later folder's persona with the same id replaces an earlier one, so
        lab and user packs can override the bundled personas. A bad file is
        recorded in ``errors``; the others still load.
        """
        library = cls()
        for folder in paths.persona_dirs() if dirs is None else dirs:
            folder = Path(folder)
            if not folder.is_dir():
                continue
            for file in sorted(folder.glob("*.json")):
                persona, errors = _read(file)
                if errors:
                    library.errors.extend(errors)
                else:
                    library.personas[persona.id] = persona
        return library

    def __len__(self) -> int:
        return len(self.personas)

    def __iter__(self):
        return iter(self.all())

    def ids(self) -> list[str]:
        return sorted(self.personas)

    def all(self) -> list[Persona]:
        return [self.personas[i] for i in self.ids()]

    def get(self, persona_id: str) -> Persona:
        try:
            return self.personas[persona_id]
        except KeyError:
            available = ", ".join(self.ids()) or "(none loaded)"
            raise UserError(
                f"no persona with id '{persona_id}'",
                hint=f"available personas: {available}",
            ) from None

    def search(
        self,
        text: str = "",
        modality: str | None = None,
        style: str | None = None,
        difficulty: str | None = None,
    ) -> list[Persona]:
        """Personas matching every given filter; ``text`` words may appear anywhere."""
        modality = _pick("modality", modality, MODALITIES, upper=True)
        style = _pick("style", style, STYLES)
        difficulty = _pick("difficulty", difficulty, DIFFICULTIES)
        words = text.lower().split()
        found = []
        for p in self.all():
            if modality and modality not in p.modality:
                continue
            if style and p.style.conversational_style != style:
                continue
            if difficulty and p.difficulty != difficulty:
                continue
            haystack = _search_text(p)
            if all(w in haystack for w in words):
                found.append(p)
        return found


# --- reading and checking ------------------------------------------------------


def _read(path: Path) -> tuple[Persona | None, list[PersonaError]]:
    try:
        data = safe_json.read_json(path, max_bytes=MAX_PERSONA_BYTES)
    except BadFile as exc:
        return None, [PersonaError(exc.path, exc.field, exc.problem)]
    errors = _check(data, path, path)
    if errors:
        return None, errors
    return _build(data, path), []


def _check(data: Any, where, source: Path | None) -> list[PersonaError]:
    if not isinstance(data, dict):
        return [PersonaError(where, TOP_LEVEL, f"expected a JSON object {{...}} holding the persona, found {_json_type(data)}")]
    bad = safe_json.find_bad_value(data)  # NaN, a lone surrogate: what json.loads lets through
    if bad:
        return [PersonaError(where, *bad)]
    errors = _schema_errors(data, where)
    errors += _semantic_errors(data, where, source)
    return errors


def _schema_errors(data: dict, where) -> list[PersonaError]:
    return [PersonaError(where, field, problem) for field, problem in _messages().problems(data)]


def _semantic_errors(data: dict, where, source: Path | None) -> list[PersonaError]:
    errors: list[PersonaError] = []

    def problem(field_path: str, text: str) -> None:
        errors.append(PersonaError(where, field_path, text))

    pid = data.get("id")
    if source is not None and isinstance(pid, str) and pid != Path(source).stem:
        problem("id", f"is '{pid}' but the file is named '{Path(source).name}'; the id must equal the file name without .json")

    modality = data.get("modality")
    modality = modality if isinstance(modality, list) else []
    if "MI" in modality and not isinstance(data.get("mi"), dict):
        problem("mi", "is missing; a persona with modality MI needs an mi profile "
                "(target_behaviour, stage_of_change, reasons_for_change, reasons_against_change, values)")
    cbt = data.get("cbt")
    if "CBT" in modality and not isinstance(cbt, dict):
        problem("cbt", "is missing; a persona with modality CBT needs a cbt conceptualization "
                "(core_beliefs, intermediate_beliefs, coping_strategies, situations)")
    if "CBT" in modality and isinstance(cbt, dict) and isinstance(cbt.get("situations"), list):
        n = len(cbt["situations"])
        if n < MIN_CBT_SITUATIONS:
            problem("cbt.situations", f"has {n} situation(s); a CBT persona needs at least {MIN_CBT_SITUATIONS}, "
                    "each with situation, automatic_thought, emotion and behaviour")

    risk = data.get("risk")
    if isinstance(risk, dict) and isinstance(risk.get("level"), str) and risk["level"] != "none":
        for key, what in (("details", "what the risk is"), ("disclosure", "when and how the client discloses it")):
            if not str(risk.get(key) or "").strip():
                problem(f"risk.{key}", f"is empty; with risk level '{risk['level']}', say {what}")

    errors += _state_errors(data, where)

    lines = data.get("sample_lines")
    for i, line in enumerate(lines if isinstance(lines, list) else []):
        if isinstance(line, str) and _SPEAKER_LABEL.match(line):
            problem(f"sample_lines[{i}]", "starts with a speaker label; write only the words the client says")
    opening = data.get("opening_statement")
    if isinstance(opening, str) and _SPEAKER_LABEL.match(opening):
        problem("opening_statement", "starts with a speaker label; write only the words the client says")
    return errors


# A starting importance outside these bounds contradicts the stage of change
# (docs/persona-format.md, "Client state"): a precontemplative client does not
# already rate change as very important, a client in action does not rate it low.
STAGE_IMPORTANCE = {"precontemplation": (0, 5), "contemplation": (2, 8), "preparation": (4, 10),
                    "action": (5, 10), "maintenance": (5, 10)}
SELF_REPORT_ITEMS = {"PHQ-9": 9, "GAD-7": 7, "AUDIT-C": 3}


def _state_errors(data: dict, where) -> list[PersonaError]:
    errors: list[PersonaError] = []
    state = data.get("client_state")
    if isinstance(state, dict):
        for key, value in state.items():
            if isinstance(value, float) and value != value:
                errors.append(PersonaError(where, f"client_state.{key}", "is NaN; expected a number"))
        mi = data.get("mi")
        stage = mi.get("stage_of_change") if isinstance(mi, dict) else None
        importance = state.get("importance")
        if stage in STAGE_IMPORTANCE and isinstance(importance, (int, float)) and not isinstance(importance, bool):
            lo, hi = STAGE_IMPORTANCE[stage]
            if not lo <= importance <= hi:
                errors.append(PersonaError(where, "client_state.importance", (
                    f"is {importance:g}, which contradicts mi.stage_of_change '{stage}' "
                    f"(expected {lo}-{hi} at that stage); change one of them")))
        if isinstance(state.get("automatic_thought"), str) and "CBT" not in (data.get("modality") or []):
            errors.append(PersonaError(where, "client_state.automatic_thought",
                                       "is set but the persona has no CBT modality; remove it or add \"CBT\""))
    reports = data.get("self_report")
    if isinstance(reports, dict):
        for name, block in reports.items():
            if not isinstance(block, dict):
                continue
            items, total = block.get("items"), block.get("total")
            if (isinstance(items, list) and len(items) == SELF_REPORT_ITEMS.get(name)
                    and all(isinstance(x, int) for x in items) and isinstance(total, int) and sum(items) != total):
                errors.append(PersonaError(where, f"self_report.{name}.items",
                                           f"add up to {sum(items)} but total is {total}; make them agree"))
    return errors


def _raise_first(errors: list[PersonaError], where) -> None:
    first = errors[0]
    if len(errors) > 1:
        first.hint = f"{len(errors) - 1} more problem(s) in this file; run `clientsim personas validate {where}` to see all"
    raise first


# --- building the dataclasses ---------------------------------------------------


def _build(d: dict, source: Path | None) -> Persona:
    t = tuple
    cbt = d.get("cbt")
    mi = d.get("mi")
    style = d["style"]
    risk = d["risk"]
    voice = d.get("voice") or {}
    default_voice = Voice()
    return Persona(
        id=d["id"],
        name=d["name"],
        modality=t(d["modality"]),
        difficulty=d["difficulty"],
        identity=Identity(**d["identity"]),
        presenting_problem=d["presenting_problem"],
        history=d["history"],
        cbt=None if cbt is None else CbtConceptualization(
            core_beliefs=t(cbt["core_beliefs"]),
            intermediate_beliefs=t(cbt["intermediate_beliefs"]),
            coping_strategies=t(cbt["coping_strategies"]),
            situations=t(CbtSituation(**s) for s in cbt["situations"]),
        ),
        mi=None if mi is None else MiProfile(
            target_behaviour=mi["target_behaviour"],
            stage_of_change=mi["stage_of_change"],
            reasons_for_change=t(mi["reasons_for_change"]),
            reasons_against_change=t(mi["reasons_against_change"]),
            values=t(mi["values"]),
        ),
        style=Style(**style),
        risk=Risk(
            level=risk["level"],
            details=risk.get("details", ""),
            disclosure=risk.get("disclosure", ""),
            protective_factors=t(risk.get("protective_factors", ())),
        ),
        sample_lines=t(d["sample_lines"]),
        opening_statement=d["opening_statement"],
        trainee_brief=TraineeBrief(
            referral_note=d["trainee_brief"]["referral_note"],
            learning_objectives=t(d["trainee_brief"].get("learning_objectives", ())),
        ),
        instructor_notes=d["instructor_notes"],
        voice=Voice(
            id=voice.get("id", default_voice.id),
            length_scale=float(voice.get("length_scale", default_voice.length_scale)),
            noise_scale=float(voice.get("noise_scale", default_voice.noise_scale)),
            noise_w=float(voice.get("noise_w", default_voice.noise_w)),
        ),
        tags=t(d.get("tags", ())),
        client_state=_build_state(d.get("client_state") or {}),
        self_report={k: SelfReport(total=v["total"], items=t(v.get("items", ())))
                     for k, v in (d.get("self_report") or {}).items()},
        source_path=Path(source) if source is not None else None,
    )


def _build_state(s: dict) -> ClientStateStart:
    held = s.get("holds_back")
    return ClientStateStart(
        **{k: (float(s[k]) if k in s else None)
           for k in ("trust", "discord", "importance", "confidence", "belief", "homework_openness", "movability")},
        automatic_thought=s.get("automatic_thought", ""),
        holds_back=None if held is None else tuple(
            HeldBack(h["topic"], h["fact"], float(h["min_trust"]), tuple(c.lower() for c in h.get("cues", ())))
            for h in held),
        move_lines={k: tuple(v) for k, v in (s.get("move_lines") or {}).items()},
    )


# --- small helpers ------------------------------------------------------------------


def _pick(name: str, value: str | None, allowed: tuple[str, ...], upper: bool = False) -> str | None:
    if not value:
        return None
    wanted = value.upper() if upper else value.lower()
    if wanted not in allowed:
        raise UserError(f"unknown {name} '{value}'", hint=f"choose one of: {', '.join(allowed)}")
    return wanted


def _search_text(p: Persona) -> str:
    parts = [p.id, p.name, p.presenting_problem, " ".join(p.tags), p.identity.occupation,
             p.identity.gender, p.trainee_brief.referral_note, " ".join(p.modality),
             p.style.conversational_style, p.difficulty]
    if p.mi:
        parts += [p.mi.target_behaviour, p.mi.stage_of_change]
    return " ".join(parts).lower()
