"""The provider spec: what a plugin tells linguafranca about one provider."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

__all__ = ["ProviderSpec", "normalize_provider_name"]

_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")


def normalize_provider_name(name: str) -> str:
    """Normalise a provider name as users may type it: case-folded, ``-`` and ``.`` to ``_``.

    Args:
        name: A provider name or alias such as ``"Azure-OpenAI"``.

    Returns:
        The canonical spelling, e.g. ``"azure_openai"``.
    """
    return name.strip().lower().replace("-", "_").replace(".", "_")


def _frozen(mapping: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class ProviderSpec:
    """Everything the registry needs to know about a provider, without importing it.

    Registration must stay cheap: the chat model class is named as a ``"module:Class"``
    string and only imported when a model of that provider is built.

    Example:
        ```python
        ProviderSpec(
            name="echo",
            chat_model="linguafranca_echo.chat_models:ChatEcho",
            model_prefixes=("echo-",),
            api_key_env=("ECHO_API_KEY",),
            default_model="echo-1",
        )
        ```

    Attributes:
        name: Canonical provider name (lower case, ``[a-z0-9_]``), e.g. ``"openai"``.
        chat_model: The chat model class as ``"module:Class"``, imported lazily.
        aliases: Other names accepted for the provider (normalised like ``name``).
        model_prefixes: Model-name prefixes that infer this provider (``"gpt-"``, ``"claude"``).
        api_key_env: Environment variables read for the API key, in order of preference.
        base_url_env: Environment variables read for the endpoint.
        extra: The core package's pip extra that installs this provider (``"openai"``).
        package: The distribution that provides it (filled in from the entry point).
        docs_url: Where the provider's documentation lives.
        default_model: Model used when none is given.
        profiles: ``"module:attribute"`` naming a mapping of model name to
            :class:`~linguafranca.chat_models.ModelProfile`, or a function returning one.
        init_kwargs: Keyword arguments always passed to the class (for presets such as an
            OpenAI-compatible provider that is ``ChatOpenAI`` with a fixed ``base_url``).
        description: One line shown by ``linguafranca providers``.
    """

    name: str
    chat_model: str
    aliases: tuple[str, ...] = ()
    model_prefixes: tuple[str, ...] = ()
    api_key_env: tuple[str, ...] = ()
    base_url_env: tuple[str, ...] = ()
    extra: str | None = None
    package: str | None = None
    docs_url: str | None = None
    default_model: str | None = None
    profiles: str | None = None
    init_kwargs: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""

    def __post_init__(self) -> None:
        if not _NAME_RE.match(self.name):
            raise ValueError(
                f"Invalid provider name {self.name!r}: use lower-case letters, digits and "
                "underscores, starting with a letter (e.g. 'my_provider')."
            )
        if ":" not in self.chat_model:
            raise ValueError(
                f"Provider {self.name!r}: chat_model must be 'module:Class', "
                f"got {self.chat_model!r}."
            )
        object.__setattr__(self, "aliases", tuple(normalize_provider_name(a) for a in self.aliases))
        object.__setattr__(self, "model_prefixes", tuple(self.model_prefixes))
        object.__setattr__(self, "api_key_env", tuple(self.api_key_env))
        object.__setattr__(self, "base_url_env", tuple(self.base_url_env))
        object.__setattr__(self, "init_kwargs", _frozen(self.init_kwargs))
