"""The ``linguafranca`` command: list providers and models, chat, serve an emulator.

Start-up is kept cheap: argparse only, and each sub-command imports what it needs.
Errors are one line on stderr with a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TextIO

from linguafranca.chat_models import init_chat_model
from linguafranca.errors import LinguaFrancaError
from linguafranca.messages import (
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    merge_chunks,
    message_chunk_to_message,
)
from linguafranca.registry import ProviderSpec, get_registry

__all__ = ["main"]

MODEL_ENV = "LINGUAFRANCA_MODEL"
EMULATORS_GROUP = "linguafranca.emulators"
_MAX_PREFIXES = 4  # beyond this the providers table gets too wide to read
_PROFILE_FLAGS = (
    ("tool_calling", "tools"),
    ("structured_output", "json"),
    ("image_inputs", "image"),
    ("pdf_inputs", "pdf"),
    ("audio_inputs", "audio"),
    ("reasoning_output", "reasoning"),
)


class CLIError(Exception):
    """An error the user can fix; printed as one line."""


def _version(package: str | None) -> str:
    if not package:
        return "-"
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "-"


def _key_status(spec: ProviderSpec) -> str:
    if not spec.api_key_env:
        return "not needed"
    present = [name for name in spec.api_key_env if os.environ.get(name)]
    return f"{present[0]} set" if present else f"{spec.api_key_env[0]} not set"


def _prefixes(prefixes: Sequence[str]) -> str:
    if not prefixes:
        return "-"
    shown = ", ".join(prefixes[:_MAX_PREFIXES])
    return shown + ", ..." if len(prefixes) > _MAX_PREFIXES else shown


def _table(rows: Sequence[Sequence[str]], out: TextIO) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        out.write(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
        out.write("\n")


def cmd_providers(args: argparse.Namespace, out: TextIO) -> int:
    """Print the installed providers."""
    rows = [["PROVIDER", "PACKAGE", "VERSION", "MODEL PREFIXES", "API KEY"]]
    for spec in get_registry().providers():
        rows.append(
            [
                spec.name + (f" ({', '.join(spec.aliases)})" if spec.aliases else ""),
                spec.package or "-",
                _version(spec.package),
                _prefixes(spec.model_prefixes),
                _key_status(spec),
            ]
        )
    _table(rows, out)
    return 0


def cmd_models(args: argparse.Namespace, out: TextIO) -> int:
    """Print the model profiles a provider ships."""
    registry = get_registry()
    spec = registry.resolve(args.provider)
    profiles = registry.load_profiles(spec)
    if not profiles:
        out.write(f"Provider {spec.name!r} ships no model profiles.\n")
        return 0
    rows = [["MODEL", "MAX INPUT", "MAX OUTPUT", "CAPABILITIES"]]
    for model in sorted(profiles):
        profile = profiles[model]
        flags = [label for key, label in _PROFILE_FLAGS if profile.get(key)]
        rows.append(
            [
                model,
                str(profile.get("max_input_tokens", "-")),
                str(profile.get("max_output_tokens", "-")),
                ", ".join(flags) or "-",
            ]
        )
    _table(rows, out)
    return 0


def _reply(model: Any, history: list[BaseMessage], stream: bool, out: TextIO) -> BaseMessage:
    if not stream:
        message: BaseMessage = model.invoke(history)
        out.write(message.text + "\n")
        return message
    chunks: list[AIMessageChunk] = []
    for chunk in model.stream(history):
        chunks.append(chunk)
        out.write(chunk.text)
        out.flush()
    out.write("\n")
    if not chunks:
        raise CLIError("the model's stream ended without a reply")
    return message_chunk_to_message(merge_chunks(chunks))


def _prompts(args: argparse.Namespace, stdin: TextIO) -> Iterator[str] | None:
    if args.prompt:
        return iter([" ".join(args.prompt)])
    if not stdin.isatty():
        text = stdin.read().strip()
        if not text:
            raise CLIError("no prompt: pass one as an argument or pipe it on stdin")
        return iter([text])
    return None


def _repl(read: Callable[[str], str]) -> Iterator[str]:
    while True:
        try:
            line = read("you> ").strip()
        except EOFError:
            return
        if line in {"/exit", "/quit"}:
            return
        if line:
            yield line


def _enable_line_editing() -> None:
    try:
        # Optional (absent on some platforms): arrow keys and history for input().
        import readline  # noqa: F401
    except ImportError:
        pass


def cmd_chat(args: argparse.Namespace, out: TextIO, stdin: TextIO | None = None) -> int:
    """Send a prompt (argument, stdin, or an interactive session) and print the reply."""
    stdin = sys.stdin if stdin is None else stdin
    model_name = args.model or os.environ.get(MODEL_ENV)
    if not model_name:
        raise CLIError(f"no model: pass -m provider:model or set {MODEL_ENV}")
    model = init_chat_model(model_name)
    history: list[BaseMessage] = [SystemMessage(args.system)] if args.system else []
    prompts = _prompts(args, stdin)
    if prompts is not None:
        for prompt in prompts:
            history.append(HumanMessage(prompt))
            history.append(_reply(model, history, not args.no_stream, out))
        return 0
    _enable_line_editing()
    out.write(f"Chatting with {model_name}. /exit or Ctrl-D to leave.\n")
    for prompt in _repl(input):
        turn = HumanMessage(prompt)
        out.write("ai> ")
        try:
            reply = _reply(model, [*history, turn], not args.no_stream, out)
        except LinguaFrancaError as exc:
            # One failed turn (rate limit, network) should not end the session; it is
            # left out of the history.
            out.write(f"\nerror: {exc}\n")
            continue
        history += [turn, reply]
    out.write("\n")
    return 0


def cmd_emulate(args: argparse.Namespace, out: TextIO) -> int:
    """Serve a wire emulator from linguafranca-tests on 127.0.0.1."""
    # The emulators are an optional package that depends on core, not the reverse: it
    # announces them through an entry point, so core never names it in an import.
    found = importlib.metadata.entry_points(group=EMULATORS_GROUP)
    if not found:
        raise CLIError("the emulators ship with linguafranca-tests: pip install linguafranca-tests")
    module = next(iter(found)).load()
    emulators, serve = module.EMULATORS, module.serve
    if args.provider not in emulators:
        raise CLIError(
            f"no emulator for {args.provider!r}; choose one of: {', '.join(sorted(emulators))}"
        )
    serve(args.provider, port=args.port, announce=out)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser (exposed for tests and docs)."""
    parser = argparse.ArgumentParser(
        prog="linguafranca", description="One common language for every chat model."
    )
    parser.add_argument("--version", action="version", version=_version("linguafranca"))
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    providers = commands.add_parser("providers", help="list installed providers")
    providers.set_defaults(handler=cmd_providers)

    models = commands.add_parser("models", help="list the model profiles a provider ships")
    models.add_argument("provider")
    models.set_defaults(handler=cmd_models)

    chat = commands.add_parser("chat", help="chat with a model (streams the reply)")
    chat.add_argument("-m", "--model", help=f"provider:model (default: ${MODEL_ENV})")
    chat.add_argument("--system", help="system prompt")
    chat.add_argument("--no-stream", action="store_true", help="print the reply at once")
    chat.add_argument("prompt", nargs="*", help="the prompt (default: stdin, or a session)")
    chat.set_defaults(handler=cmd_chat)

    emulate = commands.add_parser("emulate", help="serve a provider's wire emulator locally")
    emulate.add_argument("provider")
    emulate.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    emulate.set_defaults(handler=cmd_emulate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = build_parser().parse_args(argv)
    try:
        code: int = args.handler(args, sys.stdout)
        sys.stdout.flush()
    except (CLIError, LinguaFrancaError) as exc:
        sys.stderr.write(f"linguafranca: error: {exc}\n")
        return 1
    except KeyboardInterrupt:
        sys.stderr.write("\n")
        return 130
    except BrokenPipeError:
        # The reader went away (`linguafranca models openai | head`): stop quietly, and
        # point stdout at devnull so that the interpreter's final flush cannot fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main())
