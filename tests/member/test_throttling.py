"""Throttling: login lockouts per client behind a declared proxy, lifted by a password
reset; rate limits per client and per target on sign-up, claims, password reset and
sponsor requests, answered with a 429 page in the member's language."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from bonuses import services
from bonuses.views import limits
from core.clientip import client_ip
from tests.factories import enroll

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"  # the reverse proxy: every request reaches gunicorn from here


def rate(spec, which):
    """How many submissions a limit allows: spec is (group, per client, per target)."""
    return int(spec[1 if which == "client" else 2].split("/")[0])


@pytest.fixture
def anna(django_user_model):
    return django_user_model.objects.create_user("anna", "anna@example.test", "right-pass-1")


def log_in(client, password, forwarded, **extra):
    return client.post(
        "/login/",
        {"username": "anna", "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded,
        **extra,
    )


# --- the client's address ------------------------------------------------------------


class Request:
    def __init__(self, remote, forwarded=None):
        self.META = {"REMOTE_ADDR": remote}
        if forwarded is not None:
            self.META["HTTP_X_FORWARDED_FOR"] = forwarded


@pytest.mark.parametrize(
    ("count", "remote", "forwarded", "expected"),
    [
        (0, "203.0.113.5", "198.51.100.7", "203.0.113.5"),  # no proxy: the header is a lie
        (1, PROXY, "198.51.100.7", "198.51.100.7"),
        (1, PROXY, "1.1.1.1, 198.51.100.7", "198.51.100.7"),  # the left part is the client's
        (2, PROXY, "1.1.1.1, 198.51.100.7, 10.0.0.9", "198.51.100.7"),
        (2, PROXY, "198.51.100.7", PROXY),  # fewer hops than proxies: not through them all
        (1, PROXY, "not-an-address", PROXY),
        (1, PROXY, None, PROXY),
        (1, "", None, "0.0.0.0"),
        (1, PROXY, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_client_ip_trusts_only_the_declared_proxies(settings, count, remote, forwarded, expected):
    settings.PROXY_COUNT = count
    assert client_ip(Request(remote, forwarded)) == expected


# --- login lockouts ------------------------------------------------------------------


def test_behind_one_proxy_a_lockout_is_per_client_not_per_username(client, settings, anna):
    settings.PROXY_COUNT = 1
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(client, "wrong", "203.0.113.5").status_code == 200
    assert log_in(client, "wrong", "203.0.113.5").status_code == 429
    # The same client cannot get out by writing another address in front of its own.
    assert log_in(client, "right-pass-1", "198.51.100.7, 203.0.113.5").status_code == 429
    # Anna herself, from her own phone behind the same proxy, logs in.
    response = log_in(client, "right-pass-1", "198.51.100.7")
    assert response.status_code == 302 and response.url == "/me/"


def test_without_a_declared_proxy_the_forwarded_header_changes_nothing(client, settings, anna):
    settings.PROXY_COUNT = 0
    for i in range(settings.AXES_FAILURE_LIMIT):
        response = log_in(client, "wrong", f"198.51.100.{i}")
    assert response.status_code == 429
    assert log_in(client, "right-pass-1", "198.51.100.99").status_code == 429


def test_a_password_reset_lifts_the_lockout_as_the_lockout_page_says(client, settings, anna):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post("/login/", {"username": "anna", "password": "wrong"})
    assert response.status_code == 429
    page = response.content.decode()
    assert "reset your password" in page and "15 minutes" in page
    client.post("/password-reset/", {"email": "anna@example.test"})
    link = re.search(r"https?://[^/\s]+(/password-reset/\S+/)", mail.outbox[-1].body).group(1)
    form_url = client.get(link).url
    new = {"new_password1": "brand-new-pass-7", "new_password2": "brand-new-pass-7"}
    assert client.post(form_url, new).status_code == 302
    response = client.post("/login/", {"username": "anna", "password": "brand-new-pass-7"})
    assert response.status_code == 302 and response.url == "/me/"


# --- rate limits ---------------------------------------------------------------------

SIGNUP = {
    "first_name": "Dana",
    "last_name": "Seitova",
    "password1": "a-long-password-1",
    "password2": "a-long-password-1",
}


def signup_post(client, n, *, email=None, ip="203.0.113.5"):
    data = {**SIGNUP, "username": f"dana{n}", "email": email or f"dana{n}@example.test"}
    return client.post("/signup/", data, REMOTE_ADDR=ip)


def test_sign_up_is_limited_per_client(client):
    for n in range(rate(limits.SIGNUP, "client")):
        assert signup_post(client, n).status_code == 302
        client.post("/logout/", REMOTE_ADDR="203.0.113.5")
    response = signup_post(client, 99)
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    # Another client is not held up by this one.
    assert signup_post(client, 100, ip="198.51.100.7").status_code == 302


def test_sign_up_is_limited_per_email_whatever_the_address(client):
    enroll(email="aliya@example.test")
    for n in range(rate(limits.SIGNUP, "target")):
        signup_post(client, n, email="aliya@example.test", ip=f"198.51.100.{n}")
        client.post("/logout/")
    response = signup_post(client, 99, email="ALIYA@example.test", ip="192.0.2.1")
    assert response.status_code == 429


def test_the_429_page_speaks_the_members_language(client):
    for n in range(rate(limits.SIGNUP, "client") + 1):
        response = client.post(
            "/signup/", {"username": f"x{n}"}, HTTP_ACCEPT_LANGUAGE="ru", REMOTE_ADDR="192.0.2.9"
        )
    assert response.status_code == 429
    assert "Слишком много попыток" in response.content.decode()


def test_password_reset_is_limited_per_email_and_per_client(client, anna):
    for n in range(rate(limits.PASSWORD_RESET, "target")):
        response = client.post(
            "/password-reset/", {"email": "anna@example.test"}, REMOTE_ADDR=f"198.51.100.{n}"
        )
        assert response.status_code == 302
    response = client.post(
        "/password-reset/", {"email": "Anna@Example.test"}, REMOTE_ADDR="192.0.2.1"
    )
    assert response.status_code == 429
    assert len(mail.outbox) == rate(limits.PASSWORD_RESET, "target")
    for n in range(rate(limits.PASSWORD_RESET, "client")):
        client.post("/password-reset/", {"email": f"u{n}@example.test"}, REMOTE_ADDR="192.0.2.2")
    response = client.post("/password-reset/", {"email": "z@example.test"}, REMOTE_ADDR="192.0.2.2")
    assert response.status_code == 429


def test_desk_codes_are_limited_per_code_across_logins(client, django_user_model):
    member = enroll()
    issued = services.claim_issue_code(member=member, by=None)
    selector = issued.code[:4]
    for n in range(rate(limits.CLAIM_CODE, "target")):
        client.force_login(django_user_model.objects.create_user(f"guess{n}", password="pw"))
        guess = f"{selector}-ZZZZ-ZZZ{n + 2}"
        response = client.post("/claim/code/", {"code": guess}, REMOTE_ADDR=f"198.51.100.{n}")
        assert response.status_code == 400
    client.force_login(django_user_model.objects.create_user("owner", password="pw"))
    response = client.post("/claim/code/", {"code": issued.printable}, REMOTE_ADDR="192.0.2.1")
    assert response.status_code == 429


def test_desk_codes_are_limited_per_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("guesser", password="pw"))
    for n in range(rate(limits.CLAIM_CODE, "client")):
        client.post("/claim/code/", {"code": f"QQQ{chr(65 + n)}-ZZZZ-ZZZZ"})
    assert client.post("/claim/code/", {"code": "QQQQ-ZZZZ-ZZZZ"}).status_code == 429


def test_claim_links_are_limited(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("prober", password="pw"))
    for n in range(rate(limits.CLAIM_LINK, "target")):
        client.get(f"/claim/sel/secret{n}/")
        assert client.post("/claim/confirm/").status_code == 400
    client.get("/claim/sel/secret-x/")
    assert client.post("/claim/confirm/").status_code == 429


def test_sponsor_requests_are_limited_per_member(member_client):
    member = enroll()
    client = member_client(member)
    for n in range(rate(limits.SPONSOR_REQUEST, "target")):
        client.post(reverse("bonuses:name_sponsor"), {"sponsor": member.referral_code + str(n)})
    response = client.post(reverse("bonuses:name_sponsor"), {"sponsor": "a@example.test"})
    assert response.status_code == 429
