import doctest
import importlib
import json
import pkgutil
import subprocess
import sys

import pytest

import linguafranca.messages
import linguafranca.messages.content
import linguafranca.outputs

_CHECK = """
import sys
before = set(sys.modules)
import linguafranca, linguafranca.messages, linguafranca.messages.content, linguafranca.outputs
new = {name.split(".")[0] for name in set(sys.modules) - before}
print(json.dumps(sorted(name for name in new if name not in sys.stdlib_module_names)))
"""

_ALLOWED = {
    "linguafranca",
    "pydantic",
    "pydantic_core",
    "typing_extensions",
    "typing_inspection",
    "annotated_types",
}


def test_import_loads_no_http_and_no_partner():
    out = subprocess.run(
        [sys.executable, "-c", "import json\n" + _CHECK],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    third_party = {name for name in json.loads(out) if not name.startswith("_sysconfigdata")}
    assert "httpx" not in third_party
    assert not any(name.startswith("linguafranca_") for name in third_party)
    assert third_party <= _ALLOWED, third_party - _ALLOWED


@pytest.mark.parametrize(
    "module", [linguafranca.messages, linguafranca.messages.content, linguafranca.outputs]
)
def test_all_is_sorted_and_importable(module):
    assert module.__all__ == sorted(module.__all__)
    for name in module.__all__:
        assert hasattr(module, name), name


def test_contract_names_are_exported():
    names = set(linguafranca.messages.__all__)
    assert {
        "BaseMessage",
        "BaseMessageChunk",
        "HumanMessage",
        "AIMessage",
        "SystemMessage",
        "ToolMessage",
        "ChatMessage",
        "FunctionMessage",
        "RemoveMessage",
        "AIMessageChunk",
        "HumanMessageChunk",
        "SystemMessageChunk",
        "ToolMessageChunk",
        "ChatMessageChunk",
        "FunctionMessageChunk",
        "ToolCall",
        "ToolCallChunk",
        "InvalidToolCall",
        "tool_call",
        "tool_call_chunk",
        "invalid_tool_call",
        "UsageMetadata",
        "InputTokenDetails",
        "OutputTokenDetails",
        "add_usage",
        "subtract_usage",
        "merge_chunks",
        "AnyMessage",
        "MessageLikeRepresentation",
        "convert_to_messages",
        "convert_to_openai_messages",
        "message_to_dict",
        "messages_to_dict",
        "messages_from_dict",
        "get_buffer_string",
        "message_chunk_to_message",
        "PromptValue",
        "StringPromptValue",
        "ChatPromptValue",
        "LanguageModelInput",
        "register_block_translator",
        "is_data_content_block",
    } <= names


def _my_modules():
    package = linguafranca.messages
    names = [package.__name__] + [
        f"{package.__name__}.{info.name}" for info in pkgutil.iter_modules(package.__path__)
    ]
    return [*names, "linguafranca.outputs"]


@pytest.mark.parametrize("name", _my_modules())
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
