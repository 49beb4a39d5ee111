"""HTTP invoke and 50-delta stream against a local Anthropic Messages server, sync and async.

Clients: raw httpx (the baseline), the anthropic SDK, langchain-anthropic's ``ChatAnthropic``
and ``linguafranca_anthropic.ChatAnthropic``, each with its defaults. The stream is shaped like
a recorded Anthropic stream (message_start, content_block_start, ping, 50 text deltas,
content_block_stop, message_delta, message_stop). See ``_http.py`` for the method.

Targets: the same as the OpenAI case (issue 9): invoke p50 <= 1.15x raw httpx, stream p50
<= 1.3x raw httpx.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from typing import Any

import httpx
from _common import parse_args
from _http import Spec, Target, ajoin_text, join_text, run_http_case, text_of
from _server import MODEL_ANTHROPIC

MESSAGES = [{"role": "user", "content": "hi"}]
INVOKE = {"model": MODEL_ANTHROPIC, "max_tokens": 1024, "messages": MESSAGES}
STREAM = {**INVOKE, "stream": True}
KEY = "sk-ant-bench"
HEADERS = {"x-api-key": KEY, "anthropic-version": "2023-06-01"}


def _stream_text(lines: Any) -> str:
    parts = []
    for line in lines:
        if line.startswith("data: "):
            event = json.loads(line[6:])
            if event["type"] == "content_block_delta" and event["delta"]["type"] == "text_delta":
                parts.append(event["delta"]["text"])
    return "".join(parts)


def httpx_client(mode: str, is_async: bool) -> Callable[[str], Callable[[], Any]]:
    def build(base: str) -> Callable[[], Any]:
        url = base + "/v1/messages"
        if not is_async:
            client = httpx.Client()

            def invoke() -> str:
                r = client.post(url, json=INVOKE, headers=HEADERS)
                r.raise_for_status()
                return r.json()["content"][0]["text"]

            def stream() -> str:
                with client.stream("POST", url, json=STREAM, headers=HEADERS) as r:
                    r.raise_for_status()
                    return _stream_text(r.iter_lines())

            return invoke if mode == "invoke" else stream
        aclient = httpx.AsyncClient()

        async def ainvoke() -> str:
            r = await aclient.post(url, json=INVOKE, headers=HEADERS)
            r.raise_for_status()
            return r.json()["content"][0]["text"]

        async def astream() -> str:
            async with aclient.stream("POST", url, json=STREAM, headers=HEADERS) as r:
                r.raise_for_status()
                return _stream_text([line async for line in r.aiter_lines()])

        return ainvoke if mode == "invoke" else astream

    return build


def _delta_text(event: Any) -> str:
    if event.type == "content_block_delta" and event.delta.type == "text_delta":
        return str(event.delta.text)
    return ""


def anthropic_sdk(mode: str, is_async: bool) -> Callable[[str], Callable[[], Any]]:
    def build(base: str) -> Callable[[], Any]:
        import anthropic

        if not is_async:
            create = anthropic.Anthropic(base_url=base, api_key=KEY).messages.create

            def invoke() -> str:
                return create(**INVOKE).content[0].text

            def stream() -> str:
                return "".join(_delta_text(e) for e in create(**STREAM))

            return invoke if mode == "invoke" else stream
        acreate = anthropic.AsyncAnthropic(base_url=base, api_key=KEY).messages.create

        async def ainvoke() -> str:
            return (await acreate(**INVOKE)).content[0].text

        async def astream() -> str:
            return "".join([_delta_text(e) async for e in await acreate(**STREAM)])

        return ainvoke if mode == "invoke" else astream

    return build


def chat_model(module: str, mode: str, is_async: bool) -> Callable[[str], Callable[[], Any]]:
    """``module.ChatAnthropic`` (langchain_anthropic or linguafranca_anthropic)."""

    def build(base: str) -> Callable[[], Any]:
        cls = importlib.import_module(module).ChatAnthropic
        model = cls(model=MODEL_ANTHROPIC, base_url=base, api_key=KEY)
        if mode == "invoke":
            if is_async:

                async def ainvoke() -> str:
                    return text_of(await model.ainvoke("hi"))

                return ainvoke
            return lambda: text_of(model.invoke("hi"))
        if is_async:
            return lambda: ajoin_text(model.astream("hi"))
        return lambda: join_text(model.stream("hi"))

    return build


def specs() -> list[Spec]:
    out = []
    for mode in ("invoke", "stream"):
        suffix = "" if mode == "invoke" else " stream"
        out += [
            Spec(f"httpx sync{suffix}", "baseline", mode, False, httpx_client(mode, False)),
            Spec(f"httpx async{suffix}", "baseline", mode, True, httpx_client(mode, True)),
            Spec(f"anthropic sync{suffix}", "reference", mode, False, anthropic_sdk(mode, False)),
            Spec(f"anthropic async{suffix}", "reference", mode, True, anthropic_sdk(mode, True)),
        ]
        for lib, module, group in (
            ("langchain-anthropic", "langchain_anthropic", "reference"),
            ("linguafranca", "linguafranca_anthropic", "linguafranca"),
        ):
            sync_op, async_op = ("invoke", "ainvoke") if mode == "invoke" else ("stream", "astream")
            out += [
                Spec(f"{lib} {sync_op}", group, mode, False, chat_model(module, mode, False)),
                Spec(f"{lib} {async_op}", group, mode, True, chat_model(module, mode, True)),
            ]
    return out


BASELINES = {
    ("invoke", False): "httpx sync",
    ("invoke", True): "httpx async",
    ("stream", False): "httpx sync stream",
    ("stream", True): "httpx async stream",
}
TARGETS = [
    Target("linguafranca invoke", 1.15, "not in the reference (OpenAI: 1.15x)"),
    Target("linguafranca ainvoke", 1.15, "not in the reference (OpenAI: 1.15x)"),
    Target("linguafranca stream", 1.3, "not in the reference (OpenAI: 1.3x)"),
    Target("linguafranca astream", 1.3, "not in the reference (OpenAI: 1.3x)"),
    Target("langchain-anthropic invoke", None, "-"),
    Target("langchain-anthropic stream", None, "-"),
]


def main() -> None:
    args = parse_args(__doc__.splitlines()[0], pin=True)
    title = "HTTP, Anthropic Messages: invoke and 50-delta stream (local server)"
    run_http_case("http_anthropic", title, specs(), BASELINES, TARGETS, args)


if __name__ == "__main__":
    main()
