from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class LedgerEntry(models.Model):
    """One movement of a member's bonus balance. Entries are never edited or deleted:
    the balance is their sum, and a closed period is corrected by new entries.

    A close writes up to a million entries at once, so every index and foreign key here
    is paid for per row: the accruals of a close are found by period and kind, and their
    uniqueness is guarded by MonthClose (one per period, taken under a lock); the link to
    the member is checked per statement, not per row (migration 0018)."""

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

    class Reason(models.TextChoices):
        """Reasons the system writes: kept as a code and parameters and worded in the
        reader's language (reason_text), never stored as text of one language."""

        LATE_PAYMENT = "late_payment", _("late payment")
        PAYMENT_WITHDRAWN = "payment_withdrawn", _("payment withdrawn")
        PAYMENT_CHANGED = "payment_changed", _("payment amount changed")
        PACKAGE_CLAIMED = "package_claimed", _("package claimed")
        PACKAGE_BONUS = "package_bonus", _("package bonus")
        OPENING_BALANCE = "opening_balance", _("opening balance carried over")

    member = models.ForeignKey(
        "bonuses.Member",
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="ledger_entries",
        db_index=False,  # ledger_member_period_idx starts with the member
        # Guarded by set-based triggers instead (migration 0018): an entry must name a
        # member, and a member with entries cannot be deleted. A row-by-row foreign key
        # cost a million-member close 4.7 s of checks and row locks at commit.
        db_constraint=False,
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
        # Guarded by the set-based triggers of the member link instead (migration 0020):
        # a foreign key queues a check for every entry a close writes, empty or not.
        db_constraint=False,
        help_text=_("The payment whose change a correction follows."),
    )
    # What staff typed (adjustments, payouts, claims); a reason the system writes is a
    # code and its parameters instead.
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    # Database defaults too: a close writes its entries with COPY, naming only the columns
    # it fills.
    reason_code = models.CharField(
        _("system reason"),
        max_length=32,
        choices=Reason.choices,
        blank=True,
        default="",
        db_default="",
    )
    reason_params = models.JSONField(
        _("reason parameters"), default=dict, db_default={}, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        db_constraint=False,  # as the payment's (migration 0020)
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
            # Entries other than a close's, by time (the statements queue: what moved since
            # the last close). Partial: a close writes a million entries with one
            # timestamp, and keeping them here cost it a second (docs/benchmarks.md).
            models.Index(
                fields=["created_at"],
                condition=~Q(kind__in=["accrual", "referred"]),
                name="ledger_moved_created_idx",
            ),
            # The admin's filter by kind, newest first: rare kinds (payouts, claims) would
            # otherwise walk back through a million accruals to fill a page. Partial: the
            # close's own kinds are most rows, found quickly by id, and keeping them in
            # this index cost a third of the close's writing (docs/benchmarks.md).
            models.Index(
                fields=["kind", "id"],
                condition=~Q(kind__in=["accrual", "referred"]),
                name="ledger_rare_kind_idx",
            ),
            models.Index(
                fields=["payment"],
                condition=Q(payment__isnull=False),
                name="ledger_payment_idx",
            ),
        ]

    def __str__(self):
        from core.money import format_money

        return f"{self.member_id} · {self.get_kind_display()} · {format_money(self.amount)}"

    @property
    def reason_text(self) -> str:
        """The reason in the active language: staff's own words, or the system's reason
        worded from its code and parameters (months as `ноябрь 2026`, money as
        `15 000 ₸`)."""
        if not self.reason_code:
            return self.reason
        return reason_text(self.reason_code, self.reason_params)


def reason_text(code: str, params: dict) -> str:
    """A system reason (LedgerEntry.Reason) worded in the active language. Parameters:
    `month` as YYYY-MM, `old` / `new` as decimal strings of tenge, `package` a name,
    `source` the file an opening balance came from (empty: the previous programme)."""
    from core.money import format_money
    from core.periods import format_period, parse_month

    values = dict(params or {})
    if values.get("month"):
        values["month"] = format_period(parse_month(values["month"]))
    for name in ("old", "new"):
        if values.get(name) is not None:
            values[name] = format_money(values[name])
    values.setdefault("name", values.get("package", ""))
    if code == LedgerEntry.Reason.OPENING_BALANCE and not values.get("source"):
        values["source"] = gettext("the previous programme")
    templates = {
        LedgerEntry.Reason.LATE_PAYMENT: gettext("Late payment for %(month)s"),
        LedgerEntry.Reason.PAYMENT_WITHDRAWN: gettext("Payment for %(month)s withdrawn (refund)"),
        LedgerEntry.Reason.PAYMENT_CHANGED: gettext(
            "Payment amount for %(month)s changed from %(old)s to %(new)s"
        ),
        LedgerEntry.Reason.PACKAGE_CLAIMED: gettext("Package %(name)s claimed"),
        LedgerEntry.Reason.PACKAGE_BONUS: gettext("Bonus of package %(name)s"),
        LedgerEntry.Reason.OPENING_BALANCE: gettext("Opening balance carried over from %(source)s"),
    }
    template = templates.get(code)
    if template is None:
        return ""
    try:
        return template % values
    except (KeyError, TypeError, ValueError):
        return str(LedgerEntry.Reason(code).label) if code in LedgerEntry.Reason.values else ""
