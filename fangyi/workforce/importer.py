"""`fangyi import staff FILE`: the staff file of formats.md (`name, phone, institution,
qualification, user?`), keyed by phone.

A phone met twice in the file, an institution unknown (or outside the importer's jurisdiction), a
qualification not in the list or an account that does not exist: the row is reported with its line
and column and nothing of it is written. A phone already on the list with other values updates that
person, and the audit trail keeps what they were. The same file twice changes nothing the second time.
"""

from __future__ import annotations

from sqlalchemy import select

from fangyi.audit import service as audit
from fangyi.auth.models import User
from fangyi.errors import DomainError
from fangyi.imports.rows import Context, Handler, Problem, Values
from fangyi.workforce import service
from fangyi.workforce.models import Institution, Staff


class StaffRows(Handler):
    required = ("name", "phone", "institution", "qualification")
    optional = ("user",)
    batch_size = 1

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.seen: dict[str, int] = {}
        self.institutions: dict[str, Institution | None] = {}

    def _institution(self, name: str) -> Institution | None:
        if name not in self.institutions:
            self.institutions[name] = service.institution_by_name(self.ctx.session, self.ctx.actor, name)
        return self.institutions[name]

    def take(self, line: int, values: Values) -> Problem | None:
        row = self.row(values)
        name = (row.get("name") or "").strip()
        if not name:
            return Problem(line, "name", "name is required")
        if len(name) > 100:
            return Problem(line, "name", "name is longer than 100 characters")
        try:
            phone = service._phone(row.get("phone"))
            quals = service.qualifications_of(row.get("qualification") or "")
        except DomainError as exc:
            return Problem(line, str(exc.extra.get("column", "phone")), exc.detail)
        if (first := self.seen.get(phone)) is not None:
            return Problem(line, "phone", f"phone {phone} appears already on line {first}")
        self.seen[phone] = line
        institution = (row.get("institution") or "").strip()
        home = self._institution(institution) if institution else None
        if home is None:
            return Problem(line, "institution", f"institution {institution!r} is not known in your jurisdiction"
                           if institution else "institution is required")
        session = self.ctx.session
        user_id = None
        username = (row.get("user") or "").strip()
        if username:
            user_id = session.scalar(select(User.id).where(User.username == username))
            if user_id is None:
                return Problem(line, "user", f"no account {username!r}")
            other = session.scalar(select(Staff.phone).where(Staff.user_id == user_id))
            if other is not None and other != phone:
                return Problem(line, "user", f"account {username!r} belongs to another person of the staff list")
        found = session.scalar(select(Staff).where(Staff.phone == phone))
        if found is not None and not self.ctx.county_wide and self.ctx.outside(found.area_code) is not None:
            return Problem(line, "phone", f"phone {phone} belongs to a person outside your jurisdiction")
        if self.dry:
            return None
        if found is None:
            service.create_staff(session, self.ctx.actor, name=name, phone=phone, institution=home.code,
                                 qualifications=quals, user_id=user_id, import_id=self.ctx.import_id)
            self.loaded += 1
            return None
        after = {"name": name, "institution_id": home.id, "area_code": home.area_code, "qualifications": quals,
                 "user_id": user_id if username else found.user_id, "active": True}
        before = {key: getattr(found, key) for key in after}
        if before == after:
            self.unchanged += 1
            return None
        for key, value in after.items():
            setattr(found, key, value)
        session.flush()
        old, new = audit.changes(before, after)
        audit.record(session, self.ctx.actor, "update", "workforce_staff", found.id, before=old, after=new)
        self.loaded += 1
        return None

    def flush(self) -> list[Problem]:
        return []
