"""A Chinese page says everything in Chinese: a refusal names the role and what it may not do, every
permission and every import kind has its words, and a 404 does not repeat the service's English."""

from __future__ import annotations

import io
import re

from fastapi.testclient import TestClient

from fangyi.app import refusal_of
from fangyi.parts import installed
from tests.conftest import Cast
from tests.web.conftest import csrf_of, sign_in

ASCII_WORD = re.compile(r"[A-Za-z]{3,}")
ALLOWED = {"CSV", "Excel", "xlsx"}  # names of formats, as Chinese users write them


def _english(text: str) -> list[str]:
    return [word for word in ASCII_WORD.findall(text) if word not in ALLOWED]


def _main(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html.split('<main id="main">', 1)[1].split("</main>", 1)[0])


def test_every_permission_and_import_kind_has_words_in_both_languages() -> None:
    words = installed().words
    missing = [f"perm.{name}" for name in installed().permissions if not all(words.get(f"perm.{name}", ("", "")))]
    missing += [f"imports.kind.{kind}" for kind in installed().import_kinds
                if not all(words.get(f"imports.kind.{kind}", ("", "")))]
    assert missing == []


def test_a_refusal_is_read_back_from_the_services_words() -> None:
    assert refusal_of("role site_manager may not allocate") == ("site_manager", "allocate", "")
    assert refusal_of("role tracer may not read quarantine") == ("tracer", "read_quarantine", "")
    assert refusal_of("role lab may not import rooms") == ("lab", "import", "rooms")
    assert refusal_of("role lab may not fly") is None
    assert refusal_of("not found in your jurisdiction") is None


def test_a_refused_page_says_who_may_not_do_what_in_chinese_and_in_english(client: TestClient, cast: Cast) -> None:
    sign_in(client, "site_manager")
    refused = client.get("/quarantine/allocate")
    assert refused.status_code == 403
    text = _main(refused.text)
    assert "隔离点负责人无权安排隔离房间" in text
    assert _english(text) == []
    client.cookies.set("lang", "en")
    english = client.get("/quarantine/allocate")
    assert "A Quarantine site manager may not allocate quarantine rooms" in english.text


def test_an_import_refused_names_the_kind_in_chinese(client: TestClient, cast: Cast) -> None:
    sign_in(client, "lab")
    page = client.get("/imports")
    answer = client.post("/imports", data={"csrf": csrf_of(page.text), "kind": "rooms"},
                         files={"file": ("rooms.csv", io.BytesIO(b"site_code,room,beds\n"), "text/csv")})
    assert answer.status_code in (403, 422)
    assert _english(_main(answer.text).replace("rooms.csv", "")) == []


def test_a_404_page_in_chinese_has_no_english_detail(client: TestClient, cast: Cast) -> None:
    sign_in(client, "tracer")
    missing = client.get("/persons/999999")
    assert missing.status_code == 404
    assert "未找到" in missing.text and _english(_main(missing.text)) == []


def test_every_figure_of_the_daily_report_has_its_words(client: TestClient, cast: Cast) -> None:
    sign_in(client, "commander")
    page = client.get("/report", params={"date": "2022-04-01"})
    assert page.status_code == 200
    rows = re.findall(r'<th scope="row">([^<]*)</th>', page.text)
    assert len(rows) > 20
    assert _english(" ".join(rows)) == []
