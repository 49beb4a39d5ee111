"""Anthropic Claude chat models for linguafranca, spoken over HTTP with httpx.

Example:
    ```python
    from linguafranca_anthropic import ChatAnthropic

    model = ChatAnthropic(model="claude-sonnet-4-5")
    ```
"""

from linguafranca_anthropic.chat_models import ChatAnthropic

__all__ = ["ChatAnthropic"]
