"""Entry point of linguafranca-anthropic: registers the ``anthropic`` provider.

It lives in the ``linguafranca_plugins`` namespace package (no ``__init__.py``), outside
``linguafranca_anthropic``, so that loading it never runs ``linguafranca_anthropic/__init__.py``
(which re-exports the model class and with it httpx). The model class is named as a string.
"""

from __future__ import annotations

from linguafranca.registry import ProviderSpec, RegisterProvider, hookimpl

__all__ = ["linguafranca_register"]


@hookimpl
def linguafranca_register(register: RegisterProvider) -> None:
    """Register Anthropic's Messages API as provider ``anthropic``."""
    register(
        ProviderSpec(
            name="anthropic",
            chat_model="linguafranca_anthropic.chat_models:ChatAnthropic",
            aliases=("claude",),
            model_prefixes=("claude",),
            api_key_env=("ANTHROPIC_API_KEY",),
            base_url_env=("ANTHROPIC_BASE_URL",),
            extra="anthropic",
            package="linguafranca-anthropic",
            docs_url="https://docs.anthropic.com/en/api/messages",
            default_model="claude-sonnet-4-5",
            profiles="linguafranca_anthropic.profiles:list_profiles",
            description="Anthropic Messages API",
        )
    )
