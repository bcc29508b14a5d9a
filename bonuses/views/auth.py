"""Log in, log out and password reset: Django's views with the member pages' templates.

django-axes throttles failed logins (AUTHENTICATION_BACKENDS and AxesMiddleware in
settings); AuthenticationForm passes the request to authenticate(), which axes needs.
"""

from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy

login = auth_views.LoginView.as_view(
    template_name="bonuses/login.html", redirect_authenticated_user=True
)
logout = auth_views.LogoutView.as_view()
password_reset = auth_views.PasswordResetView.as_view(
    template_name="bonuses/password_reset.html",
    email_template_name="bonuses/password_reset_email.txt",
    subject_template_name="bonuses/password_reset_subject.txt",
    success_url=reverse_lazy("bonuses:password_reset_done"),
)
password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="bonuses/password_reset_done.html"
)
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name="bonuses/password_reset_confirm.html",
    success_url=reverse_lazy("bonuses:password_reset_complete"),
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="bonuses/password_reset_complete.html"
)
