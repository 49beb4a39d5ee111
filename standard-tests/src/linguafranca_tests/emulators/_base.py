"""The emulator base class: lifecycle, request log, scripts, faults and replay."""

from __future__ import annotations

import json
import random
import threading
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import TracebackType
from typing import Any, ClassVar, TypeVar

from linguafranca_tests.emulators._faults import ApiError, Fault, FaultQueue
from linguafranca_tests.emulators._model import (
    Completion,
    Prompt,
    ScriptedModel,
    ScriptedReply,
)
from linguafranca_tests.emulators._replay import load_record, replay_response
from linguafranca_tests.emulators._server import HttpServer, RawRequest, Response

__all__ = ["Emulator", "RecordedRequest"]

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
JSON_TYPE = "application/json"
SSE_TYPE = "text/event-stream; charset=utf-8"
_E = TypeVar("_E", bound="Emulator")
_SECRET_HEADERS = frozenset({"authorization", "api-key", "x-api-key", "x-goog-api-key"})


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the emulator received it (an entry of ``emulator.requests``).

    Attributes:
        method: The HTTP method.
        path: The URL path without the query string.
        query: The query parameters.
        headers: The headers, lower-cased names.
        body: The parsed JSON body (``None`` when empty or not JSON).
        raw_body: The body bytes as received.
    """

    method: str
    path: str
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    raw_body: bytes = b""

    def __repr__(self) -> str:
        # Keys never show up in logs or assertion messages.
        headers = {
            k: ("<redacted>" if k in _SECRET_HEADERS else v) for k, v in self.headers.items()
        }
        return (
            f"RecordedRequest(method={self.method!r}, path={self.path!r}, query={self.query!r}, "
            f"headers={headers!r}, body={self.body!r})"
        )


def dumps(value: Any) -> bytes:
    """Compact JSON, UTF-8, as the providers send it."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


class Emulator:
    """A provider's wire protocol served over real HTTP on 127.0.0.1.

    Use as a context manager (or ``start()`` / ``stop()``); point a client at ``base_url``.

    Args:
        host: The interface to bind (keep the loopback default in tests).
        port: The port; 0 picks a free one.
        max_requests: Stop the server after this many requests.
        require_api_key: Answer 401 (the provider's real shape) when no key is sent.
        invalid_api_keys: Key values that get a 401 as well.
        validate: Check request bodies against the provider's published schema (400 if bad).
        stream_delay: Seconds between streamed events (0: as fast as possible).
        missing_models: Model names answered with the provider's "model not found" error
            (any name containing ``does-not-exist`` is missing too).
    """

    provider: ClassVar[str] = ""
    base_path: ClassVar[str] = ""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        max_requests: int | None = None,
        require_api_key: bool = True,
        invalid_api_keys: Sequence[str] = ("invalid",),
        validate: bool = True,
        stream_delay: float = 0.0,
        missing_models: Sequence[str] = (),
    ) -> None:
        self.requests: list[RecordedRequest] = []
        self.require_api_key = require_api_key
        self.invalid_api_keys = frozenset(invalid_api_keys)
        self.validate = validate
        self.stream_delay = stream_delay
        self.missing_models = frozenset(missing_models)
        self.model = ScriptedModel()
        self._faults = FaultQueue()
        self._scripts: deque[ScriptedReply] = deque()
        self._replays: deque[dict[str, Any]] = deque()
        self._lock = threading.Lock()
        # Seeded: a fresh emulator hands out the same ids in the same order.
        self._ids = random.Random(self.provider)
        self._server = HttpServer(self._handle, host=host, port=port, max_requests=max_requests)

    # -- lifecycle -------------------------------------------------------------------------

    def start(self: _E) -> _E:
        """Start serving in a background thread; returns self."""
        self._server.start()
        return self

    def stop(self) -> None:
        """Stop serving and close every connection."""
        self._server.stop()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the server stops (``max_requests`` reached or ``stop()``)."""
        return self._server.wait(timeout)

    def __enter__(self: _E) -> _E:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.url if self._server.running else "stopped"
        return f"{type(self).__name__}({where}, requests={len(self.requests)})"

    @property
    def port(self) -> int:
        """The bound port."""
        return self._server.port

    @property
    def url(self) -> str:
        """The server root, e.g. ``http://127.0.0.1:54321``."""
        return f"http://{self._server.host}:{self._server.port}"

    @property
    def base_url(self) -> str:
        """The URL to give the provider's client as its base URL."""
        return self.url + self.base_path

    def server_cpu_time(self) -> float:
        """CPU seconds the server thread has used so far (to measure cost per request)."""
        return self._server.cpu_time()

    # -- scripting, faults, replay ---------------------------------------------------------

    def script(self, *replies: ScriptedReply | str) -> None:
        """Queue canned answers for the next requests, in order (a ``str`` is a text reply)."""
        with self._lock:
            for reply in replies:
                self._scripts.append(ScriptedReply(text=reply) if isinstance(reply, str) else reply)

    def enqueue_fault(
        self, fault: Fault | None = None, /, *, times: int = 1, **fields: Any
    ) -> None:
        """Queue a fault for the next matching request(s): a :class:`Fault` or its fields."""
        if fault is None:
            fault = Fault(**fields)
        elif fields:
            fault = replace(fault, **fields)
        self._faults.add(fault, times)

    def fail_next(
        self,
        status: int = 500,
        *,
        headers: Mapping[str, str] | None = None,
        body: Any = None,
        message: str | None = None,
        times: int = 1,
        path: str | None = None,
    ) -> None:
        """Answer the next ``times`` requests with an error in the provider's shape."""
        fault = Fault(status=status, body=body, message=message, headers=headers or {}, path=path)
        self._faults.add(fault, times)

    def replay(self, record: str | Path | Mapping[str, Any], *, times: int = 1) -> None:
        """Answer the next request(s) with a recorded interaction, verbatim.

        Args:
            record: A record of ``shared/wire/`` (a path to its JSON file, or the parsed dict).
            times: How many requests get it.
        """
        loaded = load_record(record)
        with self._lock:
            self._replays.extend([loaded] * times)

    def clear(self) -> None:
        """Forget the request log and everything queued."""
        self._faults.clear()
        with self._lock:
            self._scripts.clear()
            self._replays.clear()
        self.requests.clear()

    # -- request handling ------------------------------------------------------------------

    def _handle(self, raw: RawRequest) -> Response:
        body: Any = None
        bad_json = False
        if raw.body:
            try:
                body = json.loads(raw.body)
            except ValueError:
                bad_json = True
        request = RecordedRequest(raw.method, raw.path, raw.query, raw.headers, body, raw.body)
        self.requests.append(request)
        fault = self._faults.take(raw.path)
        if fault is not None and fault.status is not None:
            return self._fault_error(fault)
        if self._replays:
            with self._lock:
                record = self._replays.popleft() if self._replays else None
            if record is not None:
                return self._apply_fault(replay_response(record), fault)
        try:
            auth = self._check_auth(request)
            if auth is not None:
                raise auth
            if bad_json:
                raise ApiError(400, "The request body is not valid JSON.")
            response = self._route(request)
        except ApiError as error:
            response = self._error_response(error)
        return self._apply_fault(response, fault)

    def _apply_fault(self, response: Response, fault: Fault | None) -> Response:
        if self.stream_delay and response.chunks is not None:
            response.chunk_delay = self.stream_delay
        if fault is None:
            return response
        response.delay = fault.delay
        response.chunk_delay = fault.chunk_delay or response.chunk_delay
        response.drop_after = fault.drop_after
        response.headers.extend(fault.headers.items())
        if fault.malformed_at is not None and response.chunks is not None:
            chunks = list(response.chunks)
            if fault.malformed_at < len(chunks):
                chunks[fault.malformed_at] = self._malformed_event()
            response.chunks = chunks
        return response

    def _fault_error(self, fault: Fault) -> Response:
        if fault.body is not None:
            body = fault.body if isinstance(fault.body, bytes) else dumps(fault.body)
            response = Response(fault.status or 500, [("content-type", JSON_TYPE)], body)
        else:
            status = fault.status or 500
            message = fault.message or _default_message(status)
            response = self._error_response(ApiError(status, message))
        response.headers.extend(fault.headers.items())
        response.delay = fault.delay
        return response

    def _error_response(self, error: ApiError) -> Response:
        headers = [("content-type", JSON_TYPE), *self._common_headers(), *error.headers.items()]
        return Response(error.status, headers, dumps(self._error_body(error)))

    def json_response(self, body: Any, status: int = 200) -> Response:
        """A JSON answer with the provider's usual headers."""
        headers = [("content-type", JSON_TYPE), *self._common_headers()]
        return Response(status, headers, dumps(body))

    def stream_response(self, chunks: list[bytes], content_type: str = SSE_TYPE) -> Response:
        """A chunked streamed answer, one HTTP chunk per event."""
        headers = [("content-type", content_type), *self._common_headers()]
        return Response(200, headers, chunks=chunks)

    def complete(self, prompt: Prompt, id_prefix: str = "call_", id_length: int = 24) -> Completion:
        """Run the scripted model (a queued script first); tool-call ids use ``id_prefix``."""
        script: ScriptedReply | None = None
        if self._scripts:
            with self._lock:
                script = self._scripts.popleft() if self._scripts else None
        return self.model.respond(prompt, lambda: self.new_id(id_prefix, id_length), script)

    def new_id(self, prefix: str = "", length: int = 24) -> str:
        """A fresh, deterministic (per emulator), random-looking identifier."""
        return prefix + "".join(self._ids.choices(_ALPHABET, k=length))

    def is_missing_model(self, model: str) -> bool:
        """Whether ``model`` should get the provider's "model not found" error."""
        return model in self.missing_models or "does-not-exist" in model

    # -- provider hooks --------------------------------------------------------------------

    def _route(self, request: RecordedRequest) -> Response:
        raise ApiError(404, f"Unknown path {request.method} {request.path}")

    def _check_auth(self, request: RecordedRequest) -> ApiError | None:
        return None

    def _error_body(self, error: ApiError) -> Any:
        return {"error": {"message": error.message, "type": error.kind, "code": error.code}}

    def _common_headers(self) -> Iterable[tuple[str, str]]:
        return ()

    def _malformed_event(self) -> bytes:
        return b'data: {"malformed": \n\n'


def _default_message(status: int) -> str:
    return {
        400: "Invalid request.",
        401: "Invalid authentication.",
        403: "Permission denied.",
        404: "Not found.",
        408: "Request timed out.",
        409: "Conflict.",
        413: "Request too large.",
        422: "Unprocessable entity.",
        429: "Rate limit reached for requests. Please try again later.",
        500: "The server had an error while processing your request.",
        502: "Bad gateway.",
        503: "The service is temporarily unavailable.",
        529: "Overloaded.",
    }.get(status, f"Error {status}.")
