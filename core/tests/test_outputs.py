from uuid import UUID

import pytest

from linguafranca.messages import AIMessage, AIMessageChunk, HumanMessageChunk
from linguafranca.outputs import (
    ChatGeneration,
    ChatGenerationChunk,
    ChatResult,
    Generation,
    GenerationChunk,
    LLMResult,
    RunInfo,
    merge_generation_chunks,
)


def test_chat_generation_text_comes_from_message():
    gen = ChatGeneration(message=AIMessage([{"type": "text", "text": "a"}, "b"]))
    assert gen.text == "ab"
    assert ChatGeneration(message=AIMessage("x"), text="ignored").text == "x"


def test_seed_generate_repr():
    run_ids = ["077917a9-026c-47c4-b308-77b37c3a3bfa", "0a70a0bf-c599-4f51-932a-c7d42202c984"]
    result = LLMResult(
        generations=[
            [
                ChatGeneration(
                    generation_info={"finish_reason": "stop"},
                    message=AIMessage("J'adore programmer."),
                )
            ],
            [
                ChatGeneration(
                    generation_info={"finish_reason": "stop"},
                    message=AIMessage("J'adore l'intelligence artificielle."),
                )
            ],
        ],
        llm_output={
            "token_usage": {"prompt_tokens": 53, "completion_tokens": 18, "total_tokens": 71},
            "model_name": "gpt-3.5-turbo",
        },
        run=[RunInfo(run_id=UUID(r)) for r in run_ids],
    )
    assert repr(result) == (
        'LLMResult(generations=[[ChatGeneration(text="J\'adore programmer.", '
        "generation_info={'finish_reason': 'stop'}, "
        'message=AIMessage(content="J\'adore programmer."))], '
        "[ChatGeneration(text=\"J'adore l'intelligence artificielle.\", "
        "generation_info={'finish_reason': 'stop'}, "
        "message=AIMessage(content=\"J'adore l'intelligence artificielle.\"))]], "
        "llm_output={'token_usage': {'prompt_tokens': 53, 'completion_tokens': 18, "
        "'total_tokens': 71}, 'model_name': 'gpt-3.5-turbo'}, "
        "run=[RunInfo(run_id=UUID('077917a9-026c-47c4-b308-77b37c3a3bfa')), "
        "RunInfo(run_id=UUID('0a70a0bf-c599-4f51-932a-c7d42202c984'))])"
    )
    assert result.llm_output is not None
    assert result.llm_output["token_usage"]["total_tokens"] == 71


def test_llm_result_json_round_trip_keeps_kinds():
    result = LLMResult(
        generations=[
            [Generation(text="t", generation_info={"a": 1})],
            [
                ChatGeneration(
                    message=AIMessage("x", tool_calls=[{"name": "f", "args": {}, "id": "1"}])
                )
            ],
            [ChatGenerationChunk(message=AIMessageChunk("y"))],
        ],
        llm_output={"k": "v"},
        run=[RunInfo(run_id=UUID(int=1))],
    )
    again = LLMResult.model_validate_json(result.model_dump_json())
    assert again == result
    assert type(again.generations[1][0]) is ChatGeneration
    message = again.generations[1][0].message
    assert isinstance(message, AIMessage)
    assert message.tool_calls[0]["name"] == "f"
    assert type(again.generations[2][0]) is ChatGenerationChunk
    assert again.run == result.run


def test_llm_result_equality_ignores_run():
    a = LLMResult(generations=[[Generation(text="t")]], run=[RunInfo(run_id=UUID(int=1))])
    b = LLMResult(generations=[[Generation(text="t")]], run=[RunInfo(run_id=UUID(int=2))])
    assert a == b
    assert a != LLMResult(generations=[[Generation(text="u")]])


def test_llm_result_flatten():
    result = LLMResult(
        generations=[[Generation(text="a")], [Generation(text="b")]],
        llm_output={"token_usage": {"total_tokens": 3}, "model_name": "m"},
    )
    first, second = result.flatten()
    assert first.llm_output == {"token_usage": {"total_tokens": 3}, "model_name": "m"}
    assert second.llm_output == {"token_usage": {}, "model_name": "m"}
    assert second.generations == [[Generation(text="b")]]


def test_chat_generation_chunk_addition_merges_messages_and_info():
    a = ChatGenerationChunk(message=AIMessageChunk("Hel"), generation_info={"n": 1, "model": "m"})
    b = ChatGenerationChunk(
        message=AIMessageChunk("lo"), generation_info={"n": 2, "finish_reason": "stop"}
    )
    merged = a + b
    assert type(merged) is ChatGenerationChunk
    assert merged.text == "Hello"
    assert merged.message == AIMessageChunk("Hello")
    assert merged.generation_info == {"n": 3, "model": "m", "finish_reason": "stop"}
    assert (ChatGenerationChunk(message=AIMessageChunk("a")) + [b, b]).text == "alolo"
    assert (
        ChatGenerationChunk(message=AIMessageChunk("a"))
        + ChatGenerationChunk(message=AIMessageChunk("b"))
    ).generation_info is None


def test_chat_generation_chunk_rejects_other_things():
    a = ChatGenerationChunk(message=AIMessageChunk("a"))
    with pytest.raises(TypeError, match="position 0"):
        a + [Generation(text="x")]  # type: ignore[list-item]
    with pytest.raises(TypeError):
        a + ChatGenerationChunk(message=HumanMessageChunk("b"))


def test_merge_generation_chunks_is_linear_and_rejects_empty():
    chunks = [ChatGenerationChunk(message=AIMessageChunk(c)) for c in "abc"]
    assert merge_generation_chunks(chunks).text == "abc"
    with pytest.raises(ValueError):
        merge_generation_chunks([])


def test_generation_chunk_addition():
    merged = GenerationChunk(text="a", generation_info={"x": 1}) + GenerationChunk(text="b")
    assert (merged.text, merged.generation_info) == ("ab", {"x": 1})


def test_chat_result():
    result = ChatResult(generations=[ChatGeneration(message=AIMessage("hi"))], llm_output={"a": 1})
    assert result.generations[0].text == "hi"
    assert ChatResult.model_validate(result.model_dump()) == result


def test_chat_generation_from_dict_message():
    gen = ChatGeneration.model_validate({"message": {"type": "ai", "content": "x"}})
    assert gen.message == AIMessage("x")
    assert gen.text == "x"
