"""Parsers that read the tool calls of an ``AIMessage``."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, SkipValidation

from linguafranca.errors import OutputParserException
from linguafranca.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    message_chunk_to_message,
)
from linguafranca.output_parsers._base import BaseCumulativeTransformOutputParser
from linguafranca.outputs import ChatGeneration, Generation
from linguafranca.tools._schema import is_pydantic_v1_model

__all__ = ["JsonOutputKeyToolsParser", "JsonOutputToolsParser", "PydanticToolsParser"]


def _message_of(result: list[Generation], parser: str) -> AIMessage:
    generation = result[0] if result else None
    message = generation.message if isinstance(generation, ChatGeneration) else None
    if not isinstance(message, AIMessage):
        got = type(message).__name__ if message is not None else type(generation).__name__
        raise OutputParserException(
            f"{parser} reads the tool calls of a chat model's AIMessage, got a {got}. "
            "Put it after a chat model with tools bound (model.bind_tools(...) | parser).",
            llm_output=generation.text if generation is not None else None,
        )
    return message


class JsonOutputToolsParser(BaseCumulativeTransformOutputParser[Any]):
    """Returns a message's tool calls as ``{"type": name, "args": {...}}`` dicts.

    While streaming, yields the calls with their arguments as complete as they are so far.
    At the end, a call whose arguments are not valid JSON raises ``OutputParserException``.

    Example:
        ```python
        chain = model.bind_tools([get_weather]) | JsonOutputToolsParser()
        chain.invoke("Weather in Paris?")  # [{"type": "get_weather", "args": {"location": ...}}]
        ```
    """

    _text_only = False

    return_id: bool = False
    """Include each call's ``id``."""

    first_tool_only: bool = False
    """Return only the first call (not a list); raise when there is none."""

    def _may_change(self, chunk: BaseMessage) -> bool:
        return bool(getattr(chunk, "tool_call_chunks", None) or getattr(chunk, "tool_calls", None))

    def _wanted(self, name: str | None) -> bool:
        """Whether calls to this tool are part of the output."""
        return True

    def _calls(self, result: list[Generation], partial: bool) -> list[dict[str, Any]]:
        message = _message_of(result, type(self).__name__)
        if not partial and isinstance(message, AIMessageChunk):
            converted = message_chunk_to_message(message)
            message = converted if isinstance(converted, AIMessage) else message
        if not partial:
            bad = [c for c in message.invalid_tool_calls if self._wanted(c.get("name"))]
            if bad:
                details = "; ".join(f"{c.get('name')!r}: {c.get('error')}" for c in bad)
                raise OutputParserException(
                    f"The model made invalid tool calls: {details}",
                    llm_output=str(bad[0].get("args")),
                )
        calls: list[dict[str, Any]] = []
        for call in message.tool_calls:
            if not self._wanted(call["name"]):
                continue
            item: dict[str, Any] = {"type": call["name"], "args": call["args"]}
            if self.return_id:
                item["id"] = call.get("id")
            calls.append(item)
        return calls

    def _none_called(self) -> str:
        return "The model did not call any tool."

    def _shape(self, calls: list[Any], partial: bool, text: str) -> Any:
        if partial and not calls:
            return None  # nothing to show yet
        if not self.first_tool_only:
            return calls
        if calls:
            return calls[0]
        raise OutputParserException(self._none_called(), llm_output=text)

    def parse_result(self, result: list[Generation], *, partial: bool = False) -> Any:
        """Read the tool calls of the first generation's message.

        Raises:
            OutputParserException: Not an ``AIMessage``, invalid arguments, or (with
                ``first_tool_only``) no call at all.
        """
        calls = self._calls(result, partial)
        return self._shape(calls, partial, result[0].text)

    def parse(self, text: str) -> Any:
        """Tool calls live on messages, not in text."""
        raise OutputParserException(
            f"{type(self).__name__} reads the tool calls of an AIMessage, not text.",
            llm_output=text,
        )


class JsonOutputKeyToolsParser(JsonOutputToolsParser):
    """Returns the arguments of the calls to one tool (``key_name``).

    Example:
        ```python
        parser = JsonOutputKeyToolsParser(key_name="Movie", first_tool_only=True)
        (model.bind_tools([Movie]) | parser).invoke("Inception?")  # {"title": ..., ...}
        ```
    """

    key_name: str
    """The name of the tool whose calls are returned."""

    def _wanted(self, name: str | None) -> bool:
        return name == self.key_name

    def _none_called(self) -> str:
        return f"The model did not call the tool {self.key_name!r}."

    def parse_result(self, result: list[Generation], *, partial: bool = False) -> Any:
        """The arguments of each call to ``key_name`` (with ids when ``return_id``)."""
        calls = self._calls(result, partial)
        items = calls if self.return_id else [c["args"] for c in calls]
        return self._shape(items, partial, result[0].text)


class PydanticToolsParser(JsonOutputToolsParser):
    """Returns a message's tool calls as instances of the pydantic models given as tools.

    Example:
        ```python
        chain = model.bind_tools([Add, Multiply]) | PydanticToolsParser(tools=[Add, Multiply])
        chain.invoke("What is 3 * 12?")  # [Multiply(a=3, b=12)]
        ```
    """

    tools: Annotated[list[type[BaseModel]], SkipValidation()]
    """The models, named as tools by their title (class name by default)."""

    def _models(self) -> dict[str, Any]:
        found: dict[str, Any] | None = self.__dict__.get("_lf_models")
        if found is None:
            found = {_tool_name(model): model for model in self.tools}
            self.__dict__["_lf_models"] = found
        return found

    def _wanted(self, name: str | None) -> bool:
        return True

    def parse_result(self, result: list[Generation], *, partial: bool = False) -> Any:
        """Validate each call's arguments with the model of the same name.

        Raises:
            OutputParserException: A call names no given model, its arguments do not
                validate, or (with ``first_tool_only``) there is no call.
        """
        models = self._models()
        instances: list[Any] = []
        for call in self._calls(result, partial):
            model = models.get(call["type"])
            if model is None:
                if partial:
                    continue
                raise OutputParserException(
                    f"The model called the tool {call['type']!r}, which is not among the "
                    f"parser's tools {sorted(models)}.",
                    llm_output=str(call["args"]),
                )
            try:
                instance = (
                    model.parse_obj(call["args"])
                    if is_pydantic_v1_model(model)
                    else model.model_validate(call["args"])
                )
            except Exception as error:
                if partial:
                    continue
                raise OutputParserException(
                    f"The arguments of the call to {call['type']!r} do not fit the model: {error}",
                    llm_output=str(call["args"]),
                ) from error
            instances.append(instance)
        return self._shape(instances, partial, result[0].text)


def _tool_name(model: Any) -> str:
    if is_pydantic_v1_model(model):
        title = getattr(model.__config__, "title", None)
    else:
        title = model.model_config.get("title")
    return title if isinstance(title, str) and title else str(model.__name__)
