"""One linear-time fold of streamed chunks into the value they add up to."""

from __future__ import annotations

from typing import Any

from linguafranca.messages import BaseMessageChunk, merge_chunks

_EMPTY, _STR, _MESSAGE, _LIST, _DICT, _OTHER = range(6)


class Aggregator:
    """Adds up chunks like ``a + b + c`` but in linear time.

    Strings are joined, message chunks merged with ``merge_chunks``, lists extended,
    dicts merged key by key; other values are added with ``+`` (a chunk that cannot be
    added replaces the value, as in the reference).

    Example:
        >>> agg = Aggregator()
        >>> for chunk in ["a", "b", "c"]:
        ...     agg.add(chunk)
        >>> agg.result()
        'abc'
    """

    __slots__ = ("_mode", "_parts", "_value", "_keys", "_count", "_first")

    def __init__(self) -> None:
        self._mode = _EMPTY
        self._count = 0
        self._first: Any = None
        self._parts: list[Any] = []
        self._value: Any = None
        self._keys: dict[Any, Aggregator] = {}

    @property
    def empty(self) -> bool:
        """Whether no chunk was added."""
        return self._mode == _EMPTY

    def add(self, chunk: Any) -> None:
        """Add one chunk."""
        self._count += 1
        mode = self._mode
        if mode == _STR and type(chunk) is str:
            self._parts.append(chunk)
        elif mode == _MESSAGE and isinstance(chunk, BaseMessageChunk):
            self._parts.append(chunk)
        elif mode == _LIST and isinstance(chunk, list):
            self._parts.extend(chunk)
        elif mode == _DICT and isinstance(chunk, dict):
            self._add_keys(chunk)
        elif mode == _EMPTY:
            self._first = chunk
            self._start(chunk)
        else:
            self._add_other(chunk)

    def _start(self, chunk: Any) -> None:
        if type(chunk) is str:
            self._mode, self._parts = _STR, [chunk]
        elif isinstance(chunk, BaseMessageChunk):
            self._mode, self._parts = _MESSAGE, [chunk]
        elif isinstance(chunk, list):
            self._mode, self._parts = _LIST, list(chunk)
        elif isinstance(chunk, dict):
            self._mode = _DICT
            self._add_keys(chunk)
        else:
            self._mode, self._value = _OTHER, chunk

    def _add_keys(self, chunk: dict[Any, Any]) -> None:
        for key, value in chunk.items():
            agg = self._keys.get(key)
            if agg is None:
                agg = self._keys[key] = Aggregator()
            if value is not None or agg.empty:
                agg.add(value)

    def _add_other(self, chunk: Any) -> None:
        # Mixed or unknown types: fall back to ``+`` on the value so far.
        value = self.result()
        self._mode, self._parts, self._keys = _OTHER, [], {}
        try:
            self._value = value + chunk
        except TypeError:
            self._value = chunk

    def result(self) -> Any:
        """The sum of the chunks added so far (None if none; a single chunk as is)."""
        if self._count == 1:
            return self._first
        mode = self._mode
        if mode == _STR:
            joined = "".join(self._parts)
            self._parts = [joined]
            return joined
        if mode == _MESSAGE:
            merged = merge_chunks(self._parts)
            self._parts = [merged]
            return merged
        if mode == _LIST:
            return list(self._parts)
        if mode == _DICT:
            return {key: agg.result() for key, agg in self._keys.items()}
        return self._value
