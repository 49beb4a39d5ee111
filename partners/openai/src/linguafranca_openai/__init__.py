"""OpenAI and OpenAI-compatible chat models for linguafranca."""

from linguafranca_openai.chat_models import AzureChatOpenAI, ChatOpenAI

__all__ = ["AzureChatOpenAI", "ChatOpenAI"]
