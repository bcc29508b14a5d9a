"""Upkeep of Member.first_paid, the first period each member paid for (the referral
funnel's "paid their first month", bonuses.selectors.funnel).

Kept by the same hooks as the maintained downline figures (bonuses.services.figures): a
payment marked paid or unpaid, in an open or a closed month, refreshes its payer's value
from the payments table; members loaded in bulk and the figures' repair fill it
set-based. Both are recomputations (the minimum over the member's paid payments), not
increments. Two requests changing one member's payments of different months at once
(each holds only its own month's lock) are ordered by the member's row lock, taken
before the minimum is read, so the later one sees the earlier one's payment.
"""

from collections.abc import Iterable

from django.db import connection
from django.db.models import Min, OuterRef, Subquery

from bonuses.models import Member, Payment


def first_paid_refresh(*, member_ids: Iterable[int]) -> None:
    """Recompute first_paid for `member_ids` from their paid payments (None when they have
    none): the members' rows locked in id order, then one UPDATE with a subquery per
    2 000 members, each an index probe (payment_statement_idx). The caller holds the
    changed payments' row locks.

    The lock comes first, in its own statement: on PostgreSQL an UPDATE that waits for
    another transaction's row lock re-reads that row but not the payments of its
    subquery, which it would read as they were when it began."""
    ids = sorted(set(member_ids))
    first = (
        Payment.objects.filter(member=OuterRef("pk"), paid=True)
        .order_by()
        .values("member")
        .annotate(first=Min("period"))
        .values("first")
    )
    for start in range(0, len(ids), 2_000):
        chunk = ids[start : start + 2_000]
        locked = Member.objects.select_for_update().filter(pk__in=chunk).order_by("pk")
        list(locked.values_list("pk", flat=True))
        Member.objects.filter(pk__in=chunk).update(first_paid=Subquery(first))


def first_paid_fill(*, since_id: int | None = None) -> None:
    """Set first_paid for every member (or those with id >= since_id, loaded in bulk) in
    one UPDATE ... FROM over the paid payments grouped by member; PostgreSQL and SQLite
    (3.33 and later) both run it. Members without a paid payment are left as they are
    (None for new rows); the full fill first clears every value."""
    q = connection.ops.quote_name
    members, payments = q(Member._meta.db_table), q(Payment._meta.db_table)
    since = "" if since_id is None else f"AND member_id >= {int(since_id)} "
    with connection.cursor() as cursor:
        if since_id is None:
            cursor.execute(f"UPDATE {members} SET first_paid = NULL WHERE first_paid IS NOT NULL")
        cursor.execute(
            f"UPDATE {members} SET first_paid = f.first "
            f"FROM (SELECT member_id, MIN(period) AS first FROM {payments} "
            f"WHERE paid = %s {since}GROUP BY member_id) AS f "
            f"WHERE {members}.id = f.member_id",
            [True],
        )
