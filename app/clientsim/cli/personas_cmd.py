"""`clientsim personas list|show|validate`: browse and check persona packs.

``show`` prints what a trainee reads before a session (who the client is,
the referral note, learning objectives); ``--instructor`` adds the whole
persona: conceptualization, MI profile, style, risk and the instructor notes.
"""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

from clientsim.core.errors import UserError
from clientsim.core.text import printable
from clientsim.personas import DIFFICULTIES, MODALITIES, STYLES, Persona, PersonaLibrary, validate_file

WIDTH = 88


def register(sub) -> None:
    p = sub.add_parser("personas", help="list, show and validate simulated-client personas")
    psub = p.add_subparsers(dest="personas_command", metavar="ACTION")
    p.set_defaults(func=lambda args: _print_help(p))

    lp = psub.add_parser("list", help="table of the available personas")
    lp.add_argument("--modality", choices=MODALITIES, type=str.upper)
    lp.add_argument("--style", choices=STYLES, type=str.lower)
    lp.add_argument("--difficulty", choices=DIFFICULTIES, type=str.lower)
    lp.add_argument("--search", default="", metavar="TEXT", help="words that must appear (e.g. 'alcohol')")
    _add_common(lp)
    lp.set_defaults(func=run_list)

    sp = psub.add_parser("show", help="one persona: the trainee's brief, or everything with --instructor")
    sp.add_argument("persona_id", metavar="ID")
    sp.add_argument("--instructor", action="store_true", help="show the whole persona, including instructor notes")
    _add_common(sp)
    sp.set_defaults(func=run_show)

    vp = psub.add_parser("validate", help="check persona files; exit 1 if any is invalid")
    vp.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="a persona .json file or a folder of them")
    vp.set_defaults(func=run_validate)


def _add_common(p) -> None:
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--dir", action="append", type=Path, default=[], metavar="FOLDER",
                   help="also load personas from FOLDER (overrides same ids; may repeat)")


def _safe(value) -> str:
    """A file name, field or problem from a persona file, safe to print on a terminal."""
    return printable(value, 2000, newlines=False)


def _print_help(parser) -> int:
    parser.print_help()
    return 0


def _library(args) -> PersonaLibrary:
    from clientsim import paths

    library = PersonaLibrary.load(paths.persona_dirs() + list(args.dir))
    if library.errors:
        print(f"warning: {len(library.errors)} problem(s) in persona files; those files were skipped:", file=sys.stderr)
        for err in library.errors:
            print(f"  {_safe(err.path)}: {_safe(err.field)}: {_safe(err.problem)}", file=sys.stderr)
    return library


# --- list ----------------------------------------------------------------------


def run_list(args) -> int:
    library = _library(args)
    found = library.search(args.search, modality=args.modality, style=args.style, difficulty=args.difficulty)
    if args.json:
        print(json.dumps([_row(p) for p in found], indent=2, ensure_ascii=False))
        return 0
    if not found:
        print("no personas match" if len(library) else "no personas found (see docs/persona-format.md)")
        return 0
    headers = ["ID", "NAME", "AGE", "MODALITY", "STYLE", "DIFFICULTY", "RISK"]
    rows = [[str(v) for v in _row(p).values()] for p in found]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    for line in [headers] + rows:
        print(_safe("  ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip()))
    return 0


def _row(p: Persona) -> dict:
    return {
        "id": p.id,
        "name": p.name,
        "age": p.identity.age,
        "modality": "+".join(p.modality),
        "style": p.style.conversational_style,
        "difficulty": p.difficulty,
        "risk": p.risk.level,
    }


# --- show ----------------------------------------------------------------------


def trainee_view(p: Persona) -> dict:
    """What a trainee reads before the session: no conceptualization, risk or notes."""
    ident = p.identity
    return {
        "id": p.id,
        "name": p.name,
        "modality": list(p.modality),
        "difficulty": p.difficulty,
        "identity": {
            "age": ident.age,
            "gender": ident.gender,
            "pronouns": ident.pronouns,
            "occupation": ident.occupation,
            "cultural_background": ident.cultural_background,
            "living_situation": ident.living_situation,
        },
        "trainee_brief": {
            "referral_note": p.trainee_brief.referral_note,
            "learning_objectives": list(p.trainee_brief.learning_objectives),
        },
    }


def run_show(args) -> int:
    p = _library(args).get(args.persona_id)
    if args.json:
        data = p.to_dict() if args.instructor else trainee_view(p)
        if args.instructor:
            data["source_path"] = str(p.source_path) if p.source_path else None
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return 0
    print(printable("\n".join(_trainee_text(p))))
    if args.instructor:
        print(printable("\n".join(_instructor_text(p))))
    return 0


def _trainee_text(p: Persona) -> list[str]:
    i = p.identity
    who = f"{i.age}, {i.gender}" + (f" ({i.pronouns})" if i.pronouns else "")
    out = [f"{p.name}  [{p.id}]", who]
    out += [_wrap(x, "") for x in (i.occupation, i.cultural_background, i.living_situation) if x]
    out.append(f"Modality: {' + '.join(p.modality)}   Difficulty: {p.difficulty}")
    out += _section("Referral note", [p.trainee_brief.referral_note])
    if p.trainee_brief.learning_objectives:
        out += _section("Learning objectives", p.trainee_brief.learning_objectives, bullet=True)
    return out


def _instructor_text(p: Persona) -> list[str]:
    out = ["", "=" * 30 + " instructor view " + "=" * 30]
    if p.identity.relationships:
        out += _section("Relationships", [p.identity.relationships])
    out += _section("Presenting problem", [p.presenting_problem])
    out += _section("History", [p.history])
    if p.cbt:
        out += _section("CBT: core beliefs", p.cbt.core_beliefs, bullet=True)
        out += _section("CBT: intermediate beliefs (rules, assumptions)", p.cbt.intermediate_beliefs, bullet=True)
        out += _section("CBT: coping strategies", p.cbt.coping_strategies, bullet=True)
        out += _section("CBT: situations", [
            f"{s.situation} | thought: {s.automatic_thought} | emotion: {s.emotion} | behaviour: {s.behaviour}"
            for s in p.cbt.situations
        ], bullet=True)
    if p.mi:
        out += _section("MI profile", [f"Target behaviour: {p.mi.target_behaviour}",
                                       f"Stage of change: {p.mi.stage_of_change}"])
        out += _section("MI: reasons for change", p.mi.reasons_for_change, bullet=True)
        out += _section("MI: reasons against change", p.mi.reasons_against_change, bullet=True)
        out += _section("MI: values", p.mi.values, bullet=True)
    s = p.style
    out += _section("Style", [f"{s.conversational_style}, resistance {s.resistance}, replies {s.reply_length}"]
                    + ([s.notes] if s.notes else []))
    r = p.risk
    risk = [f"Level: {r.level}"] + [f"{k}: {v}" for k, v in (("Details", r.details), ("Disclosure", r.disclosure)) if v]
    if r.protective_factors:
        risk.append("Protective factors: " + "; ".join(r.protective_factors))
    out += _section("Risk", risk)
    out += _section("Opening statement", [p.opening_statement])
    out += _section("Sample lines", p.sample_lines, bullet=True)
    v = p.voice
    out += _section("Voice", [f"{v.id} (length_scale {v.length_scale}, noise_scale {v.noise_scale}, noise_w {v.noise_w})"])
    out += _section("Instructor notes", p.instructor_notes.split("\n"))
    if p.source_path:
        out += ["", f"File: {p.source_path}"]
    return out


def _section(title: str, items, bullet: bool = False) -> list[str]:
    lines = ["", title]
    for item in items:
        if item.strip():
            lines.append(_wrap(item, "  - " if bullet else "  "))
    return lines


def _wrap(text: str, first: str) -> str:
    return textwrap.fill(text, WIDTH, initial_indent=first, subsequent_indent=" " * len(first))


# --- validate ------------------------------------------------------------------


def run_validate(args) -> int:
    files: list[Path] = []
    for path in args.paths:
        if path.is_dir():
            found = sorted(path.glob("*.json"))
            if not found:
                print(f"{path}: no persona files (*.json) in this folder")
                return 1
            files += found
        elif path.exists():
            files.append(path)
        else:
            raise UserError(f"{path}: no such file or folder")
    n_bad = 0
    for file in files:
        errors = validate_file(file)
        if errors:
            n_bad += 1
            print(f"INVALID {_safe(file)}")
            for err in errors:
                print(f"  {_safe(err.field)}: {_safe(err.problem)}")
        else:
            print(f"ok      {_safe(file)}")
    print(f"{len(files) - n_bad} valid, {n_bad} invalid")
    return 1 if n_bad else 0
