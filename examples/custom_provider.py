"""A provider in 20 lines, registered from application code (no package, no entry point).

A provider package does the same through an entry point: see docs/writing-a-provider.md
and the template in docs/examples/linguafranca-echo/.
Requires: linguafranca.chat_models
"""

from linguafranca import init_chat_model
from linguafranca.chat_models import BaseChatModel
from linguafranca.messages import AIMessage, AIMessageChunk
from linguafranca.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from linguafranca.registry import ProviderSpec, register_provider


class ChatShout(BaseChatModel):
    """Answers with the last message in capitals."""

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        text = messages[-1].text.upper()
        words = len(text.split())  # this provider's tokens are words
        usage = {"input_tokens": words, "output_tokens": words, "total_tokens": 2 * words}
        metadata = {"model_name": self.model}
        message = AIMessage(text, usage_metadata=usage, response_metadata=metadata)
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(self, messages, stop=None, run_manager=None, **kwargs):
        for index, word in enumerate(messages[-1].text.upper().split()):
            yield ChatGenerationChunk(message=AIMessageChunk(content=f" {word}" if index else word))


register_provider(ProviderSpec(name="shout", chat_model="__main__:ChatShout"))

model = init_chat_model("shout:loud-1")
print(f"{type(model).__name__} model={model.model}")
print(model.invoke("hello from a custom provider").text)
print("|".join(chunk.text for chunk in model.stream("one two three") if chunk.text))
print(model.batch(["a b", "c"])[1].usage_metadata)
