import asyncio
import threading
from typing import Annotated, Any
from uuid import UUID

import pydantic.v1 as pv1
import pytest
from pydantic import BaseModel, Field

from linguafranca.callbacks import BaseCallbackHandler, CallbackManager
from linguafranca.messages import ToolMessage
from linguafranca.runnables import RunnableConfig, RunnableLambda
from linguafranca.tools import (
    BaseTool,
    InjectedToolCallId,
    StructuredTool,
    ToolException,
    ToolInputValidationError,
    convert_to_openai_tool,
    tool,
)


def call(name: str, args: dict[str, Any], id: str = "call_1") -> dict[str, Any]:
    return {"type": "tool_call", "id": id, "name": name, "args": args}


@tool
def get_weather(location: str) -> str:
    """Get the weather at a location."""
    return f"It's sunny in {location}."


# --- the seeds' example -------------------------------------------------------------------


def test_seed_tool_name_description_schema():
    assert isinstance(get_weather, StructuredTool)
    assert get_weather.name == "get_weather"
    assert get_weather.description == "Get the weather at a location."
    assert get_weather.args == {"location": {"title": "Location", "type": "string"}}


def test_seed_invoke_with_tool_call_gives_tool_message():
    result = get_weather.invoke(call("get_weather", {"location": "Boston"}, id="call_SvM"))
    assert isinstance(result, ToolMessage)
    assert result.content == "It's sunny in Boston."
    assert result.tool_call_id == "call_SvM"
    assert result.name == "get_weather"
    assert result.status == "success"
    assert result.artifact is None


def test_invoke_with_args_and_string_gives_raw_output():
    assert get_weather.invoke({"location": "Tokyo"}) == "It's sunny in Tokyo."
    assert get_weather.invoke("Paris") == "It's sunny in Paris."


def test_batch_of_tool_calls_keeps_ids():
    results = get_weather.batch(
        [call("get_weather", {"location": c}, id=f"id_{c}") for c in ("Boston", "Tokyo")]
    )
    assert [(r.tool_call_id, r.content) for r in results] == [
        ("id_Boston", "It's sunny in Boston."),
        ("id_Tokyo", "It's sunny in Tokyo."),
    ]


# --- output formats -----------------------------------------------------------------------


def test_non_string_outputs_become_json_or_stay_blocks():
    @tool
    def as_dict(a: int) -> dict[str, Any]:
        """Dict."""
        return {"a": a, "b": [1, 2], "city": "Zürich"}

    @tool
    def as_blocks(a: int) -> list[dict[str, Any]]:
        """Blocks."""
        return [{"type": "text", "text": f"n={a}"}]

    @tool
    def as_list(a: int) -> list[int]:
        """List."""
        return [a, a]

    class Point(BaseModel):
        x: int

    @tool
    def as_model(a: int) -> Point:
        """Model."""
        return Point(x=a)

    assert as_dict.invoke(call("as_dict", {"a": 1})).content == (
        '{"a": 1, "b": [1, 2], "city": "Zürich"}'
    )
    assert as_blocks.invoke(call("as_blocks", {"a": 2})).content == [
        {"type": "text", "text": "n=2"}
    ]
    assert as_list.invoke(call("as_list", {"a": 3})).content == "[3, 3]"
    assert as_model.invoke(call("as_model", {"a": 4})).content == '{"x": 4}'
    assert as_dict.invoke({"a": 1}) == {"a": 1, "b": [1, 2], "city": "Zürich"}


def test_content_and_artifact():
    @tool(response_format="content_and_artifact")
    def search(query: str) -> tuple[str, dict[str, Any]]:
        """Search."""
        return f"2 results for {query}", {"ids": [1, 2]}

    message = search.invoke(call("search", {"query": "cats"}))
    assert message.content == "2 results for cats"
    assert message.artifact == {"ids": [1, 2]}
    assert search.invoke({"query": "cats"}) == "2 results for cats"

    @tool(response_format="content_and_artifact")
    def wrong(query: str) -> str:
        """Wrong."""
        return "no tuple"

    with pytest.raises(ValueError, match=r"must return a \(content, artifact\) tuple"):
        wrong.invoke({"query": "x"})


def test_tool_returning_a_tool_message_is_kept():
    @tool
    def custom(x: int) -> ToolMessage:
        """Custom."""
        return ToolMessage("done", tool_call_id="mine", artifact=x)

    result = custom.invoke(call("custom", {"x": 5}))
    assert result.tool_call_id == "mine" and result.artifact == 5


# --- validation and errors ----------------------------------------------------------------


def add_numbers(a: int, b: int = 0) -> int:
    """Add two integers."""
    return a + b


add = tool("add", add_numbers)


def test_validation_error_names_tool_and_argument():
    with pytest.raises(ToolInputValidationError) as info:
        add.invoke({"a": "seven"})
    message = str(info.value)
    assert "'add'" in message
    assert "'a'" in message and "valid integer" in message and "'seven'" in message
    assert info.value.errors[0]["loc"] == ("a",)
    assert isinstance(info.value, ValueError)


def test_missing_argument_is_named():
    with pytest.raises(ToolInputValidationError, match="'a': Field required"):
        add.invoke(call("add", {"b": 1}))


def test_validated_values_are_coerced_and_defaults_left_to_the_function():
    assert add.invoke({"a": "3"}) == 3
    assert add.invoke({"a": 1, "b": 2}) == 3


def test_string_input_for_multi_argument_tool_is_rejected():
    @tool
    def two(a: str, b: str) -> str:
        """Two."""
        return a + b

    with pytest.raises(ValueError, match="takes 2 arguments"):
        two.invoke("x")


@pytest.mark.parametrize(
    ("flag", "expected"),
    [
        (True, "Invalid arguments for tool 'add'"),
        ("Bad input, try again.", "Bad input, try again."),
        (lambda e: f"handled: {e.tool_name}", "handled: add"),
    ],
)
def test_handle_validation_error(flag, expected):
    handled = StructuredTool.from_function(add_numbers, name="add", handle_validation_error=flag)
    message = handled.invoke(call("add", {"a": "x"}))
    assert isinstance(message, ToolMessage)
    assert message.status == "error"
    assert isinstance(message.content, str) and message.content.startswith(expected)
    assert message.tool_call_id == "call_1"


def fails(x: int) -> int:
    """Fail."""
    raise ToolException(f"cannot handle {x}")


@pytest.mark.parametrize(
    ("flag", "expected"),
    [
        (True, "cannot handle 3"),
        ("Tool failed.", "Tool failed."),
        (lambda e: f"sorry: {e}", "sorry: cannot handle 3"),
    ],
)
def test_handle_tool_error(flag, expected):
    handled = tool(handle_tool_error=flag)(fails)
    message = handled.invoke(call("fails", {"x": 3}))
    assert (message.status, message.content) == ("error", expected)
    assert handled.invoke({"x": 3}) == expected


def test_errors_propagate_without_handler():
    with pytest.raises(ToolException, match="cannot handle 1"):
        tool(fails).invoke(call("fails", {"x": 1}))

    def crash(x: int) -> int:
        """Crash."""
        raise KeyError("boom")

    # handle_tool_error handles ToolException only.
    with pytest.raises(KeyError):
        tool(handle_tool_error=True)(crash).invoke(call("crash", {"x": 1}))


# --- async --------------------------------------------------------------------------------


async def test_coroutine_tool_runs_natively():
    seen: list[bool] = []

    @tool
    async def fetch(url: str) -> str:
        """Fetch a URL."""
        seen.append(asyncio.current_task() is not None)
        await asyncio.sleep(0)
        return f"<html>{url}</html>"

    message = await fetch.ainvoke(call("fetch", {"url": "a.com"}))
    assert message.content == "<html>a.com</html>"
    assert seen == [True]
    with pytest.raises(NotImplementedError, match="ainvoke"):
        fetch.invoke({"url": "a.com"})


async def test_sync_tool_ainvoke_runs_in_a_thread():
    threads: list[int] = []

    @tool
    def where(x: int) -> int:
        """Where."""
        threads.append(threading.get_ident())
        return x

    message = await where.ainvoke(call("where", {"x": 9}))
    assert message.content == "9"
    assert threads and threads[0] != threading.get_ident()


async def test_async_validation_error_handling():
    @tool(handle_validation_error=True)
    async def double(x: int) -> int:
        """Double."""
        return 2 * x

    message = await double.ainvoke(call("double", {"x": "z"}))
    assert message.status == "error" and "'x'" in message.content


# --- @tool forms and docstrings -------------------------------------------------------------


def test_tool_with_name_string_and_kwargs():
    @tool("weather_lookup", return_direct=True, description="Look up weather.")
    def lookup(city: str) -> str:
        return city

    assert (lookup.name, lookup.description, lookup.return_direct) == (
        "weather_lookup",
        "Look up weather.",
        True,
    )
    direct = tool("shout", lambda text: text.upper(), description="Shout.")
    assert direct.name == "shout" and direct.invoke({"text": "hi"}) == "HI"


def test_parse_docstring():
    @tool(parse_docstring=True)
    def forecast(city: str, days: int = 1) -> str:
        """Forecast the weather.

        Uses the best model available.

        Args:
            city: The city to forecast,
                for example Paris.
            days: How many days ahead.

        Returns:
            The forecast.
        """
        return city

    assert forecast.description == "Forecast the weather.\n\nUses the best model available."
    params = convert_to_openai_tool(forecast)["function"]["parameters"]
    assert params["properties"]["city"]["description"] == "The city to forecast, for example Paris."
    assert params["properties"]["days"]["description"] == "How many days ahead."


def test_docstring_kept_whole_without_parse_docstring():
    @tool
    def forecast(city: str) -> str:
        """Forecast the weather.

        Args:
            city: The city.
        """
        return city

    assert forecast.description == "Forecast the weather.\n\nArgs:\n    city: The city."


def test_invalid_docstring_and_missing_description():
    with pytest.raises(ValueError, match="documents arguments it does not have"):

        @tool(parse_docstring=True)
        def bad(city: str) -> str:
            """Bad.

            Args:
                town: Not an argument.
            """
            return city

    with pytest.raises(ValueError, match="needs a description"):

        @tool
        def nodoc(city: str) -> str:
            return city


def test_args_schema_given():
    class SearchInput(BaseModel):
        """Search the web."""

        query: str = Field(description="What to search for")
        limit: int = 5

    @tool(args_schema=SearchInput)
    def search(query: str, limit: int = 5) -> str:
        return f"{query}:{limit}"

    assert search.description == "Search the web."
    assert search.args_schema is SearchInput
    assert search.get_input_schema() is SearchInput
    assert search.tool_call_schema is SearchInput
    assert search.invoke({"query": "x", "limit": "2"}) == "x:2"


def test_pydantic_v1_args_schema():
    class Query(pv1.BaseModel):
        q: str

    t = StructuredTool.from_function(
        lambda q: q * 2, name="rep", description="R.", args_schema=Query
    )
    assert t.invoke({"q": "ab"}) == "abab"
    assert convert_to_openai_tool(t)["function"]["parameters"]["properties"] == {
        "q": {"type": "string"}
    }
    with pytest.raises(ToolInputValidationError, match="'rep'.*'q'"):
        t.invoke({"q": None})


def test_reserved_argument_names():
    @tool
    def render(json: str, schema: str) -> str:
        """Render."""
        return json + schema

    assert render.invoke({"json": "a", "schema": "b"}) == "ab"
    assert set(convert_to_openai_tool(render)["function"]["parameters"]["properties"]) == {
        "json",
        "schema",
    }


def test_injected_tool_call_id():
    @tool
    def record(note: str, tool_call_id: Annotated[str, InjectedToolCallId]) -> str:
        """Record a note."""
        return f"{note}@{tool_call_id}"

    call_schema = record.tool_call_schema
    input_schema = record.get_input_schema()
    assert isinstance(call_schema, type) and issubclass(call_schema, BaseModel)
    assert isinstance(input_schema, type) and issubclass(input_schema, BaseModel)
    assert call_schema.model_json_schema()["properties"].keys() == {"note"}
    assert "tool_call_id" in input_schema.model_fields
    properties = convert_to_openai_tool(record)["function"]["parameters"]["properties"]
    assert set(properties) == {"note"}
    message = record.invoke(call("record", {"note": "hi"}, id="call_9"))
    assert message.content == "hi@call_9"
    with pytest.raises(ValueError, match="needs the id of the tool call"):
        record.invoke({"note": "hi"})


def test_base_tool_subclass_infers_schema_from_run():
    class Multiply(BaseTool):
        name: str = "multiply"
        description: str = "Multiply two integers."

        def _run(self, a: int, b: int, run_manager: Any = None) -> int:
            return a * b

    t = Multiply()
    assert t.invoke({"a": 6, "b": "7"}) == 42
    assert set(t.args) == {"a", "b"}
    assert convert_to_openai_tool(t)["function"]["parameters"]["required"] == ["a", "b"]


# --- callbacks and config -----------------------------------------------------------------


class Recorder(BaseCallbackHandler):
    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []
        self.run_ids: dict[str, UUID] = {}

    def on_tool_start(self, serialized, input_str, *, run_id, inputs=None, **kwargs):
        self.run_ids["tool"] = run_id
        self.events.append(("start", (serialized["name"], inputs, kwargs.get("tool_call_id"))))

    def on_tool_end(self, output, *, run_id, **kwargs):
        self.events.append(("end", output))

    def on_tool_error(self, error, *, run_id, **kwargs):
        self.events.append(("error", type(error).__name__))

    def on_chain_start(self, serialized, inputs, *, run_id, parent_run_id=None, **kwargs):
        self.events.append(("chain_start", parent_run_id))


def test_callbacks_fire_start_and_end():
    recorder = Recorder()
    result = get_weather.invoke(
        call("get_weather", {"location": "Oslo"}), config={"callbacks": [recorder]}
    )
    assert recorder.events == [
        ("start", ("get_weather", {"location": "Oslo"}, "call_1")),
        ("end", result),
    ]


def test_callbacks_fire_on_error():
    recorder = Recorder()
    with pytest.raises(ToolInputValidationError):
        add.invoke({"a": "x"}, config={"callbacks": [recorder]})
    assert recorder.events[-1] == ("error", "ToolInputValidationError")


async def test_async_callbacks():
    recorder = Recorder()
    await get_weather.ainvoke({"location": "Rome"}, config={"callbacks": [recorder]})
    assert [e[0] for e in recorder.events] == ["start", "end"]


def test_no_callback_manager_without_handlers(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("a callback manager was built without handlers")

    monkeypatch.setattr(CallbackManager, "configure", forbidden)
    assert get_weather.invoke({"location": "Lima"}) == "It's sunny in Lima."


def test_config_injection_and_nested_runs():
    recorder = Recorder()
    seen: dict[str, Any] = {}

    @tool
    def nested(x: int, config: RunnableConfig) -> int:
        """Nested."""
        seen["tags"] = config.get("tags")

        def increment(v: int) -> int:
            return v + 1

        return RunnableLambda(increment).invoke(x)

    assert "config" not in nested.args
    result = nested.invoke({"x": 1}, config={"callbacks": [recorder], "tags": ["t"]})
    assert result == 2
    assert seen["tags"] == ["t"]
    # The lambda run is a child of the tool run.
    assert ("chain_start", recorder.run_ids["tool"]) in recorder.events


def test_tool_callbacks_field_is_local():
    recorder = Recorder()
    t = StructuredTool.from_function(add_numbers, callbacks=[recorder])
    t.invoke({"a": 1})
    assert [e[0] for e in recorder.events] == ["start", "end"]


async def test_tool_error_event_names_the_failed_tool_call():
    @tool
    def halve(n: int) -> float:
        """Halve a non-negative number."""
        if n < 0:
            raise ValueError("negative")
        return n / 2

    call = {"name": "halve", "args": {"n": -2}, "id": "call_7", "type": "tool_call"}
    events: list[Any] = []
    with pytest.raises(ValueError, match="negative"):
        async for event in halve.astream_events(call, version="v2"):
            events.append(event)
    (error,) = [e for e in events if e["event"] == "on_tool_error"]
    assert error["data"]["tool_call_id"] == "call_7"
    assert error["data"]["input"] == {"n": -2}
    plain: list[Any] = []
    with pytest.raises(ValueError):
        async for event in halve.astream_events({"n": -1}, version="v2"):
            plain.append(event)
    assert plain[-1]["event"] == "on_tool_error" and plain[-1]["data"]["tool_call_id"] is None
