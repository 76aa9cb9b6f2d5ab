"""Quarantine pages as their users see them: the board with a fever check, the allocation page, a person's
history, the notices and the release certificate."""

from __future__ import annotations

import re

from sqlalchemy import select

from fangyi.access import Role
from fangyi.parts import installed
from fangyi.quarantine import care, placing
from fangyi.quarantine.models import Placement, Room, TransportRequest
from fangyi.tracing.queue import send_handed_over
from tests.quarantine.world import add_case, add_contact, add_person, add_site, local
from tests.web.conftest import csrf_of, sign_in


def test_site_manager_lands_on_the_boards_and_records_a_fever(client, db, cast):
    add_site(db, rooms=2)
    person = add_person(db, 1)
    request = placing.create_request(db, cast["command_office"], person_id=person.id, category="close_contact",
                                     reason="密接", last_exposure=local(2022, 3, 27, 13, 10))
    placing.allocate(db, cast["command_office"], [request.id])
    assert sign_in(client, "site_manager") == installed().landing[Role.site_manager] == "/quarantine/sites"
    sites = client.get("/quarantine/sites")
    assert "隔离点GL-01" in sites.text
    board = client.get("/quarantine/sites/GL-01")
    assert board.status_code == 200 and "人1" in board.text and "2022年4月11日" in board.text
    answer = client.post("/quarantine/sites/GL-01/checks", data={
        "csrf": csrf_of(board.text), "person_id": str(person.id), "temperature": "38.1", "symptoms": "咳嗽"})
    assert answer.status_code == 200
    assert "发热预警：人1 38.1℃" in answer.text
    assert re.search(r'id="alerts".*发热', answer.text, re.S)
    assert db.scalar(select(TransportRequest.to_place).where(TransportRequest.reason == "hospital"))
    refused = client.post("/quarantine/sites/GL-01/checks", data={
        "csrf": csrf_of(board.text), "person_id": str(person.id), "temperature": "3.7"})
    assert "3.7 °C is not a living person" in refused.text


def test_command_office_takes_tracing_contacts_and_allocates(client, db, cast):
    add_site(db, rooms=3)
    index, a, b = add_person(db, 1), add_person(db, 2), add_person(db, 3)
    case = add_case(db, index)
    add_contact(db, case, a, "close", local(2022, 3, 27, 13, 10))
    add_contact(db, case, b, "close", local(2022, 3, 27, 12))
    send_handed_over(db, cast["command_office"])  # tracing's hand-over makes the requests
    sign_in(client, "command_office")
    page = taken = client.get("/quarantine/allocate")
    assert page.status_code == 200
    assert "人2" in taken.text and "人3" in taken.text
    ids = re.findall(r'name="request" value="(\d+)"', taken.text)
    assert len(ids) == 2
    wrong = client.post("/quarantine/allocate", data={"csrf": csrf_of(page.text), "request": ids,
                                                      f"room_{ids[0]}": "GL-01/999"})
    assert "no room &#39;GL-01/999&#39;" in wrong.text
    placed = client.post("/quarantine/allocate", data={"csrf": csrf_of(page.text), "request": ids,
                                                       f"room_{ids[0]}": "GL-01/103"})
    assert "已安置 2 人，生成转运任务 2 个" in placed.text
    chosen = db.scalar(select(Placement).where(Placement.person_id == a.id))
    assert db.get(Room, chosen.room_id).room == "103"
    notices = re.search(r'id="print-notices" href="([^"]+)"', placed.text).group(1).replace("&amp;", "&")
    printed = client.get(notices)
    assert printed.text.count("<h2>隔离告知书</h2>") == 2
    assert "自 2022年3月28日 起实施集中隔离，至 2022年4月10日 止" in printed.text


def test_history_release_and_certificate(client, db, cast):
    add_site(db)
    person = add_person(db, 1)
    request = placing.create_request(db, cast["command_office"], person_id=person.id, category="close_contact",
                                     reason="密接", last_exposure=local(2022, 3, 27, 13, 10))
    placement_id = placing.allocate(db, cast["command_office"], [request.id]).placements[0]
    care.record_test(db, cast["site_manager"], person_id=person.id, day=1, result="negative", reagent="A",
                     sampled_at=local(2022, 3, 28, 9))
    sign_in(client, "site_manager")
    page = client.get(f"/quarantine/persons/{person.id}")
    typed = client.post(f"/quarantine/persons/{person.id}/tests", data={
        "csrf": csrf_of(page.text), "day": "quarantine:4", "result": "negative", "reagent": "B",
        "sampled_at": "2022-03-31 09:00"})
    assert typed.status_code == 200 and "第4天核酸" not in typed.text  # day 4 is no longer missing
    assert "需2种不同试剂检测阴性" not in typed.text  # reagents A and B
    client.post("/logout", data={"csrf": csrf_of(typed.text)})
    sign_in(client, "commander")
    history = client.get(f"/quarantine/persons/{person.id}")
    assert "第7天核酸（2022-04-03）" in history.text and "第4天核酸" not in history.text
    released = client.post(f"/quarantine/placements/{placement_id}/release",
                           data={"csrf": csrf_of(history.text), "override_reason": "转定点医院"})
    assert released.status_code == 200 and "解除隔离证明" in released.text
    assert "经指挥部批准（转定点医院）" in released.text
    assert db.get(Placement, placement_id).release_kind == "override"
