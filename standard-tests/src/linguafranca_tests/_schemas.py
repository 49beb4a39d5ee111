"""The tools and output schemas the standard tests bind (runtime annotations: no __future__)."""

from typing import Any

from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from linguafranca.tools import BaseTool, tool

__all__ = [
    "MAGIC_PROMPT",
    "Joke",
    "JokeDict",
    "JokeOptional",
    "JokeOptionalDict",
    "Multiply",
    "MultiplyDict",
    "get_weather",
    "joke_json_schema",
    "joke_optional_json_schema",
    "magic_function",
    "magic_function_no_args",
    "multiply",
    "multiply_json_schema",
    "multiply_openai_tool",
    "my_adder_tool",
    "random_image",
    "unicode_customer",
]

MAGIC_PROMPT = "What is the value of magic_function(3)? Use the tool."
"""Asks for one call ``magic_function(input=3)``."""


class _MagicInput(BaseModel):
    input: int = Field(gt=-1000, lt=1000, description="The number to transform.")


@tool(args_schema=_MagicInput)
def magic_function(input: int) -> int:
    """Apply a magic function to an input."""
    return input + 2


@tool
def magic_function_no_args() -> int:
    """Calculate a magic function (it takes no arguments)."""
    return 5


@tool
def get_weather(location: str) -> str:
    """Get the current weather at a location."""
    return f"It's sunny in {location}, 21\u00b0C."


@tool
def unicode_customer(customer_name: str, description: str) -> str:
    """Create a customer record with a name and a description (any language)."""
    return f"Created customer {customer_name}: {description}"


@tool
def my_adder_tool(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@tool
def random_image() -> str:
    """Return a random image."""
    return "an image"


# --- one tool, every way of defining it (unit suite: bind_tools) ------------------------


def multiply(a: int, b: int) -> int:
    """Multiply two integers."""
    return a * b


class Multiply(BaseModel):
    """Multiply two integers."""

    a: int = Field(description="The first factor.")
    b: int = Field(description="The second factor.")


class MultiplyDict(TypedDict):
    """Multiply two integers."""

    a: int
    b: int


def multiply_json_schema() -> dict[str, Any]:
    """``multiply`` as a JSON schema with a title and a description."""
    return {
        "title": "multiply",
        "description": "Multiply two integers.",
        "type": "object",
        "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
        "required": ["a", "b"],
    }


def multiply_openai_tool() -> dict[str, Any]:
    """``multiply`` as an OpenAI tool dict."""
    return {
        "type": "function",
        "function": {
            "name": "multiply",
            "description": "Multiply two integers.",
            "parameters": {
                "type": "object",
                "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
                "required": ["a", "b"],
            },
        },
    }


def tool_kinds() -> dict[str, Any]:
    """Every kind of tool definition, named (all define ``multiply(a, b)``)."""
    as_tool: BaseTool = tool(multiply)
    return {
        "function": multiply,
        "tool": as_tool,
        "pydantic": Multiply,
        "typeddict": MultiplyDict,
        "json_schema": multiply_json_schema(),
        "openai_dict": multiply_openai_tool(),
    }


# --- structured output ------------------------------------------------------------------


class Joke(BaseModel):
    """Joke to tell the user."""

    setup: str = Field(description="The question that sets up the joke.")
    punchline: str = Field(description="The answer that resolves the joke.")


class JokeDict(TypedDict):
    """Joke to tell the user."""

    setup: str
    punchline: str


class JokeOptional(BaseModel):
    """Joke to tell the user."""

    setup: str = Field(description="The question that sets up the joke.")
    punchline: str | None = Field(default=None, description="The answer, if any.")


class JokeOptionalDict(TypedDict, total=False):
    """Joke to tell the user."""

    setup: str
    punchline: str | None


def joke_json_schema() -> dict[str, Any]:
    """``Joke`` as a JSON schema."""
    return {
        "title": "Joke",
        "description": "Joke to tell the user.",
        "type": "object",
        "properties": {
            "setup": {"type": "string", "description": "The question that sets up the joke."},
            "punchline": {"type": "string", "description": "The answer that resolves the joke."},
        },
        "required": ["setup", "punchline"],
    }


def joke_optional_json_schema() -> dict[str, Any]:
    """``JokeOptional`` as a JSON schema (only ``setup`` required)."""
    schema = joke_json_schema()
    schema["properties"]["punchline"] = {
        "anyOf": [{"type": "string"}, {"type": "null"}],
        "description": "The answer, if any.",
    }
    schema["required"] = ["setup"]
    return schema
