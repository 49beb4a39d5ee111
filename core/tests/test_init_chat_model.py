"""init_chat_model: resolution through the registry, errors, and the configurable model."""

import subprocess
import sys
import types
from typing import Any, ClassVar

import pytest
from pydantic import BaseModel, SecretStr

from linguafranca.callbacks import BaseCallbackHandler
from linguafranca.chat_models import BaseChatModel, ConfigurableModel, init_chat_model
from linguafranca.chat_models.fake import ScriptedFakeChatModel
from linguafranca.errors import ConfigurationError, ProviderNotFoundError
from linguafranca.messages import AIMessage, AIMessageChunk, merge_chunks
from linguafranca.rate_limiters import InMemoryRateLimiter
from linguafranca.registry import ProviderSpec, Registry
from linguafranca.registry import _registry as registry_module

MODULE = "lf_test_chat_provider"


class Acme(ScriptedFakeChatModel):
    """A provider model that records every construction."""

    built: ClassVar[list["Acme"]] = []
    _provider_name: ClassVar[str | None] = "acme"
    deployment: str | None = None

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        Acme.built.append(self)

    def _resolve_model_profile(self):
        return BaseChatModel._resolve_model_profile(self)


class Flaky(ScriptedFakeChatModel):
    """Fails on the first ``failures`` calls of the process (shared counter)."""

    failures: ClassVar[list[int]] = [0]

    def _generate(self, *args, **kwargs):
        if Flaky.failures[0] > 0:
            Flaky.failures[0] -= 1
            raise RuntimeError("flaky provider")
        return super()._generate(*args, **kwargs)


PROFILES = {
    "acme-1": {"max_input_tokens": 1000, "tool_calling": True},
    "acme-2": {"max_input_tokens": 2000, "tool_calling": False},
}


@pytest.fixture
def registry(monkeypatch):
    module = types.ModuleType(MODULE)
    module.__dict__.update(Acme=Acme, Flaky=Flaky, PROFILES=PROFILES)
    monkeypatch.setitem(sys.modules, MODULE, module)
    monkeypatch.setattr(
        registry_module,
        "_installable_extras",
        lambda: {"openai": "linguafranca-openai", "anthropic": "linguafranca-anthropic"},
    )
    reg = Registry(autoload=False)
    reg.register(
        ProviderSpec(
            name="acme",
            chat_model=f"{MODULE}:Acme",
            aliases=("acme_ai",),
            model_prefixes=("acme-",),
            default_model="acme-1",
            profiles=f"{MODULE}:PROFILES",
            init_kwargs={"temperature": 0.3},
        )
    )
    reg.register(
        ProviderSpec(name="openai", chat_model=f"{MODULE}:Acme", model_prefixes=("gpt-", "o4"))
    )
    reg.register(ProviderSpec(name="flaky", chat_model=f"{MODULE}:Flaky", default_model="f"))
    reg.register(ProviderSpec(name="nodefault", chat_model=f"{MODULE}:Acme"))
    reg.register(ProviderSpec(name="broken", chat_model="nowhere_module_xyz:Chat"))
    restore = registry_module._reset_registry_for_tests(reg)
    Acme.built.clear()
    yield reg
    restore()


# --- resolution --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "provider", "cls", "name"),
    [
        ("acme:acme-2", None, Acme, "acme-2"),
        ("acme-3", None, Acme, "acme-3"),
        ("acme-3", "acme", Acme, "acme-3"),
        ("ACME_AI:acme-4", None, Acme, "acme-4"),
        ("acme:acme-5", "acme", Acme, "acme-5"),
        ("x:y", "acme", Acme, "x:y"),
        ("anything", "Acme-AI", Acme, "anything"),
        ("o4-mini", None, Acme, "o4-mini"),
        ("gpt-4.1", None, Acme, "gpt-4.1"),
        ("fake:fake-model", None, ScriptedFakeChatModel, "fake-model"),
        ("fake-model", None, ScriptedFakeChatModel, "fake-model"),
    ],
)
def test_resolution_table(registry, model, provider, cls, name):
    built = init_chat_model(model, model_provider=provider)
    assert type(built) is cls
    assert built.model == name


def test_inferred_provider_is_the_registered_one(registry):
    assert init_chat_model("o4-mini")._provider_name == "acme"  # Acme serves "openai" here
    assert registry.split_model("o4-mini")[1].name == "openai"


def test_unregistered_prefix_is_not_split(registry):
    with pytest.raises(ConfigurationError) as info:
        init_chat_model("foo:bar")
    message = str(info.value)
    assert "Cannot infer the provider of model 'foo:bar'" in message
    assert "use 'provider:model' or model_provider=" in message
    assert "acme, broken, fake, flaky, nodefault, openai" in message


def test_unknown_provider_lists_the_registered_ones(registry):
    with pytest.raises(ProviderNotFoundError, match="Registered providers: acme, broken, fake"):
        init_chat_model("m", model_provider="nope")


def test_missing_first_party_package_names_the_extra(registry):
    with pytest.raises(ProviderNotFoundError, match=r'pip install "linguafranca\[anthropic\]"'):
        init_chat_model("claude-x", model_provider="anthropic")


def test_provider_class_that_cannot_be_imported(registry):
    with pytest.raises(ConfigurationError, match="nowhere_module_xyz"):
        init_chat_model("broken:m")


def test_model_must_be_a_string(registry):
    with pytest.raises(TypeError, match="model must be a str"):
        init_chat_model(42)  # type: ignore[call-overload]


def test_misspelled_keyword_names_the_nearest(registry):
    with pytest.raises(ConfigurationError, match="did you mean 'max_tokens'"):
        init_chat_model("acme:acme-1", max_tokns=5)


def test_init_kwargs_are_merged_under_user_kwargs(registry):
    assert init_chat_model("acme:acme-1").temperature == 0.3
    assert init_chat_model("acme:acme-1", temperature=0.9).temperature == 0.9


def test_standard_kwargs_pass_through(registry):
    limiter = InMemoryRateLimiter(requests_per_second=100)
    model = init_chat_model(
        "acme:acme-1",
        max_tokens=7,
        timeout=4,
        max_retries=1,
        base_url="http://127.0.0.1:1",
        api_key="sk-test-0000000000000",
        rate_limiter=limiter,
        profile={"max_input_tokens": 5},
        deployment="blue",
    )
    assert isinstance(model, Acme)
    assert (model.max_tokens, model.timeout, model.max_retries) == (7, 4, 1)
    assert model.base_url == "http://127.0.0.1:1" and model.rate_limiter is limiter
    assert isinstance(model.api_key, SecretStr)
    assert model.profile == {"max_input_tokens": 5}
    assert model.deployment == "blue"


def test_config_prefix_without_configurable_fields_warns(registry):
    with pytest.warns(UserWarning, match="config_prefix='x' has no effect"):
        init_chat_model("acme:acme-1", config_prefix="x")


def test_import_linguafranca_stays_light_and_reexports():
    code = (
        "import sys, linguafranca; "
        "assert 'linguafranca.chat_models' not in sys.modules; "
        "from linguafranca import init_chat_model; "
        "import linguafranca.chat_models as cm; "
        "assert init_chat_model is cm.init_chat_model; "
        "print(init_chat_model('fake:fake-model').invoke('hi').content)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "You said: hi"


# --- profiles ------------------------------------------------------------------------------


def test_profile_comes_from_the_providers_data(registry):
    assert init_chat_model("acme:acme-2").profile == {
        "max_input_tokens": 2000,
        "tool_calling": False,
    }
    assert init_chat_model("acme:unknown-model").profile is None


def test_profile_given_at_construction_wins(registry):
    model = init_chat_model("acme:acme-2", profile={"max_input_tokens": 9})
    assert model.profile == {"max_input_tokens": 9}


def test_profile_model_copy(registry):
    model = init_chat_model("acme:acme-1")
    assert model.profile is not None
    copy = model.model_copy(update={"profile": model.profile | {"pdf_inputs": True}})
    assert copy.profile == {"max_input_tokens": 1000, "tool_calling": True, "pdf_inputs": True}
    assert "pdf_inputs" not in model.profile


def test_unknown_profile_keys_warn(registry):
    with pytest.warns(UserWarning, match="'tool_caling'.*Did you mean 'tool_calling'"):
        init_chat_model("acme:acme-1", profile={"tool_caling": True})


# --- configurable models ------------------------------------------------------------------


def built_names():
    return [m.model for m in Acme.built]


def test_no_model_means_model_and_provider_are_configurable(registry):
    configurable = init_chat_model(temperature=0)
    assert isinstance(configurable, ConfigurableModel)
    result = configurable.invoke("hi", config={"configurable": {"model": "acme:acme-2"}})
    assert result.response_metadata["model_name"] == "acme-2"
    assert Acme.built[-1].temperature == 0
    other = configurable.invoke(
        "hi", config={"configurable": {"model": "acme-7", "model_provider": "acme"}}
    )
    assert other.response_metadata["model_name"] == "acme-7"


def test_configurable_with_provider_uses_the_default_model(registry):
    configurable = init_chat_model(model_provider="acme")
    assert configurable.invoke("hi").response_metadata["model_name"] == "acme-1"
    assert configurable.model == "acme-1"  # attributes of the default model


def test_configurable_without_any_model_explains_at_call_time(registry):
    with pytest.raises(ConfigurationError, match="needs a model name"):
        init_chat_model().invoke("hi")
    with pytest.raises(ConfigurationError, match="has no default model"):
        init_chat_model(model_provider="nodefault").invoke("hi")


def test_prefix_and_fields(registry):
    first = init_chat_model(
        "acme:acme-1",
        temperature=0,
        configurable_fields=("model", "model_provider", "temperature", "max_tokens"),
        config_prefix="first",
    )
    first.invoke(
        "hi",
        config={
            "configurable": {
                "first_model": "acme:acme-2",
                "first_temperature": 0.5,
                "first_max_tokens": 100,
                "first_timeout": 3,  # not a configurable field: ignored
                "temperature": 0.9,  # not prefixed: ignored
                "bar": 1,
            }
        },
    )
    chosen = Acme.built[-1]
    assert (chosen.model, chosen.temperature, chosen.max_tokens, chosen.timeout) == (
        "acme-2",
        0.5,
        100,
        None,
    )
    first.invoke("hi")
    assert (Acme.built[-1].model, Acme.built[-1].temperature) == ("acme-1", 0)


def test_any_fields(registry):
    model = init_chat_model("acme:acme-1", configurable_fields="any", config_prefix="foo")
    model.invoke("hi", config={"configurable": {"foo_max_tokens": 3, "foo_deployment": "green"}})
    assert (Acme.built[-1].max_tokens, Acme.built[-1].deployment) == (3, "green")


def test_unprefixed_any_ignores_keys_that_are_not_model_arguments(registry):
    model = init_chat_model("acme:acme-1", configurable_fields="any")
    model.invoke("hi", config={"configurable": {"thread_id": "t1", "max_tokens": 4}})
    assert Acme.built[-1].max_tokens == 4


def test_models_are_reused_not_rebuilt(registry):
    configurable = init_chat_model(temperature=0)
    config = {"configurable": {"model": "acme:acme-2"}}
    for _ in range(3):
        configurable.invoke("hi", config=config)  # type: ignore[arg-type]
    list(configurable.stream("hi", config=config))  # type: ignore[arg-type]
    assert built_names() == ["acme-2"]
    configurable.invoke("hi", config={"configurable": {"model": "acme:acme-3"}})
    assert built_names() == ["acme-2", "acme-3"]
    # derived configurable models share the built models
    configurable.bind(stop=["x"]).invoke("hi", config=config)  # type: ignore[arg-type]
    assert built_names() == ["acme-2", "acme-3"]


def test_model_cache_is_bounded(registry):
    configurable = init_chat_model()
    for index in range(40):
        configurable.invoke("hi", config={"configurable": {"model": f"acme:acme-{index}"}})
    configurable.invoke("hi", config={"configurable": {"model": "acme:acme-0"}})
    assert len(Acme.built) == 41  # the oldest was evicted and rebuilt
    assert len(configurable._models) == 32


def test_declarative_bind_tools_is_replayed(registry):
    class GetPopulation(BaseModel):
        """Get the current population in a given location."""

        location: str

    model = init_chat_model(temperature=0).bind_tools([GetPopulation])
    for name in ("acme:acme-1", "fake:fake-model"):
        result = model.invoke(
            "What is the population of Lyon?", config={"configurable": {"model": name}}
        )
        assert [c["name"] for c in result.tool_calls] == ["GetPopulation"]
        assert result.tool_calls[0]["args"] == {"location": "Lyon"}


def test_declarative_structured_output_and_bind(registry):
    class Movie(BaseModel):
        title: str
        year: int

    model = init_chat_model().with_structured_output(Movie, method="json_schema")
    movie = model.invoke("the film Alien of 1979", config={"configurable": {"model": "acme-1"}})
    assert movie == Movie(title="Alien", year=1979)
    bound = init_chat_model().bind(stop=["world"])
    text = bound.invoke("hello world", config={"configurable": {"model": "acme-1"}}).content
    assert text == "You said: hello "


def test_with_config_sets_defaults_and_records_the_rest(registry):
    seen = []

    class Tags(BaseCallbackHandler):
        def on_chat_model_start(self, serialized, messages, **kwargs):
            seen.append(kwargs["tags"])

    model = init_chat_model().with_config(
        configurable={"model": "acme:acme-2", "other": 1}, tags=["from-with-config"]
    )
    result = model.invoke("hi", config={"callbacks": [Tags()]})
    assert result.response_metadata["model_name"] == "acme-2"
    assert "from-with-config" in seen[0]


def test_with_retry_and_with_fallbacks_are_replayed(registry):
    Flaky.failures[0] = 1
    retried = init_chat_model().with_retry(stop_after_attempt=2, wait_exponential_jitter=False)
    assert retried.invoke("hi", config={"configurable": {"model": "flaky:f"}}).content == (
        "You said: hi"
    )
    assert Flaky.failures[0] == 0
    Flaky.failures[0] = 5
    backup = ScriptedFakeChatModel(model="backup")
    falling = init_chat_model().with_fallbacks([backup])
    result = falling.invoke("hi", config={"configurable": {"model": "flaky:f"}})
    assert result.response_metadata["model_name"] == "backup"
    Flaky.failures[0] = 0


def test_batch_uses_one_model_when_configs_agree(registry):
    configurable = init_chat_model()
    same = {"configurable": {"model": "acme:acme-5"}}
    results = configurable.batch(["a", "b", "c"], config=[same, same, same])  # type: ignore[list-item]
    assert [r.content for r in results] == ["You said: a", "You said: b", "You said: c"]
    assert built_names() == ["acme-5"]
    results = configurable.batch(
        ["a", "b"],
        config=[
            {"configurable": {"model": "acme:acme-6"}},
            {"configurable": {"model": "acme:acme-7"}},
        ],
    )
    assert [r.response_metadata["model_name"] for r in results] == ["acme-6", "acme-7"]
    assert built_names() == ["acme-5", "acme-6", "acme-7"]


def test_batch_as_completed(registry):
    configurable = init_chat_model()
    config = {"configurable": {"model": "acme:acme-1"}}
    done = dict(configurable.batch_as_completed(["a", "b"], config=config))  # type: ignore[arg-type]
    assert done[1].content == "You said: b"


async def test_async_methods(registry):
    configurable = init_chat_model()
    config = {"configurable": {"model": "acme:acme-1"}}
    assert (await configurable.ainvoke("hi", config=config)).content == "You said: hi"  # type: ignore[arg-type]
    chunks = [c async for c in configurable.astream("hi", config=config)]  # type: ignore[arg-type]
    assert all(isinstance(c, AIMessageChunk) for c in chunks)
    assert merge_chunks(chunks).content == "You said: hi"
    results = await configurable.abatch(["a", "b"], config=config)  # type: ignore[arg-type]
    assert [r.content for r in results] == ["You said: a", "You said: b"]
    events = [e["event"] async for e in configurable.astream_events("hi", config=config)]  # type: ignore[arg-type]
    assert events[0] == "on_chat_model_start" and events[-1] == "on_chat_model_end"
    assert "on_chat_model_stream" in events
    assert built_names() == ["acme-1"]


def test_attribute_errors_name_the_attribute(registry):
    with pytest.raises(AttributeError, match="has no attribute 'profile': its model is chosen"):
        init_chat_model().profile  # noqa: B018
    with_default = init_chat_model("acme:acme-1", configurable_fields=("model",))
    assert with_default.profile == {"max_input_tokens": 1000, "tool_calling": True}
    with pytest.raises(AttributeError, match="'no_such_thing', and neither has its default"):
        with_default.no_such_thing  # noqa: B018


def test_repr_masks_keys(registry):
    model = init_chat_model(api_key="sk-secret-value-123", temperature=0)
    assert "sk-secret" not in repr(model)
    assert "temperature" in repr(model)


def test_composes_with_pipes(registry):
    chain = init_chat_model() | (lambda message: message.content.upper())
    assert chain.invoke("hi", config={"configurable": {"model": "acme-1"}}) == "YOU SAID: HI"


def test_configurable_result_types(registry):
    result = init_chat_model().invoke("x", config={"configurable": {"model": "fake:fake-model"}})
    assert isinstance(result, AIMessage)
