"""Filling a JSON schema from the words of a prompt, for ``ScriptedFakeChatModel``.

The values come from the user's message, each used once, in the order they appear:

- quoted strings (any script: ``"你好啊集团"``) and proper-noun phrases
  (``"Christopher Nolan"``) fill string fields;
- numbers fill number and integer fields, integer fields preferring integer-looking
  numbers and number fields decimals (``"the 2010 movie, rated 8.8"``);
- a field named like a word of the prompt takes the value that follows that word
  (``customer_name`` <- ``named "Acme"``, ``rating`` <- ``rated 8.8``), and place-like
  fields take the value after "in" / "at" (``location`` <- ``in Boston``);
- an enum takes the member the prompt mentions, else its default, else its first member;
- a field with a default keeps it unless a value is left for it.

A required field left without a value reuses the first value of its kind, so every
field is filled. Deterministic: the same text and schema always give the same value.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Hints", "fill_schema"]

_QUOTED = re.compile(
    r"\"([^\"\n]{1,200})\"|\u201c([^\u201d\n]{1,200})\u201d|\u300c([^\u300d\n]{1,200})\u300d"
    r"|(?<!\w)'([^'\n]{1,200})'(?!\w)"
)
_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w])")
# Words (any script; numbers included) and sentence ends.
_TOKEN = re.compile(r"\d+(?:\.\d+)?|[^\W_][\w'-]*|[.!?](?=\s|$)|\n")
_WORDS = re.compile(r"[^\W_]+")
_SPLIT_NAME = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
# Capitalised words that open a sentence without naming anything.
_STARTERS = frozenset(
    "A An And Answer Are But Call Calculate Can Compute Could Create Describe Do Does Extract "
    "Find For Get Give Hello Hey Hi How I If In Invent Is It Let List Look Make My Now Of On "
    "Or Please Reply Return Say Send Show So Tell That The Then There These This Use We What "
    "When Where Which Who Why Will Would Write You Your".split()
)
# Fields about places take the value after these words; about authors, after "by".
_PLACE_FIELDS = frozenset(
    "location city place town country region address destination where area".split()
)
_PLACE_CUES = frozenset({"in", "at", "near"})
_AUTHOR_FIELDS = frozenset(
    "director author writer artist creator composer painter singer band".split()
)
_MAX_GAP = 3  # words allowed between a field's cue word and its value
_ENDS = frozenset({".", "!", "?", "\n"})
_FORMATS = {
    "date": "2024-01-01",
    "date-time": "2024-01-01T00:00:00Z",
    "time": "12:00:00",
    "email": "user@example.com",
    "uri": "https://example.com",
    "url": "https://example.com",
    "uuid": "00000000-0000-4000-8000-000000000000",
}


def _stem(word: str) -> str:
    """A crude stem, so that "named" meets "name" and "rated" meets "rating"."""
    word = word.lower()
    for suffix in ("ings", "ing", "ed", "es", "s", "e"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


@dataclass
class _Hint:
    value: str | float
    start: int
    integer: bool = False  # a number written without a decimal point
    used: bool = False


@dataclass
class _Token:
    stem: str
    start: int
    end: int
    sentence: int


def _blank(text: str, start: int, end: int) -> str:
    return text[:start] + " " * (end - start) + text[end:]


def _without_json(text: str) -> str:
    """``text`` with JSON objects blanked (a schema written in the prompt is no hint)."""
    decoder = json.JSONDecoder()
    start = text.find("{")
    while start != -1:
        try:
            _, end = decoder.raw_decode(text, start)
        except ValueError:
            start = text.find("{", start + 1)
            continue
        text = _blank(text, start, end)
        start = text.find("{", end)
    return text


class Hints:
    """The values of a prompt, consumed in order while a schema is filled."""

    def __init__(self, text: str, exclude: Collection[str] = ()) -> None:
        self.text = text
        bare = _without_json(text)
        strings: list[_Hint] = []
        for match in _QUOTED.finditer(bare):
            value = next(g for g in match.groups() if g is not None)
            if value not in exclude:
                strings.append(_Hint(value, match.start()))
            bare = _blank(bare, match.start(), match.end())
        self.numbers = [
            _Hint(float(m.group()), m.start(), integer="." not in m.group())
            for m in _NUMBER.finditer(bare)
        ]
        self.tokens = _tokens(bare)
        strings += [h for h in _proper_nouns(bare) if h.value not in exclude]
        self.strings = sorted(strings, key=lambda h: h.start)
        words = _WORDS.findall(text.lower())
        self.fallback_word = words[-1] if words else "example"

    # --- values in order --------------------------------------------------------------

    def take_string(self, *, reuse: bool = True) -> str | None:
        """The next unused string; with ``reuse``, the first string when none is left."""
        for hint in self.strings:
            if not hint.used:
                hint.used = True
                return str(hint.value)
        if not reuse:
            return None
        return str(self.strings[0].value) if self.strings else self.fallback_word

    def take_number(self, *, integer: bool, reuse: bool = True) -> float | None:
        """The next unused number, preferring integer-looking ones for integer fields.

        Number fields prefer decimals. With ``reuse``, the first number (else 1) when
        none is left.
        """
        unused = [h for h in self.numbers if not h.used]
        preferred = [h for h in unused if h.integer == integer] or unused
        if preferred:
            preferred[0].used = True
            return float(preferred[0].value)
        if not reuse:
            return None
        return float(self.numbers[0].value) if self.numbers else 1.0

    # --- values named by a field ------------------------------------------------------

    def keyed(self, name: str, kind: str) -> list[tuple[int, _Hint]]:
        """Values of ``kind`` that follow a word naming field ``name``, with their distance.

        Each occurrence of a naming word gives the unused value right after it, when at
        most a few words (and no sentence end) lie between.
        """
        cues = _cues(name)
        pool = self.strings if kind == "string" else self.numbers
        found: list[tuple[int, _Hint]] = []
        for position, token in enumerate(self.tokens):
            if token.stem in cues:
                near = self._after(position, pool)
                if near is not None:
                    found.append(near)
        return found

    def _after(self, position: int, pool: list[_Hint]) -> tuple[int, _Hint] | None:
        cue = self.tokens[position]
        hint = next((h for h in pool if not h.used and h.start >= cue.end), None)
        if hint is None:
            return None
        gap = 0
        for token in self.tokens[position + 1 :]:
            if token.start >= hint.start:
                break
            gap += 1
            if token.stem in _ENDS or token.sentence != cue.sentence or gap > _MAX_GAP:
                return None  # too far, or in another sentence
        return gap, hint

    def mentioned(self, options: list[Any]) -> Any:
        """The option the text mentions first (whole words, any case), or None."""
        lowered = self.text.lower()
        best: tuple[int, Any] | None = None
        for option in options:
            if not isinstance(option, str) or not option:
                continue
            match = re.search(rf"(?<!\w){re.escape(option.lower())}(?!\w)", lowered)
            if match is not None and (best is None or match.start() < best[0]):
                best = (match.start(), option)
        if best is None:
            return None
        for hint in self.strings:
            if isinstance(hint.value, str) and hint.value.lower() == best[1].lower():
                hint.used = True
        return best[1]


def _tokens(bare: str) -> list[_Token]:
    tokens: list[_Token] = []
    sentence = 0
    for match in _TOKEN.finditer(bare):
        word = match.group()
        tokens.append(_Token(_stem(word), match.start(), match.end(), sentence))
        if word in _ENDS:
            sentence += 1
    return tokens


def _proper_nouns(bare: str) -> list[_Hint]:
    """Runs of capitalised words ("New York"); a sentence's first word only in a run."""
    found: list[_Hint] = []
    run: list[re.Match[str]] = []
    starts_sentence = True
    run_starts_sentence = False

    def close() -> None:
        words = [m.group() for m in run]
        if run_starts_sentence and len(words) == 1:
            words = []  # "Tell me ...": a capital that only opens the sentence
        while words and words[0] in _STARTERS:
            words = words[1:]
        if words:
            found.append(_Hint(" ".join(words), run[len(run) - len(words)].start()))
        run.clear()

    for match in _TOKEN.finditer(bare):
        word = match.group()
        if word in _ENDS:
            if run:
                close()
            starts_sentence = True
            continue
        capital = word[0].isupper() and word != "I"
        joined = bool(run) and bare[run[-1].end() : match.start()] == " "
        if run and not (capital and joined):
            close()
        if capital:
            if not run:
                run_starts_sentence = starts_sentence
            run.append(match)
        starts_sentence = False
    if run:
        close()
    return found


def _cues(name: str) -> frozenset[str]:
    """The stems of the words that name a field, and the words that introduce it."""
    words = [w.lower() for w in _SPLIT_NAME.findall(name)]
    cues = {_stem(w) for w in words if len(w) >= 2}
    if _PLACE_FIELDS.intersection(words):
        cues |= _PLACE_CUES
    if _AUTHOR_FIELDS.intersection(words):
        cues.add("by")
    return frozenset(cues)


def _resolve(schema: Mapping[str, Any], root: Mapping[str, Any]) -> Mapping[str, Any]:
    ref = schema.get("$ref")
    seen = 0
    while isinstance(ref, str) and ref.startswith("#/") and seen < 32:
        target: Any = root
        for part in ref[2:].split("/"):
            target = target.get(part, {}) if isinstance(target, Mapping) else {}
        schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
        ref = schema.get("$ref") if schema.get("$ref") != ref else None
        seen += 1
    return schema


def _concrete(schema: Mapping[str, Any], root: Mapping[str, Any]) -> Mapping[str, Any]:
    """The schema behind ``$ref`` and nullable ``anyOf``/``oneOf``/``allOf`` wrappers."""
    schema = _resolve(schema, root)
    for key in ("anyOf", "oneOf"):
        options = schema.get(key)
        if isinstance(options, list) and options:
            chosen = next(
                (o for o in options if _resolve(o, root).get("type") != "null"), options[0]
            )
            outer = {k: v for k, v in schema.items() if k != key}
            return _concrete({**_resolve(chosen, root), **outer}, root)
    parts = schema.get("allOf")
    if isinstance(parts, list) and parts:
        merged: dict[str, Any] = {}
        for part in parts:
            merged.update(_resolve(part, root))
        merged.update({k: v for k, v in schema.items() if k != "allOf"})
        return _concrete(merged, root)
    return schema


def _kind(schema: Mapping[str, Any]) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind is None:
        return "object" if "properties" in schema else "string"
    return str(kind)


def _clamp(value: float, schema: Mapping[str, Any]) -> float:
    low = schema.get("minimum", schema.get("exclusiveMinimum"))
    high = schema.get("maximum", schema.get("exclusiveMaximum"))
    if isinstance(low, (int, float)) and value < low:
        value = float(low) + (1 if "exclusiveMinimum" in schema else 0)
    if isinstance(high, (int, float)) and value > high:
        value = float(high) - (1 if "exclusiveMaximum" in schema else 0)
    return value


def fill_schema(
    schema: Mapping[str, Any],
    context: str,
    root: Mapping[str, Any] | None = None,
    depth: int = 0,
    *,
    exclude: Collection[str] = (),
) -> Any:
    """A value that satisfies a JSON schema, made from the values of ``context``.

    Handles objects (every property, required and optional), arrays, strings (with
    formats), numbers, integers, booleans, enums, consts, defaults,
    ``anyOf``/``oneOf``/``allOf``, nullable types and ``$ref``.

    Args:
        schema: The JSON schema to fill.
        context: The prompt whose values fill it (see the module docstring).
        root: The schema ``$ref`` paths point into (default: ``schema``).
        depth: Nesting depth already reached (objects deeper than 8 are left empty).
        exclude: Strings that are not values (e.g. the names of the tools).
    """
    return _Filler(Hints(context, exclude), root if root is not None else schema).fill(
        schema, depth
    )


class _Filler:
    def __init__(self, hints: Hints, root: Mapping[str, Any]) -> None:
        self.hints = hints
        self.root = root

    def fill(self, schema: Mapping[str, Any], depth: int, *, reuse: bool = True) -> Any:
        schema = _concrete(schema, self.root)
        if "const" in schema:
            return schema["const"]
        options = schema.get("enum")
        if isinstance(options, list) and options:
            chosen = self.hints.mentioned(options)
            if chosen is not None:
                return chosen
            default = schema.get("default")
            return default if default in options else options[0]
        kind = _kind(schema)
        if kind == "object":
            return self._object(schema, depth)
        if kind == "array":
            items = schema.get("items") or {}
            count = max(int(schema.get("minItems", 1)), 1)
            return [self.fill(items, depth + 1) for _ in range(count)]
        if kind in ("integer", "number"):
            taken = self.hints.take_number(integer=kind == "integer", reuse=reuse)
            if taken is None:
                return None
            value = _clamp(taken, schema)
            return int(value) if kind == "integer" else value
        if kind == "boolean":
            default = schema.get("default")
            return default if isinstance(default, bool) else True
        if kind == "null":
            return None
        return self._string(schema, reuse)

    def _string(self, schema: Mapping[str, Any], reuse: bool) -> str | None:
        fmt = schema.get("format")
        if isinstance(fmt, str) and fmt in _FORMATS:
            pattern = _EMAIL if fmt == "email" else _DATE if fmt == "date" else None
            found = pattern.search(self.hints.text) if pattern is not None else None
            return found.group() if found is not None else _FORMATS[fmt]
        value = self.hints.take_string(reuse=reuse)
        return None if value is None else _sized(value, schema)

    def _keyed(self, fields: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
        """Values the prompt gives by naming their field (``rated 8.8`` -> ``rating``).

        The closest pairs of naming word and value win, so ``the description "x" named
        "y"`` gives ``description="x"`` and ``name="y"`` whatever the field order.
        """
        candidates: list[tuple[int, int, str, _Hint]] = []
        for order, (name, sub) in enumerate(fields.items()):
            kind = _kind(sub)
            if _plain_scalar(sub, kind):
                pool = "string" if kind == "string" else "number"
                for gap, hint in self.hints.keyed(name, pool):
                    candidates.append((gap, order, name, hint))
        values: dict[str, Any] = {}
        for _, _, name, hint in sorted(candidates, key=lambda c: (c[0], c[1], c[3].start)):
            if name in values or hint.used:
                continue
            hint.used = True
            sub = fields[name]
            if isinstance(hint.value, str):
                values[name] = _sized(hint.value, sub)
            else:
                number = _clamp(float(hint.value), sub)
                values[name] = int(number) if _kind(sub) == "integer" else number
        return values

    def _object(self, schema: Mapping[str, Any], depth: int) -> Any:
        if depth > 8:
            return {}
        properties: Mapping[str, Any] = schema.get("properties") or {}
        if not properties:
            extra = schema.get("additionalProperties")
            return {"key": self.fill(extra, depth + 1)} if isinstance(extra, Mapping) else {}
        concrete = {name: _concrete(sub, self.root) for name, sub in properties.items()}
        # Values the prompt names first, then enums it mentions, then the rest in order:
        # fields without a default, then the ones with a default (kept if nothing is left).
        values: dict[str, Any] = self._keyed(concrete)
        for name, sub in concrete.items():
            if name not in values and isinstance(sub.get("enum"), list):
                values[name] = self.fill(sub, depth + 1)
        for name, sub in concrete.items():
            if name not in values and "default" not in sub:
                values[name] = self.fill(sub, depth + 1)
        for name, sub in concrete.items():
            if name not in values:
                value = self.fill(sub, depth + 1, reuse=False) if _plain_scalar(sub) else None
                values[name] = sub["default"] if value is None else value
        return {name: values[name] for name in properties}


def _plain_scalar(schema: Mapping[str, Any], kind: str | None = None) -> bool:
    """A string or number field free to take any value of the prompt."""
    if "const" in schema or "enum" in schema or "format" in schema:
        return False
    return (kind or _kind(schema)) in ("string", "number", "integer")


def _sized(value: str, schema: Mapping[str, Any]) -> str:
    minimum = schema.get("minLength")
    if isinstance(minimum, int) and len(value) < minimum:
        value = value.ljust(minimum, "x")
    maximum = schema.get("maxLength")
    return value[:maximum] if isinstance(maximum, int) else value
