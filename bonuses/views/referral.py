from django.shortcuts import redirect, render

from bonuses.models import Member
from bonuses.services.visits import referral_visit_count

# The session remembers the referral until sign-up (or until the session expires), so
# a friend who looks around the site first is still enrolled under the right sponsor.
SESSION_KEY = "referral_code"


def referral_sponsor(request) -> Member | None:
    code = request.session.get(SESSION_KEY)
    if not code:
        return None
    return Member.objects.filter(referral_code=code).first()


def referral(request, code: str):
    sponsor = Member.objects.filter(referral_code=code).first()
    if sponsor is None:
        request.session.pop(SESSION_KEY, None)
        return render(request, "bonuses/referral_unknown.html", status=404)
    # Counted before the session forgets the previous link: the same answer either way.
    referral_visit_count(request=request, member=sponsor)
    request.session[SESSION_KEY] = sponsor.referral_code
    return redirect("bonuses:signup")
