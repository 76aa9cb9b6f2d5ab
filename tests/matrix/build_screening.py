"""Screening's records on each side: a round over the township, a sampling point in it, an open and
a closed tube with swabs, a box with a packed tube, a positive pool (its result, retest tasks and
controls), a positive single tube's suspected case, a person registered on the spot, a scan at
the point; one lab for the county."""

from __future__ import annotations

from datetime import date, timedelta

from fangyi.identity import make_id_number, mask_id_number
from fangyi.registry.models import Person
from fangyi.screening.models import (
    Box,
    Control,
    Lab,
    LabResult,
    RetestTask,
    Sample,
    SamplingPoint,
    Scan,
    ScreeningRound,
    SuspectedCase,
    Tube,
    UnverifiedPerson,
)
from fangyi.timeutil import now
from tests.matrix.world import Side, World

LAB = "M-LAB"
POOL = 5


def barcode(side: Side, what: str) -> str:
    return f"MT-{side.name[:3].upper()}-{what}"


def _people(world: World, side: Side, number: int) -> list[Person]:
    word = "里" if side.name == "inside" else "外"
    people = []
    for n in range(8):
        id_number = make_id_number("430424", date(1990, 6, 1 + number), 300 + 10 * number + n, "F")
        person = Person(id_number=id_number, doc_kind="resident", name=f"{word}检{n}号", sex="F",
                        birth_date=date(1990, 6, 1 + number), area_code=side.group, address=f"{word}村{n}组")
        world.session.add(person)
        people.append(person)
        side.markers.update({person.name, id_number, mask_id_number(id_number)})
    world.session.flush()
    return people


def _tube(world: World, side: Side, what: str, point: SamplingPoint, found: ScreeningRound, people: list[Person],
          **state: object) -> Tube:
    at = now() - timedelta(minutes=30)
    tube = Tube(barcode=barcode(side, what), round_id=found.id, point_id=point.id, pool_size=POOL,
                members=len(people), opened_at=at, **state)
    world.session.add(tube)
    world.session.flush()
    for person in people:
        world.session.add(Sample(tube_id=tube.id, person_id=person.id, round_id=found.id, sampled_at=at,
                                 point_code=point.code))
    side.add(f"tube_{what.lower()}", tube, tube.barcode)
    return tube


def build(world: World) -> None:
    session = world.session
    session.add(Lab(code=LAB, name="县人民医院实验室"))
    for number, side in enumerate(world.sides()):
        word = "里" if side.name == "inside" else "外"
        found = ScreeningRound(code=f"MR-{side.name}", name=f"{word}乡全员核酸", area_codes=[side.township],
                               starts_at=now() - timedelta(hours=2), deadline_at=now() + timedelta(hours=20),
                               pool_size=POOL)
        point = SamplingPoint(code=f"MP-{side.name}", name=f"{word}乡采样点", area_code=side.village,
                              address=f"{word}乡村委会")
        session.add_all([found, point])
        session.flush()
        side.add("round", found, found.code, found.name)
        side.add("point", point, point.code, point.name, point.address)
        people = _people(world, side, number)
        side.add("free_person", people[0])  # in no tube: scanned by the probes
        _tube(world, side, "OPEN", point, found, people[1:2], state="open")
        _tube(world, side, "CLOSED", point, found, people[2:4], state="closed", closed_at=now())
        box = Box(code=f"MB-{side.name}", lab_code=LAB, point_id=point.id, packed_at=now())
        session.add(box)
        session.flush()
        side.add("box", box, box.code)
        _tube(world, side, "PACKED", point, found, people[4:5], state="packed", closed_at=now(), box_id=box.id)
        tested = {"state": "tested", "closed_at": now(), "tested_at": now(), "lab_code": LAB, "result": "positive"}
        pool = _tube(world, side, "POS", point, found, people[5:7], **tested)
        session.add(LabResult(tube_id=pool.id, result="positive", tested_at=now(), lab_code=LAB))
        for person in people[5:7]:
            session.add(Control(person_id=person.id, reason="pool_positive", tube_id=pool.id, started_at=now()))
            session.add(RetestTask(person_id=person.id, source_tube_id=pool.id, reason="pool_positive",
                                   group_key=f"address:{person.address}", area_code=person.area_code))
        single = _tube(world, side, "SINGLE", point, found, people[7:8], **tested)
        single.pool_size = 1
        suspected = SuspectedCase(person_id=people[7].id, tube_id=single.id, tested_at=now(),
                                  sampled_at=now() - timedelta(minutes=30))
        session.add(suspected)
        session.add(UnverifiedPerson(person_id=people[0].id, point_code=point.code, reason="not in the registry"))
        scanned = people[1]
        session.add(Scan(scan_id=f"m-scan-{side.name}", action="person", barcode=barcode(side, "OPEN"),
                         point_id=point.id, at=now() - timedelta(minutes=30), outcome={
                             "scan_id": f"m-scan-{side.name}", "action": "person", "status": "ok", "code": "added",
                             "message": f"{scanned.name} in tube", "params": {
                                 "name": scanned.name, "barcode": barcode(side, "OPEN"), "members": 1, "size": POOL},
                             "reach": [side.village, side.village, side.group]}))
        session.flush()
        side.add("suspected", suspected)
