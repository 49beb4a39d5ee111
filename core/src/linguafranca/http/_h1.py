"""HTTP/1.1 without I/O: request heads out, response heads and bodies in.

The pooled transports (``_aio`` for asyncio, ``_sync`` for threads) send requests and
read responses with this instead of httpcore + h11: for a chat request, the layers those
add (anyio cancel scopes, per-request pool scans, h11's event objects) cost more CPU than
the rest of the call. Only what a client needs is here: ``Content-Length``, chunked and
read-until-close bodies, interim 1xx responses, keep-alive. Malformed input raises
``httpx.LocalProtocolError`` (ours: never quoting the header, which may hold a key) or
``httpx.RemoteProtocolError`` (the server's).
"""

from __future__ import annotations

import re
from typing import NamedTuple

import httpx

__all__ = ["MAX_HEAD", "BodyReader", "Head", "parse_head", "request_head"]

MAX_HEAD = 64 * 1024
"""Largest response head accepted (status line and headers), in bytes."""
_MAX_LINE = 4096  # a chunk-size line or a trailer line

# RFC 9110 tokens and field values, as h11 checks them (no leading or trailing blanks).
_T = rb"[-!#$%&'*+.^_`|~0-9a-zA-Z]+"
_V = rb"[\x21-\x7e\x80-\xff]+(?:[ \t]+[\x21-\x7e\x80-\xff]+)*"
_TOKEN = re.compile(_T)
_VALUE = re.compile(rb"(?:" + _V + rb")?")
# A whole request head; no CR or LF can hide in it, as the count of LFs is checked too.
_REQUEST_HEAD = re.compile(
    _T + rb" [^\x00-\x20\x7f]+ HTTP/1\.1\r\n(?:" + _T + rb": (?:" + _V + rb")?\r\n)*\r\n"
)
_STATUS = re.compile(rb"HTTP/1\.([01]) ([0-9]{3})(?: ([^\x00-\x08\x0a-\x1f\x7f]*))?")
_HEAD_END = re.compile(rb"\n\r?\n")
# Response header lines: all well formed (no folding), then each name and trimmed value.
_FIELDS = re.compile(rb"(?:" + _T + rb":[^\r\n]*\r?\n)*")
_FIELD = re.compile(rb"(" + _T + rb"):[ \t]*((?:[^\r\n]*[^\r\n \t])?)[ \t]*\r?\n")
_HEX = re.compile(rb"[0-9a-fA-F]+")

# Body framing of a response.
LENGTH, CHUNKED, UNTIL_CLOSE = 0, 1, 2


def request_head(method: bytes, target: bytes, headers: list[tuple[bytes, bytes]]) -> bytes:
    """The request line and headers, ready to send.

    Raises:
        httpx.LocalProtocolError: A header name or value is not valid HTTP (e.g. a key
            with a newline); the message does not quote it.
    """
    parts = [method, b" ", target, b" HTTP/1.1\r\n"]
    for name, value in headers:
        parts += (name, b": ", value, b"\r\n")
    parts.append(b"\r\n")
    head = b"".join(parts)
    if _REQUEST_HEAD.fullmatch(head) is None or head.count(b"\n") != len(headers) + 2:
        _explain_bad_head(method, target, headers)
    return head


def _explain_bad_head(method: bytes, target: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    token, value_ok = _TOKEN.fullmatch, _VALUE.fullmatch
    for name, value in headers:
        if token(name) is None or value_ok(value) is None:
            raise httpx.LocalProtocolError(
                f"Illegal header {name[:40]!r}: the name or the value has characters that "
                "HTTP does not allow (e.g. a newline or a leading or trailing space)"
            )
    raise httpx.LocalProtocolError("Illegal request method or target")


class Head(NamedTuple):
    """A parsed response head."""

    status: int
    reason: bytes
    headers: list[tuple[bytes, bytes]]
    framing: int
    """``LENGTH``, ``CHUNKED`` or ``UNTIL_CLOSE``."""
    length: int
    """Body length with ``LENGTH`` framing (0 for no body)."""
    keep_alive: bool
    """Whether the connection may carry another request once the body is read."""
    version: bytes
    """``b"HTTP/1.1"`` or ``b"HTTP/1.0"``."""


def _protocol_error(message: str) -> httpx.RemoteProtocolError:
    return httpx.RemoteProtocolError(message)


def parse_head(buffer: bytearray, head_request: bool) -> tuple[Head, int] | None:
    """The first response head in ``buffer`` and its size in bytes, or None if incomplete.

    Interim (1xx) responses are returned like any other: the caller skips them.

    Raises:
        httpx.RemoteProtocolError: The head is malformed or too large.
    """
    end = _HEAD_END.search(buffer)
    if end is None:
        if len(buffer) > MAX_HEAD:
            raise _protocol_error(f"the response head is larger than {MAX_HEAD} bytes")
        return None
    size = end.end()
    block = bytes(buffer[: end.start() + 1])  # the status line and the header lines
    newline = block.index(b"\n")
    status_line = block[:newline].rstrip(b"\r")
    match = _STATUS.fullmatch(status_line)
    if match is None:
        raise _protocol_error(f"malformed status line {status_line[:80]!r}")
    minor, code, reason = match.groups()
    fields = block[newline + 1 :]
    if _FIELDS.fullmatch(fields) is not None:
        headers = _FIELD.findall(fields)
    else:
        headers = _folded_fields(fields)
    status = int(code)
    length: int | None = None
    chunked = False
    close = minor == b"0"
    for name, value in headers:
        lower = name.lower()
        if lower == b"content-length":
            values = {v.strip() for v in value.split(b",")}
            if len(values) != 1:
                raise _protocol_error("conflicting Content-Length headers")
            number = values.pop()
            if not number.isdigit() or len(number) > 20:
                raise _protocol_error(f"bad Content-Length {number[:40]!r}")
            if length is not None and length != int(number):
                raise _protocol_error("conflicting Content-Length headers")
            length = int(number)
        elif lower == b"transfer-encoding":
            if chunked or value.lower() != b"chunked":
                raise _protocol_error(f"unsupported Transfer-Encoding {value[:40]!r}")
            chunked = True
        elif lower == b"connection":
            tokens = {t.strip().lower() for t in value.split(b",")}
            if b"close" in tokens:
                close = True
            elif minor == b"0" and b"keep-alive" in tokens:
                close = False
    if status < 200 or head_request or status in (204, 304):
        framing, length = LENGTH, 0
    elif chunked:
        framing = CHUNKED
    elif length is not None:
        framing = LENGTH
    else:
        framing, length, close = UNTIL_CLOSE, 0, True
    version = b"HTTP/1.1" if minor == b"1" else b"HTTP/1.0"
    return Head(status, reason or b"", headers, framing, length or 0, not close, version), size


def _folded_fields(fields: bytes) -> list[tuple[bytes, bytes]]:
    """Header lines with obsolete folding (or malformed: raises)."""
    headers: list[tuple[bytes, bytes]] = []
    token = _TOKEN.fullmatch
    for raw in fields.split(b"\n")[:-1]:
        line = raw[:-1] if raw.endswith(b"\r") else raw
        if b"\r" in line:
            raise _protocol_error(f"malformed response header {line[:80]!r}")
        if line[:1] in (b" ", b"\t"):  # obsolete line folding: part of the previous value
            if not headers:
                raise _protocol_error("a response header starts with a space")
            name, value = headers[-1]
            headers[-1] = (name, value + b" " + line.strip(b" \t"))
            continue
        name, colon, value = line.partition(b":")
        if not colon or token(name) is None:
            raise _protocol_error(f"malformed response header {line[:80]!r}")
        headers.append((name, value.strip(b" \t")))
    return headers


class BodyReader:
    """Takes one response body out of a buffer, piece by piece, as its framing says."""

    __slots__ = ("_chunk_left", "_framing", "_left", "_state", "done")

    # States of a chunked body.
    _SIZE, _DATA, _DATA_END, _TRAILER = 0, 1, 2, 3

    def __init__(self, head: Head) -> None:
        self._framing = head.framing
        self._left = head.length
        self._state = self._SIZE
        self._chunk_left = 0
        self.done = head.framing == LENGTH and head.length == 0

    def take(self, buffer: bytearray) -> bytes:
        """The body bytes now available in ``buffer`` (removed from it); may be empty.

        Sets ``done`` once the body is complete; bytes after it stay in the buffer.

        Raises:
            httpx.RemoteProtocolError: A malformed chunked body.
        """
        if self.done or not buffer:
            return b""
        framing = self._framing
        if framing == LENGTH:
            n = self._left
            if len(buffer) <= n:
                data = bytes(buffer)
                buffer.clear()
            else:
                data = bytes(buffer[:n])
                del buffer[:n]
            self._left = n - len(data)
            self.done = self._left == 0
            return data
        if framing == UNTIL_CLOSE:
            data = bytes(buffer)
            buffer.clear()
            return data
        return self._chunks(buffer)

    def at_eof(self) -> None:
        """The connection closed: ends a read-until-close body, else raises.

        Raises:
            httpx.RemoteProtocolError: The body was cut short.
        """
        if self.done:
            return
        if self._framing == UNTIL_CLOSE:
            self.done = True
            return
        raise _protocol_error(
            "peer closed connection without sending complete message body "
            + (
                f"(received {self._left} bytes less than Content-Length)"
                if self._framing == LENGTH
                else "(incomplete chunked read)"
            )
        )

    def _chunks(self, buffer: bytearray) -> bytes:
        out: list[bytes] = []
        while buffer and not self.done:
            state = self._state
            if state == self._DATA:
                n = self._chunk_left
                if len(buffer) <= n:
                    out.append(bytes(buffer))
                    self._chunk_left = n - len(buffer)
                    buffer.clear()
                else:
                    out.append(bytes(buffer[:n]))
                    del buffer[:n]
                    self._chunk_left = 0
                if self._chunk_left == 0:
                    self._state = self._DATA_END
                continue
            newline = buffer.find(b"\n")
            if newline < 0:
                if len(buffer) > _MAX_LINE:
                    raise _protocol_error("a chunked body line is too long")
                break
            line = bytes(buffer[:newline]).rstrip(b"\r")
            del buffer[: newline + 1]
            if state == self._SIZE:
                size = line.split(b";", 1)[0].strip(b" \t")
                if _HEX.fullmatch(size) is None or len(size) > 16:
                    raise _protocol_error(f"bad chunk size {line[:40]!r}")
                self._chunk_left = int(size, 16)
                self._state = self._DATA if self._chunk_left else self._TRAILER
            elif state == self._DATA_END:
                if line:
                    raise _protocol_error("a chunk is longer than its size")
                self._state = self._SIZE
            elif not line:  # the empty line that ends the trailers
                self.done = True
        return b"".join(out) if len(out) != 1 else out[0]
