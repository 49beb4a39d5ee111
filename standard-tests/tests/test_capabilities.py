"""``Capabilities``: validation, lookups by name, and the README table."""

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from linguafranca_tests import Capabilities
from linguafranca_tests._suite import skip_reason
from linguafranca_tests.integration_tests import ChatModelIntegrationTests
from linguafranca_tests.unit_tests import ChatModelUnitTests


def test_defaults_describe_a_text_only_model() -> None:
    caps = Capabilities()
    assert not caps.tool_calling and not caps.structured_output
    assert caps.returns_usage and caps.stop_sequences and caps.system_messages
    assert caps.structured_output_methods == frozenset()


def test_sets_are_frozen_and_json_mode_is_kept_in_sync() -> None:
    listed = ["function_calling"]  # any collection works at runtime
    caps = Capabilities(tool_calling=True, structured_output_methods=listed)  # type: ignore[arg-type]
    assert caps.structured_output_methods == frozenset({"function_calling"})
    assert Capabilities(json_mode=True).structured_output_methods == frozenset({"json_mode"})
    assert Capabilities(structured_output_methods={"json_mode"}).json_mode is True
    with pytest.raises(dataclasses.FrozenInstanceError):
        caps.tool_calling = False  # type: ignore[misc]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"structured_output_methods": {"json"}}, "unknown values ['json']"),
        ({"usage_output_details": {"cache_read"}}, "unknown values ['cache_read']"),
        ({"tool_choice": True}, "tool_choice=True needs tool_calling=True"),
        ({"image_urls": True}, "image_urls=True needs image_inputs=True"),
        ({"structured_output_methods": {"function_calling"}}, "needs tool_calling=True"),
    ],
)
def test_inconsistent_declarations_are_refused(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        Capabilities(**kwargs)


def test_a_string_is_not_a_set() -> None:
    with pytest.raises(TypeError, match="must be a set of strings"):
        Capabilities(usage_input_details="cache_read")  # type: ignore[arg-type]


def test_has_reads_fields_members_and_the_derived_flag() -> None:
    caps = Capabilities(
        tool_calling=True,
        structured_output_methods={"json_schema"},
        usage_output_details={"reasoning"},
        model_override="other-model",
    )
    assert caps.has("tool_calling") and not caps.has("image_inputs")
    assert caps.has("structured_output")
    assert caps.has("structured_output_methods.json_schema")
    assert not caps.has("structured_output_methods.json_mode")
    assert caps.has("usage_output_details.reasoning")
    assert caps.has("model_override")
    assert not Capabilities().has("model_override")


def test_has_rejects_unknown_names() -> None:
    with pytest.raises(ValueError, match="Unknown capability 'tool_caling'"):
        Capabilities().has("tool_caling")
    with pytest.raises(ValueError, match="is not a set"):
        Capabilities().has("tool_calling.any")


def test_markdown_table_lists_every_field() -> None:
    table = Capabilities(tool_calling=True, image_inputs=True).markdown_table()
    for info in dataclasses.fields(Capabilities):
        assert f"| `{info.name}` |" in table
    assert "| `tool_calling` | yes |" in table
    assert "| `pdf_inputs` | no |" in table


def test_every_field_is_documented_for_the_docs_table() -> None:
    for info in dataclasses.fields(Capabilities):
        assert info.metadata.get("doc") and info.metadata.get("gates"), info.name


def test_skip_reason_is_uniform() -> None:
    assert skip_reason("TestX", "pdf_inputs") == (
        "linguafranca: TestX does not declare capability 'pdf_inputs'"
    )


DOC = Path(__file__).resolve().parents[2] / "docs" / "testing-a-provider.md"


@pytest.mark.skipif(not DOC.is_file(), reason="the docs are not in this checkout")
def test_the_docs_describe_every_capability_and_test() -> None:
    text = DOC.read_text()
    for info in dataclasses.fields(Capabilities):
        assert f"| `{info.name}` |" in text, f"capability {info.name} missing from the docs"
    for suite in (ChatModelUnitTests, ChatModelIntegrationTests):
        for name in dir(suite):
            if name.startswith("test_"):
                assert f"`{name}" in text, f"{suite.__name__}.{name} missing from the docs"
