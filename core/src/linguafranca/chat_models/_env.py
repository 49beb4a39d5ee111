"""Reading keys and endpoints from the environment; rejecting misspelled arguments."""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Iterable, Sequence
from typing import Any, overload

from pydantic import SecretStr

from linguafranca.errors import ConfigurationError

__all__ = ["from_env", "reject_unknown_arguments", "secret_from_env"]


class _Missing:
    def __repr__(self) -> str:
        return "<required>"


_REQUIRED: Any = _Missing()


def _names(names: str | Sequence[str]) -> tuple[str, ...]:
    found = (names,) if isinstance(names, str) else tuple(names)
    if not found:
        raise ValueError("Name at least one environment variable.")
    return found


def _lookup(names: tuple[str, ...]) -> str | None:
    for name in names:
        value = os.environ.get(name)
        if value:
            return value
    return None


def _missing(names: tuple[str, ...], argument: str | None, what: str) -> ConfigurationError:
    env = " or ".join(names)
    also = f", or pass {argument}=..." if argument else ""
    return ConfigurationError(f"No {what} found: set the environment variable {env}{also}.")


@overload
def secret_from_env(
    names: str | Sequence[str], *, argument: str | None = "api_key"
) -> Callable[[], SecretStr]: ...


@overload
def secret_from_env(
    names: str | Sequence[str], *, default: None, argument: str | None = "api_key"
) -> Callable[[], SecretStr | None]: ...


def secret_from_env(
    names: str | Sequence[str], *, default: Any = _REQUIRED, argument: str | None = "api_key"
) -> Callable[[], SecretStr | None]:
    """A pydantic ``default_factory`` that reads a secret from the first set env var.

    Read when the model is built. Without ``default`` a missing key raises there, so a
    misconfigured model fails at construction (as in the reference), not at its first
    call; the error names the variables and the argument to pass instead.

    Example:
        ```python
        api_key: SecretStr | None = Field(
            default_factory=secret_from_env("ECHO_API_KEY"), alias="echo_api_key"
        )
        ```

    Args:
        names: Environment variables to try, in order.
        default: Value when none is set (None: optional key). Omit to make it required.
        argument: The constructor argument named in the error message.

    Raises:
        ConfigurationError: From the factory, when required and no variable is set.
    """
    found = _names(names)

    def factory() -> SecretStr | None:
        value = _lookup(found)
        if value is not None:
            return SecretStr(value)
        if default is _REQUIRED:
            raise _missing(found, argument, "API key")
        return None if default is None else SecretStr(str(default))

    return factory


@overload
def from_env(names: str | Sequence[str], *, argument: str | None = None) -> Callable[[], str]: ...


@overload
def from_env(
    names: str | Sequence[str], *, default: str, argument: str | None = None
) -> Callable[[], str]: ...


@overload
def from_env(
    names: str | Sequence[str], *, default: None, argument: str | None = None
) -> Callable[[], str | None]: ...


def from_env(
    names: str | Sequence[str], *, default: Any = _REQUIRED, argument: str | None = None
) -> Callable[[], str | None]:
    """A pydantic ``default_factory`` reading a plain setting (e.g. a base URL) from env vars.

    Args:
        names: Environment variables to try, in order.
        default: Value when none is set. Omit to make the setting required.
        argument: The constructor argument named in the error message.

    Raises:
        ConfigurationError: From the factory, when required and no variable is set.
    """
    found = _names(names)

    def factory() -> str | None:
        value = _lookup(found)
        if value is not None:
            return value
        if default is _REQUIRED:
            raise _missing(found, argument, "value")
        return default  # type: ignore[no-any-return]

    return factory


def reject_unknown_arguments(owner: str, given: Iterable[str], valid: Iterable[str]) -> None:
    """Raise when an argument is not a known field, naming the closest valid one.

    Args:
        owner: The class name, for the message.
        given: The argument names passed.
        valid: Field names and aliases.

    Raises:
        ConfigurationError: For the first unknown argument (all of them are listed).
    """
    known = set(valid)
    unknown = [name for name in given if name not in known]
    if not unknown:
        return
    parts = []
    for name in unknown:
        close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
        parts.append(f"{name!r} (did you mean {close[0]!r}?)" if close else repr(name))
    options = ", ".join(sorted(n for n in known if not n.startswith("_")))
    raise ConfigurationError(
        f"{owner} got unknown argument{'s' if len(unknown) > 1 else ''} {', '.join(parts)}. "
        f"Valid arguments: {options}. Per-call provider options go to invoke(..., key=value) "
        "or .bind(key=value)."
    )
