"""Maintained per-member figures: what a member's downline holds, kept up to date by the
services as payments and the tree change, so that a statement reads a few rows instead
of walking the downline (docs/statements.md).

Rates are not stored: they are applied when reading, with the plan in force for the
period, so a new plan version rewrites nothing. Amounts are kept per payment amount in
integer cents because a share is rounded per payment (PlanTerms.share_cents): the
earnings of a level are sum(count × share_cents(level, cents)), exact to the cent.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# Every plan version has at most this many levels (the plan form and service refuse
# more): the figures are kept for these levels whatever the plan in force.
MAX_LEVELS = 6


class DownlineCount(models.Model):
    """How many followers `earner` has `level` steps below them (the tree as it stands)."""

    pk = models.CompositePrimaryKey("earner_id", "level")
    earner = models.ForeignKey(
        "bonuses.Member", on_delete=models.CASCADE, related_name="+", verbose_name=_("earner")
    )
    level = models.PositiveSmallIntegerField(_("level"))
    followers = models.IntegerField(_("followers"), default=0)

    class Meta:
        verbose_name = _("downline count")
        verbose_name_plural = _("downline counts")
        constraints = [
            models.CheckConstraint(
                condition=Q(level__gte=1, level__lte=MAX_LEVELS), name="downline_count_level"
            ),
        ]

    def __str__(self):
        return f"#{self.earner_id} L{self.level}: {self.followers}"


class DownlineVolume(models.Model):
    """How many followers `level` steps below `earner` paid `cents` for `period`.

    Kept for every period not closed; a closed period's rows stay as the close read them
    (closed months are read from what the close wrote)."""

    pk = models.CompositePrimaryKey("earner_id", "period", "level", "cents")
    earner = models.ForeignKey(
        "bonuses.Member", on_delete=models.CASCADE, related_name="+", verbose_name=_("earner")
    )
    period = models.DateField(_("month"))
    level = models.PositiveSmallIntegerField(_("level"))
    cents = models.BigIntegerField(_("amount, cents"))
    paid = models.IntegerField(_("paid followers"), default=0)

    class Meta:
        verbose_name = _("downline volume")
        verbose_name_plural = _("downline volumes")
        constraints = [
            models.CheckConstraint(
                condition=Q(level__gte=1, level__lte=MAX_LEVELS), name="downline_volume_level"
            ),
        ]
        indexes = [
            # The close and the safety net read one period's rows in earner order.
            models.Index(fields=["period", "earner"], name="downline_volume_period_idx"),
        ]

    def __str__(self):
        return f"#{self.earner_id} {self.period:%Y-%m} L{self.level} {self.cents}: {self.paid}"


class FiguresCheck(models.Model):
    """One run of the safety net (`check_statements`): the maintained figures of a
    period compared with the figures computed over the downline."""

    checked_at = models.DateTimeField(_("checked at"), auto_now_add=True)
    period = models.DateField(_("month"))
    members = models.PositiveIntegerField(_("members checked"))
    sample = models.BooleanField(_("sample"), default=False)
    differences = models.PositiveIntegerField(_("differences"))
    repaired = models.BooleanField(_("repaired"), default=False)
    details = models.JSONField(_("details"), default=list, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration, ms"), default=0)

    class Meta:
        verbose_name = _("statements check")
        verbose_name_plural = _("statements checks")
        ordering = ["-checked_at"]

    def __str__(self):
        return f"{self.period:%Y-%m} {self.checked_at:%Y-%m-%d %H:%M}: {self.differences}"
