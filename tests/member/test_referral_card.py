"""/me/'s referral funnel and QR code, and the "print my card" page."""

from datetime import date

import pytest
from django.urls import reverse

from bonuses.models import ReferralVisit
from bonuses.services.payments import payment_set
from bonuses.services.plans import all_plan_terms
from core.links import referral_url
from core.qr import BORDER, qr_code, qr_svg
from tests.bonuses.engine_helpers import JUNE, MAY
from tests.factories import enroll

from .qr_reading import decode, svg_matrix, svgs

pytestmark = pytest.mark.django_db


def page(response) -> str:
    return response.content.decode().replace("\xa0", " ")


def test_the_qr_code_decodes_to_the_link():
    link = "https://club.example.kz/r/AbC-dEf_123/"
    svg = qr_svg(link)
    assert decode(svg) == [link]
    # The same modules as segno's own matrix, quiet zone around it.
    matrix = [list(row) for row in qr_code(link).matrix]
    grid = svg_matrix(svg)
    inner = [row[BORDER:-BORDER] for row in grid[BORDER:-BORDER]]
    assert inner == [[int(bool(v)) for v in row] for row in matrix]
    assert not any(grid[0]) and not any(row[0] for row in grid)


def test_member_page_shows_the_funnel_and_the_qr_of_their_link(member_client, settings):
    settings.SITE_URL = "https://club.example.kz"
    member = enroll()
    other = enroll()
    ReferralVisit.objects.create(member=member, day=date(2026, 6, 3), opened=7)
    ReferralVisit.objects.create(member=member, day=date(2026, 6, 14), opened=5)
    ReferralVisit.objects.create(member=member, day=date(2026, 5, 30), opened=40)
    ReferralVisit.objects.create(member=other, day=date(2026, 6, 3), opened=99)
    joined = [enroll(member, joined_on=date(2026, 6, d)) for d in (2, 9, 12)]
    enroll(member, joined_on=date(2026, 5, 20))
    for follower in joined[:2]:
        payment_set(member=follower, period=JUNE, paid=True, amount=15000)
    # Paid in May already: June is not their first month.
    late = enroll(member, joined_on=date(2026, 5, 2))
    payment_set(member=late, period=MAY, paid=True, amount=15000)
    payment_set(member=late, period=JUNE, paid=True, amount=15000)

    html = page(member_client(member).get("/me/"))
    assert "<strong>12</strong> opened" in html
    assert "<strong>3</strong> signed up" in html
    assert "<strong>2</strong> paid their first month" in html
    assert html.count('<span class="bars">') == 12
    assert 'title="May 2026: 40 opened, 2 signed up, 1 paid their first month"' in html
    [svg] = svgs(html)
    assert decode(svg) == [referral_url(member.referral_code)]
    assert decode(svg) == [f"https://club.example.kz/r/{member.referral_code}/"]
    assert 'href="/me/card/"' in html


def test_member_page_queries_do_not_grow_with_the_funnel(
    member_client, django_assert_max_num_queries
):
    quiet, busy = enroll(), enroll()
    for i in range(60):
        follower = enroll(busy, joined_on=date(2026, 1 + i % 6, 1 + i % 28))
        payment_set(member=follower, period=date(2026, 1 + i % 6, 1), paid=True, amount=1)
        ReferralVisit.objects.create(member=busy, day=date(2026, 1 + i % 6, 1 + i % 28), opened=3)
    all_plan_terms()  # read once per process, then kept: not what is compared
    counts = []
    for member in (quiet, busy):
        client = member_client(member)
        with django_assert_max_num_queries(30) as queries:
            assert client.get("/me/").status_code == 200
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1]


def test_print_my_card(member_client, settings):
    settings.SITE_URL = "https://club.example.kz"
    member = enroll(first_name="Dana", last_name="Secret-Surname", email="dana@example.test")
    client = member_client(member)
    html = page(client.get("/me/card/"))
    assert "@page{size:85.6mm 54mm;margin:0}" in html
    assert html.count('class="card"') == 1
    assert "Dana" in html and "Secret-Surname" not in html and "dana@example.test" not in html
    [svg] = svgs(html)
    assert decode(svg) == [f"https://club.example.kz/r/{member.referral_code}/"]
    sheet = page(client.get("/me/card/?layout=sheet"))
    assert "@page{size:A4" in sheet and sheet.count('class="card"') == 10
    # Anything else is the single card, never an error page or a reflected value.
    odd = page(client.get("/me/card/?layout=<b>x"))
    assert "&lt;b&gt;x" not in odd and "<b>x" not in odd and odd.count('class="card"') == 1


def test_the_card_page_needs_a_login_and_shows_only_ones_own_card(
    client, member_client, django_user_model
):
    response = client.get("/me/card/")
    assert response.status_code == 302 and response.url.startswith("/login/")
    member, stranger = enroll(), enroll()
    # No parameter names another member: the page is the logged-in member's own.
    html = page(
        member_client(member).get(f"/me/card/?member={stranger.pk}&code={stranger.referral_code}")
    )
    assert member.referral_code in html and stranger.referral_code not in html
    nobody = django_user_model.objects.create_user("nobody", password="pw")
    client.force_login(nobody)
    assert client.get("/me/card/").status_code == 404


def test_card_url_is_named():
    assert reverse("bonuses:card") == "/me/card/"
