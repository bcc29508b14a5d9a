"""Finding members the way staff type them: one rule for every search box and autocomplete
of the admin (member list, payments, ledger, member lookup, sponsor and member pickers).

The typed text is normalised like the stored key (core.search.normalise: casefold, ё→е)
and each word must occur somewhere in `Member.search_key` (surname, first and middle
name, email, phone digits, club number), in any order: "Иванова", "ИВАНОВА", "иван",
"Анна Иванова", "Иванова Анна", "ivan@exa" all match. A text that looks like a phone is
matched as digits, in any local form ("8 701 123", "+7 701 123", "701 123"). Exact keys
that are not in the search key (login, referral code) are matched as they are.

On PostgreSQL the words are `LIKE '%word%'` on the trigram GIN index `member_search_trgm`
(migration 0008): the planner combines the words' index scans, or, for a word most
members share, walks the list's own order and stops at a page. SQLite scans (correct,
and only slower).
"""

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from bonuses.models import Member
from core.search import is_phone_like, normalise, phone_digit_variants


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
    """The condition on Member for a staff search; None when nothing was typed.

    Input: the text as typed. Output: a Q to filter Member with (or to use in a subquery
    of members for payments and the ledger)."""
    text = (text or "").strip()
    if not text:
        return None
    match = _words_q(text) | Q(referral_code=text) | Q(external_id=text)
    logins = get_user_model().objects.filter(username=text).values_list("pk", flat=True)[:1]
    if user_ids := list(logins):
        match |= Q(user_id__in=user_ids)
    return match


def member_search(text: str | None, members: QuerySet | None = None) -> QuerySet:
    """`members` (default: all) narrowed to those the text finds; unchanged for an empty
    text."""
    members = Member.objects.all() if members is None else members
    match = member_search_q(text)
    return members if match is None else members.filter(match)
