"""django-import-export resources for the spreadsheet exports (CSV and XLSX).

Rows come from bonuses.imports.exports as plain dicts computed set-based; a resource
names the columns, in the order and spelling the imports read back. Imports do not use
import-export's row loop (about 3 000 rows/s and an error per batch with use_bulk): they
validate the whole file with bonuses.imports and write through bonuses.services.imports.
"""

from pathlib import Path

from import_export import fields, resources
from import_export.formats.base_formats import CSV, XLSX

from bonuses.imports import exports

FORMATS = {".csv": CSV, ".xlsx": XLSX}


def _columns(*names):
    return {name: fields.Field(attribute=name, column_name=name) for name in names}


def _resource(name: str, columns: list[str]) -> type[resources.Resource]:
    declared = _columns(*columns)

    class Meta:
        fields = columns
        export_order = columns

    return type(name, (resources.Resource,), {**declared, "Meta": Meta})


MEMBER_COLUMNS = [
    "external_id", "username", "first_name", "last_name", "middle_name", "email", "phone",
    "birth_date", "address", "joined_on", "sponsor", "level", "downline", "referral_link",
]  # fmt: skip
PAYMENT_COLUMNS = ["member", "month", "amount", "paid"]
LEDGER_COLUMNS = ["id", "member", "kind", "period", "amount", "reason", "created_at"]

MemberExportResource = _resource("MemberExportResource", MEMBER_COLUMNS)
PaymentExportResource = _resource("PaymentExportResource", PAYMENT_COLUMNS)
LedgerExportResource = _resource("LedgerExportResource", LEDGER_COLUMNS)


def statement_resource(levels: int) -> type[resources.Resource]:
    """The statement columns depend on how many levels the month's plan pays."""
    columns = ["member", "name", "month", "active", "followers", "active_followers"]
    for k in range(1, levels + 1):
        columns += [f"level_{k}_followers", f"level_{k}_active", f"level_{k}_earned"]
    return _resource("StatementExportResource", [*columns, "referred_bonus", "total"])


def export_format(filename: str):
    suffix = Path(filename).suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"{filename}: unsupported format; use .csv or .xlsx")
    return FORMATS[suffix]()


def _write_xlsx(dataset, filename: str) -> None:
    """openpyxl's write-only mode: tablib's XLSX builds every cell object in memory first,
    five times slower on a club-sized export."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(dataset.title or "export")
    sheet.append(dataset.headers)
    for row in dataset:
        sheet.append(row)
    book.save(filename)


def write_export(resource_class, rows, filename: str) -> int:
    """Render `rows` with `resource_class` into `filename` (format by extension)."""
    fmt = export_format(filename)
    dataset = resource_class().export(queryset=list(rows))
    if fmt.is_binary():
        _write_xlsx(dataset, filename)
    else:
        with open(filename, "w", encoding="utf-8", newline="") as out:
            out.write(fmt.export_data(dataset))
    return len(dataset)


def export_members(filename: str) -> int:
    return write_export(MemberExportResource, exports.members_rows(), filename)


def export_payments(filename: str) -> int:
    return write_export(PaymentExportResource, exports.payments_rows(), filename)


def export_statements(period, filename: str) -> int:
    resource = statement_resource(exports.statement_levels(period))
    return write_export(resource, exports.statements_rows(period), filename)


def export_ledger(filename: str) -> int:
    return write_export(LedgerExportResource, exports.ledger_rows(), filename)
