"""The ledger's links to the staff user who wrote an entry and to the payment a correction
follows are guarded like its link to the member (migration 0018): by set-based triggers
instead of foreign keys (docs/statements.md, "The close's writing").

A foreign key queues a check for every inserted row, even an empty one, and a deferred
one runs them all at commit: a million-member close's commit was 1.2-2.4 s of those
checks and nothing else (measured: 0.0 s without the two keys). The guard checks a whole
statement's entries with one anti-join per link over the rows whose link is set, and on
PostgreSQL refuses to delete a user or a payment that entries still name. The ORM keeps
on_delete (SET_NULL for the user, PROTECT for the payment) as before.

On SQLite the table is rebuilt to drop the keys, which drops its triggers too: the
member rule of 0018 is created again with the two new ones (row triggers; no delete
rules there, for the reason 0018 gives).
"""

from importlib import import_module

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

POSTGRES_INSTALL = [
    """
    CREATE FUNCTION bonuses_ledger_links_exist() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      -- Set by a close for its one COPY, whose members it has proved (migration 0019).
      IF current_setting('bonuses.ledger_members_known', true) IS DISTINCT FROM 'on'
         AND EXISTS (
           SELECT 1 FROM bonuses_ledger_new n
           WHERE NOT EXISTS (SELECT 1 FROM bonuses_member m WHERE m.id = n.member_id)
         ) THEN
        RAISE EXCEPTION 'a ledger entry names a member that does not exist'
          USING ERRCODE = 'foreign_key_violation';
      END IF;
      IF EXISTS (
        SELECT 1 FROM bonuses_ledger_new n
        WHERE n.created_by_id IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM core_user u WHERE u.id = n.created_by_id)
      ) THEN
        RAISE EXCEPTION 'a ledger entry names a user that does not exist'
          USING ERRCODE = 'foreign_key_violation';
      END IF;
      IF EXISTS (
        SELECT 1 FROM bonuses_ledger_new n
        WHERE n.payment_id IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM bonuses_payment p WHERE p.id = n.payment_id)
      ) THEN
        RAISE EXCEPTION 'a ledger entry names a payment that does not exist'
          USING ERRCODE = 'foreign_key_violation';
      END IF;
      RETURN NULL;
    END $$
    """,
    "DROP TRIGGER bonuses_ledger_member_insert ON bonuses_ledgerentry",
    "DROP TRIGGER bonuses_ledger_member_update ON bonuses_ledgerentry",
    "DROP FUNCTION bonuses_ledger_members_exist()",
    """
    CREATE TRIGGER bonuses_ledger_links_insert AFTER INSERT ON bonuses_ledgerentry
    REFERENCING NEW TABLE AS bonuses_ledger_new
    FOR EACH STATEMENT EXECUTE FUNCTION bonuses_ledger_links_exist()
    """,
    """
    CREATE TRIGGER bonuses_ledger_links_update AFTER UPDATE ON bonuses_ledgerentry
    REFERENCING NEW TABLE AS bonuses_ledger_new
    FOR EACH STATEMENT EXECUTE FUNCTION bonuses_ledger_links_exist()
    """,
    """
    CREATE FUNCTION bonuses_user_named_by_no_entry() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF EXISTS (
        SELECT 1 FROM bonuses_ledgerentry e
        WHERE e.created_by_id IN (SELECT o.id FROM bonuses_user_old o)
      ) THEN
        RAISE EXCEPTION 'a user named by ledger entries cannot be deleted'
          USING ERRCODE = 'foreign_key_violation';
      END IF;
      RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER bonuses_user_delete_entries AFTER DELETE ON core_user
    REFERENCING OLD TABLE AS bonuses_user_old
    FOR EACH STATEMENT EXECUTE FUNCTION bonuses_user_named_by_no_entry()
    """,
    """
    CREATE FUNCTION bonuses_payment_named_by_no_entry() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      IF EXISTS (
        SELECT 1 FROM bonuses_payment_old o
        JOIN bonuses_ledgerentry e ON e.payment_id = o.id
      ) THEN
        RAISE EXCEPTION 'a payment named by ledger entries cannot be deleted'
          USING ERRCODE = 'foreign_key_violation';
      END IF;
      RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER bonuses_payment_delete_entries AFTER DELETE ON bonuses_payment
    REFERENCING OLD TABLE AS bonuses_payment_old
    FOR EACH STATEMENT EXECUTE FUNCTION bonuses_payment_named_by_no_entry()
    """,
]
POSTGRES_REMOVE = [
    "DROP TRIGGER IF EXISTS bonuses_payment_delete_entries ON bonuses_payment",
    "DROP FUNCTION IF EXISTS bonuses_payment_named_by_no_entry()",
    "DROP TRIGGER IF EXISTS bonuses_user_delete_entries ON core_user",
    "DROP FUNCTION IF EXISTS bonuses_user_named_by_no_entry()",
    "DROP TRIGGER IF EXISTS bonuses_ledger_links_update ON bonuses_ledgerentry",
    "DROP TRIGGER IF EXISTS bonuses_ledger_links_insert ON bonuses_ledgerentry",
    "DROP FUNCTION IF EXISTS bonuses_ledger_links_exist()",
    """
    CREATE FUNCTION bonuses_ledger_members_exist() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF current_setting('bonuses.ledger_members_known', true) = 'on' THEN
        RETURN NULL;
      END IF;
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
]


def _sqlite_rule(event: str, column: str, table: str, what: str) -> str:
    name = f"bonuses_ledger_{column}_{event.split()[0].lower()}"
    return f"""
    CREATE TRIGGER {name} BEFORE {event} ON bonuses_ledgerentry
    WHEN NEW.{column} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {table} WHERE id = NEW.{column})
    BEGIN SELECT RAISE(ABORT, 'a ledger entry names {what} that does not exist'); END
    """


SQLITE_LINKS = [
    ("member_id", "bonuses_member", "a member"),
    ("created_by_id", "core_user", "a user"),
    ("payment_id", "bonuses_payment", "a payment"),
]
SQLITE_INSTALL = [
    # Gone with the rebuilt table; dropped by name in case a database kept them.
    "DROP TRIGGER IF EXISTS bonuses_ledger_member_insert",
    "DROP TRIGGER IF EXISTS bonuses_ledger_member_update",
] + [
    _sqlite_rule(event, column, table, what)
    for column, table, what in SQLITE_LINKS
    for event in ("INSERT", f"UPDATE OF {column}")
]
SQLITE_REMOVE = [
    f"DROP TRIGGER IF EXISTS bonuses_ledger_{column}_{event}"
    for column, _table, _what in SQLITE_LINKS
    for event in ("insert", "update")
]


def _run(statements: dict):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


def _sqlite_member_rule_again(apps, schema_editor):
    """Unapplying: the table rebuilt with its keys has lost 0018's SQLite triggers."""
    guard = import_module("bonuses.migrations.0018_ledger_member_guard")
    _run({"sqlite": guard.SQLITE_INSTALL})(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("bonuses", "0019_ledger_close_writes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, _sqlite_member_rule_again),
        migrations.AlterField(
            model_name="ledgerentry",
            name="created_by",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="created by",
            ),
        ),
        migrations.AlterField(
            model_name="ledgerentry",
            name="payment",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                help_text="The payment whose change a correction follows.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="ledger_entries",
                to="bonuses.payment",
                verbose_name="payment",
            ),
        ),
        migrations.RunPython(
            _run({"postgresql": POSTGRES_INSTALL, "sqlite": SQLITE_INSTALL}),
            _run({"postgresql": POSTGRES_REMOVE, "sqlite": SQLITE_REMOVE}),
        ),
    ]
