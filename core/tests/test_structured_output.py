"""with_structured_output: every method x schema kind, include_raw, failures, streaming, types."""

import json
from typing import Annotated, Any, ClassVar

import pytest
from pydantic import BaseModel, Field
from typing_extensions import TypedDict, assert_type

from linguafranca.chat_models.fake import GenericFakeChatModel, ScriptedFakeChatModel
from linguafranca.errors import ConfigurationError, OutputParserException
from linguafranca.messages import AIMessage, LanguageModelInput
from linguafranca.runnables import Runnable


class Movie(BaseModel):
    """A movie with details."""

    title: str = Field(..., description="The title of the movie")
    year: int = Field(..., description="The year the movie was released")
    director: str = Field(..., description="The director of the movie")
    rating: float = Field(..., description="The movie's rating out of 10")


class MovieDict(TypedDict):
    """A movie with details."""

    title: Annotated[str, "The title of the movie"]
    year: Annotated[int, "The year the movie was released"]
    director: Annotated[str, "The director of the movie"]
    rating: Annotated[float, "The movie's rating out of 10"]


MOVIE_SCHEMA = {
    "title": "Movie",
    "description": "A movie with details",
    "type": "object",
    "properties": {
        "title": {"type": "string", "description": "The title of the movie"},
        "year": {"type": "integer", "description": "The year the movie was released"},
        "director": {"type": "string", "description": "The director of the movie"},
        "rating": {"type": "number", "description": "The movie's rating out of 10"},
    },
    "required": ["title", "year", "director", "rating"],
}


class Actor(BaseModel):
    name: str
    role: str


class MovieDetails(BaseModel):
    title: str
    year: int
    cast: list[Actor]
    genres: list[str]
    budget: float | None = Field(None, description="Budget in millions USD")


class ActorDict(TypedDict):
    name: str
    role: str


class MovieDetailsDict(TypedDict):
    """Movie details."""

    title: str
    year: int
    cast: list[ActorDict]
    genres: list[str]
    budget: Annotated[float | None, ..., "Budget in millions USD"]


PROMPT = "Provide details about the movie Inception from 2010"
METHODS = ["function_calling", "json_schema", "json_mode"]
KEYS = {"title", "year", "director", "rating"}


def prompt_for(method, schema):
    """json_mode needs the schema described in the prompt, as with real providers."""
    if method != "json_mode":
        return PROMPT
    if isinstance(schema, dict):
        body = schema
    elif isinstance(schema, type) and issubclass(schema, BaseModel):
        body = schema.model_json_schema()
    else:
        body = MOVIE_SCHEMA
    return f"{PROMPT}. Reply with JSON matching: {json.dumps(body)}"


@pytest.fixture
def model():
    return ScriptedFakeChatModel()


@pytest.mark.parametrize("method", METHODS)
def test_pydantic_schema_gives_an_instance(model, method):
    result = model.with_structured_output(Movie, method=method).invoke(prompt_for(method, Movie))
    assert isinstance(result, Movie)
    assert result.title == "Inception" and result.year == 2010


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("schema", [MovieDict, MOVIE_SCHEMA], ids=["typeddict", "json_schema"])
def test_dict_schemas_give_dicts(model, method, schema):
    result = model.with_structured_output(schema, method=method).invoke(prompt_for(method, schema))
    assert isinstance(result, dict)
    assert set(result) == KEYS
    assert result["title"] == "Inception" and result["year"] == 2010
    assert isinstance(result["rating"], float)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("schema", [Movie, MovieDict, MOVIE_SCHEMA], ids=["pydantic", "td", "js"])
def test_include_raw(model, method, schema):
    runnable = model.with_structured_output(schema, method=method, include_raw=True)
    result = runnable.invoke(prompt_for(method, schema))
    assert set(result) == {"raw", "parsed", "parsing_error"}
    assert isinstance(result["raw"], AIMessage)
    assert result["parsing_error"] is None
    parsed = result["parsed"]
    assert (parsed.title if isinstance(parsed, Movie) else parsed["title"]) == "Inception"
    if method == "function_calling":
        assert result["raw"].tool_calls[0]["name"] in ("Movie", "MovieDict")
    else:
        assert json.loads(result["raw"].text)["year"] == 2010


@pytest.mark.parametrize("method", ["function_calling", "json_schema"])
def test_nested_and_optional_fields(model, method):
    details = model.with_structured_output(MovieDetails, method=method).invoke(PROMPT)
    assert isinstance(details, MovieDetails)
    assert isinstance(details.cast[0], Actor) and details.genres == ["Inception"]
    assert details.budget is None  # the field's default: no number is left for it
    rich = model.with_structured_output(MovieDetails, method=method).invoke(
        f"{PROMPT}, made with a budget of 160.5"
    )
    assert (rich.year, rich.budget) == (2010, 160.5)
    as_dict = model.with_structured_output(MovieDetailsDict, method=method).invoke(PROMPT)
    assert as_dict["cast"] == [{"name": "Inception", "role": "Inception"}]
    assert set(as_dict) == {"title", "year", "cast", "genres", "budget"}


def test_forces_the_tool_and_binds_response_formats(model):
    calling = model.with_structured_output(Movie)
    assert calling.bound.kwargs["tool_choice"] == {"type": "function", "name": "Movie"}
    schema = model.with_structured_output(Movie, method="json_schema", strict=True)
    response_format = schema.bound.kwargs["response_format"]
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"]["name"] == "Movie"
    assert response_format["json_schema"]["strict"] is True
    assert set(response_format["json_schema"]["schema"]["required"]) == KEYS
    mode = model.with_structured_output(Movie, method="json_mode")
    assert mode.bound.kwargs["response_format"] == {"type": "json_object"}


# --- failures never give None -------------------------------------------------------------


class Stubborn(GenericFakeChatModel):
    """Answers with its scripted messages whatever the tools or format asked for."""

    _structured_output_methods: ClassVar[frozenset[str]] = frozenset(
        {"function_calling", "json_mode", "json_schema"}
    )

    def bind_tools(self, tools, *, tool_choice=None, **kwargs):
        return self._bind_tools_standard(tools, tool_choice=tool_choice, **kwargs)


def stubborn(*answers):
    return Stubborn(messages=iter(list(answers)))


@pytest.mark.parametrize(
    ("method", "answer"),
    [
        ("function_calling", AIMessage("I would rather chat.")),
        ("function_calling", AIMessage("", tool_calls=[{"name": "Movie", "args": {}, "id": "1"}])),
        ("json_schema", AIMessage("not json at all")),
        ("json_schema", AIMessage('{"title": "Inception"}')),
        ("json_mode", AIMessage("null")),
    ],
)
def test_failures_raise_with_the_raw_message(method, answer):
    runnable = stubborn(answer).with_structured_output(Movie, method=method)
    with pytest.raises(OutputParserException) as info:
        runnable.invoke("x")
    raw = info.value.raw_message
    assert isinstance(raw, AIMessage) and raw.content == answer.content
    assert info.value.llm_output is not None


@pytest.mark.parametrize("schema", [MovieDict, MOVIE_SCHEMA])
def test_dict_schema_without_a_tool_call_raises(schema):
    with pytest.raises(OutputParserException, match="did not call"):
        stubborn(AIMessage("no tools")).with_structured_output(schema).invoke("x")


def test_json_null_never_parses_to_none():
    with pytest.raises(OutputParserException, match="nothing"):
        stubborn(AIMessage("null")).with_structured_output(
            MOVIE_SCHEMA, method="json_schema"
        ).invoke("x")


def test_include_raw_reports_the_error_instead():
    runnable = stubborn(AIMessage("plain text")).with_structured_output(Movie, include_raw=True)
    result = runnable.invoke("x")
    assert result["parsed"] is None
    assert isinstance(result["parsing_error"], OutputParserException)
    assert result["raw"].content == "plain text"


def test_stream_failure_raises_with_the_raw_message():
    runnable = stubborn(AIMessage("no json")).with_structured_output(
        MOVIE_SCHEMA, method="json_schema"
    )
    with pytest.raises(OutputParserException) as info:
        list(runnable.stream("x"))
    raw = info.value.raw_message
    assert isinstance(raw, AIMessage) and raw.content == "no json"


def test_unsupported_method_and_arguments():
    fake = GenericFakeChatModel(messages=iter([]))
    with pytest.raises(ConfigurationError, match="does not support"):
        fake.with_structured_output(Movie, method="json_schema")
    with pytest.raises(ConfigurationError, match="Unknown structured-output method"):
        ScriptedFakeChatModel().with_structured_output(Movie, method="xml")  # type: ignore[call-overload]
    with pytest.raises(ConfigurationError, match="unexpected arguments"):
        ScriptedFakeChatModel().with_structured_output(Movie, tools=[])
    with pytest.raises(NotImplementedError, match="tool calling"):
        fake.with_structured_output(Movie)


# --- streaming -------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["function_calling", "json_schema"])
@pytest.mark.parametrize("schema", [MovieDict, MOVIE_SCHEMA])
def test_dict_streams_grow_to_the_invoke_result(model, method, schema):
    runnable = model.with_structured_output(schema, method=method)
    parts = list(runnable.stream(PROMPT))
    assert len(parts) > 1
    for before, after in zip(parts, parts[1:], strict=False):
        assert set(before) <= set(after) and before != after
    assert parts[-1] == runnable.invoke(PROMPT)


@pytest.mark.parametrize("method", ["function_calling", "json_schema"])
def test_pydantic_streams_one_complete_instance(model, method):
    parts = list(model.with_structured_output(Movie, method=method).stream(PROMPT))
    assert len(parts) == 1 and isinstance(parts[0], Movie)
    assert parts[0] == model.with_structured_output(Movie, method=method).invoke(PROMPT)


def test_include_raw_streams_raw_chunks_then_the_parsed_value(model):
    parts = list(model.with_structured_output(Movie, include_raw=True).stream(PROMPT))
    assert all(set(p) == {"raw"} for p in parts[:-1]) and len(parts) > 2
    assert set(parts[-1]) == {"parsed", "parsing_error"}
    assert isinstance(parts[-1]["parsed"], Movie)


async def test_async_invoke_and_stream(model):
    runnable = model.with_structured_output(MOVIE_SCHEMA)
    result = await runnable.ainvoke(PROMPT)
    parts = [p async for p in runnable.astream(PROMPT)]
    assert parts[-1] == result and len(parts) > 1
    instance = await model.with_structured_output(Movie, method="json_schema").ainvoke(PROMPT)
    assert isinstance(instance, Movie)
    pieces = [p async for p in model.with_structured_output(Movie).astream(PROMPT)]
    assert pieces == [instance]


def test_batch(model):
    results = model.with_structured_output(Movie).batch([PROMPT, "the movie Alien"])
    assert [r.title for r in results] == ["Inception", "Alien"]


async def test_astream_events_show_the_model_and_the_parser(model):
    events = [e async for e in model.with_structured_output(Movie).astream_events(PROMPT)]
    kinds = {e["event"] for e in events}
    assert {"on_chat_model_start", "on_chat_model_end", "on_parser_start"} <= kinds
    assert isinstance(events[-1]["data"]["output"], Movie)


# --- types -------------------------------------------------------------------------------------


def test_static_types() -> None:
    model = ScriptedFakeChatModel()
    assert_type(model.with_structured_output(Movie), Runnable[LanguageModelInput, Movie])
    assert_type(
        model.with_structured_output(MovieDict), Runnable[LanguageModelInput, dict[str, Any]]
    )
    assert_type(
        model.with_structured_output(MOVIE_SCHEMA, method="json_schema"),
        Runnable[LanguageModelInput, dict[str, Any]],
    )
    assert_type(
        model.with_structured_output(Movie, include_raw=True),
        Runnable[LanguageModelInput, dict[str, Any]],
    )
    movie = model.with_structured_output(Movie).invoke(PROMPT)
    assert_type(movie, Movie)
    assert movie.year == 2010
