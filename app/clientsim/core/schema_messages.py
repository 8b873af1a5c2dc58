"""JSON Schema errors in words the author of the file can act on.

Every validated file (personas, transcripts, packs) is checked against a
JSON Schema (2020-12) and each problem becomes (field, problem): the field as
a JSON path ("mi.stage_of_change", "turns[3].speaker") and what was expected,
taken from the schema's own "description" of that field.
"""

from __future__ import annotations

import json
from typing import Any, Iterable

from jsonschema import Draft202012Validator

TOP_LEVEL = "(top level)"


class SchemaMessages:
    """Checks data against `schema` and explains each problem as (field, problem)."""

    def __init__(self, schema: dict, doc: str = "the format's documentation") -> None:
        self.schema = schema
        self.doc = doc
        self.validator = Draft202012Validator(schema)

    def problems(self, data: Any) -> list[tuple[str, str]]:
        """Every (field, problem), in field order, without repeats; [] when `data` is valid."""
        found: list[tuple[str, str]] = []
        seen: set[tuple[str, str]] = set()
        ordered = sorted(self.validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
        for err in ordered:
            for item in self._explain(err):
                if item not in seen:
                    seen.add(item)
                    found.append(item)
        return found

    def _explain(self, err) -> Iterable[tuple[str, str]]:
        at = list(err.absolute_path)
        value = err.instance
        kind = err.validator
        if kind == "required":
            for name in err.validator_value:
                if isinstance(value, dict) and name not in value:
                    yield field_path(at + [name]), f"is missing; expected {self.expected(at + [name])}"
            return
        if kind == "additionalProperties":
            allowed = sorted(err.schema.get("properties", {}))
            for name in value:
                if name not in allowed:
                    yield field_path(at + [name]), (
                        "is not a known field (check the spelling); fields allowed here: " + ", ".join(allowed)
                    )
            return
        here = field_path(at)
        expected = self.expected(at)
        if kind == "type":
            yield here, f"expected {expected}, found {json_type(value)}"
        elif kind in ("enum", "const", "pattern", "format"):
            yield here, f"is {show(value)}; expected {expected}"
        elif kind == "minLength":
            if err.validator_value <= 1:
                yield here, f"is empty; expected {expected}"
            else:
                yield here, f"is too short; expected at least {err.validator_value} characters"
        elif kind == "maxLength":
            yield here, (
                f"is too long ({len(value)} characters, at most {err.validator_value}); "
                "use shorter, concrete sentences (a small model reads every word)"
            )
        elif kind == "minItems":
            yield here, f"has {len(value)} item(s); expected at least {err.validator_value}: {expected}"
        elif kind == "maxItems":
            yield here, f"has {len(value)} items; expected at most {err.validator_value}"
        elif kind == "uniqueItems":
            yield here, "has the same item twice; each item should be different"
        elif kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            yield here, f"is {show(value)}; expected {expected}"
        else:
            yield here, err.message

    def expected(self, parts: list) -> str:
        """The schema's description of the field at `parts`, for 'expected ...' messages."""
        node: dict | None = self.schema
        for part in parts:
            node = self._resolve(node)
            if node is None:
                break
            if isinstance(part, int):
                node = node.get("items")
            else:
                node = node.get("properties", {}).get(part)
        if isinstance(node, dict):
            if "description" in node:
                return node["description"]
            resolved = self._resolve(node)
            if resolved and "description" in resolved:
                return resolved["description"]
            if resolved and "type" in resolved:
                return f"a {resolved['type']}"
        return f"a valid value (see {self.doc})"

    def _resolve(self, node: dict | None) -> dict | None:
        if isinstance(node, dict) and "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            return self.schema.get("$defs", {}).get(name)
        return node


def field_path(parts: list) -> str:
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or TOP_LEVEL


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text {show(value)}"
    if isinstance(value, list):
        return "a list [...]"
    if isinstance(value, dict):
        return "an object {...}"
    return type(value).__name__


def show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + '..."'
