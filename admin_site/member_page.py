"""What the member list shows beyond the row itself, for the rows of one page only:
downline size, paid this month and closed balance, in three queries whatever the tree."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection
from unfold.views import ChangeList

from bonuses.models import LedgerEntry, Member, Payment
from bonuses.models.members import path_bounds
from bonuses.selectors.common import cents_to_money
from core.periods import current_period


@dataclass(frozen=True)
class RowFigures:
    period: date
    downline: int
    paid: bool
    closed_balance: Decimal


# Counting stops here: one member may head most of a million-member club, and its exact
# size is not worth a scan of the whole tree on every page (the downline page has it
# level by level).
DOWNLINE_CAP = 10_000


def downline_sizes(members: list[Member]) -> dict[int, int]:
    """{member id: number of followers at every level, at most DOWNLINE_CAP + 1}, in one
    query over path ranges (each an index range scan) for the given members."""
    if not members:
        return {}
    rows, params = [], []
    for member in members:
        low, high = path_bounds(member.path)
        rows.append("(%s, %s, %s)")
        params += [member.pk, low, high if high is not None else low[:-1] + "~"]
    table = connection.ops.quote_name(Member._meta.db_table)
    sql = (
        f"WITH page(id, low, high) AS (VALUES {', '.join(rows)}) "
        f"SELECT page.id, (SELECT COUNT(*) FROM (SELECT 1 FROM {table} d "
        f"WHERE d.path >= page.low AND d.path < page.high LIMIT %s) capped) FROM page"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, DOWNLINE_CAP + 1])
        return {int(pk): count for pk, count in cursor.fetchall()}


def closed_balances(ids: list[int]) -> dict[int, Decimal]:
    """{member id: sum of ledger entries} (the balance of closed months), summed in cents
    as bonuses.selectors.balances.ledger_balance does. One index lookup per member of the
    page, spelled out so the planner cannot pick a scan of the ledger (millions of rows
    after a few closes) for an IN list it misjudges."""
    if not ids:
        return {}
    table = connection.ops.quote_name(LedgerEntry._meta.db_table)
    rows = ", ".join(["(%s)"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH page(id) AS (VALUES {rows}) SELECT page.id, (SELECT SUM(ROUND(l.amount * 100)) "
            f"FROM {table} l WHERE l.member_id = page.id) FROM page",
            ids,
        )
        return {int(pk): cents_to_money(cents or 0) for pk, cents in cursor.fetchall()}


def paid_ids(ids: list[int], period=None) -> set[int]:
    period = period or current_period()
    return set(
        Payment.objects.filter(member_id__in=ids, period=period, paid=True).values_list(
            "member_id", flat=True
        )
    )


def page_figures(members: list[Member]) -> dict[int, RowFigures]:
    ids = [m.pk for m in members]
    period = current_period()
    sizes = downline_sizes(members)
    paid = paid_ids(ids, period)
    balances = closed_balances(ids)
    return {
        pk: RowFigures(
            period=period,
            downline=sizes.get(pk, 0),
            paid=pk in paid,
            closed_balance=balances.get(pk, Decimal("0.00")),
        )
        for pk in ids
    }


class MemberChangeList(ChangeList):
    """Attaches RowFigures to the rows of the page once it is fetched (the list_display
    columns read them), so the extra figures cost three queries per page, not per row."""

    def get_results(self, request):
        super().get_results(request)
        rows = list(self.result_list)
        figures = page_figures(rows)
        can_toggle = request.user.has_perms(("bonuses.add_payment", "bonuses.change_payment"))
        for member in rows:
            member.page_figures = figures[member.pk]
            member.can_toggle_paid = can_toggle
