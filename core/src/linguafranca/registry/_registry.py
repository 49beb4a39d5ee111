"""The provider registry: discovery through entry points, lookup, inference, lazy loading."""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import re
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import replace
from types import ModuleType
from typing import Any

import pluggy

from linguafranca.errors import ConfigurationError, ProviderNotFoundError
from linguafranca.registry import _builtin, _hookspecs
from linguafranca.registry._spec import ProviderSpec, normalize_provider_name

__all__ = [
    "DISABLE_AUTOLOAD_ENV",
    "ENTRY_POINT_GROUP",
    "Registry",
    "get_registry",
    "register_provider",
]

ENTRY_POINT_GROUP = "linguafranca"
DISABLE_AUTOLOAD_ENV = "LINGUAFRANCA_DISABLE_PLUGIN_AUTOLOAD"
_CORE_DISTRIBUTION = "linguafranca"
_EXTRA_MARKER = re.compile(r"""extra\s*==\s*['"]([^'"]+)['"]""")


def _installable_extras() -> dict[str, str]:
    """Read the core package's own extras table: extra name -> distribution it installs.

    Core never names a partner in code; the only list of first-party providers is the
    ``[project.optional-dependencies]`` table, which reaches us through the installed metadata.
    """
    try:
        requires = importlib.metadata.requires(_CORE_DISTRIBUTION) or []
    except importlib.metadata.PackageNotFoundError:  # running from a source tree
        return {}
    extras: dict[str, str] = {}
    for requirement in requires:
        marker = _EXTRA_MARKER.search(requirement)
        if marker is None or marker.group(1) == "all":
            continue
        package = re.split(r"[\s;<>=!~\[]", requirement, maxsplit=1)[0]
        extras.setdefault(normalize_provider_name(marker.group(1)), package)
    return extras


class Registry:
    """Providers known to this process, discovered from entry points on first use.

    Most code uses the module-level :func:`get_registry`; tests build their own instance.

    Example:
        ```python
        registry = get_registry()
        spec = registry.resolve("openai")
        ChatOpenAI = registry.load_class(spec)
        ```
    """

    def __init__(self, *, autoload: bool | None = None) -> None:
        """Create an empty registry.

        Args:
            autoload: Load entry points on first use. Default: on, unless the
                ``LINGUAFRANCA_DISABLE_PLUGIN_AUTOLOAD`` environment variable is set to a
                true value.
        """
        if autoload is None:
            autoload = os.environ.get(DISABLE_AUTOLOAD_ENV, "").lower() not in {
                "1",
                "true",
                "yes",
            }
        self._autoload = autoload
        self._lock = threading.RLock()
        self._loaded = False
        self._specs: dict[str, ProviderSpec] = {}
        self._names: dict[str, str] = {}  # name or alias -> canonical name
        self._origins: dict[str, str] = {}  # canonical name -> who registered it
        self._classes: dict[str, type[Any]] = {}
        self.plugin_manager = pluggy.PluginManager(_hookspecs.PROJECT_NAME)
        self.plugin_manager.add_hookspecs(_hookspecs)

    # -- registration -------------------------------------------------------------------

    def register(self, spec: ProviderSpec, *, origin: str = "application code") -> None:
        """Add a provider. Registering the same spec twice from one origin is a no-op.

        Args:
            spec: The provider to add.
            origin: Who registers it (a distribution name); named in conflict errors.

        Raises:
            ConfigurationError: The name or an alias is already taken by someone else.
        """
        with self._lock:
            for key in (spec.name, *spec.aliases):
                owner = self._names.get(key)
                if owner is None:
                    continue
                if owner == spec.name and self._origins.get(owner) == origin:
                    continue
                raise ConfigurationError(
                    f"Provider name {key!r} is claimed twice: by {self._origins[owner]!r} "
                    f"(provider {owner!r}) and by {origin!r} (provider {spec.name!r}). "
                    "Uninstall one of the two distributions, or register under another name."
                )
            self._specs[spec.name] = spec
            self._origins[spec.name] = origin
            for key in (spec.name, *spec.aliases):
                self._names[key] = spec.name

    def add_plugin(self, plugin: object, *, name: str, distribution: str | None = None) -> None:
        """Register a pluggy plugin object (a module) and collect its providers.

        Args:
            plugin: An object with ``@hookimpl`` functions, usually a ``plugin.py`` module.
            name: Plugin name (the entry point name).
            distribution: The distribution it came from, recorded in each spec.

        Raises:
            pluggy.PluginValidationError: A hook implementation is misspelled or has a wrong
                signature (pluggy's ``check_pending``).
        """
        self.plugin_manager.register(plugin, name=name)
        self.plugin_manager.check_pending()
        origin = distribution or name
        for impl in self.plugin_manager.hook.linguafranca_register.get_hookimpls():
            if impl.plugin is not plugin:
                continue

            def register(spec: ProviderSpec, _origin: str = origin) -> None:
                if not isinstance(spec, ProviderSpec):
                    raise TypeError(
                        f"Plugin {_origin!r} registered {type(spec).__name__}; "
                        "expected linguafranca.registry.ProviderSpec."
                    )
                if distribution and spec.package is None:
                    spec = replace(spec, package=distribution)
                self.register(spec, origin=_origin)

            impl.function(register=register)

    # -- discovery ----------------------------------------------------------------------

    def _ensure_loaded(self) -> None:
        if not self._loaded:
            self._load_once()

    def _load_once(self) -> None:
        with self._lock:
            if self._loaded:  # another thread finished loading while we waited
                return
            self.add_plugin(_builtin, name="linguafranca.builtin", distribution="linguafranca")
            if self._autoload:
                for entry_point in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
                    self._load_entry_point(entry_point)
            self._loaded = True

    def _load_entry_point(self, entry_point: importlib.metadata.EntryPoint) -> None:
        distribution = entry_point.dist.name if entry_point.dist is not None else None
        try:
            plugin = entry_point.load()
        except Exception as exc:
            raise ConfigurationError(
                f"Could not load the linguafranca plugin {entry_point.name!r} "
                f"({entry_point.value}) from {distribution or 'an unknown distribution'}: "
                f"{exc}. Reinstall that package, or set {DISABLE_AUTOLOAD_ENV}=1."
            ) from exc
        self.add_plugin(plugin, name=entry_point.name, distribution=distribution)

    # -- lookup -------------------------------------------------------------------------

    def providers(self) -> list[ProviderSpec]:
        """Return every registered provider, sorted by name."""
        self._ensure_loaded()
        return [self._specs[name] for name in sorted(self._specs)]

    def origin(self, name: str) -> str:
        """Return who registered the provider ``name`` (a distribution name)."""
        return self._origins[self.resolve(name).name]

    def get(self, name: str) -> ProviderSpec | None:
        """Return the provider registered under ``name`` or an alias of it, or None."""
        self._ensure_loaded()
        canonical = self._names.get(normalize_provider_name(name))
        return None if canonical is None else self._specs[canonical]

    def resolve(self, name: str) -> ProviderSpec:
        """Return the provider ``name``, or raise an error that says what to do.

        Raises:
            ProviderNotFoundError: The provider is unknown; the message names the extra to
                install for a first-party provider, or lists the registered ones.
        """
        spec = self.get(name)
        if spec is not None:
            return spec
        normalized = normalize_provider_name(name)
        extras = _installable_extras()
        extra = normalized if normalized in extras else normalized.split("_", 1)[0]
        if extra in extras:
            raise ProviderNotFoundError(
                f"Provider {name!r} is not installed. Install it with: "
                f'pip install "linguafranca[{extra}]"  (package {extras[extra]}).'
            )
        raise ProviderNotFoundError(
            f"Unknown provider {name!r}. Registered providers: {self._known()}. "
            "A third-party provider is found once its package is installed (it declares an "
            f"entry point in the {ENTRY_POINT_GROUP!r} group)."
        )

    def infer(self, model: str) -> ProviderSpec | None:
        """Infer the provider from a model name by the longest registered prefix."""
        self._ensure_loaded()
        lowered = model.lower()
        best: tuple[int, ProviderSpec] | None = None
        for spec in self._specs.values():
            for prefix in spec.model_prefixes:
                if lowered.startswith(prefix.lower()) and (best is None or len(prefix) > best[0]):
                    best = (len(prefix), spec)
        return None if best is None else best[1]

    def split_model(self, model: str) -> tuple[str, ProviderSpec | None]:
        """Split ``"provider:model"`` when ``provider`` is registered; else infer.

        A colon that does not follow a registered provider name stays part of the model
        name (``"llama3:8b"`` is an Ollama tag, not a provider).

        Returns:
            The model name and the provider (None when it cannot be inferred).
        """
        if ":" in model:
            head, tail = model.split(":", 1)
            spec = self.get(head)
            if spec is not None:
                return tail, spec
        return model, self.infer(model)

    def _known(self) -> str:
        return ", ".join(sorted(self._specs)) or "(none)"

    # -- loading ------------------------------------------------------------------------

    def load_class(self, spec: ProviderSpec) -> type[Any]:
        """Import and return the provider's chat model class (cached)."""
        cached = self._classes.get(spec.name)
        if cached is not None:
            return cached
        loaded = _import_object(spec.chat_model, what=f"chat model of provider {spec.name!r}")
        if not isinstance(loaded, type):
            raise ConfigurationError(f"Provider {spec.name!r}: {spec.chat_model!r} is not a class.")
        self._classes[spec.name] = loaded
        return loaded

    def load_profiles(self, spec: ProviderSpec) -> Mapping[str, Mapping[str, Any]]:
        """Return the model profiles a provider ships (empty when it ships none)."""
        if spec.profiles is None:
            return {}
        loaded = _import_object(spec.profiles, what=f"profiles of provider {spec.name!r}")
        if callable(loaded):
            loaded = loaded()
        if not isinstance(loaded, Mapping):
            raise ConfigurationError(
                f"Provider {spec.name!r}: {spec.profiles!r} must be a mapping of model name "
                f"to profile (or a function returning one), got {type(loaded).__name__}."
            )
        return loaded


def _import_object(path: str, *, what: str) -> Any:
    module_name, _, attribute = path.partition(":")
    try:
        module: ModuleType = sys.modules.get(module_name) or importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigurationError(f"Could not import the {what} ({path}): {exc}.") from exc
    obj: Any = module
    for part in attribute.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError as exc:
            raise ConfigurationError(
                f"The {what} ({path}) names {part!r}, which {module_name} does not define."
            ) from exc
    return obj


_registry: Registry | None = None
_registry_lock = threading.Lock()


def get_registry() -> Registry:
    """Return the process-wide registry (created on first use, never at import)."""
    global _registry
    if _registry is None:
        with _registry_lock:
            if _registry is None:
                _registry = Registry()
    return _registry


def register_provider(spec: ProviderSpec) -> None:
    """Register a provider from application code (no package or entry point needed).

    Example:
        ```python
        register_provider(ProviderSpec(name="mine", chat_model="myapp.models:MyChat"))
        init_chat_model("mine:any-model")
        ```
    """
    get_registry().register(spec, origin="application code")


def _reset_registry_for_tests(registry: Registry | None = None) -> Callable[[], None]:
    """Swap the process-wide registry; return a function that restores the previous one."""
    global _registry
    previous = _registry
    _registry = registry

    def restore() -> None:
        global _registry
        _registry = previous

    return restore
