"""Finding members the way staff type them: one rule for every search box and autocomplete
of the admin (member list, payments, ledger, member lookup, sponsor and member pickers).

1. An exact identifier finds that member alone: club number, login, email, referral code
   or a whole phone number in any local form.
2. Otherwise the typed text is normalised like the stored key (core.search.normalise:
   casefold, ё→е) and each word must occur somewhere in `Member.search_key` (surname,
   first and middle name, email, phone digits, club number), in any order: "Иванова",
   "ИВАНОВА", "иван", "Анна Иванова", "Иванова Анна", "ivan@exa" all match. A text that
   looks like a phone is matched as digits, in any local form ("8 701 123", "+7 701 123",
   "701 123").

Indexes (PostgreSQL): the exact keys are unique btree lookups; the words are
`LIKE '%word%'` on the trigram GIN index `member_search_trgm` (migration 0010). The
members found are listed first (at most MATCH_LIMIT ids, one query) so that the page's
own query is a primary-key lookup whatever the planner would guess about the words;
only a word most members share falls back to filtering the page's walk in its own order.
SQLite has no trigram index and scans: correct, only slower.
"""

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from phonenumber_field.phonenumber import PhoneNumber

from bonuses.models import Member
from core.search import is_phone_like, normalise, phone_digit_variants

# Up to this many members found, the pages select them by id; beyond it the words are a
# filter of the page's own ordered walk (a word that common finds a page at once).
MATCH_LIMIT = 2000


def _whole_phone(text: str) -> str | None:
    if not is_phone_like(text):
        return None
    try:
        phone = PhoneNumber.from_string(text)
    except Exception:  # noqa: BLE001 - not a whole number: matched by digits instead
        return None
    return phone.as_e164 if phone.is_valid() else None


def _exact_q(text: str) -> Q:
    # Each branch is a unique index lookup, so PostgreSQL ORs their bitmaps; the login is
    # read first (a subquery in the OR would make it scan the members instead).
    match = Q(external_id=text) | Q(referral_code=text)
    logins = get_user_model().objects.filter(username=text).values_list("pk", flat=True)[:1]
    if login := list(logins):
        match |= Q(user_id__in=login)
    if "@" in text:
        match |= Q(email=text.lower())
    if phone := _whole_phone(text):
        match |= Q(phone=phone)
    return match


def _words_q(text: str) -> Q:
    if is_phone_like(text):
        match = Q(pk__in=[])
        for digits in phone_digit_variants(text):
            match |= Q(search_key__contains=digits)
        return match
    match = Q()
    for word in normalise(text).split():
        match &= Q(search_key__contains=word)
    return match


def member_search_q(text: str | None) -> Q | None:
    """The condition on Member for a staff search (exact identifiers or words); None
    when nothing was typed. Prefer member_search / matching_member_ids, which also keep
    the query on its indexes."""
    text = (text or "").strip()
    if not text:
        return None
    return _exact_q(text) | _words_q(text)


def matching_member_ids(text: str | None) -> list[int] | QuerySet | None:
    """The members a staff search finds, for filtering by member: a list of ids (exact
    identifiers, or the words' members when at most MATCH_LIMIT), else a subquery of
    their ids; None when nothing was typed. Three queries at most."""
    text = (text or "").strip()
    if not text:
        return None
    exact = Member.objects.filter(_exact_q(text)).order_by().values_list("pk", flat=True)
    exact = list(exact[:MATCH_LIMIT])
    if exact:
        return exact
    words = Member.objects.filter(_words_q(text)).order_by()
    found = list(words.values_list("pk", flat=True)[: MATCH_LIMIT + 1])
    if len(found) <= MATCH_LIMIT:
        return found
    return words.values("pk")


def member_search(text: str | None, members: QuerySet | None = None) -> QuerySet:
    """`members` (default: all) narrowed to those the text finds; unchanged for an empty
    text."""
    members = Member.objects.all() if members is None else members
    ids = matching_member_ids(text)
    return members if ids is None else members.filter(pk__in=ids)
