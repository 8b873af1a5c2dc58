"""The editors a schema field gets: a line, a paragraph, a number with its range, a choice,
a set of choices, a list, a group. Each shows its schema description as help and its
validation problem beside it.

Every field offers ``value()`` (the JSON value, or MISSING when the field is left
unset and its key is left out), ``set_value()``, ``changed``, ``child(part)`` (a
group's field by name, a list's row by index: how an error's JSON path finds its
field) and ``set_error()``.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from clientsim.ui.persona_editor import schema_nodes as sn

MISSING = object()  # a field left unset


def _muted(text: str, parent: QWidget, role: str = "fieldHelp") -> QLabel:
    lab = QLabel(text, parent)
    lab.setProperty("role", role)
    lab.setWordWrap(True)
    lab.setTextFormat(Qt.PlainText)
    return lab


class Field(QWidget):
    changed = Signal()

    def __init__(self, node: sn.Node, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.node = node
        self.error_label = _muted("", self, "fieldError")
        self.error_label.hide()

    @property
    def title(self) -> str:
        return sn.label(self.node.name)

    def value(self):
        raise NotImplementedError

    def set_value(self, value) -> None:
        raise NotImplementedError

    def child(self, part) -> "Field | None":
        return None

    def fields(self) -> list["Field"]:
        return []

    def set_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.setVisible(bool(text))
        help_label = getattr(self, "help_label", None)
        if help_label is not None and getattr(self, "show_help", True):
            help_label.setVisible(not text)  # the problem quotes the help ("expected ...")

    def error(self) -> str:
        return self.error_label.text() if self.error_label.isVisibleTo(self) else ""

    def clear_errors(self) -> None:
        self.set_error("")
        for f in self.fields():
            f.clear_errors()


class _NoWheelMixin:
    """A spin box or combo box in a long scrolling form changes only when it has focus."""

    def wheelEvent(self, event) -> None:  # noqa: N802 - Qt API
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()


class _Spin(_NoWheelMixin, QSpinBox):
    pass


class _DoubleSpin(_NoWheelMixin, QDoubleSpinBox):
    pass


class _Combo(_NoWheelMixin, QComboBox):
    pass


class ValueField(Field):
    """One value: title, the input, the help text and the problem, one under the other."""

    def __init__(self, node: sn.Node, parent: QWidget | None = None, show_title: bool = True,
                 accessible: str = "") -> None:
        super().__init__(node, parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 2, 0, 4)
        lay.setSpacing(3)
        self.title_label = QLabel(self.title + ("  *" if node.required else ""), self)
        self.title_label.setProperty("role", "fieldTitle")
        self.title_label.setToolTip("required" if node.required else "optional")
        self.title_label.setVisible(show_title)
        lay.addWidget(self.title_label)
        self.input = self._make_input()
        self.input.setAccessibleName(accessible or self.title)
        self.input.setAccessibleDescription(node.description)
        self.input.setToolTip(node.description)
        self.title_label.setBuddy(self.input)
        lay.addWidget(self.input)
        lay.addWidget(self.error_label)
        self.help_label = _muted(node.description, self)
        self.show_help = show_title and bool(node.description)
        self.help_label.setVisible(self.show_help)
        lay.addWidget(self.help_label)

    def _make_input(self) -> QWidget:
        kind, spec = self.node.kind, self.node.spec
        if kind == sn.LONG_TEXT:
            box = QPlainTextEdit(self)
            box.setTabChangesFocus(True)
            box.setFixedHeight(box.fontMetrics().lineSpacing() * 4 + 14)
            box.textChanged.connect(self.changed)
            return box
        if kind in (sn.INTEGER, sn.NUMBER):
            return self._make_number(kind, spec)
        if kind == sn.CHOICE:
            box = _Combo(self)
            box.setFocusPolicy(Qt.StrongFocus)
            box.addItem("— not chosen —", MISSING)
            for v in spec["enum"]:
                box.addItem(str(v), v)
            box.currentIndexChanged.connect(self.changed)
            return box
        if kind == sn.CHOICES:
            holder = QWidget(self)
            row = QHBoxLayout(holder)
            row.setContentsMargins(0, 0, 0, 0)
            self.checks = []
            for v in self.node.item().spec["enum"]:
                check = QCheckBox(str(v), holder)
                check.setProperty("choice", v)
                check.toggled.connect(self.changed)
                row.addWidget(check)
                self.checks.append(check)
            row.addStretch(1)
            return holder
        line = QLineEdit(self)
        line.textChanged.connect(self.changed)
        return line

    def _make_number(self, kind: str, spec: dict) -> QWidget:
        lo, hi = spec.get("minimum", 0), spec.get("maximum", 1000)
        if kind == sn.INTEGER:
            box, step = _Spin(self), 1
            box.setRange(int(lo) - 1, int(hi))
        else:
            box = _DoubleSpin(self)
            span = hi - lo
            step = 0.05 if span <= 2 else (0.5 if span <= 10 else 5)
            box.setDecimals(2 if span <= 2 else (1 if span <= 10 else 0))
            box.setSingleStep(step)
            box.setRange(lo - step, hi)
        box.setFocusPolicy(Qt.StrongFocus)
        box.setSpecialValueText("not set")  # shown at the minimum, one step below the allowed range
        box.setCorrectionMode(QAbstractSpinBox.CorrectToNearestValue)
        box.setMinimumWidth(box.fontMetrics().horizontalAdvance("not set") + 60)
        box.setMaximumWidth(max(220, box.minimumWidth()))
        box.setValue(box.minimum())
        box.valueChanged.connect(self.changed)
        return box

    def value(self):
        kind, w = self.node.kind, self.input
        if kind in (sn.TEXT, sn.LONG_TEXT):
            text = w.toPlainText() if kind == sn.LONG_TEXT else w.text()
            return text if text.strip() or self.node.required else MISSING
        if kind in (sn.INTEGER, sn.NUMBER):
            if w.value() <= w.minimum():
                return MISSING
            v = w.value()
            return int(round(v)) if kind == sn.INTEGER or float(v).is_integer() else round(float(v), w.decimals())
        if kind == sn.CHOICE:
            return w.currentData()
        chosen = [c.property("choice") for c in self.checks if c.isChecked()]
        return chosen if chosen or self.node.required else MISSING

    def set_value(self, value) -> None:
        kind, w = self.node.kind, self.input
        if kind in (sn.TEXT, sn.LONG_TEXT):
            text = value if isinstance(value, str) else ("" if value is MISSING or value is None else str(value))
            if kind == sn.LONG_TEXT:
                w.setPlainText(text)
            else:
                w.setText(text)
        elif kind in (sn.INTEGER, sn.NUMBER):
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            w.setValue(value if ok else w.minimum())
        elif kind == sn.CHOICE:
            i = w.findData(value) if value is not MISSING else 0
            w.setCurrentIndex(max(i, 0))
        else:
            chosen = value if isinstance(value, (list, tuple)) else []
            for c in self.checks:
                c.setChecked(c.property("choice") in chosen)


class ConstField(Field):
    """A field with one allowed value (the format): never shown, always written."""

    def __init__(self, node: sn.Node, parent: QWidget | None = None) -> None:
        super().__init__(node, parent)
        self.hide()

    def value(self):
        return self.node.spec["const"]

    def set_value(self, value) -> None:
        pass


class GroupField(Field):
    """An object: its fields in a titled box. An optional object has a tick to include it."""

    def __init__(self, node: sn.Node, parent: QWidget | None = None, boxed: bool = True, title: str = "") -> None:
        super().__init__(node, parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 4, 0, 6)
        self.optional = boxed and not node.required and not title
        self.box = QGroupBox((title or self.title) if boxed else "", self)
        self.box.setFlat(not boxed)
        if not boxed:
            self.box.setObjectName("formRoot")
        if self.optional:
            self.box.setCheckable(True)
            self.box.setChecked(False)
            self.box.toggled.connect(self._toggled)
        self.box.setAccessibleName(title or self.title)
        lay = QVBoxLayout(self.box)
        lay.setContentsMargins(6, 6, 6, 6) if boxed else lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(4)
        if boxed and node.description and not title:
            help_text = node.description + (" Tick to include it." if self.optional else "")
            self.help_label = _muted(help_text, self.box)
            lay.addWidget(self.help_label)
        lay.addWidget(self.error_label)
        self.children_by_name: dict[str, Field] = {}
        self.body = QWidget(self.box)
        body_lay = QVBoxLayout(self.body)
        body_lay.setContentsMargins(0, 0, 0, 0)
        body_lay.setSpacing(4)
        for sub in node.children():
            f = build_field(sub, self.body)
            f.changed.connect(self.changed)
            body_lay.addWidget(f)
            self.children_by_name[sub.name] = f
        lay.addWidget(self.body)
        self.body.setVisible(not self.optional)
        outer.addWidget(self.box)

    def _toggled(self, on: bool) -> None:
        self.body.setVisible(on)
        self.changed.emit()

    def included(self) -> bool:
        return not self.optional or self.box.isChecked()

    def value(self):
        if not self.included():
            return MISSING
        out = {}
        for name, f in self.children_by_name.items():
            v = f.value()
            if v is not MISSING:
                out[name] = v
        return out

    def set_value(self, value) -> None:
        data = value if isinstance(value, dict) else {}
        if self.optional:
            self.box.blockSignals(True)
            self.box.setChecked(isinstance(value, dict))
            self.body.setVisible(isinstance(value, dict))
            self.box.blockSignals(False)
        for name, f in self.children_by_name.items():
            f.set_value(data.get(name, MISSING))

    def child(self, part) -> Field | None:
        return self.children_by_name.get(part) if isinstance(part, str) else None

    def fields(self) -> list[Field]:
        return list(self.children_by_name.values())


class ListRow(Field):
    """One item of a list: its editor, a remove button, its problem."""

    removeRequested = Signal(object)

    def __init__(self, node: sn.Node, number: int, parent: QWidget | None = None) -> None:
        super().__init__(node, parent)
        item = node.item()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        row = QHBoxLayout()
        row.setSpacing(6)
        noun = _item_noun(node)
        if item.kind == sn.GROUP:
            self.editor = GroupField(item, self, title=f"{noun.capitalize()} {number}")
        else:
            self.editor = ValueField(item, self, show_title=False, accessible=f"{self.title}, {noun} {number}")
        self.editor.changed.connect(self.changed)
        row.addWidget(self.editor, 1)
        self.remove_button = QPushButton("Remove", self)
        self.remove_button.setAccessibleName(f"Remove {noun} {number} of {self.title}")
        self.remove_button.clicked.connect(lambda: self.removeRequested.emit(self))
        row.addWidget(self.remove_button, 0, Qt.AlignTop)
        lay.addLayout(row)
        lay.addWidget(self.error_label)

    def value(self):
        v = self.editor.value()
        return {} if v is MISSING and isinstance(self.editor, GroupField) else ("" if v is MISSING else v)

    def set_value(self, value) -> None:
        self.editor.set_value(value)

    def child(self, part) -> Field | None:
        return self.editor.child(part)

    def fields(self) -> list[Field]:
        return [self.editor]


def _item_noun(node: sn.Node) -> str:
    return {"situations": "situation", "holds_back": "fact"}.get(node.name, "item")


class ListField(Field):
    """A list: one row per item, each removable, and a button to add one."""

    def __init__(self, node: sn.Node, parent: QWidget | None = None) -> None:
        super().__init__(node, parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 2, 0, 6)
        lay.setSpacing(3)
        self.title_label = QLabel(self.title + ("  *" if node.required else ""), self)
        self.title_label.setProperty("role", "fieldTitle")
        lay.addWidget(self.title_label)
        self.rows_box = QVBoxLayout()
        self.rows_box.setSpacing(4)
        lay.addLayout(self.rows_box)
        self.rows: list[ListRow] = []
        add_row = QHBoxLayout()
        self.add_button = QPushButton(f"Add {_item_noun(node)}", self)
        self.add_button.setAccessibleName(f"Add to {self.title}")
        self.add_button.clicked.connect(self._add_clicked)
        add_row.addWidget(self.add_button)
        add_row.addStretch(1)
        lay.addLayout(add_row)
        lay.addWidget(self.error_label)
        self.help_label = _muted(node.description, self)
        lay.addWidget(self.help_label)

    def _add_clicked(self) -> None:
        row = self.add_row()
        focus = row.editor.input if isinstance(row.editor, ValueField) else row.editor
        focus.setFocus(Qt.OtherFocusReason)
        self.changed.emit()

    def add_row(self, value=MISSING) -> ListRow:
        row = ListRow(self.node, len(self.rows) + 1, self)
        row.set_value(value)
        row.changed.connect(self.changed)
        row.removeRequested.connect(self._remove)
        self.rows_box.addWidget(row)
        self.rows.append(row)
        return row

    def _remove(self, row: ListRow) -> None:
        values = [r.value() for r in self.rows if r is not row]
        self.set_value(values)  # renumbered
        self.changed.emit()

    def value(self):
        values = [r.value() for r in self.rows]
        return values if values or self.node.required else MISSING

    def set_value(self, value) -> None:
        for r in self.rows:
            r.setParent(None)
            r.deleteLater()
        self.rows = []
        for v in value if isinstance(value, (list, tuple)) else []:
            self.add_row(v)

    def child(self, part) -> Field | None:
        return self.rows[part] if isinstance(part, int) and 0 <= part < len(self.rows) else None

    def fields(self) -> list[Field]:
        return list(self.rows)


def build_field(node: sn.Node, parent: QWidget | None = None) -> Field:
    kind = node.kind
    if kind == sn.HIDDEN:
        return ConstField(node, parent)
    if kind == sn.GROUP:
        return GroupField(node, parent)
    if kind == sn.LIST:
        return ListField(node, parent)
    return ValueField(node, parent)
