"""``ChatModelUnitTests``: what every chat model must do without a network."""

from __future__ import annotations

import json
import socket
import typing
from collections.abc import Mapping
from typing import Any, ClassVar

import pytest
from pydantic import SecretStr

from linguafranca.chat_models import BaseChatModel, ModelProfile, init_chat_model
from linguafranca.registry import get_registry
from linguafranca.runnables import Runnable, RunnableBinding
from linguafranca_tests import _schemas
from linguafranca_tests._env import EnvParams
from linguafranca_tests._suite import ChatModelTests, structured
from linguafranca_tests.capabilities import STRUCTURED_OUTPUT_METHODS

__all__ = ["ChatModelUnitTests"]

_SECRET = "lf-secret-0123456789-DO-NOT-LEAK"
_TOOL_NAMES = {
    "function": "multiply",
    "tool": "multiply",
    "pydantic": "Multiply",
    "typeddict": "MultiplyDict",
    "json_schema": "multiply",
    "openai_dict": "multiply",
}
# Profile keys that deny a capability when explicitly False.
_PROFILE_DENIES = {
    "tool_calling": "tool_calling",
    "tool_choice": "tool_choice",
    "image_inputs": "image_inputs",
    "image_url_inputs": "image_urls",
    "pdf_inputs": "pdf_inputs",
    "audio_inputs": "audio_inputs",
    "video_inputs": "video_inputs",
    "image_tool_message": "image_tool_message",
    "pdf_tool_message": "pdf_tool_message",
    "reasoning_output": "reasoning_output",
}


def _plain(value: Any) -> Any:
    return value.get_secret_value() if isinstance(value, SecretStr) else value


def _type_ok(value: Any, expected: Any) -> bool:
    if expected is bool:
        return isinstance(value, bool)
    if expected is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if expected is str:
        return isinstance(value, str)
    if typing.get_origin(expected) is list:
        (item,) = typing.get_args(expected)
        return isinstance(value, list) and all(_type_ok(v, item) for v in value)
    return True


class ChatModelUnitTests(ChatModelTests):
    """The unit suite: construction, configuration, tools and schemas, secrets, discovery.

    Example:
        ```python
        from linguafranca_tests import Capabilities, EnvParams
        from linguafranca_tests.unit_tests import ChatModelUnitTests

        class TestChatEchoUnit(ChatModelUnitTests):
            chat_model_class = ChatEcho
            chat_model_params = {"model": "echo-1"}
            provider = "echo"
            capabilities = Capabilities(tool_calling=True)
            env_params = EnvParams(env={"ECHO_API_KEY": "k"}, expected={"api_key": "k"})
        ```

    Attributes:
        provider: The registry name of the provider (its entry point registers it); enables
            the discovery and ``init_chat_model`` tests.
        standard_params: The standard constructor arguments every model accepts.
        env_params: How the model reads its configuration from the environment.
        secret_params: Secret arguments (masked everywhere): name -> a value to use.
    """

    provider: ClassVar[str | None] = None
    standard_params: ClassVar[Mapping[str, Any]] = {
        "temperature": 0.0,
        "max_tokens": 100,
        "timeout": 60.0,
        "max_retries": 2,
        "stop": ["STOP"],
        "api_key": "lf-test-key",
        "base_url": "http://127.0.0.1:9/v1",
    }
    env_params: ClassVar[EnvParams | None] = None
    secret_params: ClassVar[Mapping[str, str]] = {"api_key": _SECRET}

    def unit_params(self, **overrides: Any) -> dict[str, Any]:
        """The constructor arguments of the ``model`` fixture, with ``overrides``."""
        return {**self.standard_params, **self.chat_model_params, **overrides}

    @pytest.fixture
    def model(self) -> BaseChatModel:
        """The model under test, built with ``standard_params`` and ``chat_model_params``."""
        return self.model_class(**self.unit_params())

    # --- construction ------------------------------------------------------------------

    def test_init(self, model: BaseChatModel) -> None:
        """The standard parameters are accepted and visible under their standard names."""
        assert isinstance(model, self.model_class)
        assert isinstance(model, BaseChatModel)
        for name, value in self.unit_params().items():
            assert _plain(getattr(model, name)) == value, f"{name} was not kept as given"

    def test_init_streaming(self) -> None:
        """``streaming=True`` is accepted and kept."""
        model = self.model_class(**self.unit_params(streaming=True))
        assert model.streaming is True

    def test_init_rejects_unknown_argument(self) -> None:
        """A misspelled argument fails and the error names the intended one."""
        with pytest.raises((TypeError, ValueError)) as info:
            self.model_class(**self.unit_params(temperatur=0.5))
        message = str(info.value)
        assert "temperatur" in message, "the error must name the wrong argument"
        assert "temperature" in message, "the error must suggest the right argument"

    def test_init_from_env(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Built without arguments, the model takes its configuration from ``env_params``."""
        declared = self.env_params
        if declared is None:
            pytest.skip(f"linguafranca: {self.owner} does not declare 'env_params'")
        for name, value in declared.env.items():
            monkeypatch.setenv(name, value)
        model = self.model_class(**{**self.chat_model_params, **declared.params})
        for name, value in declared.expected.items():
            assert _plain(getattr(model, name)) == value, f"{name} not read from the environment"
        for name in declared.expected:
            value = getattr(model, name)
            if isinstance(value, SecretStr):
                assert value.get_secret_value() not in repr(model), f"{name} shows in repr"

    def test_no_network_on_construction(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Building a model, binding tools and schemas opens no connection."""
        attempts: list[object] = []

        def refuse(sock: socket.socket, address: object) -> None:
            attempts.append(address)
            raise OSError("linguafranca: the unit suite forbids network access")

        monkeypatch.setattr(socket.socket, "connect", refuse)
        model = self.model_class(**self.unit_params())
        if self.capabilities.tool_calling:
            model.bind_tools([_schemas.multiply])
        for method in self.capabilities.structured_output_methods:
            structured(model, _schemas.Joke, method)
        assert attempts == []

    # --- tracing parameters ------------------------------------------------------------

    def test_ls_params(self, model: BaseChatModel) -> None:
        """``_get_ls_params`` reports the standard tracing metadata with the right types."""
        params = model._get_ls_params()
        assert isinstance(params.get("ls_provider"), str) and params["ls_provider"]
        assert params.get("ls_model_type") == "chat"
        assert params.get("ls_model_name") == model.model
        assert params.get("ls_temperature") == model.temperature
        assert params.get("ls_max_tokens") == model.max_tokens
        stop = params.get("ls_stop")
        assert stop is None or (isinstance(stop, list) and all(isinstance(s, str) for s in stop))
        override = model._get_ls_params(model="lf-model-override-sentinel")
        assert override["ls_model_name"] == "lf-model-override-sentinel"

    # --- tools ---------------------------------------------------------------------------

    @pytest.mark.parametrize("kind", sorted(_TOOL_NAMES))
    def test_bind_tools(self, model: BaseChatModel, kind: str) -> None:
        """Every kind of tool definition binds; the binding carries its name and arguments."""
        self.require("tool_calling")
        definition = _schemas.tool_kinds()[kind]
        bound = model.bind_tools([definition])
        assert isinstance(bound, RunnableBinding)
        text = json.dumps(bound.kwargs, default=str)
        assert _TOOL_NAMES[kind] in text, f"the tool name is not in the binding: {text}"
        assert '"a"' in text and '"b"' in text, f"the tool's arguments are missing: {text}"
        if self.capabilities.tool_choice:
            forced = model.bind_tools([definition], tool_choice=_TOOL_NAMES[kind])
            assert isinstance(forced, RunnableBinding)
            assert forced.kwargs != bound.kwargs, "tool_choice left no trace in the binding"

    def test_bind_tools_matches_capability(self, model: BaseChatModel) -> None:
        """Without ``tool_calling``, ``bind_tools`` refuses clearly; with it, bad input fails."""
        if not self.capabilities.tool_calling:
            try:
                model.bind_tools([_schemas.multiply])
            except NotImplementedError:
                return
            pytest.fail(
                f"{self.owner}: bind_tools works but the capability 'tool_calling' is not "
                "declared; declare it, or make bind_tools raise NotImplementedError"
            )
        with pytest.raises((TypeError, ValueError)):
            model.bind_tools([42])

    # --- structured output ---------------------------------------------------------------

    @pytest.mark.parametrize("method", sorted(STRUCTURED_OUTPUT_METHODS))
    def test_with_structured_output(self, model: BaseChatModel, method: str) -> None:
        """Declared methods build a Runnable for every schema kind; others are refused."""
        schemas: list[Any] = [_schemas.Joke, _schemas.JokeDict, _schemas.joke_json_schema()]
        if method not in self.capabilities.structured_output_methods:
            with pytest.raises((ValueError, NotImplementedError)) as info:
                structured(model, _schemas.Joke, method)
            assert method in str(info.value), "the error must name the refused method"
            return
        for schema in schemas:
            for include_raw in (False, True):
                runnable = structured(
                    model, schema, method, include_raw=include_raw, **self.structured_output_kwargs
                )
                assert isinstance(runnable, Runnable)

    # --- secrets and serialization -------------------------------------------------------

    def test_secrets_masked(self) -> None:
        """Secrets never show in repr, str, model_dump or model_dump_json."""
        if not self.secret_params:
            pytest.skip(f"linguafranca: {self.owner} does not declare 'secret_params'")
        model = self.model_class(**self.unit_params(**self.secret_params))
        views = {
            "repr": repr(model),
            "str": str(model),
            "model_dump": repr(model.model_dump()),
            "model_dump(mode=json)": json.dumps(model.model_dump(mode="json")),
            "model_dump_json": model.model_dump_json(),
            "ls_params": repr(model._get_ls_params()),
        }
        for name, secret in self.secret_params.items():
            value = getattr(model, name)
            assert isinstance(value, SecretStr), f"{name} must be a SecretStr"
            assert value.get_secret_value() == secret
            for view, text in views.items():
                assert secret not in text, f"the secret {name!r} shows in {view}"

    def test_serialization_round_trip(self, model: BaseChatModel) -> None:
        """``cls(**model_dump())`` rebuilds an equal model (JSON too, secrets given again)."""
        dump = model.model_dump()
        rebuilt = self.model_class(**dump)
        assert rebuilt.model_dump() == dump
        as_json = json.loads(model.model_dump_json())
        secrets = {
            name: _plain(value)
            for name, value in dump.items()
            if isinstance(value, SecretStr) and value.get_secret_value()
        }
        for name, secret in secrets.items():
            assert secret not in json.dumps(as_json[name]), f"{name} is not masked in JSON"
        fields = {k: v for k, v in as_json.items() if k not in secrets}
        from_json = self.model_class(**fields, **secrets)
        assert json.loads(from_json.model_dump_json()) == as_json

    # --- discovery -----------------------------------------------------------------------

    def _provider(self) -> str:
        if not self.provider:
            pytest.skip(f"linguafranca: {self.owner} does not declare 'provider'")
        return self.provider

    def test_provider_registered(self) -> None:
        """The provider is registered by a plugin and resolves to the class under test."""
        provider = self._provider()
        registry = get_registry()
        spec = registry.resolve(provider)
        assert registry.load_class(spec) is self.model_class
        assert registry.origin(provider) != "application code", (
            "the provider must be registered by its package's entry point"
        )

    def test_init_chat_model(self) -> None:
        """``init_chat_model("<provider>:<model>")`` builds the class under test."""
        provider = self._provider()
        spec = get_registry().resolve(provider)
        params = {**self.chat_model_params, **self.secret_params}
        name = params.pop("model", None) or spec.default_model
        assert name, f"{self.owner}: set chat_model_params['model'] or the spec's default_model"
        model = init_chat_model(f"{provider}:{name}", **params)
        assert type(model) is self.model_class
        assert model.model == name
        by_keyword = init_chat_model(name, model_provider=provider, **params)
        assert type(by_keyword) is self.model_class
        if any(name.startswith(prefix) for prefix in spec.model_prefixes):
            inferred = get_registry().infer(name)
            assert inferred is not None and inferred.name == spec.name
            assert type(init_chat_model(name, **params)) is self.model_class

    def test_profile(self, model: BaseChatModel) -> None:
        """``model.profile`` is filled, typed, and does not deny a declared capability."""
        profile = model.profile
        assert isinstance(profile, Mapping) and profile, f"{self.owner}: model.profile is empty"
        hints = typing.get_type_hints(ModelProfile)
        unknown = sorted(set(profile) - set(hints))
        assert not unknown, f"keys outside ModelProfile: {unknown}"
        for key, value in profile.items():
            assert _type_ok(value, hints[key]), f"profile[{key!r}]={value!r} is not {hints[key]}"
        for key, name in _PROFILE_DENIES.items():
            if profile.get(key) is False:
                assert not self.capabilities.has(name), (
                    f"capability {name!r} is declared but profile[{key!r}] is False"
                )
