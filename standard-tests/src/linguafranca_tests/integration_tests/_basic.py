"""Invoke, stream, batch, conversations, stop sequences, model override, unicode, names."""

from __future__ import annotations

from linguafranca.chat_models import BaseChatModel
from linguafranca.messages import AIMessage, HumanMessage, SystemMessage, merge_chunks
from linguafranca_tests._checks import check_answer, check_stream
from linguafranca_tests._suite import capability
from linguafranca_tests._target import Target
from linguafranca_tests._wire import body_text
from linguafranca_tests.integration_tests._base import IntegrationBase, run

__all__ = ["BasicTests"]

UNICODE_TEXT = "Répète après moi : こんにちは, 你好, Привет, مرحبا 🌍"


class BasicTests(IntegrationBase):
    """Calls in every shape, and conversations in every shape."""

    def test_invoke(self, model: BaseChatModel) -> None:
        """``invoke("Hello")`` answers with a non-empty ``AIMessage``."""
        check_answer(model.invoke("Hello"))

    def test_ainvoke(self, model: BaseChatModel) -> None:
        """``ainvoke("Hello")`` answers with a non-empty ``AIMessage``."""
        check_answer(run(model.ainvoke("Hello")))

    def test_stream(self, model: BaseChatModel) -> None:
        """``stream`` yields chunks ending with one ``chunk_position="last"``; they fold to text."""
        check_stream(self.collect(model, "Hello"))

    def test_astream(self, model: BaseChatModel) -> None:
        """``astream`` behaves as ``stream``."""
        check_stream(run(self.acollect(model, "Hello")))

    def test_batch(self, model: BaseChatModel, target: Target) -> None:
        """``batch`` answers every input, in order."""
        answers = model.batch(["Say: alpha", "Say: bravo"])
        assert len(answers) == 2
        for answer in answers:
            check_answer(answer)
        if target.deterministic:
            assert "alpha" in answers[0].text and "bravo" in answers[1].text, "order lost"

    def test_abatch(self, model: BaseChatModel, target: Target) -> None:
        """``abatch`` answers every input, in order."""
        answers = run(model.abatch(["Say: alpha", "Say: bravo"]))
        assert len(answers) == 2
        for answer in answers:
            check_answer(answer)
        if target.deterministic:
            assert "alpha" in answers[0].text and "bravo" in answers[1].text, "order lost"

    def test_conversation(self, model: BaseChatModel) -> None:
        """A human / AI / human history is answered."""
        messages = [
            HumanMessage("hello"),
            AIMessage("Hello! How can I help you today?"),
            HumanMessage("how are you"),
        ]
        check_answer(model.invoke(messages))

    def test_consecutive_same_role_messages(self, model: BaseChatModel) -> None:
        """Consecutive messages of one role are accepted (merged if the API needs it)."""
        messages = [
            HumanMessage("hello"),
            HumanMessage("hello again"),
            AIMessage("hi"),
            AIMessage("Hello! How can I help you today?"),
            HumanMessage("how are you"),
        ]
        check_answer(model.invoke(messages))

    @capability("system_messages")
    def test_system_message(self, model: BaseChatModel) -> None:
        """A system message leads the conversation."""
        messages = [SystemMessage("You are a helpful assistant."), HumanMessage("hello")]
        check_answer(model.invoke(messages))

    @capability("multiple_system_messages")
    def test_double_system_messages(self, model: BaseChatModel) -> None:
        """Two system messages, then doubled human and AI turns, are answered."""
        messages = [
            SystemMessage("You are a helpful assistant."),
            SystemMessage("Answer briefly."),
            HumanMessage("hello"),
            HumanMessage("hello again"),
            AIMessage("hi"),
            AIMessage("Hello! How can I help you today?"),
            HumanMessage("how are you"),
        ]
        check_answer(model.invoke(messages))

    def test_message_with_name(self, model: BaseChatModel) -> None:
        """A human message with a ``name`` is answered."""
        check_answer(model.invoke([HumanMessage("hello", name="example_user")]))

    def test_unicode_content(self, model: BaseChatModel, target: Target) -> None:
        """Non-ASCII text survives the request and both the answer and its stream."""
        answer = check_answer(model.invoke(UNICODE_TEXT))
        streamed = check_stream(self.collect(model, UNICODE_TEXT))
        if target.emulator is not None:
            assert "こんにちは" in body_text(target.model_requests()[0].body)
        if target.deterministic:
            for word in ("こんにちは", "你好", "Привет", "🌍"):
                assert word in answer.text, f"{word!r} lost in the answer"
                assert word in streamed.text, f"{word!r} lost in the stream"

    @capability("stop_sequences")
    def test_stop_sequence(self, model: BaseChatModel, target: Target) -> None:
        """``stop`` (per call, or on the model) ends the answer before the stop sequence."""
        prompt = "Repeat exactly: alpha bravo HALTHERE charlie"
        answer = check_answer(model.invoke(prompt, stop=["HALTHERE"]))
        configured = self.build_model(target, stop=["HALTHERE"])
        other = check_answer(configured.invoke(prompt))
        if target.deterministic:
            for text in (answer.text, other.text):
                assert "HALTHERE" not in text and "charlie" not in text
                assert "alpha" in text
        if target.emulator is not None:
            for request in target.model_requests():
                assert "HALTHERE" in body_text(request.body)

    @capability("model_override")
    def test_model_override(self, model: BaseChatModel) -> None:
        """``invoke(..., model=other)`` and ``stream(..., model=other)`` use the other model."""
        other = self.capabilities.model_override
        assert other is not None
        answer = check_answer(model.invoke("Hello", model=other))
        assert other in str(answer.response_metadata.get("model_name"))
        streamed = merge_chunks(self.collect(model, "Hello", model=other))
        assert other in str(streamed.response_metadata.get("model_name"))

    @capability("model_override")
    def test_model_override_async(self, model: BaseChatModel) -> None:
        """``ainvoke`` and ``astream`` honour ``model=other``."""
        other = self.capabilities.model_override
        assert other is not None
        answer = check_answer(run(model.ainvoke("Hello", model=other)))
        assert other in str(answer.response_metadata.get("model_name"))
        streamed = merge_chunks(run(self.acollect(model, "Hello", model=other)))
        assert other in str(streamed.response_metadata.get("model_name"))

    @capability("reasoning_output")
    def test_reasoning_output(self, target: Target) -> None:
        """With ``capability_params['reasoning_output']``, answers carry reasoning blocks."""
        model = self.build_model(target, **self.params_for("reasoning_output"))
        prompt = "What is 3 + 5? Think it through, then answer."
        answer = check_answer(model.invoke(prompt))
        streamed = merge_chunks(self.collect(model, prompt))
        for message in (answer, streamed):
            reasoning = [b for b in message.content_blocks if b.get("type") == "reasoning"]
            assert reasoning, f"no reasoning block in {message.content_blocks!r}"
            assert any(str(b.get("reasoning", "")).strip() for b in reasoning)
            assert message.text.strip(), "reasoning but no answer text"
