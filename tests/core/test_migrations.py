"""The migrations build exactly the schema the models describe (no drift)."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from fangyi.db.models import Base


# SQLite cannot reflect expression indexes; PostgreSQL's half of this test compares them.
@pytest.mark.filterwarnings("ignore:.*expression-based index")
def test_models_and_migrations_agree(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == [], f"models changed without a migration: {diff}"
