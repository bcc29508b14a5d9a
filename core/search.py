"""Text as staff type it and as it is stored for search: one normalisation for both sides.

Search keys are compared by substring, so the stored key and the typed words must be
normalised the same way: `casefold` (SQLite's LOWER is ASCII-only, so the database is
never asked to fold case), `ё` read as `е` (Russian writes either), spaces collapsed.
"""

import phonenumbers
from django.conf import settings


def normalise(text) -> str:
    """`  Артём   ИВАНОВ ` -> `артем иванов`: casefolded, ё→е, single spaces."""
    folded = str(text or "").casefold().replace("ё", "е")
    return " ".join(folded.split())


_PHONE_CHARS = set("0123456789+()-. ")


def is_phone_like(text: str) -> bool:
    """Digits with the usual phone punctuation only (`8 701 123-45-67`, `+7 (701) 12`)."""
    return bool(text) and set(text) <= _PHONE_CHARS and any(c.isdigit() for c in text)


def phone_digit_variants(text: str) -> list[str]:
    """The digit strings a typed phone (or part of one) may stand for in a stored E.164
    number's digits: as typed, and with the club region's trunk prefix read as its
    country code (Kazakhstan: `8 701…` is `+7 701…`). `701…` and `+7 701…` need no
    variant: both are substrings of `77011234567` already."""
    digits = "".join(c for c in text if c.isdigit())
    if not digits:
        return []
    variants = [digits]
    region = settings.PHONENUMBER_DEFAULT_REGION
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    trunk = metadata.national_prefix if metadata else None
    if trunk and digits.startswith(trunk) and len(digits) > len(trunk):
        country = str(phonenumbers.country_code_for_region(region))
        variants.append(country + digits[len(trunk) :])
    return variants
