"""Hand-written queries prepared once per PostgreSQL connection.

The member page's queries are small index lookups, and on PostgreSQL most of what each
costs the server is planning it: 0.06-0.24 ms of planning against 0.01-0.2 ms of running
(pg_stat_statements at 150 pages a second, docs/benchmarks.md). `fetchall` prepares a
statement the first time a connection meets it (`PREPARE`) and afterwards only sends
the values (`EXECUTE`), so PostgreSQL parses it once and, once its plan no longer
depends on the values, plans it once too (plan_cache_mode "auto": a plan that depends
on them is still made per call).

PostgreSQL keeps a prepared statement for the rest of the session whatever becomes of
the transaction it was prepared in, so the names this process remembers per connection
stay true; a new connection starts afresh. PgBouncer in transaction mode hands a session
from client to client: there, set `PREPARED_STATEMENTS=off` (docs/deploy.md). Other
databases, and PostgreSQL with the setting off, run the query as it is.
"""

import hashlib
import re
from collections.abc import Sequence

from django.conf import settings
from django.db import connection

_PLACEHOLDER = re.compile(r"%([s%])")


def _numbered(sql: str) -> str:
    """`sql` with psycopg2's %s placeholders as PostgreSQL's $1, $2, ... (and %% as %)."""
    count = 0

    def number(match: re.Match) -> str:
        nonlocal count
        if match.group(1) == "%":
            return "%"
        count += 1
        return f"${count}"

    return _PLACEHOLDER.sub(number, sql)


def _prepared(cursor, label: str, sql: str) -> str:
    """The name under which this connection has `sql` prepared, preparing it first."""
    raw = connection.connection
    known = getattr(connection, "_prepared_statements", None)
    if known is None or known[0] is not raw:
        known = (raw, {})
        connection._prepared_statements = known
    name = known[1].get(sql)
    if name is None:
        name = f"{label}_{hashlib.sha1(sql.encode()).hexdigest()[:12]}"
        # On the driver's own cursor: preparing is not one of the page's queries (the
        # count of queries a page runs stays the same from its first request on).
        cursor.cursor.execute(f"PREPARE {name} AS {_numbered(sql)}")
        known[1][sql] = name
    return name


def fetchall(label: str, sql: str, params: Sequence = ()) -> list[tuple]:
    """The rows of a hand-written read-only `sql` (psycopg2 placeholders) run with
    `params`, prepared on PostgreSQL as described above. `label` names the statement
    (a Python identifier: it shows in pg_stat_statements and in the query log)."""
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql" or not settings.PREPARED_STATEMENTS:
            cursor.execute(sql, params)
            return cursor.fetchall()
        name = _prepared(cursor, label, sql)
        marks = ", ".join(["%s"] * len(params))
        cursor.execute(f"EXECUTE {name}({marks})" if params else f"EXECUTE {name}", params)
        return cursor.fetchall()
