"""StrOutputParser: a model's message -> its text."""

from __future__ import annotations

from linguafranca.output_parsers._base import BaseTransformOutputParser
from linguafranca.outputs import Generation

__all__ = ["StrOutputParser"]


class StrOutputParser(BaseTransformOutputParser[str]):
    """Returns the text of a model's output; streams the text of each chunk.

    The text of a message is its string content, or its text blocks joined (reasoning and
    other blocks are left out).

    Example:
        ```python
        chain = model | StrOutputParser()
        for piece in chain.stream("Tell me a joke"):
            print(piece, end="")
        ```
    """

    def parse(self, text: str) -> str:
        """Return the text unchanged."""
        return text

    def parse_result(self, result: list[Generation], *, partial: bool = False) -> str:
        """Return the text of the first generation (a message's text blocks, joined)."""
        return result[0].text
