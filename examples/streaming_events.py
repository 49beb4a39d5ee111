"""Streaming: summing chunks, streamed tool calls and astream_events (models guide).

Runs offline against the OpenAI wire emulator (stream_delay makes the tokens trickle in).
Requires: linguafranca_openai.chat_models, linguafranca_tests.emulators
"""

import asyncio

from linguafranca import init_chat_model
from linguafranca.tools import tool
from linguafranca_tests.emulators import OpenAIEmulator


@tool
def get_weather(location: str) -> str:
    """Get the weather at a location."""
    return f"It's sunny in {location}."


async def events(model) -> None:
    async for event in model.astream_events("Hello"):
        if event["event"] == "on_chat_model_start":
            print(f"Input: {event['data']['input']}")
        elif event["event"] == "on_chat_model_stream":
            print(f"Token: {event['data']['chunk'].text!r}")
        elif event["event"] == "on_chat_model_end":
            print(f"Full message: {event['data']['output'].text}")


with OpenAIEmulator(stream_delay=0.01) as emulator:
    model = init_chat_model("openai:gpt-4.1-mini", base_url=emulator.base_url, api_key="sk-emu")

    print("== summing chunks into one message")
    full = None
    for chunk in model.stream("What color is the sky?"):
        full = chunk if full is None else full + chunk
        print(full.text)
    print(full.content_blocks)
    print(f"usage: {full.usage_metadata['total_tokens']} tokens")

    print("\n== streamed tool calls")
    model_with_tools = model.bind_tools([get_weather])
    gathered = None
    for chunk in model_with_tools.stream("Call get_weather for 'Tokyo'."):
        for tool_chunk in chunk.tool_call_chunks:
            print(f"chunk: name={tool_chunk.get('name')} args={tool_chunk.get('args')!r}")
        gathered = chunk if gathered is None else gathered + chunk
    print(f"tool calls: {[(c['name'], c['args']) for c in gathered.tool_calls]}")

    print("\n== astream_events")
    asyncio.run(events(model))
