"""The authentication backend: Django's ModelBackend, whose per-request user lookup also
loads the user's member and the member's sponsor.

Every member page starts with `request.user` and then the member behind it (and the
page names their sponsor): one query with two joins instead of two queries a request,
on the busiest page there is (docs/benchmarks.md, "/me/ at 150 requests/s"). Staff
users have no member; the joins find nothing and cost nothing.

The query is written out from the models' fields once per process and prepared once per
PostgreSQL connection (core.prepared): built by the ORM on every request it cost 0.7 ms
of Python, and PostgreSQL took 1 ms to plan its three tables' 40 columns each time,
against 0.2 ms for the page's other lookups (docs/benchmarks.md, "/me/ past 150").
"""

from functools import cache

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db import connection

from bonuses.models import Member
from core import prepared

# The dotted path sessions store for a login through this backend (login(backend=...)).
MEMBER_BACKEND = "bonuses.auth.MemberBackend"


@cache
def _user_query(vendor: str) -> tuple[str, list[tuple]]:
    """(SQL, [(model, field names, [(column, converters)])] for the user, the member and
    the sponsor): every concrete field of the three, in the models' order, with the
    converters the ORM would apply to each value read (dates on SQLite, phone numbers,
    JSON), so the instances equal the ORM's.

    Kept per vendor for the process: the converters are bound methods of the first
    thread's connection, which is safe because what they read of it (the backend, the
    database's time zone setting) is the same for every thread's connection to the one
    database."""
    user_model = get_user_model()
    q = connection.ops.quote_name
    columns, parts = [], []
    for model, alias in ((user_model, "u"), (Member, "m"), (Member, "s")):
        fields = model._meta.concrete_fields
        readers = []
        for field in fields:
            column = field.get_col(alias)
            converters = connection.ops.get_db_converters(column) + column.get_db_converters(
                connection
            )
            readers.append((column, converters))
            columns.append(f"{alias}.{q(field.column)}")
        parts.append((model, [f.attname for f in fields], readers))
    members = q(Member._meta.db_table)
    user_column = q(Member._meta.get_field("user").column)
    sponsor_column = q(Member._meta.get_field("sponsor").column)
    sql = (
        f"SELECT {', '.join(columns)} FROM {q(user_model._meta.db_table)} u "
        f"LEFT JOIN {members} m ON m.{user_column} = u.{q(user_model._meta.pk.column)} "
        f"LEFT JOIN {members} s ON s.{q(Member._meta.pk.column)} = m.{sponsor_column} "
        f"WHERE u.{q(user_model._meta.pk.column)} = %s"
    )
    return sql, parts


def _instances(row: tuple, parts: list[tuple]) -> list:
    """The user, member and sponsor (None where the join found none) from one row."""
    instances, start = [], 0
    for model, names, readers in parts:
        values = list(row[start : start + len(names)])
        start += len(names)
        if values[names.index(model._meta.pk.attname)] is None:
            instances.append(None)
            continue
        for index, (column, converters) in enumerate(readers):
            for convert in converters:
                values[index] = convert(values[index], column, connection)
        instances.append(model.from_db(connection.alias, names, values))
    return instances


class MemberBackend(ModelBackend):
    def get_user(self, user_id):
        """The active user of `user_id` with `user.member` (None when they have no member)
        and `user.member.sponsor` already loaded; None for an unknown or inactive user."""
        sql, parts = _user_query(connection.vendor)
        rows = prepared.fetchall("user_with_member", sql, [user_id])
        if not rows:
            return None
        user, member, sponsor = _instances(rows[0], parts)
        user_field = Member._meta.get_field("user")
        user_field.remote_field.set_cached_value(user, member)  # user.member
        if member is not None:
            user_field.set_cached_value(member, user)  # member.user
            Member._meta.get_field("sponsor").set_cached_value(member, sponsor)
        return user if self.user_can_authenticate(user) else None
