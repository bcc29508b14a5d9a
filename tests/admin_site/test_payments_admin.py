"""The payments admin: the paid toggle in the list, the form through the service, filters,
search by member and the month picker."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from bonuses import services
from bonuses.models import Payment
from core.periods import add_months, current_period, format_month
from tests.factories import enroll

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _mid_june(time_machine):
    """ "This month" is June 2026 in the club's time zone, whatever the clock says."""
    time_machine.move_to("2026-06-15 12:00:00+06:00")


LIST = "admin:bonuses_payment_changelist"
MONTH = date(2026, 3, 1)


def shown(response) -> set[int]:
    return {p.pk for p in response.context["cl"].result_list}


def test_list_offers_the_paid_toggle_to_staff_who_change_payments(
    admin_client, client, django_user_model
):
    from django.contrib.auth.models import Permission

    member = enroll()
    services.payment_mark_paid(member=member, period=MONTH, amount="12000")
    page = admin_client.get(reverse(LIST)).content.decode()
    toggle = reverse("admin:bonuses_member_paid", args=[member.pk])
    assert f'data-url="{toggle}" data-period="2026-03" data-paid="1"' in page
    assert "12\xa0000\xa0₸" in page and "March 2026" in page
    viewer = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_payment"))
    client.force_login(viewer)
    page = client.get(reverse(LIST)).content.decode()
    assert 'class="bd-paid-toggle"' not in page and "Paid" in page


def test_change_form_reads_the_amount_as_typed_and_saves_through_the_service(
    admin_client, admin_user
):
    member = enroll()
    payment = services.payment_mark_paid(member=member, period=MONTH, amount="12000")
    url = reverse("admin:bonuses_payment_change", args=[payment.pk])
    assert 'value="12 000"' in admin_client.get(url).content.decode().replace("\xa0", " ")
    response = admin_client.post(url, {"amount": "13 500,50", "paid": "on", "note": ""})
    assert response.status_code == 302
    payment.refresh_from_db()
    assert payment.amount == Decimal("13500.50")
    assert payment.recorded_by == admin_user
    assert payment.history.latest().history_user == admin_user


def test_filters_by_month_and_paid_and_searches_by_member(admin_client):
    ann, bob = enroll(last_name="Абаева"), enroll(last_name="Бекова", phone="+77017770000")
    march = services.payment_mark_paid(member=ann, period=MONTH)
    april = services.payment_mark_paid(member=bob, period=add_months(MONTH, 1))
    services.payment_mark_unpaid(member=bob, period=add_months(MONTH, 1))
    url = reverse(LIST)
    assert shown(admin_client.get(url, {"month": "2026-03"})) == {march.pk}
    assert shown(admin_client.get(url, {"paid__exact": "0"})) == {april.pk}
    assert shown(admin_client.get(url, {"q": "Бек"})) == {april.pk}
    assert shown(admin_client.get(url, {"q": "+77017770000"})) == {april.pk}


def test_add_form_records_a_payment_through_the_service(admin_client, admin_user):
    member = enroll()
    response = admin_client.post(
        reverse("admin:bonuses_payment_add"),
        {"member": member.pk, "period": "2026-03", "amount": "9 000", "paid": "on", "note": ""},
    )
    assert response.status_code == 302
    payment = Payment.objects.get(member=member)
    assert payment.paid and payment.recorded_by == admin_user and payment.paid_on
    assert (payment.period, payment.amount) == (MONTH, Decimal("9000.00"))


def test_month_picker_shows_everyones_status_for_the_month(admin_client):
    paid, unpaid = enroll(last_name="А"), enroll(last_name="Б")
    services.payment_mark_paid(member=paid, period=MONTH)
    response = admin_client.get(reverse("admin:bonuses_payment_month"), {"month": "2026-03"})
    assert response.status_code == 200
    assert response.context["rows"] == [(paid, True), (unpaid, False)]
    assert 'data-period="2026-03"' in response.content.decode()


def test_month_picker_defaults_to_this_month_and_reports_a_bad_month(admin_client):
    url = reverse("admin:bonuses_payment_month")
    assert admin_client.get(url).context["month"] == format_month(current_period())
    response = admin_client.get(url, {"month": "March"}, follow=True)
    assert response.context["month"] == format_month(current_period())
    assert "March" in response.content.decode()


def test_month_picker_pages_without_counting_the_club(admin_client, monkeypatch):
    from admin_site import payments

    monkeypatch.setattr(payments, "MONTH_PAGE", 2)
    members = [enroll(last_name=name) for name in ("А", "Б", "В")]
    url = reverse("admin:bonuses_payment_month")
    first = admin_client.get(url, {"month": "2026-03"})
    assert [m for m, _paid in first.context["rows"]] == members[:2] and first.context["has_next"]
    second = admin_client.get(url, {"month": "2026-03", "page": "2"})
    assert [m for m, _paid in second.context["rows"]] == members[2:]
    assert not second.context["has_next"]
