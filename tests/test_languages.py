"""Nothing untranslated: every admin page and every member page, in Russian and in English,
shows no words of the other language.

The pages are discovered, not listed: every registered ModelAdmin's list, add, change,
history and delete pages, every extra URL the admin site and its ModelAdmins add, and
every URL of the member site. A new page is walked as soon as it exists; a new URL
parameter needs a sample in SAMPLES (the test says which).

What counts as the other language: in Russian, a word in Latin letters; in English, a
word in Cyrillic. Words that are data (names, emails, codes, anything stored in the
database) and the few names that are the same in both languages are allowed.
"""

import re
from datetime import date
from html.parser import HTMLParser
from uuid import uuid4

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.tokens import default_token_generator
from django.db import models
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from bonuses import services
from bonuses.models import ImportJob, Member
from bonuses.services import statement_mails
from bonuses.services.demo import load_demo_club
from bonuses.services.statement_mails import unsubscribe_token
from core.periods import add_months, current_period

pytestmark = pytest.mark.django_db

# The same in both languages: product and technology names, file formats, keys and
# cron (Django's own Russian names "Control", "Command" on a "Mac", "Single Sign-On" and
# "LDAP"), the languages and their codes in the language switcher, the share buttons of
# the member page.
NAMES = {
    "BonusDesk", "PostgreSQL", "SQLite", "CSV", "XLSX", "Excel", "UTF", "Windows", "WhatsApp",
    "Telegram", "VK", "Facebook", "English", "Русский", "en", "ru", "esc", "Control",
    "Command", "Mac", "LDAP", "Single", "Sing", "On", "Cron", "ID", "IP", "HTTP", "Axes",
    "kwargs",
}  # fmt: skip
LATIN = re.compile(r"[A-Za-z][A-Za-z'’]+")
CYRILLIC = re.compile(r"[\u0400-\u04ff][\u0400-\u04ff'’-]+")  # Kazakh letters too
# Parts of a URL, an email, a file name or a code are data, not words.
SKIP_TOKEN = re.compile(r"[@/:._=#%*]|\d")

VISIBLE_ATTRS = {"placeholder", "title", "aria-label", "alt"}


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class VisibleText(HTMLParser):
    """Text a person can read on the page: text nodes outside scripts, styles, code and
    icons (Material Symbols draw a ligature such as `dashboard` as a picture), the readable
    attributes, the labels of buttons and the paid toggles' own labels."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.select2_languages: set[str] = set()
        self._open: list[tuple[str, bool]] = []  # (tag, hides its text)

    @property
    def _skip(self) -> bool:
        return any(hides for _tag, hides in self._open)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag not in VOID:
            icon = "material-symbols" in (attrs.get("class") or "")
            # Commands and code are the same in every language.
            code = tag in ("script", "style", "template", "code", "kbd", "pre")
            self._open.append((tag, code or icon))
        for name, value in attrs.items():
            if value and (name in VISIBLE_ATTRS or name.startswith("data-label")):
                self.parts.append(value)
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.parts.append(attrs["value"])
        if tag == "select" and "admin-autocomplete" in (attrs.get("class") or ""):
            self.select2_languages.add(attrs.get("lang") or "")

    def handle_endtag(self, tag):
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index][0] == tag:
                del self._open[index:]
                break

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


# Stored by the system as keys and worded when shown: never data.
SYSTEM_KEYS = {"history_change_reason", "reason_code", "reason_params", "search_key"}
SYSTEM_NAMES = {"django_q"}  # the names of schedules and tasks (task_title words them)


def data_words() -> set[str]:
    """Every word stored in the database: names, emails, codes, reasons staff typed…"""
    words = set()
    for model in apps.get_models():
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if (
                isinstance(f, models.CharField | models.TextField | models.JSONField)
                or f.name == "phone"
            )
            and f.attname not in SYSTEM_KEYS
            and not (model._meta.app_label in SYSTEM_NAMES and f.attname in ("name", "func"))
        ]
        if not fields:
            continue
        for row in model._default_manager.values_list(*fields):
            for value in row:
                words.update(re.findall(r"\w+", str(value or "")))
    return words


def allowed_words() -> set[str]:
    return {word.casefold() for word in data_words() | NAMES}


def foreign_words(html: str, language: str, allowed: set[str]) -> set[str]:
    parser = VisibleText()
    parser.feed(html)
    pattern = LATIN if language == "ru" else CYRILLIC
    found = set()
    for part in parser.parts:
        for token in part.split():
            if SKIP_TOKEN.search(token) and language == "ru":
                continue
            for word in pattern.findall(token):
                if word.strip("'’-").casefold() not in allowed:
                    found.add(word)
    return found


# --- the club the pages show ----------------------------------------------------------


@pytest.fixture
def club(admin_user, time_machine):
    from django_q.models import OrmQ, Schedule, Task
    from django_q.signing import SignedPackage

    time_machine.move_to("2026-06-15 12:00:00+06:00", tick=False)
    load_demo_club()
    anna = Member.objects.get(user__username="anna")
    last = add_months(current_period(), -1)
    services.month_close(period=add_months(last, -1), by=admin_user)
    # Its statement mails: the list, a row's page and the close page's counts.
    statement_mails.statement_mails_queue(period=add_months(last, -1))
    statement_mails.statement_mails_send(period=add_months(last, -1))
    follower = Member.objects.filter(sponsor=anna).first()
    services.payment_mark_unpaid(member=follower, period=add_months(last, -1), by=admin_user)
    services.ledger_adjust(member=anna, amount="500000", reason="приветствие", by=admin_user)
    services.package_claim(member=anna, package="Classic", by=admin_user)
    services.ledger_payout(member=anna, amount="1000", reason="наличные", by=admin_user)
    # A sponsor change and a corrected amount, for the change histories.
    mover = Member.objects.filter(sponsor=follower).first() or follower
    services.member_change_sponsor(member=mover, sponsor=anna, by=admin_user)
    services.payment_set(
        member=anna, period=current_period(), paid=True, amount="12000", by=admin_user
    )
    job = ImportJob.objects.create(
        kind="payments", name="оплаты.csv", status="checked", created_by=admin_user
    )
    now = timezone.now()
    for success in (True, False):
        Task.objects.create(
            id=f"{success:d}" * 32, name="close 2026-04 boss", func="bonuses.tasks.close_month",
            started=now, stopped=now, success=success, result="",
        )  # fmt: skip
    task = {"id": uuid4().hex, "name": "close 2026-05 boss", "func": "bonuses.tasks.close_month"}
    OrmQ.objects.create(key="bonusdesk", payload=SignedPackage.dumps(task), lock=None)
    assert Schedule.objects.exists()
    return {"anna": anna, "follower": follower, "job": job}


def samples(club) -> dict:
    """A value for every URL parameter the admin and the member site use."""
    anna = club["anna"]
    child = Member.objects.filter(sponsor=anna).order_by("path").first()
    return {
        "member_id": anna.pk,
        "id": anna.user.pk,  # a login's password page
        "job_id": club["job"].pk,
        "key": child.path[len(anna.path) :],
        "code": anna.referral_code,
        "uidb64": urlsafe_base64_encode(force_bytes(anna.user.pk)),
        "token": default_token_generator.make_token(anna.user),
        # The unsubscribe link of Anna's statement mails: its confirmation page.
        "signed": unsubscribe_token(anna),
        # A claim link nobody was sent: the page that says so.
        "selector": "unknownSelector",
        "secret": "unknownSecretThatIsLongEnough",
    }


# Not pages: JSON, files, redirects or actions (each is tested where it is made).
NOT_PAGES = {
    "admin:autocomplete", "admin:jsi18n", "admin:logout", "admin:month_close_status",
    "admin:import_job_status", "admin:bonuses_member_paid", "admin:view_on_site",
    "admin:bonuses_ledgerentry_export",
    "bonuses:home", "bonuses:referral", "set_language",
    "bonuses:statements_toggle",
    "django_select2:auto-json", "health",
}  # fmt: skip


def _patterns(resolver, prefix="", namespace=""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace or namespace
            yield from _patterns(pattern, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield prefix + str(pattern.pattern), name


def _fill(route: str, values: dict) -> str | None:
    """A path from a route with its parameters filled in; None for a regex route."""
    if route.startswith("^") or "(?P" in route:
        return None
    path = route
    for converter, name in re.findall(r"<(?:(\w+):)?(\w+)>", route):
        if name not in values:
            raise AssertionError(f"no sample value for URL parameter {name!r} in {route}")
        token = f"<{converter}:{name}>" if converter else f"<{name}>"
        path = path.replace(token, str(values[name]))
    return "/" + path


def admin_pages(club) -> list[str]:
    """Every registered model's pages for one of its objects, and every other admin URL."""
    urls = []
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        base = f"/admin/{opts.app_label}/{opts.model_name}/"
        urls.append(base)
        urls.append(base + "add/")
        objects = model_admin.get_queryset(_request())
        if hasattr(model, "history"):  # the latest changed, so that its history has a change
            latest = model.history.order_by("-history_id").values_list("id", flat=True).first()
            objects = objects.filter(pk=latest)
        obj = objects.order_by("-pk").first()
        if obj is not None:
            urls += [f"{base}{obj.pk}/{page}/" for page in ("change", "history", "delete")]
    values = samples(club)
    standard = re.compile(r"/(add|change|history|delete)/$|^admin/[\w]+/[\w]+/$")
    for route, name in _patterns(get_resolver()):
        if not route.startswith("admin/") or name in NOT_PAGES or standard.search(route):
            continue
        if "<path:object_id>" in route or "<app_label>" in route or route.startswith("admin/r/"):
            continue
        path = _fill(route, values)
        if path:
            urls.append(path)
    return sorted(set(urls))


def member_pages(club) -> list[str]:
    values = samples(club)
    urls = []
    for route, name in _patterns(get_resolver()):
        if route.startswith(("admin/", "i18n/", "select2/", "health/")) or name in NOT_PAGES:
            continue
        path = _fill(route, values)
        if path:
            urls.append(path)
    return sorted(set(urls))


def _request():
    from django.test import RequestFactory

    from core.models import User

    request = RequestFactory().get("/")
    request.user = User.objects.filter(is_superuser=True).first()
    return request


def _walk(client: Client, urls: list[str], language: str, allowed: set[str]) -> dict:
    problems = {}
    for url in urls:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        if response.status_code in (301, 302, 403, 404, 405):
            continue  # not a page for this visitor (each such answer is tested elsewhere)
        assert response.status_code == 200, f"{url} answered {response.status_code}"
        if "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        words = foreign_words(html, language, allowed)
        parser = VisibleText()
        parser.feed(html)
        wrong_select2 = parser.select2_languages - {language, ""}
        if words or wrong_select2:
            problems[url] = sorted(words) + [f"select2 in {s}" for s in wrong_select2]
    return problems


@pytest.mark.parametrize("language", ["ru", "en"])
def test_every_admin_page_is_in_one_language(admin_client, club, language):
    urls = admin_pages(club)
    assert len(urls) > 40, urls  # the walk found the admin
    problems = _walk(admin_client, urls, language, allowed_words())
    assert problems == {}, "\n".join(f"{u}: {w}" for u, w in problems.items())


@pytest.mark.parametrize("language", ["ru", "en"])
def test_every_member_page_is_in_one_language(client, club, language):
    urls = member_pages(club)
    assert "/me/" in urls and "/signup/" in urls, urls
    allowed = allowed_words()
    problems = _walk(client, urls, language, allowed)  # as a visitor
    client.force_login(club["anna"].user)
    problems.update({f"{u} (member)": w for u, w in _walk(client, urls, language, allowed).items()})
    assert problems == {}, "\n".join(f"{u}: {w}" for u, w in problems.items())


def test_the_walk_sees_words_of_the_other_language():
    """The checker itself: it must not pass a page by accident."""
    page = (
        '<p>Платежи</p><button title="Apply Filters">Применить</button>'
        '<script>var x = "Ignored";</script><select class="admin-autocomplete" lang="en">'
        '<span class="material-symbols-outlined">dashboard</span><br><p>Run</p>'
    )
    names = {n.casefold() for n in NAMES}
    assert foreign_words(page, "ru", names) == {"Apply", "Filters", "Run"}
    assert foreign_words("<p>Payments за май</p>", "en", set()) == {"за", "май"}
    assert foreign_words("<p>anna@demo.test Иванова</p>", "ru", set()) == set()
    parser = VisibleText()
    parser.feed(page)
    assert parser.select2_languages == {"en"}
    assert date  # (imported for fixtures' dates)
