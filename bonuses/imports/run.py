"""One entry point for the commands, the admin and the background task: read a file,
validate it completely, and (unless a dry run, or anything is wrong) write it."""

from dataclasses import dataclass, field

from bonuses.services.imports import members_import, payments_import

from .errors import ImportFileError, RowError
from .members import plan_members, read_members
from .payments import plan_payments, read_payments

MEMBERS, PAYMENTS = "members", "payments"
KINDS = (MEMBERS, PAYMENTS)


@dataclass
class ImportOutcome:
    kind: str
    counts: dict[str, int] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    file_error: str = ""
    written: bool = False
    rows: list[dict] = field(default_factory=list)  # status of each row, for the preview

    @property
    def ok(self) -> bool:
        return not self.errors and not self.file_error

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "counts": self.counts,
            "errors": [e.as_dict() for e in self.errors],
            "file_error": self.file_error,
            "written": self.written,
            "rows": self.rows,
        }


def _row_summaries(kind, plan, limit: int) -> list[dict]:
    out = []
    for row in plan.rows[:limit]:
        if kind == MEMBERS:
            v = row.values
            label = " ".join(p for p in (v.get("last_name"), v.get("first_name")) if p)
            key = v.get("external_id") or v.get("email") or v.get("phone") or ""
        else:
            label = row.member_ref
            key = f"{row.period:%Y-%m}" if row.period else ""
        out.append({"row": row.line, "status": row.status, "label": label, "key": key})
    return out


def plan_file(kind: str, data: bytes, name: str, *, by=None, progress=None):
    if kind == MEMBERS:
        return plan_members(read_members(data, name), by=by, progress=progress)
    return plan_payments(read_payments(data, name))


def run_import(
    kind: str, data: bytes, name: str, *, dry_run: bool, by=None, progress=None, preview_rows=0
) -> ImportOutcome:
    """Validate the file (with what `by` may do) and, when it is clean and not a dry run,
    write all of it."""
    if kind not in KINDS:
        raise ValueError(f"unknown import kind {kind!r}")
    outcome = ImportOutcome(kind=kind)
    try:
        plan = plan_file(kind, data, name, by=by, progress=progress)
    except ImportFileError as exc:
        outcome.file_error = str(exc)
        return outcome
    outcome.errors = plan.errors
    outcome.counts = plan.counts()
    outcome.rows = _row_summaries(kind, plan, preview_rows)
    if outcome.ok and not dry_run:
        if kind == MEMBERS:
            members_import(plan=plan, by=by)
        else:
            payments_import(plan=plan, by=by)
        outcome.written = True
    return outcome
