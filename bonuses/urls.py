from django.urls import path
from django.views.generic import RedirectView

from .views import auth, claims, me, referral, signup, statements

app_name = "bonuses"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="bonuses:me"), name="home"),
    path("r/<str:code>/", referral.referral, name="referral"),
    # The 2018 programme's links (pinax-referrals) that members already shared.
    path(
        "referrals/<str:code>/",
        RedirectView.as_view(pattern_name="bonuses:referral", permanent=True, query_string=True),
        name="legacy_referral",
    ),
    path("signup/", signup.signup, name="signup"),
    path("login/", auth.login, name="login"),
    path("logout/", auth.logout, name="logout"),
    path("password-reset/", auth.password_reset, name="password_reset"),
    path("password-reset/sent/", auth.password_reset_done, name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        auth.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path("password-reset/done/", auth.password_reset_complete, name="password_reset_complete"),
    path("me/", me.me, name="me"),
    path("me/tree/<str:key>/", me.tree, name="tree"),
    path("me/tree/", me.tree, name="tree_root"),  # the first level's next page (?after=)
    path("me/card/", me.card, name="card"),
    path("me/sponsor/", me.name_sponsor, name="name_sponsor"),
    path("me/statements/", statements.statements_toggle, name="statements_toggle"),
    path("statements/off/<str:signed>/", statements.statements_off, name="statements_off"),
    path("claim/code/", claims.claim_code, name="claim_code"),
    path("claim/send-again/", claims.claim_send_again, name="claim_send_again"),
    path("claim/confirm/", claims.claim_confirm, name="claim_confirm"),
    path("claim/<str:selector>/<str:secret>/", claims.claim_link, name="claim_link"),
]
