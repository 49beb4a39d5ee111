"""Images, PDFs and audio in messages and tool results; Anthropic-format inputs.

In emulator mode each test also reads the request log: the bytes it sent must reach the
server in the provider's own format.
"""

from __future__ import annotations

from typing import Any

from linguafranca.chat_models import BaseChatModel
from linguafranca.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from linguafranca_tests import _schemas
from linguafranca_tests._checks import check_answer
from linguafranca_tests._media import IMAGE_URL, b64, pdf_bytes, png_bytes, wav_bytes
from linguafranca_tests._suite import capability
from linguafranca_tests._target import Target
from linguafranca_tests._wire import body_text, find_media
from linguafranca_tests.integration_tests._base import IntegrationBase

__all__ = ["MultimodalTests"]

_TOOL_TOKEN = "walrus-5521"


def _ask(text: str, block: dict[str, Any]) -> list[BaseMessage]:
    return [HumanMessage(content=[{"type": "text", "text": text}, block])]


def _tool_history(block: dict[str, Any]) -> list[BaseMessage]:
    call = {"name": "random_image", "args": {}, "id": "call_media1", "type": "tool_call"}
    return [
        HumanMessage("Call random_image and describe what it returns."),
        AIMessage("", tool_calls=[call]),
        ToolMessage(content=[block], tool_call_id="call_media1"),
    ]


class MultimodalTests(IntegrationBase):
    """Non-text inputs reach the provider and get an answer."""

    def _check_sent(
        self,
        target: Target,
        kind: str,
        data: bytes | None = None,
        url: str | None = None,
        in_tool_result: bool = False,
    ) -> None:
        if target.emulator is None or target.wire is None:
            return
        parts = find_media(target.wire, target.model_requests()[-1].body)
        found = [p for p in parts if p.kind == kind and p.in_tool_result == in_tool_result]
        where = "a tool result" if in_tool_result else "a message"
        assert found, f"no {kind} in {where} of the request; media found: {parts!r}"
        if data is not None:
            assert any(p.decoded() == data for p in found), f"the {kind} bytes were altered"
        if url is not None:
            # Sent by URL, or downloaded by the client and sent inline.
            assert any(p.url == url or p.data for p in found), f"the {kind} URL was lost"

    def _invoke_each(
        self, model: Any, target: Target, cases: list[list[BaseMessage]], kind: str, **check: Any
    ) -> None:
        for messages in cases:
            check_answer(model.invoke(messages))
            self._check_sent(target, kind, **check)

    @capability("image_inputs")
    def test_image_inputs(self, model: BaseChatModel, target: Target) -> None:
        """A base64 image, as a standard block and as an OpenAI data URI, is answered."""
        data = b64(png_bytes())
        cases = [
            _ask(
                "Describe this image.", {"type": "image", "base64": data, "mime_type": "image/png"}
            ),
            _ask(
                "Describe this image.",
                {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{data}"}},
            ),
        ]
        self._invoke_each(model, target, cases, "image", data=png_bytes())

    @capability("image_urls")
    def test_image_urls(self, model: BaseChatModel, target: Target) -> None:
        """An image given by URL (standard block and OpenAI block) is answered."""
        cases = [
            _ask("Describe this image.", {"type": "image", "url": IMAGE_URL}),
            _ask("Describe this image.", {"type": "image_url", "image_url": {"url": IMAGE_URL}}),
        ]
        self._invoke_each(model, target, cases, "image", url=IMAGE_URL)

    @capability("pdf_inputs")
    def test_pdf_inputs(self, model: BaseChatModel, target: Target) -> None:
        """A PDF, as a standard file block and as an OpenAI file part, is answered."""
        data = b64(pdf_bytes())
        cases = [
            _ask(
                "Summarize this document.",
                {"type": "file", "base64": data, "mime_type": "application/pdf"},
            ),
            _ask(
                "Summarize this document.",
                {
                    "type": "file",
                    "file": {
                        "filename": "test.pdf",
                        "file_data": f"data:application/pdf;base64,{data}",
                    },
                },
            ),
        ]
        self._invoke_each(model, target, cases, "pdf", data=pdf_bytes())

    @capability("audio_inputs")
    def test_audio_inputs(self, model: BaseChatModel, target: Target) -> None:
        """A WAV clip, as a standard audio block and as OpenAI ``input_audio``, is answered."""
        data = b64(wav_bytes())
        cases = [
            _ask(
                "Describe this audio.", {"type": "audio", "base64": data, "mime_type": "audio/wav"}
            ),
            _ask(
                "Describe this audio.",
                {"type": "input_audio", "input_audio": {"data": data, "format": "wav"}},
            ),
        ]
        self._invoke_each(model, target, cases, "audio", data=wav_bytes())

    @capability("image_tool_message")
    def test_image_tool_message(self, model: BaseChatModel, target: Target) -> None:
        """A tool result holding an image (standard block, OpenAI block) is answered."""
        bound = model.bind_tools([_schemas.random_image])
        data = b64(png_bytes())
        cases = [
            _tool_history({"type": "image", "base64": data, "mime_type": "image/png"}),
            _tool_history(
                {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{data}"}}
            ),
        ]
        self._invoke_each(bound, target, cases, "image", data=png_bytes(), in_tool_result=True)

    @capability("pdf_tool_message")
    def test_pdf_tool_message(self, model: BaseChatModel, target: Target) -> None:
        """A tool result holding a PDF is answered."""
        bound = model.bind_tools([_schemas.random_image])
        block = {"type": "file", "base64": b64(pdf_bytes()), "mime_type": "application/pdf"}
        check_answer(bound.invoke(_tool_history(block)))
        self._check_sent(target, "pdf", data=pdf_bytes(), in_tool_result=True)

    @capability("anthropic_inputs")
    def test_anthropic_inputs(self, model: BaseChatModel, target: Target) -> None:
        """Anthropic-format tools and blocks (cache_control, tool_use, tool_result, thinking)."""
        tool = {
            "name": "color_picker",
            "description": "Pick a color for a fruit.",
            "input_schema": {
                "type": "object",
                "properties": {"fruit": {"type": "string"}},
                "required": ["fruit"],
            },
            "cache_control": {"type": "ephemeral"},
        }
        question: list[dict[str, Any]] = [
            {
                "type": "text",
                "text": "What color is an apple? Use color_picker.",
                "cache_control": {"type": "ephemeral"},
            }
        ]
        if self.capabilities.image_inputs:
            source = {"type": "base64", "media_type": "image/png", "data": b64(png_bytes())}
            question.append({"type": "image", "source": source})
        call = {"id": "toolu_01", "name": "color_picker", "args": {"fruit": "apple"}}
        messages: list[BaseMessage] = [
            HumanMessage(content=question),
            AIMessage(
                content=[
                    {"type": "text", "text": "Let me pick."},
                    {
                        "type": "tool_use",
                        "id": "toolu_01",
                        "name": "color_picker",
                        "input": {"fruit": "apple"},
                    },
                ],
                tool_calls=[{**call, "type": "tool_call"}],
            ),
            HumanMessage(
                content=[
                    {
                        "type": "tool_result",
                        "tool_use_id": "toolu_01",
                        "content": f"red ({_TOOL_TOKEN})",
                        "cache_control": {"type": "ephemeral"},
                    }
                ]
            ),
        ]
        check_answer(model.bind_tools([tool]).invoke(messages))
        if target.emulator is not None:
            assert _TOOL_TOKEN in body_text(target.model_requests()[-1].body)
        thinking = [
            HumanMessage("What is 2 + 2?"),
            AIMessage(
                content=[
                    {"type": "thinking", "thinking": "Two plus two.", "signature": "c2lnbmF0dXJl"},
                    {"type": "text", "text": "4"},
                ]
            ),
            HumanMessage("And 3 + 3?"),
        ]
        check_answer(model.invoke(thinking))
