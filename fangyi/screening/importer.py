"""`fangyi import samples` and `fangyi import lab-results`, through the registry's import pipeline.

Samples are what handhelds upload when they come back online: a swab is never
lost over a code, so an unknown point or round is kept on the row and flagged,
and a person not in the registry is registered on the spot, flagged for
checking. What cannot be a swab (an unreadable barcode, a bad identity
number) is refused with its reason, and so is whatever the scans refuse: each
row goes through the same tube rules (tubes.py), in the same words.
Lab results: only for tubes of the importer's jurisdiction.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, func, select, update
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session

from fangyi.errors import DomainError
from fangyi.imports.rows import Context, Handler, Problem, Values
from fangyi.screening import tubes as rules
from fangyi.screening.common import (
    UNVERIFIED_NAME,
    Refusal,
    RefusalCode,
    check_barcode,
    check_id_number,
    control_reason,
    fallback_area,
    find_person,
    point_by_code,
    pool_sizes,
    register_unverified,
    round_by_code,
    round_for,
)
from fangyi.screening.models import RESULTS, Sample, SamplingPoint, Tube
from fangyi.screening.results import ResultFields, apply_results, conflict_reason, parse_ct
from fangyi.screening.scans import PERSON_LOCK
from fangyi.screening.tubes import PersonRow, PointRow, TubeRow
from fangyi.timeutil import parse_instant


class BadValue(ValueError):
    """A cell that cannot be read as what its column holds."""


def _instant(raw: str | None, column: str, ctx: Context) -> datetime:
    text = (raw or "").strip()
    if not text:
        raise BadValue(f"{column} is required")
    try:
        moment = parse_instant(text, ctx.tz)
    except (ValueError, OverflowError):
        raise BadValue(f"{column} {text!r} is not an ISO 8601 time") from None
    if not 2000 <= moment.year <= 2100:
        raise BadValue(f"{column} {text} is outside 2000–2100")
    return moment


# The column a refused row is reported at, by the rule that refused it.
_COLUMN: dict[RefusalCode, str | None] = {
    "outside": "point_code", "bad_id": "id_number", "unknown_person": "id_number", "person_outside": "id_number",
    "under_control": "id_number", "already_in_tube": "id_number", "in_other_tube": "id_number", "no_area": None,
}
# A tube as the rules read it: with its own point's area and its opener.
_TUBE = select(Tube.id, Tube.barcode, Tube.state, Tube.pool_size, Tube.members, Tube.round_id, Tube.point_id,
               select(SamplingPoint.area_code).where(SamplingPoint.id == Tube.point_id).scalar_subquery(),
               Tube.actor_id)


class Samples(Handler):
    """Row by row, each through the tube rules the scans go through (tubes.py). A tube the batch
    names that was never opened is opened by it, and closed when the batch is done; a row naming
    a tube and person already together is a resend: unchanged."""

    required = ("barcode", "id_number", "sampled_at")
    optional = ("point_code", "round_code")
    batch_size = 1

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.opened: set[int] = set()

    def take(self, line: int, values: Values) -> Problem | None:
        row = self.row(values)
        try:
            barcode = check_barcode(row["barcode"])
            id_number = check_id_number(row["id_number"])
            at = _instant(row["sampled_at"], "sampled_at", self.ctx)
        except Refusal as refusal:
            return Problem(line, _COLUMN.get(refusal.code, "barcode"), refusal.message)
        except BadValue as exc:
            return Problem(line, "sampled_at", str(exc))
        if self.dry:
            return None
        try:
            with self.ctx.session.begin_nested():
                self._write(barcode, id_number, at, row.get("point_code"), row.get("round_code"))
        except Refusal as refusal:
            return Problem(line, _COLUMN.get(refusal.code, "barcode"), refusal.message)
        except DomainError as exc:  # the registry refusing to register the person on the spot
            return Problem(line, str(exc.extra.get("column") or "id_number"), exc.detail)
        return None

    def _write(self, barcode: str, id_number: str, at: datetime, point_code: str | None,
               round_code: str | None) -> None:
        session, actor = self.ctx.session, self.ctx.actor
        # Kept as given (cut to the column's width): a long code is still a code to look into.
        point_code = (point_code or "").strip()[:40] or None
        round_code = (round_code or "").strip()[:40] or None
        found = point_by_code(session, point_code)
        point = PointRow(found.id, found.code, found.area_code) if found else None
        rules.check_point(actor, point)
        flags = []
        if point_code and point is None:
            flags.append(f"sampling point {point_code} unknown")
        tube = _tube(session, barcode)
        if tube is not None:
            rules.check_tube(actor, tube)
        person = find_person(session, id_number)
        if tube is not None and person is not None and session.scalar(
                select(Sample.id).where(Sample.tube_id == tube.id, Sample.person_id == person.id)):
            self.unchanged += 1  # sent before
            return
        if tube is None:
            tube = self._open(session, barcode, point, round_code, at, flags)
        rules.check_open(tube)
        if person is None:
            name = rules.name_to_register(id_number, UNVERIFIED_NAME)
            area = point.area_code if point else fallback_area(session, actor)
            person = register_unverified(session, actor, id_number, name, area, point_code,
                                         "not in the registry; uploaded by a handheld without a name")
        swabbed = PersonRow(person.id, person.name, person.id_number, None, person.area_code)
        rules.check_person(actor, swabbed)
        _lock_person(session, person.id)
        rules.check_swab(actor, tube, swabbed, control=control_reason(session, person.id, at), in_tube=False,
                         elsewhere=_elsewhere(session, person.id, tube))
        session.add(Sample(tube_id=tube.id, person_id=person.id, round_id=tube.round_id, sampled_at=at,
                           point_code=point_code, round_code=round_code, flag="; ".join(flags)[:300] or None,
                           import_id=self.ctx.import_id, actor_id=actor.id or None))
        grown = rules.swabbed(tube)
        session.execute(update(Tube).where(Tube.id == tube.id).values(
            members=grown.members, state=grown.state, closed_at=at if grown.state == "closed" else None))
        session.flush()
        self.loaded += 1

    def _open(self, session: Session, barcode: str, point: PointRow | None, round_code: str | None,
              at: datetime, flags: list[str]) -> TubeRow:
        """The tube as the handheld opened it offline: at the row's point, in its round."""
        chosen = round_by_code(session, round_code)
        if round_code and chosen is None:
            flags.append(f"round {round_code} unknown")
        if chosen is None and not round_code and point is not None:
            chosen = round_for(session, point.area_code, at)
        size = rules.pool_size(None, chosen.pool_size if chosen else None, pool_sizes())
        tube = Tube(barcode=barcode, round_id=chosen.id if chosen else None, point_id=point.id if point else None,
                    pool_size=size, members=0, state="open", opened_at=at, flag="; ".join(flags)[:300] or None,
                    actor_id=self.ctx.actor.id or None)
        session.add(tube)
        session.flush()
        self.opened.add(tube.id)
        return TubeRow(tube.id, barcode, "open", size, 0, tube.round_id, tube.point_id,
                       point.area_code if point else None, tube.actor_id)

    def flush(self) -> list[Problem]:
        return []

    def finish(self) -> list[Problem]:
        """The tubes the batch opened are closed, each at its last swab: the handheld is done with them."""
        if self.opened and not self.dry:
            last = select(func.max(Sample.sampled_at)).where(Sample.tube_id == Tube.id).scalar_subquery()
            self.ctx.session.execute(update(Tube).where(Tube.id.in_(sorted(self.opened))).values(
                state="closed", closed_at=last).execution_options(synchronize_session=False))
        return []


def _tube(session: Session, barcode: str) -> TubeRow | None:
    row = session.execute(_TUBE.where(Tube.barcode == barcode).with_for_update(of=Tube)).first()
    return TubeRow(*row) if row else None


def _elsewhere(session: Session, person_id: int, tube: TubeRow) -> list[TubeRow]:
    """The other open tubes of the tube's round the person is in."""
    if tube.round_id is None:
        return []
    rows = session.execute(_TUBE.join(Sample, Sample.tube_id == Tube.id).where(
        Sample.person_id == person_id, Sample.round_id == tube.round_id, Tube.state == "open", Tube.id != tube.id))
    return [TubeRow(*row) for row in rows]


def _lock_person(session: Session, person_id: int) -> None:
    """PostgreSQL: the person held as the scans hold them (scans.PERSON_LOCK), so that a scan and
    a batch cannot put them into two open tubes of a round at once."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(PERSON_LOCK, sql_cast(person_id % 2147483647, Integer))))


class LabResults(Handler):
    """Checked row by row, written in batches (a lab sends a round's results in one file)."""

    required = ("barcode", "result", "tested_at", "lab_code")
    optional = ("ct_orf1ab", "ct_n")
    batch_size = 2000

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.batch: list[tuple[int, ResultFields]] = []

    def take(self, line: int, values: Values) -> Problem | None:
        row = self.row(values)
        try:
            tested_at = _instant(row["tested_at"], "tested_at", self.ctx)
            barcode = check_barcode(row["barcode"])
        except BadValue as exc:
            return Problem(line, "tested_at", str(exc))
        except Refusal as refusal:
            return Problem(line, "barcode", refusal.message)
        lab = (row["lab_code"] or "").strip()
        if not lab:
            return Problem(line, "lab_code", "lab_code is required")
        result = (row["result"] or "").strip().lower()
        if result not in RESULTS:
            return Problem(line, "result", f"result must be one of {', '.join(RESULTS)}, not {result!r}")
        try:
            fields = ResultFields(barcode=barcode, result=result, tested_at=tested_at, lab_code=lab[:40],
                                  ct_orf1ab=parse_ct(row.get("ct_orf1ab"), "ct_orf1ab"),
                                  ct_n=parse_ct(row.get("ct_n"), "ct_n"))
        except DomainError as exc:
            column = exc.extra.get("column")
            return Problem(line, str(column) if column else None, exc.detail)
        if not self.dry:
            self.batch.append((line, fields))
            if len(self.batch) >= self.batch_size:
                self.late.extend(self.flush())
        return None

    def stop_writing(self) -> None:
        super().stop_writing()
        self.batch.clear()

    def flush(self) -> list[Problem]:
        batch, self.batch = self.batch, []
        if not batch or self.dry:
            return []
        answers = apply_results(self.ctx.session, self.ctx.actor, [fields for _, fields in batch], self.ctx.import_id)
        problems = []
        for (line, fields), answer in zip(batch, answers, strict=True):
            if answer == "loaded":
                self.loaded += 1
            elif answer == "unchanged":
                self.unchanged += 1
            elif answer == "conflict":
                problems.append(Problem(line, "result", conflict_reason(fields.barcode, fields.result)))
            else:
                problems.append(Problem(line, "barcode", f"no tube with barcode {fields.barcode}: not scanned "
                                        "or not uploaded yet"))
        return problems


