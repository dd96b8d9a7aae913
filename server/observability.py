"""Observability: one JSON access-log line per request, Prometheus metrics, /ready and /metrics.

- `ObservabilityMiddleware` (pure ASGI) times every request, counts it by route template, method
  and status, and writes the access line to the logger "onteam.access" (stderr).
- The metrics live in a registry of their own (`REGISTRY`); other modules move them through
  `QUERIES_RUNNING`, `QUERY_TIMEOUTS`, `TRUNCATED_ANSWERS`, `STORE_WRITES`,
  `RESULT_CACHE_LOOKUPS` and `reject(status)`.
- `/ready` answers 200 once the store is open and answers an ASK, 503 otherwise; `/health` (in
  app.py) only says the process is alive.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from hashlib import sha256
from typing import Any
from urllib.parse import parse_qsl

import anyio
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    disable_created_metrics,
    generate_latest,
)

from .errors import ServiceUnavailable
from .settings import Settings

ACCESS_LOGGER = "onteam.access"
QUERY_SCOPE_KEY = "onteam.query_hash"
# prometheus_client >= 0.22 labels its output "version=1.0.0"; for these plain ASCII names
# the bytes are the classic text format, and 0.0.4 is the version every scraper knows.
METRICS_MEDIA_TYPE = "text/plain; version=0.0.4; charset=utf-8"
READY_TIMEOUT = 5.0  # seconds the readiness ASK may take before the store counts as not answering

disable_created_metrics()  # the `_created` series double the exposition and no dashboard needs them
REGISTRY = CollectorRegistry()
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)

REQUESTS = Counter(
    "onteam_http_requests", "HTTP requests answered.", ["route", "method", "status"], registry=REGISTRY
)
LATENCY = Histogram(
    "onteam_http_request_duration_seconds",
    "Time from the request's arrival to the end of its response.",
    ["route", "method"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
    registry=REGISTRY,
)
QUERIES_RUNNING = Gauge("onteam_queries_running", "Queries holding an evaluation slot.", registry=REGISTRY)
QUERY_TIMEOUTS = Counter("onteam_query_timeouts", "Queries stopped by the query timeout.", registry=REGISTRY)
TRUNCATED_ANSWERS = Counter(
    "onteam_truncated_answers", "Query answers cut at MAX_RESULTS solutions or triples.", registry=REGISTRY
)
STORE_WRITES = Counter(
    "onteam_store_writes", "Writes committed to the store: SPARQL updates and Graph Store requests.", registry=REGISTRY
)
RESULT_CACHE_LOOKUPS = Counter(
    "onteam_result_cache_lookups",
    "Lookups in the result cache (answers, saved-query enumerations and page counts), by outcome.",
    ["outcome"],
    registry=REGISTRY,
)
REJECTIONS = Counter(
    "onteam_rejections",
    "Requests refused by a limit: 413 body, 414 URL, 431 headers, 503 no free query slot.",
    ["status"],
    registry=REGISTRY,
)
for _status in ("413", "414", "431", "503"):
    REJECTIONS.labels(_status)  # present at 0 from the start, so rates work from the first scrape
CACHE_HITS = RESULT_CACHE_LOOKUPS.labels("hit")
CACHE_MISSES = RESULT_CACHE_LOOKUPS.labels("miss")

_ENCODE = json.JSONEncoder(ensure_ascii=False).encode
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"})
UNMATCHED = "(unmatched)"


def reject(status: int) -> None:
    """Count a request refused by a limit."""
    REJECTIONS.labels(str(status)).inc()


def query_hash(query: str) -> str:
    """The first 16 hex digits of the query's SHA-256: names a query in logs without storing it."""
    return sha256(query.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def note_query(request: Request, query: str) -> None:
    """Put the query's hash on the request's access-log line (POST bodies are not read by the log)."""
    request.scope[QUERY_SCOPE_KEY] = query_hash(query)


def _query_in_url(query_string: bytes) -> str | None:
    """The `query` or `update` parameter of a URL, if any (for GET requests)."""
    if b"query=" not in query_string and b"update=" not in query_string:
        return None
    for name, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True, encoding="utf-8"):
        if name in ("query", "update"):
            return value
    return None


def _route_template(scope: dict[str, Any], root_path: str) -> str:
    """The matched route's template (never the raw path: label cardinality must stay bounded)."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if path:
        return str(path)
    mounted = scope.get("root_path", "")
    if mounted and mounted != root_path:  # a Mount (static files...) matched
        return mounted[len(root_path) :] + "/{path}"
    return UNMATCHED


class ObservabilityMiddleware:
    """Time, count and log each HTTP request."""

    def __init__(self, app: Any, *, access_log: bool = True) -> None:
        self.app = app
        self.access_log = access_log
        self.logger = logging.getLogger(ACCESS_LOGGER)
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        root_path = scope.get("root_path", "")
        status = 500  # stays so if the app fails before starting a response
        sent = 0

        async def observed_send(message: dict[str, Any]) -> None:
            nonlocal status, sent
            kind = message["type"]
            if kind == "http.response.start":
                status = message["status"]
            elif kind == "http.response.body":
                sent += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, observed_send)
        finally:
            duration = time.perf_counter() - start
            method = scope["method"] if scope["method"] in _METHODS else "OTHER"
            route = _route_template(scope, root_path)
            key = (route, method, status)
            children = self._children.get(key)
            if children is None:
                children = (REQUESTS.labels(route, method, str(status)), LATENCY.labels(route, method))
                self._children[key] = children
            children[0].inc()
            children[1].observe(duration)
            if self.access_log and self.logger.isEnabledFor(logging.INFO):
                self._log(scope, status, duration, sent)

    def _log(self, scope: dict[str, Any], status: int, duration: float, sent: int) -> None:
        digest = scope.get(QUERY_SCOPE_KEY)
        if digest is None:
            query = _query_in_url(scope.get("query_string", b""))
            digest = query_hash(query) if query is not None else None
        agent = None
        for name, value in scope["headers"]:
            if name == b"user-agent":
                # Clients send UTF-8 in practice; other bytes stay visible as \xNN escapes
                agent = value.decode("utf-8", "backslashreplace")
                break
        client = scope.get("client")
        now = time.time()
        line = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1000):03d}Z",
            "method": scope["method"],
            "path": scope["path"],
            "status": status,
            "duration_ms": round(duration * 1000, 3),
            "bytes": sent,
            "client": client[0] if client else None,
            "query_hash": digest,
            "user_agent": agent,
        }
        # makeRecord + handle: the same record as logger.info, without its stack walk (findCaller)
        self.logger.handle(self.logger.makeRecord(ACCESS_LOGGER, logging.INFO, "", 0, _ENCODE(line), None, None))


router = APIRouter(include_in_schema=False)


@router.api_route("/ready", methods=["GET", "HEAD"])
async def ready(request: Request, response: Response) -> dict[str, str]:
    """200 when the store is open and answers a trivial ASK; 503 otherwise."""
    response.headers["Cache-Control"] = "no-store"  # a probe must reach the process, not a cache
    store = getattr(request.app.state, "store", None)
    if store is None:
        raise ServiceUnavailable("The store is not open yet", headers={"Retry-After": "1"})

    def ask() -> bool:
        return bool(store.query("ASK { ?s ?p ?o }"))

    try:
        with anyio.fail_after(READY_TIMEOUT):
            await anyio.to_thread.run_sync(ask, abandon_on_cancel=True)
    except TimeoutError:
        raise ServiceUnavailable(
            f"The store did not answer within {READY_TIMEOUT:g} s", headers={"Retry-After": "5"}
        ) from None
    except Exception as exc:  # any store failure means "not ready", with the reason
        raise ServiceUnavailable(f"The store does not answer: {exc}", headers={"Retry-After": "5"}) from None
    return {"status": "ready"}


@router.api_route("/metrics", methods=["GET", "HEAD"])
async def metrics() -> Response:
    """Prometheus text exposition of the service's metrics."""
    return Response(generate_latest(REGISTRY), media_type=METRICS_MEDIA_TYPE)


def _configure_access_logger() -> None:
    """Access lines go to stderr as bare JSON, whatever the root logger does."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


def install_observability(app: FastAPI, settings: Settings) -> None:
    """Add the access-log/metrics middleware (outermost of ours) and /ready, /metrics."""
    if settings.access_log:
        _configure_access_logger()
    app.add_middleware(ObservabilityMiddleware, access_log=settings.access_log)
    app.include_router(router)
