"""Validate a payments file: `member, month, amount, paid` per row, before anything is
written. `member` names a member by club number, login, email or phone."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

from bonuses.models import Payment

from .cells import check_key_digits, parse_amount, parse_bool, parse_month
from .errors import RowError, RowWarning, sorted_errors
from .keys import (
    CHUNK,
    MemberIndex,
    is_plain_number,
    lost_zeros_message,
    phone_key,
    zero_led_club_numbers,
)
from .limits import Watch
from .reading import PAYMENT_ALIASES, Table, read_table

NEW, UPDATED, UNCHANGED, ERROR = "new", "updated", "unchanged", "error"


@dataclass
class PaymentRow:
    line: int
    member_ref: str
    member_id: int | None = None
    period: date | None = None
    amount: Decimal | None = None  # None: the plan price (new) or keep (existing)
    paid: bool = True
    note: str = ""
    existing: dict | None = None
    status: str = NEW


@dataclass
class PaymentsPlan:
    rows: list[PaymentRow]
    errors: list[RowError]
    warnings: list[RowWarning] = field(default_factory=list)
    names: dict[int, str] = field(default_factory=dict)  # member id -> name, for the preview
    source: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys((NEW, UPDATED, UNCHANGED, ERROR), 0)
        for row in self.rows:
            counts[row.status] += 1
        return counts


def read_payments(data: bytes, name: str, *, watch: Watch | None = None) -> Table:
    return read_table(data, name, PAYMENT_ALIASES, required={"member", "month"}, watch=watch)


def _parse(line: int, raw: dict, errors: list[RowError]) -> PaymentRow:
    row = PaymentRow(line=line, member_ref=str(raw.get("member") or ""))
    if not row.member_ref:
        errors.append(RowError(line, "member", _("Which member? The cell is empty.")))
    else:
        try:
            check_key_digits(raw["member"])
        except ValueError as exc:
            errors.append(RowError(line, "member", str(exc)))
            row.member_ref = ""
    for column, parse, attr in (
        ("month", parse_month, "period"),
        ("amount", parse_amount, "amount"),
        ("paid", parse_bool, "paid"),
    ):
        value = raw.get(column)
        if value in ("", None):
            if column == "month":
                errors.append(RowError(line, "month", _("Which month? The cell is empty.")))
            continue
        try:
            setattr(row, attr, parse(value))
        except ValueError as exc:
            errors.append(RowError(line, column, str(exc)))
    return row


def plan_payments(table: Table, *, progress=None) -> PaymentsPlan:
    """Check every row of `table`; the plan carries the errors and warnings, or what to
    write, and the names of the members the rows name."""
    errors: list[RowError] = list(table.errors)
    warnings: list[RowWarning] = []
    rows = [_parse(line, raw, errors) for line, raw in table.rows]
    if progress:
        progress(len(rows) // 2)
    refs = {r.member_ref for r in rows if r.member_ref}
    index = MemberIndex()
    index.load_keys(
        external_ids=refs,
        usernames=refs,
        emails={x.lower() for x in refs if "@" in x},
        phones={phone_key(x) for x in refs},
    )
    zero_led = zero_led_club_numbers(refs)
    seen: dict[tuple, int] = {}
    for row in rows:
        if not row.member_ref:
            continue
        row.member_id = index.find(row.member_ref)
        variants = zero_led.get(row.member_ref, []) if is_plain_number(row.member_ref) else []
        if variants:
            matched = row.member_id is not None
            message = lost_zeros_message(row.member_ref, variants, matched=matched)
            kind = RowWarning if matched else RowError
            (warnings if matched else errors).append(kind(row.line, "member", message))
        elif row.member_id is None:
            errors.append(
                RowError(
                    row.line,
                    "member",
                    _(
                        "Unknown member “%(value)s”: no member with this club number, login, "
                        "email or phone."
                    )
                    % {"value": row.member_ref},
                )  # fmt: skip
            )
        if row.member_id is not None and row.period:
            key = (row.member_id, row.period)
            if key in seen:
                errors.append(
                    RowError(
                        row.line,
                        "month",
                        _("Row %(row)s already has this member's payment for this month.")
                        % {"row": seen[key]},
                    )
                )
            seen.setdefault(key, row.line)
    _load_existing(rows)
    bad = {e.row for e in errors}
    for row in rows:
        if row.line in bad:
            row.status = ERROR
        elif row.existing is None:
            row.status = NEW if row.paid else UNCHANGED  # unpaid, never paid: nothing to keep
        else:
            e = row.existing
            same_amount = row.amount is None or row.amount == e["amount"]
            row.status = UNCHANGED if (e["paid"] == row.paid and same_amount) else UPDATED
    rows += [PaymentRow(line=line, member_ref="", status=ERROR) for line in table.unreadable]
    if progress:
        progress(len(rows))
    names = {
        pk: " ".join(p for p in (m["last_name"], m["first_name"], m["middle_name"]) if p)
        for pk, m in index.by_id.items()
    }
    return PaymentsPlan(
        rows=rows,
        errors=sorted_errors(errors, PAYMENT_ALIASES),
        warnings=sorted_errors([w for w in warnings if w.row not in bad], PAYMENT_ALIASES),
        names=names,
        source=table.source,
    )


def _load_existing(rows: list[PaymentRow]) -> None:
    wanted = {(r.member_id, r.period) for r in rows if r.member_id and r.period}
    by_period: dict[date, set[int]] = {}
    for member_id, period in wanted:
        by_period.setdefault(period, set()).add(member_id)
    found = {}
    for period, member_ids in by_period.items():
        ids = list(member_ids)
        for start in range(0, len(ids), CHUNK):
            for p in Payment.objects.filter(
                period=period, member_id__in=ids[start : start + CHUNK]
            ).values("id", "member_id", "period", "amount", "paid"):
                found[(p["member_id"], p["period"])] = p
    for row in rows:
        row.existing = found.get((row.member_id, row.period))
