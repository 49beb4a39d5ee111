"""Tool calling (models guide): parallel calls, the execution loop, forcing a tool.

Requires: linguafranca_openai.chat_models, linguafranca_tests.emulators
"""

from linguafranca import init_chat_model
from linguafranca.messages import HumanMessage
from linguafranca.tools import tool
from linguafranca_tests.emulators import OpenAIEmulator


@tool
def get_weather(location: str) -> str:
    """Get the weather at a location."""
    return f"sunny in {location}"


@tool
def get_population(location: str) -> int:
    """Get the population of a city."""
    return {"Boston": 650_000, "Tokyo": 14_000_000}.get(location, 0)


tools = {t.name: t for t in [get_weather, get_population]}


def show(call: dict) -> str:
    return f"{call['name']}({', '.join(f'{k}={v!r}' for k, v in call['args'].items())})"


with OpenAIEmulator() as emulator:
    model = init_chat_model("openai:gpt-4.1-mini", base_url=emulator.base_url, api_key="sk-e")
    model_with_tools = model.bind_tools(list(tools.values()))

    print("== parallel tool calls and the execution loop")
    messages = [HumanMessage("Call get_weather for 'Boston' and get_population for 'Tokyo'.")]
    ai_msg = model_with_tools.invoke(messages)
    messages.append(ai_msg)
    for tool_call in ai_msg.tool_calls:
        result = tools[tool_call["name"]].invoke(tool_call)  # a ToolMessage
        print(f"{show(tool_call)} -> {result.content}")
        messages.append(result)
    print(f"final: {model_with_tools.invoke(messages).text}")

    print("\n== forcing a tool")
    forced = model.bind_tools([get_weather], tool_choice="get_weather")
    print(show(forced.invoke("What should I pack for Oslo?").tool_calls[0]))
    any_tool = model.bind_tools([get_population], tool_choice="any")
    print(show(any_tool.invoke("How big is Lisbon?").tool_calls[0]))

    print("\n== one call at a time")
    single = model.bind_tools(list(tools.values()), parallel_tool_calls=False)
    calls = single.invoke("Call get_weather and get_population for 'Boston'.").tool_calls
    print(f"{len(calls)} call: {show(calls[0])}")
