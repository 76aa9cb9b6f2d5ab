"""Every part's models, imported in one place so Alembic sees the whole schema."""

from fangyi.audit.models import AuditEntry
from fangyi.auth.models import ApiToken, User
from fangyi.db.base import Base
from fangyi.registry.models import (
    Area,
    Checkin,
    Household,
    ImportProblem,
    ImportRun,
    Person,
    PersonMerge,
    Venue,
)
from fangyi.screening.models import (
    Box,
    Control,
    Lab,
    LabResult,
    RetestTask,
    Sample,
    SamplingPoint,
    Scan,
    ScreeningRound,
    SuspectedCase,
    Tube,
    UnverifiedPerson,
)
from fangyi.tracing.models import Case, Contact, InvestigationPlace, NamedContact, ReachAttempt

__all__ = [
    "ApiToken",
    "Area",
    "AuditEntry",
    "Base",
    "Box",
    "Case",
    "Checkin",
    "Contact",
    "Control",
    "Household",
    "ImportProblem",
    "ImportRun",
    "InvestigationPlace",
    "Lab",
    "LabResult",
    "NamedContact",
    "Person",
    "PersonMerge",
    "ReachAttempt",
    "RetestTask",
    "Sample",
    "SamplingPoint",
    "Scan",
    "ScreeningRound",
    "SuspectedCase",
    "Tube",
    "UnverifiedPerson",
    "User",
    "Venue",
]
