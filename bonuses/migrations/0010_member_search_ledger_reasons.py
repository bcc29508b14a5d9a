# Issue 15: member search key (with a trigram index on PostgreSQL); system-written ledger
# reasons as a code and parameters instead of text in one language.

import re

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models

BATCH = 5_000
SEARCH_INDEX = "member_search_trgm"


def fill_search_keys(apps, schema_editor):
    """Every existing member's key, computed in Python (casefold is not SQL's LOWER) and
    written back in batches of UPDATE … FROM a VALUES list (PostgreSQL, SQLite ≥ 3.33)."""
    from bonuses.models.members import SEARCH_KEY_FIELDS, member_search_key

    connection = schema_editor.connection
    quote = connection.ops.quote_name
    table = quote(apps.get_model("bonuses", "Member")._meta.db_table)
    columns = ", ".join(quote(name) for name in SEARCH_KEY_FIELDS)
    last_id = 0
    with connection.cursor() as reader, connection.cursor() as writer:
        while True:
            reader.execute(
                f"SELECT id, {columns} FROM {table} WHERE id > %s ORDER BY id LIMIT %s",
                [last_id, BATCH],
            )
            rows = reader.fetchall()
            if not rows:
                break
            last_id = rows[-1][0]
            values = [
                (row[0], member_search_key(**dict(zip(SEARCH_KEY_FIELDS, row[1:], strict=True))))
                for row in rows
            ]
            marks = ", ".join(["(%s, %s)"] * len(values))
            writer.execute(
                f"WITH v(id, search_key) AS (VALUES {marks}) "
                f"UPDATE {table} SET search_key = v.search_key FROM v WHERE {table}.id = v.id",
                [value for pair in values for value in pair],
            )


def add_search_index(apps, schema_editor):
    """Substring search (LIKE '%word%') on PostgreSQL goes through a trigram GIN index;
    SQLite has no such index and scans (correct, slower)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    table = apps.get_model("bonuses", "Member")._meta.db_table
    schema_editor.execute(
        f'CREATE INDEX "{SEARCH_INDEX}" ON "{table}" USING gin ("search_key" gin_trgm_ops)'
    )


def drop_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'DROP INDEX IF EXISTS "{SEARCH_INDEX}"')


# The texts the system wrote before, in English and in Russian (the catalogue of the time).
PACKAGE_REASONS = {
    "package_claimed": [r"^Package (?P<name>.+) claimed$", r"^Получен пакет (?P<name>.+)$"],
    "package_bonus": [r"^Bonus of package (?P<name>.+)$", r"^Бонус пакета (?P<name>.+)$"],
}
OPENING_REASONS = [
    r"^Opening balance carried over from (?P<source>.*)$",
    r"^Начальный баланс перенесён из (?P<source>.*)$",
]
PREVIOUS_PROGRAMME = {"the previous programme", "прежней программы"}


def _correction_reason(entry) -> tuple[str, dict]:
    data = entry.breakdown or {}
    month = entry.period.strftime("%Y-%m")
    if data.get("before") is None:
        return "late_payment", {"month": month}
    if data.get("after") is None:
        return "payment_withdrawn", {"month": month}
    return "payment_changed", {"month": month, "old": data["before"], "new": data["after"]}


def reasons_to_codes(apps, schema_editor):
    """Corrections, package claims without staff's own words, package bonuses and opening
    balances were written as text in the language of whoever triggered them: keep their
    meaning as a code and parameters, and clear the text."""
    LedgerEntry = apps.get_model("bonuses", "LedgerEntry")
    changed = []
    entries = LedgerEntry.objects.filter(
        kind__in=["correction", "claim", "package_bonus", "opening"]
    ).exclude(reason="")
    for entry in entries.iterator(chunk_size=BATCH):
        if entry.kind == "correction":
            entry.reason_code, entry.reason_params = _correction_reason(entry)
        elif entry.kind == "opening":
            match = next((m for p in OPENING_REASONS if (m := re.match(p, entry.reason))), None)
            if match is None:
                continue
            source = match["source"]
            entry.reason_code = "opening_balance"
            entry.reason_params = {"source": "" if source in PREVIOUS_PROGRAMME else source}
        else:
            code = "package_claimed" if entry.kind == "claim" else "package_bonus"
            match = next(
                (m for p in PACKAGE_REASONS[code] if (m := re.match(p, entry.reason))), None
            )
            if match is None:  # staff's own words: kept as they are
                continue
            entry.reason_code, entry.reason_params = code, {"package": match["name"]}
        entry.reason = ""
        changed.append(entry)
    LedgerEntry.objects.bulk_update(
        changed, ["reason", "reason_code", "reason_params"], batch_size=1_000
    )


class Migration(migrations.Migration):

    dependencies = [
        ("bonuses", "0009_import_checks"),
    ]

    operations = [
        TrigramExtension(),
        migrations.AddField(
            model_name="member",
            name="search_key",
            field=models.TextField(
                blank=True, default="", editable=False, verbose_name="search key"
            ),
        ),
        migrations.RunPython(fill_search_keys, migrations.RunPython.noop),
        migrations.RunPython(add_search_index, drop_search_index),
        migrations.AddField(
            model_name="ledgerentry",
            name="reason_code",
            field=models.CharField(
                blank=True,
                choices=[
                    ("late_payment", "late payment"),
                    ("payment_withdrawn", "payment withdrawn"),
                    ("payment_changed", "payment amount changed"),
                    ("package_claimed", "package claimed"),
                    ("package_bonus", "package bonus"),
                    ("opening_balance", "opening balance carried over"),
                ],
                db_default="",
                default="",
                max_length=32,
                verbose_name="system reason",
            ),
        ),
        migrations.AddField(
            model_name="ledgerentry",
            name="reason_params",
            field=models.JSONField(
                blank=True, db_default={}, default=dict, verbose_name="reason parameters"
            ),
        ),
        migrations.RunPython(reasons_to_codes, migrations.RunPython.noop),
    ]
