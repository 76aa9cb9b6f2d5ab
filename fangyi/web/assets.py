"""What a browser fetches besides the pages: compression of every answer, Plotly's bundle under an
address that names its version (so that it is cached for a year and fetched again only when the
installed Plotly changes) and the favicon."""

from __future__ import annotations

import gzip
import threading
from pathlib import Path

import plotly
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, Response
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware

STATIC = Path(__file__).resolve().parent.parent / "static"
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
# The bundle's address: the installed package's version, so that an upgrade is a new address.
PLOTLY_URL = f"/vendor/plotly-{plotly.__version__}.min.js"
FAVICON = STATIC / "favicon.ico"

YEAR = 365 * 24 * 3600
IMMUTABLE = f"public, max-age={YEAR}, immutable"
# An answer smaller than this gains less by compression than gzip's own header and a worker's time.
GZIP_MINIMUM = 1024
# A workbook is a zip already; compressing it again only costs time.
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_plotly_gz: bytes | None = None
_plotly_lock = threading.Lock()


def plotly_gzipped() -> bytes:
    """The bundle compressed once per process (4.8 MB becomes about 1.4 MB), not on every request."""
    global _plotly_gz
    with _plotly_lock:
        if _plotly_gz is None:
            _plotly_gz = gzip.compress(PLOTLY_JS.read_bytes(), compresslevel=6, mtime=0)
        return _plotly_gz


def install_assets(app: FastAPI) -> None:
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MINIMUM, compresslevel=6,
                       exclude_content_types=(*DEFAULT_EXCLUDED_CONTENT_TYPES, XLSX))

    @app.get(PLOTLY_URL, include_in_schema=False)
    def plotly_js(request: Request) -> Response:
        # Served from the installed package: deployments are often offline.
        headers = {"Cache-Control": IMMUTABLE, "Vary": "Accept-Encoding"}
        if "gzip" in request.headers.get("accept-encoding", ""):
            return Response(plotly_gzipped(), media_type="text/javascript",
                            headers={**headers, "Content-Encoding": "gzip"})
        return FileResponse(PLOTLY_JS, media_type="text/javascript", headers=headers)

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> FileResponse:
        return FileResponse(FAVICON, media_type="image/x-icon", headers={"Cache-Control": "public, max-age=86400"})
