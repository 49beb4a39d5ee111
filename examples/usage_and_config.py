"""Token usage across providers, invocation config and configurable models (models guide).

Both emulators run on 127.0.0.1; the environment variables point each provider at one.
Requires: linguafranca_openai.chat_models, linguafranca_anthropic.chat_models,
linguafranca_tests.emulators
"""

import os

from linguafranca import init_chat_model
from linguafranca.callbacks import BaseCallbackHandler as Handler
from linguafranca.callbacks import UsageMetadataCallbackHandler, get_usage_metadata_callback
from linguafranca_tests.emulators import AnthropicEmulator, OpenAIEmulator


class PrintRun(Handler):
    def on_chat_model_start(self, serialized, messages, *, tags=None, metadata=None, **kwargs):
        print(f"run {kwargs.get('name')!r}: tags={tags} metadata={metadata}")


with OpenAIEmulator() as openai_emu, AnthropicEmulator() as anthropic_emu:
    os.environ.update(
        OPENAI_BASE_URL=openai_emu.base_url,
        OPENAI_API_KEY="sk-emulator",
        ANTHROPIC_BASE_URL=anthropic_emu.base_url,
        ANTHROPIC_API_KEY="sk-ant-emulator",
    )
    model_1 = init_chat_model(model="gpt-4o-mini")
    model_2 = init_chat_model(model="claude-haiku-4-5-20251001")

    print("== usage: callback handler")
    callback = UsageMetadataCallbackHandler()
    model_1.invoke("Hello", config={"callbacks": [callback]})
    model_2.invoke("Hello", config={"callbacks": [callback]})
    for name, usage in callback.usage_metadata.items():
        print(f"{name}: {usage}")

    print("\n== usage: context manager")
    with get_usage_metadata_callback() as cb:
        model_1.invoke("Hello")
        model_2.invoke("Hello")
    print({name: usage["total_tokens"] for name, usage in cb.usage_metadata.items()})

    print("\n== invocation config")
    config = {
        "run_name": "joke_generation",  # custom name for this run
        "tags": ["humor", "demo"],  # tags for categorization
        "metadata": {"user_id": "123"},  # custom metadata
        "callbacks": [PrintRun()],  # callback handlers
    }
    model_1.invoke("Tell me a joke", config=config)

    print("\n== configurable model")
    configurable_model = init_chat_model(temperature=0)
    for name in ["gpt-5-nano", "claude-sonnet-4-5-20250929"]:
        config = {"configurable": {"model": name}}
        answer = configurable_model.invoke("what's your name", config=config)
        print(f"{answer.response_metadata['model_name']}: {answer.text}")
