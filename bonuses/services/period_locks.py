"""Per-month advisory locks that keep a month close and payment changes apart.

A payment change for a month holds that month's close lock shared, a close holds it
exclusive: a change that commits before the close starts reading is in the close, and
one that comes after waits for the close to commit, then sees the month closed and posts
corrections. Corrections of one closed month also run one at a time (an exclusive
corrections lock), because each reads the others' payments (the earner-active option,
an earner's own late payment) and must see them committed. SQLite needs none of this:
its IMMEDIATE transactions admit one writer at a time.
"""

from datetime import date

from django.db import connection

CLOSE_CLASS = 7262
CORRECTIONS_CLASS = 7263


def _key(period: date) -> int:
    return period.year * 100 + period.month


def _advisory(cls: int, period: date, *, shared: bool) -> None:
    if connection.vendor != "postgresql":
        return
    fn = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {fn}(%s, %s)", [cls, _key(period)])


def lock_period_for_payments(period: date) -> None:
    _advisory(CLOSE_CLASS, period, shared=True)


def lock_period_for_close(period: date) -> None:
    _advisory(CLOSE_CLASS, period, shared=False)


def lock_period_corrections(period: date) -> None:
    _advisory(CORRECTIONS_CLASS, period, shared=False)
