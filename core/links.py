"""Absolute links the system hands out (member page, exports, emails, QR cards).

Every one is built here from SITE_URL and the URL configuration, never from the
request's Host header: a link a member shares or a mail the worker sends must point at
the club's real address whichever process built it (and a forged Host must not leak
into it).
"""

from django.conf import settings
from django.urls import reverse


def absolute_url(path: str) -> str:
    """SITE_URL joined with an absolute path such as `/r/abc/` (str in, str out)."""
    return f"{settings.SITE_URL.rstrip('/')}/{path.lstrip('/')}"


def referral_url(code: str) -> str:
    """The public referral link of a member's code: SITE_URL + `/r/<code>/`."""
    return absolute_url(reverse("bonuses:referral", args=[code]))
