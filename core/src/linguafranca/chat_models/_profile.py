"""``ModelProfile``: what a model can do, as data (``model.profile``)."""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Mapping
from typing import Any

from pydantic import ConfigDict
from typing_extensions import TypedDict

__all__ = ["ModelProfile", "check_profile_keys"]


class ModelProfile(TypedDict, total=False):
    """A chat model's capabilities and limits; every key is optional (read with ``.get``).

    Providers ship profiles as data (usually derived from models.dev); a model fills
    ``model.profile`` from them at construction, or takes ``profile={...}``.
    Keys outside this list are kept (with a warning, to catch typos).

    Example:
        ```python
        model.profile.get("max_input_tokens")  # 128000
        model.model_copy(update={"profile": model.profile | {"tool_calling": False}})
        ```
    """

    __pydantic_config__ = ConfigDict(extra="allow")  # type: ignore[misc]

    # metadata
    name: str
    """Human-readable model name."""
    status: str
    """Lifecycle status (``"active"``, ``"deprecated"``)."""
    release_date: str
    """Release date (ISO 8601)."""
    last_updated: str
    """Date of the last update (ISO 8601)."""
    open_weights: bool
    """Whether the weights are openly available."""

    # limits
    max_input_tokens: int
    """Context window, in tokens."""
    max_output_tokens: int
    """Largest answer, in tokens."""

    # inputs
    text_inputs: bool
    """Text input."""
    image_inputs: bool
    """Image input (inline data)."""
    image_url_inputs: bool
    """Image input by URL."""
    pdf_inputs: bool
    """PDF input."""
    audio_inputs: bool
    """Audio input."""
    video_inputs: bool
    """Video input."""
    image_tool_message: bool
    """Images inside ``ToolMessage`` content."""
    pdf_tool_message: bool
    """PDFs inside ``ToolMessage`` content."""

    # reasoning
    reasoning_output: bool
    """Returns reasoning (thinking) content."""
    reasoning_effort_levels: list[str]
    """Accepted reasoning-effort levels (e.g. ``["low", "medium", "high"]``)."""
    reasoning_effort_default: str
    """The provider's default reasoning effort, when documented."""

    # outputs
    text_outputs: bool
    """Text output."""
    image_outputs: bool
    """Image output."""
    audio_outputs: bool
    """Audio output."""
    video_outputs: bool
    """Video output."""

    # tools
    tool_calling: bool
    """Tool calling."""
    tool_choice: bool
    """Forcing a tool call (``tool_choice``)."""
    tool_call_streaming: bool
    """Streams tool calls as ``tool_call_chunks``."""

    # conversation
    mid_conversation_system_messages: bool
    """A system message after the first turn stays where it is."""
    mid_conversation_tools: bool
    """Tools may change between turns of one conversation."""

    # other
    structured_output: bool
    """Native structured output (a JSON schema the provider enforces)."""
    attachment: bool
    """File attachments."""
    temperature: bool
    """Accepts ``temperature``."""


PROFILE_KEYS: frozenset[str] = frozenset(ModelProfile.__annotations__) - {"__pydantic_config__"}


def check_profile_keys(profile: Mapping[str, Any], owner: str) -> None:
    """Warn about keys that are not ``ModelProfile`` keys (usually typos).

    Args:
        profile: The profile given or resolved.
        owner: The model class name, for the message.
    """
    unknown = sorted(set(profile) - PROFILE_KEYS)
    for key in unknown:
        close = difflib.get_close_matches(key, PROFILE_KEYS, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        warnings.warn(
            f"{owner}.profile has the key {key!r}, which is not a ModelProfile key; it is "
            f"kept as given.{hint}",
            UserWarning,
            stacklevel=4,
        )
