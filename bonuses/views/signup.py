from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from bonuses.auth import MEMBER_BACKEND
from bonuses.forms import SignupForm
from bonuses.services import claim_check_code, member_signup
from bonuses.services.signup import as_e164

from .claims import posted_code
from .limits import SIGNUP, limit, posted
from .referral import SESSION_KEY, referral_sponsor


def _posted_phone(request, kwargs) -> str:
    return as_e164(request.POST.get("phone", ""))


@limit(SIGNUP, posted("email"), _posted_phone, posted_code("claim_code"))
def signup(request):
    """Sign-up. A new person gets their member page at once; a person whose email or
    phone the club already has gets a login and a claim to confirm (bonuses.services.
    claims): /me/ then says where the confirmation went and shows nothing of the member."""
    if request.user.is_authenticated:
        return redirect("bonuses:me")
    sponsor = referral_sponsor(request)
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        claim = None
        if data.get("claim_code"):
            try:
                claim = claim_check_code(code=data["claim_code"])
            except ValidationError as error:
                form.add_error("claim_code", error)
        if not form.errors:
            try:
                user = member_signup(
                    username=data["username"],
                    password=data["password1"],
                    email=data["email"],
                    phone=data.get("phone") or "",
                    sponsor=sponsor,
                    claim=claim,
                    **form.profile(),
                )
            except ValidationError as error:
                _add_errors(form, error, fallback="claim_code" if claim else None)
            else:
                request.session.pop(SESSION_KEY, None)
                login(request, user, backend=MEMBER_BACKEND)
                return redirect("bonuses:me")
    return render(request, "bonuses/signup.html", {"form": form, "sponsor": sponsor})


def _add_errors(form, error: ValidationError, fallback: str | None = None) -> None:
    if not hasattr(error, "error_dict"):
        form.add_error(fallback, error)
        return
    for field, messages in error.message_dict.items():
        form.add_error(field if field in form.fields else fallback, messages)
