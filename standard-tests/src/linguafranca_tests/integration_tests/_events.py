"""Callbacks and events: one start, every token, one end; streams that really stream."""

from __future__ import annotations

import time
from typing import Any
from uuid import UUID

from linguafranca.callbacks import BaseCallbackHandler
from linguafranca.chat_models import BaseChatModel
from linguafranca.messages import AIMessage, AIMessageChunk, BaseMessage, merge_chunks
from linguafranca.outputs import LLMResult
from linguafranca_tests._checks import check_answer, check_stream
from linguafranca_tests._suite import emulator_only
from linguafranca_tests._target import Target
from linguafranca_tests.integration_tests._base import IntegrationBase, run

__all__ = ["EventTests", "Recorder"]


class Recorder(BaseCallbackHandler):
    """Records a chat model's callbacks: starts, tokens and ends, with their run ids."""

    def __init__(self) -> None:
        self.starts: list[UUID] = []
        self.tokens: list[str] = []
        self.token_runs: set[UUID] = set()
        self.ends: list[LLMResult] = []
        self.end_runs: list[UUID] = []
        self.errors: list[BaseException] = []

    def on_chat_model_start(
        self,
        serialized: dict[str, Any] | None,
        messages: list[list[BaseMessage]],
        *,
        run_id: UUID,
        **kwargs: Any,
    ) -> None:
        self.starts.append(run_id)

    def on_llm_new_token(self, token: str, *, run_id: UUID, **kwargs: Any) -> None:
        self.tokens.append(token)
        self.token_runs.add(run_id)

    def on_llm_end(self, response: LLMResult, *, run_id: UUID, **kwargs: Any) -> None:
        self.ends.append(response)
        self.end_runs.append(run_id)

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self.errors.append(error)

    def check_one_run(self) -> None:
        """Exactly one run started and ended, without error, and tokens belong to it."""
        assert len(self.starts) == 1, f"on_chat_model_start fired {len(self.starts)} times"
        assert len(self.ends) == 1, f"on_llm_end fired {len(self.ends)} times"
        assert self.end_runs == self.starts, "start and end have different run ids"
        assert self.token_runs <= set(self.starts), "tokens reported for another run"
        assert not self.errors, f"on_llm_error fired: {self.errors!r}"


def _end_text(result: LLMResult) -> str:
    generation = result.generations[0][0]
    message = getattr(generation, "message", None)
    assert isinstance(message, AIMessage), f"on_llm_end without a message: {generation!r}"
    return message.text


class EventTests(IntegrationBase):
    """Callbacks and ``astream_events`` follow one run's lifecycle."""

    def test_invoke_callbacks(self, model: BaseChatModel) -> None:
        """``invoke`` reports one start and one end carrying the answer."""
        recorder = Recorder()
        answer = check_answer(model.invoke("Hello", config={"callbacks": [recorder]}))
        recorder.check_one_run()
        assert _end_text(recorder.ends[0]) == answer.text

    def test_stream_callbacks(self, model: BaseChatModel) -> None:
        """``stream`` reports every chunk as a token, then one end with the whole text."""
        recorder = Recorder()
        chunks = self.collect(model, "Hello", config={"callbacks": [recorder]})
        merged = check_stream(chunks)
        recorder.check_one_run()
        assert recorder.tokens, "no on_llm_new_token while streaming"
        assert "".join(recorder.tokens) == merged.text
        assert _end_text(recorder.ends[0]) == merged.text

    def test_invoke_with_streaming_reports_tokens(self, target: Target) -> None:
        """With ``streaming=True``, ``invoke`` streams inside and reports the tokens."""
        model = self.build_model(target, streaming=True)
        recorder = Recorder()
        answer = check_answer(model.invoke("Hello", config={"callbacks": [recorder]}))
        recorder.check_one_run()
        assert recorder.tokens, "streaming=True but invoke reported no token"
        assert "".join(recorder.tokens) == answer.text

    def test_astream_events(self, model: BaseChatModel) -> None:
        """``astream_events(v2)``: a start, stream events, an end; the same run throughout."""

        async def events() -> list[Any]:
            return [e async for e in model.astream_events("Hello", version="v2")]

        found = run(events())
        kinds = [event["event"] for event in found]
        assert kinds[0] == "on_chat_model_start", kinds
        assert kinds[-1] == "on_chat_model_end", kinds
        assert set(kinds[1:-1]) == {"on_chat_model_stream"}, kinds
        assert len({event["run_id"] for event in found}) == 1
        chunks = [event["data"]["chunk"] for event in found[1:-1]]
        assert all(isinstance(c, AIMessageChunk) for c in chunks)
        output = found[-1]["data"]["output"]
        assert isinstance(output, AIMessage) and output.text
        assert merge_chunks(chunks).text == output.text

    @emulator_only
    def test_stream_is_incremental(self, model: BaseChatModel, target: Target) -> None:
        """Chunks are yielded as events arrive, not after the whole answer is buffered."""
        assert target.emulator is not None
        delay = 0.05
        target.emulator.enqueue_fault(chunk_delay=delay)
        start = time.monotonic()
        arrivals = [time.monotonic() - start for _ in model.stream("Count: one two three four")]
        assert len(arrivals) >= 4, "too few chunks to tell"
        assert arrivals[-1] - arrivals[0] >= 2 * delay, (
            f"chunks arrived together (at {arrivals}); the stream is buffered"
        )
