"""The statement mails' choices: the unsubscribe link in every mail (no login: the signed
token names the member) and the on/off toggle on the member's own page; and the language
switch, which remembers the member's choice for their mails."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django.views.i18n import LANGUAGE_QUERY_PARAMETER
from django.views.i18n import set_language as django_set_language

from bonuses.models import Member
from bonuses.services.statement_mails import (
    member_from_unsubscribe_token,
    member_set_language,
    member_set_statement_emails,
)


# The token is the only secret here and it can only turn statements off for the member it
# names, so a cross-site form gains nothing; exempt, because mail programs' one-click
# unsubscribe (RFC 8058: POST "List-Unsubscribe=One-Click") carries no CSRF cookie.
@csrf_exempt
def statements_off(request, signed: str):
    """GET: what the link will do, with a button (mail scanners open links: a GET changes
    nothing). POST: statements off for the member the token names. A token this server
    did not make changes nothing and says so."""
    member = member_from_unsubscribe_token(signed)
    if member is None:
        return render(request, "bonuses/statements_off_invalid.html", status=404)
    done = request.method == "POST"
    if done:
        member_set_statement_emails(member=member, on=False)
    return render(request, "bonuses/statements_off.html", {"member": member, "done": done})


@login_required
@require_POST
def statements_toggle(request):
    """The member page's switch: statements on or off for the logged-in member only."""
    member = Member.objects.filter(user=request.user).first()
    if member is None:
        raise Http404
    member_set_statement_emails(member=member, on=request.POST.get("on") == "1")
    return redirect(reverse("bonuses:me") + "#statements")


def set_language(request):
    """Django's language switch, which also remembers a logged-in member's choice (their
    month-close statements are written in it)."""
    response = django_set_language(request)
    if request.method == "POST":
        member_set_language(user=request.user, language=request.POST.get(LANGUAGE_QUERY_PARAMETER))
    return response
