"""Rate limits of the member pages that a stranger could hammer: sign-up, claims,
password reset and sponsor requests (django-ratelimit; log-ins are django-axes').

Each submission is counted twice: per client (the address core.clientip trusts, so one
abuser behind the club's proxy does not block everyone) and per target (the email,
phone, username or code being tried, so that many addresses cannot take turns on one
person). Over a limit the member gets RATELIMIT_VIEW: a 429 page in their language.
"""

from functools import wraps

from django.shortcuts import render
from django_ratelimit.core import is_ratelimited
from django_ratelimit.exceptions import Ratelimited

from core.clientip import client_ip

# (group, per client, per target): submissions allowed per key in a window of an hour.
SIGNUP = ("signup", "10/h", "5/h")
PASSWORD_RESET = ("password-reset", "10/h", "3/h")
CLAIM_CODE = ("claim-code", "10/h", "5/h")
CLAIM_LINK = ("claim-link", "20/h", "5/h")
SPONSOR_REQUEST = ("sponsor-request", "20/h", "5/h")


def by_client(group, request) -> str:
    return client_ip(request)


def _normalised(text: str) -> str:
    return "".join(str(text).split()).lower()


def limit(spec: tuple[str, str, str], *targets):
    """Decorate a view: its POSTs are limited per client and per each target.

    `targets` are functions (request, view kwargs) -> str naming what the submission
    tries (blank: nothing to count for it). Raises Ratelimited (-> 429) when either
    count is over; every POST counts, good or bad, so that guessing costs the same.
    """
    group, per_client, per_target = spec

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method == "POST":
                over = is_ratelimited(
                    request, group=group, key=by_client, rate=per_client, increment=True
                )
                for index, target in enumerate(targets):
                    value = _normalised(target(request, kwargs))
                    if value and is_ratelimited(
                        request,
                        group=f"{group}:{index}",
                        key=lambda _group, _request, value=value: value,
                        rate=per_target,
                        increment=True,
                    ):
                        over = True
                if over:
                    raise Ratelimited
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def posted(field: str):
    """A target: the value posted in `field`."""
    return lambda request, kwargs: request.POST.get(field, "")


def logged_in_user(request, kwargs) -> str:
    """A target: the login making the request (its requests, from any address)."""
    return f"user:{request.user.pk}" if request.user.is_authenticated else ""


def too_many_requests(request, exception=None):
    """RATELIMIT_VIEW: what an over-limit submission gets, in the member's language."""
    return render(request, "bonuses/too_many_requests.html", status=429)
