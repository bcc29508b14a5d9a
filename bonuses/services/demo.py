"""Demo clubs: the small one `make demo` loads and random ones of any size (seed_demo)."""

import json
import random
from array import array
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from bonuses.models import DownlineCount, DownlineVolume, Member, MonthClose, Payment
from bonuses.models.members import member_search_key, new_referral_code
from core.bulk import insert_rows, refresh_planner_stats, reset_sequences
from core.periods import add_months, current_period

from .figures import figures_add_members
from .locks import lock_tree_exclusive
from .members import member_enroll
from .payments import payment_mark_paid
from .pricing import plan_price
from .tree_bulk import PathAllocator

DEMO_FILE = Path(settings.BASE_DIR) / "fixtures" / "demo_club.json"

FIRST_NAMES = (
    "Айгерим Алия Аружан Дана Дильназ Жанар Камила Мадина Сауле Томирис Анна Мария Елена "
    "Ольга Наталья Алихан Арман Бауыржан Данияр Ерлан Нурлан Руслан Тимур Иван Сергей "
    "Дмитрий Андрей Максим Артём Олжас"
).split()
LAST_NAMES = (
    "Абенова Ахметова Беккали Жумабаева Искакова Касымова Нурланова Омарова Сейткали "
    "Туленова Иванова Петрова Смирнова Ким Ли Пак Цой Алиев Байтуров Ермеков"
).split()


@dataclass
class SeedResult:
    members: int
    payments: int
    roots: int
    max_depth: int


def _pick_sponsors(rng: random.Random, count: int, root_share: float) -> array:
    """Parent index per member (-1 for a root), by preferential attachment.

    Every member enters `targets` once when they join and once more for each referral,
    so the chance of being picked grows with referrals made: most members refer no one
    or one or two people, a few refer hundreds, as in real referral programmes.
    """
    parents = array("l", [-1]) * count
    targets = array("l")
    for i in range(count):
        if i and rng.random() >= root_share:
            sponsor = targets[int(rng.random() * len(targets))]
            parents[i] = sponsor
            targets.append(sponsor)
        targets.append(i)
    return parents


@transaction.atomic
def seed_club(
    *, members: int, months: int = 6, seed: int | None = None, figures: bool = True
) -> SeedResult:
    """Add a random club of `members` members with `months` months of payments.

    Paths are handed out in one pass and rows written with COPY / executemany, so a
    million members take a minute or two instead of hours of add_child calls. The
    maintained figures are filled set-based at the end (`figures=False`: the caller
    does it, after moving the new members itself).
    """
    rng = random.Random(seed)
    lock_tree_exclusive()
    allocator = PathAllocator()
    parents = _pick_sponsors(rng, members, root_share=0.02)
    paths: list[str] = []
    for parent in parents:
        paths.append(allocator.root() if parent < 0 else allocator.child(paths[parent]))

    first_id = (Member.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    ops = connection.ops
    now = ops.adapt_datetimefield_value(timezone.now())
    this_month = current_period()
    first_period = add_months(this_month, -(months - 1))
    # Members join over the last two years (or the payment window, if longer), in
    # order, so a sponsor always joined before the people they referred.
    span_start = min(add_months(this_month, -24), first_period)
    span_days = (timezone.localdate() - span_start).days
    joined = [span_start + timedelta(days=span_days * i // max(members, 1)) for i in range(members)]

    def member_rows():
        for i, path in enumerate(paths):
            mid = first_id + i
            parent = parents[i]
            first_name, last_name = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            email, phone, external_id = (
                f"member{mid}@demo.bonusdesk.test",
                f"+7701{mid % 10_000_000:07d}",
                f"S{mid}",
            )
            yield (
                mid,
                path,
                len(path) // Member.steplen,
                allocator.numchild(path),
                None,
                first_id + parent if parent >= 0 else None,
                first_name,
                last_name,
                "",
                email,
                phone,
                None,
                "",
                external_id,
                ops.adapt_datefield_value(joined[i]),
                new_referral_code(),
                now,
                now,
                member_search_key(
                    first_name=first_name,
                    last_name=last_name,
                    email=email,
                    phone=phone,
                    external_id=external_id,
                ),
            )

    columns = [
        "id", "path", "depth", "numchild", "user_id", "sponsor_id", "first_name",
        "last_name", "middle_name", "email", "phone", "birth_date", "address",
        "external_id", "joined_on", "referral_code", "created_at", "updated_at", "search_key",
    ]  # fmt: skip
    insert_rows(Member, columns, member_rows())
    reset_sequences(Member)

    periods = [add_months(first_period, k) for k in range(months)]
    prices = {p: str(plan_price(p)) for p in periods}

    def payment_rows():
        for i in range(members):
            loyalty = 0.55 + 0.4 * rng.random()
            join_period = joined[i].replace(day=1)
            for period in periods:
                if period >= join_period and rng.random() < loyalty:
                    yield (
                        first_id + i,
                        ops.adapt_datefield_value(period),
                        prices[period],
                        True,
                        now,
                        "",
                        now,
                        now,
                    )

    payment_columns = [
        "member_id", "period", "amount", "paid", "paid_on", "note", "created_at", "updated_at"
    ]  # fmt: skip
    payments = insert_rows(Payment, payment_columns, payment_rows())
    refresh_planner_stats(Member, Payment)
    if figures:
        figures_add_members(since_id=first_id)
        refresh_planner_stats(DownlineCount, DownlineVolume)
    return SeedResult(
        members=members,
        payments=payments,
        roots=sum(1 for p in parents if p < 0),
        max_depth=max((len(p) for p in paths), default=0) // Member.steplen,
    )


@transaction.atomic
def load_demo_club(path: Path = DEMO_FILE) -> bool:
    """Load the small demo club through the services. False when it is already there.

    Consistent as a real club's history is: nobody joined before their sponsor, and
    nobody paid before joining (tests/bonuses/test_seed_demo.py checks the file)."""
    User = get_user_model()
    data = json.loads(path.read_text(encoding="utf-8"))
    if Member.objects.filter(external_id=data["members"][0]["external_id"]).exists():
        return False
    for account in data["users"]:
        user = User.objects.filter(username=account["username"]).first() or User(
            username=account["username"]
        )
        user.is_staff = account.get("is_staff", False)
        user.is_superuser = account.get("is_superuser", False)
        user.first_name = account.get("first_name", "")
        user.set_password(account["password"])
        user.save()
        user.groups.set(Group.objects.filter(name__in=account.get("groups", [])))
    this_month = current_period()
    by_key: dict[str, Member] = {}
    for row in data["members"]:
        sponsor = by_key.get(row.get("sponsor") or "")
        login = row.get("login")
        member = member_enroll(
            sponsor=sponsor,
            first_name=row["first_name"],
            last_name=row["last_name"],
            middle_name=row.get("middle_name", ""),
            email=row["email"],
            phone=row["phone"],
            external_id=row["external_id"],
            joined_on=add_months(this_month, -row["joined_months_ago"]),
            user=User.objects.get(username=login) if login else None,
        )
        by_key[row["external_id"]] = member
        if row.get("language"):
            Member.objects.filter(pk=member.pk).update(language=row["language"])
        for months_ago in row["paid_months_ago"]:
            amount = row.get("amount")
            payment_mark_paid(
                member=member,
                period=add_months(this_month, -months_ago),
                amount=Decimal(amount) if amount else None,
            )
    return True


@dataclass
class DemoCatchUp:
    closed: list  # periods closed now, oldest first
    statements_of: object  # the period whose statements were sent, or None
    sent: int
    check: object = None  # the FiguresCheck of this month, run once so the dashboard has one


def demo_catch_up() -> DemoCatchUp:
    """What the running club would have done by now: close every past month (the
    schedule's catch-up), then send the statements of the newest closed month through
    the configured email backend (the console in development). Only the newest month's:
    a club closes one month at a time, and a console filled with a year of letters helps
    nobody. It also runs the nightly check of the maintained figures once, over every
    member, so the dashboard's "statements checked" line has a result from the start.
    Safe to repeat: closed months and sent statements are skipped."""
    from .close import month_close
    from .figures import figures_check
    from .statement_mails import statement_mails_queue, statement_mails_send

    closed = [r.period for r in month_close(via=MonthClose.Via.SCHEDULE) if not r.already_closed]
    check = figures_check()
    latest = add_months(current_period(), -1)
    if not MonthClose.objects.filter(period=latest).exists():
        return DemoCatchUp(closed=closed, statements_of=None, sent=0, check=check)
    statement_mails_queue(period=latest)
    report = statement_mails_send(period=latest)
    return DemoCatchUp(closed=closed, statements_of=latest, sent=report.sent, check=check)
