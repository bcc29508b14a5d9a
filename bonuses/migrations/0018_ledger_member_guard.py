"""The ledger's link to its member is guarded by set-based triggers instead of a
row-by-row foreign key (docs/statements.md, "The close's writing").

A foreign key checks and locks the member row of every entry one by one at commit: at a
month close of a million members that was 4.7 s of its 17 s on PostgreSQL. The guard
checks a whole statement's entries in one anti-join (one COPY of the close: one check),
and on PostgreSQL refuses to delete a member who has entries. Concurrent writers are kept apart by the
services' locks (member_delete takes the tree lock exclusively and the member's row;
every ledger writer holds the tree lock shared or the member's row), as before.
"""

from django.db import migrations, models

POSTGRES_INSTALL = [
    """
    CREATE FUNCTION bonuses_ledger_members_exist() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF EXISTS (
        SELECT 1 FROM bonuses_ledger_new n
        WHERE NOT EXISTS (SELECT 1 FROM bonuses_member m WHERE m.id = n.member_id)
      ) THEN
        RAISE EXCEPTION 'a ledger entry names a member that does not exist'
          USING ERRCODE = 'foreign_key_violation';
      END IF;
      RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER bonuses_ledger_member_insert AFTER INSERT ON bonuses_ledgerentry
    REFERENCING NEW TABLE AS bonuses_ledger_new
    FOR EACH STATEMENT EXECUTE FUNCTION bonuses_ledger_members_exist()
    """,
    """
    CREATE TRIGGER bonuses_ledger_member_update AFTER UPDATE ON bonuses_ledgerentry
    REFERENCING NEW TABLE AS bonuses_ledger_new
    FOR EACH STATEMENT EXECUTE FUNCTION bonuses_ledger_members_exist()
    """,
    """
    CREATE FUNCTION bonuses_member_has_no_entries() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF EXISTS (
        SELECT 1 FROM bonuses_member_old o
        JOIN bonuses_ledgerentry e ON e.member_id = o.id
      ) THEN
        RAISE EXCEPTION 'a member with ledger entries cannot be deleted'
          USING ERRCODE = 'foreign_key_violation';
      END IF;
      RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER bonuses_member_delete_entries AFTER DELETE ON bonuses_member
    REFERENCING OLD TABLE AS bonuses_member_old
    FOR EACH STATEMENT EXECUTE FUNCTION bonuses_member_has_no_entries()
    """,
]
POSTGRES_REMOVE = [
    "DROP TRIGGER IF EXISTS bonuses_member_delete_entries ON bonuses_member",
    "DROP FUNCTION IF EXISTS bonuses_member_has_no_entries()",
    "DROP TRIGGER IF EXISTS bonuses_ledger_member_update ON bonuses_ledgerentry",
    "DROP TRIGGER IF EXISTS bonuses_ledger_member_insert ON bonuses_ledgerentry",
    "DROP FUNCTION IF EXISTS bonuses_ledger_members_exist()",
]
# SQLite has row triggers only; it runs one writer at a time. No delete rule there:
# Django empties an SQLite database (flush, between transactional tests) with one
# DELETE per table in no fixed order, which a trigger on members would refuse; deletes
# are refused by the ORM (PROTECT) and member_delete, as before.
SQLITE_INSTALL = [
    """
    CREATE TRIGGER bonuses_ledger_member_insert BEFORE INSERT ON bonuses_ledgerentry
    WHEN NOT EXISTS (SELECT 1 FROM bonuses_member WHERE id = NEW.member_id)
    BEGIN SELECT RAISE(ABORT, 'a ledger entry names a member that does not exist'); END
    """,
    """
    CREATE TRIGGER bonuses_ledger_member_update BEFORE UPDATE OF member_id ON bonuses_ledgerentry
    WHEN NOT EXISTS (SELECT 1 FROM bonuses_member WHERE id = NEW.member_id)
    BEGIN SELECT RAISE(ABORT, 'a ledger entry names a member that does not exist'); END
    """,
]
SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS bonuses_member_delete_entries",
    "DROP TRIGGER IF EXISTS bonuses_ledger_member_update",
    "DROP TRIGGER IF EXISTS bonuses_ledger_member_insert",
]


def _run(statements: dict):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("bonuses", "0017_member_first_paid")]

    operations = [
        migrations.AlterField(
            model_name="ledgerentry",
            name="member",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=models.deletion.PROTECT,
                related_name="ledger_entries",
                to="bonuses.member",
                verbose_name="member",
            ),
        ),
        migrations.RunPython(
            _run({"postgresql": POSTGRES_INSTALL, "sqlite": SQLITE_INSTALL}),
            _run({"postgresql": POSTGRES_REMOVE, "sqlite": SQLITE_REMOVE}),
        ),
    ]
