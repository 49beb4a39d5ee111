"""Entry point of linguafranca-echo: tells linguafranca that the provider ``echo`` exists.

``pyproject.toml`` names this module in the ``linguafranca`` entry-point group. linguafranca
imports it the first time the registry is used (``init_chat_model``, ``linguafranca
providers``) and calls :func:`linguafranca_register`. Keep this module cheap to import: it
names the chat model class as a string and never imports it, nor httpx. That is why it lives
in the shared ``linguafranca_plugins`` namespace package (a folder with no ``__init__.py``)
and not inside ``linguafranca_echo``: importing ``linguafranca_echo.plugin`` would first run
``linguafranca_echo/__init__.py``, which re-exports the model class.
"""

from __future__ import annotations

from linguafranca.registry import ProviderSpec, RegisterProvider, hookimpl

__all__ = ["linguafranca_register"]


@hookimpl
def linguafranca_register(register: RegisterProvider) -> None:
    """Register the provider ``echo``."""
    register(
        ProviderSpec(
            # init_chat_model("echo:echo-1") and model_provider="echo" use this name.
            name="echo",
            # Imported only when a model is built.
            chat_model="linguafranca_echo.chat_models:ChatEcho",
            # init_chat_model("echo-1") infers the provider from this prefix.
            model_prefixes=("echo-",),
            # Shown by `linguafranca providers` (set / not set); ChatEcho reads it.
            api_key_env=("ECHO_API_KEY",),
            default_model="echo-1",
            # `linguafranca models echo` lists these; loaded only when asked for.
            profiles="linguafranca_echo.profiles:PROFILES",
            description="Repeats the last human message (the template provider).",
        )
    )
