"""The registry's records on each side: persons (one merged into another), a household, a venue,
a stay there."""

from __future__ import annotations

from datetime import date

from fangyi.identity import make_id_number, mask_id_number, mask_phone
from fangyi.registry.models import Checkin, Household, Person, PersonMerge, Venue
from tests.matrix.world import World

NOON = 1648353900  # 2022-03-27 12:05 in Hengdong


def build(world: World) -> None:
    session = world.session
    for number, side in enumerate(world.sides()):
        word = "里" if side.name == "inside" else "外"
        household = side.add("household", Household(code=f"HH-{side.name}", area_code=side.group), f"HH-{side.name}")
        session.add(household)
        session.flush()
        people = []
        for n in range(3):
            id_number = make_id_number("430424", date(1980 + n, 3, 1 + number), 100 + 10 * number + n, "M")
            phone = f"13{number}0000000{n}"
            person = Person(id_number=id_number, doc_kind="resident", name=f"{word}乡人{n}", sex="M",
                            birth_date=date(1980 + n, 3, 1 + number), phone=phone, area_code=side.group,
                            address=f"{word}乡{n}号", household_id=household.id)
            session.add(person)
            people.append(person)
            if side.name == "outside":
                side.markers.update({id_number, mask_id_number(id_number), phone, mask_phone(phone)})
        session.flush()
        side.add("person", people[0], people[0].name)
        side.add("other_person", people[1], people[1].name)
        side.add("merged_person", people[2], people[2].name)
        venue = Venue(code=f"MX-{side.name}", name=f"{word}乡饭店", kind="restaurant", area_code=side.village)
        session.add(venue)
        session.flush()
        side.add("venue", venue, venue.code, venue.name)
        session.add(Checkin(person_id=people[0].id, venue_id=venue.id, in_at=NOON, out_at=NOON + 3600))
        people[2].merged_into_id = people[1].id
        merge = PersonMerge(survivor_id=people[1].id, merged_id=people[2].id, moved={}, survivor_before={},
                            reason="重复登记")
        session.add(merge)
        session.flush()
        side.add("merge", merge)
