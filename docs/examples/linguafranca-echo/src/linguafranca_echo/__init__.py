"""linguafranca-echo: a chat model that repeats what it is told (a template provider)."""

from linguafranca_echo.chat_models import ChatEcho

__all__ = ["ChatEcho"]
