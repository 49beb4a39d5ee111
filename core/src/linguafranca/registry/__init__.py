"""The provider registry: plugins register providers through one pluggy hook.

A provider package declares an entry point in the ``linguafranca`` group naming its small
``plugin.py``, which implements :func:`linguafranca_register`. Entry points are loaded once,
on first use of the registry (never at ``import linguafranca``); set
``LINGUAFRANCA_DISABLE_PLUGIN_AUTOLOAD=1`` to turn that off and register in code with
:func:`register_provider`.
"""

from linguafranca.registry._hookspecs import RegisterProvider, hookimpl, hookspec
from linguafranca.registry._registry import (
    DISABLE_AUTOLOAD_ENV,
    ENTRY_POINT_GROUP,
    Registry,
    get_registry,
    register_provider,
)
from linguafranca.registry._spec import ProviderSpec, normalize_provider_name

__all__ = [
    "DISABLE_AUTOLOAD_ENV",
    "ENTRY_POINT_GROUP",
    "ProviderSpec",
    "RegisterProvider",
    "Registry",
    "get_registry",
    "hookimpl",
    "hookspec",
    "normalize_provider_name",
    "register_provider",
]
