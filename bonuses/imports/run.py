"""One entry point for the commands, the admin and the background task: read a file,
validate it completely, and (unless a dry run, or anything is wrong, or warnings wait for
a confirmation) write it."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from bonuses.services.imports import members_import, payments_import
from core.money import format_money

from .errors import ImportFileError, RowError, RowWarning
from .limits import Watch, check_upload_size
from .members import plan_members, read_members
from .payments import plan_payments, read_payments

MEMBERS, PAYMENTS = "members", "payments"
KINDS = (MEMBERS, PAYMENTS)
# Which rows the preview shows first when it cannot show them all.
_PREVIEW_ORDER = {"error": 0, "updated": 2, "new": 3, "unchanged": 4}


@dataclass
class ImportOutcome:
    kind: str
    counts: dict[str, int] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowWarning] = field(default_factory=list)
    file_error: str = ""
    written: bool = False
    rows: list[dict] = field(default_factory=list)  # a summary of rows, for the preview
    source: dict = field(default_factory=dict)  # what was read: sheet, encoding, separator

    @property
    def ok(self) -> bool:
        return not self.errors and not self.file_error

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "counts": self.counts,
            "errors": [e.as_dict() for e in self.errors],
            "warnings": [w.as_dict() for w in self.warnings],
            "file_error": self.file_error,
            "written": self.written,
            "rows": self.rows,
            "source": self.source,
        }


def _display(value) -> str:
    if value in (None, ""):
        return "—"
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, Decimal):
        return format_money(value)
    return str(value)


def _change(column: str, old: str, new: str) -> dict:
    return {"field": column, "old": old, "new": new}


def _name(values: dict) -> str:
    return " ".join(values[k] for k in ("last_name", "first_name") if values.get(k))


def _member_summary(plan, row) -> dict:
    index = plan.index
    current = index.by_id.get(row.existing_id, {}) if row.existing_id else {}
    values = {**current, **row.values}
    changes = []
    for column, new in row.changes.items():
        old = index.usernames.get(row.existing_id) if column == "username" else current.get(column)
        changes.append({"field": column, "old": _display(old), "new": _display(new)})
    if row.moves:

        def describe(parent):
            if parent is None:
                return "—"
            kind, key = parent
            if kind == "m":
                return _name(index.by_id[key]) or str(key)
            return f"{_name(plan.rows[key].values)} (#{plan.rows[key].line})"

        old_parent = ("m", current["sponsor_id"]) if current.get("sponsor_id") else None
        changes.append(_change("sponsor", describe(old_parent), describe(row.parent)))
    if row.opening_balance and row.status != "error":
        changes.append(_change("opening_balance", "—", _display(row.opening_balance)))
    key = values.get("external_id") or values.get("email") or values.get("phone") or ""
    return {"label": _name(values), "key": key, "changes": changes if row.existing_id else []}


def _payment_summary(plan, row) -> dict:
    changes = []
    if row.existing and row.status == "updated":
        old = row.existing
        if old["paid"] != row.paid:
            changes.append({"field": "paid", "old": _yes_no(old["paid"]), "new": _yes_no(row.paid)})
        if row.amount is not None and row.amount != old["amount"]:
            changes.append(
                {"field": "amount", "old": _display(old["amount"]), "new": _display(row.amount)}
            )
    month = f" · {row.period:%Y-%m}" if row.period else ""
    return {
        "label": plan.names.get(row.member_id, "") or row.member_ref,
        "key": f"{row.member_ref}{month}",
        "changes": changes,
    }


def _yes_no(flag: bool) -> str:
    return "yes" if flag else "no"


def _row_summaries(kind, plan, limit: int) -> list[dict]:
    """Up to `limit` rows for the preview, in file order: rows with warnings and errors
    first, then updates, new and unchanged rows, so what needs a look is never cut off."""
    warned = {w.row for w in plan.warnings}

    def rank(row):
        return (0 if row.line in warned else _PREVIEW_ORDER.get(row.status, 5), row.line)

    chosen = sorted(sorted(plan.rows, key=rank)[:limit], key=lambda r: r.line)
    summary = _member_summary if kind == MEMBERS else _payment_summary
    return [
        {"row": row.line, "status": row.status, "warning": row.line in warned} | summary(plan, row)
        for row in chosen
    ]


def plan_file(kind: str, data: bytes, name: str, *, by=None, watch: Watch | None = None):
    watch = watch or Watch()
    if kind == MEMBERS:
        return plan_members(read_members(data, name, watch=watch), by=by, progress=watch)
    return plan_payments(read_payments(data, name, watch=watch), progress=watch)


def run_import(
    kind: str,
    data: bytes,
    name: str,
    *,
    dry_run: bool,
    by=None,
    watch: Watch | None = None,
    preview_rows: int = 0,
    confirmed: bool | set[RowWarning] = False,
) -> ImportOutcome:
    """Validate the file (bytes; `name` for messages; with what `by` may do) and, when it
    is clean, not a dry run, and its warnings (if any) are `confirmed`, write all of it in
    one transaction. `confirmed` is True, or the warnings staff confirmed on the preview:
    a warning at another row or column (the database changed since) stops the write.

    Returns the outcome (counts, errors and warnings by row and column, a preview of up to
    `preview_rows` rows). Raises CheckTimedOut when `watch` runs out of time."""
    if kind not in KINDS:
        raise ValueError(f"unknown import kind {kind!r}")
    outcome = ImportOutcome(kind=kind)
    try:
        check_upload_size(len(data))
        plan = plan_file(kind, data, name, by=by, watch=watch)
    except ImportFileError as exc:
        outcome.file_error = str(exc)
        return outcome
    outcome.errors = plan.errors
    outcome.warnings = plan.warnings
    outcome.counts = plan.counts()
    outcome.source = plan.source
    outcome.rows = _row_summaries(kind, plan, preview_rows)
    if isinstance(confirmed, bool):
        warnings_ok = confirmed or not outcome.warnings
    else:
        # By row and column: messages are in the language of whoever checked the file.
        warnings_ok = {(w.row, w.column) for w in outcome.warnings} <= {
            (w.row, w.column) for w in confirmed
        }
    if outcome.ok and not dry_run and warnings_ok:
        if kind == MEMBERS:
            members_import(plan=plan, by=by, source=name)
        else:
            payments_import(plan=plan, by=by)
        outcome.written = True
    return outcome
