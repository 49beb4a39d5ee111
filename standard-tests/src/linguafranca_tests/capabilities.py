"""``Capabilities``: what a chat model can do, declared once for both conformance suites.

Every standard test that needs a feature names it; the test is skipped with one uniform
message when the feature is not declared (``linguafranca: <Class> does not declare capability
'<name>'``). Declare honestly: a declared feature is tested, and the unit suite checks that
undeclared structured-output methods are refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, fields
from typing import Any

__all__ = [
    "INPUT_DETAILS",
    "OUTPUT_DETAILS",
    "STRUCTURED_OUTPUT_METHODS",
    "TOOL_CHOICE_VALUES",
    "Capabilities",
]

STRUCTURED_OUTPUT_METHODS = frozenset({"function_calling", "json_mode", "json_schema"})
"""The ``method`` values of ``with_structured_output``."""
TOOL_CHOICE_VALUES = frozenset({"auto", "none", "any", "required", "name"})
"""``tool_choice`` values; ``"name"`` stands for the name of a bound tool."""
INPUT_DETAILS = frozenset({"cache_read", "cache_creation", "audio"})
"""Keys of ``usage_metadata["input_token_details"]``."""
OUTPUT_DETAILS = frozenset({"reasoning", "audio"})
"""Keys of ``usage_metadata["output_token_details"]``."""


def _doc(text: str, gates: str) -> dict[str, str]:
    return {"doc": text, "gates": gates}


@dataclass(frozen=True)
class Capabilities:
    """The features of the chat model under test (one frozen object per test class).

    Sets may be given as any collection of strings; they are stored as frozensets.

    Example:
        ```python
        capabilities = Capabilities(
            tool_calling=True,
            tool_choice=True,
            structured_output_methods={"function_calling", "json_schema"},
            image_inputs=True,
        )
        ```
    """

    tool_calling: bool = field(
        default=False,
        metadata=_doc("`bind_tools` works and the model calls tools.", "every tool test"),
    )
    tool_choice: bool = field(
        default=False,
        metadata=_doc("`bind_tools(..., tool_choice=...)` forces a call.", "`test_tool_choice`"),
    )
    tool_choice_values: AbstractSet[str] = field(
        default=TOOL_CHOICE_VALUES,
        metadata=_doc(
            "The `tool_choice` values accepted: `auto`, `none`, `any`, `required`, `name` "
            "(a bound tool's name).",
            "the cases of `test_tool_choice`",
        ),
    )
    parallel_tool_calls: bool = field(
        default=False,
        metadata=_doc("Several tool calls in one answer.", "`test_parallel_tool_calls`"),
    )
    streaming_tool_calls: bool = field(
        default=False,
        metadata=_doc(
            "Tool-call arguments arrive in several stream chunks.",
            "`test_tool_call_arguments_stream_incrementally`",
        ),
    )
    structured_output_methods: AbstractSet[str] = field(
        default=frozenset(),
        metadata=_doc(
            "`with_structured_output` methods supported: `function_calling`, `json_schema`, "
            "`json_mode`; the others must be refused with a clear error.",
            "every structured-output test (one case per method)",
        ),
    )
    json_mode: bool = field(
        default=False,
        metadata=_doc(
            "Same as `json_mode` in `structured_output_methods` (kept in sync).",
            "`test_json_mode`",
        ),
    )
    image_inputs: bool = field(
        default=False,
        metadata=_doc("Images as base64 content blocks.", "`test_image_inputs`"),
    )
    image_urls: bool = field(
        default=False, metadata=_doc("Images given by URL.", "`test_image_urls`")
    )
    pdf_inputs: bool = field(
        default=False, metadata=_doc("PDF files as content blocks.", "`test_pdf_inputs`")
    )
    audio_inputs: bool = field(
        default=False, metadata=_doc("Audio as content blocks.", "`test_audio_inputs`")
    )
    video_inputs: bool = field(
        default=False,
        metadata=_doc("Video as content blocks (informational).", "nothing yet"),
    )
    image_tool_message: bool = field(
        default=False,
        metadata=_doc("Images inside a `ToolMessage`.", "`test_image_tool_message`"),
    )
    pdf_tool_message: bool = field(
        default=False,
        metadata=_doc("PDFs inside a `ToolMessage`.", "`test_pdf_tool_message`"),
    )
    reasoning_output: bool = field(
        default=False,
        metadata=_doc(
            "Returns reasoning blocks (with `capability_params['reasoning_output']`).",
            "`test_reasoning_output`",
        ),
    )
    usage_input_details: AbstractSet[str] = field(
        default=frozenset(),
        metadata=_doc(
            "`input_token_details` keys reported: `cache_read`, `cache_creation`, `audio`.",
            "`test_usage_details` cases",
        ),
    )
    usage_output_details: AbstractSet[str] = field(
        default=frozenset(),
        metadata=_doc(
            "`output_token_details` keys reported: `reasoning`, `audio`.",
            "`test_usage_details` cases",
        ),
    )
    returns_usage: bool = field(
        default=True,
        metadata=_doc("Answers carry `usage_metadata` (invoke and stream).", "the usage tests"),
    )
    model_override: str | None = field(
        default=None,
        metadata=_doc(
            "Another model name accepted per call (`invoke(..., model=...)`).",
            "the model-override tests",
        ),
    )
    anthropic_inputs: bool = field(
        default=False,
        metadata=_doc(
            "Anthropic-format content (tool_use, cache_control, thinking blocks).",
            "`test_anthropic_inputs`",
        ),
    )
    stop_sequences: bool = field(
        default=True, metadata=_doc("`stop=[...]` is honoured.", "`test_stop_sequence`")
    )
    system_messages: bool = field(
        default=True,
        metadata=_doc("System messages are accepted.", "tests that send a system message"),
    )
    multiple_system_messages: bool = field(
        default=True,
        metadata=_doc(
            "Several system messages in one conversation.", "`test_double_system_messages`"
        ),
    )

    def __post_init__(self) -> None:
        for name, valid in (
            ("tool_choice_values", TOOL_CHOICE_VALUES),
            ("structured_output_methods", STRUCTURED_OUTPUT_METHODS),
            ("usage_input_details", INPUT_DETAILS),
            ("usage_output_details", OUTPUT_DETAILS),
        ):
            value = _as_set(name, getattr(self, name), valid)
            object.__setattr__(self, name, value)
        methods = self.structured_output_methods
        if self.json_mode and "json_mode" not in methods:
            object.__setattr__(self, "structured_output_methods", methods | {"json_mode"})
        object.__setattr__(self, "json_mode", "json_mode" in self.structured_output_methods)
        self._check_consistency()

    def _check_consistency(self) -> None:
        needs = {
            "tool_choice": "tool_calling",
            "parallel_tool_calls": "tool_calling",
            "streaming_tool_calls": "tool_calling",
            "image_tool_message": "tool_calling",
            "pdf_tool_message": "tool_calling",
            "image_urls": "image_inputs",
        }
        for name, required in needs.items():
            if getattr(self, name) and not getattr(self, required):
                raise ValueError(
                    f"Capabilities: {name}=True needs {required}=True; declare both or neither."
                )
        if "function_calling" in self.structured_output_methods and not self.tool_calling:
            raise ValueError(
                "Capabilities: structured_output_methods has 'function_calling', which is a "
                "forced tool call; it needs tool_calling=True."
            )

    @property
    def structured_output(self) -> bool:
        """Whether any structured-output method is supported."""
        return bool(self.structured_output_methods)

    def has(self, name: str) -> bool:
        """Whether the capability ``name`` is declared.

        ``name`` is a field (``"tool_calling"``), ``"structured_output"``, or a set member
        written ``"<field>.<member>"`` (``"structured_output_methods.json_schema"``).

        Raises:
            ValueError: ``name`` is not a capability (the message lists them).
        """
        field_name, _, member = name.partition(".")
        if field_name == "structured_output" and not member:
            return self.structured_output
        if field_name not in _FIELD_NAMES:
            known = ", ".join(sorted(_FIELD_NAMES | {"structured_output"}))
            raise ValueError(f"Unknown capability {name!r}; known capabilities: {known}.")
        value = getattr(self, field_name)
        if member:
            if not isinstance(value, frozenset):
                raise ValueError(f"Capability {field_name!r} is not a set; use {field_name!r}.")
            return member in value
        return bool(value)

    def markdown_table(self) -> str:
        """A Markdown table of every capability and its value (for a provider's README)."""
        rows = ["| capability | value |", "|---|---|"]
        for info in fields(self):
            rows.append(f"| `{info.name}` | {_show(getattr(self, info.name))} |")
        return "\n".join(rows) + "\n"


_FIELD_NAMES = frozenset(info.name for info in fields(Capabilities))


def _as_set(name: str, value: Any, valid: frozenset[str]) -> frozenset[str]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise TypeError(f"Capabilities: {name} must be a set of strings, got {value!r}.")
    found = frozenset(value)
    unknown = sorted(str(v) for v in found - valid)
    if unknown:
        raise ValueError(
            f"Capabilities: {name} has unknown values {unknown}; valid values: {sorted(valid)}."
        )
    return found


def _show(value: Any) -> str:
    if isinstance(value, frozenset):
        return ", ".join(f"`{v}`" for v in sorted(value)) or "-"
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return f"`{value}`"
