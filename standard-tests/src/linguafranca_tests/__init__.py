"""linguafranca-tests: the conformance suite and wire emulators for chat-model providers."""

__all__: list[str] = []
