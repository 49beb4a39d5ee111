"""A small parser for Google-style docstrings: the description and the ``Args:`` section."""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field

_ARGS_HEADERS = frozenset({"args", "arguments", "parameters", "params", "attributes"})
_SECTION = re.compile(r"^([A-Z][A-Za-z ]{1,30}):\s*$")
# "name: text", "name (type): text", "*args: text"
_ARG_LINE = re.compile(r"^\*{0,2}([A-Za-z_][A-Za-z0-9_]*)\s*(?:\([^)]*\))?\s*:\s*(.*)$")


@dataclass
class Docstring:
    """What a docstring says: a description and one description per documented argument."""

    description: str = ""
    args: dict[str, str] = field(default_factory=dict)


def _paragraphs(lines: list[str]) -> str:
    """Join lines into paragraphs: lines joined with spaces, paragraphs with a blank line."""
    paragraphs: list[str] = []
    current: list[str] = []
    for line in lines:
        if line.strip():
            current.append(line.strip())
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return "\n\n".join(paragraphs)


def parse_google_docstring(doc: str | None) -> Docstring:
    """Parse a Google-style docstring.

    The description is the text before the first section header (``Args:``, ``Returns:``,
    ...). Argument descriptions come from the ``Args:`` section (also ``Arguments:``,
    ``Parameters:``, ``Attributes:``); continuation lines are joined with spaces.

    Args:
        doc: The raw docstring (indentation does not matter) or None.

    Returns:
        The parsed docstring; empty when ``doc`` is None or empty.
    """
    if not doc:
        return Docstring()
    lines = inspect.cleandoc(doc).splitlines()
    description_lines: list[str] = []
    args: dict[str, str] = {}
    i = 0
    while i < len(lines) and not _SECTION.match(lines[i]):
        description_lines.append(lines[i])
        i += 1
    while i < len(lines):
        header = _SECTION.match(lines[i])
        i += 1
        start = i
        while i < len(lines) and not (_SECTION.match(lines[i]) and not lines[i][:1].isspace()):
            i += 1
        if header and header.group(1).strip().lower() in _ARGS_HEADERS:
            args.update(_parse_args(lines[start:i]))
    return Docstring(description=_paragraphs(description_lines), args=args)


def _parse_args(lines: list[str]) -> dict[str, str]:
    body = [line for line in lines if line.strip()]
    if not body:
        return {}
    indent = min(len(line) - len(line.lstrip()) for line in body)
    args: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in body:
        depth = len(line) - len(line.lstrip())
        match = _ARG_LINE.match(line.strip()) if depth == indent else None
        if match:
            current = args.setdefault(match.group(1), [])
            if match.group(2):
                current.append(match.group(2).strip())
        elif current is not None:
            current.append(line.strip())
    return {name: " ".join(parts) for name, parts in args.items()}
