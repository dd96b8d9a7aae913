"""One exception tree, one JSON error body.

    OnTeamError (500)
     ├── BadRequest (400)
     │    └── QuerySyntaxError (400)   carries line and column when the parser gives them
     ├── Unauthorized (401)
     ├── Forbidden (403)
     ├── NotFound (404)
     ├── MethodNotAllowed (405)
     ├── NotAcceptable (406)          lists what can be served
     ├── PreconditionFailed (412)
     ├── PayloadTooLarge (413)
     ├── UriTooLong (414)
     ├── UnsupportedMediaType (415)
     └── ServiceUnavailable (503)     may carry Retry-After
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Mount
from starlette.staticfiles import StaticFiles


class OnTeamError(Exception):
    """Base of every error the service reports to a client."""

    status = 500

    def __init__(self, message: str, *, headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.headers = headers or {}
        self.extra = extra


class BadRequest(OnTeamError):
    status = 400


class QuerySyntaxError(BadRequest):
    """A query or update the SPARQL parser rejected."""


class Unauthorized(OnTeamError):
    status = 401


class Forbidden(OnTeamError):
    status = 403


class NotFound(OnTeamError):
    status = 404


class MethodNotAllowed(OnTeamError):
    status = 405


class NotAcceptable(OnTeamError):
    status = 406


class PreconditionFailed(OnTeamError):
    status = 412


class PayloadTooLarge(OnTeamError):
    status = 413


class UriTooLong(OnTeamError):
    status = 414


class UnsupportedMediaType(OnTeamError):
    status = 415


class ServiceUnavailable(OnTeamError):
    status = 503


def error_body(status: int, message: str, **extra: Any) -> dict[str, Any]:
    """The JSON body of every error response."""
    return {"ok": False, "error": message, "status": status, **extra}


def error_response(exc: OnTeamError) -> JSONResponse:
    """Render an OnTeamError as the common JSON error response."""
    return JSONResponse(
        error_body(exc.status, exc.message, **exc.extra), status_code=exc.status, headers=exc.headers
    )


async def _onteam_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, OnTeamError)
    return error_response(exc)


async def http_error_json(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = allowed_methods(request)
    return JSONResponse(error_body(exc.status_code, str(exc.detail)), status_code=exc.status_code, headers=headers)


_METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS")


def allowed_methods(request: Request) -> str:
    """Every method some route accepts on this path (RFC 9110 §15.5.6: a 405 lists them all).

    The router's own 405 names only the methods of the first route on the path; /sparql,
    for one, has a route for GET and HEAD, one for POST and one for OPTIONS.
    """
    routes = request.app.router.routes
    # Matched from the top: a mount (/static) has moved `root_path` below itself in this scope.
    scope = {**request.scope, "root_path": request.scope.get("app_root_path", request.scope.get("root_path", ""))}

    def takes(route: Any, method: str) -> bool:
        # A mount matches every method; the files under it answer GET and HEAD only.
        if isinstance(route, Mount) and isinstance(route.app, StaticFiles) and method not in ("GET", "HEAD"):
            return False
        return route.matches({**scope, "method": method})[0] is Match.FULL

    return ", ".join(method for method in _METHODS if any(takes(route, method) for route in routes))


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = "; ".join(
        f"{'.'.join(str(p) for p in err.get('loc', ())[1:]) or 'request'}: {err.get('msg')}"
        for err in exc.errors()
    )
    return JSONResponse(error_body(400, problems or "invalid request"), status_code=400)


def install_error_handlers(app: FastAPI) -> None:
    """Route every error the app can raise to the common JSON body."""
    app.add_exception_handler(OnTeamError, _onteam_error)
    app.add_exception_handler(StarletteHTTPException, http_error_json)
    app.add_exception_handler(RequestValidationError, _validation_error)
