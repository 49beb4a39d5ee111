"""Azure OpenAI endpoints and credentials (pure functions, no I/O).

Azure serves the OpenAI API in two URL forms:

- per deployment, with a dated ``api-version``:
  ``{endpoint}/openai/deployments/{deployment}/chat/completions?api-version=2024-10-21``
  (the Responses API: ``{endpoint}/openai/responses?api-version=...``);
- the v1 API (``api_version`` None, ``"v1"``, ``"latest"`` or ``"preview"``):
  ``{endpoint}/openai/v1/chat/completions``, where the body's ``model`` names the deployment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from pydantic import SecretStr

from linguafranca.errors import ConfigurationError
from linguafranca_openai._client import CHAT, RESPONSES, endpoint_urls

__all__ = [
    "V1_VERSIONS",
    "azure_auth_headers",
    "azure_body_model",
    "azure_endpoint",
    "azure_urls",
    "is_v1",
    "resolve_azure",
]

V1_VERSIONS = frozenset({"v1", "latest", "preview"})
"""``api_version`` values that select the v1 API (as does None)."""

ENDPOINT_ENV = "AZURE_OPENAI_ENDPOINT"
KEY_ENV = ("AZURE_OPENAI_API_KEY", "OPENAI_API_KEY")
AD_TOKEN_ENV = "AZURE_OPENAI_AD_TOKEN"
VERSION_ENV = "OPENAI_API_VERSION"


def is_v1(api_version: str | None) -> bool:
    """Whether ``api_version`` selects the v1 API (``/openai/v1/...``)."""
    return api_version is None or api_version in V1_VERSIONS


def azure_urls(
    *,
    endpoint: str | None,
    deployment: str | None,
    api_version: str | None,
    base_url: str | None = None,
) -> dict[str, str]:
    """The Chat Completions and Responses URLs of an Azure OpenAI resource.

    Example:
        >>> azure_urls(endpoint="https://r.openai.azure.com", deployment="gpt4",
        ...            api_version="2024-10-21")[CHAT]
        'https://r.openai.azure.com/openai/deployments/gpt4/chat/completions?api-version=2024-10-21'

    Args:
        endpoint: The resource, e.g. ``https://my-resource.openai.azure.com``.
        deployment: The deployment name (needed by the dated form).
        api_version: A dated version, or None / ``"v1"`` / ``"preview"`` for the v1 API.
        base_url: A full base URL that replaces the computed one (a proxy or gateway).

    Raises:
        ConfigurationError: without an endpoint, or without a deployment in the dated form.
    """
    v1 = is_v1(api_version)
    version = None if api_version in (None, "v1") else api_version
    query = {"api-version": version} if version else None
    paths = {CHAT: CHAT, RESPONSES: RESPONSES}
    if base_url:
        return endpoint_urls(base_url, paths, query)
    if not endpoint:
        raise ConfigurationError(
            f"AzureChatOpenAI needs the resource endpoint: set {ENDPOINT_ENV} or pass "
            "azure_endpoint='https://<resource>.openai.azure.com'."
        )
    root = endpoint.rstrip("/")
    for suffix in ("/openai/v1", "/openai"):
        if root.endswith(suffix):
            root = root[: -len(suffix)]
            break
    if v1:
        return endpoint_urls(f"{root}/openai/v1", paths, query)
    if not deployment:
        raise ConfigurationError(
            f"AzureChatOpenAI with api_version={api_version!r} sends requests to a "
            "deployment: pass azure_deployment='<deployment name>' (or model=...), or use "
            "the v1 API (api_version='v1')."
        )
    chat = endpoint_urls(f"{root}/openai/deployments/{deployment}", {CHAT: CHAT}, query)
    responses = endpoint_urls(f"{root}/openai", {RESPONSES: RESPONSES}, query)
    return {**chat, **responses}


def azure_body_model(
    *, model: str | None, deployment: str | None, api_version: str | None
) -> str | None:
    """The ``model`` sent in the body: the v1 API names the deployment there."""
    if is_v1(api_version):
        return deployment or model
    return model or deployment


def azure_auth_headers(
    *, api_key: str | None, ad_token: str | None, has_token_provider: bool
) -> Mapping[str, str]:
    """Credential headers: ``api-key``, or a bearer Entra ID token.

    A token provider adds its header on each request, so it needs nothing here.

    Raises:
        ConfigurationError: when no credential of any kind is available.
    """
    if api_key:
        return {"api-key": api_key}
    if ad_token:
        return {"authorization": f"Bearer {ad_token}"}
    if has_token_provider:
        return {}
    raise ConfigurationError(
        f"AzureChatOpenAI has no credentials: set {KEY_ENV[0]} (or pass api_key=), set "
        f"{AD_TOKEN_ENV} (or pass azure_ad_token=), or pass azure_ad_token_provider= "
        "(a function returning an Entra ID token)."
    )


def _env(*names: str) -> str | None:
    return next((os.environ[n] for n in names if os.environ.get(n)), None)


def resolve_azure(values: dict[str, Any]) -> None:
    """Fill endpoint, API version and credentials of an Azure model from the environment."""
    values["provider"] = "azure_openai"
    values["azure_endpoint"] = values["azure_endpoint"] or _env(ENDPOINT_ENV)
    values["api_version"] = values["api_version"] or _env(VERSION_ENV)
    if values["api_key"] is None:
        key = _env(*KEY_ENV)
        values["api_key"] = SecretStr(key) if key else None
    if values["azure_ad_token"] is None:
        token = _env(AD_TOKEN_ENV)
        values["azure_ad_token"] = SecretStr(token) if token else None
    values["openai_proxy"] = values["openai_proxy"] or _env("OPENAI_PROXY")


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None


def azure_endpoint(values: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, str], str]:
    """The URLs, credential headers and key variable of an Azure model.

    Raises:
        ConfigurationError: no endpoint, no deployment for a dated version, or no credential.
    """
    urls = azure_urls(
        endpoint=values["azure_endpoint"],
        deployment=values["azure_deployment"] or values["model"],
        api_version=values["api_version"],
        base_url=values["base_url"],
    )
    headers = azure_auth_headers(
        api_key=_secret(values["api_key"]),
        ad_token=_secret(values["azure_ad_token"]),
        has_token_provider=values["azure_ad_token_provider"] is not None
        or values["azure_ad_async_token_provider"] is not None,
    )
    return urls, dict(headers), KEY_ENV[0]
