"""Counting the visits of a member's referral link (`/r/<code>/`), for the funnel.

Nothing about the visitor is stored. A person is counted once a day per link: their
session remembers the day it was counted (the session already remembers the link for
sign-up), and a visitor without a session cookie (a script, a private window) is known
for the rest of the day by a salted hash of their address kept only in the cache
(settings.CACHES["visits"]). The salt is derived from SECRET_KEY and the day, so
yesterday's hashes cannot be matched with today's, and it never leaves the process.
Crawlers and link previews (messengers fetch a shared link to draw its card) are not
people and are not counted. The daily counter stops at settings.REFERRAL_VISIT_CAP
inside the upsert that increments it, so no amount of requests goes past it.

The referral page pays for this with one cache `add` and at most one small write.
"""

import hashlib
import hmac
import re
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.utils import timezone

from bonuses.models import ReferralVisit
from core.clientip import client_ip

# Substrings of the user agents of crawlers, link previews, monitors and HTTP libraries.
# An empty user agent is treated as a bot too: every browser sends one.
BOT_USER_AGENT = re.compile(
    r"bot|crawl|spider|slurp|preview|facebookexternalhit|facebot|whatsapp|telegram|"
    r"vkshare|skypeuripreview|embedly|quora link|pinterest|bitlybot|yandex|"
    r"curl|wget|python|httpie|http-client|httpclient|okhttp|go-http|java/|libwww|"
    r"axios|node-fetch|undici|scrapy|headless|phantomjs|lighthouse|pingdom|uptime|"
    r"monitor|checker|scanner|validator|feed|fetch",
    re.IGNORECASE,
)
SESSION_DAY = "referral_counted_on"  # the day this session's link visit was counted
CACHE_PREFIX = "referral-visit:"


def is_bot(user_agent: str) -> bool:
    """True for an empty user agent or one naming a crawler, preview fetcher or library."""
    return not user_agent.strip() or BOT_USER_AGENT.search(user_agent) is not None


def _daily_salt(day: date) -> bytes:
    return hmac.new(
        settings.SECRET_KEY.encode(), b"referral-visit:" + day.isoformat().encode(), "sha256"
    ).digest()


def visitor_key(*, code: str, address: str, day: date) -> str:
    """The cache key that marks one address as counted for one link on one day: an HMAC
    under the day's salt (str in, str out; the address cannot be read back from it)."""
    digest = hmac.new(_daily_salt(day), f"{code}\0{address}".encode(), hashlib.sha256)
    return CACHE_PREFIX + digest.hexdigest()[:32]


def _seconds_left(day: date) -> int:
    end = timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))
    return max(int((end - timezone.now()).total_seconds()) + 60, 60)


def referral_visit_record(*, member_id: int, day: date, cap: int | None = None) -> bool:
    """Add one visit to the member's counter for `day` (a date in club time), unless the
    counter has reached `cap` (settings.REFERRAL_VISIT_CAP by default). One statement, an
    upsert whose update is conditional on the cap, so concurrent visits can neither lose a
    count nor pass the cap. Returns whether it counted."""
    cap = settings.REFERRAL_VISIT_CAP if cap is None else cap
    if cap <= 0:
        return False
    table = connection.ops.quote_name(ReferralVisit._meta.db_table)
    sql = (
        f"INSERT INTO {table} (member_id, day, opened) VALUES (%s, %s, 1) "
        f"ON CONFLICT (member_id, day) DO UPDATE SET opened = {table}.opened + 1 "
        f"WHERE {table}.opened < %s"
    )
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # A counter, not money: losing the last moment's visits in a crash is fine, so
        # this one transaction does not wait for the WAL flush (the fsync was most of the
        # write's cost). Both statements go in one round trip (psycopg2 binds on the
        # client), which PostgreSQL runs as one implicit transaction: the setting ends
        # with it (bench_referral).
        sql = "SET LOCAL synchronous_commit TO OFF; " + sql
    with connection.cursor() as cursor:
        cursor.execute(sql, [member_id, day, cap])
        return cursor.rowcount == 1


def referral_visit_count(*, request, member) -> bool:
    """Count a visit of `member`'s referral link by the person behind `request`, at most
    once per person and day, never for a bot, a non-GET request or the member themself,
    and never past the daily cap. Marks the request's session (the caller saves it).
    Returns whether the visit counted; the caller must answer the same either way."""
    if request.method != "GET" or is_bot(request.META.get("HTTP_USER_AGENT", "")):
        return False
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.pk == member.user_id:
        return False  # the member opening their own link is not a friend's visit
    today = timezone.localdate()
    session = request.session
    if (
        session.get(SESSION_DAY) == today.isoformat()
        and session.get("referral_code") == member.referral_code
    ):
        return False
    session[SESSION_DAY] = today.isoformat()
    key = visitor_key(code=member.referral_code, address=client_ip(request), day=today)
    if not caches["visits"].add(key, 1, _seconds_left(today)):
        return False
    return referral_visit_record(member_id=member.pk, day=today)
