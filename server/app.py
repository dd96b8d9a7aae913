"""The application factory: one store, the routers, the error handlers."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
from fastapi import FastAPI, Response
from fastapi.staticfiles import StaticFiles
from pyoxigraph import Store

from . import __version__, apidocs, description, engine, errorpages, graphstore, linkeddata, negotiation, pages, queries, sparql
from .cache import ResultCache
from .errors import install_error_handlers
from .limits import LimitsMiddleware, install_limits
from .limits import middleware_options as limits_options
from .observability import ObservabilityMiddleware, install_observability
from .reconcile import router as reconcile_router
from .extend import router as extend_router
from .openapi import install_openapi
from .settings import Settings
from .store import open_store


class OnTeam(FastAPI):
    """The service: FastAPI, plus a short way in for the most frequent requests.

    A SPARQL query is the request the service exists for, and for a small one (or a cached
    one) the middleware stack and routing cost more than the query. `sparql.takes_shortcut`
    picks the requests to /sparql and to the saved queries (`shortcuts`) whose answer neither
    CORS nor gzip would change; they go through the same access log and size limits straight
    to the routes' handlers. Everything else takes the full stack.
    """

    shortcut: Any = None
    shortcuts: dict[str, sparql.Shortcut] = {}

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            negotiation.fold_list_fields(scope)  # `Accept` sent as two lines is one list
        if self.shortcut is not None and sparql.takes_shortcut(scope, self.shortcuts):
            scope["app"] = self
            await self.shortcut(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def create_app(settings: Settings, store: Store | None = None) -> OnTeam:
    """Build the service; `store` may be given (tests), otherwise it is opened from settings."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if getattr(app.state, "store", None) is None:
            app.state.store = open_store(settings)
        app.state.evaluator = await engine.start(settings, app.state.store, app.state.generation)
        try:
            yield
        finally:
            app.state.evaluator.close()  # no worker process outlives the server
        app.state.store.flush() if not settings.memory else None
        app.state.store = None  # drop the last reference: RocksDB closes before the process ends

    app = OnTeam(
        title="OnTeam",
        version=__version__,
        summary="KT's One Team consortia as linked data: SPARQL 1.1 endpoint, saved queries, resource pages.",
        lifespan=lifespan,
        docs_url=None,  # FastAPI's pages load from a CDN: apidocs serves /docs from this host
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.store = store
    app.state.query_limiter = anyio.CapacityLimiter(settings.workers)
    app.state.result_cache = ResultCache(settings.result_cache_mb << 20)
    # Every write bumps the generation (sparql.mark_store_changed): ETags and cached
    # descriptions depend on it.
    app.state.generation = 0
    app.state.last_modified = time.time()
    app.state.last_modified_shared = False  # another change in that second (sparql.mark_store_changed)
    install_error_handlers(app)
    errorpages.install(app)  # a browser on a page path gets its 404/405 as a page
    # Middleware added last runs first: observability sees every request, then the size
    # limits, then CORS and gzip.
    sparql.install_middleware(app)
    install_limits(app, settings)
    install_observability(app, settings)
    app.shortcut = ObservabilityMiddleware(
        LimitsMiddleware(sparql.direct, **limits_options(settings)), access_log=settings.access_log
    )
    app.include_router(sparql.router)
    app.include_router(description.router)
    app.include_router(graphstore.router)
    saved_router = queries.install(app, settings.root / "queries")
    install_openapi(app)  # after queries.install, whose live enumerations it wraps
    app.include_router(linkeddata.router)
    app.include_router(pages.router)
    app.include_router(reconcile_router)
    app.include_router(extend_router)
    app.include_router(apidocs.router)
    app.mount("/static", StaticFiles(directory=pages.STATIC), name="static")
    shortcut_paths = ["/sparql", *(f"/api/{name}" for name in app.state.saved_queries)]
    app.shortcuts = sparql.shortcuts([*sparql.router.routes, *saved_router.routes], shortcut_paths)

    @app.api_route("/health", methods=["GET", "HEAD"], include_in_schema=False)
    async def health(response: Response) -> dict[str, str]:
        response.headers["Cache-Control"] = "no-store"  # a probe must reach the process, not a cache
        return {"status": "ok"}

    return app
