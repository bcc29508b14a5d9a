"""Small trees with known earnings, shared by the bonus-engine tests."""

from datetime import date
from decimal import Decimal

from bonuses import services
from bonuses.models import Member
from tests.factories import enroll

# "Now" for engine tests: mid-June 2026 in the club's time zone, so May is closable.
NOW = "2026-06-15 12:00:00+06:00"
JUNE = date(2026, 6, 1)
MAY = date(2026, 5, 1)
APRIL = date(2026, 4, 1)


def pay(member: Member, period: date, amount=None):
    return services.payment_mark_paid(member=member, period=period, amount=amount)


def worked_example(period: date) -> dict[str, Member]:
    """DESIGN.md's example: `member` has a sponsor and is active; 1 active follower at
    level 1, 2 at level 2, none at level 3 (one unpaid), 2 at level 4."""
    sponsor = enroll()
    member = enroll(sponsor)
    a = enroll(member)
    b1, b2 = enroll(a), enroll(a)
    c = enroll(b1)
    d1, d2 = enroll(c), enroll(c)
    for m in (member, a, b1, b2, d1, d2):
        pay(m, period)
    return {"sponsor": sponsor, "member": member, "a": a, "b1": b1, "b2": b2, "c": c,
            "d1": d1, "d2": d2}  # fmt: skip


def D(text) -> Decimal:
    return Decimal(text)
