"""Serving a recorded interaction (a ``shared/wire/`` record) verbatim."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from linguafranca_tests.emulators._server import Response

__all__ = ["load_record", "replay_response", "split_stream"]

_SSE_EVENT = re.compile(r".*?(?:\r\n\r\n|\n\n|\r\r)", re.DOTALL)
_ARRAY_ELEMENT = re.compile(r".*?,\r?\n", re.DOTALL)
_HOP_BY_HOP = {"content-length", "transfer-encoding", "connection", "content-encoding"}


def load_record(record: str | Path | Mapping[str, Any]) -> dict[str, Any]:
    """Read a record (path or dict) and check it has a response to serve."""
    if isinstance(record, Mapping):
        loaded = dict(record)
    else:
        path = Path(record)
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise FileNotFoundError(
                f"no recorded interaction at {path}: pass a file of shared/wire/ or a dict"
            ) from None
    response = loaded.get("response")
    if not isinstance(response, Mapping) or "status" not in response:
        raise ValueError("a record needs a 'response' object with a 'status' to be replayed")
    if not any(k in response for k in ("body", "raw_body", "sse", "ndjson")):
        raise ValueError("the record's response has no 'body', 'raw_body', 'sse' or 'ndjson'")
    return loaded


def split_stream(text: str, kind: str) -> list[str]:
    """Cut a recorded stream body into its events (``sse``), lines (``ndjson``) or elements."""
    if kind == "sse":
        pattern = _SSE_EVENT
    elif kind == "ndjson":
        return text.splitlines(keepends=True)
    else:
        pattern = _ARRAY_ELEMENT
    pieces: list[str] = []
    end = 0
    for match in pattern.finditer(text):
        pieces.append(match.group(0))
        end = match.end()
    if end < len(text):
        pieces.append(text[end:])
    return pieces


def replay_response(record: Mapping[str, Any]) -> Response:
    """Build the HTTP answer of a record: status, headers and body bytes as recorded."""
    recorded = record["response"]
    headers = [
        (name, str(value))
        for name, value in recorded.get("headers", {}).items()
        if name.lower() not in _HOP_BY_HOP
    ]
    content_type = str(recorded.get("headers", {}).get("content-type", ""))
    status = int(recorded["status"])
    if "raw_body" in recorded:
        kind = "sse" if "sse" in recorded else "ndjson" if "ndjson" in recorded else "array"
        pieces = split_stream(str(recorded["raw_body"]), kind)
        return Response(status, headers, chunks=[p.encode() for p in pieces])
    if "sse" in recorded:
        types = recorded.get("sse_event_types")
        events = [
            (f"event: {types[i]}\n" if types else "") + f"data: {data}\n\n"
            for i, data in enumerate(recorded["sse"])
        ]
        return Response(status, headers, chunks=[e.encode() for e in events])
    if "ndjson" in recorded:
        return Response(
            status, headers, chunks=[(line + "\n").encode() for line in recorded["ndjson"]]
        )
    body = recorded["body"]
    raw = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    if not content_type:
        headers.append(("content-type", "application/json"))
    return Response(status, headers, raw)
