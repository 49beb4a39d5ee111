"""JSON-schema helpers: deterministic instance generation and a small validator.

Only the subset that chat APIs use for tools and structured output is supported: ``type``
(also Gemini's upper-case OpenAPI names and ``nullable``), ``properties``, ``required``,
``items``, ``enum``, ``const``, ``default``, ``anyOf`` / ``oneOf`` / ``allOf``, ``$ref`` into
``$defs`` / ``definitions``, ``minimum`` / ``maximum``, ``minItems``, ``minLength``, ``format``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Hints", "Problem", "generate", "json_type", "validate"]

_STRING_FORMATS = {
    "date-time": "2024-01-01T00:00:00Z",
    "date": "2024-01-01",
    "time": "12:00:00",
    "email": "user@example.com",
    "uri": "https://example.com",
    "url": "https://example.com",
    "uuid": "00000000-0000-4000-8000-000000000000",
}
_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w])")
_QUOTED = re.compile(r"\"([^\"\n]{1,200})\"|(?<!\w)'([^'\n]{1,200})'(?!\w)")
_SENTENCE = re.compile(r"[^.!?\n]+")
# Capitalised words that open a sentence without naming anything.
_STARTERS = frozenset(
    "A An And Answer Are But Call Calculate Can Compute Could Describe Do Does Extract Find "
    "For Get Give Hello Hey Hi How I If In Invent Is It Let List Make My Now Of On Or Please "
    "Reply Return Say Show So Tell That The Then There These This Use We What When Where "
    "Which Who Why Will Would Write You Your".split()
)
_PROPER = re.compile(r"\b[A-Z][a-z]+(?:[ -][A-Z][a-z]+)*\b")


@dataclass
class Hints:
    """Values taken from the prompt, consumed in order while filling a schema.

    Numbers and quoted strings in the user's message become argument values, so a prompt
    such as ``What is magic_function(3)?`` yields ``{"input": 3}``.
    """

    numbers: list[float] = field(default_factory=list)
    strings: list[str] = field(default_factory=list)

    @classmethod
    def from_text(cls, text: str) -> Hints:
        """Collect the numbers, quoted strings and proper nouns of ``text``, in order."""
        found: list[tuple[int, str]] = [
            (m.start(), m.group(1) or m.group(2)) for m in _QUOTED.finditer(text)
        ]
        bare = _QUOTED.sub(lambda m: " " * len(m.group(0)), text)
        for sentence in _SENTENCE.finditer(bare):
            for match in _PROPER.finditer(sentence.group(0)):
                words = match.group(0).split(" ")
                if words[0] in _STARTERS:  # "What", "Use", ... say nothing
                    words = words[1:]
                if words:
                    found.append((sentence.start() + match.end(), " ".join(words)))
        strings = [value for _, value in sorted(found, key=lambda item: item[0])]
        return cls(numbers=[float(n) for n in _NUMBER.findall(bare)], strings=strings)

    def take_number(self, integer: bool) -> float | None:
        for i, value in enumerate(self.numbers):
            if not integer or value == int(value):
                return self.numbers.pop(i)
        return None

    def take_string(self) -> str | None:
        return self.strings.pop(0) if self.strings else None


def _resolve(schema: Mapping[str, Any], root: Mapping[str, Any]) -> Mapping[str, Any]:
    seen = 0
    while "$ref" in schema and seen < 32:
        ref = str(schema["$ref"])
        node: Any = root
        for part in ref.lstrip("#/").split("/") if ref != "#" else []:
            node = node.get(part, {}) if isinstance(node, Mapping) else {}
        extra = {k: v for k, v in schema.items() if k != "$ref"}
        schema = {**node, **extra} if isinstance(node, Mapping) else extra
        seen += 1
    return schema


def _types(schema: Mapping[str, Any]) -> list[str]:
    raw = schema.get("type")
    if raw is None:
        if "properties" in schema:
            return ["object"]
        if "items" in schema:
            return ["array"]
        return []
    names = raw if isinstance(raw, list) else [raw]
    return [str(n).lower() for n in names]


def generate(
    schema: Mapping[str, Any],
    hints: Hints | None = None,
    *,
    name: str = "value",
    root: Mapping[str, Any] | None = None,
) -> Any:
    """Return a deterministic instance of ``schema``, filled from ``hints`` where they fit."""
    hints = hints if hints is not None else Hints()
    root = schema if root is None else root
    schema = _resolve(schema, root)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf"):
        options = schema.get(key)
        if isinstance(options, list) and options:
            chosen = next((o for o in options if "null" not in _types(_resolve(o, root))), None)
            return generate(chosen or options[0], hints, name=name, root=root)
    if isinstance(schema.get("allOf"), list):
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            merged.update(_resolve(part, root))
        return generate(merged, hints, name=name, root=root)
    types = [t for t in _types(schema) if t != "null"] or ["string"]
    kind = types[0]
    if kind == "object":
        properties = schema.get("properties") or {}
        return {key: generate(sub, hints, name=key, root=root) for key, sub in properties.items()}
    if kind == "array":
        items = schema.get("items") or {}
        count = max(1, int(schema.get("minItems", 1)))
        return [generate(items, hints, name=name, root=root) for _ in range(count)]
    if kind in ("integer", "number"):
        return _number(schema, hints, integer=kind == "integer")
    if kind == "boolean":
        return True
    return _string(schema, hints, name)


def _number(schema: Mapping[str, Any], hints: Hints, *, integer: bool) -> float | int:
    taken = hints.take_number(integer)
    value: float = taken if taken is not None else (3 if integer else 1.5)
    if "minimum" in schema:
        value = max(value, float(schema["minimum"]))
    if "maximum" in schema:
        value = min(value, float(schema["maximum"]))
    if integer or (taken is not None and value == int(value)):
        return int(value)
    return value


def _string(schema: Mapping[str, Any], hints: Hints, name: str) -> str:
    fmt = schema.get("format")
    if isinstance(fmt, str) and fmt in _STRING_FORMATS:
        return _STRING_FORMATS[fmt]
    text = hints.take_string() or f"example {name.replace('_', ' ')}"
    min_length = int(schema.get("minLength", 0))
    if len(text) < min_length:
        text = text + "x" * (min_length - len(text))
    max_length = schema.get("maxLength")
    return text[: int(max_length)] if max_length is not None else text


@dataclass(frozen=True)
class Problem:
    """One way a request body breaks its schema.

    Attributes:
        path: Where, e.g. ``messages[0].role``.
        code: ``missing``, ``type``, ``enum``, ``minimum``, ``maximum`` or ``min_items``.
        expected: What the schema wants (a type name, the allowed values, a bound).
        actual: The offending value (``None`` for a missing field).
        kind: The schema's type at ``path`` (e.g. ``number`` for a bound on a decimal).
    """

    path: str
    code: str
    expected: Any = None
    actual: Any = None
    kind: str = ""


def validate(
    instance: Any,
    schema: Mapping[str, Any],
    *,
    path: str = "",
    root: Mapping[str, Any] | None = None,
) -> list[Problem]:
    """Check ``instance`` against ``schema``; return the problems found (empty if valid)."""
    root = schema if root is None else root
    schema = _resolve(schema, root)
    if schema.get("nullable") and instance is None:
        return []
    if "enum" in schema and instance not in schema["enum"]:
        return [Problem(path, "enum", list(schema["enum"]), instance)]
    if "const" in schema and instance != schema["const"]:
        return [Problem(path, "enum", [schema["const"]], instance)]
    for key in ("anyOf", "oneOf"):
        options = schema.get(key)
        if isinstance(options, list) and options:
            results = [validate(instance, o, path=path, root=root) for o in options]
            if all(results):
                return min(results, key=len)
    types = _types(schema)
    if types and not any(_is_type(instance, t) for t in types):
        return [Problem(path, "type", " or ".join(types), instance)]
    problems: list[Problem] = []
    if isinstance(instance, bool):
        return problems
    if isinstance(instance, (int, float)):
        number_kind = "integer" if "integer" in types else "number"
        if "minimum" in schema and instance < schema["minimum"]:
            problems.append(Problem(path, "minimum", schema["minimum"], instance, number_kind))
        if "maximum" in schema and instance > schema["maximum"]:
            problems.append(Problem(path, "maximum", schema["maximum"], instance, number_kind))
    elif isinstance(instance, dict):
        for key in schema.get("required") or []:
            if key not in instance:
                problems.append(Problem(_join(path, key), "missing"))
        properties = schema.get("properties") or {}
        for key, value in instance.items():
            if key in properties:
                problems.extend(validate(value, properties[key], path=_join(path, key), root=root))
    elif isinstance(instance, list):
        if len(instance) < int(schema.get("minItems", 0)):
            problems.append(Problem(path, "min_items", schema["minItems"], instance))
        if isinstance(schema.get("items"), Mapping):
            for i, item in enumerate(instance):
                problems.extend(validate(item, schema["items"], path=f"{path}[{i}]", root=root))
    return problems


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _is_type(value: Any, kind: str) -> bool:
    if kind == "null":
        return value is None
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "string":
        return isinstance(value, str)
    if kind == "array":
        return isinstance(value, list)
    if kind == "object":
        return isinstance(value, dict)
    return True


def json_type(value: Any) -> str:
    for kind in ("null", "boolean", "integer", "number", "string", "array", "object"):
        if _is_type(value, kind):
            return kind
    return type(value).__name__
