"""A structured-output parser guard: a refusal raises an error that says the model refused.

OpenAI's structured outputs answer a request they decline with a ``refusal`` (kept in
``additional_kwargs["refusal"]``) and no content; parsing the empty content would fail with
a misleading "invalid JSON" error.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from pydantic import SkipValidation

from linguafranca.errors import OutputParserException
from linguafranca.messages import BaseMessage
from linguafranca.output_parsers import BaseOutputParser
from linguafranca.outputs import ChatGeneration, Generation
from linguafranca.runnables import RunnableConfig

__all__ = ["RefusalGuard", "refusal_error"]


def refusal_error(refusal: str) -> OutputParserException:
    """The error for a structured-output request the model declined."""
    return OutputParserException(
        f"The model refused to answer in the requested format: {refusal}",
        llm_output=refusal,
    )


def _refusal(output: Any) -> str | None:
    if isinstance(output, BaseMessage):
        refusal = output.additional_kwargs.get("refusal")
        return refusal if isinstance(refusal, str) and refusal else None
    return None


class RefusalGuard(BaseOutputParser[Any]):
    """Runs ``inner`` unless the message is a refusal, which raises ``OutputParserException``.

    Example:
        ```python
        guard = RefusalGuard(inner=JsonOutputParser())
        guard.invoke(AIMessage("", additional_kwargs={"refusal": "I can't help."}))  # raises
        ```
    """

    inner: SkipValidation[BaseOutputParser[Any]]
    """The parser used when the model did not refuse (kept as given, not revalidated)."""

    def parse(self, text: str) -> Any:
        """Parse text with the inner parser."""
        return self.inner.parse(text)

    def parse_result(self, result: list[Generation], *, partial: bool = False) -> Any:
        """Raise for a refusal, else parse with the inner parser."""
        first = result[0] if result else None
        if isinstance(first, ChatGeneration):
            refusal = _refusal(first.message)
            if refusal is not None:
                raise refusal_error(refusal)
        return self.inner.parse_result(result, partial=partial)

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        """Raise for a refusal, else parse with the inner parser."""
        refusal = _refusal(input)
        if refusal is not None:
            raise refusal_error(refusal)
        return self.inner.invoke(input, config, **kwargs)

    async def ainvoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        """Async :meth:`invoke`."""
        refusal = _refusal(input)
        if refusal is not None:
            raise refusal_error(refusal)
        return await self.inner.ainvoke(input, config, **kwargs)

    def transform(
        self, input: Iterator[Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Any]:
        """Parse a stream; a streamed refusal raises once the stream ended."""
        yield from self.inner.transform(_checked(input), config, **kwargs)

    async def atransform(
        self, input: AsyncIterator[Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Any]:
        """Async :meth:`transform`."""
        async for value in self.inner.atransform(_achecked(input), config, **kwargs):
            yield value


def _checked(chunks: Iterator[Any]) -> Iterator[Any]:
    pieces: list[str] = []
    for chunk in chunks:
        refusal = _refusal(chunk)
        if refusal is not None:
            pieces.append(refusal)
        elif not pieces:
            yield chunk
    if pieces:
        raise refusal_error("".join(pieces))


async def _achecked(chunks: AsyncIterator[Any]) -> AsyncIterator[Any]:
    pieces: list[str] = []
    async for chunk in chunks:
        refusal = _refusal(chunk)
        if refusal is not None:
            pieces.append(refusal)
        elif not pieces:
            yield chunk
    if pieces:
        raise refusal_error("".join(pieces))
