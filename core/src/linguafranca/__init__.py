"""linguafranca: one common language for every chat model.

``import linguafranca`` loads nothing else (an import-time budget): ``init_chat_model``
is re-exported lazily and loads the chat-model layer on first use.
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from linguafranca.chat_models import init_chat_model

__version__ = "0.1.0"

__all__ = ["__version__", "init_chat_model"]


def __getattr__(name: str) -> Any:
    # The one lazy name: importing the chat-model layer costs as much as the whole
    # reference's messages module, and `import linguafranca` must stay near-instant.
    if name == "init_chat_model":
        from linguafranca.chat_models import init_chat_model

        return init_chat_model
    raise AttributeError(f"module 'linguafranca' has no attribute {name!r}")
