"""Incremental decoders for Server-Sent Events and newline-delimited JSON.

Both work on raw bytes as they arrive from the socket: lines are split with
``bytes.split`` (a UTF-8 character never contains a line-break byte, so splitting
before decoding is safe) and only the ``data`` payload is decoded to ``str``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from linguafranca.http._json import loads

__all__ = ["NDJSONDecoder", "SSEDecoder", "ServerSentEvent"]

_BOM = b"\xef\xbb\xbf"
# NamedTuple.__new__ is a Python function; tuple.__new__ builds the same object faster.
_new_event = tuple.__new__


class ServerSentEvent(NamedTuple):
    r"""One Server-Sent Event.

    Example:
        ```python
        ServerSentEvent(event="message_start", data='{"type": "message_start"}')
        ```

    Attributes:
        event: The ``event:`` name (``"message"`` when the server sent none).
        data: The ``data:`` lines joined with ``"\n"``.
        id: The last event id seen on the stream (``""`` if none).
        retry: The ``retry:`` reconnection time in ms, when the event carried one.
    """

    event: str = "message"
    data: str = ""
    id: str = ""
    retry: int | None = None

    def json(self) -> Any:
        """The data parsed as JSON."""
        return loads(self.data)


class _LineSplitter:
    r"""Splits byte chunks into complete lines (``\n``, ``\r\n`` or ``\r``).

    An unterminated tail is kept as a list of pieces so that a huge line arriving in
    many chunks is joined once (linear time), not re-copied on every chunk.
    """

    __slots__ = ("pending",)

    def __init__(self) -> None:
        self.pending: list[bytes] = []

    def split(self, chunk: bytes) -> list[bytes]:
        if b"\r" in chunk or (self.pending and self.pending[-1].endswith(b"\r")):
            return self._split_cr(chunk)
        if chunk.endswith(b"\n"):  # the common case: a network chunk ends on a line
            if self.pending:
                self.pending.append(chunk)
                chunk = b"".join(self.pending)
                self.pending.clear()
            lines = chunk.split(b"\n")
            lines.pop()  # the empty string after the final terminator
            return lines
        last = chunk.rfind(b"\n")
        if last < 0:
            if chunk:
                self.pending.append(chunk)
            return []
        if self.pending:
            self.pending.append(chunk[: last + 1])
            head = b"".join(self.pending)
            self.pending.clear()
        else:
            head = chunk[: last + 1]
        self.pending.append(chunk[last + 1 :])
        lines = head.split(b"\n")
        lines.pop()
        return lines

    def _split_cr(self, chunk: bytes) -> list[bytes]:
        # Slow path for CR or CRLF line breaks: a trailing CR may be the first half of CRLF,
        # so it stays pending until the next chunk shows what follows it.
        if self.pending:
            self.pending.append(chunk)
            chunk = b"".join(self.pending)
            self.pending.clear()
        hold = chunk.endswith(b"\r")
        if hold:
            chunk = chunk[:-1]
        chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        last = chunk.rfind(b"\n")
        tail = chunk[last + 1 :] + (b"\r" if hold else b"")
        if tail:
            self.pending.append(tail)
        if last < 0:
            return []
        lines = chunk[:last].split(b"\n")
        return lines

    def flush(self) -> bytes:
        """The unterminated rest of the stream (``b""`` if it ended with a line break)."""
        rest = b"".join(self.pending)
        self.pending.clear()
        return rest[:-1] if rest.endswith(b"\r") else rest


class SSEDecoder:
    r"""Turns raw byte chunks of a ``text/event-stream`` body into ``ServerSentEvent``s.

    Follows the WHATWG event-stream rules: ``data:`` lines accumulate (joined with
    ``\n``), a blank line dispatches the event, lines starting with ``:`` are comments
    (e.g. ``: OPENROUTER PROCESSING``), unknown fields are ignored, and an event with no
    data is not dispatched.

    Example:
        ```python
        decoder = SSEDecoder()
        events = decoder.feed(b"event: ping\ndata: {}\n\n")
        events += decoder.close()
        ```
    """

    __slots__ = ("_data", "_event", "_id", "_lines", "_retry", "_started")

    def __init__(self) -> None:
        self._lines = _LineSplitter()
        self._data: list[bytes] = []
        self._event = ""
        self._id = ""
        self._retry: int | None = None
        self._started = False

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """Decode one chunk; returns the events it completed (often none or one)."""
        if not self._started:
            if not chunk:
                return []
            self._started = True
            if chunk.startswith(_BOM):
                chunk = chunk[3:]
        events: list[ServerSentEvent] = []
        data = self._data
        splitter = self._lines
        if splitter.pending or b"\r" in chunk or not chunk.endswith(b"\n"):
            lines = splitter.split(chunk)
        else:  # the common case: whole lines ending in LF, nothing pending
            lines = chunk.split(b"\n")
            lines.pop()
        for line in lines:
            if not line:
                if data:
                    # Inlined dispatch: this runs once per event.
                    payload = data[0] if len(data) == 1 else b"\n".join(data)
                    events.append(
                        _new_event(
                            ServerSentEvent,
                            (
                                self._event or "message",
                                payload.decode("utf-8", "replace"),
                                self._id,
                                self._retry,
                            ),
                        )
                    )
                    data.clear()
                self._event = ""
                self._retry = None
            elif line.startswith(b"data: "):
                data.append(line[6:])
            elif line[0] != 58:  # b":" starts a comment
                self._field(line)
        return events

    def close(self) -> list[ServerSentEvent]:
        """End of stream: returns the last event if the body ended without its blank line.

        Browsers drop such an event; a client library should not silently lose a
        payload, so it is dispatched.
        """
        rest = self._lines.flush()
        if rest and rest[0] != 58:
            self._field(rest)
        return [self._dispatch()] if self._data else []

    def _field(self, line: bytes) -> None:
        name, sep, value = line.partition(b":")
        if sep and value[:1] == b" ":
            value = value[1:]
        if name == b"event":
            self._event = value.decode("utf-8", "replace")
        elif name == b"data":
            self._data.append(value)
        elif name == b"id":
            if b"\0" not in value:
                self._id = value.decode("utf-8", "replace")
        elif name == b"retry" and value.isdigit():
            self._retry = int(value)

    def _dispatch(self) -> ServerSentEvent:
        data = self._data
        payload = data[0] if len(data) == 1 else b"\n".join(data)
        event = _new_event(
            ServerSentEvent,
            (self._event or "message", payload.decode("utf-8", "replace"), self._id, self._retry),
        )
        data.clear()
        self._event = ""
        self._retry = None
        return event


class NDJSONDecoder:
    r"""Turns raw byte chunks of a newline-delimited JSON body into parsed values.

    Blank lines are skipped; a final line without a trailing newline is still parsed.

    Example:
        ```python
        decoder = NDJSONDecoder()
        values = decoder.feed(b'{"a": 1}\n{"b"') + decoder.feed(b": 2}\n")
        ```
    """

    __slots__ = ("_lines",)

    def __init__(self) -> None:
        self._lines = _LineSplitter()

    def feed(self, chunk: bytes) -> list[Any]:
        """Decode one chunk; returns the JSON values of the lines it completed."""
        return [loads(line) for line in self._lines.split(chunk) if line and not line.isspace()]

    def close(self) -> list[Any]:
        """End of stream: parse a last line that had no trailing newline."""
        rest = self._lines.flush()
        return [loads(rest)] if rest and not rest.isspace() else []
