from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class SponsorRequest(models.Model):
    """A member without a sponsor names who invited them; staff approve or reject it.

    Moving a member moves their whole branch and re-computes every open month up both
    chains, so a member's word is a request, not a move (DESIGN.md, "Who may do what").
    `named_as` keeps what the member typed; `sponsor` is the member it named then (None
    when it named nobody). Approval goes through services.member_change_sponsor.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for staff")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")

    member = models.ForeignKey(
        "bonuses.Member",
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="sponsor_requests",
    )
    named_as = models.CharField(_("named as"), max_length=254)
    sponsor = models.ForeignKey(
        "bonuses.Member",
        verbose_name=_("named sponsor"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    reason = models.CharField(
        _("reason"),
        max_length=500,
        blank=True,
        help_text=_("Why it was rejected: the member reads it on their page."),
    )
    applied_at_once = models.BooleanField(
        _("applied at once"),
        default=False,
        help_text=_("Applied without staff by the plan's rule for new members."),
    )
    created_at = models.DateTimeField(_("asked"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("sponsor request")
        verbose_name_plural = _("sponsor requests")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(status="pending"),
                name="sponsor_request_one_pending",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="sponsor_request_status_idx")]

    def __str__(self):
        return _("%(member)s names “%(named)s”") % {"member": self.member, "named": self.named_as}
