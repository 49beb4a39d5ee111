"""Structured output (models guide): pydantic, TypedDict, JSON schema, include_raw, nesting.

Requires: linguafranca_openai.chat_models, linguafranca_tests.emulators
"""

from typing import Annotated

from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from linguafranca import init_chat_model
from linguafranca_tests.emulators import OpenAIEmulator

PROMPT = "Tell me about Inception, the 2010 movie by Christopher Nolan, rated 8.8."


class Movie(BaseModel):
    """A movie with details."""

    title: str = Field(..., description="The title of the movie")
    year: int = Field(..., description="The year the movie was released")
    director: str = Field(..., description="The director of the movie")
    rating: float = Field(..., description="The movie's rating out of 10")


class MovieDict(TypedDict):
    """A movie with details."""

    title: Annotated[str, ..., "The title of the movie"]
    year: Annotated[int, ..., "The year the movie was released"]


class Actor(BaseModel):
    name: str
    role: str


class MovieDetails(BaseModel):
    title: str
    year: int
    cast: list[Actor]
    budget: float | None = Field(None, description="Budget in millions USD")


properties = {"title": {"type": "string"}, "year": {"type": "integer"}}
json_schema = {"title": "Movie", "type": "object", "properties": properties, "required": ["year"]}

with OpenAIEmulator() as emulator:
    model = init_chat_model("openai:gpt-4.1-mini", base_url=emulator.base_url, api_key="sk-e")
    print(f"pydantic:    {model.with_structured_output(Movie).invoke(PROMPT)!r}")
    print(f"TypedDict:   {model.with_structured_output(MovieDict).invoke(PROMPT)}")
    by_schema = model.with_structured_output(json_schema, method="json_schema")
    print(f"JSON schema: {by_schema.invoke(PROMPT)}")
    raw = model.with_structured_output(Movie, include_raw=True).invoke(PROMPT)
    print(f"include_raw: parsed={raw['parsed']!r} error={raw['parsing_error']}")
    print(f"             raw usage={raw['raw'].usage_metadata['total_tokens']} tokens")
    print(f"nested:      {model.with_structured_output(MovieDetails).invoke(PROMPT)!r}")
