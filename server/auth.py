"""Who may write: a bearer token, compared in constant time, and read-only mode."""

from __future__ import annotations

import hmac

from fastapi import Request

from .errors import Forbidden, Unauthorized
from .settings import Settings


def require_writer(request: Request) -> None:
    """Allow the request to write, or raise 401 (no token) / 403 (wrong token, read-only, off)."""
    settings: Settings = request.app.state.settings
    if settings.read_only:
        raise Forbidden("This service is read-only; writes are refused")
    if not settings.update_token:
        raise Forbidden("Writes are turned off on this service (start it with --update-token)")
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized(
            "Writes need 'Authorization: Bearer <token>'", headers={"WWW-Authenticate": 'Bearer realm="onteam"'}
        )
    if not hmac.compare_digest(token.strip().encode(), settings.update_token.encode()):
        raise Forbidden("The bearer token is not valid for writes")
