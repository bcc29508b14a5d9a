"""No URL answers 500 to a malformed value.

Every URL pattern is taken from the resolver (so pages added later are walked too), its
parameters filled with real and malformed values; every page is then asked again with
malformed values in each query parameter it uses (from its links and GET forms, and the
usual ones) and every form it shows (or any page shows for it) is posted with malformed
values in each field. Malformed means NUL, overlong, the wrong type and an unknown
choice. Anonymous, a member, the front desk and an administrator each walk it all; each
answer must be below 500 (a 4xx, a redirect, or the form with its errors).
"""

import re
from html.parser import HTMLParser
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from bonuses import services
from bonuses.models import ImportJob, Member
from bonuses.services.demo import load_demo_club
from core.periods import add_months, current_period

pytestmark = pytest.mark.django_db

NUL, OVERLONG, WRONG_TYPE, OVERFLOW = "a\x00b", "x" * 3000, "zz", "99999999999999999999"
MALFORMED = (NUL, OVERLONG, WRONG_TYPE, OVERFLOW)
# Query parameters the project's and Django's pages read, beyond those a page links to.
USUAL_KEYS = (
    "q", "o", "p", "e", "page", "level", "period", "month", "paid", "status", "joined",
    "has_sponsor", "member", "term", "app_label", "model_name", "field_name", "next",
    "_changelist_filters", "_to_field", "_popup", "all",
)  # fmt: skip
# Posting anything to these changes who is walking, not what they send.
NO_POST = re.compile(r"(^|:)(logout|.*_delete)$")


def routes():
    """(name, route text) of every URL pattern, includes flattened."""

    def walk(resolver, namespaces, prefix):
        for pattern in resolver.url_patterns:
            text = prefix + str(pattern.pattern).lstrip("^").rstrip("$")
            if isinstance(pattern, URLResolver):
                space = (pattern.namespace,) if pattern.namespace else ()
                yield from walk(pattern, namespaces + space, text)
            elif isinstance(pattern, URLPattern):
                yield ":".join(namespaces + (pattern.name or "?",)), text

    yield from walk(get_resolver(), (), "")


PARAMETER = re.compile(r"<(?:(\w+):)?(\w+)>|\(\?P<(\w+)>[^)]*\)|\([^)]*\)")


def model_of(name: str):
    """The model an admin URL name is about (admin:<app>_<model>_<view>), or None."""
    match = re.match(r"admin:(\w+?)_(\w+?)_\w+$", name)
    if match is None:
        return None
    try:
        model = apps.get_model(*match.groups())
    except LookupError:
        return None
    # auth_user_password_change names the swapped-out auth.User: the project's user.
    return get_user_model() if model._meta.swapped else model


def good_value(name: str, parameter: str, data: dict) -> str | None:
    """A real value for a parameter, so the page behind it renders (and shows forms)."""
    model = model_of(name)
    if parameter in ("object_id", "id") and model is not None:
        row = model._default_manager.order_by("pk").last()
        return str(row.pk) if row else None
    return data.get(parameter)


def urls(data: dict) -> list[tuple[str, str, bool]]:
    """(pattern name, URL, all parameters real) for every pattern and value."""
    out = []
    for name, route in routes():
        parameters = [m.group(2) or m.group(3) or "" for m in PARAMETER.finditer(route)]
        variants = [[good_value(name, p, data) for p in parameters]]
        variants += [[bad] * len(parameters) for bad in MALFORMED] if parameters else []
        for values in variants:
            if any(v is None for v in values):
                continue
            filled = iter(quote(value, safe="") for value in values)
            path = PARAMETER.sub(lambda _m, filled=filled: next(filled), route)
            out.append((name, "/" + path, values is variants[0]))
    return out


class Page(HTMLParser):
    """Query keys from a page's links and GET forms; fields of its POST forms."""

    def __init__(self, url):
        super().__init__()
        self.url, self.keys, self.forms, self.form = url, set(), {}, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and "?" in (attrs.get("href") or ""):
            self.keys.update(k for k, _ in parse_qsl(urlsplit(attrs["href"]).query))
        elif tag == "form":
            method = (attrs.get("method") or "get").lower()
            action = urlsplit(attrs.get("action") or self.url).path or urlsplit(self.url).path
            self.form = self.forms.setdefault(action, set()) if method == "post" else self.keys
        elif tag in ("input", "select", "textarea") and self.form is not None:
            if attrs.get("name") and attrs["name"] != "csrfmiddlewaretoken":
                self.form.add(attrs["name"])

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None


@pytest.fixture
def club(admin_user, time_machine):
    time_machine.move_to("2026-06-15 12:00:00+06:00", tick=False)
    load_demo_club()
    services.month_close(period=add_months(current_period(), -1))
    loner = Member.objects.filter(sponsor__isnull=True).order_by("pk").last()
    services.sponsor_request_create(member=loner, text="someone@example.test")
    member = Member.objects.get(user__username="anna")
    code = services.claim_issue_code(member=Member.objects.filter(user=None).first(), by=None)
    job = ImportJob.objects.create(kind="members", name="m.csv", created_by=admin_user)
    job.file.save("m.csv", ContentFile(b"first_name\nAida\n"))
    return {
        "code": member.referral_code,
        "key": member.path[-Member.steplen :] * 2,
        "member_id": str(member.pk),
        "job_id": str(job.pk),
        "selector": code.claim.selector,
        "secret": code.code[4:],
        "content_type_id": str(ContentType.objects.get_for_model(Member).pk),
        "task_id": "t1",
        "uidb64": "MQ",
        "token": "set-password",
        "app_label": "bonuses",
        "url": "bonuses/member/",
        "path": "x.csv",
    }


def logged_in(role, admin_user) -> Client:
    client = Client()
    users = {
        "member": lambda: get_user_model().objects.get(username="anna"),
        "front desk": lambda: get_user_model().objects.get(username="desk"),
        "administrator": lambda: admin_user,
    }
    if role in users:
        client.force_login(users[role]())
    return client


def ask(client, method, url, data, failures, role):
    """One request in a savepoint (a failure must not spoil the next); records a 500."""
    try:
        with transaction.atomic():
            response = getattr(client, method)(url, data)
    except Exception as exc:  # noqa: BLE001 - every crash is a finding, reported below
        failures.append(f"{role}: {method.upper()} {url[:120]!r} {data!r:.120} -> {exc!r:.300}")
        return None
    if response.status_code >= 500:
        failures.append(f"{role}: {method.upper()} {url[:120]!r} -> {response.status_code}")
    return response


@pytest.mark.parametrize("role", ["anonymous", "member", "front desk", "administrator"])
def test_no_url_answers_500_to_malformed_values(role, club, admin_user, settings):
    settings.RATELIMIT_ENABLE = False  # the walk would otherwise meet 429s, not the views
    client = logged_in(role, admin_user)
    failures: list[str] = []
    forms: dict[str, set[str]] = {}
    for _name, url, real in urls(club):
        response = ask(client, "get", url, {}, failures, role)
        if not real or response is None or response.status_code != 200:
            if response is not None and response.status_code == 405:
                forms.setdefault(url, set())  # POST-only: posted below with the usual keys
            continue
        page = Page(url)
        if "html" in response.get("Content-Type", ""):
            page.feed(response.content.decode())
        for action, fields in page.forms.items():
            forms.setdefault(action, set()).update(fields)
        keys = page.keys | set(USUAL_KEYS)
        for bad in MALFORMED:
            ask(client, "get", url + "?" + urlencode(dict.fromkeys(keys, bad)), {}, failures, role)
    names = dict((url, name) for name, url, _ in urls(club))
    for action, fields in forms.items():
        if NO_POST.search(names.get(action, "")):
            continue
        for bad in MALFORMED:
            data = dict.fromkeys(fields or USUAL_KEYS, bad)
            ask(client, "post", action, data, failures, role)
    assert failures == [], "\n".join(failures)
