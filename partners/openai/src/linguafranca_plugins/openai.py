"""Entry point of linguafranca-openai: registers OpenAI, Azure and the compatible presets.

Importing this module must stay cheap: it names the model classes as strings and reads
the preset table (plain data); it never imports httpx or the model code. It lives in the
``linguafranca_plugins`` namespace package (no ``__init__.py``) because a module inside
``linguafranca_openai`` would first run that package's ``__init__``, which re-exports
``ChatOpenAI`` and with it httpx.
"""

from __future__ import annotations

from linguafranca_plugins._openai_presets import PRESETS

from linguafranca.registry import ProviderSpec, RegisterProvider, hookimpl

__all__ = ["linguafranca_register"]

_CHAT_OPENAI = "linguafranca_openai.chat_models:ChatOpenAI"
_PACKAGE = "linguafranca-openai"


@hookimpl
def linguafranca_register(register: RegisterProvider) -> None:
    """Register ``openai``, ``azure_openai`` and one provider per OpenAI-compatible preset."""
    for preset in PRESETS.values():
        is_openai = preset.name == "openai"
        register(
            ProviderSpec(
                name=preset.name,
                chat_model=_CHAT_OPENAI,
                aliases=("mistral",) if preset.name == "mistralai" else (),
                model_prefixes=preset.model_prefixes,
                api_key_env=preset.api_key_env,
                base_url_env=preset.base_url_env,
                extra="openai",
                package=_PACKAGE,
                docs_url=preset.docs_url or None,
                default_model=preset.default_model,
                profiles="linguafranca_openai.profiles:PROFILES" if is_openai else None,
                # A preset is ChatOpenAI pointed at that server, with its quirks applied.
                init_kwargs={} if is_openai else {"provider": preset.name},
                description="OpenAI" if is_openai else f"OpenAI-compatible: {preset.base_url}",
            )
        )
    register(
        ProviderSpec(
            name="azure_openai",
            chat_model="linguafranca_openai.chat_models:AzureChatOpenAI",
            aliases=("azure",),
            api_key_env=("AZURE_OPENAI_API_KEY",),
            base_url_env=("AZURE_OPENAI_ENDPOINT",),
            extra="azure",
            package=_PACKAGE,
            docs_url="https://learn.microsoft.com/azure/ai-services/openai/reference",
            profiles="linguafranca_openai.profiles:PROFILES",
            description="Azure OpenAI Service",
        )
    )
