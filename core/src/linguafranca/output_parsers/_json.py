"""Finding and parsing the JSON in a model's reply, completely or partially (for streams)."""

from __future__ import annotations

import json
import re
from typing import Any, Final

from pydantic_core import from_json

__all__ = ["NOTHING", "extract_json_text", "parse_json_markdown", "parse_partial_json"]

NOTHING: Final = object()
"""Returned by :func:`parse_partial_json` when the text holds no JSON value yet."""

_FENCE = "```"
_TRAILING_NUMBER = re.compile(r"[:\[,]\s*(-?\d[\d.eE+-]*)$")


def extract_json_text(text: str) -> str:
    """Return the part of ``text`` that should hold JSON.

    That is the body of the first fenced block (```` ```json ... ``` ````, the closing fence
    optional so that a growing stream can be read), or else the whole text, stripped. An
    opening fence whose first line is not complete yet gives ``""``.
    """
    stripped = text.strip()
    # JSON first: a fence inside a JSON string value is not a Markdown fence.
    if stripped[:1] in ("{", "[") or (start := text.find(_FENCE)) == -1:
        return stripped
    after = start + len(_FENCE)
    newline = text.find("\n", after)
    info = text[after : newline if newline != -1 else len(text)].lstrip()
    if info[:1] in ("{", "["):  # ```{"a": 1}``` on one line
        body_start = after
    elif newline == -1:
        return ""
    else:
        body_start = newline + 1
    end = text.find(_FENCE, body_start)
    return text[body_start : end if end != -1 else len(text)].strip()


def _first_bracket(text: str) -> int:
    positions = [p for p in (text.find("{"), text.find("[")) if p != -1]
    return min(positions) if positions else -1


def parse_json_markdown(text: str) -> Any:
    """Parse the JSON value in a model's reply.

    The reply may wrap the JSON in a Markdown fence or put a sentence before it.

    Raises:
        ValueError: No complete JSON value was found.
    """
    candidate = extract_json_text(text)
    try:
        return from_json(candidate)
    except ValueError as first_error:
        start = _first_bracket(candidate)
        if start == -1:
            raise ValueError(f"no JSON value found ({first_error})") from None
        try:
            # raw_decode accepts text after the value, e.g. a closing remark.
            value, _ = json.JSONDecoder().raw_decode(candidate, start)
        except json.JSONDecodeError:
            raise ValueError(str(first_error)) from None
        return value


def parse_partial_json(text: str) -> Any:
    """Parse the JSON value that ``text`` begins, closing what is still open.

    Unterminated strings are kept (``'{"a": "hel'`` gives ``{"a": "hel"}``); a value that
    cannot be read yet is left out, and so is a number that ends the text (it may grow).

    Returns:
        The partial value, or :data:`NOTHING` when there is none yet.
    """
    candidate = extract_json_text(text)
    if not candidate:
        return NOTHING
    # A number at the very end may still grow ("20" -> "2010"): leave it out until it ends.
    number = _TRAILING_NUMBER.search(candidate)
    if number is not None:
        candidate = candidate[: number.start(1)]
    try:
        return from_json(candidate, allow_partial="trailing-strings")
    except ValueError:
        start = _first_bracket(candidate)
        if start <= 0:
            return NOTHING
        try:
            return from_json(candidate[start:], allow_partial="trailing-strings")
        except ValueError:
            return NOTHING
