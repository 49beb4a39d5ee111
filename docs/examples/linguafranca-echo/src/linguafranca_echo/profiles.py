"""Model profiles of the echo provider, as plain data.

A real provider ships one profile per model (usually generated from models.dev) so that
``model.profile`` and ``linguafranca models <provider>`` can tell what each model does.
"""

from __future__ import annotations

from linguafranca.chat_models import ModelProfile

__all__ = ["ECHO_PROFILE", "PROFILES"]

ECHO_PROFILE: ModelProfile = {
    "name": "Echo",
    "status": "active",
    "max_input_tokens": 100_000,
    "max_output_tokens": 100_000,
    "text_inputs": True,
    "text_outputs": True,
    "image_inputs": False,
    "tool_calling": True,
    "tool_choice": True,
    "structured_output": False,
}
"""What every echo model can do (they all behave the same)."""

PROFILES: dict[str, ModelProfile] = {"echo-1": ECHO_PROFILE}
"""Model name -> profile; named by the plugin's ``ProviderSpec(profiles=...)``."""
