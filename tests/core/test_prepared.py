"""core.prepared: the member page's hand-written queries, prepared once per PostgreSQL
connection and run as they are elsewhere."""

import threading
from datetime import date

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from core import prepared
from tests.factories import enroll

SQL = "SELECT id, first_name FROM bonuses_member WHERE id = %s AND joined_on >= %s"


def _prepared_names() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements")
        return {name for (name,) in cursor.fetchall()}


def test_placeholders_are_numbered_and_a_literal_percent_stays():
    numbered = prepared._numbered("SELECT %s, '100%%' WHERE a = %s AND b LIKE 'x%%' OR c = %s")
    assert numbered == "SELECT $1, '100%' WHERE a = $2 AND b LIKE 'x%' OR c = $3"


@pytest.mark.django_db
def test_the_rows_are_the_querys_on_any_database():
    member = enroll(first_name="Aigerim")
    rows = prepared.fetchall("test_member", SQL, [member.pk, date(2000, 1, 1)])
    assert rows == [(member.pk, "Aigerim")]
    assert prepared.fetchall("test_member", SQL, [member.pk, date(2999, 1, 1)]) == []


def test_on_postgresql_a_statement_is_prepared_once_a_connection(on_postgres):
    member = enroll(first_name="Dana")
    with CaptureQueriesContext(connection) as queries:
        first = prepared.fetchall("test_member", SQL, [member.pk, date(2000, 1, 1)])
        second = prepared.fetchall("test_member", SQL, [member.pk, date(2000, 1, 1)])
    assert first == second == [(member.pk, "Dana")]
    name = _name(SQL)
    assert name.startswith("test_member_") and name in _prepared_names()
    # One query each, the first one too: preparing is not counted as a page's query.
    executed = [q["sql"].split("(")[0] for q in queries.captured_queries]
    assert executed == [f"EXECUTE {name}", f"EXECUTE {name}"]


def _name(sql: str) -> str:
    return connection._prepared_statements[1][sql]


def test_a_statement_prepared_in_a_rolled_back_transaction_is_still_there(on_postgres):
    """PostgreSQL keeps prepared statements whatever becomes of the transaction: the
    names remembered for the connection must not be forgotten on a rollback either."""
    member = enroll(first_name="Erlan")
    sql = SQL + " AND depth >= %s"
    try:
        with transaction.atomic():
            prepared.fetchall("test_rollback", sql, [member.pk, date(2000, 1, 1), 0])
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    assert _name(sql) in _prepared_names()
    assert prepared.fetchall("test_rollback", sql, [member.pk, date(2000, 1, 1), 0]) == [
        (member.pk, "Erlan")
    ]


def test_each_connection_prepares_its_own(on_postgres):
    """Another connection (another thread here; a reconnect alike) has nothing prepared
    and prepares the statement itself."""
    sql = "SELECT %s::int + 1"
    assert prepared.fetchall("test_sum", sql, [1]) == [(2,)]
    seen = {}

    def other():
        try:
            seen["before"] = _prepared_names()
            seen["rows"] = prepared.fetchall("test_sum", sql, [41])
            seen["after"] = _prepared_names()
        finally:
            connection.close()

    thread = threading.Thread(target=other)
    thread.start()
    thread.join()
    assert _name(sql) not in seen["before"]
    assert seen["rows"] == [(42,)] and _name(sql) in seen["after"]


def test_switched_off_the_query_runs_as_it_is(on_postgres, settings):
    settings.PREPARED_STATEMENTS = False
    member = enroll(first_name="Kairat")
    with CaptureQueriesContext(connection) as queries:
        rows = prepared.fetchall("test_off", SQL + " AND 1 = 1", [member.pk, date(2000, 1, 1)])
    assert rows == [(member.pk, "Kairat")]
    assert queries.captured_queries[0]["sql"].startswith("SELECT id, first_name")
