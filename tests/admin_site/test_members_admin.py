"""The member admin: list figures, search, filters, the paid toggle, bulk actions, the
confirmed sponsor move and the member's own pages."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from bonuses import services
from bonuses.models import LedgerEntry, Member, Payment
from core.periods import add_months, current_period, format_month
from tests.admin_site.helpers import change_data
from tests.factories import chain, enroll

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _mid_june(time_machine):
    """ "This month" is June 2026 in the club's time zone, whatever the clock says."""
    time_machine.move_to("2026-06-15 12:00:00+06:00")


LIST = "admin:bonuses_member_changelist"


def changelist(client, **params):
    response = client.get(reverse(LIST), params)
    assert response.status_code == 200
    return response


def shown(response) -> set[int]:
    return {m.pk for m in response.context["cl"].result_list}


def toggle(client, member, paid, period=None):
    data = {"paid": "1" if paid else "0"}
    if period:
        data["period"] = period
    return client.post(reverse("admin:bonuses_member_paid", args=[member.pk]), data)


# --- list ----------------------------------------------------------------------------


def test_list_shows_downline_size_paid_state_and_closed_balance(admin_client, admin_user):
    top, middle, _bottom = chain(3)
    enroll(top)
    services.payment_mark_paid(member=middle, period=current_period())
    services.ledger_adjust(member=top, amount="1500.50", reason="welcome", by=admin_user)
    rows = {m.pk: m.page_figures for m in changelist(admin_client).context["cl"].result_list}
    assert rows[top.pk].downline == 3
    assert rows[middle.pk].downline == 1
    assert rows[middle.pk].paid and not rows[top.pk].paid
    assert rows[top.pk].closed_balance == Decimal("1500.50")
    assert rows[middle.pk].closed_balance == Decimal("0.00")


def test_list_queries_do_not_grow_with_rows_or_tree(admin_client, django_assert_max_num_queries):
    roots = chain(4)
    for root in roots:
        for _ in range(8):
            services.payment_mark_paid(member=enroll(root), period=current_period())
    with django_assert_max_num_queries(14):
        response = changelist(admin_client)
    assert len(shown(response)) == 36


def test_search_finds_by_each_key(admin_client, django_user_model):
    login = django_user_model.objects.create_user("ivan.k")
    ivan = enroll(
        last_name="Кузнецов",
        first_name="Иван",
        email="ivan@example.test",
        phone="+77011234567",
        external_id="C-1001",
        user=login,
    )
    other = enroll(last_name="Петров", first_name="Кузьма", phone="+77019999999")
    for text in (
        "Кузнецов",
        "кузн",
        "узнец",
        "Кузнецов Ив",
        "ivan.k",
        "IVAN@example.test",
        "+77011234567",
        "8 701 123 45 67",
        "+770112",
        "C-1001",
        ivan.referral_code,
    ):
        assert shown(changelist(admin_client, q=text)) == {ivan.pk}, text
    assert shown(changelist(admin_client, q="Петров")) == {other.pk}
    assert shown(changelist(admin_client, q="Кузнецов Кузьма")) == set()


def test_filters_paid_this_month_sponsor_and_joined_month(admin_client):
    this_month = current_period()
    root = enroll(joined_on=add_months(this_month, -3))
    child = enroll(root, joined_on=this_month)
    services.payment_mark_paid(member=child, period=this_month)
    assert shown(changelist(admin_client, paid="yes")) == {child.pk}
    assert shown(changelist(admin_client, paid="no")) == {root.pk}
    assert shown(changelist(admin_client, has_sponsor="yes")) == {child.pk}
    assert shown(changelist(admin_client, has_sponsor="no")) == {root.pk}
    joined = format_month(add_months(this_month, -3))
    assert shown(changelist(admin_client, joined=joined)) == {root.pk}


# --- the paid toggle ----------------------------------------------------------------------


def test_toggle_marks_this_month_paid_then_unpaid_through_the_service(admin_client, admin_user):
    member = enroll()
    response = toggle(admin_client, member, True)
    assert response.status_code == 200
    assert response.json()["paid"] is True
    assert response.json()["period"] == format_month(current_period())
    payment = Payment.objects.get(member=member, period=current_period())
    assert payment.paid and payment.recorded_by == admin_user
    assert payment.amount == Decimal("15000.00")  # the plan's price
    assert response.json()["cells"]["recorded_by"] == str(admin_user)
    assert response.json()["cells"]["paid_on"] not in ("", "-")
    unpaid = toggle(admin_client, member, False).json()
    assert unpaid["paid"] is False and unpaid["cells"]["paid_on"] == "-"
    payment.refresh_from_db()
    assert not payment.paid
    assert payment.history.count() == 2


def test_toggle_adds_a_missing_past_month(admin_client):
    member = enroll()
    month = add_months(current_period(), -4)
    assert toggle(admin_client, member, True, format_month(month)).json()["paid"] is True
    assert Payment.objects.get(member=member, period=month).paid


def test_toggle_refuses_bad_input_with_a_message(admin_client):
    member = enroll()
    response = toggle(admin_client, member, True, "2026-13")
    assert response.status_code == 400
    assert "2026-13" in response.json()["error"]
    url = reverse("admin:bonuses_member_paid", args=[member.pk])
    assert admin_client.post(url, {"paid": "maybe"}).status_code == 400
    assert admin_client.get(url).status_code == 405
    assert not Payment.objects.exists()


def test_toggle_is_staff_only_and_needs_payment_permissions(client, django_user_model):
    member = enroll()
    assert toggle(client, member, True).status_code == 302  # anonymous: to the login
    staff = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    client.force_login(staff)
    assert toggle(client, member, True).status_code == 403
    assert not Payment.objects.exists()


def test_front_desk_toggles_payments(desk_client):
    member = enroll()
    assert toggle(desk_client, member, True).status_code == 200
    assert Payment.objects.get(member=member).paid


def test_toggle_needs_csrf(django_user_model):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(django_user_model.objects.create_superuser("c", "c@x.test", "pw"))
    assert toggle(client, enroll(), True).status_code == 403
    assert not Payment.objects.exists()


# --- bulk actions -------------------------------------------------------------------------


def run_action(client, action, members, month=""):
    return client.post(
        reverse(LIST),
        {"action": action, "_selected_action": [m.pk for m in members], "month": month},
        follow=True,
    )


def test_bulk_mark_paid_and_unpaid_for_a_chosen_month(admin_client):
    members = [enroll() for _ in range(3)]
    month = date(2026, 1, 1)
    response = run_action(admin_client, "mark_paid", members[:2], "2026-01")
    assert "January 2026: 2" in response.content.decode()
    paid = Payment.objects.filter(period=month, paid=True).values_list("member", flat=True)
    assert set(paid) == {members[0].pk, members[1].pk}
    run_action(admin_client, "mark_unpaid", members[:1], "2026-01")
    assert not Payment.objects.get(member=members[0], period=month).paid


def test_bulk_action_with_a_bad_month_changes_nothing(admin_client):
    members = [enroll()]
    response = run_action(admin_client, "mark_paid", members, "January")
    assert "January" in response.content.decode()
    assert not Payment.objects.exists()


def test_bulk_action_without_month_uses_this_month(admin_client):
    member = enroll()
    run_action(admin_client, "mark_paid", [member])
    assert Payment.objects.get(member=member).period == current_period()


# --- the member form (the sponsor change and its confirmation: test_warnings.py) -----------


def post_change(client, member, **overrides):
    url = reverse("admin:bonuses_member_change", args=[member.pk])
    return client.post(url, change_data(member, **overrides))


def test_staff_see_a_statements_opt_out_and_turn_it_back_on(admin_client):
    member = enroll(email="m@example.kz")
    Member.objects.filter(pk=member.pk).update(statement_emails=False)  # the member's link
    member.refresh_from_db()
    url = reverse("admin:bonuses_member_change", args=[member.pk])
    page = admin_client.get(url)
    assert 'name="statement_emails"' in page.content.decode()
    assert page.context["adminform"].form["statement_emails"].value() is False
    response = post_change(admin_client, member, statement_emails="on")
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.statement_emails
    # Audited like every change of a member's data.
    assert member.history.first().statement_emails is True


# --- member pages -------------------------------------------------------------------------


def test_change_page_shows_statement_balance_months_and_ledger(admin_client, admin_user):
    member = enroll()
    follower = enroll(member)
    services.payment_mark_paid(member=follower, period=current_period())
    services.ledger_adjust(member=member, amount="700", reason="gift", by=admin_user)
    response = admin_client.get(reverse("admin:bonuses_member_change", args=[member.pk]))
    assert response.status_code == 200
    summary = response.context["summary"]
    assert summary["statement"].levels[0].earned == Decimal("1500.00")
    assert summary["balance"].closed == Decimal("700.00")
    assert len(summary["months"]) == 12
    page = response.content.decode()
    assert 'id="member-months"' in page and "gift" in page
    assert page.count('class="bd-paid-toggle"') == 12


def test_downline_page_lists_followers_level_by_level(admin_client):
    member = enroll()
    first = [enroll(member) for _ in range(2)]
    second = enroll(first[0])
    url = reverse("admin:bonuses_member_downline", args=[member.pk])
    response = admin_client.get(url)
    assert [m.pk for m, _paid in response.context["rows"]] == [m.pk for m in first]
    assert response.context["levels"][:2] == [(1, 2), (2, 1)]
    response = admin_client.get(url, {"level": 2})
    assert [m.pk for m, _paid in response.context["rows"]] == [second.pk]


def test_lookup_shows_what_the_member_sees(admin_client):
    member = enroll(last_name="Ким")
    services.payment_mark_paid(member=enroll(member), period=current_period())
    url = reverse("admin:bonuses_member_lookup")
    assert admin_client.get(url).status_code == 200
    response = admin_client.get(url, {"member": member.pk})
    assert response.context["member"] == member
    assert response.context["statement"].month_total == Decimal("1500.00")
    assert "bd-paid-toggle" not in response.content.decode()


def test_autocomplete_answers_staff_only_and_searches_by_key(admin_client, client):
    member = enroll(last_name="Сейткали", phone="+77015550000")
    url = reverse("admin:autocomplete")
    params = {"app_label": "bonuses", "model_name": "member", "field_name": "sponsor"}
    response = admin_client.get(url, {**params, "term": "8 701 555 00 00"})
    assert [r["id"] for r in response.json()["results"]] == [str(member.pk)]
    assert client.get(url, {**params, "term": "Сейт"}).status_code in (302, 403)


def test_select2_views_refuse_anonymous_and_non_staff_users(client, django_user_model):
    url = reverse("django_select2:auto-json")
    assert client.get(url, {"term": "a", "field_id": "x"}).status_code == 403
    client.force_login(django_user_model.objects.create_user("member-login"))
    assert client.get(url, {"term": "a", "field_id": "x"}).status_code == 403


def test_ledger_entries_are_only_listed(admin_client, admin_user):
    member = enroll()
    services.ledger_adjust(member=member, amount="5", reason="r", by=admin_user)
    assert LedgerEntry.objects.count() == 1


def test_list_shows_state_without_toggles_to_staff_who_cannot_change_payments(
    client, django_user_model
):
    from django.contrib.auth.models import Permission

    enroll()
    viewer = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_member"))
    client.force_login(viewer)
    page = changelist(client).content.decode()
    assert "Not paid" in page and 'class="bd-paid-toggle"' not in page


def test_downline_size_stops_counting_at_the_cap(admin_client, monkeypatch):
    from admin_site import member_page, members

    monkeypatch.setattr(member_page, "DOWNLINE_CAP", 2)
    monkeypatch.setattr(members, "DOWNLINE_CAP", 2)
    top = enroll()
    for _ in range(4):
        enroll(top)
    response = changelist(admin_client)
    assert {m.pk: m.page_figures.downline for m in response.context["cl"].result_list}[top.pk] == 3
    assert "2+" in response.content.decode()


def test_add_page_enrolls_under_the_chosen_sponsor(admin_client, admin_user):
    sponsor = enroll()
    data = change_data(Member(first_name="New", last_name="Member", joined_on=date(2026, 5, 1)))
    data["sponsor"] = sponsor.pk
    response = admin_client.post(reverse("admin:bonuses_member_add"), data)
    assert response.status_code == 302
    member = Member.objects.get(first_name="New")
    assert member.sponsor_id == sponsor.pk
    assert Member.objects.get_parent(member).pk == sponsor.pk
    assert member.history.earliest().history_user == admin_user


def test_saving_a_member_does_not_compute_the_statement(admin_client, monkeypatch):
    from admin_site import member_views

    member = enroll()
    monkeypatch.setattr(member_views, "member_summary", lambda m: pytest.fail("computed"))
    assert post_change(admin_client, member, first_name="Saved").status_code == 302


def test_downline_page_pages_and_counts_only_level_one_past_the_cap(admin_client, monkeypatch):
    from admin_site import member_views

    monkeypatch.setattr(member_views, "DOWNLINE_CAP", 3)
    monkeypatch.setattr(member_views, "DOWNLINE_PAGE", 2)
    member = enroll()
    first = [enroll(member) for _ in range(3)]
    enroll(first[0])
    url = reverse("admin:bonuses_member_downline", args=[member.pk])
    response = admin_client.get(url)
    assert response.context["levels"][:2] == [(1, 3), (2, None)]
    assert [m.pk for m, _paid in response.context["rows"]] == [m.pk for m in first[:2]]
    assert response.context["has_next"]
    response = admin_client.get(url, {"page": 2})
    assert [m.pk for m, _paid in response.context["rows"]] == [first[2].pk]
    assert not response.context["has_next"]


def test_change_page_and_lookup_show_the_member_pages_numbers(admin_client, admin_user):
    from bonuses.selectors import member_page

    member = enroll()
    for follower in (enroll(member), enroll(member)):
        services.payment_mark_paid(member=follower, period=current_period())
        services.payment_mark_paid(member=enroll(follower), period=add_months(current_period(), -1))
    services.ledger_adjust(member=member, amount="250", reason="gift", by=admin_user)
    expected = member_page(member=member)
    for url in (
        reverse("admin:bonuses_member_change", args=[member.pk]),
        reverse("admin:bonuses_member_lookup") + f"?member={member.pk}",
    ):
        context = admin_client.get(url).context
        summary = context.get("summary") or context
        assert summary["statement"].month_total == expected.statement.month_total
        assert summary["balance"] == expected.balance
        assert summary["months"] == expected.months


def test_lookup_shows_the_link_the_tree_and_the_figures_the_member_sees(admin_client):
    from core.links import referral_url

    member = enroll(last_name="Ким", first_name="Анна")
    child = enroll(member, first_name="Дана", last_name="Омарова")
    grandchild = enroll(child, first_name="Руслан", last_name="Ли")
    services.payment_mark_paid(member=child, period=current_period())
    response = admin_client.get(reverse("admin:bonuses_member_lookup"), {"member": member.pk})
    page = response.content.decode()
    assert referral_url(member.referral_code) in page
    assert "Дана О." in page and 'data-key="' in page  # the branch can be opened
    assert "Омарова" not in page.split('id="member-tree"')[1].split("</div>")[0]
    key = child.path[len(member.path) :]
    branch = admin_client.get(reverse("admin:bonuses_member_tree", args=[member.pk, key]))
    assert "Руслан Л." in branch.content.decode()
    assert grandchild.pk
    bad = admin_client.get(reverse("admin:bonuses_member_tree", args=[member.pk, "zz"]))
    assert bad.status_code == 404


def test_tree_branches_and_figures_are_staff_only(client, django_user_model):
    member = enroll()
    child = enroll(member)
    key = child.path[len(member.path) :]
    urls = [
        reverse("admin:bonuses_member_tree", args=[member.pk, key]),
        reverse("admin:bonuses_member_summary", args=[member.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 302  # to the admin login
    client.force_login(
        django_user_model.objects.create_user("nobody", password="pw", is_staff=True)
    )
    for url in urls:
        assert client.get(url).status_code == 403


def test_a_large_downlines_figures_follow_the_page(
    admin_client, monkeypatch, django_assert_max_num_queries
):
    from admin_site import member_views

    monkeypatch.setattr(member_views, "DOWNLINE_CAP", 3)
    big, small = enroll(), enroll()
    for _ in range(5):
        services.payment_mark_paid(member=enroll(big), period=current_period())
    for url_member, deferred in ((big, True), (small, False)):
        url = reverse("admin:bonuses_member_change", args=[url_member.pk])
        with django_assert_max_num_queries(25):
            response = admin_client.get(url)
        assert ("summary_url" in response.context) is deferred
        assert ('id="member-summary-deferred"' in response.content.decode()) is deferred
    fragment = admin_client.get(
        reverse("admin:bonuses_member_summary", args=[big.pk]), {"toggles": "1"}
    )
    assert fragment.context["statement"].levels[0].followers == 5
    assert fragment.content.decode().count('class="bd-paid-toggle"') == 12
    lookup = admin_client.get(reverse("admin:bonuses_member_lookup"), {"member": big.pk})
    assert 'id="member-summary-deferred"' in lookup.content.decode()
