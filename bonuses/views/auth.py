"""Log in, log out and password reset: Django's views with the member pages' templates.

django-axes throttles failed logins (AUTHENTICATION_BACKENDS and AxesMiddleware in
settings); AuthenticationForm passes the request to authenticate(), which axes needs.
Password-reset requests are rate-limited per client and per email (views.limits), and a
completed reset lifts the login's lockout, as the lockout page promises.
"""

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext

from core.forms import BoundedUsernameMixin, MemberPasswordResetForm

from .limits import PASSWORD_RESET, limit, posted


@method_decorator(limit(PASSWORD_RESET, posted("email")), name="post")
class PasswordReset(auth_views.PasswordResetView):
    """Answers the same for a known and an unknown email (Django's view does); the link
    in the mail is built on SITE_URL, never on the request's Host."""

    form_class = MemberPasswordResetForm
    template_name = "bonuses/password_reset.html"
    email_template_name = "bonuses/password_reset_email.txt"
    subject_template_name = "bonuses/password_reset_subject.txt"
    success_url = reverse_lazy("bonuses:password_reset_done")

    @property
    def extra_email_context(self):
        return {"site_url": settings.SITE_URL.rstrip("/")}


class PasswordResetConfirm(auth_views.PasswordResetConfirmView):
    template_name = "bonuses/password_reset_confirm.html"
    success_url = reverse_lazy("bonuses:password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        # Whoever can read the login's mail may log in again at once, from anywhere.
        axes_reset(username=form.user.get_username())
        return response


class LoginForm(BoundedUsernameMixin, AuthenticationForm):
    pass


login = auth_views.LoginView.as_view(
    template_name="bonuses/login.html",
    redirect_authenticated_user=True,
    authentication_form=LoginForm,
)


class Logout(auth_views.LogoutView):
    """Log out by POST (Django's rule: a link or an image must not log anyone out). A
    GET, from a bookmark or a typed address, asks with a button instead of answering an
    empty 405; afterwards the login page says it is done."""

    http_method_names = ["get", "post", "options"]
    next_page = "bonuses:login"
    template_name = "bonuses/logout.html"

    def get(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect("bonuses:login")
        return render(request, self.template_name)

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, gettext("You are logged out."))
        return response


logout = Logout.as_view()
password_reset = PasswordReset.as_view()
password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="bonuses/password_reset_done.html"
)
password_reset_confirm = PasswordResetConfirm.as_view()
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="bonuses/password_reset_complete.html"
)
