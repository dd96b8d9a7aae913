"""The `onteam` command line: serve, load, query, validate, dump, backup, restore.

Every failure prints one line `onteam: error: ...` on stderr and exits 2 (bad usage or bad
input: a file that does not parse, a query with a syntax error) or 1 (anything else: the
store is in use, the disk is full, the server did not answer).
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import errno
import fcntl
import importlib.util
import json
import os
import shutil
import socket
import sys
import tarfile
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

from pyoxigraph import DefaultGraph, NamedNode

from . import trigscan
from .settings import Settings
from .store import (
    DATABASE_DIR,
    LoadError,
    StoreInUse,
    backup_store,
    forget_sources,
    is_source_graph,
    load_files,
    open_disk_store,
    open_store,
    plan_load,
)

USAGE, FAILURE = 2, 1


class CommandError(Exception):
    """A failure to report in one line; `code` is the exit status."""

    def __init__(self, message: str, code: int = FAILURE) -> None:
        super().__init__(message)
        self.code = code


def _settings(args: argparse.Namespace, **extra: Any) -> Settings:
    """Settings from ONTEAM_* with the command line's explicit options on top."""
    try:
        return Settings.from_env(
            store=getattr(args, "store", None),
            memory=getattr(args, "memory", None),
            **extra,
        )
    except ValueError as exc:
        raise CommandError(str(exc), USAGE) from None


def _require_store(settings: Settings) -> None:
    """Read commands work on an existing store: a mistyped --store must not answer from a new, empty one."""
    if not settings.memory and not (settings.store / DATABASE_DIR).is_dir():
        raise CommandError(
            f"there is no store at {settings.store} (`onteam serve` builds it on first start, "
            "`onteam load` creates it)", USAGE
        )


def _in_use(exc: StoreInUse, instead: str) -> CommandError:
    return CommandError(f"{exc}; {instead}", FAILURE)


# --- serve -------------------------------------------------------------------------------


def uvicorn_options() -> dict[str, Any]:
    """uvicorn's fastest HTTP parser and event loop when installed (uvicorn[standard]).

    Accepted connections get TCP_NODELAY from the event loop's transport (asyncio and uvloop
    both set it), so small answers are not held back by Nagle's algorithm.
    """
    options: dict[str, Any] = {}
    if importlib.util.find_spec("httptools"):
        from .upgrade import Protocol  # httptools, reading h2c upgrade offers as HTTP/1.1

        options["http"] = Protocol
    if importlib.util.find_spec("uvloop"):
        options["loop"] = "uvloop"
    return options


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from .app import create_app

    settings = _settings(
        args,
        host=args.host,
        port=args.port,
        workers=args.workers,
        update_token=args.update_token,
        read_only=args.read_only,
        query_timeout=args.query_timeout,
        queue_timeout=args.queue_timeout,
        public_base=args.public_base,
    )
    _check_listen(settings.host, settings.port)
    # Open (and sync) the store before uvicorn starts, so a bad source file or a store in use
    # is one clear line and a non-zero exit rather than a traceback from the lifespan.
    try:
        app = create_app(settings, open_store(settings))  # the app holds the only reference
    except LoadError as exc:
        raise CommandError(f"a source file does not parse, the store was left as it was: {exc}", USAGE) from None
    except StoreInUse as exc:
        raise _in_use(exc, "stop the other server or give another --store") from None
    # uvicorn turns SIGTERM/SIGINT into a graceful shutdown: the app's lifespan flushes the
    # store and drops it (RocksDB closes); uvicorn then re-raises the signal, so the exit
    # status is that of SIGTERM, as service managers expect.
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level="info",
        timeout_graceful_shutdown=10,
        access_log=False,  # the JSON access log (observability) replaces uvicorn's own
        **uvicorn_options(),
    )
    return 0


def _check_listen(host: str, port: int) -> None:
    """Fail in one line, before the store is opened, where uvicorn could not listen.

    uvicorn would log the error between its own start-up lines and exit 3; a port in use or a
    host that is no address of this machine is told here instead, the way every failure is.
    """
    try:
        addresses = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise CommandError(f"--host or ONTEAM_HOST {host!r} does not resolve: {exc.strerror}", USAGE) from None
    for family, kind, proto, _, address in addresses:
        with socket.socket(family, kind, proto) as sock:
            # The options asyncio's create_server sets, so this bind fails exactly when its would.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            try:
                sock.bind(address)
            except OSError as exc:
                if exc.errno == errno.EADDRNOTAVAIL:
                    raise CommandError(
                        f"--host or ONTEAM_HOST {host!r} is not an address of this machine", USAGE
                    ) from None
                raise CommandError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


# --- load --------------------------------------------------------------------------------


def _load(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if settings.memory:
        raise CommandError("`onteam load` writes an on-disk store; unset ONTEAM_MEMORY for it", USAGE)
    if args.graph and is_source_graph(args.graph):
        raise CommandError(
            f"{args.graph} belongs to a source file of the project and would be overwritten on the "
            "next start; choose another --graph", USAGE
        )
    if args.graph and ":" not in args.graph:
        raise CommandError(f"--graph {args.graph!r} is not an absolute IRI", USAGE)
    if args.graph:
        try:
            NamedNode(args.graph)
        except ValueError as exc:
            raise CommandError(f"--graph {args.graph!r} is not an IRI: {exc}", USAGE) from None
    graph = DefaultGraph() if args.default_graph else args.graph
    try:
        # A dump (loaded back with --default-graph) holds the source graphs too; elsewhere they are refused.
        plan = plan_load(args.files, graph, allow_source=args.default_graph)  # parsed in full before any write
    except LoadError as exc:
        raise CommandError(f"{exc} (nothing was loaded)", USAGE) from None
    try:
        store = open_disk_store(settings.store)
    except StoreInUse as exc:
        raise _in_use(
            exc,
            "send the data to the running service instead: PUT/POST to /store?graph=IRI "
            "(Graph Store Protocol) or a SPARQL Update to /sparql",
        ) from None
    counts = load_files(store, plan, append=args.append)
    store.flush()
    sources = [g for g in counts if g and is_source_graph(g)]
    if sources:
        forget_sources(settings.store, sources)
        print(f"onteam: note: {len(sources)} source graph(s) came from the files given; the next "
              "`onteam serve` rebuilds them from ontology/ and data/", file=sys.stderr)
    for graph, count in sorted(counts.items()):
        print(f"{count}\t{graph or '(default graph)'}")
    print(f"loaded {sum(counts.values())} quads from {len(plan.files)} file(s) into {settings.store}", file=sys.stderr)
    return 0


# --- query -------------------------------------------------------------------------------


def _query_text(args: argparse.Namespace) -> str:
    if args.file and args.query:
        raise CommandError("give the query either as an argument or with -f, not both", USAGE)
    source = str(args.file) if args.file else "the query on stdin"
    try:
        # A byte order mark (Windows editors write one) is no part of the query text.
        if args.file:
            return args.file.read_bytes().decode("utf-8").removeprefix("\ufeff")
        if args.query is None or args.query == "-":
            return sys.stdin.buffer.read().decode("utf-8").removeprefix("\ufeff")
    except OSError as exc:
        raise CommandError(f"{args.file}: {exc.strerror or exc}", USAGE) from None
    except UnicodeDecodeError as exc:  # SPARQL is UTF-8 text; say where it is not
        raise CommandError(f"{source} is not UTF-8: byte {exc.start} is {exc.object[exc.start]:#04x}", USAGE) from None
    return args.query


def _query(args: argparse.Namespace) -> int:
    from pyoxigraph import QueryBoolean, QuerySolutions

    from . import negotiation, sparql
    from .errors import OnTeamError, QuerySyntaxError

    text = _query_text(args)
    if args.format:  # an unknown name fails before the store is opened
        try:
            negotiation.format_from_name(args.format, graph=True)
        except OnTeamError:
            try:
                negotiation.format_from_name(args.format, graph=False)
            except OnTeamError as exc:
                raise CommandError(
                    f"--format {args.format!r} is not a known format; use json, xml, csv or tsv for SELECT "
                    "and ASK, turtle, ntriples, nquads, trig, rdfxml or jsonld for CONSTRUCT and DESCRIBE "
                    "(or a media type)", USAGE
                ) from exc
    store = _open_for_reading(_settings(args), "query the running service at /sparql instead, or use --memory")
    try:
        result = sparql.evaluate(store, text)
        # An explicit --format must fit the result (the HTTP side lets Accept decide instead).
        graph = not isinstance(result, (QuerySolutions, QueryBoolean))
        media = negotiation.format_from_name(args.format, graph) if args.format else sparql.choose_format(result, None, None)
        body = sparql.serialize(result, media)
    except QuerySyntaxError as exc:
        if _is_update(text):  # the parser would only say "expected CONSTRUCT"
            raise CommandError(
                "this is a SPARQL Update, and `onteam query` only reads; send it to the running server "
                "(POST /sparql with the --update-token), or use `onteam load` with the server stopped", USAGE
            ) from None
        line, column = exc.extra.get("line"), exc.extra.get("column")
        where = f" (line {line}, column {column})" if line is not None else ""
        raise CommandError(f"{exc.message}{where}", USAGE) from None
    except OnTeamError as exc:  # e.g. --format csv for a CONSTRUCT
        raise CommandError(exc.message, USAGE) from None
    sys.stdout.buffer.write(body)
    sys.stdout.buffer.flush()
    return 0


_UPDATE_VERBS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"})


def _is_update(text: str) -> bool:
    """True when the first keyword after the prologue is an update operation."""
    from .sparqlscan import keywords

    for keyword in keywords(text):
        if keyword.word not in ("PREFIX", "BASE"):
            return keyword.word in _UPDATE_VERBS
    return False


def _open_for_reading(settings: Settings, instead: str) -> Any:
    """The store as it is (a read command does not sync sources); --memory builds it from them."""
    _require_store(settings)
    try:
        return open_store(settings, sync=settings.memory)
    except LoadError as exc:
        raise CommandError(f"a source file does not parse: {exc}", USAGE) from None
    except StoreInUse as exc:
        raise _in_use(exc, instead) from None


# --- validate ----------------------------------------------------------------------------


def _validate(args: argparse.Namespace) -> int:
    # Imported here: the validator (and its pyshacl/owlrl imports) is only paid for when used.
    try:
        from . import validate
    except ImportError as exc:
        raise CommandError(f"the validator is not installed in this build ({exc})") from None

    root = args.root or _settings(args).root
    if not Path(root).is_dir():  # a wrong option (exit 2), not an invalid project (exit 1)
        raise CommandError(f"--root or ONTEAM_ROOT: there is no project folder at {root}", USAGE)
    report = validate.validate(Path(root))
    print(validate.format_report(report))
    return 0 if report.ok else FAILURE


# --- dump --------------------------------------------------------------------------------


def _dump(args: argparse.Namespace) -> int:
    from pyoxigraph import RdfFormat

    fmt = {"nquads": RdfFormat.N_QUADS, "trig": RdfFormat.TRIG}[args.format]
    if args.output is not None and not Path(args.output).absolute().parent.is_dir():
        raise CommandError(f"-o {args.output}: the directory {Path(args.output).absolute().parent} does not exist", USAGE)
    if args.output is not None and Path(args.output).is_dir():
        raise CommandError(f"-o {args.output} is a directory; give a file name", USAGE)
    store = _open_for_reading(
        _settings(args), "fetch it from the running service instead: curl -H 'Accept: application/n-quads' URL/store"
    )
    empty = trigscan.empty_named_graphs(store)
    if empty and fmt == RdfFormat.N_QUADS:
        # N-Quads has no way to write a graph without triples; TriG does (`<g> { }`).
        print(f"onteam: warning: N-Quads cannot hold the {len(empty)} empty named graph(s) "
              f"({', '.join(str(g) for g in empty[:3])}{', ...' if len(empty) > 3 else ''}); "
              "use --format trig to keep them", file=sys.stderr)

    def write(out: Any) -> None:
        store.dump(out, format=fmt)
        if fmt == RdfFormat.TRIG:
            out.write(trigscan.trig_blocks(empty))

    if args.output is None:
        write(sys.stdout.buffer)
        sys.stdout.buffer.flush()
        return 0
    # Written beside the target and renamed: a failed dump never leaves half a file.
    target = Path(args.output)
    with tempfile.NamedTemporaryFile("wb", dir=target.parent or ".", prefix=target.name, delete=False) as out:
        try:
            write(out)
            # The usual mode of a new file (as `> FILE` gives), not a temporary file's private 0600.
            umask = os.umask(0)
            os.umask(umask)
            os.fchmod(out.fileno(), 0o666 & ~umask)
        except BaseException:
            os.unlink(out.name)
            raise
    try:
        os.replace(out.name, target)
    except BaseException:
        os.unlink(out.name)
        raise
    return 0


# --- backup / restore --------------------------------------------------------------------


def _backup(args: argparse.Namespace) -> int:
    target = Path(args.target)
    if target.exists():
        raise CommandError(f"{target} already exists; a backup goes to a new directory", USAGE)
    if args.url:
        return _backup_remote(args.url, args.token or os.environ.get("ONTEAM_UPDATE_TOKEN"), target)
    settings = _settings(args)
    _require_store(settings)
    try:
        store = open_disk_store(settings.store)
    except StoreInUse as exc:
        raise _in_use(
            exc,
            "back up the live store through the running server: onteam backup --url http://HOST:PORT "
            "--token TOKEN TARGET",
        ) from None
    backup_store(store, settings.store, target)
    print(f"backed up {settings.store} to {target}", file=sys.stderr)
    return 0


def _backup_remote(url: str, token: str | None, target: Path) -> int:
    if not token:
        raise CommandError("backing up through the server needs the writer token (--token or ONTEAM_UPDATE_TOKEN)", USAGE)
    request = urllib.request.Request(
        url.rstrip("/") + "/admin/backup", method="POST", headers={"Authorization": f"Bearer {token}"}
    )
    partial = target.with_name(target.name + ".partial")
    try:
        with urllib.request.urlopen(request, timeout=600) as response, tarfile.open(fileobj=response, mode="r|") as tar:
            tar.extractall(partial, filter="data")
    except urllib.error.HTTPError as exc:
        shutil.rmtree(partial, ignore_errors=True)
        detail = exc.read().decode("utf-8", "replace")
        try:
            detail = json.loads(detail).get("error", detail)
        except ValueError:
            pass
        raise CommandError(f"the server refused the backup ({exc.code}): {detail}") from None
    except (urllib.error.URLError, OSError, tarfile.TarError) as exc:
        shutil.rmtree(partial, ignore_errors=True)
        raise CommandError(f"backup through {url} failed: {getattr(exc, 'reason', exc)}") from None
    os.replace(partial, target)
    print(f"backed up the store of {url} to {target}", file=sys.stderr)
    return 0


def _restore(args: argparse.Namespace) -> int:
    from pyoxigraph import Store

    backup = Path(args.backup)
    settings = _settings(args)
    if not (backup / DATABASE_DIR).is_dir():
        raise CommandError(f"{backup} is not a backup (it has no {DATABASE_DIR}/ directory)", USAGE)
    try:
        count = len(Store.read_only(str(backup / DATABASE_DIR)))  # nobody writes a backup: safe
    except OSError as exc:
        raise CommandError(f"{backup} does not open as a store: {exc}", USAGE) from None
    destination = settings.store.resolve()
    staging = destination.with_name(destination.name + ".restoring")
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(backup, staging, symlinks=True)
    try:
        if destination.exists():
            with _store_lock(destination):
                swap_directories(staging, destination)
        else:
            os.replace(staging, destination)
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # after a swap it holds the old store
    print(f"restored {count} quads from {backup} into {destination}", file=sys.stderr)
    return 0


@contextmanager
def _store_lock(store_dir: Path) -> Iterator[None]:
    """Hold the store's RocksDB lock (the POSIX lock on `oxigraph/LOCK`) without opening it.

    Taking RocksDB's own lock keeps a server from starting on the store meanwhile; opening the
    store instead would not do, as closing it after the swap would write into the new one.
    """
    lock_path = store_dir / DATABASE_DIR / "LOCK"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a+b") as handle:
        try:
            fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise CommandError(
                f"the store {store_dir} is in use by another process (is `onteam serve` running on it?); "
                "stop the server before restoring"
            ) from None
        try:
            yield
        finally:
            fcntl.lockf(handle, fcntl.LOCK_UN)


def swap_directories(a: Path, b: Path) -> None:
    """Exchange two directories in one step (Linux renameat2 RENAME_EXCHANGE).

    Elsewhere it falls back to two renames, with a short moment where `b` is missing.
    """
    libc_name = ctypes.util.find_library("c")
    renameat2: Callable[..., int] | None = None
    if libc_name:
        libc = ctypes.CDLL(libc_name, use_errno=True)
        renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is not None:
        at_fdcwd, rename_exchange = -100, 2
        if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
            return
    aside = b.with_name(b.name + ".old")
    os.replace(b, aside)
    os.replace(a, b)
    os.replace(aside, a)


# --- parser ------------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors and exit status 2, as every other failure here."""

    def error(self, message: str) -> NoReturn:
        # The same `onteam: error:` prefix as every other failure, whichever subcommand failed.
        self.exit(USAGE, f"onteam: error: {message} (see `{self.prog} --help`)\n")


def _store_options(parser: argparse.ArgumentParser, memory: bool = True) -> None:
    parser.add_argument("--store", type=Path, metavar="PATH", help="store directory (ONTEAM_STORE, default var/store)")
    if memory:
        parser.add_argument(
            "--memory", action=argparse.BooleanOptionalAction,
            help="build the store in memory from the sources (ONTEAM_MEMORY; --no-memory overrides it)",
        )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = _Parser(prog="onteam", description="OnTeam: KT's One Team consortia as linked data.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    serve = commands.add_parser("serve", help="Serve the SPARQL endpoint and the resource pages.")
    serve.add_argument("--host", help="interface to listen on (ONTEAM_HOST, default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="TCP port (ONTEAM_PORT, default 8000)")
    serve.add_argument("--workers", type=int, metavar="N", help="queries evaluated at once (ONTEAM_WORKERS, default 2)")
    _store_options(serve)
    serve.add_argument("--update-token", metavar="TOKEN", help="bearer token that turns updates on (ONTEAM_UPDATE_TOKEN)")
    serve.add_argument(
        "--read-only", action=argparse.BooleanOptionalAction,
        help="refuse all writes (ONTEAM_READ_ONLY; --no-read-only overrides it)",
    )
    serve.add_argument("--query-timeout", type=float, metavar="SECONDS", help="seconds per query (ONTEAM_QUERY_TIMEOUT, default 30)")
    serve.add_argument(
        "--queue-timeout", type=float, metavar="SECONDS",
        help="seconds a query waits for a free slot before a 503 (ONTEAM_QUEUE_TIMEOUT, default 2)",
    )
    serve.add_argument("--public-base", metavar="URL", help="origin standing for https://w3id.org/onteam/ (ONTEAM_PUBLIC_BASE)")
    serve.set_defaults(run=_serve)

    load = commands.add_parser(
        "load",
        help="Load RDF files into the store, all or nothing.",
        description="Every file is parsed before anything is written; the format comes from the extension "
        "(.ttl .nt .nq .trig .rdf .xml .owl .jsonld .json .n3, each also .gz). Triples go to --graph, to the default "
        "graph with --default-graph, or to https://w3id.org/onteam/graph/load/<file stem>; quads files "
        "(.nq, .trig) keep their graphs. Each graph written is replaced (or added to, with --append).",
    )
    _store_options(load, memory=False)
    target = load.add_mutually_exclusive_group()
    target.add_argument("--graph", metavar="IRI", help="named graph for the files' triples (default: one graph per file)")
    target.add_argument(
        "--default-graph", action="store_true",
        help="put the files' triples in the store's default graph (to load back a dump as it was)",
    )
    load.add_argument("--append", action="store_true", help="add to the graphs instead of replacing them")
    load.add_argument("files", nargs="+", type=Path, metavar="FILE")
    load.set_defaults(run=_load)

    query = commands.add_parser("query", help="Run a SPARQL query on the store; results to stdout.")
    query.add_argument("query", nargs="?", help="the query; '-' or nothing reads it from stdin")
    query.add_argument("-f", "--file", type=Path, metavar="FILE", help="read the query from this file")
    query.add_argument("--format", metavar="NAME", help="result format: json, xml, csv, tsv, turtle, nt, nq, trig, rdfxml, jsonld or a media type")
    _store_options(query)
    query.set_defaults(run=_query)

    validate = commands.add_parser("validate", help="Check the ontology and data (syntax, SHACL, reasoning).")
    validate.add_argument("--root", type=Path, metavar="PATH", help="project folder with ontology/ and data/ (ONTEAM_ROOT)")
    validate.set_defaults(run=_validate)

    dump = commands.add_parser(
        "dump", help="Write the whole store (every graph) to stdout or a file.",
        description="TriG also keeps empty named graphs; N-Quads cannot hold them (a warning says so). "
        "`onteam load --default-graph DUMP` reads a dump back into a fresh store as it was.",
    )
    dump.add_argument("--format", choices=("nquads", "trig"), default="nquads", help="default nquads")
    dump.add_argument("-o", "--output", metavar="FILE", help="file to write (default stdout)")
    _store_options(dump)
    dump.set_defaults(run=_dump)

    backup = commands.add_parser(
        "backup",
        help="Copy the store consistently into a new directory.",
        description="Without --url the store must not be in use. With --url the running server makes "
        "the copy (POST /admin/backup with the writer token) and sends it here.",
    )
    _store_options(backup, memory=False)
    backup.add_argument("--url", help="base URL of a running `onteam serve` to back up live")
    backup.add_argument("--token", help="writer token for --url (ONTEAM_UPDATE_TOKEN)")
    backup.add_argument("target", help="new directory for the backup")
    backup.set_defaults(run=_backup)

    restore = commands.add_parser("restore", help="Replace a store (not in use) by a backup, in one swap.")
    _store_options(restore, memory=False)
    restore.add_argument("backup", help="directory made by `onteam backup`")
    restore.set_defaults(run=_restore)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `onteam` console script."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except CommandError as exc:
        print(f"onteam: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0  # `onteam dump | head` is fine
    except Exception as exc:  # noqa: BLE001 - the promise is one line, never a traceback
        print(f"onteam: error: {type(exc).__name__}: {' '.join(str(exc).split())}", file=sys.stderr)
        return FAILURE


if __name__ == "__main__":
    sys.exit(main())
