# Issue 15: member search key (with a trigram index on PostgreSQL).

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


class Migration(migrations.Migration):

    dependencies = [
        ("bonuses", "0007_import_job"),
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
    ]
