from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ReferralVisit(models.Model):
    """How many people opened a member's referral link on one day (club time).

    Only the count is kept: nothing about the visitors (bonuses.services.visits). The
    counter is capped per member and day (settings.REFERRAL_VISIT_CAP), in the upsert that
    increments it, so a script cannot push it past the cap whatever it sends.
    """

    member = models.ForeignKey(
        "bonuses.Member",
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="referral_visits",
    )
    day = models.DateField(_("day"))
    opened = models.PositiveIntegerField(_("opened"), default=0)

    class Meta:
        verbose_name = _("referral link visit count")
        verbose_name_plural = _("referral link visit counts")
        constraints = [
            # The upsert's conflict target: one counter per member and day.
            models.UniqueConstraint(fields=["member", "day"], name="referral_visit_one_per_day"),
            models.CheckConstraint(condition=Q(opened__gte=0), name="referral_visit_not_negative"),
        ]
        # The club's funnel sums a range of days over every member.
        indexes = [models.Index(fields=["day"], name="referral_visit_day_idx")]

    def __str__(self):
        return f"{self.member_id} · {self.day}: {self.opened}"
