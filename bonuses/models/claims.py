from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class MemberClaim(models.Model):
    """A one-time proof that a login belongs to a member the club already has.

    Knowing a member's email or phone proves nothing (DESIGN.md, "Who may do what"): a
    login is linked to an existing member only through a link sent to the email on file
    (`LINK`, made for the login that asked) or a code the front desk hands over in person
    (`CODE`, for whoever brings it). Only an HMAC of the secret is stored; `selector` finds
    the row, so a wrong secret for a real code counts as an attempt on that code.
    """

    class Kind(models.TextChoices):
        LINK = "link", _("emailed link")
        CODE = "code", _("front-desk code")

    member = models.ForeignKey(
        "bonuses.Member",
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="claims",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="member_claims",
        help_text=_("The login that asked (emailed links); empty for a front-desk code."),
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    selector = models.CharField(_("selector"), max_length=16, unique=True)
    secret_hash = models.CharField(_("secret (HMAC)"), max_length=64)
    sent = models.BooleanField(
        _("link sent"),
        default=False,
        help_text=_("An emailed link went to the address on file (not when none is on file)."),
    )
    sponsor = models.ForeignKey(
        "bonuses.Member",
        verbose_name=_("invited by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The referral link used at sign-up: becomes a sponsor request on success."),
    )
    attempts = models.PositiveSmallIntegerField(_("wrong attempts"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    class Meta:
        verbose_name = _("member claim")
        verbose_name_plural = _("member claims")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="code") | Q(user__isnull=False), name="claim_link_has_login"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.member}"

    def open_at(self, now) -> bool:
        """Not used, not expired (attempts are checked by the service, which knows the
        bound)."""
        return self.used_at is None and self.expires_at > now
