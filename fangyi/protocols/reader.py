"""The rule book's reader. Parts ask it for numbers; none are kept in code.

An edition is a TOML file; a county edition names another in ``extends`` and
overrides only what differs. Editions are looked up in the package, then in
``FANGYI_PROTOCOL_DIR``; ``FANGYI_PROTOCOL`` may also be a path to a file.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from fangyi.config import get_settings
from fangyi.errors import DomainError

EDITIONS = Path(__file__).parent / "editions"


class ProtocolError(DomainError):
    status = 500
    title = "Protocol edition unusable"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Contacts(_Strict):
    lookback_days: int = Field(ge=0)
    routine_testing_lookback: Literal["onset", "last_negative_sampling"]
    close_contact_kinds: tuple[str, ...]
    secondary_contact_kinds: tuple[str, ...]
    secondary_only_higher_risk: bool
    min_overlap_minutes: int = Field(ge=0)
    fallback_stay_kind: str
    default_stay_minutes: dict[str, int]

    def stay_minutes(self, kind: str) -> int:
        return self.default_stay_minutes.get(kind, self.default_stay_minutes[self.fallback_stay_kind])


class QuarantineRule(_Strict):
    setting: Literal["centralized", "home", "monitoring", "none"]
    days: int = Field(ge=0)
    test_days: tuple[int, ...]
    monitoring_days: int = Field(ge=0, default=0)
    monitoring_test_days: tuple[int, ...] = ()
    release_reagents: int = 1
    release_needs_close_contact_negatives: int = 0
    test_within_hours: tuple[int, ...] = ()


class HealthChecks(_Strict):
    per_day: int = Field(ge=1)
    fever_celsius: float


ZONE_KINDS = ("sealed", "controlled", "precaution")
RISK_LEVELS = ("high", "medium", "low")
AreaLevel = Literal["group", "village", "township", "county"]


class Zones(_Strict):
    """Sealed, controlled and precaution zones (cn-8): what is proposed around a case, the measures
    of each kind, and when a zone may be lifted."""

    # The area drawn around a case's home for each kind (its group sealed, its village controlled…).
    proposal: dict[Literal["sealed", "controlled", "precaution"], AreaLevel]
    # The kind proposed over the venues of a case's exposure window ("places with likely spread");
    # none: no zone over venues.
    window_venues: Literal["sealed", "controlled"] | None = None
    # Venue kinds left out of that proposal (a home is its group's already).
    window_venues_skip: tuple[str, ...] = ("household",)
    positive_in_controlled_seals: bool
    lift_quiet_days: int = Field(ge=0)
    lift_contact_days: int = Field(ge=0)
    lift_screening_within_days: int = Field(ge=1)
    # The kinds that must all be lifted before a precaution zone may be.
    precaution_waits_for: tuple[str, ...] = ("sealed", "controlled")
    # The public measures each kind starts, as the notice names them.
    measures: dict[Literal["sealed", "controlled", "precaution"], tuple[str, ...]] = {}


class RiskStep(_Strict):
    """One downgrade: from a level to the next lower, once its conditions hold."""

    to: Literal["medium", "low"]
    # Days without a case or positive result inside, counted from the last one's confirmation (day 0).
    quiet_days: int = Field(ge=0)
    # A negative sample of everyone inside taken on or after this day (same count), when asked.
    screening_day: int | None = Field(default=None, ge=0)
    # An area that came to this level by a downgrade needs only this many days at it (and no case
    # since), in place of quiet_days and the screening.
    after_downgrade_days: int | None = Field(default=None, ge=0)


class RiskAreas(_Strict):
    """High / medium / low risk areas: the unit they are drawn over, how a level is assigned, and
    the steps down."""

    unit: AreaLevel = "group"
    # A level given outright to a case's home unit (cn-9: high); none: the criteria below decide.
    home_level: Literal["high", "medium"] | None = None
    high_cumulative_cases: int = Field(ge=0)
    # A cluster: at least cluster_cases cases confirmed in the area within cluster_days.
    cluster_days: int = Field(ge=1)
    cluster_cases: int = Field(ge=2, default=2)
    downgrade: dict[Literal["high", "medium"], RiskStep]
    measures: dict[Literal["high", "medium", "low"], tuple[str, ...]] = {}
    # cn-9: the areas (at `unit`) of the places of a case's window are risk areas too: its
    # workplaces and the places it stayed at `venue_level`, places of frequent activity (stayed on
    # `frequent_days` separate days or more) at `frequent_level`. None: not proposed.
    venue_level: Literal["high", "medium"] | None = None
    frequent_level: Literal["high", "medium"] | None = None
    frequent_days: int = Field(ge=1, default=3)
    venues_skip: tuple[str, ...] = ("household",)


class Placement(_Strict):
    # Below this age a person is a minor: a household with one is placed together (a carer stays
    # with the child), the rest of a household each alone.
    adult_age: int = Field(ge=0, le=30)


class Screening(_Strict):
    pool_sizes: tuple[int, ...]
    result_overdue_hours: int
    round_deadline_hours: int
    residents_per_point: tuple[int, int]
    residents_per_sampler: int


class Epi(_Strict):
    """Epidemic analytics. Not in the rule book: Fangyi's defaults, which a county edition or the
    command (`fangyi epi rt --si-mean --si-sd`) overrides."""

    serial_interval_mean: float = Field(default=3.0, gt=1)  # days; Omicron BA.2 estimates, 2022
    serial_interval_sd: float = Field(default=2.0, gt=0)
    rt_window_days: int = Field(default=7, ge=1)
    rt_min_cases: int = Field(default=12, ge=1)  # EpiEstim's advice: fewer cases, too wide an interval
    rt_prior_mean: float = Field(default=5.0, gt=0)  # EpiEstim's gamma prior: shape 1, scale 5
    rt_prior_sd: float = Field(default=5.0, gt=0)
    # Rt by date of infection (docs/command.md): the incubation period, a gamma distribution; the
    # default is Omicron's (mean 3.2 days, Backer et al. 2022, Eurosurveillance 27(6)).
    incubation_mean: float = Field(default=3.2, gt=0)
    incubation_sd: float = Field(default=1.8, gt=0)
    # The delay from onset to confirmation is read from the cases; with fewer onsets than this,
    # the defaults below stand in for it.
    delay_min_onsets: int = Field(default=10, ge=1)
    onset_to_confirmation_mean: float = Field(default=2.0, gt=0)
    onset_to_confirmation_sd: float = Field(default=1.5, gt=0)


class RiderRule(_Strict):
    """How one class of rider or load travels: with whom it may share a vehicle (alone; its own
    household only; others of its kind), which kinds of vehicle may carry it, and how long the
    vehicle is disinfected afterwards (0: no disinfection due)."""

    shares: Literal["alone", "household", "kind"]
    vehicles: tuple[str, ...]
    disinfect_minutes: int = Field(ge=0, default=0)
    people: bool = True


class Transport(_Strict):
    """Closed-loop transport: the separation rules per rider class, and the travel model."""

    road_factor: float = Field(gt=0)
    speed_kmh: float = Field(gt=0)
    stop_minutes: int = Field(ge=0)
    # How long a task waits before the board shows it late when it asks for no time of its own.
    default_window_hours: int = Field(ge=1)
    riders: dict[str, RiderRule]


class Protocol(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    edition: str
    extends: str | None = None
    title: str
    title_en: str
    published: str
    regime: Literal["zones", "risk_areas"]
    contacts: Contacts
    quarantine: dict[str, QuarantineRule]
    health_checks: HealthChecks
    zones: Zones
    risk_areas: RiskAreas
    screening: Screening
    placement: Placement
    clocks: dict[str, int]
    transport: Transport
    arrivals: dict[str, Any] = {}
    epi: Epi = Epi()
    # Shifts and the limits of a person's hours (fangyi.workforce.rules reads it, over its defaults).
    workforce: dict[str, Any] = {}
    lineage: tuple[str, ...] = ()


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _find(name: str, directory: Path | None) -> Path:
    as_path = Path(name)
    if as_path.suffix == ".toml" and as_path.is_file():
        return as_path
    for folder in (EDITIONS, directory):
        if folder is not None and (folder / f"{name}.toml").is_file():
            return folder / f"{name}.toml"
    raise ProtocolError(f"protocol edition {name!r} not found (known: {', '.join(available(directory))})")


def _raw(name: str, directory: Path | None, seen: tuple[str, ...] = ()) -> dict[str, Any]:
    path = _find(name, directory)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ProtocolError(f"{path}: {exc}") from exc
    parent = data.get("extends")
    if parent:
        if parent in seen:
            raise ProtocolError(f"protocol edition {name!r} extends itself through {parent!r}")
        base = _raw(parent, directory, (*seen, name))
        lineage = (*base.get("lineage", ()), parent)
        data = _merge({k: v for k, v in base.items() if k != "lineage"}, data)
        data["lineage"] = lineage
    return data


@lru_cache(maxsize=16)
def load(name: str, directory: Path | None = None) -> Protocol:
    try:
        return Protocol.model_validate(_raw(name, directory))
    except ValidationError as exc:
        raise ProtocolError(f"protocol edition {name!r} is invalid: {exc}") from exc


def current() -> Protocol:
    """The edition in force, as the settings say."""
    settings = get_settings()
    return load(settings.protocol, settings.protocol_dir)


def available(directory: Path | None = None) -> list[str]:
    names = {p.stem for p in EDITIONS.glob("*.toml")}
    if directory is not None:
        names |= {p.stem for p in directory.glob("*.toml")}
    return sorted(names)
