"""Headings and labels say what a column holds: a venue's name is not a person's (姓名), the rooms board
names its state column, and on a phone each card's cells carry their labels."""

from __future__ import annotations

import re
from datetime import date

from fangyi.quarantine import placing
from tests.quarantine.world import add_person, add_site, local
from tests.web.conftest import sign_in


def _cells_without_label(html: str, table_id: str) -> list[str]:
    table = html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    return [cell for cell in re.findall(r"<td[^>]*>", table) if "data-label=" not in cell and "colspan" not in cell]


def test_the_venue_list_heads_its_name_column_as_the_venue(client, cast, people) -> None:
    sign_in(client, "commander")
    html = client.get("/venues").text
    head = html.split("<thead>", 1)[1].split("</thead>", 1)[0]
    assert "<th>场所名称</th>" in head and "姓名" not in head
    assert '<td data-label="场所名称">石滩农贸市场</td>' in html


def test_the_rooms_board_names_its_state_column_and_labels_each_cell(client, db, cast) -> None:
    add_site(db, rooms=3, beds=2)
    # A parent and child go to one room of two beds.
    first, second = add_person(db, 1, household="HH-1"), add_person(db, 2, household="HH-1", born=date(2015, 6, 1))
    requests = [placing.create_request(db, cast["command_office"], person_id=person.id, category="close_contact",
                                       reason="密接", last_exposure=local(2022, 3, 27, 13, 10))
                for person in (first, second)]
    placing.allocate(db, cast["command_office"], [request.id for request in requests])
    sign_in(client, "site_manager")
    board = client.get("/quarantine/sites/GL-01").text
    head = board.split('id="rooms"', 1)[1].split("</thead>", 1)[0]
    assert re.findall(r"<th[^>]*>([^<]*)</th>", head) == ["房间", "床位", "状态", "人员", "解除隔离日期",
                                                           "今日应采样", "健康监测"]
    assert _cells_without_label(board, "rooms") == []
    # The room's second occupant names the room again on a phone's card.
    shared = re.findall(r'<td class="phone-only" data-label="房间">(\w+)</td>', board)
    assert len(shared) == 1 and f'<td rowspan="2" data-label="房间">{shared[0]}</td>' in board
    sites = client.get("/quarantine/sites").text
    assert _cells_without_label(sites, "sites") == []
