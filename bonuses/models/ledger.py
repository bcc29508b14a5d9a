from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class LedgerEntry(models.Model):
    """One movement of a member's bonus balance. Entries are never edited or deleted:
    the balance is their sum, and a closed period is corrected by new entries.

    A close writes up to a million entries at once, so every index and foreign key here
    is paid for per row: the accruals of a close are found by period and kind, and their
    uniqueness is guarded by MonthClose (one per period, taken under a lock)."""

    class Kind(models.TextChoices):
        ACCRUAL = "accrual", _("level commissions")
        REFERRED = "referred", _("referred bonus")
        CORRECTION = "correction", _("correction")
        CLAIM = "claim", _("package claim")
        PACKAGE_BONUS = "package_bonus", _("package bonus")
        PAYOUT = "payout", _("payout")
        ADJUSTMENT = "adjustment", _("manual adjustment")
        # What a member had earned in the programme the club used before BonusDesk,
        # carried over once by the members import (services.ledger.ledger_open_balances).
        OPENING = "opening", _("opening balance")

    member = models.ForeignKey(
        "bonuses.Member",
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="ledger_entries",
        db_index=False,  # ledger_member_period_idx starts with the member
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    period = models.DateField(
        _("month"), null=True, blank=True, help_text=_("The month the amount was earned in.")
    )
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    breakdown = models.JSONField(_("breakdown"), default=dict, blank=True)
    payment = models.ForeignKey(
        "bonuses.Payment",
        verbose_name=_("payment"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_entries",
        db_index=False,  # a partial index below: only corrections point at payments
        help_text=_("The payment whose change a correction follows."),
    )
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind__in=["accrual", "referred", "correction"])
                | Q(period__isnull=False),
                name="ledger_earnings_have_period",
            ),
            # Once per member: re-importing the switch-over file never credits it twice.
            models.UniqueConstraint(
                fields=["member"], condition=Q(kind="opening"), name="ledger_one_opening_balance"
            ),
        ]
        indexes = [
            models.Index(fields=["member", "period"], name="ledger_member_period_idx"),
            models.Index(fields=["created_at"], name="ledger_created_idx"),
            # The admin's filter by kind, newest first: rare kinds (payouts, claims) would
            # otherwise walk back through a million accruals to fill a page.
            models.Index(fields=["kind", "-id"], name="ledger_kind_idx"),
            models.Index(
                fields=["payment"],
                condition=Q(payment__isnull=False),
                name="ledger_payment_idx",
            ),
        ]

    def __str__(self):
        return f"{self.member_id} · {self.get_kind_display()} · {self.amount}"
