"""The public notice drafted in Chinese when a zone comes into force, is sealed, lifted or
downgraded: which areas, from when, which measures start, continue or end. A commander's office edits
it (each edit a new version) and prints it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from fangyi.access import Principal
from fangyi.protocols.reader import load
from fangyi.registry.models import Area, Venue
from fangyi.timeutil import to_local
from fangyi.zones.areas import ancestors
from fangyi.zones.models import Zone, ZoneArea, ZoneDecision, ZoneNotice

KIND_ZH = {"sealed": "封控区", "controlled": "管控区", "precaution": "防范区", "high": "高风险区",
           "medium": "中风险区", "low": "低风险区"}


def _names(session: Session, zone: Zone) -> tuple[str, str]:
    """The zone's areas in words (each with the names above it, the county's left out), and the county's name."""
    codes = set(zone.area_codes)
    chains: dict[str, str] = {}
    above = sorted({a for code in codes for a in ancestors(code)})
    names = {a.code: a for a in session.scalars(select(Area).where(Area.code.in_(above)))} if codes else {}
    county = ""
    for code in sorted(codes):
        parts = []
        area = names.get(code)
        while area is not None:
            if area.level == "county":
                county = area.name
            else:
                parts.append(area.name)
            area = names.get(area.parent_code) if area.parent_code else None
        chains[code] = "".join(reversed(parts)) or (names[code].name if code in names else code)
    words = [chains[code] for code in sorted(codes)]
    if zone.venue_ids:
        venues = select(Venue).where(Venue.id.in_(zone.venue_ids)).order_by(Venue.code)
        words += [v.name for v in session.scalars(venues)]
    if not county:
        found = session.get(Area, zone.scope_code[:6])
        county = found.name if found else ""
    return "、".join(words) or zone.scope_code, county


def _when(decision: ZoneDecision) -> str:
    local = to_local(decision.at)
    return f"{local.year}年{local.month}月{local.day}日{local.hour}时"


def _measures(items: list[str] | tuple[str, ...]) -> str:
    return "\n".join(f"{n}. {item}；" for n, item in enumerate(items, 1)) if items else "（无）"


def _continuing(session: Session, zone: Zone) -> str:
    """What still holds over the lifted areas: the measures of a zone in force above them, else routine."""
    above = sorted({a for code in zone.area_codes for a in ancestors(code)} - set(zone.area_codes))
    still = session.scalars(select(Zone).join(ZoneArea, ZoneArea.zone_id == Zone.id).where(
        ZoneArea.area_code.in_(above), ZoneArea.in_force.is_(True), Zone.state == "active", Zone.id != zone.id))
    for other in sorted(set(still), key=lambda z: z.id):
        if other.kind in KIND_ZH and (other.kind in ("sealed", "controlled", "precaution")) == (
                zone.kind in ("sealed", "controlled", "precaution")):
            return f"以上区域继续执行{KIND_ZH[other.kind]}措施：\n{_measures(other.measures)}"
    return "解除后请继续做好个人防护，落实常态化防控措施。"


def draft(session: Session, actor: Principal, zone: Zone, decision: ZoneDecision, action: str) -> ZoneNotice:
    """Version 1 of the notice of this decision."""
    areas, county = _names(session, zone)
    edition = load(zone.edition) if zone.edition else None
    rule = f"根据《{edition.title}》" if edition else "根据疫情防控有关规定"
    when = _when(decision)
    before = KIND_ZH.get(decision.kind_before or "", "")
    after = KIND_ZH.get(decision.kind_after or zone.kind, "")
    command = f"{county}新冠肺炎疫情防控指挥部"
    if action == "approve":
        title = f"关于划定{after}的通告"
        text = (f"{rule}，经{command}研究决定，自{when}起，将{areas}划定为{after}，实行以下措施：\n"
                f"{_measures(zone.measures)}\n请广大群众理解、支持和配合。")
    elif action == "seal":
        title = f"关于将{areas}由{before}调整为{after}的通告"
        text = (f"{rule}，因{areas}内发现阳性感染者，经{command}研究决定，自{when}起，{areas}由{before}调整为"
                f"{after}，实行以下措施：\n{_measures(zone.measures)}\n{before}原有措施由上述措施取代。")
    elif action == "lift":
        title = f"关于解除{areas}{before}的通告"
        text = (f"{rule}，{areas}已达到解除条件，经{command}研究决定，自{when}起，解除{areas}{before}，"
                f"以下措施结束：\n{_measures(zone.measures)}\n{_continuing(session, zone)}")
    else:  # downgrade
        title = f"关于调整{areas}风险等级的通告"
        text = (f"{rule}，{areas}已达到调整条件，经{command}研究决定，自{when}起，{areas}由{before}调整为{after}，"
                f"实行以下措施：\n{_measures(zone.measures)}")
    local = to_local(decision.at)
    body = f"{text}\n\n特此通告。\n\n{command}\n{local.year}年{local.month}月{local.day}日"
    notice = ZoneNotice(zone_id=zone.id, decision_id=decision.id, version=1, title=title, body=body,
                        written_by=actor.username)
    session.add(notice)
    session.flush()
    return notice
