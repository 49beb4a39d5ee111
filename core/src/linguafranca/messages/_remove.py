"""A marker asking a message history to delete one message."""

from typing import Any, Literal

from linguafranca.messages._base import BaseMessage


class RemoveMessage(BaseMessage):
    """Ask a message store (e.g. a graph's state) to delete the message with ``id``.

    Example:
        >>> RemoveMessage(id="msg-1").id
        'msg-1'
    """

    type: Literal["remove"] = "remove"

    def __init__(self, id: str, **kwargs: Any) -> None:
        # An empty content is accepted so that dumped RemoveMessages load back.
        if kwargs.pop("content", "") or kwargs.pop("content_blocks", None):
            raise ValueError("RemoveMessage takes only an id (and optional name), no content.")
        super().__init__("", None, id=id, **kwargs)
