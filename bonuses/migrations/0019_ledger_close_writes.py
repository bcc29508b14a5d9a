"""A month close writes its entries with less work on PostgreSQL (docs/statements.md,
"The close's writing"; issue 16):

- The index of entries by time leaves out the close's own kinds (accruals and referred
  bonuses: a million rows with one timestamp each month); what reads it, the statements
  queue, asks for the other kinds only.
- The guard of migration 0018 (every entry names an existing member) lets a statement
  that has proved it already skip the anti-join: the close, whose member ids come from
  member-keyed rows read under the tree lock that every member deletion takes
  exclusively, says so for its one COPY with a transaction-local setting
  (`bonuses.ledger_members_known`, services.close._copy_entries) and clears it right
  after. Every other insert and update is checked as before.
"""

from django.conf import settings
from django.db import migrations, models

GUARD = """
    CREATE OR REPLACE FUNCTION bonuses_ledger_members_exist() RETURNS trigger
    LANGUAGE plpgsql AS $$
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
"""
GUARD_BEFORE = """
    CREATE OR REPLACE FUNCTION bonuses_ledger_members_exist() RETURNS trigger
    LANGUAGE plpgsql AS $$
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
"""


def _on_postgresql(sql: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("bonuses", "0018_ledger_member_guard"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="ledgerentry",
            name="ledger_created_idx",
        ),
        migrations.AddIndex(
            model_name="ledgerentry",
            index=models.Index(
                condition=models.Q(("kind__in", ["accrual", "referred"]), _negated=True),
                fields=["created_at"],
                name="ledger_moved_created_idx",
            ),
        ),
        migrations.RunPython(_on_postgresql(GUARD), _on_postgresql(GUARD_BEFORE)),
    ]
