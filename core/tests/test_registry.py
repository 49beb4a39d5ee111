import importlib.metadata
import sys
import types

import pluggy
import pytest

from linguafranca.errors import ConfigurationError, ProviderNotFoundError
from linguafranca.registry import ProviderSpec, Registry, hookimpl, normalize_provider_name
from linguafranca.registry import _registry as registry_module


class FakeDist:
    def __init__(self, name):
        self.name = name


class FakeEntryPoint:
    """Stands in for importlib.metadata.EntryPoint: load() returns a module object."""

    def __init__(self, name, module, dist):
        self.name = name
        self.value = module.__name__
        self.group = "linguafranca"
        self.dist = FakeDist(dist)
        self._module = module
        self.loaded = 0

    def load(self):
        self.loaded += 1
        return self._module


def make_plugin(modname, *specs):
    module = types.ModuleType(modname)

    @hookimpl
    def linguafranca_register(register):
        for spec in specs:
            register(spec)

    module.__dict__["linguafranca_register"] = linguafranca_register
    return module


def spec(name, **kw):
    kw.setdefault("chat_model", f"{name}_pkg.chat_models:Chat{name.title()}")
    return ProviderSpec(name=name, **kw)


@pytest.fixture
def entry_points(monkeypatch):
    """Replace entry-point discovery with a list the test controls."""
    eps: list[FakeEntryPoint] = []

    def fake_entry_points(*, group):
        assert group == "linguafranca"
        return list(eps)

    monkeypatch.setattr(importlib.metadata, "entry_points", fake_entry_points)
    monkeypatch.delenv("LINGUAFRANCA_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    return eps


def test_discovers_providers_from_entry_points_once(entry_points):
    ep = FakeEntryPoint(
        "acme", make_plugin("acme_plugin", spec("acme", model_prefixes=("acme-",))), "acme-dist"
    )
    entry_points.append(ep)
    registry = Registry()
    assert ep.loaded == 0  # nothing happens before first use
    found = registry.resolve("acme")
    assert found.package == "acme-dist"
    registry.resolve("ACME")
    registry.providers()
    assert ep.loaded == 1
    assert registry.origin("acme") == "acme-dist"


def test_builtin_fake_provider_registers_through_the_hook(entry_points):
    registry = Registry()
    fake = registry.resolve("fake")
    assert fake.chat_model.endswith(":ScriptedFakeChatModel")
    assert registry.origin("fake") == "linguafranca"


def test_disable_autoload_env(entry_points, monkeypatch):
    ep = FakeEntryPoint("acme", make_plugin("acme_plugin2", spec("acme")), "acme-dist")
    entry_points.append(ep)
    monkeypatch.setenv("LINGUAFRANCA_DISABLE_PLUGIN_AUTOLOAD", "1")
    registry = Registry()
    assert registry.get("acme") is None
    assert ep.loaded == 0
    assert [s.name for s in registry.providers()] == ["fake"]
    registry.register(spec("acme"))
    assert registry.resolve("acme").name == "acme"


def test_conflicting_distributions_are_named(entry_points):
    entry_points.append(FakeEntryPoint("one", make_plugin("p_one", spec("acme")), "acme-one"))
    entry_points.append(FakeEntryPoint("two", make_plugin("p_two", spec("acme")), "acme-two"))
    registry = Registry()
    with pytest.raises(ConfigurationError) as info:
        registry.providers()
    assert "acme-one" in str(info.value) and "acme-two" in str(info.value)


def test_alias_conflict_is_an_error(entry_points):
    registry = Registry(autoload=False)
    registry.register(spec("alpha", aliases=("shared",)), origin="dist-a")
    with pytest.raises(ConfigurationError, match="dist-a"):
        registry.register(spec("beta", aliases=("shared",)), origin="dist-b")


def test_misspelled_hook_implementation_fails(entry_points):
    module = types.ModuleType("typo_plugin")

    @hookimpl
    def linguafranca_regster(register):  # misspelled on purpose
        raise AssertionError("never called")

    module.__dict__["linguafranca_regster"] = linguafranca_regster
    entry_points.append(FakeEntryPoint("typo", module, "typo-dist"))
    with pytest.raises(pluggy.PluginValidationError, match="linguafranca_regster"):
        Registry().providers()


def test_plugin_must_register_a_spec(entry_points):
    module = types.ModuleType("bad_plugin")

    @hookimpl
    def linguafranca_register(register):
        register({"name": "bad"})

    module.__dict__["linguafranca_register"] = linguafranca_register
    entry_points.append(FakeEntryPoint("bad", module, "bad-dist"))
    with pytest.raises(TypeError, match="expected linguafranca.registry.ProviderSpec"):
        Registry().providers()


def test_broken_plugin_import_names_the_distribution(entry_points):
    class Broken(FakeEntryPoint):
        def load(self):
            raise ImportError("No module named 'nowhere'")

    entry_points.append(Broken("broken", types.ModuleType("x"), "broken-dist"))
    with pytest.raises(ConfigurationError, match="broken-dist"):
        Registry().providers()


def test_names_are_normalised():
    assert normalize_provider_name("Azure-OpenAI") == "azure_openai"
    registry = Registry(autoload=False)
    registry.register(spec("azure_openai", aliases=("Azure",)))
    assert registry.resolve("AZURE-openai").name == "azure_openai"
    assert registry.resolve("azure").name == "azure_openai"


def test_invalid_spec_values():
    with pytest.raises(ValueError, match="Invalid provider name"):
        ProviderSpec(name="Bad Name", chat_model="m:C")
    with pytest.raises(ValueError, match="module:Class"):
        ProviderSpec(name="ok", chat_model="no_colon")


def test_inference_uses_longest_prefix():
    registry = Registry(autoload=False)
    registry.register(spec("openai", model_prefixes=("gpt-", "o1", "o3", "o4", "chatgpt")))
    registry.register(spec("special", model_prefixes=("gpt-oss",)))
    inferred = {m: getattr(registry.infer(m), "name", None) for m in ("o4-mini", "GPT-4.1")}
    assert inferred == {"o4-mini": "openai", "GPT-4.1": "openai"}
    assert getattr(registry.infer("gpt-oss-20b"), "name", None) == "special"
    assert registry.infer("llama3") is None


def test_split_model_only_on_registered_provider():
    registry = Registry(autoload=False)
    registry.register(spec("ollama", model_prefixes=()))
    registry.register(spec("openai", model_prefixes=("gpt-",)))
    assert registry.split_model("openai:gpt-4.1") == ("gpt-4.1", registry.resolve("openai"))
    # a colon after an unregistered head is part of the model name (an Ollama tag)
    assert registry.split_model("llama3:8b") == ("llama3:8b", None)
    assert registry.split_model("gpt-4.1") == ("gpt-4.1", registry.resolve("openai"))


def test_unknown_provider_lists_registered(monkeypatch):
    monkeypatch.setattr(registry_module, "_installable_extras", lambda: {})
    registry = Registry(autoload=False)
    registry.register(spec("acme"))
    with pytest.raises(ProviderNotFoundError, match=r"Registered providers: acme, fake"):
        registry.resolve("nope")


def test_missing_first_party_provider_names_the_extra(monkeypatch):
    monkeypatch.setattr(
        registry_module, "_installable_extras", lambda: {"openai": "linguafranca-openai"}
    )
    registry = Registry(autoload=False)
    with pytest.raises(ProviderNotFoundError, match=r'pip install "linguafranca\[openai\]"'):
        registry.resolve("openai")
    with pytest.raises(ProviderNotFoundError, match=r'pip install "linguafranca\[openai\]"'):
        registry.resolve("openai_compatible")


def test_extras_are_read_from_core_metadata():
    extras = registry_module._installable_extras()
    # the core's pyproject lists partner extras; 'all' is not a provider
    assert "all" not in extras
    assert extras.get("openai") == "linguafranca-openai"


def test_load_class_is_lazy_and_cached(tmp_path, monkeypatch):
    pkg = tmp_path / "lazy_provider_pkg.py"
    pkg.write_text("class ChatLazy:\n    pass\nPROFILES = {'m1': {'tool_calling': True}}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    registry = Registry(autoload=False)
    registry.register(
        ProviderSpec(
            name="lazy",
            chat_model="lazy_provider_pkg:ChatLazy",
            profiles="lazy_provider_pkg:PROFILES",
        )
    )
    assert "lazy_provider_pkg" not in sys.modules
    cls = registry.load_class(registry.resolve("lazy"))
    assert cls.__name__ == "ChatLazy"
    assert registry.load_class(registry.resolve("lazy")) is cls
    assert registry.load_profiles(registry.resolve("lazy")) == {"m1": {"tool_calling": True}}


def test_load_class_errors_are_clear():
    registry = Registry(autoload=False)
    registry.register(ProviderSpec(name="ghost", chat_model="no_such_module_xyz:Chat"))
    with pytest.raises(ConfigurationError, match="no_such_module_xyz"):
        registry.load_class(registry.resolve("ghost"))
    registry.register(ProviderSpec(name="ghost2", chat_model="linguafranca.registry:Nope"))
    with pytest.raises(ConfigurationError, match="does not define"):
        registry.load_class(registry.resolve("ghost2"))


def test_loading_installed_plugins_imports_no_model_code_and_no_httpx():
    """Discovery imports only the small plugin modules (the installed partners' included)."""
    import subprocess

    code = (
        "import sys\n"
        "from linguafranca.registry import get_registry\n"
        "names = [s.name for s in get_registry().providers()]\n"
        "heavy = sorted(m for m in sys.modules if m == 'httpx' or "
        "(m.startswith('linguafranca_') and not m.startswith('linguafranca_plugins')))\n"
        "print(len(names), heavy)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    count, heavy = result.stdout.split(" ", 1)
    assert int(count) > 1  # the built-in fake plus whatever partners are installed
    assert heavy.strip() == "[]"
