"""The address of the client that sent a request: the one answer django-axes (login
lockouts) and the rate limits of the member pages both use.

`X-Forwarded-For` is written by whoever sent the request, so it is trusted only as far as
the proxies the deployment declares (`PROXY_COUNT`, docs/deploy.md). Each trusted proxy
appends the address it received the request from, so with N proxies the client is the
N-th address from the right; anything to the left of it was written by the client and
proves nothing. With PROXY_COUNT=0 (the default) the header is ignored altogether.
"""

import ipaddress

from django.conf import settings

# An address for requests that arrive without one (a Unix socket with no proxy header):
# they then share one bucket, which errs on the side of limiting.
UNKNOWN = "0.0.0.0"


def _valid(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def client_ip(request) -> str:
    """The client's IP address as text (IPv4 or IPv6), from REMOTE_ADDR or, behind
    `settings.PROXY_COUNT` trusted proxies, from the address the outermost trusted proxy
    saw. A header with fewer addresses than proxies (or a malformed one) means the request
    did not come through them all: REMOTE_ADDR is used then."""
    remote = _valid(request.META.get("REMOTE_ADDR") or "") or UNKNOWN
    count = settings.PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [
        part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()
    ]
    if len(forwarded) < count:
        return remote
    return _valid(forwarded[-count]) or remote
