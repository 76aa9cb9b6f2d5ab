"""A suspected case (a positive single tube) confirmed by the CDC into tracing's case."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from fangyi.access import Principal
from fangyi.audit import service as audit
from fangyi.errors import Conflict
from fangyi.registry.models import Person
from fangyi.screening.models import SuspectedCase
from fangyi.timeutil import now
from fangyi.tracing.models import Case
from fangyi.tracing.service import CaseFields, create_case


def confirm_suspected(
    session: Session, actor: Principal, suspected: SuspectedCase, *, case_no: str, classification: str,
    source: str, confirmed_at: datetime | None = None,
) -> Case:
    """Open the case (tracing derives its contacts); the suspected record points at it. The caller commits."""
    if suspected.status != "pending":
        raise Conflict(f"suspected case {suspected.id} is {suspected.status} already")
    person = session.get(Person, suspected.person_id)
    assert person is not None
    fields = CaseFields(case_no=case_no, id_number=person.id_number, classification=classification,
                        onset_date=None, sampled_at=suspected.sampled_at,
                        confirmed_at=confirmed_at or max(now(), suspected.tested_at), source=source)
    case = create_case(session, actor, fields)
    suspected.status, suspected.case_id = "confirmed", case.id
    audit.record(session, actor, "confirm", "suspected_case", suspected.id, after={"case_no": case_no})
    session.flush()
    return case
