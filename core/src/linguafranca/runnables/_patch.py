"""A small JSON-patch (RFC 6902) applier: add, replace, remove, with ``-`` to append.

Documents are never changed in place: each operation copies the containers along its
path and shares everything else, so earlier states stay valid.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def escape(token: str) -> str:
    """A key made safe for a JSON-patch path."""
    return token.replace("~", "~0").replace("/", "~1")


def _index(container: list[Any], token: str, op: str, *, for_insert: bool) -> int:
    if token == "-" and for_insert:
        return len(container)
    if not token.isdigit():
        raise ValueError(f"JSON patch {op}: {token!r} is not a list index.")
    index = int(token)
    limit = len(container) if for_insert else len(container) - 1
    if index > limit:
        raise ValueError(f"JSON patch {op}: index {index} is out of range ({len(container)}).")
    return index


def _apply_at(container: Any, tokens: list[str], op: Mapping[str, Any]) -> Any:
    kind = op["op"]
    token = tokens[0]
    if isinstance(container, list):
        copied_list = list(container)
        if len(tokens) > 1:
            index = _index(copied_list, token, kind, for_insert=False)
            copied_list[index] = _apply_at(copied_list[index], tokens[1:], op)
        elif kind == "add":
            copied_list.insert(_index(copied_list, token, kind, for_insert=True), op["value"])
        elif kind == "replace":
            copied_list[_index(copied_list, token, kind, for_insert=False)] = op["value"]
        else:
            del copied_list[_index(copied_list, token, kind, for_insert=False)]
        return copied_list
    if isinstance(container, Mapping):
        copied = dict(container)
        if len(tokens) > 1:
            if token not in copied:
                raise ValueError(f"JSON patch {kind} {op['path']!r}: no key {token!r}.")
            copied[token] = _apply_at(copied[token], tokens[1:], op)
        elif kind in ("add", "replace"):
            if kind == "replace" and token not in copied:
                raise ValueError(f"JSON patch replace {op['path']!r}: no key {token!r}.")
            copied[token] = op["value"]
        else:
            if token not in copied:
                raise ValueError(f"JSON patch remove {op['path']!r}: no key {token!r}.")
            del copied[token]
        return copied
    raise ValueError(
        f"JSON patch {kind} {op['path']!r}: cannot descend into a {type(container).__name__}."
    )


def apply_patch(document: Any, ops: Iterable[Mapping[str, Any]]) -> Any:
    """The document after the operations, in order (``document`` is not modified).

    Raises:
        ValueError: on an unsupported operation or a path that does not exist.
    """
    for op in ops:
        kind = op.get("op")
        if kind not in ("add", "replace", "remove"):
            raise ValueError(
                f"Unsupported JSON patch op {kind!r}: expected add, replace or remove."
            )
        path = op["path"]
        if path == "":
            document = None if kind == "remove" else op["value"]
            continue
        if not path.startswith("/"):
            raise ValueError(f"JSON patch path must start with '/', got {path!r}.")
        document = _apply_at(document, [_unescape(t) for t in path[1:].split("/")], op)
    return document
