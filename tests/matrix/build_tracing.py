"""Tracing's records on each side: a case (of the registry's first person), a confirmed close
contact of it (their household member), a turned index (a close contact in quarantine who tested
positive, whom a waiting person followed), and one assist list (协查) from the province that names a
person on each side."""

from __future__ import annotations

from datetime import timedelta

from fangyi.identity import mask_id_number, mask_phone
from fangyi.imports.models import ImportRun
from fangyi.quarantine.models import Alert
from fangyi.timeutil import now
from fangyi.tracing.assist_models import AssistList, AssistPerson
from fangyi.tracing.models import Case, Contact
from tests.matrix.world import World


def build(world: World) -> None:
    session = world.session
    moment = now()
    run = ImportRun(kind="assist", filename="省协查.csv", status="done")
    session.add(run)
    session.flush()
    the_list = AssistList(import_id=run.id, name="省协查 3月27日")
    session.add(the_list)
    session.flush()
    world.inside.add("assist_list", the_list)
    for number, side in enumerate(world.sides()):
        word = "里" if side.name == "inside" else "外"
        case = Case(case_no=f"HD-{side.name}", person_id=side["person"].id, classification="confirmed",
                    sampled_at=moment - timedelta(days=2), confirmed_at=moment - timedelta(days=1), source="local")
        session.add(case)
        session.flush()
        side.add("case", case, case.case_no)
        contact = Contact(case_id=case.id, person_id=side["other_person"].id, degree="close",
                          first_exposure=moment - timedelta(days=3), last_exposure=moment - timedelta(days=2),
                          reasons=[{"kind": "household"}], via=[], status="confirmed",
                          assigned_to_id=world.users["tracer"].id)
        session.add(contact)
        session.flush()
        side.add("contact", contact)
        # The quarantined person turned positive; the waiting one, their secondary contact, became close.
        index, affected = side["q_placed_person"], side["q_waiting_person"]
        session.add(Alert(placement_id=None, person_id=affected.id, kind="index_turned",
                          detail={"index_person_id": index.id}, at=moment - timedelta(hours=1)))
        side.add("index", index)
        person = side["person"]
        item = AssistPerson(list_id=the_list.id, line=2 + number, id_number=person.id_number, name=person.name,
                            phone=person.phone, reason=f"{word}乡时空伴随", source="big_data",
                            deadline=moment + timedelta(hours=12), person_id=person.id, matched_by="id_number",
                            matched_at=moment)
        session.add(item)
        session.flush()
        side.add("assist_person", item, f"{word}乡时空伴随")
        if side.name == "outside" and person.phone:
            side.markers.update({mask_id_number(person.id_number), mask_phone(person.phone)})
