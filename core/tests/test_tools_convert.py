from typing import Annotated, Any, Literal, Optional

import pydantic.v1 as pv1
import pytest
from pydantic import BaseModel, Field
from typing_extensions import NotRequired, TypedDict

from linguafranca.runnables import RunnableConfig
from linguafranca.tools import (
    InjectedToolArg,
    convert_to_json_schema,
    convert_to_openai_function,
    convert_to_openai_tool,
    tool,
)

WEATHER_PARAMS: dict[str, Any] = {
    "properties": {
        "location": {"description": "The city.", "type": "string"},
        "unit": {
            "default": "celsius",
            "description": "Temperature unit.",
            "enum": ["celsius", "fahrenheit"],
            "type": "string",
        },
    },
    "required": ["location"],
    "type": "object",
}
WEATHER_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the weather at a location.",
        "parameters": WEATHER_PARAMS,
    },
}


def get_weather(location: str, unit: Literal["celsius", "fahrenheit"] = "celsius") -> str:
    """Get the weather at a location.

    Args:
        location: The city.
        unit: Temperature unit.
    """
    return location


def test_function_with_docstring_args():
    assert convert_to_openai_tool(get_weather) == WEATHER_TOOL


def test_function_without_docstring_args():
    def add(a: int, b: int = 2) -> int:
        """Add two numbers."""
        return a + b

    assert convert_to_openai_function(add) == {
        "name": "add",
        "description": "Add two numbers.",
        "parameters": {
            "properties": {"a": {"type": "integer"}, "b": {"default": 2, "type": "integer"}},
            "required": ["a"],
            "type": "object",
        },
    }


def test_function_without_docstring_or_args():
    def ping():
        return "pong"

    assert convert_to_openai_function(ping) == {
        "name": "ping",
        "description": "",
        "parameters": {"properties": {}, "type": "object"},
    }


def test_function_with_annotated_descriptions_and_reserved_names():
    def search(query: Annotated[str, "What to look for"], json: bool = False) -> str:
        """Search."""
        return query

    params = convert_to_openai_function(search)["parameters"]
    assert params["properties"] == {
        "query": {"description": "What to look for", "type": "string"},
        "json": {"default": False, "type": "boolean"},
    }


def test_pydantic_v2_model():
    class GetWeather(BaseModel):
        """Get the weather at a location."""

        location: str = Field(description="The city.")
        unit: Literal["celsius", "fahrenheit"] = Field("celsius", description="Temperature unit.")

    assert convert_to_openai_tool(GetWeather) == {
        "type": "function",
        "function": {**WEATHER_TOOL["function"], "name": "GetWeather"},
    }


def test_pydantic_v1_model():
    class GetWeather(pv1.BaseModel):
        """Get the weather at a location."""

        location: str = pv1.Field(description="The city.")
        unit: Literal["celsius", "fahrenheit"] = pv1.Field(
            "celsius", description="Temperature unit."
        )

    function = convert_to_openai_function(GetWeather)
    assert function["name"] == "GetWeather"
    assert function["description"] == "Get the weather at a location."
    assert function["parameters"]["required"] == ["location"]
    assert function["parameters"]["properties"]["location"] == {
        "description": "The city.",
        "type": "string",
    }
    assert function["parameters"]["properties"]["unit"]["enum"] == ["celsius", "fahrenheit"]


def test_nested_pydantic_models_are_inlined():
    class Actor(BaseModel):
        name: str
        role: str

    class MovieDetails(BaseModel):
        title: str
        year: int
        cast: list[Actor]
        genres: list[str]
        budget: Optional[float] = Field(None, description="Budget in millions USD")  # noqa: UP045

    schema = convert_to_json_schema(MovieDetails)
    assert schema == {
        "title": "MovieDetails",
        "properties": {
            "title": {"type": "string"},
            "year": {"type": "integer"},
            "cast": {
                "items": {
                    "properties": {"name": {"type": "string"}, "role": {"type": "string"}},
                    "required": ["name", "role"],
                    "type": "object",
                },
                "type": "array",
            },
            "genres": {"items": {"type": "string"}, "type": "array"},
            "budget": {
                "anyOf": [{"type": "number"}, {"type": "null"}],
                "default": None,
                "description": "Budget in millions USD",
            },
        },
        "required": ["title", "year", "cast", "genres"],
        "type": "object",
    }
    assert "$defs" not in schema


def test_recursive_model_keeps_defs():
    class Node(BaseModel):
        value: int
        children: list["Node"] = []

    params = convert_to_openai_function(Node)["parameters"]
    assert params["properties"]["children"]["items"] == {"$ref": "#/$defs/Node"}
    assert params["$defs"]["Node"]["properties"]["value"] == {"type": "integer"}


def test_typeddict_with_annotated_descriptions_seed():
    class MovieDict(TypedDict):
        """A movie with details."""

        title: Annotated[str, "The title of the movie"]
        year: Annotated[int, "The year the movie was released"]
        director: Annotated[str, "The director of the movie"]
        rating: Annotated[float, "The movie's rating out of 10"]

    assert convert_to_json_schema(MovieDict) == {
        "title": "MovieDict",
        "description": "A movie with details.",
        "properties": {
            "title": {"description": "The title of the movie", "type": "string"},
            "year": {"description": "The year the movie was released", "type": "integer"},
            "director": {"description": "The director of the movie", "type": "string"},
            "rating": {"description": "The movie's rating out of 10", "type": "number"},
        },
        "required": ["title", "year", "director", "rating"],
        "type": "object",
    }


def test_nested_typeddict_seed_with_default_and_not_required():
    class Actor(TypedDict):
        name: str
        role: str

    class MovieDetails(TypedDict):
        title: str
        year: int
        cast: list[Actor]
        genres: list[str]
        budget: Annotated[Optional[float], ..., "Budget in millions USD"]  # noqa: UP045
        rating: Annotated[int, 5, "Rating"]
        tagline: NotRequired[str]

    schema = convert_to_json_schema(MovieDetails)
    props = schema["properties"]
    assert "description" not in schema  # a TypedDict without docstring has none (not dict's)
    assert props["cast"] == {
        "items": {
            "properties": {"name": {"type": "string"}, "role": {"type": "string"}},
            "required": ["name", "role"],
            "type": "object",
        },
        "type": "array",
    }
    assert props["budget"] == {
        "anyOf": [{"type": "number"}, {"type": "null"}],
        "description": "Budget in millions USD",
    }
    assert props["rating"] == {"default": 5, "description": "Rating", "type": "integer"}
    assert props["tagline"] == {"type": "string"}
    assert schema["required"] == ["title", "year", "cast", "genres", "budget"]


def test_json_schema_seed():
    json_schema = {
        "title": "Movie",
        "description": "A movie with details",
        "type": "object",
        "properties": {
            "title": {"type": "string", "description": "The title of the movie"},
            "year": {"type": "integer", "description": "The year the movie was released"},
        },
        "required": ["title", "year"],
    }
    assert convert_to_openai_tool(json_schema) == {
        "type": "function",
        "function": {
            "name": "Movie",
            "description": "A movie with details",
            "parameters": {
                "type": "object",
                "properties": json_schema["properties"],
                "required": ["title", "year"],
            },
        },
    }
    assert convert_to_json_schema(json_schema) == json_schema


def test_json_schema_without_title_is_an_error():
    with pytest.raises(ValueError, match="needs a 'title'"):
        convert_to_openai_tool({"type": "object", "properties": {}})


def test_openai_tool_passthrough():
    assert convert_to_openai_tool(WEATHER_TOOL) is WEATHER_TOOL
    assert convert_to_openai_function(WEATHER_TOOL) == WEATHER_TOOL["function"]
    assert convert_to_openai_tool(WEATHER_TOOL["function"]) == WEATHER_TOOL


def test_anthropic_tool_dict():
    anthropic = {
        "name": "get_weather",
        "description": "Get the weather at a location.",
        "input_schema": WEATHER_PARAMS,
    }
    assert convert_to_openai_tool(anthropic) == WEATHER_TOOL


@pytest.mark.parametrize(
    "builtin",
    [
        {"type": "web_search"},
        {"type": "web_search_preview", "search_context_size": "low"},
        {"type": "code_interpreter", "container": {"type": "auto"}},
        {"type": "web_search_20250305", "name": "web_search", "max_uses": 3},
        {"type": "bash_20250124", "name": "bash"},
    ],
)
def test_builtin_tools_pass_through(builtin):
    assert convert_to_openai_tool(builtin) == builtin
    with pytest.raises(ValueError, match="built-in tool"):
        convert_to_openai_function(builtin)


def test_base_tool_conversion_seed():
    @tool
    def get_weather(location: str) -> str:
        """Get the weather at a location."""
        return f"It's sunny in {location}."

    assert convert_to_openai_tool(get_weather) == {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Get the weather at a location.",
            "parameters": {
                "properties": {"location": {"type": "string"}},
                "required": ["location"],
                "type": "object",
            },
        },
    }


def test_strict_mode():
    function = convert_to_openai_function(get_weather, strict=True)
    assert function["strict"] is True
    params = function["parameters"]
    assert params["additionalProperties"] is False
    assert params["required"] == ["location", "unit"]
    assert "default" not in params["properties"]["unit"]
    assert convert_to_openai_function(get_weather, strict=False)["strict"] is False
    assert "strict" not in convert_to_openai_function(get_weather)


def test_unsupported_object():
    with pytest.raises(TypeError, match="Accepted definitions"):
        convert_to_openai_tool(42)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="lambda"):
        convert_to_openai_tool(lambda x: x)


def test_function_runtime_and_injected_arguments_are_hidden():
    def lookup(
        query: str,
        user: Annotated[str, InjectedToolArg],
        config: RunnableConfig,
        callbacks: Any = None,
    ) -> str:
        """Look up."""
        return query

    params = convert_to_openai_function(lookup)["parameters"]
    assert params == {
        "properties": {"query": {"type": "string"}},
        "required": ["query"],
        "type": "object",
    }
