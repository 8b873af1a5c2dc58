"""Reading the persona JSON Schema as form fields: what kind of editor each field gets.

The form (schema_form.py) is generated from ``personas/schema.json``, never
written field by field, so a field added to the schema appears in the editor
with its description as help.
"""

from __future__ import annotations

from dataclasses import dataclass

HIDDEN, TEXT, LONG_TEXT, INTEGER, NUMBER, CHOICE, CHOICES, LIST, GROUP = (
    "hidden", "text", "long_text", "integer", "number", "choice", "choices", "list", "group")
LONG_TEXT_FROM = 900  # a maxLength from which a field is a paragraph, not a line
SKIPPED = ("$schema",)  # kept as written, never shown

# How a field is called on screen when its JSON name would read badly.
LABELS = {"id": "Id (file name)", "mi": "MI profile", "cbt": "CBT conceptualization", "PHQ-9": "PHQ-9",
          "GAD-7": "GAD-7", "AUDIT-C": "AUDIT-C", "noise_w": "Noise width", "min_trust": "Trust needed",
          "self_report": "Self-report questionnaires", "trainee_brief": "Trainee brief",
          "client_state": "Client state", "holds_back": "Holds back", "move_lines": "Lines per move"}


def label(name: str) -> str:
    return LABELS.get(name) or name.replace("_", " ").capitalize()


@dataclass(frozen=True)
class Node:
    """One field of the schema, with ``$ref`` resolved (the field's own description wins)."""

    schema: dict  # the whole schema, for resolving
    spec: dict  # this field, resolved
    name: str = ""
    required: bool = False

    @property
    def description(self) -> str:
        return self.spec.get("description", "")

    @property
    def types(self) -> list:
        t = self.spec.get("type", [])
        return t if isinstance(t, list) else [t]

    @property
    def nullable(self) -> bool:
        return "null" in self.types

    @property
    def kind(self) -> str:
        s = self.spec
        if "const" in s:
            return HIDDEN
        if "enum" in s:
            return CHOICE
        if "object" in self.types:
            return GROUP
        if "array" in self.types:
            return CHOICES if "enum" in self.item().spec else LIST
        if "integer" in self.types:
            return INTEGER
        if "number" in self.types:
            return NUMBER
        return LONG_TEXT if s.get("maxLength", 0) >= LONG_TEXT_FROM else TEXT

    def item(self) -> "Node":
        return Node(self.schema, resolve(self.schema, self.spec.get("items") or {}), self.name)

    def children(self) -> list["Node"]:
        required = set(self.spec.get("required", ()))
        return [Node(self.schema, resolve(self.schema, sub), name, name in required)
                for name, sub in self.spec.get("properties", {}).items() if name not in SKIPPED]


def resolve(schema: dict, spec: dict) -> dict:
    if "$ref" not in spec:
        return spec
    target = schema.get("$defs", {}).get(spec["$ref"].rsplit("/", 1)[-1], {})
    return {**target, **{k: v for k, v in spec.items() if k != "$ref"}}


def root(schema: dict) -> Node:
    return Node(schema, schema, "", True)
