"""The persona form, generated from personas/schema.json, with each problem beside its field.

Problems come from the real validator as (field path, problem), e.g.
("cbt.situations[1].emotion", "is empty; expected ..."). ``show_problems``
walks the path through the form (a group's field by name, a list's row by
index) and shows the problem on the deepest field it reaches: a problem about
a field the form has no row for yet (``mi`` when the MI profile is not ticked)
lands on the nearest group that has it.
"""

from __future__ import annotations

import re

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from clientsim.personas.loader import schema
from clientsim.ui.persona_editor import schema_nodes as sn
from clientsim.ui.persona_editor.fields import MISSING, Field, GroupField, ListRow

_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def path_parts(path: str) -> list:
    """'cbt.situations[1].emotion' -> ['cbt', 'situations', 1, 'emotion']; '(top level)' -> []."""
    if path.startswith("("):
        return []
    return [int(m.group(2)) if m.group(2) is not None else m.group(1) for m in _PART.finditer(path)]


def problem_sentence(field: Field, parts: list, reached: int, problem: str) -> str:
    """'Name is empty; expected ...', or, for a field the form shows further up, the path first."""
    rest = parts[reached:]
    if rest:
        return f"{'.'.join(str(p) for p in rest)} {problem}"
    if isinstance(field, ListRow):
        return f"Item {field.parent().rows.index(field) + 1} {problem}" if hasattr(field.parent(), "rows") \
            else problem
    return f"{sn.label(field.node.name) if field.node.name else 'The persona'} {problem}"


def is_gap(problem: str) -> bool:
    """A field not filled in yet, as opposed to one filled in wrongly."""
    return problem.startswith(("is missing", "is empty", "has 0 item(s)", 'is ""'))


class SchemaForm(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.node = sn.root(schema())
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.root = GroupField(self.node, self, boxed=False)
        self.root.changed.connect(self.changed)
        lay.addWidget(self.root)
        lay.addStretch(1)
        self._extra: dict = {}

    def value(self) -> dict:
        data = self.root.value()
        return {**self._extra, **(data if data is not MISSING else {})}

    def set_value(self, data: dict) -> None:
        self._extra = {k: data[k] for k in sn.SKIPPED if k in data}  # "$schema" is kept as written
        self.blockSignals(True)
        try:
            self.root.set_value(data)
        finally:
            self.blockSignals(False)

    def locate(self, path: str) -> tuple[Field, int]:
        """The deepest field on ``path`` and how many parts of the path it took to reach it."""
        parts = path_parts(path)
        field: Field = self.root
        reached = 0
        for part in parts:
            nxt = field.child(part)
            if nxt is None:
                break
            field, reached = nxt, reached + 1
        return field, reached

    def show_problems(self, problems, reveal_gaps: bool = True) -> list[tuple[Field, str]]:
        """Clear old problems and show each new one beside its field; returns where each went.

        ``reveal_gaps`` False: a field that is only still empty is not marked (a new persona would
        otherwise open all in red); every other problem is shown at once.
        """
        self.root.clear_errors()
        shown: dict[int, tuple[Field, list[str]]] = {}
        for p in problems:
            if not reveal_gaps and is_gap(p.text):
                continue
            parts = path_parts(p.field)
            field, reached = self.locate(p.field)
            text = problem_sentence(field, parts, reached, p.text)
            shown.setdefault(id(field), (field, []))[1].append(text)
        placed = []
        for field, texts in shown.values():
            field.set_error("\n".join(texts))
            placed += [(field, t) for t in texts]
        return placed
