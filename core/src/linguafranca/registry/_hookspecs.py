"""The hook a provider plugin implements. There is exactly one, on purpose."""

from __future__ import annotations

from collections.abc import Callable

import pluggy

from linguafranca.registry._spec import ProviderSpec

__all__ = ["PROJECT_NAME", "RegisterProvider", "hookimpl", "hookspec", "linguafranca_register"]

PROJECT_NAME = "linguafranca"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)

RegisterProvider = Callable[[ProviderSpec], None]


@hookspec
def linguafranca_register(register: RegisterProvider) -> None:
    """Register the providers a plugin contributes.

    Called once per plugin, on first use of the registry. Call ``register`` once per provider;
    do not import the chat model class or httpx here, name it in the spec instead.

    Example:
        ```python
        from linguafranca.registry import ProviderSpec, hookimpl

        @hookimpl
        def linguafranca_register(register):
            register(ProviderSpec(name="echo", chat_model="linguafranca_echo:ChatEcho"))
        ```

    Args:
        register: Callback that adds one :class:`ProviderSpec` to the registry.
    """
