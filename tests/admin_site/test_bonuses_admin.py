"""Plan versions, the ledger and the balance pages in the admin, through the services."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from bonuses import services
from bonuses.models import LedgerEntry, MonthClose, Plan
from core.money import format_percent
from tests.bonuses.engine_helpers import MAY, NOW, worked_example
from tests.factories import enroll

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def now(time_machine, settings):
    time_machine.move_to(NOW, tick=False)
    settings.LANGUAGE_CODE = "en"  # messages asserted in English


def plan_post(plan: Plan | None, **overrides) -> dict:
    """The change form's POST for `plan`'s own figures (or the default's), with inlines."""
    plan = plan or services.plan_for(date(2026, 6, 1))
    levels = list(plan.levels.order_by("level"))
    packages = list(plan.packages.order_by("threshold"))
    data = {
        "effective_from": "2026-07-01",
        "monthly_price": str(plan.monthly_price),
        "referred_rate": format_percent(plan.referred_rate, sign=False),
        "note": "",
        "levels-TOTAL_FORMS": str(len(levels)),
        "levels-INITIAL_FORMS": "0",
        "levels-MIN_NUM_FORMS": "1",
        "levels-MAX_NUM_FORMS": "1000",
        "packages-TOTAL_FORMS": str(len(packages)),
        "packages-INITIAL_FORMS": "0",
        "packages-MIN_NUM_FORMS": "0",
        "packages-MAX_NUM_FORMS": "1000",
    }
    for i, level in enumerate(levels):
        data[f"levels-{i}-level"] = str(level.level)
        data[f"levels-{i}-rate"] = format_percent(level.rate, sign=False)
    for i, package in enumerate(packages):
        data[f"packages-{i}-name"] = package.name
        data[f"packages-{i}-threshold"] = str(package.threshold)
        data[f"packages-{i}-bonus"] = str(package.bonus)
    data.update(overrides)
    return data


def test_editing_the_plan_creates_a_new_version_from_next_month(admin_client, admin_user):
    current = services.plan_for(date(2026, 6, 1))
    old_rate = current.levels.get(level=1).rate
    url = reverse("admin:bonuses_plan_change", args=[current.pk])
    page = admin_client.get(url).content.decode()
    assert "creates a NEW plan version" in page
    assert '<option value="2026-07" selected>July 2026</option>' in page  # next month
    response = admin_client.post(url, plan_post(current, **{"levels-0-rate": "12"}))
    assert response.status_code == 302, response.context["adminform"].form.errors
    new = Plan.objects.get(effective_from=date(2026, 7, 1))
    assert new.pk != current.pk
    assert new.levels.get(level=1).rate == Decimal("0.12")
    assert new.packages.count() == current.packages.count() == 5
    assert new.created_by == admin_user
    current.refresh_from_db()
    assert current.levels.get(level=1).rate == old_rate  # the past keeps its rates
    assert services.plan_for(date(2026, 6, 1)) == current
    assert services.plan_for(date(2026, 7, 1)) == new
    assert new.history.count() == 1  # audit trail of the plan


def test_the_real_change_form_with_existing_rows_and_a_deleted_package(admin_client):
    current = services.plan_for(date(2026, 6, 1))
    levels = list(current.levels.order_by("level"))
    packages = list(current.packages.order_by("threshold"))
    data = plan_post(current, **{"levels-INITIAL_FORMS": "4", "packages-INITIAL_FORMS": "5"})
    for i, level in enumerate(levels):
        data[f"levels-{i}-id"], data[f"levels-{i}-plan"] = str(level.pk), str(current.pk)
    for i, package in enumerate(packages):
        data[f"packages-{i}-id"], data[f"packages-{i}-plan"] = str(package.pk), str(current.pk)
    data["packages-4-DELETE"] = "on"
    data["monthly_price"] = "17000"
    url = reverse("admin:bonuses_plan_change", args=[current.pk])
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    new = Plan.objects.get(effective_from=date(2026, 7, 1))
    assert new.monthly_price == Decimal("17000.00")
    assert new.packages.count() == 4 and current.packages.count() == 5
    assert new.levels.count() == current.levels.count() == 4
    assert response.url == reverse("admin:bonuses_plan_changelist")


def test_a_version_for_a_closed_or_taken_month_is_refused_on_the_field(admin_client):
    worked_example(MAY)
    services.month_close(period=MAY)
    current = services.plan_for(MAY)
    url = reverse("admin:bonuses_plan_change", args=[current.pk])
    response = admin_client.post(url, plan_post(current, effective_from="2026-05-01"))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "already closed" in errors["effective_from"][0]
    response = admin_client.post(
        url, plan_post(current, effective_from=f"{current.effective_from}")
    )
    assert "already closed" in response.context["adminform"].form.errors["effective_from"][0]
    assert Plan.objects.count() == 1
    assert MonthClose.objects.get().plan == current


def test_a_plan_used_by_a_close_says_so(admin_client):
    worked_example(MAY)
    services.month_close(period=MAY)
    current = services.plan_for(MAY)
    url = reverse("admin:bonuses_plan_change", args=[current.pk])
    page = admin_client.get(url).content.decode()
    assert "was used to close a month" in page


def test_levels_must_not_have_gaps(admin_client):
    current = services.plan_for(date(2026, 6, 1))
    url = reverse("admin:bonuses_plan_change", args=[current.pk])
    response = admin_client.post(url, plan_post(current, **{"levels-3-level": "6"}))
    assert response.status_code == 200
    assert "without gaps" in response.content.decode()
    assert Plan.objects.count() == 1


def test_levels_stop_at_the_maximum_the_figures_keep(admin_client):
    current = services.plan_for(date(2026, 6, 1))
    url = reverse("admin:bonuses_plan_change", args=[current.pk])
    response = admin_client.post(url, plan_post(current, **{"levels-3-level": "7"}))
    assert response.status_code == 200
    assert "less than or equal to 6" in response.content.decode()
    assert Plan.objects.count() == 1


def test_ledger_is_read_only_filterable_and_shows_who_made_each_entry(admin_client, admin_user):
    club = worked_example(MAY)
    services.month_close(period=MAY, by=admin_user)
    services.ledger_adjust(member=club["a"], amount="100", reason="welcome gift", by=admin_user)
    url = reverse("admin:bonuses_ledgerentry_changelist")
    response = admin_client.get(url, {"kind": "adjustment"})
    assert response.status_code == 200
    rows = list(response.context["cl"].result_list)
    assert [(r.kind, r.reason, r.created_by) for r in rows] == [
        ("adjustment", "welcome gift", admin_user)
    ]
    response = admin_client.get(url, {"period": "2026-05"})
    assert {r.kind for r in response.context["cl"].result_list} == {"accrual", "referred"}
    named = enroll(last_name="Жумабаева", first_name="Айгерим", email="aigerim@example.test")
    services.ledger_adjust(member=named, amount="5", reason="gift", by=admin_user)
    for term in ["жумаб", "Жумабаева", "aigerim@example.test"]:
        response = admin_client.get(url, {"q": term})
        assert {r.member_id for r in response.context["cl"].result_list} == {named.pk}, term
    response = admin_client.get(url, {"q": "Нетакой"})
    assert list(response.context["cl"].result_list) == []
    response = admin_client.get(url, {"member__id__exact": club["a"].pk})
    assert {r.member_id for r in response.context["cl"].result_list} == {club["a"].pk}
    # The "created" column sorts by id, the order of writing, both ways.
    for order, expected in (("0", "ASC"), ("-0", "DESC")):  # column 0: "created"
        changelist = admin_client.get(url, {"o": order}).context["cl"]
        ids = [r.pk for r in changelist.result_list]
        assert ids == sorted(ids, reverse=expected == "DESC") and len(ids) > 2
        assert f'"bonuses_ledgerentry"."id" {expected}' in str(changelist.queryset.query)
    entry = LedgerEntry.objects.first()
    change = admin_client.get(reverse("admin:bonuses_ledgerentry_change", args=[entry.pk]))
    assert change.status_code == 200
    assert 'name="amount"' not in change.content.decode()  # read-only
    assert (
        admin_client.post(
            reverse("admin:bonuses_ledgerentry_delete", args=[entry.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert LedgerEntry.objects.filter(pk=entry.pk).exists()


def test_ledger_export_as_csv(admin_client, admin_user):
    member = enroll()
    services.ledger_adjust(member=member, amount="250.50", reason="gift", by=admin_user)
    url = reverse("admin:bonuses_ledgerentry_export")
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(url, {"format": "0", "resource": "0", "export_items": []})
    if response.status_code == 200 and "text/csv" not in response["Content-Type"]:
        form = response.context["form"]
        data = {"format": "0", "resource": "0"}
        data.update({name: "on" for name in form.fields if name.startswith("ledgerentry")})
        response = admin_client.post(url, data)
    assert "text/csv" in response["Content-Type"]
    text = response.content.decode()
    assert "250.50" in text and "gift" in text and "boss" in text


def _operation(kind):
    return reverse(f"admin:bonuses_ledgerentry_{kind}")


def test_payout_refuses_an_overdraft_on_the_amount_field(admin_client, admin_user):
    member = enroll()
    services.ledger_adjust(member=member, amount="1000", reason="start", by=admin_user)
    page = admin_client.get(_operation("payout"), {"member": member.pk})
    assert page.status_code == 200
    assert page.context["balance"].closed == Decimal("1000.00")
    response = admin_client.post(
        _operation("payout"), {"member": member.pk, "amount": "1500", "reason": "cash"}
    )
    assert response.status_code == 200
    assert "balance is short" in response.context["form"].errors["amount"][0]
    assert LedgerEntry.objects.filter(kind="payout").count() == 0
    response = admin_client.post(
        _operation("payout"), {"member": member.pk, "amount": "400", "reason": "cash"}
    )
    assert response.status_code == 302
    payout = LedgerEntry.objects.get(kind="payout")
    assert (payout.amount, payout.created_by) == (Decimal("-400.00"), admin_user)


def test_package_claim_refuses_an_overdraft_and_records_the_claim(admin_client, admin_user):
    member = enroll()
    classic = services.plan_for(date(2026, 6, 1)).packages.get(name="Classic")
    response = admin_client.post(
        _operation("claim"), {"member": member.pk, "package": classic.pk, "reason": ""}
    )
    assert response.status_code == 200
    assert "balance is short" in response.context["form"].errors["package"][0]
    services.ledger_adjust(member=member, amount="150000", reason="start", by=admin_user)
    response = admin_client.post(
        _operation("claim"), {"member": member.pk, "package": classic.pk, "reason": ""}
    )
    assert response.status_code == 302
    claim = LedgerEntry.objects.get(kind="claim")
    assert claim.amount == -classic.threshold
    assert claim.created_by == admin_user


def test_adjustment_needs_a_reason(admin_client, admin_user):
    member = enroll()
    response = admin_client.post(
        _operation("adjust"), {"member": member.pk, "amount": "50", "reason": ""}
    )
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    response = admin_client.post(
        _operation("adjust"), {"member": member.pk, "amount": "-50", "reason": "typo"}
    )
    assert "balance is short" in response.context["form"].errors["amount"][0]
    response = admin_client.post(
        _operation("adjust"),
        {"member": member.pk, "amount": "50", "reason": "birthday"},
        follow=True,
    )
    assert response.redirect_chain[0][1] == 302
    assert LedgerEntry.objects.get().reason == "birthday"
    # A sentence: the kind's name opens it with a capital.
    [message] = [str(m) for m in response.context["messages"]]
    assert message.startswith("Manual adjustment of 50") and "recorded for" in message


def test_front_desk_cannot_reach_plan_ledger_or_balance_pages(client, django_user_model):
    desk = django_user_model.objects.create_user("desk1", password="pw", is_staff=True)
    desk.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_member", "change_payment"])
    )
    client.force_login(desk)
    member = enroll()
    for url in [
        reverse("admin:bonuses_plan_changelist"),
        reverse("admin:bonuses_ledgerentry_changelist"),
        reverse("admin:bonuses_ledgerentry_export"),
        _operation("claim"),
        _operation("payout"),
        _operation("adjust"),
        reverse("admin:django_q_schedule_changelist"),
        reverse("admin:django_q_failure_changelist"),
    ]:
        assert client.get(url).status_code == 403, url
    response = client.post(
        _operation("adjust"), {"member": member.pk, "amount": "50", "reason": "x"}
    )
    assert response.status_code == 403
    assert not LedgerEntry.objects.exists()


def test_a_bad_member_in_the_address_is_ignored(admin_client):
    for value in ["abc", "999999", ""]:
        response = admin_client.get(_operation("payout"), {"member": value})
        assert response.status_code == 200, value
        assert response.context["balance"] is None


def test_adding_a_version_from_the_add_form(admin_client, admin_user):
    data = plan_post(None, effective_from="2026-09-01", monthly_price="18000")
    data.update({"levels-TOTAL_FORMS": "2", "packages-TOTAL_FORMS": "1"})
    response = admin_client.post(reverse("admin:bonuses_plan_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    new = Plan.objects.get(effective_from=date(2026, 9, 1))
    assert [lv.rate for lv in new.levels.order_by("level")] == [Decimal("0.1"), Decimal("0.05")]
    assert list(new.packages.values_list("name", flat=True)) == ["Classic"]
    assert new.created_by == admin_user
    assert services.plan_for(date(2026, 8, 1)).effective_from == date(2018, 1, 1)


def test_the_list_marks_the_version_in_force(admin_client):
    current = services.plan_for(date(2026, 6, 1))
    services.plan_create_version(
        effective_from=date(2026, 8, 1),
        monthly_price="16000",
        rates=["0.1"],
        referred_rate="0.05",
        packages=[],
    )
    response = admin_client.get(reverse("admin:bonuses_plan_changelist"))
    rows = {plan.pk: plan.in_force for plan in response.context["cl"].result_list}
    assert rows == {current.pk: True, Plan.objects.get(effective_from=date(2026, 8, 1)).pk: False}
