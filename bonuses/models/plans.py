from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .downline import MAX_LEVELS

RATE_VALIDATORS = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))]


class Plan(models.Model):
    """One version of the bonus plan. A period is computed with the version in force for it:
    the latest one effective from that month or earlier (the first version also covers
    every earlier month), so editing the plan never rewrites the past."""

    effective_from = models.DateField(
        _("effective from"), unique=True, help_text=_("The first month this version applies to.")
    )
    monthly_price = models.DecimalField(
        _("monthly price"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    referred_rate = models.DecimalField(
        _("referred-member rate"),
        max_digits=7,
        decimal_places=6,
        validators=RATE_VALIDATORS,
        help_text=_("Share of their own payment an active member with a sponsor earns."),
    )
    earner_must_be_active = models.BooleanField(
        _("earner must be active"),
        default=False,
        help_text=_("Only members who paid for the month earn from their downline."),
    )
    credit_package_bonus = models.BooleanField(
        _("credit package bonus"),
        default=False,
        help_text=_(
            "On: claiming a package credits its bonus back to the balance. "
            "Off: the bonus is part of what the member receives with the package."
        ),
    )
    sponsor_requests_at_once = models.BooleanField(
        _("apply new members' sponsor requests at once"),
        default=False,
        help_text=_(
            "On: a member with no followers who names who invited them within 30 days of "
            "joining is placed under that person at once. Off: staff confirm every request."
        ),
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("bonus plan")
        verbose_name_plural = _("bonus plans")
        ordering = ["-effective_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(effective_from__day=1), name="plan_effective_from_first_day"
            ),
        ]

    def __str__(self):
        from core.periods import format_period

        return _("Plan from %(month)s") % {"month": format_period(self.effective_from)}


class PlanLevel(models.Model):
    """The commission rate for followers `level` steps below the earner."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="levels")
    level = models.PositiveSmallIntegerField(
        _("level"), validators=[MinValueValidator(1), MaxValueValidator(MAX_LEVELS)]
    )
    rate = models.DecimalField(
        _("rate"), max_digits=7, decimal_places=6, validators=RATE_VALIDATORS
    )

    class Meta:
        verbose_name = _("plan level")
        verbose_name_plural = _("plan levels")
        ordering = ["plan", "level"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "level"], name="plan_level_unique"),
            models.CheckConstraint(condition=Q(level__gte=1), name="plan_level_positive"),
            models.CheckConstraint(
                condition=Q(level__lte=MAX_LEVELS), name="plan_level_within_maximum"
            ),
        ]

    def __str__(self):
        from core.money import format_percent

        return _("Level %(level)s: %(rate)s") % {
            "level": self.level,
            "rate": format_percent(self.rate),
        }


class Package(models.Model):
    """A reward package on the plan's ladder: claimable once the balance reaches threshold."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="packages")
    name = models.CharField(_("name"), max_length=100)
    threshold = models.DecimalField(
        _("threshold"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    bonus = models.DecimalField(
        _("bonus"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )

    class Meta:
        verbose_name = _("package")
        verbose_name_plural = _("packages")
        ordering = ["plan", "threshold"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "name"], name="package_name_unique"),
            models.UniqueConstraint(fields=["plan", "threshold"], name="package_threshold_unique"),
        ]

    def __str__(self):
        return self.name
