import asyncio
from typing import Any
from uuid import UUID

import pytest
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from linguafranca.callbacks import BaseCallbackHandler, StdOutCallbackHandler
from linguafranca.chat_models.fake import GenericFakeChatModel, ScriptedFakeChatModel
from linguafranca.messages import ToolMessage
from linguafranca.output_parsers import StrOutputParser
from linguafranca.runnables import RunnableBinding, RunnableConfig, RunnableLambda
from linguafranca.tools import BaseTool, StructuredTool, convert_to_openai_tool
from linguafranca.tools._output import ToolInputValidationError


def call(name: str, args: dict[str, Any], id: str = "call_1") -> dict[str, Any]:
    return {"type": "tool_call", "id": id, "name": name, "args": args}


class Args(TypedDict):
    a: int
    b: list[int]


def product(x: Args) -> str:
    return str(x["a"] * max(x["b"]))


class FSchema(BaseModel):
    """Apply a function to an integer and a list of integers."""

    a: int = Field(description="Integer")
    b: list[int] = Field(description="List of ints")


def untyped_dict(x: dict[str, Any]) -> str:
    return f"{x['a']}:{sorted(x)}"


def suffix_a(x: str) -> str:
    return x + "a"


# --- the arguments' schema ----------------------------------------------------------------


def test_typeddict_input_gives_the_arguments():
    tool = RunnableLambda(product).as_tool()
    assert isinstance(tool, StructuredTool)
    assert tool.name == "product"
    assert tool.args == {
        "a": {"title": "A", "type": "integer"},
        "b": {"items": {"type": "integer"}, "title": "B", "type": "array"},
    }
    assert tool.invoke({"a": 3, "b": [1, 2]}) == "6"


def test_keys_read_by_a_lambda_give_required_untyped_arguments():
    tool = RunnableLambda(lambda x: x["a"] + x["b"]).as_tool()
    assert tool.name == "RunnableLambda"
    assert tool.args == {"a": {"title": "A"}, "b": {"title": "B"}}
    assert convert_to_openai_tool(tool)["function"]["parameters"] == {
        "properties": {"a": {}, "b": {}},
        "required": ["a", "b"],
        "type": "object",
    }
    assert tool.invoke({"a": 1, "b": 2}) == 3
    with pytest.raises(ToolInputValidationError, match="b"):
        tool.invoke({"a": 1})


def test_args_schema_is_used_as_given():
    seen: list[Any] = []

    def record(x: dict[str, Any]) -> str:
        seen.append(x)
        return "ok"

    tool = RunnableLambda(record).as_tool(FSchema)
    assert tool.args_schema is FSchema
    assert tool.name == "record"
    assert tool.args["a"] == {"description": "Integer", "title": "A", "type": "integer"}
    # The runnable gets the validated arguments as a dict.
    assert tool.invoke({"a": "3", "b": [1, 2]}) == "ok"
    assert seen == [{"a": 3, "b": [1, 2]}]
    # As the reference: the default description shows the input schema, not the docstring.
    assert tool.description.startswith("Takes {") and "'title': 'FSchema'" in tool.description


def test_arg_types_give_required_typed_arguments():
    tool = RunnableLambda(untyped_dict).as_tool(arg_types={"a": int, "b": list[int]})
    assert isinstance(tool.args_schema, type) and tool.args_schema.__name__ == "untyped_dict"
    assert tool.args == {
        "a": {"title": "A", "type": "integer"},
        "b": {"items": {"type": "integer"}, "title": "B", "type": "array"},
    }
    assert tool.invoke({"a": "7", "b": [3, 1]}) == "7:['a', 'b']"
    with pytest.raises(ToolInputValidationError):
        tool.invoke({"a": 7})


def test_arg_types_win_over_the_inferred_schema():
    tool = RunnableLambda(product).as_tool(arg_types={"z": int})
    assert tool.args == {"z": {"title": "Z", "type": "integer"}}


@pytest.mark.parametrize("func", [untyped_dict, lambda x: x, lambda x: str(x)])
def test_input_without_keys_is_refused_with_what_to_pass(func):
    with pytest.raises(TypeError, match=r"arg_types=.*args_schema=") as caught:
        RunnableLambda(func).as_tool()
    assert "does not say which arguments it takes" in str(caught.value)


def test_input_without_keys_error_names_the_runnable_and_type():
    with pytest.raises(TypeError, match=r"'untyped_dict'.*dict\[str, Any\]"):
        RunnableLambda(untyped_dict).as_tool()


# --- name and description -----------------------------------------------------------------


def test_name_and_description_defaults_and_overrides():
    runnable = RunnableLambda(product)
    default = runnable.as_tool()
    assert default.name == "product"
    assert default.description == f"Takes {runnable.get_input_jsonschema()}."
    named = runnable.as_tool(name="multiply", description="Multiply a by the largest b.")
    assert (named.name, named.description) == ("multiply", "Multiply a by the largest b.")
    assert RunnableLambda(product).with_config(run_name="prod").as_tool().name == "product"


# --- a runnable taking a string -----------------------------------------------------------


def test_string_input_gives_a_single_argument_tool():
    tool = (RunnableLambda(suffix_a) | (lambda y: y + "z")).as_tool()
    assert isinstance(tool, BaseTool)
    assert tool.name == "RunnableSequence"
    assert tool.description == "Takes {'title': 'suffix_a_input', 'type': 'string'}."
    assert tool.invoke("b") == "baz"
    # The model sees one argument "__arg1"; any single key is accepted, as the reference.
    assert tool.invoke({"__arg1": "c"}) == "caz"
    assert tool.invoke({"tool_input": "d"}) == "daz"
    assert convert_to_openai_tool(tool)["function"]["parameters"] == {
        "properties": {"__arg1": {"type": "string"}},
        "required": ["__arg1"],
        "type": "object",
    }
    message = tool.invoke(call("RunnableSequence", {"__arg1": "q"}, id="c9"))
    assert isinstance(message, ToolMessage)
    assert (message.content, message.tool_call_id) == ("qaz", "c9")


def test_string_tool_refuses_two_arguments_and_non_strings():
    tool = RunnableLambda(suffix_a).as_tool()
    with pytest.raises(ToolInputValidationError):
        tool.invoke({"a": "1", "b": "2"})
    with pytest.raises(ToolInputValidationError):
        tool.invoke({"__arg1": 5})


async def test_string_tool_async():
    tool = RunnableLambda(suffix_a).as_tool(name="suffix")
    assert await tool.ainvoke("x") == "xa"
    message = await tool.ainvoke(call("suffix", {"__arg1": "y"}))
    assert isinstance(message, ToolMessage) and message.content == "ya"


# --- invoking -------------------------------------------------------------------------------


def test_tool_call_gives_a_tool_message():
    tool = RunnableLambda(product).as_tool()
    message = tool.invoke(call("product", {"a": 3, "b": [1, 2]}, id="call_7"))
    assert isinstance(message, ToolMessage)
    assert (message.content, message.tool_call_id, message.name) == ("6", "call_7", "product")


async def test_ainvoke_uses_the_runnables_ainvoke():
    async def aproduct(x: Args) -> str:
        await asyncio.sleep(0)
        return f"async {x['a'] * max(x['b'])}"

    tool = RunnableLambda(product, afunc=aproduct).as_tool()
    assert await tool.ainvoke({"a": 2, "b": [5]}) == "async 10"
    assert tool.invoke({"a": 2, "b": [5]}) == "10"
    message = await tool.ainvoke(call("product", {"a": 1, "b": [4]}))
    assert isinstance(message, ToolMessage) and message.content == "async 4"


def test_a_chain_with_a_model_as_a_tool():
    chain = (
        RunnableLambda(lambda d: f"Respond in the style of {d['answer_style']}.")
        | GenericFakeChatModel(messages=iter(["hello matey"]))
        | StrOutputParser()
    )
    tool = chain.as_tool(name="greeting_generator", description="Generate a greeting.")
    assert tool.args == {"answer_style": {"title": "Answer Style"}}
    assert tool.invoke({"answer_style": "pirate"}) == "hello matey"


# --- runs -----------------------------------------------------------------------------------


class Recorder(BaseCallbackHandler):
    def __init__(self) -> None:
        self.events: list[tuple[str, Any, UUID, UUID | None, dict[str, Any]]] = []

    def on_tool_start(self, serialized, input_str, *, run_id, parent_run_id=None, **kwargs):
        self.events.append(("tool_start", serialized["name"], run_id, parent_run_id, kwargs))

    def on_tool_end(self, output, *, run_id, parent_run_id=None, **kwargs):
        self.events.append(("tool_end", output, run_id, parent_run_id, kwargs))

    def on_chain_start(self, serialized, inputs, *, run_id, parent_run_id=None, **kwargs):
        self.events.append(("chain_start", kwargs.get("name"), run_id, parent_run_id, kwargs))


def _check_nested(recorder: Recorder) -> None:
    kinds = [(kind, name) for kind, name, *_ in recorder.events]
    assert kinds == [
        ("tool_start", "greet"),
        ("chain_start", "RunnableSequence"),
        ("chain_start", "shout"),
        ("chain_start", "RunnableLambda"),
        ("tool_end", "P!"),
    ]
    tool_run = recorder.events[0][2]
    sequence_run = recorder.events[1][2]
    assert recorder.events[0][3] is None
    assert recorder.events[1][3] == tool_run
    assert recorder.events[2][3] == sequence_run and recorder.events[3][3] == sequence_run
    # Tags and metadata given to the tool reach the runnable's runs.
    assert "T" in recorder.events[1][4]["tags"]
    assert recorder.events[1][4]["metadata"] == {"m": 1}


def shout(x: dict[str, Any]) -> str:
    return f"{x['answer_style']}!"


def test_the_runnables_runs_are_children_of_the_tool_run():
    tool = (RunnableLambda(shout) | (lambda s: s.upper())).as_tool(
        name="greet", arg_types={"answer_style": str}
    )
    recorder = Recorder()
    config: RunnableConfig = {"callbacks": [recorder], "tags": ["T"], "metadata": {"m": 1}}
    assert tool.invoke({"answer_style": "p"}, config=config) == "P!"
    _check_nested(recorder)


async def test_the_runnables_runs_are_children_of_the_tool_run_async():
    tool = (RunnableLambda(shout) | (lambda s: s.upper())).as_tool(
        name="greet", arg_types={"answer_style": str}
    )
    recorder = Recorder()
    config: RunnableConfig = {"callbacks": [recorder], "tags": ["T"], "metadata": {"m": 1}}
    assert await tool.ainvoke({"answer_style": "p"}, config=config) == "P!"
    _check_nested(recorder)


async def test_stream_events_nest_the_runnable_in_the_tool():
    tool = (RunnableLambda(shout) | (lambda s: s.upper())).as_tool(
        name="greet", arg_types={"answer_style": str}
    )
    events = [e async for e in tool.astream_events({"answer_style": "p"}, version="v2")]
    assert [(e["event"], e["name"], len(e["parent_ids"])) for e in events] == [
        ("on_tool_start", "greet", 0),
        ("on_chain_start", "RunnableSequence", 1),
        ("on_chain_start", "shout", 2),
        ("on_chain_end", "shout", 2),
        ("on_chain_start", "RunnableLambda", 2),
        ("on_chain_end", "RunnableLambda", 2),
        ("on_chain_end", "RunnableSequence", 1),
        ("on_tool_end", "greet", 0),
    ]
    assert events[-1]["data"]["output"] == "P!"


# --- binding to a model ---------------------------------------------------------------------


def test_bind_tools_sends_the_tools_schema_and_the_call_runs_it():
    tool = RunnableLambda(shout).as_tool(
        name="greet", description="Greet in a style.", arg_types={"answer_style": str}
    )
    bound = ScriptedFakeChatModel().bind_tools([tool], tool_choice="any")
    assert isinstance(bound, RunnableBinding)
    assert bound.kwargs["tools"] == [
        {
            "type": "function",
            "function": {
                "name": "greet",
                "description": "Greet in a style.",
                "parameters": {
                    "properties": {"answer_style": {"type": "string"}},
                    "required": ["answer_style"],
                    "type": "object",
                },
            },
        }
    ]
    answer = bound.invoke("Greet me in the style of 'Pirate'.")
    (tool_call,) = answer.tool_calls
    assert tool_call["name"] == "greet" and tool_call["args"] == {"answer_style": "Pirate"}
    result = tool.invoke(tool_call)
    assert isinstance(result, ToolMessage)
    assert (result.content, result.tool_call_id) == ("Pirate!", tool_call["id"])


# --- tool output color ----------------------------------------------------------------------


def colored(text: str, code: str) -> str:
    return f"\033[{code}m\033[1;3m{text}\033[0m"


# What StdOutCallbackHandler prints for the runnable's own run inside the tool run.
CHAIN = "\n\n\033[1m> Entering new product chain...\033[0m\n\n\033[1m> Finished chain.\033[0m\n"


def test_tool_output_is_printed_in_green(capsys: pytest.CaptureFixture[str]) -> None:
    tool = RunnableLambda(product).as_tool()
    tool.invoke({"a": 1, "b": [2]}, config={"callbacks": [StdOutCallbackHandler()]})
    # The run's green wins over the handler's own color, as in the reference.
    tool.invoke({"a": 1, "b": [3]}, config={"callbacks": [StdOutCallbackHandler("blue")]})
    assert capsys.readouterr().out == (CHAIN + colored("2", "32;1") + CHAIN + colored("3", "32;1"))


async def test_tool_output_color_async_and_prefixes(capsys: pytest.CaptureFixture[str]) -> None:
    tool = RunnableLambda(product).as_tool()
    await tool.ainvoke({"a": 1, "b": [4]}, config={"callbacks": [StdOutCallbackHandler()]})
    await tool.arun(
        {"a": 1, "b": [5]},
        callbacks=[StdOutCallbackHandler()],
        color="red",
        observation_prefix="Observation: ",
        llm_prefix="Thought:",
    )
    tool.run({"a": 1, "b": [6]}, callbacks=[StdOutCallbackHandler("blue")], color=None)
    assert capsys.readouterr().out == (
        CHAIN
        + colored("4", "32;1")
        + CHAIN
        + "\nObservation: "
        + colored("5", "31;1")
        + "\nThought:"
        + CHAIN
        + colored("6", "36;1")
    )


def test_start_color_reaches_on_tool_start():
    recorder = Recorder()
    tool = RunnableLambda(product).as_tool()
    tool.run({"a": 1, "b": [1]}, callbacks=[recorder])
    tool.run({"a": 1, "b": [1]}, callbacks=[recorder], start_color="blue", color="pink")
    colors = [
        (kind, kwargs["color"])
        for kind, _, _, _, kwargs in recorder.events
        if kind.startswith("tool")
    ]
    assert colors == [
        ("tool_start", "green"),
        ("tool_end", "green"),
        ("tool_start", "blue"),
        ("tool_end", "pink"),
    ]
