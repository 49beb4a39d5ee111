import asyncio
import logging
import threading
from typing import Any

import pytest

from linguafranca.callbacks import CallbackManager
from linguafranca.callbacks._stdout import StdOutCallbackHandler, StreamingStdOutCallbackHandler
from linguafranca.chat_models.fake import GenericFakeChatModel
from linguafranca.output_parsers import StrOutputParser
from linguafranca.runnables import RunnableLambda
from linguafranca.tools import tool

BOLD, RESET = "\033[1m", "\033[0m"


def entering(name: str) -> str:
    return f"\n\n{BOLD}> Entering new {name} chain...{RESET}\n"


FINISHED = f"\n{BOLD}> Finished chain.{RESET}\n"


def colored(text: str, code: str) -> str:
    return f"\033[{code}m\033[1;3m{text}{RESET}"


def add1(x: int) -> int:
    return x + 1


def dbl(x: int) -> int:
    return x * 2


@tool
def mult(a: int, b: int) -> int:
    """Multiply two numbers."""
    return a * b


CHAIN_OUTPUT = (
    entering("RunnableSequence")
    + entering("add1")
    + FINISHED
    + entering("dbl")
    + FINISHED
    + FINISHED
)


# --- StdOutCallbackHandler: chains ---------------------------------------------------


def test_chain_invoke_prints_nested_runs_in_order(capsys: pytest.CaptureFixture[str]) -> None:
    chain = RunnableLambda(add1) | RunnableLambda(dbl)
    assert chain.invoke(1, {"callbacks": [StdOutCallbackHandler()]}) == 4
    assert capsys.readouterr().out == CHAIN_OUTPUT


async def test_chain_ainvoke_prints_the_same(capsys: pytest.CaptureFixture[str]) -> None:
    chain = RunnableLambda(add1) | RunnableLambda(dbl)
    assert await chain.ainvoke(1, {"callbacks": [StdOutCallbackHandler()]}) == 4
    assert capsys.readouterr().out == CHAIN_OUTPUT


def test_run_name_names_the_chain(capsys: pytest.CaptureFixture[str]) -> None:
    runnable = RunnableLambda(add1)
    runnable.invoke(1, {"callbacks": [StdOutCallbackHandler()], "run_name": "my_step"})
    assert capsys.readouterr().out == entering("my_step") + FINISHED


def test_chain_stream_prints_starts_then_ends(capsys: pytest.CaptureFixture[str]) -> None:
    chain = RunnableLambda(add1) | RunnableLambda(dbl)
    assert list(chain.stream(1, {"callbacks": [StdOutCallbackHandler()]})) == [4]
    out = capsys.readouterr().out
    assert out.count("> Entering new") == 3
    assert out.count("> Finished chain.") == 3
    assert out.index(entering("add1")) < out.index(entering("dbl")) < out.index(FINISHED)


def test_failed_chain_prints_only_its_start(capsys: pytest.CaptureFixture[str]) -> None:
    def boom(x: int) -> int:
        raise ValueError("no")

    with pytest.raises(ValueError, match="no"):
        RunnableLambda(boom).invoke(1, {"callbacks": [StdOutCallbackHandler()]})
    assert capsys.readouterr().out == entering("boom")


def test_chain_name_falls_back_to_serialized(capsys: pytest.CaptureFixture[str]) -> None:
    handler = StdOutCallbackHandler()
    handler.on_chain_start({"name": "Named"}, {})
    handler.on_chain_start({"id": ["pkg", "mod", "FromId"]}, {})
    handler.on_chain_start(None, {})
    handler.on_chain_start({"name": "Ignored"}, {}, name="FromRun")
    assert capsys.readouterr().out == (
        entering("Named") + entering("FromId") + entering("<unknown>") + entering("FromRun")
    )


def test_model_runs_print_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    model = GenericFakeChatModel(messages=iter(["hello big world"]))
    chain = model | StrOutputParser()
    assert chain.invoke("hi", {"callbacks": [StdOutCallbackHandler()]}) == "hello big world"
    # The model run is not a chain: only the sequence and the parser are announced.
    assert capsys.readouterr().out == (
        entering("RunnableSequence") + entering("StrOutputParser") + FINISHED + FINISHED
    )


# --- StdOutCallbackHandler: tools, text, colors ---------------------------------------


def test_tool_output_is_printed_without_newline(capsys: pytest.CaptureFixture[str]) -> None:
    assert mult.invoke({"a": 2, "b": 3}, {"callbacks": [StdOutCallbackHandler()]}) == 6
    # Tools report their output in green by default, as the reference's do.
    assert capsys.readouterr().out == colored("6", "32;1")


async def test_tool_output_in_handler_color_async(capsys: pytest.CaptureFixture[str]) -> None:
    handler = StdOutCallbackHandler(color="blue")
    # The handler's color applies when the run names none (tools name green by default).
    assert await mult.arun({"a": 4, "b": 5}, callbacks=[handler], color=None) == 20
    assert capsys.readouterr().out == colored("20", "36;1")


def test_tool_end_prefixes_and_call_color(capsys: pytest.CaptureFixture[str]) -> None:
    handler = StdOutCallbackHandler(color="blue")
    handler.on_tool_end(5, color="green", observation_prefix="Observation: ", llm_prefix="Thought:")
    assert capsys.readouterr().out == "\nObservation: " + colored("5", "32;1") + "\nThought:"


def test_on_text_colors_and_end(capsys: pytest.CaptureFixture[str]) -> None:
    run = CallbackManager(handlers=[StdOutCallbackHandler()]).on_chain_start(None, {}, name="f")
    run.on_text("plain")
    run.on_text("red", color="red", end="|")
    run.on_chain_end({})
    StdOutCallbackHandler(color="pink").on_text("pink", end="\n")
    StdOutCallbackHandler(color="yellow").on_text("yellow")
    assert capsys.readouterr().out == (
        entering("f")
        + "plain"
        + colored("red", "31;1")
        + "|"
        + FINISHED
        + colored("pink", "38;5;200")
        + "\n"
        + colored("yellow", "33;1")
    )


def test_unknown_color_is_refused_up_front() -> None:
    with pytest.raises(ValueError, match="Unknown color 'cyan'.*blue, green, pink, red, yellow"):
        StdOutCallbackHandler(color="cyan")


def test_unknown_call_color_is_logged_not_raised(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    run = CallbackManager(handlers=[StdOutCallbackHandler()]).on_chain_start(None, {}, name="f")
    with caplog.at_level(logging.WARNING, logger="linguafranca.callbacks"):
        run.on_text("hi", color="mauve")
    assert "Unknown color 'mauve'" in caplog.text
    assert capsys.readouterr().out == entering("f")  # nothing half-printed


# --- StreamingStdOutCallbackHandler -----------------------------------------------------


def fake_model(text: str = "hello big world", **kwargs: Any) -> GenericFakeChatModel:
    return GenericFakeChatModel(messages=iter([text]), **kwargs)


LONG = " ".join(str(i) for i in range(300))


def test_stream_prints_tokens_in_order(capsys: pytest.CaptureFixture[str]) -> None:
    handler = StreamingStdOutCallbackHandler()
    chunks = [c.content for c in fake_model().stream("hi", {"callbacks": [handler]})]
    assert chunks == ["hello", " ", "big", " ", "world"]
    assert capsys.readouterr().out == "hello big world"


async def test_astream_prints_tokens_in_order(capsys: pytest.CaptureFixture[str]) -> None:
    handler = StreamingStdOutCallbackHandler()
    async for _ in fake_model(LONG).astream("hi", {"callbacks": [handler]}):
        pass
    assert capsys.readouterr().out == LONG


async def test_astream_token_is_printed_before_its_chunk_is_yielded(
    capsys: pytest.CaptureFixture[str],
) -> None:
    handler = StreamingStdOutCallbackHandler()
    async for _ in fake_model().astream("hi", {"callbacks": [handler]}):
        print("|", end="")
    assert capsys.readouterr().out == "hello| |big| |world|"


def test_invoke_prints_tokens_when_streaming(capsys: pytest.CaptureFixture[str]) -> None:
    handler = StreamingStdOutCallbackHandler()
    message = fake_model(streaming=True).invoke("hi", {"callbacks": [handler]})
    assert message.content == "hello big world"
    assert capsys.readouterr().out == "hello big world"
    fake_model().invoke("hi", {"callbacks": [handler]}, stream=True)
    assert capsys.readouterr().out == "hello big world"


async def test_ainvoke_prints_tokens_when_streaming(capsys: pytest.CaptureFixture[str]) -> None:
    handler = StreamingStdOutCallbackHandler()
    message = await fake_model(LONG, streaming=True).ainvoke("hi", {"callbacks": [handler]})
    assert message.content == LONG
    assert capsys.readouterr().out == LONG


def test_invoke_without_streaming_prints_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    # As the reference: the handler does not switch a model to streaming by itself.
    handler = StreamingStdOutCallbackHandler()
    assert fake_model().invoke("hi", {"callbacks": [handler]}).content == "hello big world"
    assert capsys.readouterr().out == ""


async def test_chain_astream_prints_only_tokens(capsys: pytest.CaptureFixture[str]) -> None:
    handler = StreamingStdOutCallbackHandler()
    chain = fake_model() | StrOutputParser()
    parts = [p async for p in chain.astream("hi", {"callbacks": [handler]})]
    assert "".join(parts) == "hello big world"
    assert capsys.readouterr().out == "hello big world"


async def test_concurrent_astreams_print_every_token(capsys: pytest.CaptureFixture[str]) -> None:
    handler = StreamingStdOutCallbackHandler()

    async def run(text: str) -> None:
        async for _ in fake_model(text).astream("hi", {"callbacks": [handler]}):
            pass

    await asyncio.gather(run("a a a"), run("b b b"))
    out = capsys.readouterr().out
    assert sorted(out) == sorted("a a a" + "b b b")


def test_each_token_is_written_then_flushed(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, str | None]] = []

    class Recorder:
        def write(self, text: str) -> int:
            calls.append(("write", text))
            return len(text)

        def flush(self) -> None:
            calls.append(("flush", None))

    monkeypatch.setattr("sys.stdout", Recorder())
    handler = StreamingStdOutCallbackHandler()
    for _ in fake_model("hi there").stream("x", {"callbacks": [handler]}):
        pass
    handler.on_llm_new_token(["block", {"type": "text"}])
    assert calls == [
        ("write", "hi"),
        ("flush", None),
        ("write", " "),
        ("flush", None),
        ("write", "there"),
        ("flush", None),
        ("write", "['block', {'type': 'text'}]"),
        ("flush", None),
    ]


async def test_streaming_handler_runs_on_the_loop_thread() -> None:
    # Inline in async runs: no thread hop per token.
    seen: list[str] = []

    class Spy(StreamingStdOutCallbackHandler):
        def on_llm_new_token(self, token: Any, **kwargs: Any) -> None:
            seen.append(threading.current_thread().name)

    async for _ in fake_model().astream("hi", {"callbacks": [Spy()]}):
        pass
    assert seen == [threading.current_thread().name] * 5


def test_streaming_handler_skips_llm_start_fallback() -> None:
    started: list[object] = []

    class Spy(StreamingStdOutCallbackHandler):
        def on_llm_start(self, serialized: Any, prompts: list[str], **kwargs: Any) -> None:
            started.append(prompts)

    fake_model().invoke("hi", {"callbacks": [Spy()]})
    # on_chat_model_start is defined (as a no-op), so chat models never fall back to it.
    assert started == []
