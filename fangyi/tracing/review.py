"""What sends tracers back to work already done: a case ruled out, and a close contact in
quarantine turning positive (the index turns).

A ruled-out case keeps its contacts: they are flagged for review in the tracers' queue, and
everyone in quarantine for it is flagged by the quarantine part. When the index turns,
quarantine re-categorises the placements and raises `index_turned` alerts, one per secondary
contact; the tracers see them grouped by the person who turned (quarantine's service), and mark
the group handled.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from fangyi.access import Principal, require
from fangyi.audit import service as audit
from fangyi.errors import Conflict, Invalid
from fangyi.quarantine import service as quarantine
from fangyi.quarantine.models import Alert
from fangyi.quarantine.service import IndexTurned
from fangyi.timeutil import now
from fangyi.tracing.cases import get_case
from fangyi.tracing.models import Case, Contact

REASON_LENGTH = 500


def rule_out_case(session: Session, actor: Principal, case_no: str, reason: str) -> Case:
    """Rule a case out: it leaves the counts from now on; whoever is in quarantine for it is
    flagged for review, and its contacts stay listed, flagged for review in the queue."""
    require(actor, "edit_cases")
    case = get_case(session, actor, case_no)
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("a case is ruled out with a reason", column="reason")
    if len(reason) > REASON_LENGTH:
        raise Invalid(f"the reason is longer than {REASON_LENGTH} characters", column="reason")
    if case.ruled_out_at is not None:
        raise Conflict(f"case {case.case_no} was ruled out already")
    before = {"ruled_out_at": None, "ruled_out_reason": None}
    case.ruled_out_at, case.ruled_out_reason = now(), reason
    case.ruled_out_by_id = actor.id or None
    session.flush()
    audit.record(session, actor, "rule_out", "case", case.id, before=before,
                 after={"ruled_out_at": case.ruled_out_at.isoformat(), "ruled_out_reason": reason})
    persons = list(session.scalars(select(Contact.person_id).where(Contact.case_id == case.id)))
    quarantine.flag_for_review(session, actor, person_ids=persons, case_id=case.id, reason=reason)
    return case


def index_turned(session: Session, user: Principal, *, include_handled: bool = False) -> list[IndexTurned]:
    """The index-turned events whose affected contacts live in the tracer's jurisdiction, newest first."""
    require(user, "read_cases")
    return quarantine.index_turned(session, user, include_handled=include_handled)


def handle_index_turned(session: Session, actor: Principal, index_person_id: int) -> list[Alert]:
    """The tracer has dealt with a turned index (the new close contacts traced and called)."""
    require(actor, "edit_cases")
    return quarantine.handle_index_turned(session, actor, index_person_id)
