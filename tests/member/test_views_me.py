"""The member page in every state, its tree, naming a sponsor, and privacy."""

import io
import re
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.formats import localize

from bonuses import services
from bonuses.auth import MemberBackend
from bonuses.models import Member
from bonuses.selectors import member_statement
from bonuses.selectors.downline import BRANCH_LIMIT
from bonuses.services.demo_downline import seed_downline
from bonuses.services.plans import all_plan_terms
from bonuses.views.me import branch_key
from tests.bonuses.engine_helpers import APRIL, JUNE, MAY, pay
from tests.factories import UserFactory, chain, enroll

pytestmark = pytest.mark.django_db


def html(response) -> str:
    return response.content.decode().replace("\xa0", " ")


def text_of(response, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>([^<]*)<', response.content.decode())
    assert match, f"no #{element_id} on the page"
    return match.group(1).replace("\xa0", " ").strip()


def test_page_needs_a_login(client):
    response = client.get("/me/")
    assert response.status_code == 302 and response.url == "/login/?next=/me/"


def test_a_login_without_a_member_gets_a_page_that_offers_a_desk_code(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("nobody", password="pw"))
    response = client.get("/me/")
    assert response.status_code == 200
    assert "has no member page" in html(response)
    assert 'action="/claim/code/"' in html(response)


@pytest.mark.parametrize("login_url", ["/login/", "/admin/login/?next=/admin/"])
def test_staff_logging_in_land_in_the_admin(client, admin_user, login_url):
    response = client.post(login_url, {"username": "boss", "password": "pw"}, follow=True)
    assert response.redirect_chain[-1][0] == "/admin/"
    assert response.status_code == 200 and "has no member page" not in html(response)


def test_paid_member_with_sponsor_and_downline(member_client):
    sponsor = enroll(first_name="Aigerim", last_name="Nurova")
    member = enroll(sponsor)
    followers = [enroll(member) for _ in range(3)]
    pay(member, JUNE)
    pay(followers[0], JUNE)
    pay(followers[1], JUNE, amount="20000")
    response = member_client(member).get("/me/")
    page = html(response)
    assert "Paid for June 2026" in page
    assert text_of(response, "sponsor-name") == "Aigerim N."
    assert text_of(response, "referred-bonus") == "750 ₸"
    assert text_of(response, "month-total") == "4 250 ₸"  # 1 500 + 2 000 + 750
    assert text_of(response, "pending") == "4 250 ₸"
    assert text_of(response, "previous-balance") == "0 ₸"
    assert f"/r/{member.referral_code}/" in page
    for share in ("wa.me", "t.me/share", "vk.com/share", "facebook.com/sharer"):
        assert share in page
    assert "Followers: <strong>3</strong>, active this month: <strong>2</strong>" in page


def test_no_sponsor_offers_to_name_one(member_client):
    response = member_client(enroll()).get("/me/")
    page = html(response)
    assert "No sponsor yet" in page
    assert reverse("bonuses:name_sponsor") in page
    assert 'id="sponsor-name"' not in page


def test_no_downline_says_so(member_client):
    response = member_client(enroll()).get("/me/")
    assert "Nobody has joined through your link yet" in html(response)


def test_unpaid_month_shows_a_friendly_note(member_client):
    member = enroll(enroll())
    pay(enroll(member), JUNE)
    response = member_client(member).get("/me/")
    page = html(response)
    assert "June 2026 is not paid yet. Bonuses from your downline still count." in page
    assert text_of(response, "month-total") == "1 500 ₸"


def test_closed_and_unclosed_months_add_up(member_client):
    member = enroll()
    follower = enroll(member)
    for period in (APRIL, MAY, JUNE):
        pay(follower, period)
    services.month_close(period=APRIL)
    response = member_client(member).get("/me/")
    assert text_of(response, "previous-balance") == "1 500 ₸"
    # "This month so far" is June alone; May, not closed yet, is its own line.
    assert text_of(response, "pending") == "1 500 ₸"
    assert text_of(response, "not-closed") == "+ 1 500 ₸ not yet closed: May 2026"
    assert text_of(response, "total") == "4 500 ₸"


def test_package_progress(member_client, admin_user):
    member = enroll()
    services.ledger_adjust(member=member, amount="140000", reason="opening", by=admin_user)
    response = member_client(member).get("/me/")
    page = html(response)
    assert "Next package: <strong>Classic</strong> at 150 000 ₸" in page
    assert text_of(response, "remaining") == "10 000 ₸ to go (93%)"
    assert 'aria-valuenow="93"' in page


def test_top_package_reached(member_client, admin_user):
    member = enroll()
    services.ledger_adjust(member=member, amount="2500000", reason="legacy", by=admin_user)
    response = member_client(member).get("/me/")
    assert text_of(response, "top-package") == "Top package reached: Brilliant"
    assert 'id="remaining"' not in html(response)


def test_amounts_and_months_in_russian(member_client):
    member = enroll()
    pay(member, JUNE)
    client = member_client(member)
    client.post("/i18n/setlang/", {"language": "ru", "next": "/me/"})
    page = client.get("/me/").content.decode()
    assert '<html lang="ru">' in page
    assert "Июнь 2026" in page
    assert "150\xa0000\xa0₸" in page


def test_twelve_months_table(member_client):
    member = enroll()
    pay(member, MAY)
    page = html(member_client(member).get("/me/"))
    rows = re.findall(
        r'<tr data-period="[\d-]+"><td>(?:<a [^>]*>)?(\w+ \d{4})(?:</a>)?</td><td>([^<]*)</td>',
        page,
    )
    assert len(rows) == 12
    assert rows[0] == ("June 2026", "—")
    assert rows[1] == ("May 2026", "yes")
    assert rows[-1][0] == "July 2025"


def test_yandex_metrika_only_when_configured(member_client, settings):
    member = enroll()
    client = member_client(member)
    page = html(client.get("/me/"))
    assert "mc.yandex.ru" not in page
    assert "<script src=" not in page  # nothing external: links only to inline data
    assert re.findall(r'<link [^>]*href="([a-z]+):', page) == ["data"]
    settings.YANDEX_METRIKA_ID = "12345678"
    page = html(client.get("/me/"))
    assert 'ym(Number("12345678"), "init"' in page


def test_tree_expands_a_branch_of_the_own_downline(member_client):
    member, child, grandchild = chain(3)
    pay(grandchild, JUNE)
    client = member_client(member)
    page = html(client.get("/me/"))
    key = re.search(r'data-key="([^"]+)"', page).group(1)
    assert key == child.path[len(member.path) :]  # a path below the member's, not an id
    branch = html(client.get(reverse("bonuses:tree", args=[key])))
    assert grandchild.short_name in branch
    assert "active" in branch


def test_tree_stops_at_the_plan_depth(member_client):
    chain_ = chain(6)
    top = chain_[0]
    client = member_client(top)
    level4 = chain_[4]
    response = client.get(reverse("bonuses:tree", args=[branch_key(top, chain_[3].path)]))
    assert level4.short_name in html(response)
    assert "data-key" not in html(response)  # level 4 is the last level
    too_deep = reverse("bonuses:tree", args=[branch_key(top, level4.path)])
    assert client.get(too_deep).status_code == 404


def test_tree_refuses_keys_outside_the_own_downline(member_client):
    sibling, member = enroll(), enroll()
    stranger = enroll(sibling)
    enroll(stranger)
    client = member_client(member)
    # The same relative key works for the sibling but names nobody under this member;
    # absolute paths, ids and anything that is not a path step are refused too.
    for key in (
        branch_key(sibling, stranger.path),
        stranger.path,
        str(stranger.pk),
        "..",
        "0001%2F",
        "0" * 40,
    ):
        assert client.get(reverse("bonuses:tree", args=[key])).status_code == 404
    own_child = enroll(member)
    enroll(own_child)
    key = branch_key(member, own_child.path)
    assert key == branch_key(sibling, stranger.path)
    assert client.get(reverse("bonuses:tree", args=[key])).status_code == 200


def _names(fragment: str) -> list[str]:
    found = re.findall(r'<span class="dot[^"]*" title="[^"]*"></span>([^<]+)', fragment)
    return [name.strip() for name in found]


def test_a_large_first_level_is_listed_page_by_page_to_its_end(member_client):
    member = enroll()
    followers = [enroll(member, first_name=f"F{i:03d}") for i in range(BRANCH_LIMIT * 2 + 5)]
    enroll(followers[-1])  # the last one opens too
    client = member_client(member)
    page = html(client.get("/me/"))
    listed = _names(page)
    assert listed == [f.short_name for f in followers[:BRANCH_LIMIT]]
    assert f"Show more ({BRANCH_LIMIT + 5} left)" in page
    seen = list(listed)
    after = re.search(r'class="more" data-key="" data-after="([^"]+)"', page).group(1)
    assert after == branch_key(member, followers[BRANCH_LIMIT - 1].path)  # a key, never an id
    while after:
        fragment = html(client.get(reverse("bonuses:tree_root") + f"?after={after}"))
        seen += _names(fragment)
        match = re.search(r'data-after="([^"]+)"', fragment)
        after = match.group(1) if match else ""
        if after:
            assert f"Show more ({len(followers) - len(seen)} left)" in fragment
    assert seen == [f.short_name for f in followers]  # each once, in the order they joined
    assert branch_key(member, followers[-1].path) in fragment  # still opens


def test_a_large_branch_below_is_paged_the_same_way(member_client):
    member = enroll()
    child = enroll(member)
    grandchildren = [enroll(child) for _ in range(BRANCH_LIMIT + 3)]
    client = member_client(member)
    key = branch_key(member, child.path)
    first = html(client.get(reverse("bonuses:tree", args=[key])))
    assert len(_names(first)) == BRANCH_LIMIT and "Show more (3 left)" in first
    after = re.search(rf'data-key="{key}" data-after="([^"]+)"', first).group(1)
    rest = html(client.get(reverse("bonuses:tree", args=[key]) + f"?after={after}"))
    assert _names(rest) == [g.short_name for g in grandchildren[BRANCH_LIMIT:]]
    assert "Show more" not in rest


def test_show_more_refuses_keys_that_leave_the_branch(member_client):
    sibling, member = enroll(), enroll()
    enroll(sibling)
    child = enroll(member)
    enroll(child)
    client = member_client(member)
    key = branch_key(member, child.path)
    root = reverse("bonuses:tree_root")
    assert client.get(root).status_code == 404  # the first level is the page itself
    for after in ("..", "0" * 8, "00/1", "%00", key + key, key[:-1]):
        assert client.get(f"{root}?after={after}").status_code in (400, 404), after
    # A cursor of the right shape only ever lists the member's own followers after it,
    # whoever else has that path below their own.
    assert branch_key(sibling, sibling.get_children()[0].path) == key
    listed = _names(html(client.get(f"{root}?after={'0' * len(key)}")))
    assert listed == [child.short_name]
    # An `after` must be one step below the branch asked for.
    branch = reverse("bonuses:tree", args=[key])
    assert client.get(f"{branch}?after={key}").status_code == 404
    assert client.get(f"{root}?after={key}").status_code == 200


def test_member_names_only_first_name_and_initial(member_client):
    member = enroll()
    enroll(member, first_name="Secret", last_name="Surname", email="s@example.test")
    page = html(member_client(member).get("/me/"))
    assert "Secret S." in page
    assert "Surname" not in page and "s@example.test" not in page


def test_naming_a_sponsor_from_the_page_is_a_request_for_staff(member_client, admin_user):
    enroll(email="friend@example.test", first_name="Friend", last_name="Zed")
    member = enroll()
    client = member_client(member)
    response = client.post(reverse("bonuses:name_sponsor"), {"sponsor": "friend@example.test"})
    assert response.status_code == 302 and response.url == "/me/#sponsor"
    member.refresh_from_db()
    assert member.sponsor is None  # nothing moves until staff approve
    page = html(client.get("/me/"))
    assert "You named “friend@example.test”" in page and "Friend Z." not in page
    assert 'action="/me/sponsor/"' not in page  # one request at a time
    services.sponsor_request_approve(sponsor_request=member.sponsor_requests.get(), by=admin_user)
    assert text_of(client.get("/me/"), "sponsor-name") == "Friend Z."


def test_a_rejection_shows_its_reason_and_the_form_again(member_client, admin_user):
    member = enroll()
    client = member_client(member)
    client.post(reverse("bonuses:name_sponsor"), {"sponsor": "nobody@example.test"})
    services.sponsor_request_reject(
        sponsor_request=member.sponsor_requests.get(), by=admin_user, reason="Nobody by that."
    )
    page = html(client.get("/me/"))
    assert "did not confirm “nobody@example.test”: Nobody by that." in page
    assert 'action="/me/sponsor/"' in page


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("self", "You cannot name yourself as your sponsor."),
        ("", "This field is required."),
    ],
)
def test_naming_a_sponsor_refusals_on_the_form(member_client, text, message):
    member, follower = chain(2)
    text = {"self": member.referral_code, "downline": follower.referral_code}.get(text, text)
    response = member_client(member).post(reverse("bonuses:name_sponsor"), {"sponsor": text})
    assert response.status_code == 200
    assert response.context["form"].errors["sponsor"] == [message]
    member.refresh_from_db()
    assert member.sponsor is None


def test_no_member_facing_url_takes_a_member_id():
    from bonuses import urls

    for pattern in urls.urlpatterns:
        assert "id" not in str(pattern.pattern).replace("uidb64", "")


def test_query_count_is_the_same_for_10_and_10_000_followers(
    member_client, django_assert_max_num_queries
):
    small = enroll()
    for follower in [enroll(small) for _ in range(10)]:
        pay(follower, JUNE)
    big = seed_downline(members=10_000, months=3, seed=7)
    services.month_close(period=APRIL)
    all_plan_terms()  # read once per process, then kept: not what is compared
    counts = []
    for member in (small, big):
        client = member_client(member)
        with django_assert_max_num_queries(30) as queries:
            response = client.get("/me/")
        assert response.status_code == 200
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1]
    statement = member_statement(member=big)
    assert statement.followers > 1_000  # the rest of the 10 000 are below level 4
    followers = localize(statement.followers).replace("\xa0", " ")
    assert f"Followers: <strong>{followers}</strong>" in html(response)


def test_demo_member_anna_sees_her_page(client):
    from django.core.management import call_command

    call_command("load_demo", stdout=io.StringIO())
    response = client.post("/login/", {"username": "anna", "password": "anna"})
    assert response.status_code == 302 and response.url == "/me/"
    page = client.get("/me/")
    assert page.status_code == 200
    assert "Hello, " in html(page)


def test_the_link_on_the_page_is_built_from_site_url_not_the_request_host(member_client, settings):
    settings.SITE_URL = "https://club.example.kz"
    member = enroll(first_name="Anna")
    response = member_client(member).get("/me/", HTTP_HOST="evil.example")
    link = text_of(response, "referral-link")
    assert link == f"https://club.example.kz/r/{member.referral_code}/"


def test_months_before_joining_have_no_statement_to_open(member_client):
    from datetime import date

    from core.periods import add_months, current_period

    joined = add_months(current_period(), -3)
    member = enroll(enroll(), joined_on=joined + (date(2000, 1, 15) - date(2000, 1, 1)))
    client = member_client(member)
    page = html(client.get("/me/"))
    before = add_months(joined, -1)
    assert f'href="?month={joined:%Y-%m}#month-statement"' in page
    assert f'href="?month={before:%Y-%m}#month-statement"' not in page
    asked = html(client.get(f"/me/?month={before:%Y-%m}"))
    assert 'id="month-statement"' not in asked  # this month's page, no statement of theirs
    assert 'id="month-statement"' in html(client.get(f"/me/?month={joined:%Y-%m}"))


def test_the_member_and_their_sponsor_come_with_the_login(
    member_client, django_assert_max_num_queries
):
    """bonuses.auth.MemberBackend: the request's user, their member and the sponsor the
    page names are one query; no query looks the member up by their login again."""
    sponsor = enroll()
    client = member_client(enroll(sponsor))
    response, sql = _warm_page_queries(client, "/me/", django_assert_max_num_queries)
    assert sponsor.short_name in html(response)
    # One query reads the login (PostgreSQL runs it prepared, by its name).
    user_queries = [q for q in sql if '"core_user"' in q or "user_with_member" in q]
    assert len(user_queries) == 1
    assert "user_with_member" in user_queries[0] or '"bonuses_member"' in user_queries[0]
    assert [q for q in sql if '"bonuses_member"."user_id" =' in q] == []  # no second lookup


def test_the_login_backend_loads_what_the_orm_loads():
    """MemberBackend.get_user writes its query out by hand: every field of the user, the
    member and the sponsor must come back as the ORM reads it (dates, phone numbers,
    times, booleans), on both databases."""
    sponsor = enroll(phone="+77011234567", birth_date=date(1990, 5, 17))
    member = enroll(sponsor, phone="+77017654321")
    user = UserFactory()
    member.user = user
    member.save(update_fields=["user"])
    User = get_user_model()
    loaded = MemberBackend().get_user(user.pk)
    expected = User.objects.get(pk=user.pk)
    for model, got, want in (
        (User, loaded, expected),
        (Member, loaded.member, Member.objects.get(pk=member.pk)),
        (Member, loaded.member.sponsor, Member.objects.get(pk=sponsor.pk)),
    ):
        for field in model._meta.concrete_fields:
            mine, orms = getattr(got, field.attname), getattr(want, field.attname)
            assert (mine, type(mine)) == (orms, type(orms)), field.name
    assert loaded.member.user is loaded
    staff = User.objects.create_user("staff-only", password="pw-long-enough-1")
    alone = MemberBackend().get_user(staff.pk)
    assert alone == staff and not hasattr(alone, "member")
    assert MemberBackend().get_user(staff.pk + 1000) is None


def _warm_page_queries(client, url: str, assert_max_queries) -> tuple:
    """(response, SQL of each query) of a member page opened a second time, once the
    process has read the plan versions it keeps."""
    client.get(url)
    all_plan_terms()
    with assert_max_queries(30) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response, [q["sql"] for q in queries.captured_queries]


def test_a_login_without_a_member_and_a_deactivated_login(client, django_user_model):
    user = django_user_model.objects.create_user("nomember", password="pw-long-enough-1")
    client.force_login(user)
    response = client.get("/me/")
    assert response.status_code == 200 and "No member page" in html(response)
    member = enroll()
    member.user = user
    member.save(update_fields=["user"])
    user.is_active = False
    user.save(update_fields=["is_active"])
    response = client.get("/me/")
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.django_db
def test_a_cookie_copied_before_logout_opens_nothing_with_cached_sessions(member_client, settings):
    """With REDIS_URL sessions are cached_db: logging out must end the session in the
    cache too, so a copied cookie does not open the page afterwards."""
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    client = member_client(enroll())
    copied = client.cookies["sessionid"].value
    assert client.get("/me/").status_code == 200
    client.post(reverse("bonuses:logout"))
    client.cookies["sessionid"] = copied
    response = client.get("/me/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_page_reads_the_members_own_payments_once(member_client, django_assert_max_num_queries):
    """The statement (this month's payment) and the balance and 12 months (every month's)
    share one read of the member's payments."""
    member = enroll(enroll())
    pay(member, MAY)
    client = member_client(member)
    _response, sql = _warm_page_queries(client, "/me/?month=2026-05", django_assert_max_num_queries)
    # member_payments' own query (prepared on PostgreSQL: EXECUTE member_payments_...).
    reads = [q for q in sql if 'FROM "bonuses_payment" WHERE member_id =' in q]
    reads += [q for q in sql if q.startswith("EXECUTE member_payments_")]
    assert len(reads) == 1
    assert not [q for q in sql if '"bonuses_payment"."member_id" =' in q]  # nor the ORM's


@pytest.mark.parametrize("language", ["ru", "en"])
def test_the_funnel_charts_counts_read_as_djangos_numbers(language):
    from django.utils import translation

    from bonuses.templatetags.member_page import _count

    with translation.override(language):
        for n in (-1500, -999, 0, 7, 999, 1000, 12345, 1_000_000):
            assert _count(n) == localize(n)


def test_logging_out_by_address_asks_then_says_it_is_done(member_client, client):
    member_client(enroll())
    asked = client.get("/logout/")
    assert asked.status_code == 200 and 'action="/logout/"' in html(asked)
    assert client.get("/me/").status_code == 200  # a GET logs nobody out
    done = client.post("/logout/", follow=True)
    assert done.redirect_chain[-1][0] == reverse("bonuses:login")
    assert "You are logged out." in html(done)
    assert client.get("/me/").status_code == 302
    assert client.get("/logout/")["Location"] == reverse("bonuses:login")


def test_staff_logging_out_of_the_admin_land_on_the_admins_login(admin_user, client):
    client.force_login(admin_user)
    response = client.post(reverse("admin:logout"))
    assert response.status_code == 302 and response["Location"] == reverse("admin:login")
    assert client.get(reverse("admin:index")).status_code == 302
