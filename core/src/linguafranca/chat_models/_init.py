"""``init_chat_model``: any provider's chat model from a name, through the registry."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any, Literal, overload

from linguafranca.chat_models._base import BaseChatModel
from linguafranca.chat_models._configurable import ConfigurableModel
from linguafranca.chat_models._resolve import build_chat_model

__all__ = ["init_chat_model"]


@overload
def init_chat_model(
    model: str,
    *,
    model_provider: str | None = None,
    configurable_fields: None = None,
    config_prefix: str | None = None,
    **kwargs: Any,
) -> BaseChatModel: ...


@overload
def init_chat_model(
    model: None = None,
    *,
    model_provider: str | None = None,
    configurable_fields: None = None,
    config_prefix: str | None = None,
    **kwargs: Any,
) -> ConfigurableModel: ...


@overload
def init_chat_model(
    model: str | None = None,
    *,
    model_provider: str | None = None,
    configurable_fields: Literal["any"] | Sequence[str],
    config_prefix: str | None = None,
    **kwargs: Any,
) -> ConfigurableModel: ...


def init_chat_model(
    model: str | None = None,
    *,
    model_provider: str | None = None,
    configurable_fields: Literal["any"] | Sequence[str] | None = None,
    config_prefix: str | None = None,
    **kwargs: Any,
) -> BaseChatModel | ConfigurableModel:
    """A chat model of any installed provider, from its name.

    Example:
        ```python
        model = init_chat_model("openai:gpt-4.1", temperature=0)
        model = init_chat_model("claude-sonnet-4-5")  # provider inferred from the name
        configurable = init_chat_model(temperature=0)  # model chosen per call:
        configurable.invoke("hi", config={"configurable": {"model": "gpt-4.1-mini"}})
        ```

    Args:
        model: ``"model"`` or ``"provider:model"``. Without it (and without
            ``configurable_fields``) the model is configurable: ``model`` and
            ``model_provider`` are read from ``config["configurable"]`` at each call.
        model_provider: The provider's registered name or alias (normalised:
            ``"Azure-OpenAI"`` is ``"azure_openai"``).
        configurable_fields: ``"any"`` or the field names callers may set through
            ``config["configurable"]``; makes a configurable model.
        config_prefix: Prefix of those keys: ``"first"`` reads ``"first_model"``.
        **kwargs: Model parameters (``temperature``, ``max_tokens``, ``timeout``,
            ``max_retries``, ``base_url``, ``api_key``, ``rate_limiter``, ``profile``...).

    Raises:
        TypeError: ``model`` is not a string.
        ProviderNotFoundError: Unknown provider, or its package is not installed (the
            message names the ``pip install "linguafranca[<extra>]"`` to run).
        ConfigurationError: The provider cannot be inferred, or a bad argument.
    """
    if model is not None and not isinstance(model, str):
        raise TypeError(
            f"model must be a str such as 'openai:gpt-4.1', got {type(model).__name__}."
        )
    if model is None and configurable_fields is None:
        configurable_fields = ("model", "model_provider")
    if not configurable_fields:
        if config_prefix:
            warnings.warn(
                f"config_prefix={config_prefix!r} has no effect without configurable_fields: "
                "pass configurable_fields=(...) to read fields from config['configurable'].",
                UserWarning,
                stacklevel=2,
            )
        return build_chat_model(model, model_provider, **kwargs)
    defaults = dict(kwargs)
    if model is not None:
        defaults["model"] = model
    if model_provider is not None:
        defaults["model_provider"] = model_provider
    fields = configurable_fields if configurable_fields == "any" else tuple(configurable_fields)
    return ConfigurableModel(
        default_config=defaults,
        configurable_fields=fields,
        config_prefix=config_prefix or "",
    )
