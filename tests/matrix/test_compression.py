"""Every answer a browser waits for goes out compressed when the client accepts gzip: each GET route
of the matrix (every page and API read of every part, as a role it allows, on its own township's
record), Plotly's bundle (cached for a year under its version's address) and the favicon. The same
answers, and the refusals and errors, are never stored by the browser and never framed."""

from __future__ import annotations

import re

from httpx import Response

from fangyi.access import Role, can
from fangyi.web.assets import API_DOCS_URL, GZIP_MINIMUM, PLOTLY_JS, PLOTLY_URL, SWAGGER_CSS_URL, SWAGGER_JS_URL, XLSX
from fangyi.web.http import ANYONE, SIGNED_IN
from tests.matrix.test_matrix import PROBES, ROUTES, Matrix, Route, _call

GETS = [route for route in ROUTES if route.method == "GET" and route.key in PROBES]


def _allowed_role(route: Route) -> str:
    for role in Role:
        if route.permission in (ANYONE, SIGNED_IN) or (route.permission is not None and can(role, route.permission)):
            return role.value
    raise AssertionError(f"no role may call {route.path}")


def unguarded(answer: Response) -> list[str]:
    """What an answer lacks of the headers every answer carries (fangyi.web.headers)."""
    headers = answer.headers
    lacking = [name for name, value in (("x-content-type-options", "nosniff"), ("x-frame-options", "DENY"),
                                        ("referrer-policy", "same-origin"))
               if headers.get(name) != value]
    if "frame-ancestors 'none'" not in headers.get("content-security-policy", ""):
        lacking.append("content-security-policy")
    # The village line's scripts (its service worker, its outbox) are asked again each time instead.
    script = answer.url.path in ("/arrivals/sw.js", "/arrivals/offline.js")
    if headers.get("cache-control") != ("no-cache" if script else "no-store"):
        lacking.append(f"cache-control {headers.get('cache-control')}")
    return lacking


def test_every_answer_is_gzipped_and_never_stored_or_framed(matrix: Matrix) -> None:
    assert GETS, "the matrix probes no GET route"
    wrong, pages = [], 0
    for route in GETS:
        answer, _ = _call(matrix, route, PROBES[route.key], _allowed_role(route), matrix.world.inside)
        lacking = unguarded(answer)
        if lacking:
            wrong.append(f"{route.path} ({answer.status_code}): lacks {', '.join(lacking)}")
        if answer.status_code != 200:
            continue
        kind = answer.headers.get("content-type", "")
        encoding = answer.headers.get("content-encoding")
        if kind.startswith(XLSX):
            # A workbook is a zip already: sent as it is.
            if encoding is not None:
                wrong.append(f"{route.path}: a workbook compressed again ({encoding})")
            continue
        pages += kind.startswith("text/html")
        # Every page is larger than the minimum (the layout alone is); other answers when they are.
        if (kind.startswith("text/html") or len(answer.content) >= GZIP_MINIMUM) and encoding != "gzip":
            wrong.append(f"{route.path} ({kind}, {len(answer.content)} bytes): content-encoding {encoding}")
    assert wrong == []
    assert pages >= 10, f"only {pages} pages answered 200: the probes no longer reach the pages"


def test_small_answers_and_clients_without_gzip_get_plain_bytes(matrix: Matrix) -> None:
    client = matrix.client
    client.cookies.clear()
    plain = client.get("/login", headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200 and "content-encoding" not in plain.headers
    assert "<form" in plain.text
    health = client.get("/healthz", headers={"Accept-Encoding": "gzip"})
    assert health.status_code == 200 and "content-encoding" not in health.headers  # a few bytes


def test_plotly_is_compressed_and_cached_under_its_version(matrix: Matrix) -> None:
    client = matrix.client
    assert PLOTLY_URL.startswith("/vendor/plotly-") and PLOTLY_URL.endswith(".min.js")
    zipped = client.get(PLOTLY_URL, headers={"Accept-Encoding": "gzip"})
    assert zipped.status_code == 200
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.headers["content-type"].startswith("text/javascript")
    assert "max-age=31536000" in zipped.headers["cache-control"]
    assert "Accept-Encoding" in zipped.headers["vary"]
    original = PLOTLY_JS.read_bytes()
    assert int(zipped.headers["content-length"]) < len(original) // 2
    assert zipped.content == original  # httpx undid the gzip: the very bundle
    # Without gzip, the same bytes, plainly.
    with client.stream("GET", PLOTLY_URL, headers={"Accept-Encoding": "identity"}) as plain:
        assert plain.status_code == 200 and "content-encoding" not in plain.headers
        assert "max-age=31536000" in plain.headers["cache-control"]
        assert int(plain.headers["content-length"]) == len(original)
    # The old address without a version is gone: a page cannot ask for a stale bundle.
    assert client.get("/vendor/plotly.min.js").status_code == 404


def test_the_favicon_is_served(matrix: Matrix) -> None:
    answer = matrix.client.get("/favicon.ico")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "image/x-icon"
    assert answer.content[:4] == b"\x00\x00\x01\x00"  # an ICO header
    assert "max-age" in answer.headers["cache-control"]
    svg = matrix.client.get("/static/favicon.svg")
    assert svg.status_code == 200 and svg.text.startswith("<svg")
    page = matrix.client.get("/login").text
    assert 'rel="icon" href="/favicon.ico"' in page


def test_refusals_errors_and_the_scan_lane_carry_the_same_headers(matrix: Matrix) -> None:
    """Answers made past the routes: another township's record (404), a page nobody may see signed
    out (a redirect), the door's refusal of a control character, an API error, the scan lane."""
    client = matrix.client
    client.cookies.clear()
    answers = {
        "signed out": client.get("/tracing/queue", follow_redirects=False),
        "no such page": client.get("/no/such/page"),
        "control character": client.get("/login", params={"next": "/\x01"}),
        "api unauthorised": client.get("/api/v1/registry/persons"),
        "scan lane": client.post("/api/v1/screening/scans", json={}),
    }
    assert answers["signed out"].status_code in (302, 303, 307)
    assert answers["control character"].status_code == 422
    assert answers["scan lane"].status_code == 401
    assert {what: unguarded(answer) for what, answer in answers.items()} == {what: [] for what in answers}


def test_the_apps_own_files_are_asked_again_and_the_vendored_kept(matrix: Matrix) -> None:
    """Files under /static/ carry no version in their address: revalidated each time, so that an
    upgrade reaches the phones; Plotly's versioned bundle is kept a year."""
    client = matrix.client
    css = client.get("/static/fangyi.css")
    assert css.status_code == 200 and css.headers["cache-control"] == "no-cache"
    assert css.headers["x-content-type-options"] == "nosniff"
    assert "immutable" in client.get(PLOTLY_URL).headers["cache-control"]


def test_the_api_docs_page_needs_nothing_from_another_site(matrix: Matrix) -> None:
    """Deployments are often offline: the docs page's script and stylesheet are Swagger UI's, from the
    installed package, under an address naming its version, compressed and kept a year."""
    client = matrix.client
    page = client.get(API_DOCS_URL)
    assert page.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert SWAGGER_JS_URL in sources and SWAGGER_CSS_URL in sources
    assert [source for source in sources if "//" in source] == []
    assert "/api/v1/openapi.json" in page.text
    for url in (SWAGGER_JS_URL, SWAGGER_CSS_URL):
        answer = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert answer.status_code == 200 and answer.headers["content-encoding"] == "gzip"
        assert "immutable" in answer.headers["cache-control"]
        assert len(answer.content) > 100_000  # the bundle itself, not a stub
