"""The one call path of every chat model: callbacks, cache, rate limiter, provider.

``invoke``, ``generate``, ``batch`` (one call per input) and ``__call__`` go through
:func:`generate`; ``stream`` goes through :func:`stream`; the async methods through the
``a``-twins. Only the loops are written twice; the logic is in :class:`~._call.Call`.
With no handler, no cache and no rate limiter a call does no callback work at all.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any, cast

from linguafranca.callbacks import AsyncCallbackManager, CallbackManager
from linguafranca.chat_models._call import Call
from linguafranca.chat_models._fast import generation_chunk
from linguafranca.messages import AIMessageChunk
from linguafranca.outputs import ChatGenerationChunk, ChatResult, LLMResult, merge_generation_chunks

__all__ = ["agenerate", "astream", "generate", "stream"]


def _partial(seen: list[ChatGenerationChunk]) -> LLMResult:
    # What a failed stream produced before the error, for handlers that record it.
    return LLMResult(generations=[[merge_generation_chunks(seen)]] if seen else [])


# --- sync ----------------------------------------------------------------------------


def generate(call: Call) -> ChatResult:
    """Run one call to its finished result, reporting it to the handlers if any."""
    manager = cast(CallbackManager | None, call.manager)
    if manager is None:
        return _result(call)
    (run,) = manager.on_chat_model_start(
        call.model._serialized(), [call.messages], **call.start_kwargs()
    )
    call.started(run)
    try:
        result = _result(call)
    except BaseException as error:
        run.on_llm_error(error, response=LLMResult(generations=[]))
        raise
    run.on_llm_end(call.llm_result(result))
    return result


def _lookup(call: Call) -> ChatResult | None:
    cache = call.cache
    if cache is None:
        return None
    found = cache.lookup(*call.cache_key())
    return call.from_cache(found) if found else None


def _result(call: Call) -> ChatResult:
    model = call.model
    hit = None if call.cache is None else _lookup(call)
    if hit is not None:
        if call.run is not None and call.should_stream(False):
            for _ in _announce(call, call.replay(hit)):
                pass
        return hit
    if model.rate_limiter is not None:
        model.rate_limiter.acquire(blocking=True)
    if call.should_stream(False):
        result = ChatResult(generations=[call.from_chunks(list(_chunks(call)))])
    else:
        raw = model._generate(call.messages, stop=call.stop, run_manager=call.run, **call.kwargs)
        result = call.finish(raw)
    if call.cache is not None:
        call.cache.update(*call.cache_key(), result.generations)
    return result


def _announce(call: Call, chunks: Iterable[ChatGenerationChunk]) -> Iterator[ChatGenerationChunk]:
    run = call.run
    for chunk in chunks:
        if run is not None:
            run.on_llm_new_token(chunk.text, chunk=chunk)
        yield chunk


def _chunks(call: Call) -> Iterator[ChatGenerationChunk]:
    """The provider's stream with ids, metadata and token callbacks, then the closing chunk."""
    run = call.run
    last: AIMessageChunk | None = None
    for item in call.model._stream(call.messages, stop=call.stop, **call.kwargs):
        last = call.prepare_chunk(item)
        chunk = item if isinstance(item, ChatGenerationChunk) else generation_chunk(last)
        if run is not None:
            run.on_llm_new_token(last.text, chunk=chunk)
        yield chunk
    tail = call.tail(last)
    if tail is not None:
        if run is not None:
            run.on_llm_new_token("", chunk=tail)
        yield tail


def _lean(call: Call) -> Iterator[AIMessageChunk]:
    last: AIMessageChunk | None = None
    prepare = call.prepare_chunk
    for chunk in call.model._stream(call.messages, stop=call.stop, **call.kwargs):
        last = prepare(chunk)
        yield last
    tail = call.tail(last)
    if tail is not None:
        yield cast(AIMessageChunk, tail.message)


def stream(call: Call) -> Iterator[AIMessageChunk]:
    """Stream one call's chunks; the last has ``chunk_position="last"``."""
    if not call.can_stream(False):
        yield call.as_chunk(generate(call).generations[0].message)
        return
    manager, model = cast(CallbackManager | None, call.manager), call.model
    if manager is None and call.cache is None:
        # Nobody listens and nothing is cached: pass the provider's chunks straight on.
        if model.rate_limiter is not None:
            model.rate_limiter.acquire(blocking=True)
        yield from _lean(call)
        return
    run = None
    if manager is not None:
        (run,) = manager.on_chat_model_start(
            model._serialized(), [call.messages], **call.start_kwargs()
        )
        call.started(run)
    seen: list[ChatGenerationChunk] = []
    source: Iterator[ChatGenerationChunk] | None = None
    hit: ChatResult | None = None
    try:
        hit = _lookup(call)
        if hit is not None:
            source = _announce(call, call.replay(hit))
        else:
            if model.rate_limiter is not None:
                model.rate_limiter.acquire(blocking=True)
            source = _chunks(call)
        for chunk in source:
            seen.append(chunk)
            yield cast(AIMessageChunk, chunk.message)
    except BaseException as error:
        close = getattr(source, "close", None)
        if close is not None:
            close()
        if run is not None:
            run.on_llm_error(error, response=_partial(seen))
        raise
    if hit is None and call.cache is not None:
        call.cache.update(*call.cache_key(), [call.from_chunks(seen)])
    if run is not None:
        run.on_llm_end(call.llm_result(ChatResult(generations=[merge_generation_chunks(seen)])))


# --- async ---------------------------------------------------------------------------


async def agenerate(call: Call) -> ChatResult:
    """Async twin of :func:`generate`."""
    manager = cast(AsyncCallbackManager | None, call.manager)
    if manager is None:
        return await _aresult(call)
    (run,) = await manager.on_chat_model_start(
        call.model._serialized(), [call.messages], **call.start_kwargs()
    )
    call.started(run)
    try:
        result = await _aresult(call)
    except BaseException as error:
        await run.on_llm_error(error, response=LLMResult(generations=[]))
        raise
    await run.on_llm_end(call.llm_result(result))
    return result


async def _alookup(call: Call) -> ChatResult | None:
    cache = call.cache
    if cache is None:
        return None
    found = await cache.alookup(*call.cache_key())
    return call.from_cache(found) if found else None


async def _aresult(call: Call) -> ChatResult:
    model = call.model
    hit = await _alookup(call)
    if hit is not None:
        if call.run is not None and call.should_stream(True):
            async for _ in _aannounce(call, call.replay(hit)):
                pass
        return hit
    if model.rate_limiter is not None:
        await model.rate_limiter.aacquire(blocking=True)
    if call.should_stream(True):
        result = ChatResult(generations=[call.from_chunks([c async for c in _achunks(call)])])
    else:
        raw = await model._agenerate(
            call.messages, stop=call.stop, run_manager=call.run, **call.kwargs
        )
        result = call.finish(raw)
    if call.cache is not None:
        await call.cache.aupdate(*call.cache_key(), result.generations)
    return result


async def _aannounce(
    call: Call, chunks: Iterable[ChatGenerationChunk]
) -> AsyncIterator[ChatGenerationChunk]:
    run = call.run
    for chunk in chunks:
        if run is not None:
            await run.on_llm_new_token(chunk.text, chunk=chunk)
        yield chunk


async def _achunks(call: Call) -> AsyncIterator[ChatGenerationChunk]:
    """Async twin of :func:`_chunks`."""
    run = call.run
    last: AIMessageChunk | None = None
    provider = call.model._astream(call.messages, stop=call.stop, **call.kwargs)
    try:
        async for item in provider:
            last = call.prepare_chunk(item)
            chunk = item if isinstance(item, ChatGenerationChunk) else generation_chunk(last)
            if run is not None:
                await run.on_llm_new_token(last.text, chunk=chunk)
            yield chunk
    finally:
        await _aclose(provider)
    tail = call.tail(last)
    if tail is not None:
        if run is not None:
            await run.on_llm_new_token("", chunk=tail)
        yield tail


async def _alean(call: Call) -> AsyncIterator[AIMessageChunk]:
    last: AIMessageChunk | None = None
    prepare = call.prepare_chunk
    provider = call.model._astream(call.messages, stop=call.stop, **call.kwargs)
    try:
        async for chunk in provider:
            last = prepare(chunk)
            yield last
    finally:
        await _aclose(provider)
    tail = call.tail(last)
    if tail is not None:
        yield cast(AIMessageChunk, tail.message)


async def astream(call: Call) -> AsyncIterator[AIMessageChunk]:
    """Async twin of :func:`stream`."""
    if not call.can_stream(True):
        yield call.as_chunk((await agenerate(call)).generations[0].message)
        return
    manager, model = cast(AsyncCallbackManager | None, call.manager), call.model
    if manager is None and call.cache is None:
        if model.rate_limiter is not None:
            await model.rate_limiter.aacquire(blocking=True)
        async for piece in _alean(call):
            yield piece
        return
    run = None
    if manager is not None:
        (run,) = await manager.on_chat_model_start(
            model._serialized(), [call.messages], **call.start_kwargs()
        )
        call.started(run)
    seen: list[ChatGenerationChunk] = []
    source: AsyncIterator[ChatGenerationChunk] | None = None
    hit: ChatResult | None = None
    try:
        hit = await _alookup(call)
        if hit is not None:
            source = _aannounce(call, call.replay(hit))
        else:
            if model.rate_limiter is not None:
                await model.rate_limiter.aacquire(blocking=True)
            source = _achunks(call)
        async for chunk in source:
            seen.append(chunk)
            yield cast(AIMessageChunk, chunk.message)
    except BaseException as error:
        if source is not None:
            await _aclose(source)
        if run is not None:
            await run.on_llm_error(error, response=_partial(seen))
        raise
    if hit is None and call.cache is not None:
        await call.cache.aupdate(*call.cache_key(), [call.from_chunks(seen)])
    if run is not None:
        await run.on_llm_end(
            call.llm_result(ChatResult(generations=[merge_generation_chunks(seen)]))
        )


async def _aclose(iterator: AsyncIterator[Any]) -> None:
    aclose = getattr(iterator, "aclose", None)
    if aclose is not None:
        await aclose()
