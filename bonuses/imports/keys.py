"""Finding members by the keys spreadsheets use: club number, login, email or phone,
looked up in bulk (sets of keys, a few queries per 5 000) rather than row by row."""

from collections.abc import Iterable

import phonenumbers
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils.translation import gettext as _

from bonuses.models import Member

CHUNK = 5_000
MEMBER_VALUES = (
    "id", "path", "depth", "numchild", "sponsor_id", "user_id", "external_id", "first_name",
    "last_name", "middle_name", "email", "phone", "birth_date", "address", "joined_on",
    "referral_code",
)  # fmt: skip


def phone_text(value) -> str:
    """A stored phone (PhoneNumber or text) as E.164 text, '' when empty."""
    if not value:
        return ""
    return getattr(value, "as_e164", None) or str(value)


_PHONE_CHARS = set("0123456789+()- .")


def phone_key(text: str) -> str | None:
    """E.164 form of a phone-like reference, or None when it is not one (cheaply: most
    references are club numbers, and parsing a phone costs ~100 µs)."""
    if not text or sum(c.isdigit() for c in text) < 10 or not set(text) <= _PHONE_CHARS:
        return None
    try:
        number = phonenumbers.parse(text, settings.PHONENUMBER_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _chunks(values: Iterable) -> Iterable[list]:
    values = [v for v in set(values) if v]
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


class MemberIndex:
    """Existing members met so far, as plain dicts, with maps from each kind of key."""

    def __init__(self):
        self.by_id: dict[int, dict] = {}
        self.by_external_id: dict[str, int] = {}
        self.by_username: dict[str, int] = {}
        self.by_email: dict[str, int] = {}
        self.by_phone: dict[str, int] = {}
        self.usernames: dict[int, str] = {}  # member id -> login

    def _add(self, rows) -> None:
        for row in rows:
            row = dict(row)
            row["phone"] = phone_text(row["phone"])
            username = row.pop("user__username", None)
            self.by_id[row["id"]] = row
            if row["external_id"]:
                self.by_external_id[row["external_id"]] = row["id"]
            if row["email"]:
                self.by_email[row["email"].lower()] = row["id"]
            if row["phone"]:
                self.by_phone[row["phone"]] = row["id"]
            if username:
                self.by_username[username] = row["id"]
                self.usernames[row["id"]] = username

    def _load(self, **lookup) -> None:
        ((name, values),) = lookup.items()
        for chunk in _chunks(values):
            if name == "phone":
                # PhoneNumberField re-parses every value of an __in lookup (~100 µs each);
                # the keys are E.164 already, which is how the column stores them.
                column = connection.ops.quote_name(Member._meta.get_field("phone").column)
                marks = ", ".join(["%s"] * len(chunk))
                members = Member.objects.extra(where=[f"{column} IN ({marks})"], params=chunk)
            else:
                members = Member.objects.filter(**{f"{name}__in": chunk})
            self._add(members.values(*MEMBER_VALUES, "user__username"))

    def load_keys(self, *, external_ids=(), usernames=(), emails=(), phones=()) -> None:
        self._load(external_id=external_ids)
        self._load(user__username=usernames)
        self._load(email=emails)
        self._load(phone=phones)

    def load_ancestors(self) -> None:
        """Every ancestor of the members known so far (their paths' prefixes)."""
        step = Member.steplen
        paths = {
            row["path"][:end]
            for row in list(self.by_id.values())
            for end in range(step, len(row["path"]), step)
        }
        self._load(path=paths)

    def find(self, text: str) -> int | None:
        """The member a reference names: club number, login, email or phone, in that order."""
        if not text:
            return None
        for found in (
            self.by_external_id.get(text),
            self.by_username.get(text),
            self.by_email.get(text.lower()),
        ):
            if found is not None:
                return found
        phone = phone_key(text)
        return self.by_phone.get(phone) if phone else None


def existing_usernames(names: Iterable[str]) -> dict[str, int]:
    """Login name -> user id for the names that exist."""
    found = {}
    User = get_user_model()
    for chunk in _chunks(names):
        found.update(User.objects.filter(username__in=chunk).values_list("username", "id"))
    return found


def is_plain_number(text: str) -> bool:
    """Digits only, without leading zeros: what Excel leaves of a key it read as a number."""
    return bool(text) and text.isascii() and text.isdigit() and not text.startswith("0")


def zero_led_club_numbers(keys: Iterable[str]) -> dict[str, list[str]]:
    """For each of `keys` that is a plain number, the club numbers in the database made of
    the same digits after leading zeros ("123" -> ["00123"]): Excel turns 00123 into 123.

    One streamed query over the club numbers that start with a zero."""
    wanted = {k for k in keys if is_plain_number(k)}
    found: dict[str, list[str]] = {}
    if not wanted:
        return found
    numbers = Member.objects.filter(external_id__startswith="0").values_list(
        "external_id", flat=True
    )
    for number in numbers.iterator(chunk_size=10_000):
        stripped = number.lstrip("0")
        if stripped in wanted:
            found.setdefault(stripped, []).append(number)
    return found


def lost_zeros_message(ref: str, variants: list[str], *, matched: bool) -> str:
    """What to tell staff about a key `ref` that may be a club number of `variants`
    without its leading zeros: a warning when `ref` also matches, else an error."""
    values = {"value": ref, "other": ", ".join(sorted(variants))}
    if matched:
        return (
            _(
                "“%(value)s” also reads as club number “%(other)s” without its leading zeros "
                "(Excel drops them from numbers): make sure the file means “%(value)s”."
            )
            % values
        )
    return (
        _(
            "There is no club number “%(value)s”, but there is “%(other)s”: Excel drops the "
            "leading zeros of numbers. Format the column as Text in Excel and type the numbers "
            "again with their zeros."
        )
        % values
    )
