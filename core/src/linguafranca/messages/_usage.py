"""Token usage reported by a model, and its arithmetic."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, cast

from typing_extensions import NotRequired, TypedDict


class InputTokenDetails(TypedDict, total=False):
    """Breakdown of input tokens; providers may add their own keys.

    Example:
        >>> InputTokenDetails(cache_read=100)
        {'cache_read': 100}
    """

    audio: int
    cache_creation: int
    cache_read: int


class OutputTokenDetails(TypedDict, total=False):
    """Breakdown of output tokens; providers may add their own keys.

    Example:
        >>> OutputTokenDetails(reasoning=12)
        {'reasoning': 12}
    """

    audio: int
    reasoning: int


class UsageMetadata(TypedDict):
    """Token counts of one model call, in the same shape for every provider.

    Example:
        >>> UsageMetadata(input_tokens=8, output_tokens=10, total_tokens=18)
        {'input_tokens': 8, 'output_tokens': 10, 'total_tokens': 18}
    """

    input_tokens: int
    output_tokens: int
    total_tokens: int
    input_token_details: NotRequired[InputTokenDetails]
    output_token_details: NotRequired[OutputTokenDetails]


def _combine(
    left: Mapping[str, Any], right: Mapping[str, Any], op: Callable[[int, int], int]
) -> dict[str, Any]:
    """Apply ``op`` to the int leaves of two nested dicts, over the union of their keys."""
    out: dict[str, Any] = {}
    for key in left.keys() | right.keys():
        lv = left.get(key)
        rv = right.get(key)
        if isinstance(lv, Mapping) or isinstance(rv, Mapping):
            out[key] = _combine(lv or {}, rv or {}, op)
        elif lv is None and rv is None:
            out[key] = None
        else:
            out[key] = op(lv or 0, rv or 0)
    # Keep the canonical key order of the left operand, then new keys, for stable reprs.
    order = [*left, *(k for k in right if k not in left)]
    return {k: out[k] for k in order}


def add_usage(left: UsageMetadata | None, right: UsageMetadata | None) -> UsageMetadata:
    """Add two usages, including nested details; ``None`` counts as zero.

    Example:
        >>> add_usage(
        ...     {"input_tokens": 5, "output_tokens": 0, "total_tokens": 5},
        ...     {"input_tokens": 0, "output_tokens": 7, "total_tokens": 7},
        ... )
        {'input_tokens': 5, 'output_tokens': 7, 'total_tokens': 12}
    """
    if left is None and right is None:
        return UsageMetadata(input_tokens=0, output_tokens=0, total_tokens=0)
    if left is None:
        return cast("UsageMetadata", dict(cast("Mapping[str, Any]", right)))
    if right is None:
        return cast("UsageMetadata", dict(left))
    return cast("UsageMetadata", _combine(left, right, lambda a, b: a + b))


def subtract_usage(left: UsageMetadata | None, right: UsageMetadata | None) -> UsageMetadata:
    """Subtract ``right`` from ``left`` leaf by leaf, never going below zero.

    Example:
        >>> subtract_usage(
        ...     {"input_tokens": 5, "output_tokens": 7, "total_tokens": 12},
        ...     {"input_tokens": 6, "output_tokens": 0, "total_tokens": 6},
        ... )
        {'input_tokens': 0, 'output_tokens': 7, 'total_tokens': 6}
    """
    if left is None and right is None:
        return UsageMetadata(input_tokens=0, output_tokens=0, total_tokens=0)
    return cast(
        "UsageMetadata",
        _combine(
            cast("Mapping[str, Any]", left or {}),
            cast("Mapping[str, Any]", right or {}),
            lambda a, b: max(a - b, 0),
        ),
    )
