from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class MonthClose(models.Model):
    """A closed period. The unique period makes closing idempotent: a month is closed
    once, and its row is what payment changes check to post corrections instead."""

    class State(models.TextChoices):
        CLOSED = "closed", _("closed")

    class Via(models.TextChoices):
        """What started the close: with closed_by, the audit of who closed a month."""

        SCHEDULE = "schedule", _("schedule")
        PAGE = "page", _("month close page")
        COMMAND = "command", _("command line")

    period = models.DateField(_("month"), unique=True)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default="closed")
    plan = models.ForeignKey(
        "bonuses.Plan", verbose_name=_("plan"), on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed at"), auto_now_add=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Empty for closes made before it was recorded.
    closed_via = models.CharField(
        _("closed via"), max_length=20, choices=Via.choices, blank=True, default="", db_default=""
    )
    totals = models.JSONField(_("totals"), default=dict, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration, ms"), default=0)
    # Whether the close wrote every member's figures (ClosedFigures). Closes made before
    # figures were kept have only their ledger entries: readers take the amounts from
    # those and the follower counts from the tree as it stands.
    figures_stored = models.BooleanField(_("figures stored"), default=False)

    class Meta:
        verbose_name = _("month close")
        verbose_name_plural = _("month closes")
        ordering = ["-period"]
        constraints = [
            models.CheckConstraint(condition=Q(period__day=1), name="month_close_first_day"),
        ]

    def __str__(self):
        from core.periods import format_period

        return format_period(self.period)
