"""``python -m linguafranca_tests.emulators PROVIDER [--host H] [--port N]``: serve an emulator."""

from __future__ import annotations

import argparse
from typing import Any

from linguafranca_tests.emulators._registry import EMULATORS, serve


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and serve until interrupted."""
    parser = argparse.ArgumentParser(
        prog="python -m linguafranca_tests.emulators",
        description="Serve a provider's wire protocol with a deterministic scripted model.",
    )
    parser.add_argument("provider", choices=sorted(EMULATORS), help="the API to emulate")
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default: loopback)")
    parser.add_argument("--port", type=int, default=0, help="port (default: a free one, printed)")
    parser.add_argument("--max-requests", type=int, default=None, help="stop after N requests")
    parser.add_argument(
        "--no-auth", action="store_true", help="accept requests that carry no API key"
    )
    args = parser.parse_args(argv)
    # Each emulator has its own default (Ollama needs no key); only override when asked.
    options: dict[str, Any] = {"require_api_key": False} if args.no_auth else {}
    serve(args.provider, args.host, args.port, max_requests=args.max_requests, **options)


if __name__ == "__main__":
    main()
