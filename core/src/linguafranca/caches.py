"""Caches for chat-model results, keyed by ``(prompt, llm_string)``.

A chat model looks a call up with ``cache.lookup(prompt, llm_string)`` before calling the
provider and stores the generations with ``cache.update(...)`` afterwards. Both strings come
from :func:`cache_key_for`. Streaming calls are not cached.

Example:
    ```python
    from linguafranca.caches import InMemoryCache, set_llm_cache

    set_llm_cache(InMemoryCache())  # every model with cache=None or cache=True uses it
    ```
"""

from __future__ import annotations

import abc
import asyncio
import enum
import json
import re
import sqlite3
import threading
from collections.abc import Mapping, Sequence
from os import PathLike
from typing import Any

from pydantic import BaseModel, SecretBytes, SecretStr
from pydantic_core import to_jsonable_python

from linguafranca.messages import BaseMessage, message_to_dict, messages_from_dict
from linguafranca.outputs import ChatGeneration, Generation

__all__ = [
    "RETURN_VAL_TYPE",
    "BaseCache",
    "InMemoryCache",
    "SQLiteCache",
    "cache_key_for",
    "get_llm_cache",
    "set_llm_cache",
]

RETURN_VAL_TYPE = Sequence[Generation | ChatGeneration]
"""What a cache stores for one key: the generations of one model call."""


class BaseCache(abc.ABC):
    """Interface of a cache of model results.

    The async methods run the sync ones in a worker thread unless a subclass overrides them.
    """

    @abc.abstractmethod
    def lookup(self, prompt: str, llm_string: str) -> RETURN_VAL_TYPE | None:
        """Return the generations stored for this key, or None on a miss.

        Args:
            prompt: The serialized input messages.
            llm_string: The serialized model parameters and call options.
        """

    @abc.abstractmethod
    def update(self, prompt: str, llm_string: str, return_val: RETURN_VAL_TYPE) -> None:
        """Store the generations for this key, replacing any previous value.

        Args:
            prompt: The serialized input messages.
            llm_string: The serialized model parameters and call options.
            return_val: The generations of one model call.
        """

    @abc.abstractmethod
    def clear(self, **kwargs: Any) -> None:
        """Remove every entry."""

    async def alookup(self, prompt: str, llm_string: str) -> RETURN_VAL_TYPE | None:
        """Async twin of :meth:`lookup`."""
        return await asyncio.to_thread(self.lookup, prompt, llm_string)

    async def aupdate(self, prompt: str, llm_string: str, return_val: RETURN_VAL_TYPE) -> None:
        """Async twin of :meth:`update`."""
        await asyncio.to_thread(self.update, prompt, llm_string, return_val)

    async def aclear(self, **kwargs: Any) -> None:
        """Async twin of :meth:`clear`."""
        await asyncio.to_thread(self.clear, **kwargs)


class InMemoryCache(BaseCache):
    """A dict in memory; when ``maxsize`` is reached the oldest insertion is evicted (FIFO).

    Values are stored as given (not copied). Safe to share between threads.

    Example:
        ```python
        cache = InMemoryCache(maxsize=1000)
        cache.update("prompt", "llm", [Generation(text="hi")])
        cache.lookup("prompt", "llm")  # [Generation(text="hi")]
        ```

    Args:
        maxsize: Largest number of entries; None for no limit. Must be greater than 0.
    """

    def __init__(self, *, maxsize: int | None = None) -> None:
        if maxsize is not None and maxsize <= 0:
            raise ValueError(
                f"maxsize must be greater than 0 (or None for no limit), got {maxsize}"
            )
        self._maxsize = maxsize
        self._cache: dict[tuple[str, str], RETURN_VAL_TYPE] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._cache)

    def lookup(self, prompt: str, llm_string: str) -> RETURN_VAL_TYPE | None:
        """Return the generations stored for this key, or None on a miss."""
        return self._cache.get((prompt, llm_string))

    def update(self, prompt: str, llm_string: str, return_val: RETURN_VAL_TYPE) -> None:
        """Store the generations for this key, evicting the oldest entry when full."""
        key = (prompt, llm_string)
        with self._lock:
            if (
                self._maxsize is not None
                and key not in self._cache
                and len(self._cache) >= self._maxsize
            ):
                del self._cache[next(iter(self._cache))]
            self._cache[key] = return_val

    def clear(self, **kwargs: Any) -> None:
        """Remove every entry."""
        with self._lock:
            self._cache.clear()

    # A dict operation never blocks, so the async twins skip the worker thread.
    async def alookup(self, prompt: str, llm_string: str) -> RETURN_VAL_TYPE | None:
        """Async twin of :meth:`lookup`."""
        return self.lookup(prompt, llm_string)

    async def aupdate(self, prompt: str, llm_string: str, return_val: RETURN_VAL_TYPE) -> None:
        """Async twin of :meth:`update`."""
        self.update(prompt, llm_string, return_val)

    async def aclear(self, **kwargs: Any) -> None:
        """Async twin of :meth:`clear`."""
        self.clear()


def _dump_generations(generations: RETURN_VAL_TYPE) -> str:
    items: list[dict[str, Any]] = []
    for gen in generations:
        info = to_jsonable_python(gen.generation_info) if gen.generation_info else None
        if isinstance(gen, ChatGeneration):
            items.append(
                {
                    "type": "ChatGeneration",
                    "message": message_to_dict(gen.message),
                    "generation_info": info,
                }
            )
        else:
            items.append({"type": "Generation", "text": gen.text, "generation_info": info})
    return json.dumps(items, ensure_ascii=False, separators=(",", ":"))


def _load_generations(raw: str) -> list[Generation | ChatGeneration]:
    generations: list[Generation | ChatGeneration] = []
    for item in json.loads(raw):
        if item["type"] == "ChatGeneration":
            (message,) = messages_from_dict([item["message"]])
            generations.append(
                ChatGeneration(message=message, generation_info=item["generation_info"])
            )
        else:
            generations.append(
                Generation(text=item["text"], generation_info=item["generation_info"])
            )
    return generations


class SQLiteCache(BaseCache):
    """A cache in a SQLite file, shared by the threads and processes that open it.

    The database runs in WAL mode so readers never block the writer; values are JSON (the
    message dicts of :func:`linguafranca.messages.message_to_dict`), never pickle.

    Example:
        ```python
        from linguafranca.caches import SQLiteCache, set_llm_cache

        set_llm_cache(SQLiteCache(database_path=".linguafranca.db"))
        ```

    Args:
        database_path: The SQLite file; created if missing.
        timeout: Seconds to wait for another process's write lock before failing.
    """

    _TABLE = "linguafranca_llm_cache"

    def __init__(
        self, database_path: str | PathLike[str] = ".linguafranca.db", *, timeout: float = 30.0
    ) -> None:
        self.database_path = database_path
        # One connection shared under a lock: sqlite3 serialises writes anyway, and this
        # avoids leaking one connection per short-lived thread.
        self._conn = sqlite3.connect(
            database_path, timeout=timeout, check_same_thread=False, isolation_level=None
        )
        self._lock = threading.Lock()
        with self._lock:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.execute(
                f"CREATE TABLE IF NOT EXISTS {self._TABLE} ("
                "prompt TEXT NOT NULL, llm_string TEXT NOT NULL, response TEXT NOT NULL, "
                "PRIMARY KEY (prompt, llm_string)) WITHOUT ROWID"
            )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(database_path={str(self.database_path)!r})"

    @property
    def journal_mode(self) -> str:
        """The SQLite journal mode in effect (``"wal"``)."""
        with self._lock:
            row = self._conn.execute("PRAGMA journal_mode").fetchone()
        return str(row[0])

    def lookup(self, prompt: str, llm_string: str) -> RETURN_VAL_TYPE | None:
        """Return the generations stored for this key, or None on a miss."""
        with self._lock:
            row = self._conn.execute(
                f"SELECT response FROM {self._TABLE} WHERE prompt = ? AND llm_string = ?",
                (prompt, llm_string),
            ).fetchone()
        return None if row is None else _load_generations(row[0])

    def update(self, prompt: str, llm_string: str, return_val: RETURN_VAL_TYPE) -> None:
        """Store the generations for this key, replacing any previous value."""
        payload = _dump_generations(return_val)
        with self._lock:
            self._conn.execute(
                f"INSERT OR REPLACE INTO {self._TABLE} (prompt, llm_string, response) "
                "VALUES (?, ?, ?)",
                (prompt, llm_string, payload),
            )

    def clear(self, **kwargs: Any) -> None:
        """Remove every entry."""
        with self._lock:
            self._conn.execute(f"DELETE FROM {self._TABLE}")

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._conn.close()


_llm_cache: BaseCache | None = None


def set_llm_cache(value: BaseCache | None) -> None:
    """Set the cache used by every model whose ``cache`` is None or True (None turns it off)."""
    global _llm_cache
    if value is not None and not isinstance(value, BaseCache):
        raise TypeError(f"set_llm_cache expects a BaseCache or None, got {type(value).__name__}")
    _llm_cache = value


def get_llm_cache() -> BaseCache | None:
    """Return the global cache set by :func:`set_llm_cache`, or None."""
    return _llm_cache


# Parameter names whose values are credentials. Matched on whole "_"-separated words so that
# e.g. ``max_tokens`` is kept while ``openai_api_key`` or an ``X-Api-Key`` header is dropped.
_SECRET_NAME = re.compile(
    r"(?:^|_)(?:api_?key|secret|password|passwd|access_token|auth_token|bearer_token|"
    r"refresh_token|session_token|authorization|credentials?)(?:_|$)",
    re.IGNORECASE,
)


def _is_secret_name(name: object) -> bool:
    return isinstance(name, str) and _SECRET_NAME.search(name.replace("-", "_")) is not None


def _keyable(value: Any) -> Any:
    """Turn a parameter value into plain JSON data, without secrets, deterministically."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, (SecretStr, SecretBytes)):
        return None
    if isinstance(value, enum.Enum):
        return _keyable(value.value)
    if isinstance(value, Mapping):
        return {
            str(k): _keyable(v)
            for k, v in value.items()
            if not _is_secret_name(k) and not isinstance(v, (SecretStr, SecretBytes))
        }
    if isinstance(value, (list, tuple)):
        return [_keyable(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted((_keyable(v) for v in value), key=repr)
    if isinstance(value, BaseModel):
        return _keyable({k: getattr(value, k) for k in type(value).model_fields})
    if isinstance(value, type) and issubclass(value, BaseModel):
        return {"model": value.__qualname__, "schema": value.model_json_schema()}
    # Clients, callbacks, functions: only their type names identify them across processes.
    kind = value if isinstance(value, type) or callable(value) else type(value)
    return f"{getattr(kind, '__module__', '')}.{getattr(kind, '__qualname__', repr(kind))}"


def _message_for_key(message: BaseMessage) -> Any:
    data = message.model_dump(exclude={"id"}, mode="json", fallback=repr)
    data["type"] = message.type
    return data


def cache_key_for(
    messages: Sequence[BaseMessage], llm_params: Mapping[str, Any], call_kwargs: Mapping[str, Any]
) -> tuple[str, str]:
    """Build the deterministic ``(prompt, llm_string)`` cache key of one chat-model call.

    Rules:

    - ``prompt`` is the JSON of the messages without their ``id`` (keys sorted), so the same
      conversation hits the cache whatever ids its messages were given.
    - ``llm_string`` is the JSON (keys sorted) of ``{**llm_params, **call_kwargs}``: a call
      option overrides the model parameter of the same name, as in the request sent.
      Top-level None values are left out (None means "not set"). Secrets never take part:
      ``SecretStr``/``SecretBytes`` values and keys named like credentials (``api_key``,
      ``openai_api_key``, ``x-api-key``, ``authorization``, ``client_secret``, ...) are
      dropped at every depth. Pydantic models become their fields, pydantic classes their JSON
      schema, and other objects (clients, callbacks) only their type's qualified name.

    Args:
        messages: The normalized input messages.
        llm_params: The model's identifying parameters (model name, temperature, ...).
        call_kwargs: The options of this call (``stop``, ``tools``, ``tool_choice``, ...).

    Returns:
        The ``(prompt, llm_string)`` pair for :meth:`BaseCache.lookup` and
        :meth:`BaseCache.update`.
    """
    prompt = json.dumps(
        [_message_for_key(m) for m in messages],
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    merged = {k: v for k, v in {**llm_params, **call_kwargs}.items() if v is not None}
    llm_string = json.dumps(
        _keyable(merged), sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return prompt, llm_string
