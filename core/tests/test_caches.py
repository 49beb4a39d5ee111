import sqlite3
import subprocess
import sys
import textwrap
import threading

import pytest
from pydantic import BaseModel, SecretStr

from linguafranca.caches import (
    BaseCache,
    InMemoryCache,
    SQLiteCache,
    cache_key_for,
    get_llm_cache,
    set_llm_cache,
)
from linguafranca.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from linguafranca.outputs import ChatGeneration, Generation


def chat_gen(text: str, **kwargs) -> ChatGeneration:
    return ChatGeneration(message=AIMessage(content=text, **kwargs))


# --- InMemoryCache --------------------------------------------------------------------------


def test_in_memory_hit_and_miss():
    cache = InMemoryCache()
    assert cache.lookup("p", "llm") is None
    value = [chat_gen("hi")]
    cache.update("p", "llm", value)
    assert cache.lookup("p", "llm") == value
    assert cache.lookup("p", "other llm") is None
    assert cache.lookup("other p", "llm") is None


def test_in_memory_fifo_eviction():
    cache = InMemoryCache(maxsize=2)
    cache.update("a", "l", [Generation(text="a")])
    cache.update("b", "l", [Generation(text="b")])
    cache.update("a", "l", [Generation(text="a2")])  # replacing does not evict
    assert len(cache) == 2
    cache.update("c", "l", [Generation(text="c")])
    assert cache.lookup("a", "l") is None  # oldest insertion went first
    assert cache.lookup("b", "l") == [Generation(text="b")]
    assert cache.lookup("c", "l") == [Generation(text="c")]


@pytest.mark.parametrize("maxsize", [0, -1])
def test_in_memory_rejects_non_positive_maxsize(maxsize):
    with pytest.raises(ValueError, match="maxsize must be greater than 0"):
        InMemoryCache(maxsize=maxsize)


def test_in_memory_clear():
    cache = InMemoryCache()
    cache.update("a", "l", [Generation(text="a")])
    cache.clear()
    assert cache.lookup("a", "l") is None


async def test_in_memory_async_twins():
    cache = InMemoryCache()
    await cache.aupdate("p", "l", [chat_gen("x")])
    assert await cache.alookup("p", "l") == [chat_gen("x")]
    await cache.aclear()
    assert await cache.alookup("p", "l") is None


def test_in_memory_threads_respect_maxsize():
    cache = InMemoryCache(maxsize=50)

    def worker(n: int) -> None:
        for i in range(200):
            cache.update(f"{n}-{i}", "l", [Generation(text=str(i))])

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(cache) == 50


def test_base_cache_async_defaults_run_sync_methods():
    class Recording(BaseCache):
        def __init__(self) -> None:
            self.data: dict[tuple[str, str], object] = {}

        def lookup(self, prompt, llm_string):
            return self.data.get((prompt, llm_string))

        def update(self, prompt, llm_string, return_val):
            self.data[prompt, llm_string] = return_val

        def clear(self, **kwargs):
            self.data.clear()

    import asyncio

    async def go():
        cache = Recording()
        await cache.aupdate("p", "l", [Generation(text="t")])
        assert await cache.alookup("p", "l") == [Generation(text="t")]
        await cache.aclear()
        return cache.data

    assert asyncio.run(go()) == {}


# --- SQLiteCache ----------------------------------------------------------------------------


def test_sqlite_round_trip_keeps_messages_and_info(tmp_path):
    cache = SQLiteCache(database_path=tmp_path / "c.db")
    message = AIMessage(
        content="Paris",
        tool_calls=[{"name": "f", "args": {"a": 1}, "id": "call_1", "type": "tool_call"}],
        usage_metadata={"input_tokens": 3, "output_tokens": 1, "total_tokens": 4},
        response_metadata={"model_name": "m"},
        id="run-1",
    )
    value = [
        ChatGeneration(message=message, generation_info={"finish_reason": "stop"}),
        Generation(text="plain", generation_info=None),
    ]
    cache.update("p", "l", value)
    got = cache.lookup("p", "l")
    assert got is not None
    first, second = got
    assert isinstance(first, ChatGeneration)
    assert first.message == message
    assert first.generation_info == {"finish_reason": "stop"}
    assert first.text == "Paris"
    assert type(second) is Generation
    assert second.text == "plain"
    assert cache.lookup("p", "other") is None
    cache.close()


def test_sqlite_uses_wal_and_json_not_pickle(tmp_path):
    path = tmp_path / "c.db"
    cache = SQLiteCache(database_path=str(path))
    assert cache.journal_mode == "wal"
    cache.update("p", "l", [chat_gen("hello")])
    cache.close()
    with sqlite3.connect(path) as conn:
        (raw,) = conn.execute("SELECT response FROM linguafranca_llm_cache").fetchone()
    assert isinstance(raw, str)
    assert '"hello"' in raw


def test_sqlite_update_replaces_and_clear_empties(tmp_path):
    cache = SQLiteCache(database_path=tmp_path / "c.db")
    cache.update("p", "l", [chat_gen("one")])
    cache.update("p", "l", [chat_gen("two")])
    got = cache.lookup("p", "l")
    assert got is not None and got[0].text == "two"
    cache.clear()
    assert cache.lookup("p", "l") is None


def test_sqlite_persists_across_processes(tmp_path):
    path = tmp_path / "shared.db"
    writer = textwrap.dedent(
        f"""
        from linguafranca.caches import SQLiteCache
        from linguafranca.messages import AIMessage
        from linguafranca.outputs import ChatGeneration
        cache = SQLiteCache(database_path={str(path)!r})
        cache.update("prompt", "llm", [ChatGeneration(message=AIMessage(content="from child"))])
        cache.close()
        """
    )
    subprocess.run([sys.executable, "-c", writer], check=True, timeout=60)
    reader = textwrap.dedent(
        f"""
        from linguafranca.caches import SQLiteCache
        cache = SQLiteCache(database_path={str(path)!r})
        (gen,) = cache.lookup("prompt", "llm")
        print(type(gen).__name__, gen.message.type, gen.text)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", reader], check=True, timeout=60, capture_output=True, text=True
    )
    assert out.stdout.strip() == "ChatGeneration ai from child"
    # And this process sees it too.
    got = SQLiteCache(database_path=path).lookup("prompt", "llm")
    assert got is not None and got[0].text == "from child"


def test_sqlite_concurrent_processes_write(tmp_path):
    path = tmp_path / "busy.db"
    SQLiteCache(database_path=path).close()  # create the schema once
    script = textwrap.dedent(
        """
        import sys
        from linguafranca.caches import SQLiteCache
        from linguafranca.outputs import Generation
        cache = SQLiteCache(database_path=sys.argv[1])
        for i in range(50):
            cache.update(f"{sys.argv[2]}-{i}", "l", [Generation(text=str(i))])
        """
    )
    procs = [subprocess.Popen([sys.executable, "-c", script, str(path), str(n)]) for n in range(3)]
    for p in procs:
        assert p.wait(timeout=60) == 0
    cache = SQLiteCache(database_path=path)
    for n in range(3):
        got = cache.lookup(f"{n}-49", "l")
        assert got is not None and got[0].text == "49"


def test_sqlite_shared_across_threads(tmp_path):
    cache = SQLiteCache(database_path=tmp_path / "t.db")
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for i in range(30):
                cache.update(f"{n}-{i}", "l", [chat_gen(f"{n}:{i}")])
                got = cache.lookup(f"{n}-{i}", "l")
                assert got is not None and got[0].text == f"{n}:{i}"
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


async def test_sqlite_async_twins(tmp_path):
    cache = SQLiteCache(database_path=tmp_path / "a.db")
    await cache.aupdate("p", "l", [chat_gen("async")])
    got = await cache.alookup("p", "l")
    assert got is not None and got[0].text == "async"
    await cache.aclear()
    assert await cache.alookup("p", "l") is None


# --- global cache ---------------------------------------------------------------------------


def test_global_cache_set_and_get():
    previous = get_llm_cache()
    try:
        cache = InMemoryCache()
        set_llm_cache(cache)
        assert get_llm_cache() is cache
        set_llm_cache(None)
        assert get_llm_cache() is None
        with pytest.raises(TypeError, match="BaseCache"):
            set_llm_cache({})  # type: ignore[arg-type]
    finally:
        set_llm_cache(previous)


# --- cache keys -----------------------------------------------------------------------------


def conversation(ids: bool) -> list[BaseMessage]:
    return [
        SystemMessage("be brief", id="s1" if ids else None),
        HumanMessage("hi", id="h1" if ids else None),
        AIMessage(
            "",
            tool_calls=[{"name": "f", "args": {"x": 1}, "id": "call_1", "type": "tool_call"}],
            id="a1" if ids else None,
        ),
        ToolMessage("42", tool_call_id="call_1", id="t1" if ids else None),
    ]


def test_key_ignores_message_ids():
    params = {"model": "m", "temperature": 0}
    assert cache_key_for(conversation(True), params, {}) == cache_key_for(
        conversation(False), params, {}
    )


def test_key_depends_on_content_params_and_kwargs():
    msgs = [HumanMessage("hi")]
    base = cache_key_for(msgs, {"model": "m"}, {})
    assert cache_key_for([HumanMessage("hello")], {"model": "m"}, {})[0] != base[0]
    assert cache_key_for(msgs, {"model": "n"}, {})[1] != base[1]
    assert cache_key_for(msgs, {"model": "m"}, {"stop": ["x"]})[1] != base[1]
    assert (
        cache_key_for(msgs, {"model": "m"}, {"tools": [{"a": 1}]})[1]
        != cache_key_for(msgs, {"model": "m"}, {"tools": [{"a": 2}]})[1]
    )


def test_key_is_deterministic_and_order_independent():
    msgs = [HumanMessage("hi")]
    one = cache_key_for(msgs, {"model": "m", "temperature": 0.5}, {"stop": ["a"], "seed": 1})
    two = cache_key_for(msgs, {"temperature": 0.5, "model": "m"}, {"seed": 1, "stop": ["a"]})
    assert one == two
    # A call option equal to the model parameter gives the same request, hence the same key.
    assert cache_key_for(msgs, {"model": "m", "temperature": 0.5}, {}) == cache_key_for(
        msgs, {"model": "m"}, {"temperature": 0.5}
    )
    # None means "not set".
    assert cache_key_for(msgs, {"model": "m"}, {"stop": None}) == cache_key_for(
        msgs, {"model": "m"}, {}
    )


def test_key_never_contains_secrets():
    msgs = [HumanMessage("hi")]
    prompt, llm = cache_key_for(
        msgs,
        {
            "model": "m",
            "api_key": SecretStr("sk-secret-1"),
            "openai_api_key": "sk-secret-2",
            "default_headers": {"Authorization": "Bearer sk-secret-3", "X-Api-Key": "sk-4"},
            "client_secret": "sk-secret-5",
            "max_tokens": 10,
        },
        {"extra": {"nested": {"password": "sk-secret-6", "token": SecretStr("sk-secret-7")}}},
    )
    for secret in ("sk-secret-1", "sk-secret-2", "sk-secret-3", "sk-4", "sk-secret-5"):
        assert secret not in llm
    assert "sk-secret-6" not in llm and "sk-secret-7" not in llm
    assert '"max_tokens":10' in llm  # names that merely contain "token" are kept
    # Different keys give the same cache key: a rotated key still hits.
    assert cache_key_for(msgs, {"model": "m", "api_key": SecretStr("a")}, {}) == cache_key_for(
        msgs, {"model": "m", "api_key": SecretStr("b")}, {}
    )


def test_key_handles_models_classes_and_objects():
    class Movie(BaseModel):
        title: str

    class Client:
        pass

    msgs = [HumanMessage("hi")]
    _, llm = cache_key_for(
        msgs, {"model": "m", "http_client": Client()}, {"response_format": Movie}
    )
    assert "Client" in llm and "0x" not in llm  # no memory address: stable across processes
    assert '"title"' in llm  # the model class contributes its schema
    assert cache_key_for(msgs, {"model": "m", "http_client": Client()}, {}) == cache_key_for(
        msgs, {"model": "m", "http_client": Client()}, {}
    )
