"""Claiming a member page the club already has: the emailed link (opened by the login
that asked for it) and the front-desk code. The writes are bonuses.services.claims."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bonuses.forms import ClaimCodeForm
from bonuses.models import Member
from bonuses.services import claim_confirm_link, claim_redeem_code, claim_resend
from bonuses.services.claims import LINK_LIFETIME, claim_link_open, claims_waiting, code_selector

from .limits import CLAIM_CODE, CLAIM_LINK, limit, logged_in_user

LINK_HOURS = int(LINK_LIFETIME.total_seconds() // 3600)


# The emailed link's selector and secret, moved out of the address bar into the session
# (as Django's password reset does with its token): a page's address reaches scripts
# such as the analytics counter, and the login page's "next".
SESSION_KEY = "claim_link"


def _link(request) -> tuple[str, str]:
    value = request.session.get(SESSION_KEY)
    return (value[0], value[1]) if isinstance(value, list) and len(value) == 2 else ("", "")


def _session_selector(request, kwargs) -> str:
    return _link(request)[0]


def posted_code(field: str):
    """A target: the code posted in `field`, by its public half (a guesser varies the
    rest)."""
    return lambda request, kwargs: code_selector(request.POST.get(field, ""))


def no_member_page(request, code_form=None, status=200):
    """What a login without a member sees: the claim it waits for (where the link went,
    never the address), or how to get a front-desk code; and the code form."""
    waiting = claims_waiting(request.user)
    context = {
        "waiting": waiting,
        "sent": any(claim.sent for claim in waiting),
        "expired": all(claim.expires_at <= timezone.now() for claim in waiting),
        "hours": LINK_HOURS,
        "code_form": code_form or ClaimCodeForm(),
    }
    return render(request, "bonuses/no_member.html", context, status=status)


def claim_link(request, selector: str, secret: str):
    """The link in the mail: keep it in the session and go on to the confirmation (after
    logging in, when needed) at an address without the secret."""
    request.session[SESSION_KEY] = [selector[:64], secret[:128]]
    return redirect("bonuses:claim_confirm")


@login_required
@limit(CLAIM_LINK, logged_in_user, _session_selector)
def claim_confirm(request):
    """GET: ask the login to confirm (a mail scanner opening the link changes nothing);
    POST: link the login to the member."""
    selector, secret = _link(request)
    if Member.objects.filter(user=request.user).exists():
        request.session.pop(SESSION_KEY, None)
        return redirect("bonuses:me")
    if request.method == "POST":
        try:
            claim_confirm_link(selector=selector, secret=secret, user=request.user)
        except ValidationError:
            return render(request, "bonuses/claim_invalid.html", status=400)
        request.session.pop(SESSION_KEY, None)
        return redirect("bonuses:me")
    if not claim_link_open(selector=selector, secret=secret, user=request.user):
        return render(request, "bonuses/claim_invalid.html", status=400)
    return render(request, "bonuses/claim_confirm.html")


@require_POST
@login_required
@limit(CLAIM_CODE, posted_code("code"), logged_in_user)
def claim_code(request):
    if Member.objects.filter(user=request.user).exists():
        return redirect("bonuses:me")
    form = ClaimCodeForm(request.POST)
    if form.is_valid():
        try:
            claim_redeem_code(code=form.cleaned_data["code"], user=request.user)
        except ValidationError as error:
            form.add_error("code", error)
        else:
            return redirect("bonuses:me")
    return no_member_page(request, code_form=form, status=400)


@require_POST
@login_required
@limit(CLAIM_LINK, logged_in_user)
def claim_send_again(request):
    if claim_resend(user=request.user):
        messages.success(request, _("We sent a new link to the email the club has on file."))
    return redirect("bonuses:me")
