"""Chat-model caching: invoke and stream, hits and misses, global cache, SQLite across processes."""

import subprocess
import sys
import textwrap

import pytest
from pydantic import PrivateAttr, SecretStr

from linguafranca.caches import InMemoryCache, SQLiteCache, get_llm_cache, set_llm_cache
from linguafranca.callbacks import BaseCallbackHandler
from linguafranca.chat_models.fake import ScriptedFakeChatModel
from linguafranca.errors import ConfigurationError
from linguafranca.messages import AIMessage, AIMessageChunk, HumanMessage, merge_chunks
from linguafranca.outputs import Generation
from linguafranca.rate_limiters import BaseRateLimiter


class CountingLimiter(BaseRateLimiter):
    def __init__(self):
        self.count = 0

    def acquire(self, *, blocking=True):
        self.count += 1
        return True

    async def aacquire(self, *, blocking=True):
        self.count += 1
        return True


class Tokens(BaseCallbackHandler):
    run_inline = True

    def __init__(self):
        self.tokens = 0
        self.ends = 0

    def on_llm_new_token(self, token, **kwargs):
        self.tokens += 1

    def on_llm_end(self, response, **kwargs):
        self.ends += 1


class Counted(ScriptedFakeChatModel):
    """The scripted model, counting provider calls (in a private attribute: fields are
    part of the cache key)."""

    _calls: int = PrivateAttr(default=0)

    @property
    def provider_calls(self):
        return self._calls

    def _generate(self, *args, **kwargs):
        self._calls += 1
        return super()._generate(*args, **kwargs)

    def _stream(self, *args, **kwargs):
        self._calls += 1
        return super()._stream(*args, **kwargs)


@pytest.fixture
def no_global_cache():
    previous = get_llm_cache()
    set_llm_cache(None)
    yield
    set_llm_cache(previous)


def test_invoke_miss_then_hit(no_global_cache):
    limiter = CountingLimiter()
    model = Counted(cache=InMemoryCache(), rate_limiter=limiter)
    first = model.invoke("hello there")
    second = model.invoke("hello there")
    assert model.provider_calls == 1
    assert limiter.count == 1  # a hit costs no rate-limiter token
    assert "cache_hit" not in first.response_metadata
    assert second.response_metadata["cache_hit"] is True
    assert second.content == first.content
    assert second.id != first.id and str(second.id).startswith("lc_run-")
    assert first.usage_metadata is not None
    assert second.usage_metadata == {**first.usage_metadata, "total_cost": 0}


def test_message_ids_do_not_change_the_key(no_global_cache):
    model = Counted(cache=InMemoryCache())
    model.invoke([HumanMessage("hi", id="a")])
    assert model.invoke([HumanMessage("hi", id="b")]).response_metadata["cache_hit"] is True


def test_call_options_and_model_fields_are_part_of_the_key(no_global_cache):
    cache = InMemoryCache()
    model = Counted(cache=cache)
    model.invoke("hi")
    model.invoke("hi", stop=["x"])
    model.invoke("hi", tools=[{"type": "function", "function": {"name": "f", "parameters": {}}}])
    Counted(cache=cache, temperature=0.5).invoke("hi")
    assert len(cache) == 4


def test_secrets_are_not_in_the_key(no_global_cache):
    cache = InMemoryCache()
    Counted(cache=cache, api_key=SecretStr("sk-secret-aaaaaaaaaaaaaa")).invoke("hi")
    ((prompt, llm_string),) = cache._cache
    assert "sk-secret" not in llm_string and "sk-secret" not in prompt
    # the same model with another key hits: the key is not part of the identity
    other = Counted(cache=cache, api_key=SecretStr("sk-other-bbbbbbbbbbbbbbb"))
    assert other.invoke("hi").response_metadata["cache_hit"] is True


def test_stream_miss_stores_and_hit_replays_as_chunks(no_global_cache):
    limiter = CountingLimiter()
    model = Counted(cache=InMemoryCache(), rate_limiter=limiter)
    streamed = list(model.stream("one two three"))
    replayed = list(model.stream("one two three"))
    assert model.provider_calls == 1 and limiter.count == 1
    assert len(replayed) > 1
    assert all(isinstance(c, AIMessageChunk) for c in replayed)
    assert replayed[-1].chunk_position == "last"
    assert [c.chunk_position for c in replayed[:-1]] == [None] * (len(replayed) - 1)
    merged = merge_chunks(replayed)
    assert merged.content == merge_chunks(streamed).content == "You said: one two three"
    assert merged.response_metadata["cache_hit"] is True
    assert merged.usage_metadata is not None
    assert merged.usage_metadata.get("total_cost") == 0
    assert len({c.id for c in replayed}) == 1


def test_invoke_hits_what_stream_stored_and_back(no_global_cache):
    model = Counted(cache=InMemoryCache())
    list(model.stream("a"))
    hit = model.invoke("a")
    assert hit.response_metadata["cache_hit"] is True and isinstance(hit, AIMessage)
    model.invoke("b")
    chunks = list(model.stream("b"))
    assert merge_chunks(chunks).response_metadata["cache_hit"] is True
    assert model.provider_calls == 2


def test_tool_calls_replay_as_tool_call_chunks(no_global_cache):
    model = Counted(cache=InMemoryCache()).bind_tools(
        [
            {
                "type": "function",
                "function": {
                    "name": "get_weather",
                    "parameters": {
                        "type": "object",
                        "properties": {"city": {"type": "string"}},
                        "required": ["city"],
                    },
                },
            }
        ]
    )
    first = model.invoke("weather in Paris?")
    chunks = [c for c in model.stream("weather in Paris?") if isinstance(c, AIMessageChunk)]
    assert any(c.tool_call_chunks for c in chunks)
    assert merge_chunks(chunks).tool_calls == first.tool_calls


def test_hit_replay_reports_tokens_when_streaming(no_global_cache):
    model = Counted(cache=InMemoryCache())
    model.invoke("a b")
    handler = Tokens()
    list(model.stream("a b", config={"callbacks": [handler]}))
    assert handler.tokens >= 2 and handler.ends == 1
    quiet = Tokens()
    model.invoke("a b", config={"callbacks": [quiet]})
    assert quiet.tokens == 0 and quiet.ends == 1


async def test_async_paths_use_the_cache(no_global_cache):
    limiter = CountingLimiter()
    model = Counted(cache=InMemoryCache(), rate_limiter=limiter)
    await model.ainvoke("x")
    hit = await model.ainvoke("x")
    chunks = [c async for c in model.astream("x")]
    assert hit.response_metadata["cache_hit"] is True
    assert merge_chunks(chunks).response_metadata["cache_hit"] is True
    assert model.provider_calls == 1 and limiter.count == 1


def test_global_cache_is_used_unless_cache_false(no_global_cache):
    cache = InMemoryCache()
    set_llm_cache(cache)
    model = Counted()
    model.invoke("g")
    assert model.invoke("g").response_metadata["cache_hit"] is True
    off = Counted(cache=False)
    off.invoke("g")
    assert "cache_hit" not in off.invoke("g").response_metadata
    assert off.provider_calls == 2


def test_cache_true_without_a_global_cache_says_what_to_do(no_global_cache):
    model = Counted(cache=True)
    with pytest.raises(ConfigurationError, match="set_llm_cache"):
        model.invoke("x")
    with pytest.raises(ConfigurationError, match="set_llm_cache"):
        list(model.stream("x"))
    set_llm_cache(InMemoryCache())
    model.invoke("x")
    assert model.invoke("x").response_metadata["cache_hit"] is True


def test_no_cache_by_default(no_global_cache):
    model = Counted()
    model.invoke("x")
    model.invoke("x")
    assert model.provider_calls == 2


def test_sqlite_cache_persists_across_processes(tmp_path, no_global_cache, monkeypatch):
    path = tmp_path / "cache.db"
    script = textwrap.dedent(
        f"""
        from linguafranca.caches import SQLiteCache
        from linguafranca.chat_models.fake import ScriptedFakeChatModel

        cache = SQLiteCache(database_path={str(path)!r})
        model = ScriptedFakeChatModel(cache=cache)
        print(model.invoke("persist me").content)
        print(len(list(model.stream("streamed too"))))
        cache.close()
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.splitlines()[0] == "You said: persist me"

    def unreachable(*args, **kwargs):
        raise AssertionError("the provider was called: the cache missed")

    monkeypatch.setattr(ScriptedFakeChatModel, "_generate", unreachable)
    monkeypatch.setattr(ScriptedFakeChatModel, "_stream", unreachable)
    cache = SQLiteCache(database_path=path)
    try:
        model = ScriptedFakeChatModel(cache=cache)
        hit = model.invoke("persist me")
        assert hit.content == "You said: persist me"
        assert hit.response_metadata["cache_hit"] is True
        assert hit.usage_metadata is not None and hit.usage_metadata["input_tokens"] == 2
        replay = merge_chunks(list(model.stream("streamed too")))
        assert replay.content == "You said: streamed too"
        assert replay.response_metadata["cache_hit"] is True
    finally:
        cache.close()


def test_text_generations_in_the_cache_become_ai_messages(no_global_cache):
    cache = InMemoryCache()
    model = Counted(cache=cache)
    model.invoke("seed")
    ((prompt, llm_string),) = cache._cache
    cache.update(prompt, llm_string, [Generation(text="from a text model")])
    hit = model.invoke("seed")
    assert isinstance(hit, AIMessage) and hit.content == "from a text model"
    assert hit.response_metadata["cache_hit"] is True
