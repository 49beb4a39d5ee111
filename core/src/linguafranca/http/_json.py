"""JSON encoding and decoding for request and response bodies.

``pydantic_core`` (already a dependency through pydantic) is 2-6x faster than the
standard library on chat-sized payloads and gives byte-identical values; the
standard library is the fallback for the rare inputs it refuses.
"""

from __future__ import annotations

import json
import math
from typing import Any

from pydantic_core import from_json, to_json

from linguafranca.errors import ConfigurationError

__all__ = ["dumps", "loads"]


def dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON for a request body.

    Raises:
        ConfigurationError: The value holds NaN or Infinity (not valid JSON) or an
            object that has no JSON form.
    """
    try:
        data = to_json(value)
    except ValueError as exc:
        raise ConfigurationError(
            f"The request body cannot be encoded as JSON: {exc}. Pass only str, int, float, "
            "bool, None, lists and dicts (or pydantic models)."
        ) from exc
    # to_json writes NaN / Infinity literals that providers reject; check only when the
    # bytes contain them, which is rare.
    if (b"NaN" in data or b"Infinity" in data) and _has_non_finite(value):
        raise ConfigurationError(
            "The request body contains NaN or Infinity, which JSON cannot carry: "
            "check the float arguments (temperature, top_p, ...)."
        )
    return data


def loads(data: bytes | str) -> Any:
    """Parse a JSON document (response body, SSE data or NDJSON line).

    Raises:
        ValueError: The text is not valid JSON.
    """
    try:
        return from_json(data)
    except ValueError:
        # The standard library accepts a few things pydantic_core refuses (lone UTF-16
        # surrogate escapes); it raises its own ValueError for truly invalid JSON.
        return json.loads(data)


def _has_non_finite(value: Any) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, dict):
        return any(_has_non_finite(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_has_non_finite(v) for v in value)
    return False
