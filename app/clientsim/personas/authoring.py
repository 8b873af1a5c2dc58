"""Writing a persona: new, edit or duplicate, check, save as a draft or for use.

``PersonaEdit`` is the Qt-free core of the persona editor (ui/persona_editor/):
it holds the persona as a JSON dict while it is written, checks it with the
real validator (loader.check_persona) plus the one rule only a library knows
(the id must not clash with another client), and saves it:

- "Save and use" writes ``<user personas>/<id>.json`` only when the persona
  is valid, then reads it back with the real loader;
- "Save draft" (and the autosave) writes the draft file (personas/drafts.py),
  valid or not; the library never loads drafts as clients.

Bundled, lab and pack personas are never written: editing one works on a copy
with a new id (``<id>-copy``), saved in the user's folder.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from clientsim import paths
from clientsim.core import safe_json
from clientsim.core.errors import PersonaError
from clientsim.core.files import atomic_write_text
from clientsim.personas import drafts
from clientsim.personas.loader import FORMAT, MAX_PERSONA_BYTES, PersonaLibrary, check_persona, load_persona
from clientsim.personas.model import (
    ClientStateStart,
    Identity,
    Persona,
    Risk,
    Style,
    TraineeBrief,
)
from clientsim.personas.sources import NEW, USER, PersonaSource, source_of

ID_MAX = 60
_SLUG_BAD = re.compile(r"[^a-z0-9]+")


def blank_persona() -> dict:
    """Where a new persona starts: only the fixed format and the simplest choices made."""
    return {"format": FORMAT, "modality": ["MI"], "difficulty": "beginner", "identity": {},
            "style": {"conversational_style": "plain"}, "risk": {"level": "none"}, "trainee_brief": {}}


def slug(text: str) -> str:
    return _SLUG_BAD.sub("-", text.lower()).strip("-")[:ID_MAX].strip("-")


def free_id(base: str, taken: set[str]) -> str:
    """``base-copy``, ``base-copy-2``, ... : the first id not taken, within the id's length limit."""
    stem = (slug(base) or "client")[: ID_MAX - 8].strip("-")
    candidate = f"{stem}-copy"
    n = 2
    while candidate in taken or paths.user_personas_dir().joinpath(f"{candidate}.json").exists():
        candidate = f"{stem}-copy-{n}"
        n += 1
    return candidate


@dataclass
class Problem:
    field: str  # a JSON path: "mi.stage_of_change", "cbt.situations[1].emotion", "(top level)"
    text: str


@dataclass
class PersonaEdit:
    """One persona being written. ``data`` is the JSON dict the form edits."""

    data: dict
    source: PersonaSource = field(default_factory=lambda: PersonaSource(NEW))
    origin_id: str | None = None  # the persona edited or copied
    draft_key: str = field(default_factory=drafts.new_key)
    draft_saved: bool = False  # the author pressed "Save draft" at least once (a draft file to go back to)
    baseline: dict = field(default_factory=dict)  # the data as last saved on purpose (or as opened)
    saved_path: Path | None = None
    _draft_as_saved: str | None = None  # the draft file's text at the last "Save draft"

    def __post_init__(self) -> None:
        if not self.baseline:
            self.baseline = copy.deepcopy(self.data)

    # ---- opening ---------------------------------------------------------------
    @classmethod
    def new(cls) -> "PersonaEdit":
        return cls(blank_persona())

    @classmethod
    def of(cls, persona: Persona, library: PersonaLibrary, duplicate: bool = False) -> "PersonaEdit":
        """Edit ``persona``: in place if it is the user's own, else (or to duplicate) as a copy with a new id."""
        source = source_of(persona.source_path)
        data = persona.to_dict()
        if persona.source_path is not None:
            try:  # the file as its author wrote it (to_dict() would add every default)
                raw = safe_json.read_json(persona.source_path, max_bytes=MAX_PERSONA_BYTES)
                data = raw if isinstance(raw, dict) else data
            except Exception:  # noqa: BLE001 - the loaded persona is as good a start
                pass
        data.setdefault("format", FORMAT)
        edit = cls(data, source=source, origin_id=persona.id)
        if duplicate or not source.writable:
            edit.data["id"] = free_id(persona.id, set(library.ids()))
            edit.baseline = copy.deepcopy(edit.data)  # an untouched copy is nothing to lose
        return edit

    @classmethod
    def from_draft(cls, draft: drafts.PersonaDraft) -> "PersonaEdit":
        source = PersonaSource(draft.origin_kind, draft.origin_pack)
        edit = cls(draft.persona, source=source, origin_id=draft.origin_id, draft_key=draft.key, draft_saved=True)
        try:
            edit._draft_as_saved = draft.path.read_text(encoding="utf-8")
        except OSError:
            edit._draft_as_saved = None
        return edit

    # ---- state -----------------------------------------------------------------
    @property
    def in_place(self) -> bool:
        """Saving replaces the user's own file of the persona being edited."""
        return self.source.kind == USER and self.origin_id is not None

    @property
    def is_copy(self) -> bool:
        return self.origin_id is not None and not self.in_place

    @property
    def dirty(self) -> bool:
        return _canonical(self.data) != _canonical(self.baseline)

    def persona_id(self) -> str:
        pid = self.data.get("id")
        return pid if isinstance(pid, str) else ""

    # ---- checking --------------------------------------------------------------
    def problems(self, library: PersonaLibrary) -> list[Problem]:
        found = [Problem(e.field, e.problem) for e in check_persona(self.data)]
        pid = self.persona_id()
        other = library.personas.get(pid)
        if pid and other is not None and not (self.in_place and pid == self.origin_id):
            theirs = source_of(other.source_path)
            if theirs.kind == USER:
                text = (f"is '{pid}', the id of your client {other.name}; choose another id "
                        "(saving would replace that client)")
            else:
                text = (f"is '{pid}', the id of {theirs.words()} ({other.name}), which is never changed; "
                        "choose another id, e.g. " + free_id(pid, set(library.ids())))
            found.insert(0, Problem("id", text))
        return found

    # ---- saving ----------------------------------------------------------------
    def save_draft(self, autosave: bool = False) -> Path:
        """Write the draft file (valid or not). OSError reaches the caller; the data stays in memory."""
        draft = drafts.PersonaDraft(self.draft_key, copy.deepcopy(self.data), self.origin_id, self.source.kind,
                                    self.source.pack_id)
        path = drafts.write_draft(draft)
        if not autosave:
            self.draft_saved = True
            self._draft_as_saved = path.read_text(encoding="utf-8")
            self.baseline = copy.deepcopy(self.data)
        return path

    def save_and_use(self, library: PersonaLibrary) -> Persona:
        """Write ``<user personas>/<id>.json`` and read it back with the real loader.

        Raises PersonaError for the first problem when the persona is not valid
        (nothing is written), OSError when the file cannot be written.
        """
        problems = self.problems(library)
        if problems:
            first = problems[0]
            raise PersonaError("(persona)", first.field, first.text)
        target = paths.user_personas_dir() / f"{self.persona_id()}.json"
        text = json.dumps(self.data, ensure_ascii=False, indent=2) + "\n"
        atomic_write_text(target, text)
        persona = load_persona(target)  # the loader the library uses: what is saved is what is used
        if self.in_place and self.origin_id and self.origin_id != persona.id:
            (paths.user_personas_dir() / f"{self.origin_id}.json").unlink(missing_ok=True)  # renamed
        drafts.delete_draft(self.draft_key)
        self.saved_path = target
        self.source, self.origin_id = source_of(target), persona.id
        self.draft_saved, self._draft_as_saved = False, None
        self.baseline = copy.deepcopy(self.data)
        return persona

    def discard(self) -> None:
        """Forget unsaved changes: the draft file goes back to the last "Save draft", or away."""
        if self.draft_saved and self._draft_as_saved is not None:
            atomic_write_text(drafts.draft_path(self.draft_key), self._draft_as_saved)
        else:
            drafts.delete_draft(self.draft_key)
        self.data = copy.deepcopy(self.baseline)

    # ---- preview ---------------------------------------------------------------
    def preview(self) -> Persona:
        return preview_persona(self.data)


def _canonical(data: dict) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)


def preview_persona(d: dict) -> Persona:
    """A Persona for the trainee-brief preview, from a persona however unfinished (gaps left blank)."""

    def text(value) -> str:
        return value if isinstance(value, str) else ""

    def block(name: str) -> dict:
        value = d.get(name)
        return value if isinstance(value, dict) else {}

    def strings(value) -> tuple[str, ...]:
        return tuple(v for v in value if isinstance(v, str) and v.strip()) if isinstance(value, list) else ()

    ident, style, brief = block("identity"), block("style"), block("trainee_brief")
    age = ident.get("age")
    return Persona(
        id=text(d.get("id")), name=text(d.get("name")).strip() or "Unnamed client",
        modality=strings(d.get("modality")), difficulty=text(d.get("difficulty")),
        identity=Identity(age=age if isinstance(age, int) and not isinstance(age, bool) else "",
                          **{k: text(ident.get(k)) for k in ("gender", "pronouns", "occupation")}),
        presenting_problem=text(d.get("presenting_problem")), history=text(d.get("history")), cbt=None, mi=None,
        style=Style(conversational_style=text(style.get("conversational_style"))), risk=Risk(),
        sample_lines=strings(d.get("sample_lines")), opening_statement=text(d.get("opening_statement")),
        trainee_brief=TraineeBrief(referral_note=text(brief.get("referral_note")),
                                   learning_objectives=strings(brief.get("learning_objectives"))),
        instructor_notes="", tags=strings(d.get("tags")), client_state=ClientStateStart())
