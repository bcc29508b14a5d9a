"""Fast bulk inserts for loaders that write hundreds of thousands of rows.

PostgreSQL gets COPY (an order of magnitude faster than INSERT batches); other
databases get executemany. Rows bypass model save() and signals on purpose: callers are
bulk loaders that have already validated their rows.
"""

from collections.abc import Iterable
from itertools import islice

from django.core.management.color import no_style
from django.db import connection


def _batches(rows: Iterable[tuple], size: int):
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def _copy_text(value) -> str:
    """One value in COPY's text format: \\N is NULL, and \\, tab and newlines escaped."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    text = str(value)
    if any(c in text for c in "\\\t\n\r"):
        text = (
            text.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return text


def insert_rows(model, columns: list[str], rows: Iterable[tuple], *, batch_size=20_000) -> int:
    """Insert `rows` (tuples in `columns` order, database values) into `model`'s table."""
    table = model._meta.db_table
    if connection.vendor == "postgresql":
        lines = ("\t".join(map(_copy_text, row)) + "\n" for row in rows)
        return copy_lines(table, columns, lines)
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {connection.ops.quote_name(table)} ({quoted}) VALUES ({marks})"
    count = 0
    with connection.cursor() as cursor:
        for batch in _batches(rows, batch_size):
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


class _LineReader:
    """What psycopg2's copy_expert reads from: COPY lines made as it asks for them, a
    few thousand at a time. PostgreSQL stores one chunk while Python formats the next,
    on the other core, instead of waiting for a whole buffer to be built first."""

    def __init__(self, lines: Iterable[str], chunk: int = 2_000):
        self._lines = iter(lines)
        self._chunk = chunk
        self.count = 0

    def read(self, size: int = -1) -> str:
        lines = list(islice(self._lines, self._chunk))
        self.count += len(lines)
        return "".join(lines)


def copy_lines(table: str, columns: list[str], lines: Iterable[str]) -> int:
    """PostgreSQL: one COPY of `lines` (each a row in COPY's text format, with its
    newline, escaped by the caller) into `table`'s `columns`, streamed. Returns the
    number of rows."""
    quote = connection.ops.quote_name
    sql = f"COPY {quote(table)} ({', '.join(map(quote, columns))}) FROM STDIN"
    reader = _LineReader(lines)
    # The raw cursor's errors as Django's (IntegrityError, DataError...), like execute's.
    with connection.cursor() as cursor, connection.wrap_database_errors:
        cursor.cursor.copy_expert(sql, reader)
    return reader.count


def reset_sequences(*models) -> None:
    """After inserting explicit ids, move the id sequences past them (PostgreSQL)."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(models))
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def refresh_planner_stats(*models) -> None:
    """Give the query planner fresh statistics after a bulk load.

    Outside a transaction PostgreSQL also vacuums, which sets the visibility map so that
    the covering indexes answer range scans without visiting the table; inside one only
    ANALYZE is allowed. SQLite plans its hot queries with forced join orders and needs
    nothing here.
    """
    if connection.vendor != "postgresql":
        return
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"{command} {connection.ops.quote_name(model._meta.db_table)}")
