"""Messages as ``{"type": ..., "data": {...}}`` dicts (storage format)."""

from collections.abc import Sequence
from typing import Any

from linguafranca.messages._any import message_from_data
from linguafranca.messages._base import BaseMessage


def message_to_dict(message: BaseMessage) -> dict[str, Any]:
    """Dump a message as ``{"type": message.type, "data": message.model_dump()}``.

    Example:
        >>> from linguafranca.messages import HumanMessage
        >>> message_to_dict(HumanMessage("Hi"))["type"]
        'human'
    """
    return {"type": message.type, "data": message.model_dump()}


def messages_to_dict(messages: Sequence[BaseMessage]) -> list[dict[str, Any]]:
    """Dump each message with ``message_to_dict``."""
    return [message_to_dict(m) for m in messages]


def messages_from_dict(messages: Sequence[dict[str, Any]]) -> list[BaseMessage]:
    """Load messages dumped by ``messages_to_dict``.

    Raises:
        ValueError: for an entry without a known ``type`` or ``data``, naming its position.
    """
    loaded = []
    for position, entry in enumerate(messages):
        if not isinstance(entry, dict) or not isinstance(entry.get("data"), dict):
            raise ValueError(
                f"Message dict {position} must look like {{'type': ..., 'data': {{...}}}}."
            )
        data = {**entry["data"], "type": entry.get("type", entry["data"].get("type"))}
        try:
            loaded.append(message_from_data(data))
        except ValueError as exc:
            raise ValueError(f"Message dict {position}: {exc}") from exc
    return loaded
