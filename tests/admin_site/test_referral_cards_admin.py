"""Staff's side of issue 17: printing referral cards from the member list (only for staff
allowed to view members, only what the member's own page shows) and a member's funnel."""

from datetime import date

import pytest
from django.urls import reverse

from admin_site import referral_cards
from bonuses.models import ReferralVisit
from bonuses.services.payments import payment_set
from tests.bonuses.engine_helpers import JUNE, NOW
from tests.factories import enroll
from tests.member.qr_reading import decode, svgs

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:bonuses_member_changelist"


@pytest.fixture(autouse=True)
def _june(time_machine):
    time_machine.move_to(NOW, tick=False)


def print_cards(client, members):
    return client.post(
        reverse(CHANGELIST),
        {"action": "print_cards", "_selected_action": [m.pk for m in members], "month": "2026-06"},
    )


def test_front_desk_prints_a_sheet_of_the_chosen_members_cards(client, desk_user, settings):
    settings.SITE_URL = "https://club.example.kz"
    chosen = [
        enroll(first_name=f"Name{i}", last_name="Private", email=f"p{i}@example.test",
               phone="+77011112233" if i == 0 else "")
        for i in range(12)
    ]  # fmt: skip
    left_out = enroll(first_name="LeftOut")
    client.force_login(desk_user)
    response = print_cards(client, chosen)
    html = response.content.decode()
    assert response.status_code == 200
    assert "@page{size:A4" in html and html.count('class="card"') == 12
    for member in chosen:
        assert f"https://club.example.kz/r/{member.referral_code}/" in html
    assert left_out.referral_code not in html and "LeftOut" not in html
    # Only what the member page shows: the first name and the link.
    assert "Private" not in html and "example.test" not in html and "7011112233" not in html
    links = sorted(decode(svg)[0] for svg in svgs(html))
    assert links == sorted(f"https://club.example.kz/r/{m.referral_code}/" for m in chosen)


def test_staff_without_the_view_permission_cannot_print(client, django_user_model):
    member = enroll(first_name="Target")
    bare = django_user_model.objects.create_user("bare", password="pw", is_staff=True)
    client.force_login(bare)
    response = print_cards(client, [member])
    assert response.status_code == 403
    assert member.referral_code not in response.content.decode()


def test_a_member_login_cannot_print(client, django_user_model):
    member = enroll(first_name="Target")
    client.force_login(django_user_model.objects.create_user("m", password="pw"))
    response = print_cards(client, [member])
    assert response.status_code == 302 and "/login/" in response.url
    assert member.referral_code not in response.content.decode()


def test_printing_needs_a_post_with_the_csrf_token(desk_user):
    from django.test import Client

    member = enroll()
    client = Client(enforce_csrf_checks=True)
    client.force_login(desk_user)
    assert print_cards(client, [member]).status_code == 403


def test_too_many_cards_are_refused_with_a_message(client, desk_user, monkeypatch):
    monkeypatch.setattr(referral_cards, "CARDS_LIMIT", 3)
    members = [enroll() for _ in range(4)]
    client.force_login(desk_user)
    response = print_cards(client, members)
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert "Choose at most 3 members to print cards for." in page


def test_member_admin_page_shows_their_funnel(client, desk_user):
    member = enroll()
    ReferralVisit.objects.create(member=member, day=date(2026, 6, 1), opened=9)
    friend = enroll(member, joined_on=date(2026, 6, 5))
    payment_set(member=friend, period=JUNE, paid=True, amount=15000)
    client.force_login(desk_user)
    html = client.get(reverse("admin:bonuses_member_change", args=[member.pk])).content.decode()
    assert 'id="member-funnel"' in html
    row = html.split('data-month="2026-06"', 1)[1].split("</tr>", 1)[0]
    assert [cell.split("<", 1)[0] for cell in row.split('text-right">')[1:]] == ["9", "1", "1"]


def test_dashboard_shows_the_club_funnel_and_top_referrers(client, desk_user):
    top = enroll(first_name="Best", last_name="Referrer")
    for _ in range(2):
        payment_set(member=enroll(top), period=JUNE, paid=True, amount=15000)
    client.force_login(desk_user)
    response = client.get(reverse("admin:index"))
    html = response.content.decode()
    assert 'id="dashboard-funnel"' in html
    assert "This month: 0 opened, 2 signed up, 2 paid their first month" in html
    assert "Referrer Best" in response.context["top_referrers"]["rows"][0][0]
    assert response.context["top_referrers"]["rows"][0][1] == 2
