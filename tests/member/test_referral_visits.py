"""Visits of /r/<code>/ for the funnel: once per person and day, no bots, a daily cap,
nothing about the visitor stored, and the same answer whether a visit counted or not."""

from datetime import date

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bonuses.models import ReferralVisit
from bonuses.services.visits import is_bot, visitor_key
from tests.factories import enroll

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36"
JUNE_15 = date(2026, 6, 15)


def visit(client, member, *, address="10.1.2.3", agent=BROWSER, method="get"):
    return getattr(client, method)(
        f"/r/{member.referral_code}/", REMOTE_ADDR=address, HTTP_USER_AGENT=agent
    )


def opened(member, day=JUNE_15) -> int:
    row = ReferralVisit.objects.filter(member=member, day=day).first()
    return row.opened if row else 0


def test_a_person_counts_once_a_day(client):
    sponsor = enroll()
    for _ in range(3):
        assert visit(client, sponsor).status_code == 302
    assert opened(sponsor) == 1


def test_the_same_person_counts_again_the_next_day(client, time_machine):
    sponsor = enroll()
    visit(client, sponsor)
    time_machine.move_to("2026-06-16 09:00:00+06:00", tick=False)
    visit(client, sponsor)
    visit(client, sponsor)
    assert opened(sponsor) == 1 and opened(sponsor, date(2026, 6, 16)) == 1


def test_the_day_is_the_club_day_not_utc(client, time_machine):
    # 23:30 UTC on the 15th is 05:30 on the 16th in Almaty.
    time_machine.move_to("2026-06-15 23:30:00+00:00", tick=False)
    sponsor = enroll()
    visit(client, sponsor)
    assert opened(sponsor, date(2026, 6, 16)) == 1


def test_a_visitor_without_cookies_counts_once_per_address():
    sponsor = enroll()
    for _ in range(5):  # a fresh client each time: no session cookie
        visit(Client(), sponsor, address="10.9.9.9")
    visit(Client(), sponsor, address="10.9.9.10")
    assert opened(sponsor) == 2


def test_a_person_keeps_counting_once_when_their_address_changes(client):
    sponsor = enroll()
    visit(client, sponsor, address="10.0.0.1")
    visit(client, sponsor, address="10.0.0.2")  # mobile network: same session
    assert opened(sponsor) == 1


def test_each_link_counts_for_its_own_member(client):
    first, second = enroll(), enroll()
    visit(client, first)
    visit(client, second)
    visit(client, first)
    assert opened(first) == 1 and opened(second) == 1


@pytest.mark.parametrize(
    "agent",
    [
        "",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
        "WhatsApp/2.23.20.0",
        "TelegramBot (like TwitterBot)",
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "Mozilla/5.0 (compatible; vkShare; +http://vk.com/dev/Share)",
        "curl/8.5.0",
        "python-requests/2.32.3",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/126.0 Safari/537.36",
    ],
)
def test_bots_and_link_previews_are_not_counted(client, agent):
    sponsor = enroll()
    assert is_bot(agent)
    assert visit(client, sponsor, agent=agent).status_code == 302
    assert opened(sponsor) == 0


def test_a_browser_is_not_a_bot():
    assert not is_bot(BROWSER)
    assert not is_bot("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) Safari/604.1")


def test_only_get_counts(client):
    sponsor = enroll()
    visit(client, sponsor, method="head")
    visit(Client(), sponsor, method="post", address="10.5.5.5")
    assert opened(sponsor) == 0


def test_visits_past_the_daily_cap_are_not_counted(settings):
    settings.REFERRAL_VISIT_CAP = 3
    sponsor, other = enroll(), enroll()
    # A script from ten addresses: no more than the cap counts.
    answers = {visit(Client(), sponsor, address=f"10.0.1.{i}").url for i in range(10)}
    assert opened(sponsor) == 3
    assert answers == {"/signup/"}
    # The cap is per link: another member's link still counts.
    visit(Client(), other, address="10.0.1.1")
    assert opened(other) == 1


def test_forged_forwarded_for_headers_do_not_multiply_a_visit(client):
    # PROXY_COUNT=0: the header is the client's own text and is not believed.
    sponsor = enroll()
    for i in range(5):
        Client().get(
            f"/r/{sponsor.referral_code}/",
            REMOTE_ADDR="10.7.7.7",
            HTTP_USER_AGENT=BROWSER,
            HTTP_X_FORWARDED_FOR=f"203.0.113.{i}",
        )
    assert opened(sponsor) == 1


def test_the_answer_is_the_same_whether_a_visit_counted_or_not(settings):
    settings.REFERRAL_VISIT_CAP = 1
    sponsor = enroll()
    counted = visit(Client(), sponsor, address="10.3.0.1")
    over_cap = visit(Client(), sponsor, address="10.3.0.2")
    bot = visit(Client(), sponsor, address="10.3.0.3", agent="curl/8")
    again = Client()
    visit(again, sponsor, address="10.3.0.4")
    repeat = visit(again, sponsor, address="10.3.0.4")
    assert opened(sponsor) == 1
    for response in (over_cap, bot, repeat):
        assert response.status_code == counted.status_code == 302
        assert response.url == counted.url
        assert response.content == counted.content
        assert sorted(response.cookies) == sorted(counted.cookies)
        assert sorted(response.headers) == sorted(counted.headers)


def test_unknown_codes_count_nothing(client):
    enroll()
    assert client.get("/r/not-a-code/", HTTP_USER_AGENT=BROWSER).status_code == 404
    assert ReferralVisit.objects.count() == 0


def test_nothing_about_the_visitor_is_stored(client):
    sponsor = enroll()
    visit(client, sponsor, address="198.51.100.23")
    columns = {f.column for f in ReferralVisit._meta.concrete_fields}
    assert columns == {"id", "member_id", "day", "opened"}
    # The cache keeps a salted hash, not the address; the salt changes with the day.
    key = visitor_key(code=sponsor.referral_code, address="198.51.100.23", day=JUNE_15)
    assert "198.51.100.23" not in key and sponsor.referral_code not in key
    assert caches["visits"].get(key) == 1
    assert key != visitor_key(
        code=sponsor.referral_code, address="198.51.100.23", day=date(2026, 6, 16)
    )
    assert "198.51.100.23" not in str(dict(client.session))


def test_counting_costs_the_page_one_write(client):
    sponsor = enroll()
    with CaptureQueriesContext(connection) as bot:
        visit(Client(), sponsor, address="10.4.0.1", agent="curl/8")
    with CaptureQueriesContext(connection) as person:
        visit(Client(), sponsor, address="10.4.0.2")
    writes = [q["sql"] for q in person.captured_queries]
    assert len(writes) == len(bot.captured_queries) + 1
    assert sum("ON CONFLICT" in sql for sql in writes) == 1


def test_the_member_opening_their_own_link_is_not_counted(member_client):
    sponsor = enroll()
    client = member_client(sponsor)
    assert visit(client, sponsor).status_code == 302
    assert opened(sponsor) == 0
    other = enroll()
    visit(client, other)  # the same login opening a friend's link does count
    assert opened(other) == 1
