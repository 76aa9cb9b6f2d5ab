"""Every part's models, imported in one place so Alembic sees the whole schema."""

from fangyi.audit.models import AuditEntry
from fangyi.auth.models import ApiToken, User
from fangyi.db.base import Base
from fangyi.quarantine.models import (
    Alert,
    HealthCheck,
    Placement,
    PlacementRequest,
    QuarantineSite,
    QuarantineTest,
    Room,
    TransportRequest,
)
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
from fangyi.tracing.assist_models import AssistList, AssistPerson
from fangyi.tracing.models import Case, Contact, InvestigationPlace, NamedContact, ReachAttempt

__all__ = [
    "Alert",
    "ApiToken",
    "Area",
    "AssistList",
    "AssistPerson",
    "AuditEntry",
    "Base",
    "Box",
    "Case",
    "Checkin",
    "Contact",
    "Control",
    "HealthCheck",
    "Household",
    "ImportProblem",
    "ImportRun",
    "InvestigationPlace",
    "Lab",
    "LabResult",
    "NamedContact",
    "Person",
    "PersonMerge",
    "Placement",
    "PlacementRequest",
    "QuarantineSite",
    "QuarantineTest",
    "ReachAttempt",
    "RetestTask",
    "Room",
    "Sample",
    "SamplingPoint",
    "Scan",
    "ScreeningRound",
    "SuspectedCase",
    "TransportRequest",
    "Tube",
    "UnverifiedPerson",
    "User",
    "Venue",
]
