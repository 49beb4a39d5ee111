"""Linear-time merging of streamed values: strings, dicts, lists and message content.

Every accumulator keeps string pieces in lists and joins them once in ``build()``,
so merging ``n`` fragments costs time proportional to their total size.

Rules (shared by ``+`` on chunks and by ``merge_chunks``):

* strings concatenate, except identifier keys (``IDENTIFIER_KEYS``) which keep the
  first non-empty value (``"gpt" + "gpt"`` stays ``"gpt"`` for ``model_name``);
* ints add, except ``index``/``created``/``timestamp`` where the later value wins;
* dicts merge key by key, lists merge element by element (see ``ListAccumulator``);
* ``None`` never overrides a value; other equal values are kept, other differing
  scalars (floats, bools) take the later value;
* a string meeting a non-string (or dict meeting non-dict, ...) raises ``TypeError``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

IDENTIFIER_KEYS = frozenset(
    {
        "id",
        "type",
        "name",
        "model",
        "model_name",
        "model_provider",
        "system_fingerprint",
        "finish_reason",
        "stop_reason",
        "service_tier",
        "output_version",
        "tool_call_id",
        "status",
        "mime_type",
        "role",
        "object",
        "index",
    }
)
"""String keys that name something; merging keeps their first non-empty value."""

LAST_WINS_INT_KEYS = frozenset({"index", "created", "timestamp"})
"""Int keys that are positions or times, not counts: the later value replaces."""


class _Str:
    """String pieces waiting to be joined."""

    __slots__ = ("pieces",)

    def __init__(self, first: str) -> None:
        self.pieces = [first]

    def build(self) -> str:
        if len(self.pieces) > 1:
            self.pieces = ["".join(self.pieces)]
        return self.pieces[0]


def _wrap(value: Any) -> Any:
    """Turn a plain value into its accumulator (copying containers, never aliasing)."""
    if isinstance(value, str):
        return _Str(value)
    if isinstance(value, dict):
        acc = DictAccumulator()
        acc.add(value)
        return acc
    if isinstance(value, list):
        lacc = ListAccumulator()
        lacc.add(value)
        return lacc
    return value


def _build(value: Any) -> Any:
    if isinstance(value, (_Str, DictAccumulator, ListAccumulator)):
        return value.build()
    return value


def _kind(value: Any) -> str:
    if isinstance(value, _Str):
        return "str"
    if isinstance(value, DictAccumulator):
        return "dict"
    if isinstance(value, ListAccumulator):
        return "list"
    return type(value).__name__


class DictAccumulator:
    """Merge a sequence of dicts in one pass.

    Example:
        >>> acc = DictAccumulator()
        >>> acc.add({"model_name": "gpt", "n": 1, "text": "a"})
        >>> acc.add({"model_name": "gpt", "n": 2, "text": "b"})
        >>> acc.build()
        {'model_name': 'gpt', 'n': 3, 'text': 'ab'}
    """

    __slots__ = ("items", "keep_first")

    def __init__(self, keep_first: frozenset[str] = IDENTIFIER_KEYS) -> None:
        self.items: dict[Any, Any] = {}
        self.keep_first = keep_first

    def add(self, right: Mapping[Any, Any], *, skip: frozenset[str] = frozenset()) -> None:
        """Merge ``right`` into the accumulated dict (``skip`` keys of ``right`` are ignored)."""
        items = self.items
        for key, rv in right.items():
            if key in skip:
                continue
            if key not in items or items[key] is None:
                items[key] = _wrap(rv)
                continue
            if rv is None:
                continue
            lv = items[key]
            if isinstance(lv, _Str):
                if not isinstance(rv, str):
                    raise _mismatch(key, lv, rv)
                if key in self.keep_first:
                    if not lv.pieces[0]:
                        lv.pieces = [rv]
                else:
                    lv.pieces.append(rv)
            elif isinstance(lv, DictAccumulator):
                if not isinstance(rv, dict):
                    raise _mismatch(key, lv, rv)
                lv.add(rv)
            elif isinstance(lv, ListAccumulator):
                if not isinstance(rv, list):
                    raise _mismatch(key, lv, rv)
                lv.add(rv)
            elif isinstance(rv, (str, dict, list)):
                raise _mismatch(key, lv, rv)
            elif type(lv) is int and type(rv) is int and key not in LAST_WINS_INT_KEYS:
                items[key] = lv + rv
            elif lv != rv:
                items[key] = rv

    def build(self) -> dict[Any, Any]:
        """Return the merged dict (a new object; the inputs are never mutated)."""
        return {k: _build(v) for k, v in self.items.items()}


def _mismatch(key: Any, left: Any, right: Any) -> TypeError:
    return TypeError(
        f"Cannot merge key {key!r}: one chunk has a {_kind(left)}, another a "
        f"{type(right).__name__}. Streamed chunks must use one type per key."
    )


def _index_of(value: Any) -> Any:
    """The merge key of a list element: its int ``index`` (or ``lc_``-prefixed str)."""
    if isinstance(value, dict):
        idx = value.get("index")
        if isinstance(idx, int) or (isinstance(idx, str) and idx.startswith("lc_")):
            return idx
    return None


def _ids_compatible(left: DictAccumulator, right: Mapping[str, Any]) -> bool:
    lid = left.items.get("id")
    rid = right.get("id")
    if not rid or lid is None:
        return True
    left_id = lid.build() if isinstance(lid, _Str) else lid
    return not left_id or left_id == rid


class ListAccumulator:
    """Merge lists whose dict elements carry an ``index``.

    An element with an ``index`` merges into the most recent element with the same
    ``index`` whose ``id`` does not conflict (equal, or either empty); its ``type``
    key is ignored (the first element's type stands). Other elements are appended.

    Example:
        >>> acc = ListAccumulator()
        >>> acc.add([{"index": 0, "args": '{"a"', "id": "c1"}])
        >>> acc.add([{"index": 0, "args": ": 1}", "id": None}])
        >>> acc.build()
        [{'index': 0, 'args': '{"a": 1}', 'id': 'c1'}]
    """

    __slots__ = ("elements", "by_index", "keep_first")

    def __init__(self, keep_first: frozenset[str] = IDENTIFIER_KEYS) -> None:
        self.elements: list[Any] = []
        self.by_index: dict[Any, int] = {}
        self.keep_first = keep_first

    def add(self, right: Sequence[Any]) -> None:
        """Merge the elements of ``right`` into the accumulated list.

        Elements of one list never merge with each other (a single chunk stays as it
        is); they merge with elements of the lists added before.
        """
        added: dict[Any, int] = {}
        for element in right:
            idx = _index_of(element)
            if idx is not None:
                pos = self.by_index.get(idx)
                if pos is not None:
                    target = self.elements[pos]
                    if _ids_compatible(target, element):
                        target.add(element, skip=_TYPE_ONLY)
                        continue
                acc = DictAccumulator(self.keep_first)
                acc.add(element)
                added[idx] = len(self.elements)
                self.elements.append(acc)
            else:
                self.elements.append(_wrap(element))
        self.by_index.update(added)

    def build(self) -> list[Any]:
        """Return the merged list (a new object)."""
        return [_build(e) for e in self.elements]


_TYPE_ONLY = frozenset({"type"})


class ContentAccumulator:
    """Merge message contents: ``str`` or a list of ``str`` / block dicts.

    str + str concatenates; str + list puts the (non-empty) str first in the list;
    list + str appends the str to a trailing str element (or as a new element);
    list + list merges blocks by ``index``.

    Example:
        >>> acc = ContentAccumulator()
        >>> for part in ["Hel", "lo"]:
        ...     acc.add(part)
        >>> acc.build()
        'Hello'
    """

    __slots__ = ("text", "blocks")

    def __init__(self) -> None:
        self.text: list[str] | None = []
        self.blocks: ListAccumulator | None = None

    def add(self, content: str | Sequence[Any]) -> None:
        """Merge one more content value."""
        if isinstance(content, str):
            if self.blocks is None:
                assert self.text is not None
                self.text.append(content)
            elif content:
                last = self.blocks.elements[-1] if self.blocks.elements else None
                if isinstance(last, _Str):
                    last.pieces.append(content)
                else:
                    self.blocks.elements.append(_Str(content))
            return
        if self.blocks is None:
            self.blocks = ListAccumulator()
            leading = "".join(self.text or ())
            if leading:
                self.blocks.elements.append(_Str(leading))
            self.text = None
        self.blocks.add(content)

    def build(self) -> str | list[Any]:
        """Return the merged content."""
        if self.blocks is None:
            return "".join(self.text or ())
        return self.blocks.build()


def merge_dicts(left: Mapping[Any, Any], *others: Mapping[Any, Any]) -> dict[Any, Any]:
    """Merge dicts with the streaming rules of this module; inputs are not mutated.

    Example:
        >>> merge_dicts({"a": "x", "n": 1}, {"a": "y", "n": 2})
        {'a': 'xy', 'n': 3}
    """
    acc = DictAccumulator()
    acc.add(left)
    for other in others:
        acc.add(other)
    return acc.build()


def merge_lists(left: Sequence[Any] | None, *others: Sequence[Any] | None) -> list[Any] | None:
    """Merge lists, combining dict elements with the same ``index``; ``None`` is skipped."""
    acc: ListAccumulator | None = None
    for value in (left, *others):
        if value is None:
            continue
        if acc is None:
            acc = ListAccumulator()
        acc.add(value)
    return None if acc is None else acc.build()


def merge_content(first: str | Sequence[Any], *others: str | Sequence[Any]) -> str | list[Any]:
    """Merge message contents (see ``ContentAccumulator``).

    Example:
        >>> merge_content("Hello", " world")
        'Hello world'
    """
    acc = ContentAccumulator()
    acc.add(first)
    for other in others:
        acc.add(other)
    return acc.build()


def merge_obj(left: Any, right: Any) -> Any:
    """Merge two values of the same kind (``None`` yields the other side).

    Raises:
        TypeError: if the two values have different types.
        ValueError: if two differing scalars cannot be combined.
    """
    if left is None or right is None:
        return right if left is None else left
    if type(left) is not type(right):
        raise TypeError(
            f"Cannot merge a {type(left).__name__} with a {type(right).__name__}; "
            "both sides must have the same type."
        )
    if isinstance(left, str):
        return left + right
    if isinstance(left, dict):
        return merge_dicts(left, right)
    if isinstance(left, list):
        return merge_lists(left, right)
    if left == right:
        return left
    raise ValueError(f"Cannot merge two different values {left!r} and {right!r}.")
