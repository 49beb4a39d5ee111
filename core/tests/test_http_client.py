import subprocess
import sys

import httpx
import pytest

import linguafranca.http as lf_http
from linguafranca.errors import ConfigurationError
from linguafranca.http import (
    DEFAULT_TIMEOUT,
    AsyncPoolTransport,
    ClientSettings,
    PoolTransport,
    build_async_client,
    build_client,
    redact_headers,
    redact_url,
)

KEY = "sk-proj-abcdefghijklmnopqrstuvwxyz"


def test_public_api_is_sorted_and_importable():
    assert lf_http.__all__ == sorted(lf_http.__all__)
    for name in lf_http.__all__:
        assert getattr(lf_http, name) is not None


def test_import_linguafranca_does_not_import_httpx():
    code = "import sys, linguafranca, linguafranca.errors; print('httpx' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_defaults():
    s = ClientSettings()
    assert s.timeout == DEFAULT_TIMEOUT
    assert DEFAULT_TIMEOUT.connect == 5.0 and DEFAULT_TIMEOUT.read == 600.0
    assert s.max_connections == 100


def test_settings_are_hashable_and_frozen():
    a = ClientSettings(base_url="https://x.test", timeout=httpx.Timeout(3.0), headers={"a": "1"})
    b = ClientSettings(base_url="https://x.test", timeout=httpx.Timeout(3.0), headers={"a": "1"})
    assert a == b and hash(a) == hash(b)
    assert a != ClientSettings(base_url="https://x.test", timeout=4.0, headers={"a": "1"})
    assert len({a, b}) == 1
    with pytest.raises(AttributeError):
        a.base_url = "https://y.test"  # type: ignore[misc]


def test_settings_copy_headers():
    headers = {"authorization": "Bearer 1"}
    s = ClientSettings(headers=headers)
    headers["authorization"] = "changed"
    assert s.headers["authorization"] == "Bearer 1"
    with pytest.raises(TypeError):
        s.headers["x"] = "y"  # type: ignore[index]


def test_settings_repr_hides_credentials():
    s = ClientSettings(
        headers={"Authorization": f"Bearer {KEY}", "x-api-key": KEY, "user-agent": "me"}
    )
    text = repr(s)
    assert KEY not in text
    assert "'user-agent': 'me'" in text


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"timeout": -1}, "timeout"),
        ({"timeout": "10"}, "timeout"),
        ({"max_connections": 0}, "max_connections"),
        ({"base_url": "api.openai.com/v1"}, "http://"),
    ],
)
def test_settings_validation(kwargs, fragment):
    with pytest.raises(ConfigurationError, match=fragment):
        ClientSettings(**kwargs)


def test_build_client_applies_settings(monkeypatch):
    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ):
        monkeypatch.delenv(name, raising=False)
    s = ClientSettings(base_url="https://api.test/v1", timeout=7.0, headers={"x-api-key": KEY})
    with build_client(s) as client:
        assert client.base_url == "https://api.test/v1/"
        assert client.timeout == httpx.Timeout(7.0)
        assert client.headers["x-api-key"] == KEY
        assert isinstance(client._transport, PoolTransport)


async def test_build_async_client_applies_settings(monkeypatch):
    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ):
        monkeypatch.delenv(name, raising=False)
    async with build_async_client(
        ClientSettings(base_url="https://a.test", timeout=None)
    ) as client:
        assert client.timeout == httpx.Timeout(None)
        assert isinstance(client._transport, AsyncPoolTransport)


def test_env_proxy_falls_back_to_plain_pool(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    with build_client(ClientSettings(base_url="https://a.test")) as client:
        assert not isinstance(client._transport, PoolTransport)
        proxied = [t for p, t in client._mounts.items() if t is not None]
        assert proxied, "httpx should route through the environment proxy"
    # an explicit proxy keeps the sharded pool
    with build_client(ClientSettings(proxy="http://proxy.internal:3128")) as client:
        assert isinstance(client._transport, PoolTransport)


def test_redact_headers():
    headers = {
        "Authorization": "Bearer x",
        "x-api-key": "k",
        "api-key": "k",
        "x-goog-api-key": "k",
        "Cookie": "c",
        "x-portkey-api-key": "k",
        "x-session-token": "t",
        "x-ratelimit-remaining-tokens": "100",
        "content-type": "application/json",
    }
    out = redact_headers(headers)
    assert out["x-ratelimit-remaining-tokens"] == "100"
    assert out["content-type"] == "application/json"
    assert {k for k, v in out.items() if v == "***"} == set(headers) - {
        "x-ratelimit-remaining-tokens",
        "content-type",
    }
    assert redact_headers(httpx.Headers({"Authorization": "Bearer x"})) == {"authorization": "***"}


def test_redact_url():
    assert (
        redact_url("https://g.test/v1/m:gen?key=AIzaSECRET&alt=sse")
        == "https://g.test/v1/m:gen?key=***&alt=sse"
    )
    assert redact_url("https://a.test/v1/chat") == "https://a.test/v1/chat"
    assert (
        redact_url(httpx.URL("https://a.test/?api_key=s&x=1")) == "https://a.test/?api_key=***&x=1"
    )


def test_transport_env_falls_back_to_httpx_own_pool(monkeypatch):
    from linguafranca.http import ClientSettings, build_async_client, build_client
    from linguafranca.http._transport import AsyncPoolTransport, PoolTransport

    settings = ClientSettings(base_url="http://127.0.0.1:9")
    with build_client(settings) as client:
        assert isinstance(client._transport, PoolTransport)
    monkeypatch.setenv("LINGUAFRANCA_HTTP_TRANSPORT", "httpx")
    with build_client(settings) as client:
        assert not isinstance(client._transport, PoolTransport)
    client_async = build_async_client(settings)
    assert not isinstance(client_async._transport, AsyncPoolTransport)
