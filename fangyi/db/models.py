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

__all__ = [
    "ApiToken",
    "Area",
    "AuditEntry",
    "Base",
    "Checkin",
    "Household",
    "ImportProblem",
    "ImportRun",
    "Person",
    "PersonMerge",
    "User",
    "Venue",
]
