"""Plan versions: which rates apply to a period, and creating a new version."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cached_property

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from bonuses.models import MAX_LEVELS, MonthClose, Package, Plan, PlanLevel
from core import prepared
from core.money import money
from core.periods import period_of


@dataclass(frozen=True)
class PlanTerms:
    """The figures of one plan version, detached from the ORM (closes use them a million
    times). `rates[k - 1]` is the rate for level k."""

    plan_id: int | None
    effective_from: date
    monthly_price: Decimal
    rates: tuple[Decimal, ...]
    referred_rate: Decimal
    earner_must_be_active: bool
    credit_package_bonus: bool
    packages: tuple[tuple[str, Decimal, Decimal], ...]  # (name, threshold, bonus) ascending

    @property
    def levels(self) -> int:
        return len(self.rates)

    def share(self, rate: Decimal, amount: Decimal) -> Decimal:
        """What one payment earns at `rate`: rounded per payment, so that corrections
        (which move one payment) stay exact against the closed figures."""
        return money(rate * amount)

    @cached_property
    def _cents_cache(self) -> dict:
        return {}

    def share_cents(self, level: int, cents: int) -> int:
        """share() in integer cents for level k (0 = the referred bonus), memoised."""
        key = (level, cents)
        cache = self._cents_cache
        value = cache.get(key)
        if value is None:
            rate = self.referred_rate if level == 0 else self.rates[level - 1]
            value = cache[key] = int(self.share(rate, Decimal(cents) / 100) * 100)
        return value


# The plan a new club starts with (also shipped as the data migration 0004_default_plan).
DEFAULT_EFFECTIVE_FROM = date(2018, 1, 1)
DEFAULT_PRICE = Decimal("15000.00")
DEFAULT_RATES = (Decimal("0.10"), Decimal("0.05"), Decimal("0.025"), Decimal("0.01"))
DEFAULT_REFERRED_RATE = Decimal("0.05")
DEFAULT_PACKAGES = (
    ("Classic", Decimal("150000"), Decimal("0")),
    ("Silver", Decimal("300000"), Decimal("75000")),
    ("Gold", Decimal("600000"), Decimal("300000")),
    ("Platinum", Decimal("1200000"), Decimal("1200000")),
    ("Brilliant", Decimal("2400000"), Decimal("3600000")),
)
DEFAULT_TERMS = PlanTerms(
    plan_id=None,
    effective_from=DEFAULT_EFFECTIVE_FROM,
    monthly_price=DEFAULT_PRICE,
    rates=DEFAULT_RATES,
    referred_rate=DEFAULT_REFERRED_RATE,
    earner_must_be_active=False,
    credit_package_bonus=False,
    packages=DEFAULT_PACKAGES,
)


def _create_default_plan() -> Plan:
    """The default plan, for a database emptied after migrate (test flushes): the data
    migration normally creates it."""
    plan = Plan.objects.create(
        effective_from=DEFAULT_EFFECTIVE_FROM,
        monthly_price=DEFAULT_PRICE,
        referred_rate=DEFAULT_REFERRED_RATE,
        note="Default plan",
    )
    PlanLevel.objects.bulk_create(
        PlanLevel(plan=plan, level=k, rate=rate) for k, rate in enumerate(DEFAULT_RATES, 1)
    )
    Package.objects.bulk_create(
        Package(plan=plan, name=n, threshold=t, bonus=b) for n, t, b in DEFAULT_PACKAGES
    )
    return plan


def _terms(plan: Plan) -> PlanTerms:
    levels = sorted(plan.levels.all(), key=lambda lv: lv.level)
    packages = sorted(plan.packages.all(), key=lambda p: p.threshold)
    return PlanTerms(
        plan_id=plan.pk,
        effective_from=plan.effective_from,
        monthly_price=plan.monthly_price,
        rates=tuple(lv.rate for lv in levels),
        referred_rate=plan.referred_rate,
        earner_must_be_active=plan.earner_must_be_active,
        credit_package_bonus=plan.credit_package_bonus,
        packages=tuple((p.name, p.threshold, p.bonus) for p in packages),
    )


# all_plan_terms() of this process, with the stamp of the plan tables it was read at.
_versions: dict[str, tuple[tuple, list[PlanTerms]]] = {}


def _plans_stamp() -> tuple:
    """Count and highest id of the plan, level and package tables: versions are only
    ever added (plan_create_version, the admin's "save as a new version"), so a new one
    changes the stamp, in this process or another."""
    quote = connection.ops.quote_name
    parts = [
        f"(SELECT COUNT(*) FROM {table}), (SELECT MAX(id) FROM {table})"
        for table in map(
            quote, (Plan._meta.db_table, PlanLevel._meta.db_table, Package._meta.db_table)
        )
    ]
    return prepared.fetchall("plans_stamp", f"SELECT {', '.join(parts)}")[0]


def forget_plan_terms(**kwargs) -> None:
    """Drop this process's copy of the versions (a plan, level or package was saved or
    deleted here: an edit in place, which the stamp would not see)."""
    _versions.clear()


def all_plan_terms() -> list[PlanTerms]:
    """Every version, oldest first (selectors resolve many periods): one query for the
    stamp of the plan tables, and three more only when it changed since this process
    last read them. Every member page asks for them: reading them cost a tenth of the
    page's CPU."""
    stamp = _plans_stamp()
    key = connection.alias
    cached = _versions.get(key)
    if cached is not None and cached[0] == stamp:
        return list(cached[1])
    versions = _read_plan_terms()
    _versions[key] = (stamp, versions)
    return list(versions)


def _read_plan_terms() -> list[PlanTerms]:
    """Every version, as plain values rather than model instances."""
    plans = list(
        Plan.objects.order_by("effective_from").values_list(
            "pk",
            "effective_from",
            "monthly_price",
            "referred_rate",
            "earner_must_be_active",
            "credit_package_bonus",
        )
    )
    if not plans:
        return [DEFAULT_TERMS]
    rates: dict[int, list[Decimal]] = {pk: [] for pk, *_rest in plans}
    for plan_id, rate in PlanLevel.objects.order_by("plan_id", "level").values_list(
        "plan_id", "rate"
    ):
        rates[plan_id].append(rate)
    packages: dict[int, list[tuple[str, Decimal, Decimal]]] = {pk: [] for pk, *_rest in plans}
    for plan_id, *package in Package.objects.order_by("plan_id", "threshold").values_list(
        "plan_id", "name", "threshold", "bonus"
    ):
        packages[plan_id].append(tuple(package))
    return [
        PlanTerms(
            plan_id=pk,
            effective_from=effective_from,
            monthly_price=price,
            rates=tuple(rates[pk]),
            referred_rate=referred_rate,
            earner_must_be_active=must_be_active,
            credit_package_bonus=credit_bonus,
            packages=tuple(packages[pk]),
        )
        for pk, effective_from, price, referred_rate, must_be_active, credit_bonus in plans
    ]


def terms_in_force(versions: list[PlanTerms], period: date) -> PlanTerms:
    """The version in force for `period` among `versions` (oldest first)."""
    if not versions:
        raise Plan.DoesNotExist("No bonus plan is defined.")
    chosen = versions[0]
    for terms in versions:
        if terms.effective_from <= period:
            chosen = terms
    return chosen


def plan_for(period: date) -> Plan:
    """The plan version in force for `period`; the first version covers earlier months."""
    period = period_of(period)
    plan = Plan.objects.filter(effective_from__lte=period).order_by("-effective_from").first()
    if plan is None:
        plan = Plan.objects.order_by("effective_from").first()
    if plan is None:
        try:
            with transaction.atomic():
                plan = _create_default_plan()
        except IntegrityError:  # another request created it at the same moment
            plan = Plan.objects.order_by("effective_from").first()
    return plan


def plan_terms(period: date) -> PlanTerms:
    plan = plan_for(period)
    return _terms(plan)


@transaction.atomic
def plan_create_version(
    *,
    effective_from: date,
    monthly_price,
    rates: list,
    referred_rate,
    packages: list[tuple[str, object, object]],
    earner_must_be_active: bool = False,
    credit_package_bonus: bool = False,
    sponsor_requests_at_once: bool = False,
    note: str = "",
    by=None,
) -> Plan:
    """A new plan version from `effective_from` (a month not closed yet).

    rates: one rate per level, level 1 first (e.g. [Decimal("0.10"), ...]);
    packages: (name, threshold, bonus) tuples.
    """
    effective_from = period_of(effective_from)
    if MonthClose.objects.filter(period__gte=effective_from).exists():
        raise ValidationError(
            {"effective_from": _("That month is already closed: a new plan must start later.")}
        )
    if not rates:
        raise ValidationError({"rates": _("The plan needs at least one level.")})
    if len(rates) > MAX_LEVELS:
        # The maintained statement figures (bonuses.models.downline) go this deep.
        raise ValidationError(
            {"rates": _("A plan has at most %(max)s levels.") % {"max": MAX_LEVELS}}
        )
    plan = Plan(
        effective_from=effective_from,
        monthly_price=money(monthly_price),
        referred_rate=Decimal(referred_rate),
        earner_must_be_active=earner_must_be_active,
        credit_package_bonus=credit_package_bonus,
        sponsor_requests_at_once=sponsor_requests_at_once,
        note=note,
        created_by=by,
    )
    plan.full_clean()
    plan.save()
    for level, rate in enumerate(rates, start=1):
        row = PlanLevel(plan=plan, level=level, rate=Decimal(rate))
        row.full_clean()
        row.save()
    for name, threshold, bonus in packages:
        row = Package(plan=plan, name=name, threshold=money(threshold), bonus=money(bonus))
        row.full_clean()
        row.save()
    return plan


def plan_change_error(plan: Plan) -> str | None:
    """Why `plan` may no longer be edited in place, or None. A version that a closed month
    was computed with is history: changing it would rewrite the past."""
    if MonthClose.objects.filter(plan=plan).exists():
        return _(
            "This plan version was used to close a month; create a new version instead "
            "of editing it."
        )
    return None
