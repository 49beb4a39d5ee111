"""Callbacks: handlers told about runs (chat models, chains, tools) as they happen.

Handlers come from ``config["callbacks"]`` (inherited by nested runs), from a
runnable's own ``callbacks=`` (this run only) and from the context
(``get_usage_metadata_callback``). With none of them, runs create no managers and no
run ids at all: use ``linguafranca.runnables.get_callback_manager_for_config`` (which
returns None then) rather than ``CallbackManager.configure`` on hot paths.

How a chat model reports a run::

    manager = get_callback_manager_for_config(config, local_callbacks=self.callbacks)
    if manager is not None:
        (run,) = manager.on_chat_model_start(
            serialized, [messages], run_id=config.get("run_id"),
            name=config.get("run_name") or self.get_name(), invocation_params=params,
        )
        # per streamed chunk:
        run.on_llm_new_token(chunk.text, chunk=ChatGenerationChunk(message=chunk))
        # at the end, or on failure:
        run.on_llm_end(LLMResult(generations=[[generation]]))
        run.on_llm_error(error)

Auto-streaming marker: :class:`StreamingCallbackHandler`. ``astream_events`` and
``astream_log`` attach a handler of that class; when one is present,
``has_streaming_consumer(manager_or_config)`` is true and a chat model's ``invoke``
should stream internally and call ``on_llm_new_token`` with each chunk (the
consumer then sees the tokens while the caller still gets one message).
"""

from linguafranca.callbacks._async_manager import (
    AsyncCallbackManager,
    AsyncCallbackManagerForChainRun,
    AsyncCallbackManagerForLLMRun,
    AsyncCallbackManagerForToolRun,
    AsyncParentRunManager,
    AsyncRunManager,
)
from linguafranca.callbacks._base import (
    AsyncCallbackHandler,
    BaseCallbackHandler,
    StreamingCallbackHandler,
)
from linguafranca.callbacks._custom_events import adispatch_custom_event, dispatch_custom_event
from linguafranca.callbacks._manager import (
    CallbackManager,
    CallbackManagerForChainRun,
    CallbackManagerForLLMRun,
    CallbackManagerForToolRun,
    ParentRunManager,
    RunManager,
)
from linguafranca.callbacks._manager_base import (
    BaseCallbackManager,
    BaseRunManager,
    Callbacks,
    has_streaming_consumer,
)
from linguafranca.callbacks._stdout import StdOutCallbackHandler, StreamingStdOutCallbackHandler
from linguafranca.callbacks._usage import (
    UsageMetadataCallbackHandler,
    get_usage_metadata_callback,
)

__all__ = [
    "AsyncCallbackHandler",
    "AsyncCallbackManager",
    "AsyncCallbackManagerForChainRun",
    "AsyncCallbackManagerForLLMRun",
    "AsyncCallbackManagerForToolRun",
    "AsyncParentRunManager",
    "AsyncRunManager",
    "BaseCallbackHandler",
    "BaseCallbackManager",
    "BaseRunManager",
    "CallbackManager",
    "CallbackManagerForChainRun",
    "CallbackManagerForLLMRun",
    "CallbackManagerForToolRun",
    "Callbacks",
    "ParentRunManager",
    "RunManager",
    "StdOutCallbackHandler",
    "StreamingCallbackHandler",
    "StreamingStdOutCallbackHandler",
    "UsageMetadataCallbackHandler",
    "adispatch_custom_event",
    "dispatch_custom_event",
    "get_usage_metadata_callback",
    "has_streaming_consumer",
]
