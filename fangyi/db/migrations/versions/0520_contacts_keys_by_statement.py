"""contacts' three foreign keys checked once a statement on PostgreSQL (SQLite keeps its real ones)

PostgreSQL 15 checks a foreign key row by row: for a derivation's 3,600 new contacts that is
3 x 3,600 lookups, each locking (writing to) the referenced row, about 45 ms of the insert.
Here the same guarantee is kept by triggers that check a whole statement's rows at once, one
anti-join per referenced table, without row locks under READ COMMITTED (locking 3,600 persons
FOR KEY SHARE in one statement took 160 ms once: each lock writes the row): it is the rare
delete that waits instead, for every transaction writing contacts (a SHARE lock on contacts),
then looks. Under REPEATABLE READ or SERIALIZABLE the inserted rows' references are locked as
a foreign key locks them, and deleting or renumbering a person, case or user is refused.

- contacts: every person_id, case_id and assigned_to_id (when set) of inserted or updated rows
  exists in persons, cases, users; otherwise SQLSTATE 23503 (foreign_key_violation), the
  error a foreign key raises, naming the same constraint;
- persons, cases, users: a row contacts refer to cannot be deleted, truncated or given another
  id (row triggers that fire only then: other updates of these tables cost nothing).

The models keep their ForeignKey declarations (SQLite, and what the schema means);
tests/core/test_migrations.py knows these three are enforced by trigger on PostgreSQL
(`fangyi.tracing.models.CONTACT_KEYS_BY_TRIGGER`), and tests/tracing/test_contact_keys.py
shows the guarantee.

Revision ID: 0520
Revises: 0510
Create Date: 2026-11-26 03:50:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0520"
down_revision = "0510"
branch_labels = None
depends_on = None

# (column, referenced table, constraint name as the naming convention gives it)
KEYS = (
    ("person_id", "persons", "fk_contacts_person_id_persons"),
    ("case_id", "cases", "fk_contacts_case_id_cases"),
    ("assigned_to_id", "users", "fk_contacts_assigned_to_id_users"),
)


def _check(column: str, table: str, name: str) -> str:
    # Under READ COMMITTED (the application's level) existence is enough: a delete of a
    # referenced row waits for every writer of contacts (the SHARE lock below) and then sees
    # their rows; a writer that comes after it sees the row gone. Under a snapshot that can be
    # older than a concurrent delete's commit, the rows are locked as a foreign key locks them.
    return f"""
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        PERFORM 1 FROM {table} r WHERE r.id IN (SELECT {column} FROM changed) FOR KEY SHARE OF r;
    END IF;
    SELECT c.id INTO missing FROM (SELECT DISTINCT {column} AS id FROM changed WHERE {column} IS NOT NULL) c
    WHERE NOT EXISTS (SELECT 1 FROM {table} r WHERE r.id = c.id) LIMIT 1;
    IF FOUND THEN
        RAISE foreign_key_violation USING
            MESSAGE = 'insert or update on table "contacts" violates foreign key constraint "{name}"',
            DETAIL = format('Key ({column})=(%s) is not present in table "{table}".', missing),
            TABLE = 'contacts', CONSTRAINT = '{name}';
    END IF;"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    checks = "".join(_check(column, table, name) for column, table, name in KEYS)
    op.execute(f"""
CREATE FUNCTION contacts_keys_exist() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    missing bigint;
BEGIN{checks}
    RETURN NULL;
END $$""")
    for column, table, name in KEYS:
        op.execute(f"ALTER TABLE contacts DROP CONSTRAINT {name}")
        # Referenced rows: deleting one, or changing its id, fails while a contact refers to it.
        # SHARE on contacts waits for the transactions writing contacts (their rows are then
        # seen: each statement of this function takes a new snapshot) and holds off new ones.
        # A snapshot older than this statement would miss them, so that is refused.
        op.execute(f"""
CREATE FUNCTION contacts_keep_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    gone bigint;
BEGIN
    LOCK TABLE contacts IN SHARE MODE;
    IF TG_OP = 'TRUNCATE' THEN
        SELECT {column} INTO gone FROM contacts WHERE {column} IS NOT NULL LIMIT 1;
    ELSE
        IF current_setting('transaction_isolation') <> 'read committed' THEN
            RAISE feature_not_supported USING
                MESSAGE = '{table} rows are deleted or renumbered under READ COMMITTED only '
                          '(contacts refer to them: migration 0520)';
        END IF;
        SELECT {column} INTO gone FROM contacts WHERE {column} = OLD.id LIMIT 1;
    END IF;
    IF FOUND THEN
        RAISE foreign_key_violation USING
            MESSAGE = 'update or delete on table "{table}" violates foreign key constraint '
                      '"{name}" on table "contacts"',
            DETAIL = format('Key (id)=(%s) is still referenced from table "contacts".', gone),
            TABLE = '{table}', CONSTRAINT = '{name}';
    END IF;
    RETURN NULL;
END $$""")
        op.execute(f"CREATE TRIGGER contacts_keep_{table}_deleted AFTER DELETE ON {table} "
                   f"FOR EACH ROW EXECUTE FUNCTION contacts_keep_{table}()")
        op.execute(f"CREATE TRIGGER contacts_keep_{table}_renumbered AFTER UPDATE OF id ON {table} "
                   f"FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION contacts_keep_{table}()")
        # After the whole TRUNCATE: truncating contacts in the same command is allowed, as with the key.
        op.execute(f"CREATE TRIGGER contacts_keep_{table}_truncated AFTER TRUNCATE ON {table} "
                   f"FOR EACH STATEMENT EXECUTE FUNCTION contacts_keep_{table}()")
    # Transition tables allow one event per trigger.
    for event in ("INSERT", "UPDATE"):
        op.execute(f"CREATE TRIGGER contacts_keys_{event.lower()} AFTER {event} ON contacts "
                   f"REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION contacts_keys_exist()")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for event in ("insert", "update"):
        op.execute(f"DROP TRIGGER contacts_keys_{event} ON contacts")
    op.execute("DROP FUNCTION contacts_keys_exist()")
    for column, table, name in KEYS:
        for what in ("deleted", "renumbered", "truncated"):
            op.execute(f"DROP TRIGGER contacts_keep_{table}_{what} ON {table}")
        op.execute(f"DROP FUNCTION contacts_keep_{table}()")
        op.execute(f"ALTER TABLE contacts ADD CONSTRAINT {name} FOREIGN KEY ({column}) REFERENCES {table} (id)")
