"""all_plan_terms() keeps this process's copy of the plan versions until the plan tables'
stamp changes or a plan is saved here: a version added by another process, or a plan
edited in this one, is read at once."""

from datetime import date
from decimal import Decimal

import pytest

from bonuses import services
from bonuses.models import Package, Plan, PlanLevel
from bonuses.services.plans import all_plan_terms

pytestmark = pytest.mark.django_db


def test_a_version_added_without_this_process_knowing_is_read_at_once(
    django_assert_num_queries,
):
    before = all_plan_terms()
    with django_assert_num_queries(1):  # the stamp only
        assert all_plan_terms() == before
    # As another process's plan_create_version: rows appear, no signal reaches us.
    plan = Plan.objects.bulk_create(
        [Plan(effective_from=date(2026, 5, 1), monthly_price=Decimal("20000"), referred_rate=0)]
    )[0]
    if plan.pk is None:  # SQLite before returning ids
        plan = Plan.objects.get(effective_from=date(2026, 5, 1))
    PlanLevel.objects.bulk_create([PlanLevel(plan=plan, level=1, rate=Decimal("0.2"))])
    Package.objects.bulk_create(
        [Package(plan=plan, name="Solo", threshold=Decimal("1000"), bonus=0)]
    )
    after = all_plan_terms()
    assert len(after) == len(before) + 1
    assert after[-1].rates == (Decimal("0.2"),) and after[-1].packages[0][0] == "Solo"


def test_a_plan_edited_in_place_here_is_read_again():
    services.plan_create_version(
        effective_from=date(2026, 6, 1),
        monthly_price="15000",
        rates=["0.1"],
        referred_rate="0.05",
        packages=[],
    )
    assert all_plan_terms()[-1].earner_must_be_active is False
    plan = Plan.objects.get(effective_from=date(2026, 6, 1))
    plan.earner_must_be_active = True
    plan.save()  # same rows, same stamp: the save signal drops the copy
    assert all_plan_terms()[-1].earner_must_be_active is True
    level = plan.levels.get()
    level.rate = Decimal("0.3")
    level.save()
    assert all_plan_terms()[-1].rates == (Decimal("0.3"),)
