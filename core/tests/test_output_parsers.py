import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict, Field
from pydantic_core import from_json

from linguafranca.callbacks import BaseCallbackHandler
from linguafranca.errors import OutputParserException as ErrorsOutputParserException
from linguafranca.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    merge_chunks,
)
from linguafranca.messages import _tool as messages_tool
from linguafranca.messages import _tool_parse as messages_tool_parse
from linguafranca.output_parsers import (
    JsonOutputKeyToolsParser,
    JsonOutputParser,
    JsonOutputToolsParser,
    OutputParserException,
    PydanticOutputParser,
    PydanticToolsParser,
    StrOutputParser,
)
from linguafranca.output_parsers import _base as output_parsers_base
from linguafranca.output_parsers import _json as output_parsers_json
from linguafranca.runnables import RunnableLambda


def test_output_parser_exception_is_re_exported():
    assert OutputParserException is ErrorsOutputParserException
    assert issubclass(OutputParserException, ValueError)


# --- StrOutputParser ----------------------------------------------------------------------


def test_str_parser_invoke():
    parser = StrOutputParser()
    assert parser.invoke("plain") == "plain"
    assert parser.invoke(AIMessage("hello")) == "hello"
    blocks = AIMessage(
        content=[
            {"type": "reasoning", "reasoning": "hmm"},
            {"type": "text", "text": "Hel"},
            {"type": "text", "text": "lo"},
        ]
    )
    assert parser.invoke(blocks) == "Hello"


def test_str_parser_streams_each_chunk():
    chunks: list[str | BaseMessage] = [
        AIMessageChunk("The"),
        AIMessageChunk(" sky"),
        AIMessageChunk(""),
        "!",
    ]
    assert list(StrOutputParser().transform(iter(chunks))) == ["The", " sky", "", "!"]


def test_str_parser_in_a_chain():
    chain = RunnableLambda(lambda q: AIMessage(f"echo: {q}")) | StrOutputParser()
    assert chain.invoke("hi") == "echo: hi"


async def test_str_parser_async():
    async def chunks() -> AsyncIterator[Any]:
        for piece in ("a", "b"):
            yield AIMessageChunk(piece)

    assert [p async for p in StrOutputParser().atransform(chunks())] == ["a", "b"]
    assert await StrOutputParser().ainvoke(AIMessage("x")) == "x"


def test_str_parser_rejects_other_inputs():
    with pytest.raises(TypeError, match="str or a message"):
        StrOutputParser().invoke(42)  # type: ignore[arg-type]


# --- JsonOutputParser ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        '{"a": 1, "b": [true, null]}',
        '```json\n{"a": 1, "b": [true, null]}\n```',
        'Here you go:\n```\n{"a": 1, "b": [true, null]}\n```\nAnything else?',
        'Sure! {"a": 1, "b": [true, null]} Hope this helps.',
        '  {"a": 1, "b": [true, null]}\n',
    ],
)
def test_json_parser_finds_the_json(text):
    assert JsonOutputParser().invoke(text) == {"a": 1, "b": [True, None]}


def test_fence_inside_a_json_string_is_not_a_fence():
    text = '{"code": "```py\\nprint(1)\\n```"}'
    assert JsonOutputParser().invoke(text) == {"code": "```py\nprint(1)\n```"}


def test_partial_numbers_are_not_shown_until_complete():
    pieces = ['{"year": 20', "10", ', "ids": [1', "2, 3", "]}"]
    out = list(JsonOutputParser().transform(iter(pieces)))
    assert out == [
        {},
        {"year": 2010, "ids": []},
        {"year": 2010, "ids": [12]},
        {"year": 2010, "ids": [12, 3]},
    ]
    assert all(v.get("year") in (None, 2010) for v in out)


def test_json_parser_reads_messages():
    assert JsonOutputParser().invoke(AIMessage('[1, "two"]')) == [1, "two"]


def test_json_parser_failure_carries_output():
    with pytest.raises(OutputParserException) as info:
        JsonOutputParser().invoke("no json here")
    assert info.value.llm_output == "no json here"
    assert "Invalid JSON output" in str(info.value)


def test_json_parser_streams_partial_values():
    pieces = ['{"setup": "Why', " did", ' the", "punch', 'line": "Be', 'cause"', "}"]
    out = list(JsonOutputParser().transform(iter(pieces)))
    assert out == [
        {"setup": "Why"},
        {"setup": "Why did"},
        {"setup": "Why did the"},
        {"setup": "Why did the", "punchline": "Be"},
        {"setup": "Why did the", "punchline": "Because"},
    ]


def test_json_parser_streams_from_fenced_message_chunks():
    pieces = ["```", "json\n", '{"n": [1', ", 2", "]}", "\n```"]
    out = list(JsonOutputParser().transform(AIMessageChunk(p) for p in pieces))
    assert out == [{"n": []}, {"n": [1]}, {"n": [1, 2]}]


def test_json_parser_yields_only_on_change():
    pieces = ['{"a": 1', "", " ", "  ", "}"]
    assert list(JsonOutputParser().transform(iter(pieces))) == [{}, {"a": 1}]


def test_json_parser_stream_ending_incomplete_raises():
    with pytest.raises(OutputParserException, match="Invalid JSON"):
        list(JsonOutputParser().transform(iter(['{"a": "unterminated'])))


def test_json_parser_empty_stream_raises():
    with pytest.raises(OutputParserException):
        list(JsonOutputParser().transform(iter([])))


def test_json_parser_long_stream_is_cheap():
    items = ", ".join(f'"k{i}": {i}' for i in range(400))
    text = "{" + items + "}"
    pieces = [text[i : i + 7] for i in range(0, len(text), 7)]
    out = list(JsonOutputParser().transform(iter(pieces)))
    assert out[-1] == {f"k{i}": i for i in range(400)}
    assert len(out) <= len(pieces)


async def test_json_parser_astream():
    async def pieces() -> AsyncIterator[Any]:
        for p in ('{"x": ', "[1, ", "2]}"):
            yield p

    out = [v async for v in JsonOutputParser().atransform(pieces())]
    assert out == [{}, {"x": [1]}, {"x": [1, 2]}]


# --- PydanticOutputParser -----------------------------------------------------------------


class Movie(BaseModel):
    """A movie with details."""

    title: str = Field(description="The title of the movie")
    year: int


def test_pydantic_parser_builds_the_model():
    parser = PydanticOutputParser(pydantic_object=Movie)
    assert parser.invoke('```json\n{"title": "Inception", "year": 2010}\n```') == Movie(
        title="Inception", year=2010
    )


def test_pydantic_parser_validation_failure():
    parser = PydanticOutputParser(pydantic_object=Movie)
    with pytest.raises(OutputParserException) as info:
        parser.invoke('{"title": "Inception", "year": "soon"}')
    assert "Movie" in str(info.value) and "year" in str(info.value)
    assert info.value.llm_output == '{"title": "Inception", "year": "soon"}'


def test_pydantic_parser_streams_valid_partials():
    pieces = ['{"title": "Incep', 'tion", "ye', 'ar": 2010}']
    out = list(PydanticOutputParser(pydantic_object=Movie).transform(iter(pieces)))
    assert out == [Movie(title="Inception", year=2010)]


def test_format_instructions_mention_the_schema():
    text = PydanticOutputParser(pydantic_object=Movie).get_format_instructions()
    assert '"title"' in text and "The title of the movie" in text and '"year"' in text
    assert JsonOutputParser().get_format_instructions()


# --- tool-call parsers --------------------------------------------------------------------


def ai_with_calls(*calls: tuple[str, dict[str, Any], str]) -> AIMessage:
    return AIMessage(
        "",
        tool_calls=[
            {"name": name, "args": args, "id": id_, "type": "tool_call"}
            for name, args, id_ in calls
        ],
    )


CALLS = ai_with_calls(
    ("get_weather", {"location": "Boston"}, "call_1"),
    ("get_time", {"zone": "EST"}, "call_2"),
    ("get_weather", {"location": "Tokyo"}, "call_3"),
)


def test_json_tools_parser():
    assert JsonOutputToolsParser().invoke(CALLS) == [
        {"type": "get_weather", "args": {"location": "Boston"}},
        {"type": "get_time", "args": {"zone": "EST"}},
        {"type": "get_weather", "args": {"location": "Tokyo"}},
    ]
    with_ids = JsonOutputToolsParser(return_id=True, first_tool_only=True).invoke(CALLS)
    assert with_ids == {"type": "get_weather", "args": {"location": "Boston"}, "id": "call_1"}
    assert JsonOutputToolsParser().invoke(AIMessage("no calls")) == []


def test_key_tools_parser():
    parser = JsonOutputKeyToolsParser(key_name="get_weather")
    assert parser.invoke(CALLS) == [{"location": "Boston"}, {"location": "Tokyo"}]
    first = JsonOutputKeyToolsParser(key_name="get_time", first_tool_only=True)
    assert first.invoke(CALLS) == {"zone": "EST"}
    missing = JsonOutputKeyToolsParser(key_name="nope", first_tool_only=True)
    with pytest.raises(OutputParserException, match="did not call the tool 'nope'"):
        missing.invoke(CALLS)


class GetWeather(BaseModel):
    location: str


class GetTime(BaseModel):
    zone: str


def test_pydantic_tools_parser():
    parser = PydanticToolsParser(tools=[GetWeather, GetTime])
    assert parser.invoke(
        ai_with_calls(("GetWeather", {"location": "Oslo"}, "1"), ("GetTime", {"zone": "CET"}, "2"))
    ) == [GetWeather(location="Oslo"), GetTime(zone="CET")]
    first = PydanticToolsParser(tools=[GetWeather], first_tool_only=True)
    assert first.invoke(ai_with_calls(("GetWeather", {"location": "Rome"}, "1"))) == GetWeather(
        location="Rome"
    )
    with pytest.raises(OutputParserException, match="did not call any tool"):
        first.invoke(AIMessage("I won't call tools"))


def test_pydantic_tools_parser_errors():
    parser = PydanticToolsParser(tools=[GetWeather])
    with pytest.raises(OutputParserException, match="'Unknown', which is not among"):
        parser.invoke(ai_with_calls(("Unknown", {}, "1")))
    with pytest.raises(OutputParserException, match="do not fit the model") as info:
        parser.invoke(ai_with_calls(("GetWeather", {"place": "x"}, "1")))
    assert info.value.llm_output == "{'place': 'x'}"


def test_tool_parsers_need_messages():
    with pytest.raises(OutputParserException, match="AIMessage"):
        JsonOutputToolsParser().invoke("text")
    with pytest.raises(OutputParserException, match="got a HumanMessage"):
        JsonOutputToolsParser().invoke(HumanMessage("hi"))


def test_invalid_tool_calls_raise():
    message = AIMessage(
        "",
        invalid_tool_calls=[
            {"name": "get_weather", "args": '{"loc', "id": "c", "error": "bad JSON"}
        ],
    )
    with pytest.raises(OutputParserException, match="invalid tool calls") as info:
        JsonOutputToolsParser().invoke(message)
    assert info.value.llm_output == '{"loc'
    # Invalid calls to other tools do not concern a key parser.
    assert JsonOutputKeyToolsParser(key_name="other").invoke(message) == []


def seed_stream() -> list[AIMessageChunk]:
    """The seeds' streamed tool calls: Boston then Tokyo."""
    pieces: list[tuple[int, str | None, str | None, str]] = [
        (0, "get_weather", "call_SvM", ""),
        (0, None, None, '{"lo'),
        (0, None, None, "catio"),
        (0, None, None, 'n": "B'),
        (0, None, None, "osto"),
        (0, None, None, 'n"}'),
        (1, "get_weather", "call_QMZ", ""),
        (1, None, None, '{"lo'),
        (1, None, None, "catio"),
        (1, None, None, 'n": "T'),
        (1, None, None, "okyo"),
        (1, None, None, '"}'),
    ]
    return [
        AIMessageChunk(
            "",
            tool_call_chunks=[
                {"name": name, "args": args, "id": id_, "index": index, "type": "tool_call_chunk"}
            ],
        )
        for index, name, id_, args in pieces
    ]


def test_tools_parser_streams_growing_args():
    out = list(JsonOutputKeyToolsParser(key_name="get_weather").transform(iter(seed_stream())))
    assert out[0] == [{}]
    assert [{"location": "B"}] in out
    assert [{"location": "Boston"}] in out
    assert [{"location": "Boston"}, {"location": "T"}] in out
    assert out[-1] == [{"location": "Boston"}, {"location": "Tokyo"}]
    assert all(a != b for a, b in zip(out, out[1:], strict=False))  # yields only on change


class WeatherQuery(BaseModel):
    model_config = ConfigDict(title="get_weather")  # the tool name is the schema title

    location: str


def test_pydantic_tools_parser_streams():
    parser = PydanticToolsParser(tools=[WeatherQuery], first_tool_only=True)
    out = list(parser.transform(iter(seed_stream())))
    assert out[0] == WeatherQuery(location="B")
    assert out[-1] == WeatherQuery(location="Boston")
    assert all(isinstance(v, WeatherQuery) for v in out)
    every = list(PydanticToolsParser(tools=[WeatherQuery]).transform(iter(seed_stream())))
    assert every[-1] == [WeatherQuery(location="Boston"), WeatherQuery(location="Tokyo")]


def test_truncated_tool_stream_raises():
    chunks = seed_stream()[:4]  # '{"location": "B' and no more
    with pytest.raises(OutputParserException, match="invalid tool calls"):
        list(JsonOutputToolsParser().transform(iter(chunks)))


# --- callbacks ----------------------------------------------------------------------------


class ChainRecorder(BaseCallbackHandler):
    def __init__(self) -> None:
        self.starts: list[tuple[Any, Any]] = []
        self.ends: list[tuple[Any, Any]] = []

    def on_chain_start(self, serialized, inputs, *, run_id, **kwargs):
        self.starts.append((kwargs.get("run_type"), kwargs.get("name")))

    def on_chain_end(self, outputs, *, run_id, **kwargs):
        self.ends.append((outputs, kwargs.get("inputs")))


def test_parser_runs_are_reported():
    recorder = ChainRecorder()
    assert JsonOutputParser().invoke('{"a": 1}', config={"callbacks": [recorder]}) == {"a": 1}
    assert recorder.starts == [("parser", "JsonOutputParser")]
    assert recorder.ends[0][0] == {"a": 1}


def test_streamed_parser_reports_final_value_and_input():
    recorder = ChainRecorder()
    pieces = ['{"a": "x', 'y"}']
    out = list(JsonOutputParser().transform(iter(pieces), config={"callbacks": [recorder]}))
    assert out[-1] == {"a": "xy"}
    # The last (complete) value, not partial dicts added together.
    assert recorder.ends == [({"a": "xy"}, '{"a": "xy"}')]


# --- long streams cost linear time ------------------------------------------------------


class CountedFromJson:
    """Wraps pydantic_core.from_json, adding up the length of every text it parses."""

    def __init__(self) -> None:
        self.chars = 0

    def __call__(self, data: Any, *args: Any, **kwargs: Any) -> Any:
        self.chars += len(data)
        return from_json(data, *args, **kwargs)


class CountedMerge:
    """Wraps merge_chunks, adding up the text and argument characters of its inputs."""

    def __init__(self) -> None:
        self.chars = 0

    def __call__(self, chunks: Any) -> Any:
        items = list(chunks)
        for chunk in items:
            self.chars += len(chunk.text)
            self.chars += sum(len(c.get("args") or "") for c in chunk.tool_call_chunks)
        return merge_chunks(items)


def counted(monkeypatch: pytest.MonkeyPatch) -> tuple[CountedFromJson, CountedMerge]:
    """Fresh counters on every JSON parse and on the parsers' merges."""
    parses, merges = CountedFromJson(), CountedMerge()
    for module in (output_parsers_json, messages_tool, messages_tool_parse):
        monkeypatch.setattr(module, "from_json", parses)
    monkeypatch.setattr(output_parsers_base, "merge_chunks", merges)
    return parses, merges


N_FRAGMENTS = 2_000


class LongWeather(BaseModel):
    model_config = ConfigDict(title="get_weather")

    location: str
    notes: str


def long_tool_stream(n: int) -> tuple[list[AIMessageChunk], str]:
    """Arguments of about 5n characters streamed in n + 1 fragments."""
    words = " ".join(f"w{i}" for i in range(n))
    args = json.dumps({"location": "Boston", "notes": words})
    size = max(len(args) // n, 1)
    pieces = [args[i : i + size] for i in range(0, len(args), size)]
    assert len(pieces) >= n

    def chunk(args: str, name: str | None = None, id_: str | None = None) -> AIMessageChunk:
        call = {"name": name, "args": args, "id": id_, "index": 0, "type": "tool_call_chunk"}
        return AIMessageChunk("", tool_call_chunks=[call])

    return [chunk("", "get_weather", "call_1"), *(chunk(p) for p in pieces)], args


def final_args(value: Any) -> Any:
    if isinstance(value, list):
        value = value[0]["args"]
    return value.model_dump() if isinstance(value, BaseModel) else value


TOOL_PARSERS = [
    JsonOutputToolsParser(),
    JsonOutputKeyToolsParser(key_name="get_weather", first_tool_only=True),
    PydanticToolsParser(tools=[LongWeather], first_tool_only=True),
]


@pytest.mark.parametrize("parser", TOOL_PARSERS, ids=type)
def test_tool_parsers_stream_long_arguments_in_linear_time(parser, monkeypatch):
    per_char: list[tuple[float, float]] = []
    for n in (N_FRAGMENTS // 2, N_FRAGMENTS):
        parses, merges = counted(monkeypatch)
        chunks, args = long_tool_stream(n)
        out = list(parser.transform(iter(chunks)))
        assert final_args(out[-1]) == json.loads(args)
        assert len(out) >= 100  # still streams: many growing values, not one at the end
        per_char.append((parses.chars / len(args), merges.chars / len(args)))
    # Folding every chunk into the whole message so far, or re-parsing all the arguments on
    # every chunk, costs ~n times the size (~2000x at n=2000) and doubles with n.
    (parses_half, merges_half), (parses_full, merges_full) = per_char
    assert parses_full <= 200 and merges_full <= 200, per_char
    assert parses_full <= 1.3 * parses_half and merges_full <= 1.3 * merges_half, per_char


def test_json_parser_streams_long_text_in_linear_time(monkeypatch):
    per_char: list[float] = []
    for n in (N_FRAGMENTS // 2, N_FRAGMENTS):
        parses, _ = counted(monkeypatch)
        text = json.dumps({"items": [f"item {i}" for i in range(n)]})
        pieces = [text[i : i + 5] for i in range(0, len(text), 5)]
        out = list(JsonOutputParser().transform(AIMessageChunk(p) for p in pieces))
        assert out[-1] == json.loads(text)
        assert len(out) >= 100
        lengths = [len(v.get("items", [])) for v in out]
        assert lengths == sorted(lengths)  # every value extends the one before
        per_char.append(parses.chars / len(text))
    assert per_char[1] <= 200 and per_char[1] <= 1.3 * per_char[0], per_char


def test_short_streams_still_parse_every_chunk():
    pieces = ['{"n": "'] + ["y"] * 600 + ['"}']
    out = list(JsonOutputParser().transform(iter(pieces)))
    assert [len(v["n"]) for v in out] == list(range(601))
