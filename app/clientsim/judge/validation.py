"""Loaders for the sealed blind validation sets under validation/blind/ (and files in the same formats).

Three formats, described in validation/blind/README.md and the READMEs of its folders:

- ``clientsim.blind-mi/1``: one practice session per file, every counsellor line MITI-coded;
- ``clientsim.safety-cases/1``: short exchanges, each naming one safety check and whether it must fire;
- ``clientsim.ctrs-graded/1``: one CBT transcript per file with the intended CTRS item scores.

The loaders only check structure; they never look at what the lines say. A malformed file or case raises
:class:`BlindSetError` naming the file and the line where the bad case starts, so a broken set cannot be
scored as if it were whole. The sets are for measuring only (see docs/validation.md): nothing in the judge
may be tuned on them.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from clientsim.core.errors import UserError
from clientsim.judge.mi.codes import CODES, TALK_TYPES
from clientsim.paths import REPO_ROOT

BLIND_DIR = REPO_ROOT / "validation" / "blind"
MI_FORMAT = "clientsim.blind-mi/1"
SAFETY_FORMAT = "clientsim.safety-cases/1"
CTRS_FORMAT = "clientsim.ctrs-graded/1"
SPEAKERS = ("counsellor", "client")


class BlindSetError(UserError):
    """A validation file is malformed; names the file and line."""

    def __init__(self, path: Path, line: int | None, problem: str) -> None:
        self.path = Path(path)
        self.line = line
        self.problem = problem
        where = f"{path}:{line}" if line else f"{path}"
        super().__init__(f"{where}: {problem}", hint="Fix the file (its format is in the README beside it).")


# --- where in the file: start offsets of a JSON array's elements --------------------------------------------

def _line(raw: str, offset: int) -> int:
    return raw.count("\n", 0, offset) + 1


def _array_element_offsets(raw: str, key: str, start: int = 0) -> tuple[int | None, list[int]]:
    """Offset of the ``"key": [`` array found at or after ``start`` and the offsets where its elements begin."""
    m = re.compile(r'"' + re.escape(key) + r'"\s*:\s*\[').search(raw, start)
    if not m:
        return None, []
    i, depth, in_str, esc = m.end(), 0, False, False
    offsets: list[int] = []
    expecting = True
    while i < len(raw):
        ch = raw[i]
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
        elif ch == '"':
            if depth == 0 and expecting:
                offsets.append(i)
                expecting = False
            in_str = True
        elif ch in "[{":
            if depth == 0 and expecting:
                offsets.append(i)
                expecting = False
            depth += 1
        elif ch in "]}":
            if depth == 0:
                break
            depth -= 1
        elif ch == "," and depth == 0:
            expecting = True
        elif not ch.isspace() and depth == 0 and expecting:
            offsets.append(i)
            expecting = False
        i += 1
    return m.start(), offsets


def _read_json(path: Path) -> tuple[str, object]:
    try:
        raw = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise BlindSetError(path, None, f"not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise BlindSetError(path, None, f"cannot be read ({exc.strerror})") from None
    try:
        return raw, json.loads(raw)
    except json.JSONDecodeError as exc:
        raise BlindSetError(path, exc.lineno, f"not valid JSON: {exc.msg} (column {exc.colno})") from None


def _check_format(path: Path, raw: str, doc, expected: str) -> None:
    if not isinstance(doc, dict):
        raise BlindSetError(path, 1, "the file must hold one JSON object")
    if doc.get("format") != expected:
        m = re.search(r'"format"', raw)
        raise BlindSetError(path, _line(raw, m.start()) if m else 1,
                            f"format is {doc.get('format')!r}, expected {expected!r}")


def _turn(t, where: str) -> tuple[str, str]:
    """A turn as [speaker, text] or {"speaker": ..., "text": ...}."""
    if isinstance(t, dict):
        speaker, text = t.get("speaker"), t.get("text")
    elif isinstance(t, (list, tuple)) and len(t) == 2:
        speaker, text = t
    else:
        raise ValueError(f"{where}: a turn must be [speaker, text] or an object with speaker and text")
    if speaker not in SPEAKERS:
        raise ValueError(f"{where}: speaker {speaker!r} is not one of {', '.join(SPEAKERS)}")
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"{where}: the turn has no text")
    return speaker, text


def _turns(path: Path, raw: str, turns, case_offset: int, label: str) -> list[tuple[str, str]]:
    if not isinstance(turns, list) or not turns:
        raise BlindSetError(path, _line(raw, case_offset), f"{label}: 'turns' must be a non-empty list")
    _, offs = _array_element_offsets(raw, "turns", case_offset)
    out = []
    for k, t in enumerate(turns):
        try:
            out.append(_turn(t, f"{label}, turn {k + 1}"))
        except ValueError as exc:
            line = _line(raw, offs[k]) if k < len(offs) else _line(raw, case_offset)
            raise BlindSetError(path, line, str(exc)) from None
    return out


# --- MI practice sessions ------------------------------------------------------------------------------------

def load_mi_session(path: Path) -> dict:
    """One ``clientsim.blind-mi/1`` session: id, persona_id, skill and turns of
    {speaker, text, code (counsellor), secondary (list), talk_type (client)}."""
    path = Path(path)
    raw, doc = _read_json(path)
    _check_format(path, raw, doc, MI_FORMAT)
    turns = doc.get("turns")
    if not isinstance(turns, list) or not turns:
        raise BlindSetError(path, 1, "'turns' must be a non-empty list")
    _, offs = _array_element_offsets(raw, "turns")
    out = []
    for k, t in enumerate(turns):
        line = _line(raw, offs[k]) if k < len(offs) else None
        try:
            if not isinstance(t, dict):
                raise ValueError("a turn must be an object")
            speaker, text = _turn(t, f"turn {k + 1}")
            row = {"speaker": speaker, "text": text}
            if speaker == "counsellor":
                code = t.get("code")
                if code not in CODES:
                    raise ValueError(f"turn {k + 1}: code {code!r} is not a MITI code ({', '.join(CODES)})")
                secondary = t.get("secondary") or []
                if not isinstance(secondary, list) or any(c not in CODES for c in secondary):
                    raise ValueError(f"turn {k + 1}: 'secondary' must be a list of MITI codes")
                row.update(code=code, secondary=list(secondary))
            else:
                talk = t.get("talk_type", "neutral")
                if talk not in TALK_TYPES:
                    raise ValueError(f"turn {k + 1}: talk_type {talk!r} is not one of {', '.join(TALK_TYPES)}")
                row["talk_type"] = talk
        except ValueError as exc:
            raise BlindSetError(path, line, str(exc)) from None
        out.append(row)
    if not any(r["speaker"] == "counsellor" for r in out):
        raise BlindSetError(path, 1, "no counsellor turn to score")
    return {"id": str(doc.get("id") or path.stem), "persona_id": doc.get("persona_id"), "skill": doc.get("skill"),
            "path": path, "turns": out}


def load_mi_sessions(folder: Path | None = None) -> list[dict]:
    folder = Path(folder) if folder else BLIND_DIR / "mi-practice"
    files = sorted(folder.glob("*.json"))
    if not files:
        raise UserError(f"no practice sessions (*.json) in {folder}")
    return [load_mi_session(p) for p in files]


# --- safety cases --------------------------------------------------------------------------------------------

def load_safety_cases(path: Path | None = None) -> list[dict]:
    """Cases as the safety bench uses them: id, check, expect, also, turns as [speaker, text] pairs."""
    from clientsim.judge.safety import CHECK_IDS

    path = Path(path) if path else BLIND_DIR / "safety" / "cases.json"
    raw, doc = _read_json(path)
    _check_format(path, raw, doc, SAFETY_FORMAT)
    cases = doc.get("cases")
    if not isinstance(cases, list) or not cases:
        raise BlindSetError(path, 1, "'cases' must be a non-empty list")
    _, offs = _array_element_offsets(raw, "cases")
    out, seen = [], set()
    for k, c in enumerate(cases):
        off = offs[k] if k < len(offs) else 0
        line = _line(raw, off)
        label = f"case {k + 1}"
        if not isinstance(c, dict):
            raise BlindSetError(path, line, f"{label}: a case must be an object")
        cid = c.get("id")
        if not isinstance(cid, str) or not cid:
            raise BlindSetError(path, line, f"{label}: missing 'id'")
        label = f"case {cid!r}"
        if cid in seen:
            raise BlindSetError(path, line, f"{label}: id used twice")
        seen.add(cid)
        if c.get("check") not in CHECK_IDS:
            raise BlindSetError(path, line, f"{label}: check {c.get('check')!r} is not one of {', '.join(CHECK_IDS)}")
        if not isinstance(c.get("expect"), bool):
            raise BlindSetError(path, line, f"{label}: 'expect' must be true or false")
        also = c.get("also") or []
        if not isinstance(also, list) or any(a not in CHECK_IDS for a in also):
            raise BlindSetError(path, line, f"{label}: 'also' must be a list of check ids")
        turns = _turns(path, raw, c.get("turns"), off, label)
        out.append({"id": cid, "check": c["check"], "expect": c["expect"], "also": list(also),
                    "turns": [list(t) for t in turns]})
    return out


# --- graded CTRS transcripts ---------------------------------------------------------------------------------

def load_ctrs_doc(path: Path) -> dict:
    """One graded transcript in the shape clientsim.judge.ctrs.graded.load_graded returns."""
    from clientsim.judge.ctrs import ITEMS
    from clientsim.judge.ctrs.graded import graded_transcript

    path = Path(path)
    raw, doc = _read_json(path)
    _check_format(path, raw, doc, CTRS_FORMAT)
    intended = doc.get("intended")
    m = re.search(r'"intended"', raw)
    iline = _line(raw, m.start()) if m else 1
    if not isinstance(intended, dict):
        raise BlindSetError(path, iline, "'intended' must map each CTRS item to a score 0-6")
    for it in ITEMS:
        v = intended.get(it.key)
        if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= 6:
            raise BlindSetError(path, iline, f"intended score of {it.key!r} must be a whole number 0-6, got {v!r}")
    if not isinstance(doc.get("persona_id"), str):
        raise BlindSetError(path, 1, "missing 'persona_id'")
    turns = _turns(path, raw, doc.get("turns"), 0, "transcript")
    doc = {"id": str(doc.get("id") or path.stem), "persona_id": doc["persona_id"], "path": path,
           "intended": {it.key: intended[it.key] for it in ITEMS}, "turns": [list(t) for t in turns]}
    doc["transcript"] = graded_transcript(doc)
    return doc


def load_ctrs_docs(folder: Path | None = None) -> list[dict]:
    folder = Path(folder) if folder else BLIND_DIR / "ctrs"
    files = sorted(folder.glob("*.json"))
    if not files:
        raise UserError(f"no graded transcripts (*.json) in {folder}")
    return [load_ctrs_doc(p) for p in files]


# --- provenance ----------------------------------------------------------------------------------------------

def sha256_of(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def blind_files() -> list[Path]:
    """Every data file of the three sealed sets this judge is measured on (READMEs excluded)."""
    out = []
    for sub in ("mi-practice", "safety", "ctrs"):
        out += sorted((BLIND_DIR / sub).glob("*.json"))
    return out
