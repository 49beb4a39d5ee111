"""Output parsers: turn a model's output into text, JSON, pydantic models or tool calls.

Every parser is a runnable (``model | parser``) that reads a string or a message, streams
(JSON and tool-call parsers yield ever more complete values) and raises
``OutputParserException`` when the output cannot be parsed.
"""

from linguafranca.errors import OutputParserException
from linguafranca.output_parsers._base import (
    BaseCumulativeTransformOutputParser,
    BaseOutputParser,
    BaseTransformOutputParser,
    LanguageModelOutput,
)
from linguafranca.output_parsers._json import parse_json_markdown, parse_partial_json
from linguafranca.output_parsers._json_parsers import JsonOutputParser, PydanticOutputParser
from linguafranca.output_parsers._string import StrOutputParser
from linguafranca.output_parsers._tools import (
    JsonOutputKeyToolsParser,
    JsonOutputToolsParser,
    PydanticToolsParser,
)

SimpleJsonOutputParser = JsonOutputParser

__all__ = [
    "BaseCumulativeTransformOutputParser",
    "BaseOutputParser",
    "BaseTransformOutputParser",
    "JsonOutputKeyToolsParser",
    "JsonOutputParser",
    "JsonOutputToolsParser",
    "LanguageModelOutput",
    "OutputParserException",
    "PydanticOutputParser",
    "PydanticToolsParser",
    "SimpleJsonOutputParser",
    "StrOutputParser",
    "parse_json_markdown",
    "parse_partial_json",
]
