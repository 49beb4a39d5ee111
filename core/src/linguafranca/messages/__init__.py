"""Messages: the common language of every chat model.

Example:
    >>> from linguafranca.messages import AIMessageChunk, merge_chunks
    >>> merge_chunks([AIMessageChunk("The sky"), AIMessageChunk(" is blue")]).text
    'The sky is blue'
"""

from collections.abc import Sequence

from linguafranca.messages._aggregate import merge_chunks, message_chunk_to_message
from linguafranca.messages._ai import AIMessage
from linguafranca.messages._ai_chunk import AIMessageChunk
from linguafranca.messages._any import AnyMessage
from linguafranca.messages._base import (
    BaseMessage,
    BaseMessageChunk,
    MessageContent,
    get_msg_title_repr,
)
from linguafranca.messages._buffer import get_buffer_string
from linguafranca.messages._chat import (
    ChatMessage,
    ChatMessageChunk,
    FunctionMessage,
    FunctionMessageChunk,
)
from linguafranca.messages._convert import (
    MessageLikeRepresentation,
    convert_to_messages,
    convert_to_openai_messages,
)
from linguafranca.messages._dicts import message_to_dict, messages_from_dict, messages_to_dict
from linguafranca.messages._human import (
    HumanMessage,
    HumanMessageChunk,
    SystemMessage,
    SystemMessageChunk,
)
from linguafranca.messages._ids import LC_AUTO_PREFIX, LC_ID_PREFIX, ensure_id
from linguafranca.messages._merge import merge_content, merge_dicts, merge_lists, merge_obj
from linguafranca.messages._prompt_values import ChatPromptValue, PromptValue, StringPromptValue
from linguafranca.messages._remove import RemoveMessage
from linguafranca.messages._tool import (
    InvalidToolCall,
    ToolCall,
    ToolCallChunk,
    default_tool_chunk_parser,
    default_tool_parser,
    invalid_tool_call,
    tool_call,
    tool_call_chunk,
)
from linguafranca.messages._tool_message import ToolMessage, ToolMessageChunk, ToolOutputMixin
from linguafranca.messages._usage import (
    InputTokenDetails,
    OutputTokenDetails,
    UsageMetadata,
    add_usage,
    subtract_usage,
)
from linguafranca.messages.content import is_data_content_block, register_block_translator

LanguageModelInput = str | PromptValue | Sequence[MessageLikeRepresentation]
"""What a chat model accepts as input."""

__all__ = [
    "AIMessage",
    "AIMessageChunk",
    "AnyMessage",
    "BaseMessage",
    "BaseMessageChunk",
    "ChatMessage",
    "ChatMessageChunk",
    "ChatPromptValue",
    "FunctionMessage",
    "FunctionMessageChunk",
    "HumanMessage",
    "HumanMessageChunk",
    "InputTokenDetails",
    "InvalidToolCall",
    "LC_AUTO_PREFIX",
    "LC_ID_PREFIX",
    "LanguageModelInput",
    "MessageContent",
    "MessageLikeRepresentation",
    "OutputTokenDetails",
    "PromptValue",
    "RemoveMessage",
    "StringPromptValue",
    "SystemMessage",
    "SystemMessageChunk",
    "ToolCall",
    "ToolCallChunk",
    "ToolMessage",
    "ToolMessageChunk",
    "ToolOutputMixin",
    "UsageMetadata",
    "add_usage",
    "convert_to_messages",
    "convert_to_openai_messages",
    "default_tool_chunk_parser",
    "default_tool_parser",
    "ensure_id",
    "get_buffer_string",
    "get_msg_title_repr",
    "invalid_tool_call",
    "is_data_content_block",
    "merge_chunks",
    "merge_content",
    "merge_dicts",
    "merge_lists",
    "merge_obj",
    "message_chunk_to_message",
    "message_to_dict",
    "messages_from_dict",
    "messages_to_dict",
    "register_block_translator",
    "subtract_usage",
    "tool_call",
    "tool_call_chunk",
]
