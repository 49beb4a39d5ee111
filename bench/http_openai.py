"""HTTP invoke and 50-chunk stream against a local OpenAI-compatible server, sync and async.

Clients: raw httpx (the baseline: ``json=`` then ``r.json()``; streams parsed with
``iter_lines`` + ``json.loads``), the openai SDK, langchain-openai's ``ChatOpenAI`` and
``linguafranca_openai.ChatOpenAI``, each with its defaults. See ``_http.py`` for the method.

Targets (issue 9): invoke p50 <= 1.15x raw httpx (langchain-openai 3.6x, openai SDK 2.5x);
stream p50 <= 1.3x raw httpx (langchain-openai 6.4x, openai SDK 4.7x).
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from typing import Any

import httpx
from _common import parse_args
from _http import Spec, Target, ajoin_text, join_text, run_http_case, text_of
from _server import MODEL_OPENAI

MESSAGES = [{"role": "user", "content": "hi"}]
INVOKE = {"model": MODEL_OPENAI, "messages": MESSAGES}
STREAM = {**INVOKE, "stream": True, "stream_options": {"include_usage": True}}
HEADERS = {"authorization": "Bearer sk-bench"}
KEY = "sk-bench"


def _stream_text(lines: Any) -> list[str]:
    parts = []
    for line in lines:
        if line.startswith("data: "):
            data = line[6:]
            if data == "[DONE]":
                break
            event = json.loads(data)
            if event["choices"]:
                parts.append(event["choices"][0]["delta"].get("content") or "")
    return parts


def httpx_sync(mode: str) -> Callable[[str], Callable[[], Any]]:
    def build(base: str) -> Callable[[], Any]:
        client, url = httpx.Client(), base + "/v1/chat/completions"

        def invoke() -> str:
            r = client.post(url, json=INVOKE, headers=HEADERS)
            r.raise_for_status()
            return r.json()["choices"][0]["message"]["content"]

        def stream() -> str:
            with client.stream("POST", url, json=STREAM, headers=HEADERS) as r:
                r.raise_for_status()
                return "".join(_stream_text(r.iter_lines()))

        return invoke if mode == "invoke" else stream

    return build


def httpx_async(mode: str) -> Callable[[str], Callable[[], Any]]:
    def build(base: str) -> Callable[[], Any]:
        client, url = httpx.AsyncClient(), base + "/v1/chat/completions"

        async def invoke() -> str:
            r = await client.post(url, json=INVOKE, headers=HEADERS)
            r.raise_for_status()
            return r.json()["choices"][0]["message"]["content"]

        async def stream() -> str:
            async with client.stream("POST", url, json=STREAM, headers=HEADERS) as r:
                r.raise_for_status()
                return "".join(_stream_text([line async for line in r.aiter_lines()]))

        return invoke if mode == "invoke" else stream

    return build


def openai_sdk(mode: str, is_async: bool) -> Callable[[str], Callable[[], Any]]:
    def build(base: str) -> Callable[[], Any]:
        import openai

        if not is_async:
            client = openai.OpenAI(base_url=base + "/v1", api_key=KEY)
            create = client.chat.completions.create

            def invoke() -> str:
                return create(model=MODEL_OPENAI, messages=MESSAGES).choices[0].message.content

            def stream() -> str:
                chunks = create(
                    model=MODEL_OPENAI,
                    messages=MESSAGES,
                    stream=True,
                    stream_options={"include_usage": True},
                )
                return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)

            return invoke if mode == "invoke" else stream

        aclient = openai.AsyncOpenAI(base_url=base + "/v1", api_key=KEY)
        acreate = aclient.chat.completions.create

        async def ainvoke() -> str:
            out = await acreate(model=MODEL_OPENAI, messages=MESSAGES)
            return out.choices[0].message.content

        async def astream() -> str:
            chunks = await acreate(
                model=MODEL_OPENAI,
                messages=MESSAGES,
                stream=True,
                stream_options={"include_usage": True},
            )
            return "".join([c.choices[0].delta.content or "" async for c in chunks if c.choices])

        return ainvoke if mode == "invoke" else astream

    return build


def chat_model(module: str, mode: str, is_async: bool) -> Callable[[str], Callable[[], Any]]:
    """``module.ChatOpenAI`` (langchain_openai or linguafranca_openai), called LangChain-style."""

    def build(base: str) -> Callable[[], Any]:
        cls = importlib.import_module(module).ChatOpenAI
        kwargs: dict[str, Any] = {"model": MODEL_OPENAI, "base_url": base + "/v1", "api_key": KEY}
        if mode == "stream":
            kwargs["stream_usage"] = True
        model = cls(**kwargs)
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
            Spec(f"httpx sync{suffix}", "baseline", mode, False, httpx_sync(mode)),
            Spec(f"httpx async{suffix}", "baseline", mode, True, httpx_async(mode)),
            Spec(f"openai sync{suffix}", "reference", mode, False, openai_sdk(mode, False)),
            Spec(f"openai async{suffix}", "reference", mode, True, openai_sdk(mode, True)),
        ]
        for lib, module, group in (
            ("langchain-openai", "langchain_openai", "reference"),
            ("linguafranca", "linguafranca_openai", "linguafranca"),
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
    Target("linguafranca invoke", 1.15, "raw httpx 0.39 ms; langchain-openai 3.6x; openai 2.5x"),
    Target("linguafranca ainvoke", 1.15, "raw httpx async 0.59 ms; langchain-openai 3.0x"),
    Target("linguafranca stream", 1.3, "raw httpx 1.3 ms; langchain-openai 6.4x; openai 4.7x"),
    Target("linguafranca astream", 1.3, "raw httpx async 2.0 ms; langchain-openai 5.5x"),
    Target("langchain-openai invoke", None, "3.6x"),
    Target("openai sync", None, "2.5x"),
    Target("langchain-openai stream", None, "6.4x"),
    Target("openai sync stream", None, "4.7x"),
]


def main() -> None:
    args = parse_args(__doc__.splitlines()[0], pin=True)
    title = "HTTP, OpenAI chat completions: invoke and 50-chunk stream (local server)"
    run_http_case("http_openai", title, specs(), BASELINES, TARGETS, args)


if __name__ == "__main__":
    main()
