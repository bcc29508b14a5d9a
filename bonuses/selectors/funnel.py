"""The referral funnel: how many opened a member's link, signed up through it and paid
their first month, per month (issue 17). Counted by BonusDesk itself, set-based.

- *opened*: the link's visits (bonuses.models.ReferralVisit: people a day, capped), summed
  over the days of the month in club time;
- *signed up*: members whose sponsor is the member and who joined in the month;
- *paid first*: members whose sponsor is the member and whose first paid month (the
  earliest period with a paid payment) is the month.

Sign-ups and first payments follow the tree as it stands (a member moved to another
sponsor counts for the new one), like the bonuses.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import connection
from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from bonuses.models import Member, ReferralVisit
from core import prepared
from core.periods import add_months, current_period, months_between

MONTHS = 12
TOP_REFERRERS = 10


@dataclass(frozen=True)
class FunnelMonth:
    period: date  # first day of the month
    opened: int
    signed_up: int
    paid_first: int


@dataclass(frozen=True)
class Funnel:
    months: list[FunnelMonth]  # oldest first, the current month last

    @property
    def this_month(self) -> FunnelMonth:
        return self.months[-1]

    @property
    def best(self) -> int:
        """The largest figure of any month (the chart's scale), at least 1."""
        return max([1] + [max(m.opened, m.signed_up, m.paid_first) for m in self.months])

    @property
    def totals(self) -> FunnelMonth:
        return FunnelMonth(
            period=self.months[0].period,
            opened=sum(m.opened for m in self.months),
            signed_up=sum(m.signed_up for m in self.months),
            paid_first=sum(m.paid_first for m in self.months),
        )


@dataclass
class ClubFunnel:
    computed_at: datetime
    funnel: Funnel
    # (member id, "surname name" as the top earners, first payments in the window), most first.
    top_referrers: list[tuple[int, str, int]] = field(default_factory=list)


def _as_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    return date.fromisoformat(value[:10]) if isinstance(value, str) else value


def _paid_first(first: date, last: date):
    """Members whose first paid month (Member.first_paid, kept by the payment services)
    falls in [first, last]: each counts once, in that month."""
    return Member.objects.filter(first_paid__gte=first, first_paid__lte=last)


def _by_month(rows) -> dict[date, int]:
    return {_as_date(month): int(n or 0) for month, n in rows}


def _grouped(*, visits, signups, first_paid, first: date, last: date) -> dict[str, dict]:
    """Three grouped queries: opened, signed up and paid first per month in [first, last]."""
    end = add_months(last, 1)
    opened = (
        visits.filter(day__gte=first, day__lt=end)
        .annotate(month=TruncMonth("day"))
        .values_list("month")
        .annotate(n=Sum("opened"))
        .order_by()
    )
    signed = (
        signups.filter(joined_on__gte=first, joined_on__lt=end)
        .annotate(month=TruncMonth("joined_on"))
        .values_list("month")
        .annotate(n=Count("*"))
        .order_by()
    )
    paid = first_paid.values_list("first_paid").annotate(n=Count("*")).order_by()
    return {
        "opened": _by_month(opened),
        "signed_up": _by_month(signed),
        "paid_first": _by_month(paid),
    }


def _funnel(counts: dict[str, dict], periods: list[date]) -> Funnel:
    return Funnel(
        months=[
            FunnelMonth(
                period=p,
                opened=counts["opened"].get(p, 0),
                signed_up=counts["signed_up"].get(p, 0),
                paid_first=counts["paid_first"].get(p, 0),
            )
            for p in periods
        ]
    )


def _window(months: int, until: date | None) -> list[date]:
    last = until or current_period()
    return months_between(add_months(last, -(months - 1)), last)


def member_funnel(*, member: Member, months: int = MONTHS, until: date | None = None) -> Funnel:
    """The member's funnel for the `months` months ending with `until` (a period; this
    month by default): one query whatever the size of the downline.

    Every member page shows it, so it is one hand-written query of three index ranges
    (the link's visits by (member, day), the referrals by (sponsor, joined_on) and by
    (sponsor, first_paid)) grouped by day and put into months here: the ORM's three
    grouped querysets cost the page 1.6 ms of CPU."""
    periods = _window(months, until)
    first, last = periods[0], periods[-1]
    end = add_months(last, 1)
    quote = connection.ops.quote_name
    visits, members = quote(ReferralVisit._meta.db_table), quote(Member._meta.db_table)
    sql = (
        f"SELECT 0, day, SUM(opened) FROM {visits} "
        f"WHERE member_id = %s AND day >= %s AND day < %s GROUP BY day "
        f"UNION ALL SELECT 1, joined_on, COUNT(*) FROM {members} "
        f"WHERE sponsor_id = %s AND joined_on >= %s AND joined_on < %s GROUP BY joined_on "
        f"UNION ALL SELECT 2, first_paid, COUNT(*) FROM {members} "
        f"WHERE sponsor_id = %s AND first_paid >= %s AND first_paid <= %s GROUP BY first_paid"
    )
    window = [first, end]
    counts: list[dict[date, int]] = [{}, {}, {}]
    params = [member.pk, *window, member.pk, *window, member.pk, first, last]
    for kind, day, n in prepared.fetchall("member_funnel", sql, params):
        month = _as_date(day).replace(day=1)
        by_month = counts[kind]
        by_month[month] = by_month.get(month, 0) + int(n or 0)
    opened, signed_up, paid_first = counts
    return _funnel({"opened": opened, "signed_up": signed_up, "paid_first": paid_first}, periods)


def club_funnel(*, months: int = MONTHS, until: date | None = None) -> ClubFunnel:
    """The whole club's funnel (every member's link added up: sign-ups and first payments
    of members who have a sponsor) and the top referrers by first payments in the window.
    Four queries."""
    periods = _window(months, until)
    first, last = periods[0], periods[-1]
    first_paid = _paid_first(first, last).filter(sponsor__isnull=False)
    counts = _grouped(
        visits=ReferralVisit.objects.all(),
        signups=Member.objects.filter(sponsor__isnull=False),
        first_paid=first_paid,
        first=first,
        last=last,
    )
    top = (
        first_paid.values_list("sponsor_id", "sponsor__first_name", "sponsor__last_name")
        .annotate(n=Count("*"))
        .order_by("-n", "sponsor_id")[:TOP_REFERRERS]
    )
    return ClubFunnel(
        computed_at=timezone.now(),
        funnel=_funnel(counts, periods),
        top_referrers=[(pk, f"{ln} {fn}".strip(), n) for pk, fn, ln, n in top],
    )


def funnel_rows(*, months: int = MONTHS, until: date | None = None):
    """Every member's funnel per month of the window, for the export: dicts with
    `member_id`, `month`, `opened`, `signed_up`, `paid_first`, only for the months with
    something in them, ordered by member id and month. Three grouped queries."""
    periods = _window(months, until)
    first, last = periods[0], periods[-1]
    end = add_months(last, 1)
    opened = (
        ReferralVisit.objects.filter(day__gte=first, day__lt=end)
        .annotate(month=TruncMonth("day"))
        .values_list("member_id", "month")
        .annotate(n=Sum("opened"))
        .order_by()
    )
    signed = (
        Member.objects.filter(sponsor__isnull=False, joined_on__gte=first, joined_on__lt=end)
        .annotate(month=TruncMonth("joined_on"))
        .values_list("sponsor_id", "month")
        .annotate(n=Count("*"))
        .order_by()
    )
    paid = (
        _paid_first(first, last)
        .filter(sponsor__isnull=False)
        .values_list("sponsor_id", "first_paid")
        .annotate(n=Count("*"))
        .order_by()
    )
    table: dict[tuple[int, date], list[int]] = {}
    for column, rows in enumerate((opened, signed, paid)):
        for member_id, month, n in rows:
            table.setdefault((member_id, _as_date(month)), [0, 0, 0])[column] = int(n or 0)
    for (member_id, month), (o, s, p) in sorted(table.items()):
        yield {"member_id": member_id, "month": month, "opened": o, "signed_up": s, "paid_first": p}
