"""Member search that stays an index lookup at a million members.

Django's admin search ORs `icontains` over every field: a full scan per keystroke. Here
each key is looked up the way an index answers it: exact username, email, club number,
referral code and phone; a phone or surname typed in part by prefix (a range on the
column's btree index, as `path_bounds` does for the tree).
"""

from django.contrib.auth import get_user_model
from django.db.models import Q
from phonenumber_field.phonenumber import PhoneNumber

MIN_PHONE_PREFIX = 4  # "+770" would match a quarter of the club


def prefix_q(field: str, text: str) -> Q:
    """Rows whose `field` starts with `text`, as a range the column's btree index serves;
    `startswith` keeps the match exact whatever the database's collation."""
    upper = text[:-1] + chr(ord(text[-1]) + 1)
    return Q(**{f"{field}__gte": text, f"{field}__lt": upper, f"{field}__startswith": text})


def _phone_q(text: str) -> Q | None:
    digits = "".join(ch for ch in text if ch.isdigit())
    if not digits or any(ch.isalpha() for ch in text):
        return None
    try:
        phone = PhoneNumber.from_string(text)
        if phone.is_valid():
            return Q(phone=phone.as_e164)
    except Exception:  # noqa: BLE001 - a partial number: try it as a prefix below
        pass
    if len(digits) < MIN_PHONE_PREFIX:
        return None
    # Stored as E.164: "+7701…". A local "8701…" is the same number.
    if digits.startswith("8") and len(digits) > 1:
        digits = "7" + digits[1:]
    return prefix_q("phone", "+" + digits)


def _name_q(text: str) -> Q | None:
    words = text.split()
    if not words or any(ch.isdigit() for ch in text):
        return None
    match = Q(pk__in=[])
    for surname in {words[0], words[0][:1].upper() + words[0][1:]}:
        q = prefix_q("last_name", surname)
        if len(words) > 1:
            first = words[1][:1].upper() + words[1][1:]
            q &= Q(first_name__startswith=first)
        match |= q
    return match


def member_search_q(text: str) -> Q | None:
    """The condition for a staff search; None for an empty search."""
    text = (text or "").strip()
    if not text:
        return None
    match = Q(external_id=text) | Q(referral_code=text)
    if "@" in text:
        match |= Q(email=text.lower())
    user_ids = list(get_user_model().objects.filter(username=text).values_list("pk", flat=True)[:1])
    if user_ids:
        match |= Q(user_id__in=user_ids)
    for extra in (_phone_q(text), _name_q(text)):
        if extra is not None:
            match |= extra
    return match
