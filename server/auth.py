"""Who may write: the update token, compared in constant time, and read-only mode.

The token travels as `Authorization: Bearer <token>`, or as the password of HTTP Basic
(any user name): Comunica (`httpAuth`, `user:pass@` in the URL), Apache Jena (`AuthEnv`,
which answers only a Basic or Digest challenge), SPARQLWrapper's `setCredentials` and
rdflib's `auth=` can send Basic and nothing else.
"""

from __future__ import annotations

import base64
import binascii
import hmac

from fastapi import Request

from .errors import Forbidden, Unauthorized
from .settings import Settings

# Both schemes in one field (RFC 9110 §11.6.1), Basic first: Jena 4 reads a field's first
# challenge only, and fails outright on a field it cannot read (Bearer) before finding Basic.
CHALLENGE = 'Basic realm="onteam", charset="UTF-8", Bearer realm="onteam"'


def presented_token(authorization: str) -> str | None:
    """The token in an Authorization value: a Bearer token or a Basic password; None if neither."""
    scheme, _, credentials = authorization.strip().partition(" ")
    credentials = credentials.strip()
    if not credentials:
        return None
    if scheme.lower() == "bearer":
        return credentials
    if scheme.lower() == "basic":
        try:
            user_pass = base64.b64decode(credentials, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        _, colon, password = user_pass.partition(":")
        return password if colon and password else None
    return None


def require_writer(request: Request) -> None:
    """Allow the request to write, or raise 401 (no token) / 403 (wrong token, read-only, off)."""
    settings: Settings = request.app.state.settings
    if settings.read_only:
        raise Forbidden("This service is read-only; writes are refused")
    if not settings.update_token:
        raise Forbidden("Writes are turned off on this service (start it with --update-token)")
    token = presented_token(request.headers.get("authorization", ""))
    if token is None:
        raise Unauthorized(
            "Writes need 'Authorization: Bearer <token>' (or HTTP Basic with the token as password)",
            headers={"WWW-Authenticate": CHALLENGE},
        )
    if not hmac.compare_digest(token.strip().encode(), settings.update_token.encode()):
        raise Forbidden("The token is not valid for writes")
