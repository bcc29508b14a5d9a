"""Month-close statements by email: once per member and period (DESIGN.md, "Statements
to members").

Two steps, both safe to repeat and to run in several workers at once:

1. `statement_mails_queue(period=)` writes one pending StatementMail row for every member
   whose figures the close changed, in one INSERT ... SELECT whatever the club's size;
   the unique (member, period) pair makes a second run add nothing.
2. `statement_mails_send(period=)` sends the pending rows in small batches, each in its
   own short transaction: the batch's rows are locked with SELECT ... FOR UPDATE SKIP
   LOCKED (PostgreSQL), sent, marked sent or failed, committed. A second worker skips the
   locked rows and takes the next batch; a re-run finds the rows sent. On SQLite every
   transaction takes the write lock when it starts (settings: IMMEDIATE), so batches run
   one after another there.

A worker that dies half-way through a batch rolls its rows back to pending: those few
members may get the statement twice (the mail server accepted it, the commit never came),
never none. That is the best email allows; the batch is kept small so the window is too.

The figures come only from the selectors (member_statement, ledger_balance,
package_progress): a mail says what the member page and `statement` say.
"""

import time
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from bonuses.models import LedgerEntry, Member, MonthClose, StatementMail
from bonuses.selectors.balances import ledger_balance, package_progress
from bonuses.selectors.statements import member_statement
from bonuses.services.plans import PlanTerms, all_plan_terms, terms_in_force
from core.links import absolute_url, referral_url
from core.periods import current_period, format_period, period_of

UNSUBSCRIBE_SALT = "bonuses.statement_mails.unsubscribe"
BATCH_SIZE = 100
# Earnings the close itself writes for its period; every other kind of entry (corrections,
# claims, payouts, adjustments) counts when it was posted since the previous close.
CLOSE_KINDS = (LedgerEntry.Kind.ACCRUAL, LedgerEntry.Kind.REFERRED)


@dataclass
class SendReport:
    """What a send did: counts of the rows it handled, and the period's rows still
    pending afterwards (another worker's, or left for the next run)."""

    sent: int = 0
    failed: int = 0
    skipped: int = 0
    remaining: int = 0


# --- who gets a statement -----------------------------------------------------------


def _changed_members(period: date, close: MonthClose):
    """Members whose figures the close of `period` changed: those it credited, and those
    whose balance moved since the previous close (a correction, a claim, a payout, an
    adjustment)."""
    previous = (
        MonthClose.objects.filter(period__lt=period).order_by("-period").only("closed_at").first()
    )
    moved = ~Q(kind__in=CLOSE_KINDS) & Q(created_at__lte=close.closed_at)
    if previous is not None:
        # At or after: an entry of the previous close's very moment is counted here rather
        # than missed (that close's own accruals are excluded by their kind).
        moved &= Q(created_at__gte=previous.closed_at)
    credited = Q(period=period, kind__in=CLOSE_KINDS)
    # order_by(): the default ordering would join the DISTINCT and keep every entry.
    return LedgerEntry.objects.filter(credited | moved).values("member_id").order_by().distinct()


def statement_mails_due(*, period: date):
    """The member ids (a values queryset of `member_id`) due a statement for the closed
    `period`; reads only (send_statements --dry-run). Raises MonthClose.DoesNotExist when
    the period is not closed."""
    period = period_of(period)
    return _changed_members(period, MonthClose.objects.get(period=period))


def statement_mails_queue(*, period: date) -> int:
    """Queue the statements of a closed `period` (a first-of-month date): one pending row
    per member whose figures changed, written by one INSERT ... SELECT. Returns how many
    rows it added (0 on a re-run: the (member, period) pair is unique). Raises
    MonthClose.DoesNotExist when the period is not closed."""
    period = period_of(period)
    close = MonthClose.objects.get(period=period)
    select, params = _changed_members(period, close).query.sql_with_params()
    ops = connection.ops
    table = ops.quote_name(StatementMail._meta.db_table)
    # WHERE before ON CONFLICT: SQLite could otherwise read the ON as a join's.
    sql = (
        f"INSERT INTO {table} (member_id, period, state, email, language, error, attempts, "
        f"created_at) SELECT s.member_id, %s, %s, '', '', '', 0, %s FROM ({select}) s "
        f"WHERE 1 = 1 ON CONFLICT (member_id, period) DO NOTHING"
    )
    head = [
        ops.adapt_datefield_value(period),
        StatementMail.State.PENDING.value,
        ops.adapt_datetimefield_value(timezone.now()),
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [*head, *params])
        return max(cursor.rowcount, 0)


# --- the mail ------------------------------------------------------------------------


def member_language(member: Member) -> str:
    """The language a member reads: the one they last chose, else the club's."""
    codes = {code for code, _ in settings.LANGUAGES}
    return member.language if member.language in codes else settings.LANGUAGE_CODE


def unsubscribe_token(member: Member) -> str:
    """A token naming `member` that only this server can make (HMAC with SECRET_KEY and a
    salt of its own): the unsubscribe link carries it instead of anything guessable."""
    return signing.dumps(member.pk, salt=UNSUBSCRIBE_SALT)


def member_from_unsubscribe_token(token: str) -> Member | None:
    """The member a token names; None when it was not made here (tampered, truncated,
    another salt's) or the member is gone."""
    try:
        member_id = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(member_id, int):
        return None
    return Member.objects.filter(pk=member_id).first()


def unsubscribe_url(member: Member) -> str:
    return absolute_url(reverse("bonuses:statements_off", args=[unsubscribe_token(member)]))


def statement_mail_message(
    *, member: Member, period: date, versions: list[PlanTerms] | None = None, connection=None
) -> EmailMultiAlternatives:
    """The statement of `period` for `member`, in the member's language: subject, plain
    text and HTML from templates (bonuses/email/statement.*), with List-Unsubscribe
    headers. Reads the month through member_statement and the balance through
    ledger_balance; raises nothing of its own (a member without an email gets a message
    without a recipient: callers check)."""
    versions = versions or all_plan_terms()
    language = member_language(member)
    with translation.override(language):
        statement = member_statement(member=member, period=period, versions=versions)
        balance = ledger_balance(member.pk)
        package, top = package_progress(terms_in_force(versions, current_period()), balance)
        off = unsubscribe_url(member)
        context = {
            "member": member,
            "statement": statement,
            "month": format_period(period),
            "corrections": getattr(statement, "corrections", ()),
            "balance": balance,
            "package": package,
            "top_package": top,
            "link": referral_url(member.referral_code),
            "page_url": absolute_url(reverse("bonuses:me")),
            "unsubscribe_url": off,
            "CLUB_NAME": settings.CLUB_NAME,
            "LANGUAGE_CODE": language,
        }
        subject = render_to_string("bonuses/email/statement_subject.txt", context).strip()
        text = render_to_string("bonuses/email/statement.txt", context)
        html = render_to_string("bonuses/email/statement.html", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=text,
        to=[member.email] if member.email else [],
        connection=connection,
        headers={
            "List-Unsubscribe": f"<{off}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(html, "text/html")
    return message


# --- sending -------------------------------------------------------------------------


def _deliver(row: StatementMail, versions, mailer) -> None:
    """Send one row's statement and set its state (not saved)."""
    member = row.member
    row.attempts += 1
    row.language = member_language(member)
    row.email = member.email
    if not member.statement_emails:
        row.state, row.error = StatementMail.State.OFF, ""
        return
    if not member.email:
        row.state, row.error = StatementMail.State.NO_EMAIL, ""
        return
    try:
        message = statement_mail_message(
            member=member, period=row.period, versions=versions, connection=mailer
        )
        message.send()
    except Exception as exc:  # noqa: BLE001 - any mail error is this row's, recorded on it
        row.state, row.error = StatementMail.State.FAILED, f"{type(exc).__name__}: {exc}"[:2000]
        return
    row.state, row.error, row.sent_at = StatementMail.State.SENT, "", timezone.now()


def _tally(report: SendReport, rows) -> None:
    for row in rows:
        if row.state == StatementMail.State.SENT:
            report.sent += 1
        elif row.state == StatementMail.State.FAILED:
            report.failed += 1
        else:
            report.skipped += 1


UPDATED = ["state", "email", "language", "error", "attempts", "sent_at"]


def _save_states(rows) -> None:
    """Write the rows' new states: one prepared UPDATE run for every row (bulk_update's
    CASE per field costs more than the mails themselves at 100 rows)."""
    if not rows:
        return
    ops = connection.ops
    table = ops.quote_name(StatementMail._meta.db_table)
    sets = ", ".join(f"{ops.quote_name(name)} = %s" for name in UPDATED)
    params = [
        (
            row.state,
            row.email,
            row.language,
            row.error,
            row.attempts,
            ops.adapt_datetimefield_value(row.sent_at),
            row.pk,
        )
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET {sets} WHERE id = %s", params)


def statement_mails_send(
    *,
    period: date,
    batch_size: int = BATCH_SIZE,
    seconds: float | None = None,
    mailer=None,
) -> SendReport:
    """Send the pending statements of `period`, `batch_size` at a time, each batch in its
    own transaction holding only its own rows' locks (FOR UPDATE SKIP LOCKED). Stops when
    none is pending, or after the batch that passes `seconds` (a worker's time slice; the
    task queues itself again for the rest). Members who turned statements off or have no
    email are marked skipped; a mail the server refuses is marked failed with the error,
    and the others go on. `mailer`: an open email connection (default: the configured
    backend's, opened once for the whole run)."""
    period = period_of(period)
    report = SendReport()
    deadline = time.monotonic() + seconds if seconds is not None else None
    versions = all_plan_terms()
    own = mailer is None
    mailer = mailer or get_connection()
    try:
        while True:
            with transaction.atomic():
                rows = list(
                    StatementMail.objects.select_for_update(skip_locked=True, of=("self",))
                    .select_related("member")
                    .filter(period=period, state=StatementMail.State.PENDING)
                    .order_by("id")[:batch_size]
                )
                for row in rows:
                    _deliver(row, versions, mailer)
                _save_states(rows)
            _tally(report, rows)
            if len(rows) < batch_size or (deadline is not None and time.monotonic() > deadline):
                break
    finally:
        if own:
            mailer.close()
    report.remaining = StatementMail.objects.filter(
        period=period, state=StatementMail.State.PENDING
    ).count()
    return report


@transaction.atomic
def statement_mail_send_one(*, member: Member, period: date, again: bool = False) -> StatementMail:
    """Send `member` the statement of the closed `period` now, whether or not they were
    queued (creates the row when missing). A row already sent is left alone unless
    `again` (staff resending it: the row keeps counting attempts). The row is locked while
    sending, so a worker working through the period's queue never sends it a second time.
    Raises MonthClose.DoesNotExist when the period is not closed."""
    period = period_of(period)
    MonthClose.objects.get(period=period)
    StatementMail.objects.get_or_create(member=member, period=period)
    row = (
        StatementMail.objects.select_for_update(of=("self",))
        .select_related("member")
        .get(member=member, period=period)
    )
    if row.state == StatementMail.State.SENT and not again:
        return row
    _deliver(row, all_plan_terms(), None)
    row.save(update_fields=UPDATED)
    return row


def statement_mail_resend(*, mail: StatementMail) -> StatementMail:
    """Staff's "send again" for one row of the admin (sent, failed or skipped): the
    member's statement is sent now, in their current language, to their current email."""
    return statement_mail_send_one(member=mail.member, period=mail.period, again=True)


def statement_mail_counts(periods=None) -> dict[date, dict[str, int]]:
    """{period: {state: count}} of the statement mails, in one grouped query (the month
    close page's column)."""
    from django.db.models import Count

    rows = StatementMail.objects.all()
    if periods is not None:
        rows = rows.filter(period__in=list(periods))
    counts: dict[date, dict[str, int]] = {}
    for row in rows.values("period", "state").annotate(n=Count("id")).order_by():
        counts.setdefault(row["period"], {})[row["state"]] = row["n"]
    return counts


# --- the member's choices ------------------------------------------------------------


def member_set_statement_emails(*, member: Member, on: bool) -> None:
    """Turn the member's month-close statements on or off (their page, the mail's link)."""
    Member.objects.filter(pk=member.pk).update(statement_emails=on)
    member.statement_emails = on


def member_set_language(*, user, language: str) -> None:
    """Remember the language the logged-in `user` chose for their member (if any): their
    statements are written in it. Ignores a language the site does not offer."""
    if not getattr(user, "is_authenticated", False):
        return
    if language not in {code for code, _ in settings.LANGUAGES}:
        return
    Member.objects.filter(user=user).exclude(language=language).update(language=language)
