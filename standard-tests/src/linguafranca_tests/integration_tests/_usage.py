"""Token usage: present, consistent, counted once per stream, with the declared details."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import pytest

from linguafranca.chat_models import BaseChatModel
from linguafranca.messages import AIMessage, AIMessageChunk, HumanMessage, SystemMessage
from linguafranca_tests._checks import check_answer, check_stream, check_usage
from linguafranca_tests._suite import capability
from linguafranca_tests._target import Target
from linguafranca_tests.integration_tests._base import IntegrationBase, run

__all__ = ["UsageTests"]

HAIKU_PROMPT = "Write me 2 haikus. Only include the haikus."
_DETAILS = (
    "usage_input_details.cache_read",
    "usage_input_details.cache_creation",
    "usage_input_details.audio",
    "usage_output_details.reasoning",
    "usage_output_details.audio",
)
_LONG_CONTEXT = " ".join(
    f"Fact {i}: the conformance suite checks that every provider behaves the same way."
    for i in range(300)
)


def check_stream_usage(chunks: Sequence[AIMessageChunk]) -> AIMessageChunk:
    """Input tokens on exactly one chunk; the fold's usage adds up; one model name."""
    carrying = [
        c for c in chunks if c.usage_metadata is not None and c.usage_metadata["input_tokens"]
    ]
    assert len(carrying) == 1, (
        f"{len(carrying)} chunks carry input tokens; exactly one must (or the sum double-counts)"
    )
    merged = check_stream(chunks)
    check_usage(merged)
    names = [c.response_metadata.get("model_name") for c in chunks]
    named = [n for n in names if n]
    assert merged.response_metadata.get("model_name") == named[0], (
        f"model_name is repeated across chunks and got concatenated: {names}"
    )
    return merged


class UsageTests(IntegrationBase):
    """``usage_metadata`` on answers and streams."""

    @capability("returns_usage")
    def test_usage_metadata(self, model: BaseChatModel) -> None:
        """An answer's usage: int counts, input + output == total, int details, a model name."""
        check_usage(check_answer(model.invoke("Hello")))

    @capability("returns_usage")
    def test_usage_metadata_streaming(self, model: BaseChatModel) -> None:
        """A stream counts input tokens once; the folded usage adds up."""
        check_stream_usage(self.collect(model, HAIKU_PROMPT))

    @capability("returns_usage")
    def test_usage_metadata_astream(self, model: BaseChatModel) -> None:
        """``astream`` counts usage like ``stream``."""
        check_stream_usage(run(self.acollect(model, HAIKU_PROMPT)))

    @pytest.mark.parametrize("stream", [False, True], ids=["invoke", "stream"])
    @pytest.mark.parametrize("detail", _DETAILS)
    def test_usage_details(self, target: Target, detail: str, stream: bool) -> None:
        """A declared usage detail is reported as a positive int within its total."""
        self.require("returns_usage", detail)
        message = self.invoke_with_usage_detail(target, detail, stream=stream)
        usage = check_usage(message)
        group, _, key = detail.partition(".")
        where = "input_token_details" if group == "usage_input_details" else "output_token_details"
        details = usage.get(where) or {}
        value = details.get(key)
        assert isinstance(value, int) and value > 0, f"{where}[{key!r}] = {value!r}"

    # --- hook ------------------------------------------------------------------------

    def invoke_with_usage_detail(self, target: Target, detail: str, *, stream: bool) -> AIMessage:
        """Make a call whose usage reports ``detail`` (a ``"<field>.<key>"`` capability name).

        The defaults build the model with ``capability_params[detail]`` and: for
        ``reasoning``, ask a question (declare ``capability_params`` that turn reasoning
        on); for ``cache_read`` / ``cache_creation``, send a long system prompt marked with
        ``cache_control`` (twice for a read). Override for other details (audio) or
        providers that cache differently.
        """
        model = self.build_model(target, **self.params_for(detail))
        key = detail.partition(".")[2]
        if key == "reasoning":
            return self._call(model, "What is 3 + 5? Think it through, then answer.", stream)
        if key in ("cache_read", "cache_creation"):
            nonce = uuid.uuid4().hex  # a prefix no earlier test cached
            system = SystemMessage(
                content=[
                    {
                        "type": "text",
                        "text": f"Session {nonce}. {_LONG_CONTEXT}",
                        "cache_control": {"type": "ephemeral"},
                    }
                ]
            )
            messages = [system, HumanMessage("Hello")]
            if key == "cache_read":
                model.invoke(messages)
            return self._call(model, messages, stream)
        raise NotImplementedError(
            f"linguafranca: {self.owner} declares {detail!r}; override "
            "invoke_with_usage_detail(target, detail, stream=...) to make a call that "
            "reports it."
        )

    def _call(self, model: BaseChatModel, prompt: Any, stream: bool) -> AIMessage:
        if stream:
            return check_stream_usage(self.collect(model, prompt))
        return check_answer(model.invoke(prompt))
