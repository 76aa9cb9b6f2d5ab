"""Tracing pages as a person uses them: the queue with its counts, the case form and page, the report."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
from sqlalchemy import select

from fangyi.audit.models import AuditEntry
from fangyi.config import get_settings
from fangyi.identity import mask_id_number
from fangyi.registry.models import Person
from fangyi.tracing.cases import clean_case, create_case
from fangyi.tracing.models import Case, Contact, ReachAttempt
from fangyi.tracing.trace import trace_report
from fangyi.web.assets import PLOTLY_URL
from tests.conftest import CHENGGUAN, SHIJIN
from tests.tracing.world import add_person, add_stay, add_venue, at, case_row, id_number, meal_then_office
from tests.web.conftest import csrf_of, sign_in


@pytest.fixture
def login(client, cast):
    def as_role(role):
        client.cookies.clear()
        sign_in(client, role)
        return client

    return as_role


@pytest.fixture
def traced(cast, db):
    """A case who ate at a restaurant with three others; one of them lives in 洣水镇."""
    me = add_person(db, 1)
    restaurant = add_venue(db, "R1", "restaurant")
    add_stay(db, me, restaurant, at(12), at(13))
    people = [add_person(db, n, area=CHENGGUAN if n == 4 else SHIJIN)
              for n in (2, 3, 4)]
    for person in people:
        add_stay(db, person, restaurant, at(12), at(13))
    case = create_case(db, cast["tracer"], clean_case(case_row(me), get_settings().tz))
    db.commit()
    return case, me, people


def counts(html: str, section: str) -> dict[str, int]:
    block = html.split(f'id="{section}"', 1)[1].split("</section>", 1)[0]
    return {key: int(value) for key, value in re.findall(r'data-count="(\w+)">(\d+)<', block)}


def contact_of(db, person) -> Contact:
    return db.scalar(select(Contact).where(Contact.person_id == person.id))


def test_tracer_lands_on_the_queue_and_works_a_contact(login, db, traced):
    _, _, people = traced
    client = login("tracer")
    page = client.get("/")
    assert page.url.path == "/tracing/queue"
    html = page.text
    assert "我的流调任务" in html and all(p.name in html for p in people)
    assert mask_id_number(people[0].id_number) in html and people[0].id_number not in html
    assert counts(html, "counts-case-1") == {"derived": 3, "confirmed": 0, "reached": 0, "unreached": 0,
                                             "handed_over": 0}
    token = csrf_of(html)
    target = contact_of(db, people[0])
    done = client.post(f"/tracing/contacts/{target.id}/confirm", data={"csrf": token, "next": "/tracing/queue"})
    assert "已确认" in done.text
    client.post(f"/tracing/contacts/{target.id}/reach", data={"csrf": token, "outcome": "no_answer"})
    html = client.get("/tracing/queue").text
    assert counts(html, "counts-case-1")["confirmed"] == 1
    assert counts(html, "counts-case-1")["unreached"] == 1
    assert counts(html, "counts-today")["confirmed"] == 1
    assert "无人接听" in html
    client.post(f"/tracing/contacts/{target.id}/reach", data={"csrf": token, "outcome": "reached", "note": "在家"})
    html = client.post(f"/tracing/contacts/{target.id}/hand-over", data={"csrf": token}).text
    assert counts(html, "counts-case-1") == {"derived": 3, "confirmed": 1, "reached": 1, "unreached": 0,
                                             "handed_over": 1}
    assert f'id="contact-{target.id}"' not in html  # handed over: off the queue
    assert db.scalar(select(ReachAttempt.note).where(ReachAttempt.outcome == "reached")) == "在家"


def test_reject_needs_a_reason_and_filters_narrow_the_queue(login, db, traced):
    _, _, people = traced
    client = login("tracer")
    html = client.get("/tracing/queue").text
    target = contact_of(db, people[1])
    refused = client.post(f"/tracing/contacts/{target.id}/reject",
                          data={"csrf": csrf_of(html), "reason": " ", "next": "/tracing/queue?area=430424102000"})
    assert refused.status_code == 422 and "a rejected contact needs a reason" in refused.text
    assert contact_of(db, people[1]).status == "derived"
    client.post(f"/tracing/contacts/{target.id}/reject", data={"csrf": csrf_of(html), "reason": "当时不在场"})
    db.expire_all()
    assert contact_of(db, people[1]).status == "rejected"
    town = client.get("/tracing/queue", params={"area": "430424102000"}).text
    assert people[2].name in town and people[0].name not in town
    assert "tr.done" not in client.get("/tracing/queue", params={"done": "<b>x"}).text
    unknown = client.get("/tracing/queue", params={"case": "HD-404"})
    assert unknown.status_code == 422 and "HD-404" in unknown.text


def test_coordinator_reassigns_and_others_may_not(login, db, cast, traced):
    _, _, people = traced
    target = contact_of(db, people[0])
    client = login("village_doctor")
    assert client.get("/tracing/queue").status_code == 403
    client = login("command_office")
    html = client.get("/tracing/queue").text
    assert "流调任务（辖区）" in html and f'id="tracer-{target.id}"' in html
    answer = client.post(f"/tracing/contacts/{target.id}/assign",
                         data={"csrf": csrf_of(html), "tracer_id": str(cast["tracer"].id)})
    assert answer.status_code == 200 and "已改派" in answer.text
    mine = client.get("/tracing/queue", params={"tracer": str(cast["tracer"].id)}).text
    assert f'id="contact-{target.id}"' in mine
    nobody = client.get("/tracing/queue", params={"tracer": str(cast["admin"].id)}).text
    assert "没有待办的接触者" in nobody
    client = login("tracer")
    html = client.get("/tracing/queue").text
    forbidden = client.post(f"/tracing/contacts/{target.id}/assign",
                            data={"csrf": csrf_of(html), "tracer_id": str(cast["tracer"].id)})
    assert forbidden.status_code == 403


def test_new_case_form_keeps_the_input_and_says_why(login, db, traced):
    _, _, people = traced
    client = login("tracer")
    token = csrf_of(client.get("/tracing/cases/new").text)
    form = {"csrf": token, "case_no": "HD-2022-002", "id_number": people[0].id_number,
            "classification": "confirmed", "onset_date": "2022-04-02", "sampled_at": "2022-03-29T08:00",
            "confirmed_at": "2022-03-30T10:00", "source": "local", "origin": "衡东"}
    late = client.post("/tracing/cases/new", data=form)
    assert late.status_code == 422 and "the onset date is after the confirmation" in late.text
    assert 'value="2022-04-02"' in late.text and 'value="衡东"' in late.text
    stranger = id_number(77)
    unknown = client.post("/tracing/cases/new", data=form | {"onset_date": "", "id_number": stranger})
    assert unknown.status_code == 422 and f"no person with identity number {stranger}" in unknown.text
    source = client.post("/tracing/cases/new", data=form | {"onset_date": "", "infected_by": "HD-2022-009"})
    assert source.status_code == 422 and "no case HD-2022-009 to have infected this one" in source.text
    assert db.scalar(select(Case).where(Case.case_no == "HD-2022-002")) is None
    made = client.post("/tracing/cases/new", data=form | {"onset_date": "", "infected_by": "HD-2022-001"})
    assert made.url.path == "/tracing/cases/HD-2022-002"
    assert "HD-2022-001" in made.text  # the source link
    listing = client.get("/tracing/cases").text
    assert "HD-2022-002" in listing and "2 例" in listing

    edit = client.get("/tracing/cases/HD-2022-001/edit").text
    assert "修改病例 HD-2022-001" in edit and 'value="2022-03-28"' in edit
    cycle = client.post("/tracing/cases/HD-2022-001/edit", data={
        "csrf": token, "classification": "confirmed", "id_number": db.get(Person, traced[0].person_id).id_number,
        "onset_date": "2022-03-27", "sampled_at": "2022-03-29T08:00", "confirmed_at": "2022-03-30T10:00",
        "source": "imported", "origin": "上海", "infected_by": "HD-2022-002"})
    assert cycle.status_code == 422 and "a cycle" in cycle.text and 'value="2022-03-27"' in cycle.text
    db.expire_all()
    assert traced[0].onset_date.isoformat() == "2022-03-28"  # nothing half-saved


def test_case_page_shows_window_contacts_chain_and_reveals_with_audit(login, db, traced):
    case, me, people = traced
    client = login("tracer")
    html = client.get(f"/tracing/cases/{case.case_no}").text
    assert f'<script src="{PLOTLY_URL}"></script>' in html and 'id="chain"' in html
    # Nothing from another host (deployments are often offline); a random CSRF token may spell "cdn".
    assert 'src="http' not in html and 'href="http' not in html
    assert "2022年3月26日 00:00" in html  # the window opens two days before onset, at midnight
    close = html.split('id="close"', 1)[1].split("</table>", 1)[0]
    assert all(p.name in close for p in people) and "同场所 R1" in close
    trace = json.loads(unescape(html.split('id="trace-json"', 1)[1].split(">", 1)[1].split("</pre>", 1)[0]))
    assert trace["case_no"] == case.case_no and len(trace["close_contacts"]) == 3  # formats.md's shape
    assert me.id_number not in html
    before = db.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()))
    shown = client.post(f"/tracing/cases/{case.case_no}/reveal", data={"csrf": csrf_of(html)}).text
    assert me.id_number in shown and people[0].id_number in shown
    assert db.scalar(select(AuditEntry.action).where(AuditEntry.id > before, AuditEntry.entity == "case")) \
        == "view_identity"
    commander = login("command_office")
    page = commander.get(f"/tracing/cases/{case.case_no}").text
    assert 'id="reveal"' not in page and people[0].id_number not in page


def test_investigation_forms_add_a_place_and_a_named_contact(login, db, traced):
    case, me, _ = traced
    friend = add_person(db, 9)
    db.commit()
    client = login("tracer")
    html = client.get(f"/tracing/cases/{case.case_no}").text
    token = csrf_of(html)
    bad = client.post(f"/tracing/cases/{case.case_no}/named",
                      data={"csrf": token, "id_number": me.id_number, "relationship": "本人",
                            "last_contact_at": "2022-03-28T09:00"})
    assert bad.status_code == 422 and "cannot name themselves" in bad.text and 'value="本人"' in bad.text
    named = client.post(f"/tracing/cases/{case.case_no}/named",
                        data={"csrf": token, "id_number": friend.id_number, "relationship": "同事",
                              "last_contact_at": "2022-03-28T09:00"})
    assert "接触者已添加" in named.text
    assert "病例提及（同事）" in named.text.split('id="close"', 1)[1].split("</table>", 1)[0]
    place = client.post(f"/tracing/cases/{case.case_no}/places",
                        data={"csrf": token, "place_name": "老街茶馆", "kind": "restaurant",
                              "area_code": "石滩乡", "start_at": "2022-03-28T15:00",
                              "end_at": "2022-03-28T16:30"})
    assert "老街茶馆" in place.text.split('id="places"', 1)[1]
    # A known venue by its name, as the completion list offers it: name and code.
    known = client.post(f"/tracing/cases/{case.case_no}/places",
                        data={"csrf": token, "venue": "老街茶馆（" + place.text.split('id="places"', 1)[1]
                              .split('<span class="num muted">', 1)[1].split("<", 1)[0] + "）",
                              "start_at": "2022-03-28T17:00", "end_at": "2022-03-28T17:30"})
    assert known.text.split('id="places"', 1)[1].split("</ul>", 1)[0].count("老街茶馆") == 2
    unknown = client.post(f"/tracing/cases/{case.case_no}/places",
                          data={"csrf": token, "venue": "没有的店", "start_at": "2022-03-28T17:00",
                                "end_at": "2022-03-28T17:30"})
    assert unknown.status_code == 404 and "没有的店" in unknown.text and "choose one from the list" in unknown.text
    assert 'list="venue-list"' in unknown.text
    report = client.get(f"/tracing/cases/{case.case_no}/report").text
    assert "流行病学调查报告" in report and "@media print" in report
    timeline = report.split('id="timeline"', 1)[1].split("</section>", 1)[0]
    assert timeline.index("R1") < timeline.index("老街茶馆")
    assert "病例提及的接触者（1 人）" in report and "同场所人员（3 人）" in report
    assert "待核实的接触者：4 人" in report


def test_every_page_has_its_english_words(login, db, traced):
    case, _, _ = traced
    client = login("tracer")
    client.cookies.set("lang", "en")
    for path in ("/tracing/queue", "/tracing/cases", f"/tracing/cases/{case.case_no}", "/tracing/cases/new",
                 f"/tracing/cases/{case.case_no}/edit", "/tracing/assist"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert not re.findall(r"\btr\.[a-z_.]+", page.text), path  # a missing word shows its key
    assert "Close contacts" in client.get(f"/tracing/cases/{case.case_no}").text


def test_a_big_case_pages_its_contacts_a_hundred_at_a_time(login, cast, db):
    # A case who sat in one school with 150 others: the page must stay small on a phone.
    me = add_person(db, 1)
    school = add_venue(db, "S1", "school")
    add_stay(db, me, school, at(8), at(12))
    for n in range(2, 152):
        add_stay(db, add_person(db, n), school, at(9), at(11))
    create_case(db, cast["tracer"], clean_case(case_row(me), get_settings().tz))
    db.commit()
    client = login("tracer")
    first = client.get("/tracing/cases/" + case_row(me)["case_no"])
    assert first.status_code == 200
    table = first.text.split('id="close"', 1)[1].split("</table>", 1)[0]
    assert table.count("<tr>") == 1 + 100  # the header and the first hundred
    assert "第 1 / 2 页，共 150 人" in first.text
    second = client.get("/tracing/cases/" + case_row(me)["case_no"] + "?close_page=2")
    assert second.text.split('id="close"', 1)[1].split("</table>", 1)[0].count("<tr>") == 1 + 50
    # A page number typed wrong shows the first page rather than an error.
    assert client.get("/tracing/cases/" + case_row(me)["case_no"] + "?close_page=x").status_code == 200
    # The printable report folds the 150 on screen, all of them there to print.
    report = client.get("/tracing/cases/" + case_row(me)["case_no"] + "/report").text
    assert '<details class="group" ><summary><h3>同场所人员（150 人）</h3>' in report
    assert "beforeprint" in report and report.count("<tr>") >= 150


def test_a_case_too_big_for_one_report_reads_each_page_of_its_lists_in_the_reports_order(login, cast, db):
    # 230 at a school: past 200 the page no longer builds the whole report, it reads one page of
    # the stored contacts; the pages together are the report's list, in its order, none twice.
    me = add_person(db, 1)
    school = add_venue(db, "S1", "school")
    add_stay(db, me, school, at(8), at(12))
    for n in range(2, 232):
        add_stay(db, add_person(db, n), school, at(9), at(11))
    case = create_case(db, cast["tracer"], clean_case(case_row(me), get_settings().tz))
    db.commit()
    client = login("tracer")
    shown = []
    for page in (1, 2, 3):
        text = client.get(f"/tracing/cases/{case.case_no}?close_page={page}").text
        assert f"第 {page} / 3 页，共 230 人" in text
        table = text.split('id="close"', 1)[1].split("</table>", 1)[0]
        shown += re.findall(r"<tr><td>(人\d+)</td>", table)
        assert 'id="trace-json"' not in text  # the JSON is one link away, not on the page
    report = trace_report(db, case)
    assert shown == [item["name"] for item in report["close_contacts"]] and len(set(shown)) == 230


def test_a_role_that_sees_numbers_masked_edits_a_case_with_the_number_masked(login, db, traced):
    case, me, _ = traced
    client = login("command_office")  # edits cases, sees identity numbers masked
    page = client.get(f"/tracing/cases/{case.case_no}/edit").text
    assert me.id_number not in page and f'value="{mask_id_number(me.id_number)}"' in page
    form = {"csrf": csrf_of(page), "id_number": mask_id_number(me.id_number), "classification": "confirmed",
            "sampled_at": "2022-03-29T08:00", "confirmed_at": "2022-03-30T10:00", "source": "local",
            "origin": "衡山"}
    done = client.post(f"/tracing/cases/{case.case_no}/edit", data=form, follow_redirects=False)
    assert done.status_code == 303, done.text
    db.expire_all()
    stored = db.get(Case, case.id)
    assert stored.person_id == me.id and stored.origin == "衡山"


def _world_with_secondaries(db, cast):
    """A case who ate with 3 people; those 3 then worked in an office with 12 others (secondary)."""
    me, close = meal_then_office(db, range(2, 5), range(5, 17))
    case = create_case(db, cast["tracer"], clean_case(case_row(me), get_settings().tz))
    db.commit()
    return case, close


def test_each_list_of_a_case_exports_to_excel_in_the_lists_order_masked_and_audited(login, cast, db):
    import io

    from openpyxl import load_workbook

    case, _ = _world_with_secondaries(db, cast)
    report = trace_report(db, case)
    client = login("tracer")
    assert f"/tracing/cases/{case.case_no}/secondary.xlsx" in client.get(f"/tracing/cases/{case.case_no}").text
    for degree in ("close", "secondary"):
        got = client.get(f"/tracing/cases/{case.case_no}/{degree}.xlsx")
        assert got.status_code == 200 and got.headers["content-type"].startswith("application/vnd.openxml")
        rows = list(load_workbook(io.BytesIO(got.content)).active.iter_rows(values_only=True))
        expected = report[f"{degree}_contacts"]
        assert rows[0][:2] == ("姓名", "身份证号") and len(rows) == 1 + len(expected)
        # Every contact, in the report's order, identity numbers masked (via too).
        assert [r[1] for r in rows[1:]] == [mask_id_number(item["id_number"]) for item in expected]
        first = rows[1]
        assert first[2] == expected[0]["first_exposure"][:16].replace("T", " ")  # local time, to the minute
        assert "同场所" in first[4] and first[-1] == "待核实"
        if degree == "secondary":
            assert rows[0][5] == "经由密接" and first[5] == ", ".join(mask_id_number(n) for n in expected[0]["via"])
    exports = db.scalars(select(AuditEntry).where(AuditEntry.action == "export", AuditEntry.entity == "case")).all()
    assert [(e.after["list"], e.after["rows"], e.after["masked"]) for e in exports] == [
        ("close", 3, True), ("secondary", 12, True)]
    assert client.get(f"/tracing/cases/{case.case_no}/tertiary.xlsx").status_code == 404


def test_the_printed_report_counts_a_long_secondary_list_per_close_contact(login, cast, db, monkeypatch):
    """Past IN_FULL secondary contacts the report counts them per close contact (every one is in
    the export); below it, it names them."""
    from fangyi.tracing import printed

    case, close = _world_with_secondaries(db, cast)
    client = login("tracer")
    named = client.get(f"/tracing/cases/{case.case_no}/report").text
    assert "密接的密接（12 人）</h3>" in named and 'id="through"' not in named
    monkeypatch.setattr(printed, "IN_FULL", 5)
    counted = client.get(f"/tracing/cases/{case.case_no}/report").text
    through = counted.split('id="through"', 1)[1].split("<tbody>", 1)[1].split("</table>", 1)[0]
    assert "密接的密接（12 人，按经由的密接统计）" in counted and "/secondary.xlsx" in counted
    # Each close contact worked beside all 12: 12 each, the three named by their masked numbers.
    assert through.count("12 人") == 3 and all(mask_id_number(p.id_number) in through for p in close)
    assert "次密接 12 人" in counted and "待核实的接触者：15 人" in counted
