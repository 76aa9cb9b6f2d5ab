"""Quarantine's records on each side: a site with rooms (one occupied, one free, one awaiting cleaning,
one out of service), an open placement request, an active placement with a health check, a test, a
fever alert and its transport, and a released placement (for its certificate)."""

from __future__ import annotations

from datetime import date, timedelta

from fangyi.identity import make_id_number, mask_id_number, mask_phone
from fangyi.protocols.reader import current
from fangyi.quarantine.models import (
    Alert,
    HealthCheck,
    Placement,
    PlacementRequest,
    QuarantineSite,
    QuarantineTest,
    Room,
    TransportRequest,
)
from fangyi.registry.models import Person
from fangyi.timeutil import now
from tests.matrix.world import Side, World

ROLES = ("placed", "released", "waiting", "new")  # what each person of a side is for


def _persons(world: World, side: Side, number: int, word: str) -> dict[str, Person]:
    people = {}
    for n, role in enumerate(ROLES):
        born = date(1990, 5, 1 + number)
        id_number = make_id_number("430424", born, 500 + 10 * number + n, "F")
        phone = f"15{number}0000000{n}"
        person = Person(id_number=id_number, doc_kind="resident", name=f"{word}隔离者{'甲乙丙丁'[n]}", sex="F",
                        birth_date=born, phone=phone, area_code=side.group, address=f"{word}乡隔离者住址{n}号")
        world.session.add(person)
        people[role] = person
        side.add(f"q_{role}_person", person, person.name, person.address)
        if side.name == "outside":
            side.markers.update({id_number, mask_id_number(id_number), phone, mask_phone(phone)})
    world.session.flush()
    return people


def build(world: World) -> None:
    session = world.session
    moment = now()
    exposure = moment - timedelta(days=3)
    edition = current().edition
    for number, side in enumerate(world.sides()):
        word = "里" if side.name == "inside" else "外"
        site = QuarantineSite(code=f"GL-{side.name}", name=f"{word}乡隔离酒店", area_code=side.village,
                              address=f"{word}乡隔离路1号", contact=f"{word}乡联系人")
        session.add(site)
        session.flush()
        side.add("site", site, site.code, site.name, site.address, site.contact)
        rooms = {}
        for room, state in (("101", "occupied"), ("102", "free"), ("103", "cleaning"), ("104", "out_of_service")):
            rooms[state] = Room(site_id=site.id, room=room, beds=1, state=state)
            session.add(rooms[state])
        session.flush()
        for state, room in rooms.items():
            side.add(f"room_{state}", room)
        people = _persons(world, side, number, word)

        side.add("request", PlacementRequest(person_id=people["waiting"].id, reason=f"{word}乡密接",
                                             category="close_contact", source="manual", last_exposure=exposure,
                                             status="open"))
        placement = Placement(person_id=people["placed"].id, category="close_contact", setting="centralized",
                              site_id=site.id, room_id=rooms["occupied"].id, last_exposure=exposure, edition=edition,
                              status="active", placed_at=moment - timedelta(days=2))
        released = Placement(person_id=people["released"].id, category="close_contact", setting="centralized",
                             site_id=site.id, room_id=rooms["cleaning"].id, last_exposure=moment - timedelta(days=21),
                             edition=edition, status="released", release_kind="full",
                             placed_at=moment - timedelta(days=20), ended_at=moment - timedelta(hours=1))
        session.add_all([side["request"], placement, released])
        session.flush()
        side.add("placement", placement)
        side.add("released", released)
        session.add(HealthCheck(placement_id=placement.id, person_id=placement.person_id, temperature=38.2,
                                symptoms=f"{word}乡咳嗽", at=moment - timedelta(hours=2)))
        session.add(QuarantineTest(placement_id=placement.id, person_id=placement.person_id, phase="quarantine",
                                   day=1, sampled_at=exposure + timedelta(days=1), result="negative",
                                   reagent=f"{word}乡试剂"))
        alert = Alert(placement_id=placement.id, person_id=placement.person_id, kind="fever",
                      detail={"temperature": 38.2}, at=moment - timedelta(hours=2))
        transport = TransportRequest(person_id=placement.person_id, placement_id=placement.id,
                                     from_place=people["placed"].address or "", to_place=f"{site.name} 101",
                                     reason="placement", status="open", created_at=moment)
        session.add_all([alert, transport])
        session.flush()
        side.add("alert", alert, f"{word}乡咳嗽", f"{word}乡试剂", f"{word}乡密接")
        side.add("transport", transport)
