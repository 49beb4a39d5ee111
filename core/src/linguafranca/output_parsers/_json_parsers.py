"""JSON and pydantic output parsers, with partial values while streaming."""

from __future__ import annotations

import json
from typing import Annotated, Any

from pydantic import BaseModel, SkipValidation, ValidationError

from linguafranca.errors import OutputParserException
from linguafranca.output_parsers._base import BaseCumulativeTransformOutputParser
from linguafranca.output_parsers._json import NOTHING, parse_json_markdown, parse_partial_json
from linguafranca.outputs import Generation
from linguafranca.tools import convert_to_json_schema
from linguafranca.tools._schema import is_pydantic_v1_model

__all__ = ["JsonOutputParser", "PydanticOutputParser", "format_instructions_for"]


def format_instructions_for(schema: dict[str, Any]) -> str:
    """Prompt text asking for a JSON object that matches ``schema``."""
    body = {k: v for k, v in schema.items() if k != "title"}
    return (
        "Answer with a JSON object that conforms to the JSON schema below: write the object "
        "itself (its values), not the schema.\n\n"
        f"```json\n{json.dumps(body, ensure_ascii=False)}\n```"
    )


class JsonOutputParser(BaseCumulativeTransformOutputParser[Any]):
    """Parses the JSON in a model's output; streams ever more complete partial values.

    The JSON may be wrapped in a Markdown fence (```` ```json ````) or follow a sentence.
    ``pydantic_object`` only shapes :meth:`get_format_instructions`; the output is plain
    JSON data (use :class:`PydanticOutputParser` to get a model instance).

    Example:
        ```python
        chain = model | JsonOutputParser()
        for partial in chain.stream("Give me a JSON list of three colors under 'colors'"):
            print(partial)  # {'colors': ['re']}, {'colors': ['red']}, ...
        ```
    """

    pydantic_object: Annotated[type[BaseModel] | None, SkipValidation()] = None
    """The model the JSON should match (used for format instructions)."""

    def parse_result(self, result: list[Generation], *, partial: bool = False) -> Any:
        """Parse the JSON of the first generation.

        Args:
            result: The generations.
            partial: Parse an incomplete JSON prefix; None when nothing is parseable yet.

        Raises:
            OutputParserException: The (complete) text holds no valid JSON.
        """
        text = result[0].text
        if partial:
            value = parse_partial_json(text)
            return None if value is NOTHING else value
        try:
            return parse_json_markdown(text)
        except ValueError as error:
            raise OutputParserException(
                f"Invalid JSON output: {error}. Output: {text!r}", llm_output=text
            ) from error

    def parse(self, text: str) -> Any:
        """Parse the JSON in ``text``."""
        return self.parse_result([Generation(text=text)])

    def get_format_instructions(self) -> str:
        """Ask for a JSON object (matching ``pydantic_object`` when set)."""
        if self.pydantic_object is None:
            return "Answer with a JSON object only."
        return format_instructions_for(convert_to_json_schema(self.pydantic_object))


class PydanticOutputParser(JsonOutputParser):
    """Parses a model's JSON output into a pydantic model instance.

    While streaming, yields a model instance each time the partial JSON validates.

    Example:
        ```python
        class Movie(BaseModel):
            title: str
            year: int

        parser = PydanticOutputParser(pydantic_object=Movie)
        parser.invoke('{"title": "Inception", "year": 2010}')  # Movie(title='Inception', ...)
        ```
    """

    pydantic_object: Annotated[type[BaseModel], SkipValidation()]
    """The model to validate the JSON with (pydantic v2 or ``pydantic.v1``)."""

    def _validate(self, value: Any) -> Any:
        model: Any = self.pydantic_object
        if is_pydantic_v1_model(model):
            return model.parse_obj(value)
        return model.model_validate(value)

    def parse_result(self, result: list[Generation], *, partial: bool = False) -> Any:
        """Parse the JSON of the first generation and validate it with the model.

        Raises:
            OutputParserException: No valid JSON, or the JSON does not fit the model.
        """
        value = super().parse_result(result, partial=partial)
        if partial:
            if value is None:
                return None
            try:
                return self._validate(value)
            except Exception:  # incomplete values often fail validation: wait for more
                return None
        try:
            return self._validate(value)
        except (ValidationError, ValueError, TypeError) as error:
            text = result[0].text
            name = self.pydantic_object.__name__
            raise OutputParserException(
                f"Failed to parse {name} from the output: {error}", llm_output=text
            ) from error

    def get_format_instructions(self) -> str:
        """Ask for a JSON object matching the model's schema."""
        return format_instructions_for(convert_to_json_schema(self.pydantic_object))

    @property
    def OutputType(self) -> type[BaseModel]:  # noqa: N802 (the reference's name)
        """The model class produced."""
        return self.pydantic_object
