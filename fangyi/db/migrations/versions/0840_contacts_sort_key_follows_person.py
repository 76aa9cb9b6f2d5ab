"""contacts.sort_key follows the contact's person: a trigger on contacts when person_id changes

Migration 0830 keeps the key right when a person's identity number is corrected, but a person
MERGE (and its undo) moves contacts.person_id to another person, whose number the key then must
take; otherwise a case's lists come out of order and paging with `after=` loses contacts.
PostgreSQL: a BEFORE row trigger sets the new row's key; SQLite: an AFTER row trigger rewrites it.

Revision ID: 0840
Revises: 0830
Create Date: 2026-12-05 00:30:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0840"
down_revision = "0830"
branch_labels = None
depends_on = None

# A person that does not exist leaves the key as it was: the foreign key then refuses the row, by
# its own name (a NULL key would fail first, as a NOT NULL that says nothing of the person).
_NUMBER = "coalesce((SELECT id_number FROM persons WHERE id = NEW.person_id), {kept})"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
CREATE FUNCTION contacts_follow_person() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.sort_key := {_NUMBER.format(kept='NEW.sort_key')};
    RETURN NEW;
END $$""")
        op.execute("CREATE TRIGGER contacts_follow_person BEFORE UPDATE OF person_id ON contacts FOR EACH ROW "
                   "WHEN (OLD.person_id IS DISTINCT FROM NEW.person_id) EXECUTE FUNCTION contacts_follow_person()")
    else:
        op.execute("CREATE TRIGGER contacts_follow_person AFTER UPDATE OF person_id ON contacts "
                   "WHEN OLD.person_id IS NOT NEW.person_id "
                   f"BEGIN UPDATE contacts SET sort_key = {_NUMBER.format(kept='sort_key')} WHERE id = NEW.id; END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS contacts_follow_person ON contacts")
        op.execute("DROP FUNCTION IF EXISTS contacts_follow_person()")
    else:
        op.execute("DROP TRIGGER IF EXISTS contacts_follow_person")
