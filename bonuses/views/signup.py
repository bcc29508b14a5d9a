from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from bonuses.forms import SignupForm
from bonuses.services import member_signup

from .referral import SESSION_KEY, referral_sponsor


def signup(request):
    if request.user.is_authenticated and hasattr(request.user, "member"):
        return redirect("bonuses:me")
    sponsor = referral_sponsor(request)
    form = SignupForm(request.POST or None, sponsor=sponsor)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            member = member_signup(
                username=data["username"],
                password=data["password1"],
                email=data["email"],
                phone=data.get("phone") or "",
                sponsor=sponsor,
                **form.profile(),
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            request.session.pop(SESSION_KEY, None)
            login(request, member.user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("bonuses:me")
    return render(request, "bonuses/signup.html", {"form": form, "sponsor": sponsor})


def _add_errors(form, error: ValidationError) -> None:
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)
