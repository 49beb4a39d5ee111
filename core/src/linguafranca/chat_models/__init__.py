"""Chat models: the ``BaseChatModel`` every provider builds on, and ``init_chat_model``.

``init_chat_model("provider:model")`` builds any installed provider's model through the
registry; ``BaseChatModel`` gives every model the same ``invoke`` / ``stream`` / ``batch``
/ ``generate`` path (callbacks, cache, rate limiter, auto-streaming), ``bind_tools``
conventions and ``with_structured_output``. Fake models live in
``linguafranca.chat_models.fake``.
"""

from linguafranca.chat_models._base import BaseChatModel
from linguafranca.chat_models._configurable import ConfigurableModel
from linguafranca.chat_models._env import from_env, secret_from_env
from linguafranca.chat_models._init import init_chat_model
from linguafranca.chat_models._profile import ModelProfile
from linguafranca.chat_models._structured import StructuredOutputRunnable

__all__ = [
    "BaseChatModel",
    "ConfigurableModel",
    "ModelProfile",
    "StructuredOutputRunnable",
    "from_env",
    "init_chat_model",
    "secret_from_env",
]
