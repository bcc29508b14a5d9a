"""What a payment change in a closed month would post, before anything is saved: the
warning staff see on the paid toggle, the payment form, the bulk actions and the payment
import's preview. Reads only; the same rule as the correction that is then posted
(bonuses.services.corrections.correction_shares)."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from bonuses.models import Member, MonthClose, Payment
from bonuses.services.corrections import (
    ancestor_levels,
    correction_shares,
    payer_downline_earnings,
)
from bonuses.services.plans import plan_terms
from core.money import ZERO, money
from core.periods import period_of

CHUNK = 5_000


@dataclass(frozen=True)
class PaymentChange:
    """A wanted state of `member`'s payment for `period`: paid (amount None: keep the
    existing amount, or the plan price for a new payment) or not paid. `member` is a
    Member or its id (an import's rows have ids)."""

    member: Member | int
    period: date
    paid: bool
    amount: Decimal | None = None


@dataclass(frozen=True)
class PlannedCorrection:
    member_id: int
    name: str
    payer_id: int
    payer_name: str
    period: date
    part: str  # "referred", "level" or "own_activity"
    level: int | None
    amount: Decimal  # tenge; negative takes back
    before: Decimal | None  # the payer's paid amount before (None: not paid)
    after: Decimal | None


@dataclass
class CorrectionsPreview:
    lines: list[PlannedCorrection] = field(default_factory=list)
    changes: int = 0  # payments of closed months that would change

    @property
    def total(self) -> Decimal:
        return money(sum((line.amount for line in self.lines), ZERO))

    @property
    def periods(self) -> list[date]:
        return sorted({line.period for line in self.lines})

    def by_member(self) -> list[tuple[int, str, Decimal]]:
        """(member id, name, net amount) per member who gets a correction, largest first."""
        totals: dict[int, Decimal] = defaultdict(lambda: ZERO)
        names = {}
        for line in self.lines:
            totals[line.member_id] += line.amount
            names[line.member_id] = line.name
        rows = [(pk, names[pk], money(amount)) for pk, amount in totals.items() if amount]
        return sorted(rows, key=lambda row: (-abs(row[2]), row[1]))

    def __bool__(self) -> bool:
        return self.changes > 0


def _name(row: dict) -> str:
    return " ".join(p for p in (row["last_name"], row["first_name"]) if p) or f"#{row['id']}"


def payment_changes_corrections(changes: Iterable[PaymentChange]) -> CorrectionsPreview:
    """The corrections that saving `changes` would post, in a few queries per closed
    month (payments, payers, ancestors; with the earner-active option one more per payer
    whose own activity flips). Changes of open months post nothing and are skipped.

    Input: PaymentChange rows (a Member or a member id each). Output: a
    CorrectionsPreview whose lines match, member for member and tenge for tenge, what
    bonuses.services.payments would post."""
    changes = [c for c in changes]
    periods = {period_of(c.period) for c in changes}
    closed = set(MonthClose.objects.filter(period__in=periods).values_list("period", flat=True))
    preview = CorrectionsPreview()
    wanted = [c for c in changes if period_of(c.period) in closed]
    if not wanted:
        return preview
    by_period: dict[date, list[PaymentChange]] = defaultdict(list)
    for change in wanted:
        by_period[period_of(change.period)].append(change)
    for period, rows in sorted(by_period.items()):
        _period_lines(period, rows, preview)
    return preview


def _member_id(change: PaymentChange) -> int:
    return change.member if isinstance(change.member, int) else change.member.pk


def _period_lines(period: date, changes: list[PaymentChange], preview: CorrectionsPreview):
    terms = plan_terms(period)
    member_ids = [_member_id(c) for c in changes]
    existing: dict[int, tuple[bool, Decimal]] = {}
    for start in range(0, len(member_ids), CHUNK):
        payments = Payment.objects.filter(
            period=period, member_id__in=member_ids[start : start + CHUNK]
        ).values_list("member_id", "paid", "amount")
        existing.update((m, (paid, amount)) for m, paid, amount in payments)
    payers: dict[int, dict] = {}
    for start in range(0, len(member_ids), CHUNK):
        rows = Member.objects.filter(pk__in=member_ids[start : start + CHUNK]).values(
            "id", "path", "depth", "first_name", "last_name"
        )
        payers.update((row["id"], row) for row in rows)
    levels_by_payer = {
        pk: ancestor_levels(row["path"], row["depth"], terms.levels) for pk, row in payers.items()
    }
    paths = {path for levels in levels_by_payer.values() for path in levels}
    people: dict[str, dict] = {}
    wanted_paths = list(paths)
    for start in range(0, len(wanted_paths), CHUNK):
        for row in Member.objects.filter(path__in=wanted_paths[start : start + CHUNK]).values(
            "id", "path", "first_name", "last_name"
        ):
            people[row["path"]] = row
    active: set[int] = set()
    if terms.earner_must_be_active:
        ids = [row["id"] for row in people.values()]
        active = set(
            Payment.objects.filter(member_id__in=ids, period=period, paid=True).values_list(
                "member_id", flat=True
            )
        )
    price = terms.monthly_price
    for change in changes:
        row = payers.get(_member_id(change))
        if row is None:
            continue  # no such member: the caller reports it
        payer = Member(pk=row["id"], path=row["path"], depth=row["depth"])
        was_paid, was_amount = existing.get(payer.pk, (False, None))
        old = money(was_amount) if was_paid and was_amount is not None else None
        if change.paid:
            amount = change.amount if change.amount is not None else was_amount
            new = money(amount if amount is not None else price)
        else:
            new = None
        if old == new:
            continue
        preview.changes += 1
        earners = [
            (people[path]["id"], level)
            for path, level in levels_by_payer[payer.pk].items()
            if path in people and (not terms.earner_must_be_active or people[path]["id"] in active)
        ]
        names = {
            people[path]["id"]: _name(people[path])
            for path in levels_by_payer[payer.pk]
            if path in people
        }
        names[payer.pk] = payer_name = _name(payers[payer.pk])
        shares = correction_shares(
            terms=terms,
            payer_id=payer.pk,
            payer_depth=payer.depth,
            old=old,
            new=new,
            earners=earners,
            payer_downline=lambda payer=payer: payer_downline_earnings(payer, period, terms),
        )
        for member_id, amount, part in shares:
            preview.lines.append(
                PlannedCorrection(
                    member_id=member_id,
                    name=names[member_id],
                    payer_id=payer.pk,
                    payer_name=payer_name,
                    period=period,
                    part=part["part"],
                    level=part.get("level"),
                    amount=amount,
                    before=old,
                    after=new,
                )
            )
