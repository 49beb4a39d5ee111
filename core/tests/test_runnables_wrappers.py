import asyncio
import functools
from typing import Any

import pytest
from pydantic import BaseModel, field_validator

from linguafranca.callbacks import BaseCallbackHandler
from linguafranca.chat_models.fake import ScriptedFakeChatModel
from linguafranca.runnables import (
    ConfigurableField,
    RecursionLimitError,
    RetryState,
    Runnable,
    RunnableBinding,
    RunnableConfig,
    RunnableLambda,
    RunnableRetry,
    RunnableSerializable,
    RunnableWithFallbacks,
)


class Flaky:
    """Fails ``failures`` times with ``error``, then answers."""

    def __init__(self, failures: int, error: type[BaseException] = ConnectionError) -> None:
        self.failures = failures
        self.error = error
        self.calls = 0

    def __call__(self, x: int) -> int:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error(f"failure {self.calls}")
        return x * 10


def retrying(flaky: Flaky, **kwargs: Any) -> tuple[RunnableRetry, list[float]]:
    sleeps: list[float] = []
    retry = RunnableRetry(
        bound=RunnableLambda(flaky),
        sleep=sleeps.append,
        random=lambda: 0.5,
        **kwargs,
    )
    return retry, sleeps


def test_retry_until_success_with_exponential_backoff_and_jitter():
    flaky = Flaky(3)
    retry, sleeps = retrying(flaky, max_attempt_number=4)
    assert retry.invoke(2) == 20
    assert flaky.calls == 4
    assert sleeps == [1.5, 2.5, 4.5]  # 1*2**(n-1) + 0.5 * jitter(1)


def test_retry_gives_up_after_the_last_attempt():
    flaky = Flaky(5)
    retry, sleeps = retrying(flaky, max_attempt_number=3)
    with pytest.raises(ConnectionError, match="failure 3"):
        retry.invoke(1)
    assert flaky.calls == 3 and len(sleeps) == 2


def test_retry_only_listed_exceptions():
    flaky = Flaky(1, error=KeyError)
    retry, sleeps = retrying(flaky, retry_exception_types=(ConnectionError,))
    with pytest.raises(KeyError):
        retry.invoke(1)
    assert flaky.calls == 1 and sleeps == []


def test_retry_jitter_params_and_cap():
    retry, _ = retrying(Flaky(0), exponential_jitter_params={"initial": 2, "max": 5, "jitter": 0})
    assert [retry.wait_before(n) for n in (1, 2, 3)] == [2, 4, 5]
    no_wait, _ = retrying(Flaky(0), wait_exponential_jitter=False)
    assert no_wait.wait_before(3) == 0
    with pytest.raises(ValueError, match="Unknown exponential_jitter_params"):
        retrying(Flaky(0), exponential_jitter_params={"initial_wait": 1})
    with pytest.raises(ValueError, match="at least 1"):
        RunnableLambda(Flaky(0)).with_retry(stop_after_attempt=0)


def test_with_retry_builds_a_retry():
    retry = RunnableLambda(Flaky(0)).with_retry(
        retry_if_exception_type=(ValueError,), stop_after_attempt=5, wait_exponential_jitter=False
    )
    assert isinstance(retry, RunnableRetry)
    assert retry.max_attempt_number == 5 and retry.retry_exception_types == (ValueError,)
    flaky = Flaky(2, ValueError)
    assert RunnableLambda(flaky).with_retry(wait_exponential_jitter=False).invoke(1) == 10


async def test_async_retry_uses_the_async_sleep():
    flaky = Flaky(2)
    waits: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        waits.append(seconds)

    retry = RunnableRetry(
        bound=RunnableLambda(flaky), asleep=fake_sleep, random=lambda: 0.0, max_attempt_number=3
    )
    assert await retry.ainvoke(1) == 10
    assert waits == [1.0, 2.0]


class RetryWatcher(BaseCallbackHandler):
    def __init__(self) -> None:
        self.retries: list[RetryState] = []
        self.tags: list[list[str]] = []

    def on_retry(self, retry_state, **kwargs):
        self.retries.append(retry_state)

    def on_chain_start(self, serialized, inputs, **kwargs):
        self.tags.append(kwargs["tags"])


def test_retry_reports_on_retry_and_tags_attempts():
    watcher = RetryWatcher()
    retry, _ = retrying(Flaky(1))
    retry.invoke(1, {"callbacks": [watcher]})
    assert [r.attempt_number for r in watcher.retries] == [1]
    assert isinstance(watcher.retries[0].error, ConnectionError)
    assert watcher.tags == [[], [], ["retry:attempt:2"]]


def test_retry_in_batch_retries_each_input():
    flaky = Flaky(1)
    retry, _ = retrying(flaky)
    assert retry.batch([1, 2], {"max_concurrency": 1}) == [10, 20]
    assert flaky.calls == 3


def test_fallbacks_try_in_order():
    def fail(x):
        raise ConnectionError("primary down")

    chain = RunnableLambda(fail).with_fallbacks(
        [RunnableLambda(fail), RunnableLambda(lambda x: x + 1)]
    )
    assert isinstance(chain, RunnableWithFallbacks)
    assert chain.invoke(1) == 2
    assert chain.batch([1, 2]) == [2, 3]
    assert list(chain.stream(1)) == [2]


def test_fallbacks_raise_the_first_error_when_all_fail():
    def fail(msg):
        def f(x):
            raise ConnectionError(msg)

        return RunnableLambda(f)

    with pytest.raises(ConnectionError, match="first"):
        fail("first").with_fallbacks([fail("second")]).invoke(1)


def test_fallbacks_only_handle_listed_exceptions():
    def fail(x):
        raise KeyError("not handled")

    chain = RunnableLambda(fail).with_fallbacks(
        [RunnableLambda(lambda x: x)], exceptions_to_handle=(ConnectionError,)
    )
    with pytest.raises(KeyError):
        chain.invoke(1)


def test_fallbacks_pass_the_error_under_exception_key():
    def fail(x):
        raise ConnectionError("down")

    chain = RunnableLambda(fail).with_fallbacks(
        [RunnableLambda(lambda d: f"{d['q']}:{d['error']}")], exception_key="error"
    )
    assert chain.invoke({"q": "hi"}) == "hi:down"
    with pytest.raises(ValueError, match="dict inputs"):
        chain.invoke("not a dict")


async def test_fallbacks_async_and_stream_before_first_chunk():
    async def fail(x):
        if x > 0:
            raise ConnectionError("down")
        yield x  # an async generator that fails before its first chunk

    async def ok(x):
        yield x
        yield x

    chain = RunnableLambda(fail).with_fallbacks([RunnableLambda(ok)])
    assert [c async for c in chain.astream(3)] == [3, 3]
    assert await chain.ainvoke(3) == 6


def test_recursion_limit_counts_routing_with_a_helpful_error():
    def route(n):
        # A function returning a runnable: that runnable runs next, one level deeper.
        return n if n == 0 else RunnableLambda(lambda _: route(n - 1))

    routing = RunnableLambda(route)
    assert routing.invoke(25) == 0
    with pytest.raises(RecursionLimitError, match=r"Recursion limit of 25 reached") as caught:
        routing.invoke(26)
    assert "recursion_limit" in str(caught.value) and isinstance(caught.value, RecursionError)
    assert routing.invoke(30, {"recursion_limit": 40}) == 0
    with pytest.raises(RecursionLimitError, match="limit of 5"):
        routing.invoke(10, {"recursion_limit": 5})
    assert [*routing.stream(25)] == [0]
    with pytest.raises(RecursionLimitError):
        [*routing.stream(26)]


def test_plain_nesting_is_not_limited():
    # As in the reference: a function that calls a runnable is not routing.
    def recurse(n):
        return n if n == 0 else looping.invoke(n - 1)

    looping = RunnableLambda(recurse)
    assert looping.invoke(60) == 0
    chain: Runnable[Any, Any] = RunnableLambda(lambda x: x)
    for _ in range(40):
        chain = RunnableLambda(lambda x: x) | chain.with_config(tags=["layer"])
    assert chain.invoke(3) == 3


async def test_recursion_limit_async():
    async def route(n, _input=None):
        return n if n == 0 else RunnableLambda(functools.partial(route, n - 1))

    routing = RunnableLambda(route)
    with pytest.raises(RecursionLimitError):
        await routing.ainvoke(30)
    assert await routing.ainvoke(30, {"recursion_limit": 50}) == 0
    assert [c async for c in routing.astream(25)] == [0]
    with pytest.raises(RecursionLimitError):
        [c async for c in routing.astream(26)]

    async def recurse(n):
        return n if n == 0 else await looping.ainvoke(n - 1)

    looping = RunnableLambda(recurse)
    assert await looping.ainvoke(60) == 0


def test_a_lambda_returning_itself_hits_the_limit():
    endless: RunnableLambda = RunnableLambda(lambda x: endless)
    with pytest.raises(RecursionLimitError):
        endless.invoke(1)


class Greeter(RunnableSerializable[str, str]):
    greeting: str = "Hello"
    punctuation: str = "!"

    @field_validator("greeting")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()

    def invoke(self, input: str, config: RunnableConfig | None = None, **kwargs: Any) -> str:
        return f"{self.greeting}, {input}{self.punctuation}"


def test_serializable_is_a_pydantic_runnable():
    greeter = Greeter(greeting="Hi")
    assert greeter.invoke("Ada") == "Hi, Ada!"
    assert greeter.get_name() == "Greeter" and Greeter(name="g").get_name() == "g"
    assert greeter.model_dump() == {"name": None, "greeting": "Hi", "punctuation": "!"}
    assert (greeter | (lambda s: s.upper())).invoke("x") == "HI, X!"


def test_configurable_fields_rebuild_the_model():
    configurable = Greeter().configurable_fields(
        greeting=ConfigurableField(id="greeting", name="Greeting"),
        punctuation=ConfigurableField(id="punct"),
    )
    assert configurable.invoke("Ada") == "Hello, Ada!"
    assert configurable.invoke("Ada", {"configurable": {"greeting": "  Hey "}}) == "Hey, Ada!"
    assert configurable.invoke("Ada", {"configurable": {"punct": "?"}}) == "Hello, Ada?"
    assert configurable.batch(["a", "b"], [{"configurable": {"greeting": "Yo"}}, {}]) == [
        "Yo, a!",
        "Hello, b!",
    ]
    assert configurable.greeting == "Hello"  # attributes read through to the default
    with pytest.raises(ValueError, match="no such field"):
        Greeter().configurable_fields(tone=ConfigurableField(id="tone"))


async def test_configurable_fields_async_and_from_context():
    configurable = Greeter().configurable_fields(greeting=ConfigurableField(id="greeting"))
    assert await configurable.ainvoke("Bo", {"configurable": {"greeting": "Hej"}}) == "Hej, Bo!"
    chain = RunnableLambda(lambda x: x) | configurable
    assert chain.invoke("Cy", {"configurable": {"greeting": "Ciao"}}) == "Ciao, Cy!"


def test_call_config_overrides_a_with_config_default_also_inside_a_chain():
    default = Greeter().configurable_fields(greeting=ConfigurableField(id="greeting"))
    bound = default.with_config(configurable={"greeting": "Hey"}, metadata={"k": "bound"})
    assert bound.invoke("Ada") == "Hey, Ada!"
    call: RunnableConfig = {"configurable": {"greeting": "Yo"}}
    assert bound.invoke("Ada", call) == "Yo, Ada!"
    assert (RunnableLambda(lambda x: x) | bound).invoke("Ada", call) == "Yo, Ada!"

    def meta(x: Any, config: RunnableConfig) -> Any:
        return config["metadata"], sorted(config["tags"])

    tagged = RunnableLambda(meta).with_config(metadata={"k": "bound", "b": 1}, tags=["inner"])
    chain = RunnableLambda(lambda x: x) | tagged
    assert chain.invoke(0, {"metadata": {"k": "call"}, "tags": ["outer"]}) == (
        {"k": "call", "b": 1},
        ["inner", "outer"],
    )
    assert chain.invoke(0) == ({"k": "bound", "b": 1}, ["inner"])


def test_configurable_alternatives():
    chosen = Greeter().configurable_alternatives(
        ConfigurableField(id="style"),
        shout=RunnableLambda(lambda s: s.upper()),
        lazy=lambda: RunnableLambda(lambda s: f"lazy {s}"),
    )
    assert chosen.invoke("ada") == "Hello, ada!"
    assert chosen.invoke("ada", {"configurable": {"style": "shout"}}) == "ADA"
    assert chosen.invoke("ada", {"configurable": {"style": "lazy"}}) == "lazy ada"
    assert chosen.invoke("ada", {"configurable": {"style": "default"}}) == "Hello, ada!"
    with pytest.raises(ValueError, match="Unknown alternative 'whisper'"):
        chosen.invoke("ada", {"configurable": {"style": "whisper"}})
    with pytest.raises(ValueError, match="not supported"):
        Greeter().configurable_alternatives(ConfigurableField(id="s"), prefix_keys=True)


def test_runnable_subclass_must_implement_invoke():
    class Missing(Runnable[int, int]):
        pass

    with pytest.raises(TypeError, match="abstract"):
        Missing()  # type: ignore[abstract]


def test_unknown_config_keys_become_configurable():
    seen: list[RunnableConfig] = []
    config: Any = {"thread_id": "t1"}
    RunnableLambda(lambda x, config: seen.append(config)).invoke(1, config)
    assert seen[0]["configurable"] == {"thread_id": "t1"}


def test_asyncio_cancellation_propagates():
    async def slow(x):
        await asyncio.sleep(10)

    async def main():
        task = asyncio.ensure_future(RunnableLambda(slow).ainvoke(1))
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())


# --- a binding keeps its kwargs and config through methods of the bound model -------------


class Movie(BaseModel):
    title: str
    year: int


def get_weather(location: str) -> str:
    """Get the weather for a location."""
    return f"sunny in {location}"


class ModelStarts(BaseCallbackHandler):
    def __init__(self) -> None:
        self.tags: list[list[str]] = []

    def on_chat_model_start(self, serialized, messages, *, run_id, tags=None, **kwargs):
        self.tags.append(list(tags or []))


def test_bind_tools_on_a_bound_model_keeps_the_bound_kwargs() -> None:
    model = ScriptedFakeChatModel()
    bound = model.bind(stop=["Boston"]).bind_tools([get_weather])
    assert isinstance(bound, RunnableBinding) and bound.bound is model
    assert bound.kwargs["stop"] == ["Boston"] and bound.kwargs["tools"]
    # No tool is named: the scripted model echoes, and the bound stop cuts the echo.
    assert bound.invoke("hello Boston").content == "You said: hello "
    called = bound.invoke("What is the weather in Boston?")
    assert called.tool_calls[0]["name"] == "get_weather"  # the tools are bound too


def test_later_binding_wins_over_the_earlier_one() -> None:
    model = ScriptedFakeChatModel()
    bound = model.bind(tool_choice="none", stop=["x"]).bind_tools([get_weather], tool_choice="auto")
    assert bound.kwargs["tool_choice"] == "auto" and bound.kwargs["stop"] == ["x"]


def test_structured_output_on_a_bound_model_keeps_the_bound_kwargs() -> None:
    model = ScriptedFakeChatModel()
    for method in ("function_calling", "json_schema"):
        structured = model.bind(model="fake-model-2").with_structured_output(
            Movie, method=method, include_raw=True
        )
        result = structured.invoke("Inception came out in 2010.")
        # The scripted model reports the bound ``model`` kwarg as the model name.
        assert result["raw"].response_metadata["model_name"] == "fake-model-2", method
        assert isinstance(result["parsed"], Movie)
    unbound = model.with_structured_output(Movie, include_raw=True).invoke("Film from 2010.")
    assert unbound["raw"].response_metadata["model_name"] == "fake-model"


def test_structured_output_on_a_configured_model_keeps_the_config() -> None:
    starts = ModelStarts()
    model = ScriptedFakeChatModel()
    structured = model.with_config(tags=["bound-tag"]).with_structured_output(Movie)
    structured.invoke("Inception came out in 2010.", config={"callbacks": [starts]})
    assert starts.tags and "bound-tag" in starts.tags[0]


def test_methods_that_build_no_runnable_are_plain() -> None:
    model = ScriptedFakeChatModel()
    bound = model.bind(stop=["x"])
    assert bound.model_dump() == model.model_dump()
    assert type(bound.model_copy()) is ScriptedFakeChatModel  # not the bound object: as is
    assert bound.model == "fake-model"  # plain attributes are read through


def test_fallbacks_forward_methods_that_build_runnables():
    class Down(ScriptedFakeChatModel):
        def _generate(self, *args: Any, **kwargs: Any) -> Any:
            raise ConnectionError("primary down")

    def get_weather(location: str) -> str:
        """Weather at a place."""
        return "sunny"

    model = Down(model="primary").with_fallbacks([ScriptedFakeChatModel(model="backup")])
    assert model.model == "primary"  # plain attributes read through to the primary
    with_tools = model.bind_tools([get_weather])
    assert isinstance(with_tools, RunnableWithFallbacks)
    assert with_tools.fallbacks[0] is not model.fallbacks[0]  # the backup got the tools too
    message = with_tools.invoke("Weather in Boston?")
    assert [call["name"] for call in message.tool_calls] == ["get_weather"]
    with pytest.raises(AttributeError):
        _ = model.no_such_method
    with pytest.raises(AttributeError):
        _ = model._private_detail
