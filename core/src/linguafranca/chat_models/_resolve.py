"""Resolving a model name to a provider through the registry, and building the model."""

from __future__ import annotations

from typing import Any

from linguafranca.chat_models._base import BaseChatModel
from linguafranca.errors import ConfigurationError
from linguafranca.registry import ProviderSpec, get_registry

__all__ = ["accepted_arguments", "build_chat_model", "resolve_model"]


def _known() -> str:
    return ", ".join(spec.name for spec in get_registry().providers()) or "(none)"


def resolve_model(model: str | None, model_provider: str | None) -> tuple[str | None, ProviderSpec]:
    """The model name and provider spec for ``model`` / ``model_provider``.

    ``"provider:model"`` is split only when ``provider`` is a registered name or alias
    (``"llama3:8b"`` stays a model name); without a provider, it is inferred from the
    registered model-name prefixes.

    Raises:
        ProviderNotFoundError: Unknown provider (the message lists the registered ones or
            names the extra to install).
        ConfigurationError: Neither given, or the provider cannot be inferred.
    """
    registry = get_registry()
    if model is not None:
        model = model.strip()
    if model_provider is not None:
        spec = registry.resolve(model_provider)
        if model and ":" in model:
            head, tail = model.split(":", 1)
            named = registry.get(head)
            if named is not None and named.name == spec.name:
                model = tail
        return model or None, spec
    if not model:
        raise ConfigurationError(
            "init_chat_model needs a model name ('provider:model', e.g. 'openai:gpt-4.1') "
            f"or model_provider=...; registered providers: {_known()}."
        )
    name, found = registry.split_model(model)
    if found is None:
        raise ConfigurationError(
            f"Cannot infer the provider of model {model!r}: use 'provider:model' or "
            f"model_provider=...; registered providers: {_known()}."
        )
    return name or None, found


def build_chat_model(
    model: str | None = None, model_provider: str | None = None, **kwargs: Any
) -> BaseChatModel:
    """Resolve the provider and construct its chat model (the non-configurable path)."""
    name, spec = resolve_model(model, model_provider)
    if name is None:
        name = spec.default_model
        if name is None:
            raise ConfigurationError(
                f"Provider {spec.name!r} has no default model: pass one, e.g. "
                f"init_chat_model('{spec.name}:<model>')."
            )
    cls = get_registry().load_class(spec)
    params = {**spec.init_kwargs, **kwargs, "model": name}
    built = cls(**params)
    if not isinstance(built, BaseChatModel):
        raise ConfigurationError(
            f"Provider {spec.name!r}: {spec.chat_model} built a {type(built).__name__}, "
            "not a BaseChatModel."
        )
    return built


def accepted_arguments(model: str | None, model_provider: str | None) -> frozenset[str]:
    """The constructor arguments of the chat model class these names resolve to."""
    _, spec = resolve_model(model, model_provider)
    cls = get_registry().load_class(spec)
    names = set(getattr(cls, "model_fields", {}))
    for info in getattr(cls, "model_fields", {}).values():
        if isinstance(info.alias, str):
            names.add(info.alias)
    return frozenset(names | {"model", "model_provider"})
