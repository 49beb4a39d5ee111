"""Tool calling: calls, streamed calls, tool choice, histories with tool results, agent loops."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pytest
from typing_extensions import TypedDict

from linguafranca.chat_models import BaseChatModel
from linguafranca.chat_models.fake import GenericFakeChatModel
from linguafranca.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    ToolMessage,
)
from linguafranca.output_parsers import StrOutputParser
from linguafranca.runnables import RunnableLambda
from linguafranca_tests import _schemas
from linguafranca_tests._checks import check_answer, check_stream, check_tool_call, fold, unique
from linguafranca_tests._schemas import MAGIC_PROMPT
from linguafranca_tests._suite import capability
from linguafranca_tests._target import Target
from linguafranca_tests._wire import body_text
from linguafranca_tests.integration_tests._base import IntegrationBase, run

__all__ = ["ToolTests", "check_partial_folds"]

PARALLEL_PROMPT = (
    "Call both tools now: magic_function with the input 3, and get_weather for 'Paris'."
)
_RESULT_TOKEN = "zebra-7239"  # a tool result the request log must show


def check_partial_folds(chunks: Sequence[AIMessageChunk]) -> tuple[AIMessageChunk, bool]:
    """No fold of a stream's prefix reports a call as complete before its arguments are.

    Returns the whole fold and whether some prefix showed an unfinished call.
    """
    final = check_stream(chunks, text=False)
    assert final.unfinished_tool_calls == [], "the last chunk leaves calls unfinished"
    saw_unfinished = False
    partial: AIMessageChunk | None = None
    for chunk in chunks[:-1]:
        partial = chunk if partial is None else partial + chunk
        unfinished = partial.unfinished_tool_calls
        saw_unfinished = saw_unfinished or bool(unfinished)
        for index, call in enumerate(partial.tool_calls):
            if call in unfinished:
                continue
            assert index < len(final.tool_calls), f"a call the final message lacks: {call!r}"
            assert call == final.tool_calls[index], (
                f"call {index} looked complete as {call!r} before it was; final: "
                f"{final.tool_calls[index]!r}"
            )
    return final, saw_unfinished


def _history(ai: AIMessage, result: ToolMessage) -> list[BaseMessage]:
    return [HumanMessage(MAGIC_PROMPT), ai, result]


class _GreetingInput(TypedDict):
    answer_style: str


def _greeting_prompt(inputs: _GreetingInput) -> str:
    return f"Hello. Please respond in the style of {inputs['answer_style']}."


class ToolTests(IntegrationBase):
    """Tool calls in answers, in streams, and in conversation histories."""

    def _bound(self, model: BaseChatModel, tools: Sequence[Any], **kwargs: Any) -> Any:
        return model.bind_tools(tools, **kwargs)

    def _check_wire_has(self, target: Target, needle: str) -> None:
        if target.emulator is not None:
            sent = body_text(target.model_requests()[-1].body)
            assert needle in sent, f"{needle!r} did not reach the server"

    @capability("tool_calling")
    def test_tool_calling(self, model: BaseChatModel) -> None:
        """A tool is called with the right arguments, in an answer and in a stream."""
        bound = self._bound(model, [_schemas.magic_function], tool_choice=self.forcing_choice())
        check_tool_call(bound.invoke(MAGIC_PROMPT), "magic_function", {"input": 3})
        merged = check_stream(self.collect(bound, MAGIC_PROMPT), text=False)
        check_tool_call(merged, "magic_function", {"input": 3})

    @capability("tool_calling")
    def test_tool_calling_async(self, model: BaseChatModel) -> None:
        """``ainvoke`` and ``astream`` call tools like their sync twins."""
        bound = self._bound(model, [_schemas.magic_function], tool_choice=self.forcing_choice())
        check_tool_call(run(bound.ainvoke(MAGIC_PROMPT)), "magic_function", {"input": 3})
        merged = check_stream(run(self.acollect(bound, MAGIC_PROMPT)), text=False)
        check_tool_call(merged, "magic_function", {"input": 3})

    @capability("tool_calling")
    def test_tool_call_stream_partials(self, model: BaseChatModel) -> None:
        """While a call streams, it is listed as unfinished until its arguments are whole."""
        bound = self._bound(model, [_schemas.magic_function], tool_choice=self.forcing_choice())
        final, _ = check_partial_folds(self.collect(bound, MAGIC_PROMPT))
        check_tool_call(final, "magic_function", {"input": 3})

    @capability("streaming_tool_calls")
    def test_tool_call_arguments_stream_incrementally(self, model: BaseChatModel) -> None:
        """Arguments arrive in pieces: some prefix of the stream has an unfinished call."""
        bound = self._bound(model, [_schemas.magic_function], tool_choice=self.forcing_choice())
        chunks = self.collect(bound, MAGIC_PROMPT)
        _, saw_unfinished = check_partial_folds(chunks)
        assert saw_unfinished, "the call's arguments arrived in one piece"
        pieces = [c for c in chunks if c.tool_call_chunks]
        assert len(pieces) >= 2, "tool_call_chunks should come in several chunks"

    @capability("tool_calling")
    def test_tool_calling_with_no_arguments(self, model: BaseChatModel) -> None:
        """A tool without parameters is called with ``args == {}`` (answer and stream)."""
        bound = self._bound(
            model, [_schemas.magic_function_no_args], tool_choice=self.forcing_choice()
        )
        prompt = "What is the value of magic_function_no_args()? Use the tool."
        check_tool_call(bound.invoke(prompt), "magic_function_no_args", {})
        final, _ = check_partial_folds(self.collect(bound, prompt))
        check_tool_call(final, "magic_function_no_args", {})

    @capability("parallel_tool_calls")
    def test_parallel_tool_calls(self, model: BaseChatModel, target: Target) -> None:
        """Several calls in one answer keep their order and distinct ids, streamed too."""
        bound = self._bound(model, [_schemas.magic_function, _schemas.get_weather])
        answer = bound.invoke(PARALLEL_PROMPT)
        assert isinstance(answer, AIMessage)
        names = [call["name"] for call in answer.tool_calls]
        assert sorted(names) == ["get_weather", "magic_function"], answer.tool_calls
        assert unique(call["id"] for call in answer.tool_calls), "tool-call ids repeat"
        chunks = self.collect(bound, PARALLEL_PROMPT)
        final, _ = check_partial_folds(chunks)
        streamed = [call["name"] for call in final.tool_calls]
        assert sorted(streamed) == ["get_weather", "magic_function"], final.tool_calls
        assert all(call["id"] for call in final.tool_calls)
        assert unique(call["id"] for call in final.tool_calls), "tool-call ids repeat"
        first_seen: list[Any] = []
        for chunk in chunks:
            for piece in chunk.tool_call_chunks:
                index = piece.get("index")
                key = index if index is not None else piece.get("id")
                if key not in first_seen:
                    first_seen.append(key)
        assert len(first_seen) == 2, f"expected two streamed calls, got {first_seen}"
        if target.deterministic:
            assert names == ["magic_function", "get_weather"], "calls reordered"
            assert streamed == ["magic_function", "get_weather"], "streamed calls reordered"

    @pytest.mark.parametrize("choice", ["auto", "none", "any", "required", "name"])
    def test_tool_choice(self, model: BaseChatModel, choice: str) -> None:
        """Each declared ``tool_choice`` value does what it says."""
        self.require("tool_choice", f"tool_choice_values.{choice}")
        tools = [_schemas.magic_function, _schemas.get_weather]
        value = "magic_function" if choice == "name" else choice
        bound = self._bound(model, tools, tool_choice=value)
        if choice == "auto":
            answer = bound.invoke(MAGIC_PROMPT)
            assert isinstance(answer, AIMessage) and (answer.tool_calls or answer.text)
        elif choice == "none":
            answer = bound.invoke(MAGIC_PROMPT)
            assert answer.tool_calls == [], "tool_choice='none' but a tool was called"
            check_answer(answer)
        else:
            answer = bound.invoke("Hello!")
            assert answer.tool_calls, f"tool_choice={value!r} but no tool was called"
            if choice == "name":
                assert answer.tool_calls[0]["name"] == "magic_function"

    @capability("tool_calling")
    def test_bind_runnables_as_tools(self, model: BaseChatModel) -> None:
        """A chain made a tool with ``as_tool`` is bound and called with its argument."""
        chain = (
            RunnableLambda(_greeting_prompt)
            | GenericFakeChatModel(messages=iter(["hello matey"]))
            | StrOutputParser()
        )
        greeting = chain.as_tool(
            name="greeting_generator",
            description="Generate a greeting in a particular style of speaking.",
        )
        assert greeting.args.keys() == {"answer_style"}, greeting.args
        choice = self.forcing_choice()
        bound = self._bound(model, [greeting], tool_choice=choice)
        # Without a forcing tool_choice, naming the tool is what asks for the call.
        which = "the tool" if choice else "the greeting_generator tool"
        answer = bound.invoke(f"Using {which}, generate a Pirate greeting.")
        call = check_tool_call(answer, "greeting_generator")
        assert call["args"].get("answer_style"), call
        assert call["type"] == "tool_call"
        # The call runs the chain: its answer comes back as the tool's message.
        result = greeting.invoke(call)
        assert isinstance(result, ToolMessage) and result.content == "hello matey"
        assert result.tool_call_id == call["id"]

    @capability("tool_calling")
    def test_tool_message_histories_string_content(
        self, model: BaseChatModel, target: Target
    ) -> None:
        """A history with a tool call and its string result is answered."""
        bound = self._bound(model, [_schemas.magic_function])
        call = {"name": "magic_function", "args": {"input": 3}, "id": "call_abc123"}
        ai = AIMessage("", tool_calls=[{**call, "type": "tool_call"}])
        result = ToolMessage(json.dumps({"result": _RESULT_TOKEN}), tool_call_id="call_abc123")
        check_answer(bound.invoke(_history(ai, result)))
        self._check_wire_has(target, _RESULT_TOKEN)

    @capability("tool_calling")
    def test_tool_message_histories_list_content(
        self, model: BaseChatModel, target: Target
    ) -> None:
        """An AI turn with list content (text + ``tool_use``) and its result is answered."""
        bound = self._bound(model, [_schemas.magic_function])
        ai = AIMessage(
            [
                {"type": "text", "text": "Let me call the tool."},
                {
                    "type": "tool_use",
                    "id": "call_abc123",
                    "name": "magic_function",
                    "input": {"input": 3},
                },
            ],
            tool_calls=[
                {
                    "name": "magic_function",
                    "args": {"input": 3},
                    "id": "call_abc123",
                    "type": "tool_call",
                }
            ],
        )
        result = ToolMessage(json.dumps({"result": _RESULT_TOKEN}), tool_call_id="call_abc123")
        check_answer(bound.invoke(_history(ai, result)))
        self._check_wire_has(target, _RESULT_TOKEN)

    @capability("tool_calling")
    def test_tool_message_error_status(self, model: BaseChatModel, target: Target) -> None:
        """A ``ToolMessage(status="error")`` in the history is accepted."""
        bound = self._bound(model, [_schemas.magic_function])
        ai = AIMessage(
            "",
            tool_calls=[
                {
                    "name": "magic_function",
                    "args": {"input": 3},
                    "id": "call_err1",
                    "type": "tool_call",
                }
            ],
        )
        error = f"Error: {_RESULT_TOKEN} is not a valid input."
        result = ToolMessage(error, tool_call_id="call_err1", status="error")
        check_answer(bound.invoke(_history(ai, result)))
        self._check_wire_has(target, _RESULT_TOKEN)

    @capability("tool_calling")
    def test_structured_few_shot_examples(self, model: BaseChatModel) -> None:
        """A few-shot history of tool calls is followed by a call of the same tool."""
        choice = self.forcing_choice()
        bound = self._bound(model, [_schemas.my_adder_tool], tool_choice=choice)
        example = {"name": "my_adder_tool", "args": {"a": 1, "b": 2}, "id": "call_fewshot1"}
        messages = [
            HumanMessage("What is 1 + 2?"),
            AIMessage("", tool_calls=[{**example, "type": "tool_call"}]),
            ToolMessage("You have correctly called this tool.", tool_call_id="call_fewshot1"),
            AIMessage("3"),
            HumanMessage("What is 3 + 4? Use my_adder_tool."),
        ]
        answer = bound.invoke(messages)
        assert isinstance(answer, AIMessage)
        if choice is None:
            assert answer.tool_calls or answer.text
            return
        call = check_tool_call(answer, "my_adder_tool")
        assert set(call["args"]) == {"a", "b"}
        assert all(isinstance(v, int) for v in call["args"].values())

    @capability("tool_calling")
    def test_unicode_tool_call(self, model: BaseChatModel) -> None:
        """Non-ASCII tool arguments survive the round trip (answer and stream)."""
        bound = self._bound(model, [_schemas.unicode_customer], tool_choice=self.forcing_choice())
        prompt = (
            'Use the unicode_customer tool to create a customer named "你好啊集团" with the '
            'description "一家中国公司".'
        )
        for message in (bound.invoke(prompt), fold(self.collect(bound, prompt))):
            call = check_tool_call(message, "unicode_customer")
            assert "你好啊集团" in call["args"].get("customer_name", ""), call
            assert "一家中国公司" in call["args"].get("description", ""), call

    @capability("tool_calling")
    def test_agent_loop(self, model: BaseChatModel, target: Target) -> None:
        """Call a tool, run it, send its result back, get a final answer."""
        bound = self._bound(model, [_schemas.get_weather])
        question = HumanMessage("What is the weather in 'Paris'? Use the get_weather tool.")
        first = bound.invoke([question])
        call = check_tool_call(first, "get_weather")
        result = _schemas.get_weather.invoke({**call, "type": "tool_call"})
        assert isinstance(result, ToolMessage) and result.tool_call_id == call["id"]
        check_answer(bound.invoke([question, first, result]))
        self._check_wire_has(target, "sunny")
