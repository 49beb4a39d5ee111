"""Providers that ship with core, registered through the same hook as any plugin."""

from __future__ import annotations

from linguafranca.registry._hookspecs import RegisterProvider, hookimpl
from linguafranca.registry._spec import ProviderSpec

__all__ = ["linguafranca_register"]


@hookimpl
def linguafranca_register(register: RegisterProvider) -> None:
    """Register the scripted fake model as provider ``fake`` (for tests, demos, offline work)."""
    register(
        ProviderSpec(
            name="fake",
            chat_model="linguafranca.chat_models.fake:ScriptedFakeChatModel",
            aliases=("fake_chat",),
            model_prefixes=("fake-",),
            default_model="fake-model",
            description="Deterministic scripted model: answers, calls tools, fills JSON schemas.",
            docs_url="https://linguafranca.dev/testing/",
        )
    )
