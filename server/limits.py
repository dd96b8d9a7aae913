"""Request limits: sizes, UTF-8, admission of queries, result caps, outbound (federated) requests.

- `LimitsMiddleware`: pure ASGI; URL (414), header (431) and body (413) caps, raw non-UTF-8
  query strings (400). The body is counted while it is received, so chunked bodies without a
  Content-Length are capped too.
- `decode_utf8`, `parse_form`: strict UTF-8 decoding of query strings and form bodies (400, not 500).
- `admit(request, query)`: at most `settings.workers` queries run at once; the others wait up to
  `settings.queue_timeout` seconds, then get 503 with Retry-After. `run_admitted` runs other
  work of a request (serializing a resource's description) on a thread under the same admission;
  reads of the store go to the worker pool (`sparql.compute`).
- `cap(items, limit)`: stop a result after `settings.max_results` items and say that it did.
- `check_federation(text, allow)`: refuse SERVICE (and LOAD) towards IRIs that are not allow-listed;
  pyoxigraph 0.5.13 really fetches them over HTTP, so an open endpoint would be an SSRF relay.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import asynccontextmanager
from itertools import islice
from typing import Any, Generic, TypeVar
from urllib.parse import unquote_to_bytes, urljoin

import anyio
from fastapi import FastAPI, Request

from . import observability, sparqlscan
from .errors import BadRequest, Forbidden, PayloadTooLarge, ServiceUnavailable, error_body
from .settings import Settings

Scope = dict[str, Any]
Message = dict[str, Any]

TRUNCATED_HEADER = "OnTeam-Truncated"
ADMITTED_KEY = "onteam.admitted"  # set in the ASGI scope while a request holds a query slot

# --------------------------------------------------------------------------- sizes, UTF-8


class BodyTooLarge(PayloadTooLarge):
    """Raised from `receive` once a streamed body passes the cap (rendered as the common 413)."""


async def _refuse(send: Any, status: int, message: str, extra: Iterable[tuple[bytes, bytes]] = ()) -> None:
    """Answer with the common JSON error body and close the connection (the body is left unread)."""
    body = json.dumps(error_body(status, message)).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
                *extra,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _cors_refusals(send: Any) -> Any:
    """`send`, adding the CORS headers to a refusal made here, outside the CORS middleware.

    Every origin may read the service (never with credentials), so a browser page may also read
    why its request was refused (a 414 says to POST instead); responses that went through the
    CORS middleware already carry the header and pass unchanged.
    """

    async def send_with_cors(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", ()))
            if not any(name.lower() == b"access-control-allow-origin" for name, _ in headers):
                headers += [(b"access-control-allow-origin", b"*"), (b"vary", b"Origin")]
                message = {**message, "headers": headers}
        await send(message)

    return send_with_cors


class LimitsMiddleware:
    """Refuse oversized or undecodable requests before the application works on them."""

    def __init__(self, app: Any, *, max_body_bytes: int, max_url_bytes: int, max_header_bytes: int) -> None:
        self.app = app
        self.max_body = max_body_bytes
        self.max_url = max_url_bytes
        self.max_header = max_header_bytes

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if any(name == b"origin" for name, _ in scope["headers"]):
            send = _cors_refusals(send)
        query_string: bytes = scope.get("query_string", b"")
        path: bytes = scope.get("raw_path") or scope["path"].encode()
        if self.max_url and len(path) + len(query_string) + 1 > self.max_url:
            observability.reject(414)
            await _refuse(
                send,
                414,
                f"The request URL is longer than {self.max_url} bytes (ONTEAM_MAX_URL_BYTES); send the query by POST",
            )
            return
        if self.max_header:
            size = 0
            for name, value in scope["headers"]:
                size += len(name) + len(value) + 4  # ": " and CRLF, as on the wire
            if size > self.max_header:
                observability.reject(431)
                message = f"The request headers are larger than {self.max_header} bytes (ONTEAM_MAX_HEADER_BYTES)"
                await _refuse(send, 431, message)
                return
        if not query_string.isascii():  # raw bytes >= 0x80: Starlette would fail decoding them (500)
            try:
                query_string.decode("utf-8")
            except UnicodeDecodeError as exc:
                await _refuse(send, 400, _utf8_message(query_string, exc, "the query string"))
                return
        coding = _content_coding(scope["headers"])
        if coding is not None:
            # Read as it comes, the body would be parsed as the encoded bytes (RFC 9110 §8.4).
            await _refuse(
                send,
                415,
                f"Content-Encoding {coding!r} is not accepted for request bodies; send the body unencoded",
                [(b"accept-encoding", b"identity")],
            )
            return
        if not self.max_body:
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope["headers"])
        if declared is not None and declared > self.max_body:
            observability.reject(413)
            await _refuse(send, 413, _too_large(self.max_body))
            return
        await self._capped(scope, receive, send)

    async def _capped(self, scope: Scope, receive: Any, send: Any) -> None:
        """Count body bytes as they arrive; past the cap, whatever the app answers becomes a 413."""
        received = 0
        exceeded = False
        started = False
        limit = self.max_body

        async def capped_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise BodyTooLarge(_too_large(limit))
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                if exceeded:  # the app may have turned our exception into a 400 or 500: say 413
                    started = True
                    await _refuse(send, 413, _too_large(limit))
                    return
                started = True
            elif exceeded and message["type"] == "http.response.body":
                return  # the 413 is already complete
            await send(message)

        try:
            await self.app(scope, capped_receive, guarded_send)
        except BodyTooLarge:
            if started:
                raise
            await _refuse(send, 413, _too_large(limit))
        if exceeded:
            observability.reject(413)


def _content_length(headers: Iterable[tuple[bytes, bytes]]) -> int | None:
    for name, value in headers:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # uvicorn refuses malformed lengths itself
    return None


def _content_coding(headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    """The first content coding other than `identity` a request with a body declares, if any."""
    has_body = False
    codings: list[str] = []
    for name, value in headers:
        if name == b"content-encoding":
            codings += [c.strip().lower() for c in value.decode("latin-1").split(",") if c.strip()]
        elif name == b"transfer-encoding" or (name == b"content-length" and value.strip() not in (b"0", b"")):
            has_body = True
    if not has_body:
        return None
    return next((c for c in codings if c != "identity"), None)


def _too_large(limit: int) -> str:
    return f"The request body is larger than {limit} bytes (ONTEAM_MAX_BODY_BYTES)"


def _utf8_message(data: bytes, exc: UnicodeDecodeError, what: str) -> str:
    bad = data[exc.start : exc.start + 1].hex()
    return f"{what[:1].upper()}{what[1:]} is not valid UTF-8: byte 0x{bad} at offset {exc.start}"


def decode_utf8(data: bytes, what: str) -> str:
    """Decode `data` as strict UTF-8; a BadRequest naming `what` and the offending byte otherwise."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(_utf8_message(data, exc, what), offset=exc.start) from None


def parse_form(data: bytes | str, what: str = "the form body") -> list[tuple[str, str]]:
    """Parse `application/x-www-form-urlencoded` data, percent-escapes decoded as strict UTF-8.

    `urllib.parse.parse_qsl` silently replaces invalid UTF-8 with U+FFFD; a query that changes
    under the client's feet is worse than a 400.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    pairs: list[tuple[str, str]] = []
    for field in raw.split(b"&"):
        if not field:
            continue
        name, _, value = field.partition(b"=")
        name_text = decode_utf8(unquote_to_bytes(name.replace(b"+", b" ")), what)
        value_bytes = unquote_to_bytes(value.replace(b"+", b" "))
        pairs.append((name_text, decode_utf8(value_bytes, f"parameter {name_text!r} in {what}")))
    return pairs


# --------------------------------------------------------------------------- admission


class Slots:
    """At most `size` holders at once; the others queue in arrival order (one event loop).

    Plain asyncio futures, because this runs once per query: a free slot is taken without
    any timeout machinery, and only a request that has to wait pays for its deadline.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.running = 0
        self.waiters: deque[asyncio.Future[None]] = deque()

    @property
    def waiting(self) -> int:
        return sum(not waiter.done() for waiter in self.waiters)

    async def acquire(self, timeout: float) -> bool:
        """Take a slot, waiting at most `timeout` seconds; False if none came free in time."""
        if self.running < self.size and not self.waiters:
            self.running += 1
            return True
        turn = asyncio.get_running_loop().create_future()
        self.waiters.append(turn)
        try:
            async with asyncio.timeout(timeout):
                await turn
        except BaseException as exc:
            if turn.done() and not turn.cancelled():
                self.release()  # the slot was handed over as we left: pass it on
            if isinstance(exc, TimeoutError):
                return False
            raise
        return True

    def release(self) -> None:
        """Hand the slot to the first waiter still waiting, or free it."""
        while self.waiters:
            turn = self.waiters.popleft()
            if not turn.done():
                turn.set_result(None)  # `running` is unchanged: the slot changes hands
                return
        self.running -= 1


@asynccontextmanager
async def admit(request: Request, query: str | None = None) -> AsyncIterator[None]:
    """Hold one of `settings.workers` query slots for the block, or fail with 503 + Retry-After."""
    app = request.app
    settings: Settings = app.state.settings
    if query is not None:
        observability.note_query(request, query)
    if request.scope.get(ADMITTED_KEY):  # re-entered for the same request (handler, then run_query)
        yield
        return
    slots: Slots | None = getattr(app.state, "admission", None)
    if slots is None:
        slots = app.state.admission = Slots(settings.workers)
    if not await slots.acquire(settings.queue_timeout):
        observability.reject(503)
        retry = max(1, math.ceil(settings.queue_timeout))
        raise ServiceUnavailable(
            f"All {settings.workers} query slots stayed busy for {settings.queue_timeout:g} s; retry later"
            " (ONTEAM_WORKERS, ONTEAM_QUEUE_TIMEOUT)",
            headers={"Retry-After": str(retry)},
        )
    observability.QUERIES_RUNNING.inc()
    request.scope[ADMITTED_KEY] = True
    try:
        yield
    finally:
        request.scope[ADMITTED_KEY] = False
        observability.QUERIES_RUNNING.dec()
        slots.release()


async def run_admitted(request: Request, fn: Callable[..., T], *args: Any) -> T:
    """`fn(*args)` on a thread, once admitted: for work that waits for a slot as queries do but
    needs no store (reads of the store run in the worker pool: `sparql.compute`)."""
    async with admit(request):
        return await anyio.to_thread.run_sync(fn, *args, limiter=request.app.state.query_limiter)


# --------------------------------------------------------------------------- result caps

T = TypeVar("T")
_END = object()  # marks an exhausted iterator


class QueryTimeout(ServiceUnavailable):
    """A query ran past `settings.query_timeout`: the one place its 503 message is worded."""

    def __init__(self, timeout: float, results: int | None = None) -> None:
        after = "" if results is None else f" after {results} results"
        super().__init__(
            f"The query exceeded the {timeout:g} s limit and was stopped{after}"
            " (--query-timeout, ONTEAM_QUERY_TIMEOUT)",
            timeout=timeout,
        )
        self.results = results

    def __reduce__(self) -> tuple[type[QueryTimeout], tuple[float, int | None]]:
        # Made in a worker process and pickled back: rebuilt from its own arguments.
        return type(self), (self.extra["timeout"], self.results)


class Capped(Generic[T]):
    """Iterate over at most `limit` items of `items`; `truncated` tells whether more were left.

    `limit` <= 0 means no cap. `truncated` is only known once iteration has stopped: it is set when
    the item after the `limit`-th exists (one item is read ahead, never more).
    With a `deadline` (a `time.monotonic()` instant), reading past it raises `QueryTimeout`. The
    check runs between items: it stops long streams (bulk SELECT, full CONSTRUCT), not a blocking
    ORDER BY or GROUP BY that produces its first item only at the end.
    """

    def __init__(self, items: Iterable[T], limit: int, deadline: float | None = None, timeout: float = 0) -> None:
        self._items = iter(items)
        self.limit = limit
        self.deadline = deadline
        self.timeout = timeout
        self.count = 0
        self.truncated = False

    def __iter__(self) -> Iterator[T]:
        if self.deadline is None:
            yield from self._fast()
            return
        limit = self.limit if self.limit > 0 else -1
        for item in self._items:
            if self.deadline is not None and time.monotonic() > self.deadline:
                self._timed_out()
            if self.count == limit:
                self.truncated = True
                return
            self.count += 1
            yield item

    def _fast(self) -> Iterator[T]:
        """Without a deadline: `islice` does the counting in C (this runs once per solution)."""
        items = self._items if self.limit <= 0 else islice(self._items, self.limit)
        for count, item in enumerate(items, 1):
            self.count = count
            yield item
        if self.limit > 0 and self.count == self.limit and next(self._items, _END) is not _END:
            self.truncated = True

    def _timed_out(self) -> None:
        observability.QUERY_TIMEOUTS.inc()
        raise QueryTimeout(self.timeout, self.count)

    def headers(self) -> dict[str, str]:
        """Response headers stating the truncation (empty when nothing was cut)."""
        return {TRUNCATED_HEADER: "true"} if self.truncated else {}


def cap(items: Iterable[T], limit: int, timeout: float | None = None) -> Capped[T]:
    """Wrap `items` (solutions, triples): at most `limit` of them, read within `timeout` seconds
    from now (None or <= 0: no deadline); see `Capped`."""
    deadline = time.monotonic() + timeout if timeout and timeout > 0 else None
    return Capped(items, limit, deadline, timeout or 0)


# --------------------------------------------------------------------------- federation

_UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_LOCAL_ESCAPE = re.compile(r"\\(.)")
# Cheap pre-check: without any of these, the text can hold no SERVICE or LOAD keyword.
_TRIGGER = re.compile(r"service|load", re.IGNORECASE)


def allow_list(settings: Settings) -> frozenset[str]:
    """The allow-listed SERVICE/LOAD IRIs from `settings.service_allow_list` (comma-separated)."""
    raw = settings.service_allow_list or ""
    return frozenset(iri.strip() for iri in raw.split(",") if iri.strip())


def _unescape_iri(token: str) -> str:
    return _UCHAR.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), token[1:-1])


def check_federation(text: str, allow: frozenset[str]) -> None:
    """Refuse a query or update whose SERVICE or LOAD target is not in `allow` (403 naming it).

    SERVICE with a variable is always refused: its endpoint is only known while evaluating.
    Targets are resolved as the SPARQL parser resolves them (PREFIX, BASE, \\u escapes in IRIs).
    Runs only when the text mentions "service" or "load" in any case, so the common path is cheap.
    The text is read by `sparqlscan.tokens`, so neither `"SERVICE"` nor `# SERVICE` nor
    `?service` nor `ex:service` counts.
    """
    if not _TRIGGER.search(text):
        return
    prefixes: dict[str, str] = {}
    base = ""
    tokens = ((token.kind, token.text) for token in sparqlscan.tokens(text))
    for kind, value in tokens:
        if kind != "word":
            continue
        keyword = value.upper()
        if keyword == "PREFIX":
            name = next(tokens, ("", ""))
            iri = next(tokens, ("", ""))
            if name[0] == "pname" and iri[0] == "iri":
                prefixes[name[1][:-1] if name[1].endswith(":") else name[1]] = urljoin(base, _unescape_iri(iri[1]))
        elif keyword == "BASE":
            iri = next(tokens, ("", ""))
            if iri[0] == "iri":
                base = urljoin(base, _unescape_iri(iri[1]))
        elif keyword in ("SERVICE", "LOAD"):
            target = next(tokens, ("", ""))
            if target[0] == "word" and target[1].upper() == "SILENT":
                target = next(tokens, ("", ""))
            _check_target(keyword, target, prefixes, base, allow)


def _check_target(
    keyword: str, target: tuple[str, str], prefixes: dict[str, str], base: str, allow: frozenset[str]
) -> None:
    kind, value = target
    if kind == "var":
        raise Forbidden(
            f"{keyword} {value} is refused: an endpoint given by a variable cannot be checked "
            "against the allow list",
            endpoint=value,
        )
    if kind == "iri":
        iri = urljoin(base, _unescape_iri(value)) if base else _unescape_iri(value)
    elif kind == "pname":
        prefix, _, local = value.partition(":")
        if prefix not in prefixes:
            raise BadRequest(f"{keyword} {value}: the prefix {prefix + ':'!r} is not declared")
        iri = prefixes[prefix] + _LOCAL_ESCAPE.sub(r"\1", local)
    else:
        if keyword == "LOAD":
            return  # e.g. `LOAD` inside a word the lexer split oddly; the parser will judge it
        raise BadRequest(f"SERVICE must be followed by an IRI or a variable, not {value!r}")
    if iri not in allow:
        what = "federated queries (SERVICE)" if keyword == "SERVICE" else "loading from the web (LOAD)"
        listed = "the allow list is empty" if not allow else "it is not on the allow list"
        raise Forbidden(
            f"{keyword} <{iri}> is refused: {what} only reach allow-listed endpoints and {listed}", endpoint=iri
        )


# --------------------------------------------------------------------------- installation


def install_limits(app: FastAPI, settings: Settings) -> None:
    """Add the size/UTF-8 middleware, the admission slots and the parsed SERVICE allow list to `app`."""
    app.state.admission = Slots(settings.workers)
    app.state.service_allow = allow_list(settings)
    app.add_middleware(LimitsMiddleware, **middleware_options(settings))


def middleware_options(settings: Settings) -> dict[str, int]:
    """The caps `LimitsMiddleware` applies, from the settings."""
    return {
        "max_body_bytes": settings.max_body_bytes,
        "max_url_bytes": settings.max_url_bytes,
        "max_header_bytes": settings.max_header_bytes,
    }
