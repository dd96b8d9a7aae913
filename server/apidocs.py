"""/docs: the OpenAPI document in Swagger UI, served from this host.

FastAPI's own /docs and /redoc load their scripts, styles and icon from a CDN, which breaks the
promise that no page loads anything from another host (and the page, offline). This page uses
the copy of swagger-ui-dist in static/vendor/swagger-ui/ (`npm run vendor`), and turns off
Swagger UI's validator badge, an image it would fetch from validator.swagger.io.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

router = APIRouter()
VENDOR = "/static/vendor/swagger-ui"


@router.api_route("/docs", methods=["GET", "HEAD"], include_in_schema=False)
async def docs() -> HTMLResponse:
    """Swagger UI on /openapi.json."""
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="OnTeam API",
        swagger_js_url=f"{VENDOR}/swagger-ui-bundle.js",
        swagger_css_url=f"{VENDOR}/swagger-ui.css",
        swagger_favicon_url="/static/favicon.svg",
        swagger_ui_parameters={"validatorUrl": None},
    )
