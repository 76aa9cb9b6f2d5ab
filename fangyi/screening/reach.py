"""Where screening's records lie, for the jurisdiction checks of every service of the part.

A sampling point lies in its area. A tube lies at its own point (not the point a request names):
it is worked where it was opened; a tube of no known point is its opener's and the county's. A
round reaches a jurisdiction when one of its areas lies in it or holds it. A box lies with its
point, or, packed from several points, with its tubes.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, and_, exists, not_, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute, aliased

from fangyi.access import Principal, county_wide, in_jurisdiction, jurisdiction, sees
from fangyi.areacodes import AreaCodeError, prefix
from fangyi.errors import NotFound
from fangyi.screening.models import Box, SamplingPoint, Tube


def area_prefix(code: str) -> str:
    """What every area code inside this area starts with."""
    try:
        return prefix(code)
    except AreaCodeError:
        return code


def tube_in_reach(who: Principal, point_area: str | None, opener: int | None) -> bool:
    if point_area is not None:
        return sees(who, point_area)
    return county_wide(who) or (opener is not None and opener == who.id)


def round_in_reach(who: Principal, area_codes: Iterable[str]) -> bool:
    scope = jurisdiction(who)
    return any(code.startswith(scope) or scope.startswith(area_prefix(code)) for code in area_codes)


def check_round(who: Principal, area_codes: Iterable[str]) -> None:
    if not round_in_reach(who, area_codes):
        raise NotFound("not found in your jurisdiction")


def _point_area(point_id: InstrumentedAttribute[int | None]) -> ColumnElement[str]:
    # Its own alias: a query reading the points too must not correlate this one away.
    point = aliased(SamplingPoint)
    return select(point.area_code).where(point.id == point_id).scalar_subquery()


def tubes_in_reach(who: Principal) -> ColumnElement[bool]:
    """A filter keeping the tubes within reach (as tube_in_reach)."""
    if county_wide(who):
        return true()
    return or_(and_(Tube.point_id.is_not(None), in_jurisdiction(who, _point_area(Tube.point_id))),
               and_(Tube.point_id.is_(None), Tube.actor_id == who.id))


def boxes_in_reach(who: Principal) -> ColumnElement[bool]:
    """A filter keeping the boxes within reach: their point (when they have one) and every tube
    in them."""
    if county_wide(who):
        return true()
    tube_away = exists().where(Tube.box_id == Box.id, not_(tubes_in_reach(who)))
    return and_(or_(Box.point_id.is_(None), in_jurisdiction(who, _point_area(Box.point_id))), not_(tube_away))
