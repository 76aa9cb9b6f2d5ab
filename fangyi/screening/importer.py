"""`fangyi import samples` and `fangyi import lab-results`, through the registry's import pipeline.

Samples are what handhelds upload when they come back online: a swab is never
lost over a code, so an unknown point or round is kept on the row and flagged,
and a person not in the registry is registered on the spot, flagged for
checking. What cannot be a swab (an unreadable barcode, a bad identity
number, an eleventh person in a ten-tube) is refused with its reason.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from fangyi.errors import DomainError
from fangyi.imports.rows import Context, Handler, Problem, Values
from fangyi.screening.common import (
    UNVERIFIED_NAME,
    Refusal,
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
from fangyi.screening.models import RESULTS, Sample, Tube
from fangyi.screening.results import ResultFields, apply_results, conflict_reason, parse_ct
from fangyi.timeutil import parse_instant


def _instant(raw: str | None, column: str, ctx: Context) -> datetime:
    text = (raw or "").strip()
    if not text:
        raise Refusal("required", f"{column} is required")
    try:
        moment = parse_instant(text, ctx.tz)
    except (ValueError, OverflowError):
        raise Refusal("bad_time", f"{column} {text!r} is not an ISO 8601 time") from None
    if not 2000 <= moment.year <= 2100:
        raise Refusal("bad_time", f"{column} {text} is outside 2000–2100")
    return moment


class Samples(Handler):
    required = ("barcode", "id_number", "sampled_at")
    optional = ("point_code", "round_code")
    batch_size = 1

    def take(self, line: int, values: Values) -> Problem | None:
        row = self.row(values)
        column = "barcode"
        try:
            barcode = check_barcode(row["barcode"])
            column = "id_number"
            id_number = check_id_number(row["id_number"])
            column = "sampled_at"
            at = _instant(row["sampled_at"], "sampled_at", self.ctx)
            column = "barcode"
            if self.dry:
                return None
            with self.ctx.session.begin_nested():
                return self._write(barcode, id_number, at, row.get("point_code"), row.get("round_code"))
        except Refusal as refusal:
            return Problem(line, column, refusal.message)

    def _write(self, barcode: str, id_number: str, at: datetime, point_code: str | None,
               round_code: str | None) -> Problem | None:
        session, ctx = self.ctx.session, self.ctx
        # Kept as given (cut to the column's width): a long code is still a code to look into.
        point_code = (point_code or "").strip()[:40] or None
        round_code = (round_code or "").strip()[:40] or None
        point, found_round = point_by_code(session, point_code), round_by_code(session, round_code)
        flags = []
        if point_code and point is None:
            flags.append(f"sampling point {point_code} unknown")
        if round_code and found_round is None:
            flags.append(f"round {round_code} unknown")
        if found_round is None and not round_code and point is not None:
            found_round = round_for(session, point.area_code, at)
        person = find_person(session, id_number)
        if person is None:
            area = point.area_code if point else fallback_area(session, ctx.actor)
            person = register_unverified(session, ctx.actor, id_number, UNVERIFIED_NAME, area, point_code,
                                         "not in the registry; uploaded by a handheld without a name")
        tube = session.scalar(select(Tube).where(Tube.barcode == barcode))
        if tube is None:
            size = found_round.pool_size if found_round else max(pool_sizes())
            tube = Tube(barcode=barcode, round_id=found_round.id if found_round else None,
                        point_id=point.id if point else None, pool_size=size, members=0, state="closed",
                        opened_at=at, closed_at=at, flag="; ".join(flags)[:300] or None, actor_id=ctx.actor.id or None)
            session.add(tube)
            session.flush()
        elif session.scalar(select(Sample.id).where(Sample.tube_id == tube.id, Sample.person_id == person.id)):
            self.unchanged += 1
            return None
        if tube.members >= tube.pool_size:
            raise Refusal("tube_full", f"tube {barcode} is full ({tube.pool_size}); this swab needs a new tube")
        if tube.pool_size > 1 and (reason := control_reason(session, person.id, at)) is not None:
            flags.append(f"under control ({reason}) but pooled")
        session.add(Sample(tube_id=tube.id, person_id=person.id, round_id=tube.round_id, sampled_at=at,
                           point_code=point_code, round_code=round_code, flag="; ".join(flags)[:300] or None,
                           import_id=ctx.import_id, actor_id=ctx.actor.id or None))
        # A tube a live page still has open stays open; an uploaded one closed with its last swab.
        closed_at = None if tube.state == "open" else max(tube.closed_at, at) if tube.closed_at else at
        session.execute(update(Tube).where(Tube.id == tube.id).values(members=Tube.members + 1, closed_at=closed_at))
        session.flush()
        session.expire(tube)
        self.loaded += 1
        return None

    def flush(self) -> list[Problem]:
        return []


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
        except Refusal as refusal:
            return Problem(line, "barcode" if refusal.code == "unreadable_barcode" else "tested_at", refusal.message)
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


