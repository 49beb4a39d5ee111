"""State shared by the sync and async callback managers and run managers."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeAlias, TypeVar
from uuid import UUID

from typing_extensions import Self

from linguafranca.callbacks._base import BaseCallbackHandler, StreamingCallbackHandler

M = TypeVar("M", bound="BaseCallbackManager")
H = TypeVar("H", bound=BaseCallbackHandler)

# Handlers registered for a block of code (get_usage_metadata_callback): every run
# configured inside the block gets them, including in batch threads and asyncio tasks,
# which copy the context.
_context_handlers: ContextVar[tuple[BaseCallbackHandler, ...]] = ContextVar(
    "linguafranca_context_handlers", default=()
)


def context_handlers() -> tuple[BaseCallbackHandler, ...]:
    """The handlers registered with :func:`register_handler` in the current context."""
    return _context_handlers.get()


@contextmanager
def register_handler(handler: H) -> Iterator[H]:
    """Add ``handler`` (inheritable) to every run started inside the ``with`` block."""
    token = _context_handlers.set((*_context_handlers.get(), handler))
    try:
        yield handler
    finally:
        _context_handlers.reset(token)


class BaseCallbackManager:
    """Handlers, tags and metadata for the runs a manager starts.

    ``inheritable_*`` values also reach child runs; the others apply to this level only.
    """

    def __init__(
        self,
        handlers: list[BaseCallbackHandler],
        inheritable_handlers: list[BaseCallbackHandler] | None = None,
        parent_run_id: UUID | None = None,
        *,
        tags: list[str] | None = None,
        inheritable_tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        inheritable_metadata: dict[str, Any] | None = None,
    ) -> None:
        self.handlers = handlers
        self.inheritable_handlers = inheritable_handlers if inheritable_handlers is not None else []
        self.parent_run_id = parent_run_id
        self.tags = tags if tags is not None else []
        self.inheritable_tags = inheritable_tags if inheritable_tags is not None else []
        self.metadata = metadata if metadata is not None else {}
        self.inheritable_metadata = inheritable_metadata if inheritable_metadata is not None else {}

    def __repr__(self) -> str:
        names = ", ".join(type(h).__name__ for h in self.handlers)
        return f"{type(self).__name__}(handlers=[{names}], parent_run_id={self.parent_run_id})"

    @property
    def is_async(self) -> bool:
        """Whether this manager dispatches asynchronously."""
        return False

    @property
    def streams(self) -> bool:
        """Whether a streaming consumer (``astream_events``, ``astream_log``) is attached."""
        return any(isinstance(h, StreamingCallbackHandler) for h in self.handlers)

    def copy(self) -> Self:
        """A manager with the same (copied) handlers, tags and metadata."""
        return type(self)(
            list(self.handlers),
            list(self.inheritable_handlers),
            self.parent_run_id,
            tags=list(self.tags),
            inheritable_tags=list(self.inheritable_tags),
            metadata=dict(self.metadata),
            inheritable_metadata=dict(self.inheritable_metadata),
        )

    def merge(self, other: BaseCallbackManager) -> Self:
        """A copy of this manager with ``other``'s handlers, tags and metadata added."""
        merged = self.copy()
        for handler in other.handlers:
            merged.add_handler(handler, inherit=handler in other.inheritable_handlers)
        merged.add_tags(other.tags, inherit=False)
        merged.add_tags(other.inheritable_tags)
        merged.add_metadata(other.metadata, inherit=False)
        merged.add_metadata(other.inheritable_metadata)
        return merged

    def add_handler(self, handler: BaseCallbackHandler, inherit: bool = True) -> None:
        """Add a handler (to children too when ``inherit``); duplicates are ignored."""
        if handler not in self.handlers:
            self.handlers.append(handler)
        if inherit and handler not in self.inheritable_handlers:
            self.inheritable_handlers.append(handler)

    def remove_handler(self, handler: BaseCallbackHandler) -> None:
        """Remove a handler from this manager and from what children inherit."""
        if handler in self.handlers:
            self.handlers.remove(handler)
        if handler in self.inheritable_handlers:
            self.inheritable_handlers.remove(handler)

    def set_handlers(self, handlers: list[BaseCallbackHandler], inherit: bool = True) -> None:
        """Replace all handlers."""
        self.handlers = []
        self.inheritable_handlers = []
        for handler in handlers:
            self.add_handler(handler, inherit=inherit)

    def set_handler(self, handler: BaseCallbackHandler, inherit: bool = True) -> None:
        """Replace all handlers with one."""
        self.set_handlers([handler], inherit=inherit)

    def add_tags(self, tags: list[str], inherit: bool = True) -> None:
        """Add tags (to children too when ``inherit``); a tag added again moves to the end."""
        for tag in tags:
            if tag in self.tags:
                self.tags.remove(tag)
            self.tags.append(tag)
            if inherit:
                if tag in self.inheritable_tags:
                    self.inheritable_tags.remove(tag)
                self.inheritable_tags.append(tag)

    def remove_tags(self, tags: list[str]) -> None:
        """Remove tags."""
        for tag in tags:
            if tag in self.tags:
                self.tags.remove(tag)
            if tag in self.inheritable_tags:
                self.inheritable_tags.remove(tag)

    def add_metadata(self, metadata: Mapping[str, Any], inherit: bool = True) -> None:
        """Add metadata (to children too when ``inherit``)."""
        self.metadata.update(metadata)
        if inherit:
            self.inheritable_metadata.update(metadata)

    def remove_metadata(self, keys: list[str]) -> None:
        """Remove metadata keys."""
        for key in keys:
            self.metadata.pop(key, None)
            self.inheritable_metadata.pop(key, None)


Callbacks: TypeAlias = list[BaseCallbackHandler] | BaseCallbackManager | None
"""What ``config["callbacks"]`` and ``callbacks=`` accept: handlers or a manager."""


def configure_manager(
    cls: type[M],
    inheritable_callbacks: Callbacks,
    local_callbacks: Callbacks,
    inheritable_tags: list[str] | None,
    local_tags: list[str] | None,
    inheritable_metadata: Mapping[str, Any] | None,
    local_metadata: Mapping[str, Any] | None,
) -> M:
    """Build a manager of class ``cls`` from callbacks given at two levels plus the context's."""
    if isinstance(inheritable_callbacks, BaseCallbackManager):
        parent = inheritable_callbacks
        manager = cls(
            list(parent.handlers),
            list(parent.inheritable_handlers),
            parent.parent_run_id,
            tags=list(parent.tags),
            inheritable_tags=list(parent.inheritable_tags),
            metadata=dict(parent.metadata),
            inheritable_metadata=dict(parent.inheritable_metadata),
        )
    else:
        handlers = list(inheritable_callbacks) if inheritable_callbacks else []
        manager = cls(handlers, list(handlers))
    if local_callbacks:
        local = (
            local_callbacks.handlers
            if isinstance(local_callbacks, BaseCallbackManager)
            else local_callbacks
        )
        for handler in local:
            manager.add_handler(handler, inherit=False)
    for handler in _context_handlers.get():
        manager.add_handler(handler, inherit=True)
    if inheritable_tags:
        manager.add_tags(inheritable_tags)
    if local_tags:
        manager.add_tags(local_tags, inherit=False)
    if inheritable_metadata:
        manager.add_metadata(inheritable_metadata)
    if local_metadata:
        manager.add_metadata(local_metadata, inherit=False)
    return manager


class BaseRunManager:
    """What a started run reports to: its id, parent id, handlers, tags and metadata."""

    def __init__(
        self,
        *,
        run_id: UUID,
        handlers: list[BaseCallbackHandler],
        inheritable_handlers: list[BaseCallbackHandler],
        parent_run_id: UUID | None = None,
        tags: list[str] | None = None,
        inheritable_tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        inheritable_metadata: dict[str, Any] | None = None,
    ) -> None:
        self.run_id = run_id
        self.handlers = handlers
        self.inheritable_handlers = inheritable_handlers
        self.parent_run_id = parent_run_id
        self.tags = tags if tags is not None else []
        self.inheritable_tags = inheritable_tags if inheritable_tags is not None else []
        self.metadata = metadata if metadata is not None else {}
        self.inheritable_metadata = inheritable_metadata if inheritable_metadata is not None else {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(run_id={self.run_id}, parent_run_id={self.parent_run_id})"

    @property
    def streams(self) -> bool:
        """Whether a streaming consumer (``astream_events``, ``astream_log``) is attached."""
        return any(isinstance(h, StreamingCallbackHandler) for h in self.handlers)

    def _child(self, cls: type[M], tag: str | None) -> M:
        child = cls(
            list(self.inheritable_handlers),
            list(self.inheritable_handlers),
            self.run_id,
            tags=list(self.inheritable_tags),
            inheritable_tags=list(self.inheritable_tags),
            metadata=dict(self.inheritable_metadata),
            inheritable_metadata=dict(self.inheritable_metadata),
        )
        if tag is not None:
            child.add_tags([tag], inherit=False)
        return child


def has_streaming_consumer(
    callbacks: BaseCallbackManager | BaseRunManager | Mapping[str, Any],
) -> bool:
    """Whether a streaming consumer is attached to a manager, run manager or config.

    Chat models call this to decide on auto-streaming: when true, ``invoke`` streams
    internally and reports each chunk through ``on_llm_new_token``.
    """
    if isinstance(callbacks, (BaseCallbackManager, BaseRunManager)):
        return callbacks.streams
    configured = callbacks.get("callbacks")
    if isinstance(configured, BaseCallbackManager):
        found = configured.streams
    else:
        found = any(isinstance(h, StreamingCallbackHandler) for h in configured or ())
    return found or any(isinstance(h, StreamingCallbackHandler) for h in _context_handlers.get())
