"""Warnings before consequences: a closed month's payment (toggle, form, bulk action), a
sponsor change and a close with earlier months open say what will happen, and nothing is
saved until staff confirm."""

from datetime import date
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse

from bonuses import services
from bonuses.models import LedgerEntry, Member, MonthClose, Payment
from tests.admin_site.helpers import change_data
from tests.bonuses.engine_helpers import APRIL, JUNE, MAY, NOW, pay
from tests.factories import chain, enroll

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _june(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def closed_may():
    """A three-member line whose last member has not paid for May; May is closed."""
    top, sponsor, payer = chain(3)
    top.first_name, sponsor.first_name = "Top", "Sponsor"
    services.member_update(member=top, first_name="Top", last_name="Line")
    services.member_update(member=sponsor, first_name="Sponsor", last_name="Line")
    services.member_update(member=payer, first_name="Payer", last_name="Line")
    services.month_close(period=MAY)
    return top, sponsor, payer


def snapshot():
    return (
        list(Payment.objects.order_by("pk").values_list("pk", "paid", "amount")),
        LedgerEntry.objects.count(),
        list(Member.objects.order_by("pk").values_list("pk", "path", "sponsor_id")),
        list(MonthClose.objects.values_list("period", flat=True)),
    )


def plain(value):
    """Money is written with no-break spaces; compare it as typed here."""
    if isinstance(value, str):
        return value.replace("\xa0", " ")
    return [plain(v) for v in value]


def confirm(client, response):
    """Post the confirmation page's form, as its button does."""
    assert "admin_site/confirm.html" in [t.name for t in response.templates]
    data = {}
    for name, value in response.context["carried"]:
        data.setdefault(name, []).append(value)
    data[response.context["confirm_field"]] = "yes"
    return client.post(response.context["action_url"], data)


# --- the paid toggle ------------------------------------------------------------------------


def toggle(client, member, period, *, paid=True, confirmed=False):
    data = {"paid": "1" if paid else "0", "period": period}
    if confirmed:
        data["confirm"] = "1"
    return client.post(reverse("admin:bonuses_member_paid", args=[member.pk]), data)


def test_toggle_of_a_closed_month_asks_with_each_correction_first(admin_client, closed_may):
    top, sponsor, payer = closed_may
    before = snapshot()
    response = toggle(admin_client, payer, "2026-05")
    assert response.status_code == 409
    question = response.json()
    assert "May 2026 is closed" in question["confirm"]
    assert plain(question["lines"]) == [
        "Line Payer: 750 ₸ (referred bonus for their own payment)",
        "Line Sponsor: 1 500 ₸ (commission at level 1 from Line Payer)",
        "Line Top: 750 ₸ (commission at level 2 from Line Payer)",
    ]
    assert plain(question["total"]) == "Total: 3 000 ₸"
    assert snapshot() == before  # nothing saved while asking

    response = toggle(admin_client, payer, "2026-05", confirmed=True)
    assert response.status_code == 200 and response.json()["paid"] is True
    posted = LedgerEntry.objects.filter(kind="correction").values_list("member_id", "amount")
    assert set(posted) == {
        (payer.pk, Decimal("750.00")),
        (sponsor.pk, Decimal("1500.00")),
        (top.pk, Decimal("750.00")),
    }


def test_toggle_of_an_open_month_saves_at_once(admin_client, closed_may):
    payer = closed_may[2]
    assert toggle(admin_client, payer, "2026-06").status_code == 200
    assert Payment.objects.get(member=payer, period=JUNE).paid


# --- the payment form ----------------------------------------------------------------------


def test_payment_form_of_a_closed_month_shows_the_corrections_then_saves(admin_client, closed_may):
    top, sponsor, payer = closed_may
    payment = pay(payer, JUNE)  # an open month first: saved without a question
    url = reverse("admin:bonuses_payment_change", args=[payment.pk])
    assert admin_client.post(url, {"amount": "20 000", "paid": "on"}).status_code == 302

    may = services.payment_mark_paid(member=payer, period=MAY, amount="10000", by=None)
    url = reverse("admin:bonuses_payment_change", args=[may.pk])
    before = snapshot()
    response = admin_client.post(url, {"amount": "12 000", "paid": "on", "note": ""})
    assert response.status_code == 200
    assert snapshot() == before
    rows = {(r["name"], plain(r["amount"])) for r in response.context["corrections"]}
    assert rows == {("Line Payer", "100 ₸"), ("Line Sponsor", "200 ₸"), ("Line Top", "100 ₸")}
    page = response.content.decode()
    assert "May 2026 is closed" in page and 'id="confirm-total"' in page

    response = confirm(admin_client, response)
    assert response.status_code == 302
    may.refresh_from_db()
    assert may.amount == Decimal("12000.00")
    latest = LedgerEntry.objects.filter(kind="correction").order_by("-pk")[:3]
    assert sorted(e.amount for e in latest) == [
        Decimal("100.00"),
        Decimal("100.00"),
        Decimal("200.00"),
    ]


def test_payment_add_form_for_a_closed_month_asks_first(admin_client, closed_may):
    payer = closed_may[2]
    before = snapshot()
    data = {"member": payer.pk, "period": "2026-05", "amount": "", "paid": "on", "note": ""}
    response = admin_client.post(reverse("admin:bonuses_payment_add"), data)
    assert response.status_code == 200 and snapshot() == before
    assert confirm(admin_client, response).status_code == 302
    assert Payment.objects.get(member=payer, period=MAY).amount == Decimal("15000.00")


# --- the bulk actions ----------------------------------------------------------------------


def test_bulk_mark_paid_for_a_closed_month_shows_the_corrections_then_saves(
    admin_client, closed_may
):
    top, sponsor, payer = closed_may
    other = enroll(sponsor, first_name="Other", last_name="Line")
    before = snapshot()
    response = admin_client.post(
        reverse("admin:bonuses_member_changelist"),
        {
            "action": "mark_paid",
            "_selected_action": [payer.pk, other.pk],
            "month": "2026-05",
            "index": "0",
        },
    )
    assert response.status_code == 200 and snapshot() == before
    assert len(response.context["corrections"]) == 6
    assert plain(response.context["corrections_total"]) == "6 000 ₸"

    response = confirm(admin_client, response)
    assert response.status_code == 302
    assert Payment.objects.filter(period=MAY, paid=True).count() == 2
    assert LedgerEntry.objects.filter(kind="correction").count() == 6


def test_bulk_action_on_an_open_month_needs_no_confirmation(admin_client, closed_may):
    payer = closed_may[2]
    response = admin_client.post(
        reverse("admin:bonuses_member_changelist"),
        {"action": "mark_paid", "_selected_action": [payer.pk], "month": "2026-06", "index": "0"},
    )
    assert response.status_code == 302
    assert Payment.objects.get(member=payer, period=JUNE).paid


# --- the sponsor change --------------------------------------------------------------------


def test_sponsor_change_is_confirmed_on_its_own_page_with_what_it_changes(admin_client):
    old, new = enroll(first_name="Old"), enroll(first_name="New")
    member = enroll(old, first_name="Mover", last_name="Line")
    child = enroll(member)
    deep = enroll(enroll(enroll(enroll(child))))  # below the plan's four levels
    pay(member, JUNE)
    pay(child, APRIL)
    pay(child, MAY)
    pay(deep, MAY)
    services.month_close(period=APRIL)
    url = reverse("admin:bonuses_member_change", args=[member.pk])
    before = snapshot()
    response = admin_client.post(url, change_data(member, sponsor=new.pk))
    assert response.status_code == 200 and snapshot() == before
    page = response.content.decode()
    assert "moves from under" in page and "6 members in all" in page
    # April is closed; May has the child's payment (the deep one's earners all move
    # with it); June the member's own.
    assert [(r["month"], r["payments"]) for r in response.context["months"]] == [
        ("May 2026", 1),
        ("June 2026", 1),
    ]
    assert "form-row errors" not in page and "errorlist" not in page  # not a form error

    response = confirm(admin_client, response)
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.sponsor_id == new.pk
    assert Member.objects.get_parent(member).pk == new.pk


def test_a_move_no_open_month_feels_says_so(admin_client):
    old, new = enroll(), enroll()
    member = enroll(old)
    response = admin_client.post(
        reverse("admin:bonuses_member_change", args=[member.pk]),
        change_data(member, sponsor=new.pk),
    )
    assert response.context["months"] == []
    assert "No open month" in response.content.decode()


def test_a_refused_move_is_an_error_on_the_field_not_a_question(admin_client):
    member, follower = chain(2)
    response = admin_client.post(
        reverse("admin:bonuses_member_change", args=[member.pk]),
        change_data(member, sponsor=follower.pk),
    )
    assert "downline" in response.context["adminform"].form.errors["sponsor"][0]
    member.refresh_from_db()
    assert member.sponsor_id is None


def test_editing_without_a_move_saves_at_once(admin_client):
    member = enroll(enroll())
    response = admin_client.post(
        reverse("admin:bonuses_member_change", args=[member.pk]),
        change_data(member, first_name="Renamed"),
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.first_name == "Renamed"


# --- the month close -------------------------------------------------------------------------


def test_close_with_earlier_months_open_says_so_and_closes_them_in_order(admin_client):
    payer = enroll(enroll())
    pay(payer, date(2026, 3, 1))
    pay(payer, APRIL)
    pay(payer, MAY)
    page_url = reverse("admin:month_close")
    response = admin_client.get(page_url, {"confirm": "2026-05"})
    assert response.context["earlier_periods"] == [date(2026, 3, 1), APRIL]
    page = response.content.decode()
    assert 'id="earlier-open"' in page and "March 2026, April 2026" in page
    assert "Close 3 months in order" in page

    # Without the in-order confirmation nothing is closed.
    response = admin_client.post(page_url, {"period": "2026-05", "confirm": "yes"})
    assert response.status_code == 302 and "confirm=2026-05" in response.url
    assert not MonthClose.objects.exists()

    response = admin_client.post(
        page_url, {"period": "2026-05", "confirm": "yes", "through": "yes"}
    )
    task_id = parse_qs(urlparse(response.url).query)["task"][0]
    closes = list(MonthClose.objects.order_by("closed_at", "pk").values_list("period", flat=True))
    assert closes == [date(2026, 3, 1), APRIL, MAY]
    status = admin_client.get(reverse("admin:month_close_status", args=[task_id])).json()
    assert status["message"] == "Closed in order: March 2026, April 2026, May 2026."


def test_close_with_no_earlier_open_month_has_no_warning(admin_client):
    pay(enroll(enroll()), MAY)
    response = admin_client.get(reverse("admin:month_close"), {"confirm": "2026-05"})
    assert response.context["earlier_periods"] == []
    assert 'id="earlier-open"' not in response.content.decode()
