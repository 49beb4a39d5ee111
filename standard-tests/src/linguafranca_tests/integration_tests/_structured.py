"""Structured output: every declared method and schema kind, checked value by value."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel

from linguafranca.chat_models import BaseChatModel
from linguafranca.messages import AIMessage
from linguafranca_tests import _schemas
from linguafranca_tests._checks import check_joke
from linguafranca_tests._suite import structured
from linguafranca_tests._target import Target
from linguafranca_tests._wire import body_text
from linguafranca_tests.capabilities import STRUCTURED_OUTPUT_METHODS
from linguafranca_tests.emulators import ScriptedReply
from linguafranca_tests.integration_tests._base import IntegrationBase, run
from linguafranca_tests.integration_tests._events import Recorder

__all__ = ["StructuredOutputTests"]

_METHODS = sorted(STRUCTURED_OUTPUT_METHODS)
_KINDS = ("pydantic", "typeddict", "json_schema")
_JOKE = {"setup": "Why did the cat sit on the computer?", "punchline": "To watch the mouse."}


def joke_schema(kind: str, *, optional: bool = False) -> Any:
    """The joke schema of one kind (``pydantic``, ``typeddict``, ``json_schema``)."""
    if kind == "pydantic":
        return _schemas.JokeOptional if optional else _schemas.Joke
    if kind == "typeddict":
        return _schemas.JokeOptionalDict if optional else _schemas.JokeDict
    return _schemas.joke_optional_json_schema() if optional else _schemas.joke_json_schema()


def _check_chunk_type(chunk: Any, schema: Any) -> None:
    if isinstance(schema, type) and issubclass(schema, BaseModel):
        assert isinstance(chunk, schema), f"a streamed value is not a {schema.__name__}: {chunk!r}"
    else:
        assert isinstance(chunk, dict), f"a streamed value is not a dict: {chunk!r}"


class StructuredOutputTests(IntegrationBase):
    """``with_structured_output`` returns filled values of the schema's type."""

    def _prompt(self, method: str, target: Target, answers: int) -> str:
        if method != "json_mode":
            return "Tell me a joke about cats."
        if target.emulator is not None:
            # JSON mode carries no schema on the wire: script the JSON the prompt asks for.
            target.emulator.script(*[ScriptedReply(text=json.dumps(_JOKE))] * answers)
        return (
            "Tell me a joke about cats. Respond with a JSON object with the keys "
            '"setup" and "punchline".'
        )

    def _chain(self, model: BaseChatModel, schema: Any, method: str, **kwargs: Any) -> Any:
        self.require(f"structured_output_methods.{method}")
        return structured(model, schema, method, **{**self.structured_output_kwargs, **kwargs})

    def _check_schema_sent(self, target: Target, method: str) -> None:
        if target.emulator is not None and method != "json_mode":
            for request in target.model_requests():
                assert "punchline" in body_text(request.body), "the schema was not sent"

    @pytest.mark.parametrize("kind", _KINDS)
    @pytest.mark.parametrize("method", _METHODS)
    def test_structured_output(
        self, model: BaseChatModel, target: Target, method: str, kind: str
    ) -> None:
        """``invoke`` and ``stream`` give filled values of the schema's type, in one run each."""
        schema = joke_schema(kind)
        chain = self._chain(model, schema, method)
        prompt = self._prompt(method, target, answers=2)
        recorder = Recorder()
        check_joke(chain.invoke(prompt, config={"callbacks": [recorder]}), schema)
        assert len(recorder.starts) == 1, f"on_chat_model_start fired {len(recorder.starts)}x"
        recorder = Recorder()
        chunks = list(chain.stream(prompt, config={"callbacks": [recorder]}))
        assert chunks, "the structured stream yielded nothing"
        for chunk in chunks:
            _check_chunk_type(chunk, schema)
        check_joke(chunks[-1], schema)
        assert len(recorder.starts) == 1, f"on_chat_model_start fired {len(recorder.starts)}x"
        self._check_schema_sent(target, method)

    @pytest.mark.parametrize("kind", _KINDS)
    @pytest.mark.parametrize("method", _METHODS)
    def test_structured_output_async(
        self, model: BaseChatModel, target: Target, method: str, kind: str
    ) -> None:
        """``ainvoke`` and ``astream`` give filled values of the schema's type."""
        schema = joke_schema(kind)
        chain = self._chain(model, schema, method)
        prompt = self._prompt(method, target, answers=2)

        async def both() -> tuple[Any, list[Any]]:
            value = await chain.ainvoke(prompt)
            return value, [chunk async for chunk in chain.astream(prompt)]

        value, chunks = run(both())
        check_joke(value, schema)
        assert chunks, "the structured stream yielded nothing"
        for chunk in chunks:
            _check_chunk_type(chunk, schema)
        check_joke(chunks[-1], schema)

    @pytest.mark.parametrize("method", _METHODS)
    def test_structured_output_include_raw(
        self, model: BaseChatModel, target: Target, method: str
    ) -> None:
        """``include_raw=True`` gives the raw message, the parsed value and no error."""
        chain = self._chain(model, _schemas.Joke, method, include_raw=True)
        result = chain.invoke(self._prompt(method, target, answers=1))
        assert isinstance(result, dict) and set(result) == {"raw", "parsed", "parsing_error"}
        assert isinstance(result["raw"], AIMessage)
        assert result["parsing_error"] is None, result["parsing_error"]
        check_joke(result["parsed"], _schemas.Joke)

    @pytest.mark.parametrize("kind", _KINDS)
    @pytest.mark.parametrize("method", _METHODS)
    def test_structured_output_optional_param(
        self, model: BaseChatModel, target: Target, method: str, kind: str
    ) -> None:
        """A schema with an optional field gives values with the required field filled."""
        schema = joke_schema(kind, optional=True)
        chain = self._chain(model, schema, method)
        check_joke(chain.invoke(self._prompt(method, target, answers=1)), schema, optional=True)

    @pytest.mark.parametrize("method", _METHODS)
    def test_structured_output_pydantic_v1(
        self, model: BaseChatModel, target: Target, method: str
    ) -> None:
        """A ``pydantic.v1`` schema gives filled instances of it (invoke and stream)."""
        # Imported here: pydantic.v1 is legacy, and warns on interpreters it does not support.
        from pydantic import v1

        class JokeV1(v1.BaseModel):
            """Joke to tell the user."""

            setup: str = v1.Field(description="The question that sets up the joke.")
            punchline: str = v1.Field(description="The answer that resolves the joke.")

        chain = self._chain(model, JokeV1, method)
        prompt = self._prompt(method, target, answers=2)
        value = chain.invoke(prompt)
        chunks = list(chain.stream(prompt))
        assert chunks, "the structured stream yielded nothing"
        for item in (value, *chunks):
            assert isinstance(item, JokeV1), f"not a JokeV1: {item!r}"
        for item in (value, chunks[-1]):
            assert item.setup and item.punchline, f"not filled: {item!r}"
