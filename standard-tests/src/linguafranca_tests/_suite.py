"""What both suites share: the author's declarations, ``require``, and the override policy."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar, TypeVar

import pytest

from linguafranca.chat_models import BaseChatModel
from linguafranca_tests.capabilities import Capabilities

__all__ = ["ChatModelTests", "capability", "emulator_only", "skip_reason", "structured"]

_PACKAGE = "linguafranca_tests."
_F = TypeVar("_F", bound=Callable[..., Any])


def skip_reason(owner: str, name: str) -> str:
    """The one message of a test skipped for a capability ``owner`` does not declare."""
    return f"linguafranca: {owner} does not declare capability '{name}'"


def capability(*names: str) -> pytest.MarkDecorator:
    """Mark a standard test as needing capabilities (checked before it runs)."""
    return pytest.mark.linguafranca_capability(*names)


emulator_only: pytest.MarkDecorator = pytest.mark.linguafranca_emulator
"""Mark a standard test as needing the wire emulator (request log or injected faults)."""


def structured(model: BaseChatModel, schema: Any, method: str, **kwargs: Any) -> Any:
    """``model.with_structured_output(schema, method=method, ...)``, ``method`` given as a str.

    The model itself validates the method; the tests pass every name, declared or not.
    """
    build: Any = model.with_structured_output
    return build(schema, method=method, **kwargs)


def _xfail_reason(value: object) -> str | None:
    for mark in getattr(value, "pytestmark", ()):
        if getattr(mark, "name", None) == "xfail":
            reason = mark.kwargs.get("reason")
            if isinstance(reason, str) and reason.strip():
                return reason
    return None


def _standard_tests(cls: type) -> set[str]:
    names: set[str] = set()
    for base in cls.__mro__[1:]:
        if base.__module__.startswith(_PACKAGE):
            names.update(n for n in vars(base) if n.startswith("test_"))
    return names


class ChatModelTests:
    """Base of :class:`ChatModelUnitTests` and :class:`ChatModelIntegrationTests`.

    Subclass one of those (with a ``Test`` prefix so pytest collects it) and set:

    Attributes:
        chat_model_class: The chat model class under test (required).
        chat_model_params: Constructor arguments, e.g. ``{"model": "my-model-1"}``.
        capabilities: What the model can do (:class:`Capabilities`); tests of features
            not declared are skipped.
        capability_params: Extra constructor arguments used by the tests of one capability,
            e.g. ``{"reasoning_output": {"reasoning_effort": "low"}}``.
        structured_output_kwargs: Extra arguments for every ``with_structured_output`` call.

    A standard test may be overridden only to mark it as a known failure: decorate the
    override with ``@pytest.mark.xfail(reason="...")``. Anything else fails at import.
    """

    chat_model_class: ClassVar[type[BaseChatModel]]
    chat_model_params: ClassVar[Mapping[str, Any]] = {}
    capabilities: ClassVar[Capabilities] = Capabilities()
    capability_params: ClassVar[Mapping[str, Mapping[str, Any]]] = {}
    structured_output_kwargs: ClassVar[Mapping[str, Any]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__module__.startswith(_PACKAGE):
            return
        declared = vars(cls).get("capabilities")
        if declared is not None and not isinstance(declared, (Capabilities, property)):
            raise TypeError(
                f"linguafranca: {cls.__name__}.capabilities must be a "
                f"linguafranca_tests.Capabilities(...), got {type(declared).__name__}."
            )
        standard = _standard_tests(cls)
        for name, value in vars(cls).items():
            if name in standard and _xfail_reason(value) is None:
                raise TypeError(
                    f"linguafranca: {cls.__name__} overrides the standard test {name!r} "
                    "without @pytest.mark.xfail(reason=...). A standard test may only be "
                    "overridden to mark a known failure: decorate the override with "
                    '@pytest.mark.xfail(reason="why it fails"). To turn a feature\'s tests '
                    "off, leave it out of the class's Capabilities instead."
                )

    # --- helpers for tests ------------------------------------------------------------

    @property
    def owner(self) -> str:
        """The test class's name (in skip messages and errors)."""
        return type(self).__name__

    @property
    def model_class(self) -> type[BaseChatModel]:
        """``chat_model_class``, with a clear error when it was not set."""
        cls = getattr(self, "chat_model_class", None)
        if not isinstance(cls, type):
            raise TypeError(
                f"linguafranca: {self.owner} must set chat_model_class = <your chat model "
                "class> (a BaseChatModel subclass)."
            )
        return cls

    def require(self, *names: str) -> None:
        """Skip the running test unless every capability in ``names`` is declared.

        Names are ``Capabilities`` fields, ``"structured_output"``, or set members written
        ``"<field>.<member>"`` (``"usage_output_details.reasoning"``).
        """
        for name in names:
            if not self.capabilities.has(name):
                pytest.skip(skip_reason(self.owner, name))

    def params_for(self, name: str) -> dict[str, Any]:
        """The ``capability_params`` of capability ``name`` (empty when none)."""
        return dict(self.capability_params.get(name, {}))

    @pytest.fixture(autouse=True)
    def _linguafranca_capabilities(self, request: pytest.FixtureRequest) -> None:
        for mark in request.node.iter_markers("linguafranca_capability"):
            self.require(*mark.args)
