"""``EnvParams``: how a model reads its configuration from environment variables."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["EnvParams"]


@dataclass(frozen=True)
class EnvParams:
    """Environment variables, and the field values a model built without arguments shows.

    Example:
        ```python
        env_params = EnvParams(
            env={"ECHO_API_KEY": "ek-from-env", "ECHO_BASE_URL": "http://127.0.0.1:1"},
            expected={"api_key": "ek-from-env", "base_url": "http://127.0.0.1:1"},
        )
        ```

    Attributes:
        env: The variables set while the model is built.
        expected: Field name -> value (a ``SecretStr`` field is compared by its secret).
        params: Constructor arguments besides ``chat_model_params`` (usually none).
    """

    env: Mapping[str, str]
    expected: Mapping[str, Any]
    params: Mapping[str, Any] = field(default_factory=dict)
