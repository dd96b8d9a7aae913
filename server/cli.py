"""The `onteam` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from .settings import Settings


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from .app import create_app

    settings = Settings.from_env(
        host=args.host,
        port=args.port,
        workers=args.workers,
        store=args.store,
        memory=True if args.memory else None,
        update_token=args.update_token,
        read_only=True if args.read_only else None,
        query_timeout=args.query_timeout,
        public_base=args.public_base,
    )
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = argparse.ArgumentParser(prog="onteam", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="Serve the SPARQL endpoint and the resource pages.")
    serve.add_argument("--host", help="interface to listen on (ONTEAM_HOST, default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="TCP port (ONTEAM_PORT, default 8000)")
    serve.add_argument("--workers", type=int, help="queries evaluated at once (ONTEAM_WORKERS, default 2)")
    serve.add_argument("--store", type=Path, help="store directory (ONTEAM_STORE, default var/store)")
    serve.add_argument("--memory", action="store_true", help="keep the store in memory (ONTEAM_MEMORY)")
    serve.add_argument("--update-token", help="bearer token that turns updates on (ONTEAM_UPDATE_TOKEN)")
    serve.add_argument("--read-only", action="store_true", help="refuse all writes (ONTEAM_READ_ONLY)")
    serve.add_argument("--query-timeout", type=float, help="seconds per query (ONTEAM_QUERY_TIMEOUT, default 30)")
    serve.add_argument("--public-base", help="origin standing for https://w3id.org/onteam/ (ONTEAM_PUBLIC_BASE)")
    serve.set_defaults(run=_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `onteam` console script."""
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
