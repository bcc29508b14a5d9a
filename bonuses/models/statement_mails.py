from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class StatementMail(models.Model):
    """The month-close statement mailed to one member for one period: the record that
    makes it once. The unique (member, period) pair is taken when the period's mails are
    queued (services.statement_mails); a worker sends a pending row only while it holds
    its row lock, so a re-run or a second worker finds it sent and sends nothing."""

    class State(models.TextChoices):
        PENDING = "pending", _("waiting")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        # Not sent, and why (worded in the reader's language, never stored as text).
        OFF = "off", _("turned off by the member")
        NO_EMAIL = "no_email", _("no email on file")

    member = models.ForeignKey(
        "bonuses.Member",
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="statement_mails",
        db_index=False,  # statement_mail_once starts with the member
    )
    period = models.DateField(_("month"))
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    email = models.EmailField(_("sent to"), blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    error = models.TextField(_("error"), blank=True)  # the mail server's, as it said it
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("queued at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("statement mail")
        verbose_name_plural = _("statement mails")
        ordering = ["-period", "member_id"]
        constraints = [
            models.UniqueConstraint(fields=["member", "period"], name="statement_mail_once"),
            models.CheckConstraint(condition=Q(period__day=1), name="statement_mail_first_day"),
        ]
        indexes = [
            # The senders' queue (a period's pending rows) and the close page's counts.
            models.Index(fields=["period", "state"], name="statement_mail_state_idx"),
        ]

    def __str__(self):
        from core.periods import format_period

        return f"{self.member} · {format_period(self.period)}"
