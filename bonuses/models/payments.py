from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Payment(models.Model):
    """A member's monthly payment. A member is active in a period when it is paid."""

    member = models.ForeignKey(
        "bonuses.Member",
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="payments",
    )
    period = models.DateField(_("month"), help_text=_("The first day of the month paid for."))
    amount = models.DecimalField(
        _("amount"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    paid = models.BooleanField(_("paid"), default=True)
    paid_on = models.DateTimeField(_("paid on"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.UniqueConstraint(fields=["member", "period"], name="payment_one_per_month"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="payment_amount_not_negative"),
            models.CheckConstraint(condition=Q(period__day=1), name="payment_period_first_day"),
        ]
        indexes = [
            models.Index(fields=["period", "paid"], name="payment_period_paid_idx"),
            # Lets a statement read a follower's payment for a period from the index alone.
            models.Index(
                fields=["member", "period", "paid", "amount"], name="payment_statement_idx"
            ),
        ]

    def __str__(self):
        from core.periods import format_period

        return f"{self.member} · {format_period(self.period)}"
