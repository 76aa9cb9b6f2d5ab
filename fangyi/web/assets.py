"""What a browser fetches besides the pages: compression of every answer, the vendored bundles
(Plotly's, and Swagger UI's for the API's docs page) under addresses that name their versions (so
that they are cached for a year and fetched again only when the installed package changes), the
API's docs page itself, and the favicon. Nothing comes from a CDN: deployments are often offline."""

from __future__ import annotations

import gzip
import threading
from collections.abc import Callable
from pathlib import Path

import plotly
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware
from swagger_ui_bundle import swagger_ui_path

STATIC = Path(__file__).resolve().parent.parent / "static"
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
# The bundle's address: the installed package's version, so that an upgrade is a new address.
PLOTLY_URL = f"/vendor/plotly-{plotly.__version__}.min.js"
SWAGGER = Path(str(swagger_ui_path))  # its folder is named by Swagger UI's version: swagger-ui-5.31.0
SWAGGER_JS_URL = f"/vendor/{SWAGGER.name}/swagger-ui-bundle.js"
SWAGGER_CSS_URL = f"/vendor/{SWAGGER.name}/swagger-ui.css"
VENDORED = {
    PLOTLY_URL: (PLOTLY_JS, "text/javascript"),
    SWAGGER_JS_URL: (SWAGGER / "swagger-ui-bundle.js", "text/javascript"),
    SWAGGER_CSS_URL: (SWAGGER / "swagger-ui.css", "text/css"),
}
API_DOCS_URL = "/api/v1/docs"
FAVICON = STATIC / "favicon.ico"

YEAR = 365 * 24 * 3600
IMMUTABLE = f"public, max-age={YEAR}, immutable"
# An answer smaller than this gains less by compression than gzip's own header and a worker's time.
GZIP_MINIMUM = 1024
# A workbook is a zip already; compressing it again only costs time.
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_gzipped: dict[Path, bytes] = {}
_gzip_lock = threading.Lock()


def gzipped(path: Path) -> bytes:
    """A vendored bundle compressed once per process (Plotly's 4.8 MB becomes about 1.4 MB), not on
    every request."""
    with _gzip_lock:
        if path not in _gzipped:
            _gzipped[path] = gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)
        return _gzipped[path]


def install_assets(app: FastAPI) -> None:
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MINIMUM, compresslevel=6,
                       exclude_content_types=(*DEFAULT_EXCLUDED_CONTENT_TYPES, XLSX))

    for url, (path, media_type) in VENDORED.items():
        app.add_api_route(url, _vendored(path, media_type), methods=["GET"], include_in_schema=False)

    @app.get(API_DOCS_URL, include_in_schema=False)
    def api_docs() -> HTMLResponse:
        # FastAPI's page, with Swagger UI from the installed package instead of a CDN.
        return get_swagger_ui_html(openapi_url=str(app.openapi_url), title="Fangyi API",
                                   swagger_js_url=SWAGGER_JS_URL, swagger_css_url=SWAGGER_CSS_URL,
                                   swagger_favicon_url="/favicon.ico")

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> FileResponse:
        return FileResponse(FAVICON, media_type="image/x-icon", headers={"Cache-Control": "public, max-age=86400"})


def _vendored(path: Path, media_type: str) -> Callable[[Request], Response]:
    def serve(request: Request) -> Response:
        headers = {"Cache-Control": IMMUTABLE, "Vary": "Accept-Encoding"}
        if "gzip" in request.headers.get("accept-encoding", ""):
            return Response(gzipped(path), media_type=media_type, headers={**headers, "Content-Encoding": "gzip"})
        return FileResponse(path, media_type=media_type, headers=headers)

    return serve
