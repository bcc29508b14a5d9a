"""The spreadsheet exports (CSV and XLSX) and the formats the admin's ledger export uses.

Rows come from bonuses.imports.exports as plain dicts computed set-based; the column lists
here name them, in the order and spelling the imports read back, with the type each
column has. Exports Excel can trust:

- no cell is ever a live formula: XLSX text cells are written as text, and CSV text cells
  that begin with = + - @ tab or CR are neutralised as OWASP describes
  (bonuses.imports.formulas, which the imports undo);
- XLSX numbers and dates are typed cells (amounts with two decimals, counts as integers,
  dates as dates, months as dates shown YYYY-MM), so Excel sums and sorts them;
- times are in the club's time zone;
- CSV is UTF-8 with a byte-order mark, separated the way the user's Excel expects: `;`
  with a decimal comma for a Russian Excel, `,` for an English one (the language's
  default, or `delimiter`).
"""

import csv
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from django.utils import timezone, translation
from import_export.formats import base_formats

from bonuses.imports import exports
from bonuses.imports.formulas import neutralise
from core.periods import format_month

TEXT, INT, MONEY, DATE, MONTH, DATETIME = "text", "int", "money", "date", "month", "datetime"
DELIMITERS = {",": ",", ";": ";", "tab": "\t", "\t": "\t"}
XLSX_FORMATS = {
    MONEY: "#,##0.00",
    INT: "0",
    DATE: "dd.mm.yyyy",
    MONTH: "yyyy-mm",
    DATETIME: "dd.mm.yyyy hh:mm",
}
# Characters XML 1.0 cannot hold (openpyxl refuses them): replaced, never a failed export.
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = TEXT


def _columns(*specs) -> list[Column]:
    return [Column(*spec) if isinstance(spec, tuple) else Column(spec) for spec in specs]


MEMBER_COLUMNS = _columns(
    "external_id", "username", "first_name", "last_name", "middle_name", "email", "phone",
    ("birth_date", DATE), "address", ("joined_on", DATE), "sponsor", ("level", INT),
    ("downline", INT), "referral_link",
)  # fmt: skip
PAYMENT_COLUMNS = _columns("member", ("month", MONTH), ("amount", MONEY), "paid")
LEDGER_COLUMNS = _columns(
    ("id", INT), "member", "kind", ("period", MONTH), ("amount", MONEY), "reason",
    ("created_at", DATETIME),
)  # fmt: skip

FUNNEL_COLUMNS = _columns(
    "member", "name", ("month", MONTH), ("opened", INT), ("signed_up", INT),
    ("paid_first_month", INT),
)  # fmt: skip


def statement_columns(levels: int) -> list[Column]:
    """The statement columns depend on how many levels the month's plan pays."""
    columns = _columns(
        "member", "name", ("month", MONTH), "active", ("followers", INT),
        ("active_followers", INT),
    )  # fmt: skip
    for k in range(1, levels + 1):
        columns += _columns(
            (f"level_{k}_followers", INT), (f"level_{k}_active", INT), (f"level_{k}_earned", MONEY)
        )
    # closed: the figures its close stored; corrections: posted for the month since.
    return columns + _columns(
        ("referred_bonus", MONEY), ("total", MONEY), "closed", ("corrections", MONEY)
    )


def add_delimiter_argument(parser) -> None:
    """The export commands' --delimiter option."""
    parser.add_argument(
        "--delimiter",
        choices=[",", ";", "tab"],
        help="CSV separator (default: ; in Russian, the list separator of a Russian Excel, "
        "with a decimal comma; , in English)",
    )


def default_delimiter() -> str:
    """`;` for a Russian Excel (its list separator), `,` for an English one."""
    return ";" if (translation.get_language() or "").startswith("ru") else ","


def _local(moment: datetime) -> datetime:
    """An aware time as the club's wall-clock time (Excel cells have no time zone)."""
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.replace(tzinfo=None, microsecond=0)


def _csv_value(value, kind: str, delimiter: str) -> str:
    if value is None or value == "":
        return ""
    if kind == MONEY:
        text = f"{Decimal(value):.2f}"
        return text.replace(".", ",") if delimiter == ";" else text
    if kind == MONTH:
        return format_month(value)
    if kind == DATETIME:
        return _local(value).strftime("%Y-%m-%d %H:%M:%S")
    if kind in (DATE, INT):
        return value.isoformat() if isinstance(value, date) else str(value)
    return neutralise(str(value))


def write_csv(columns: list[Column], rows, filename: str, *, delimiter: str | None = None) -> int:
    delimiter = DELIMITERS[delimiter or default_delimiter()]
    count = 0
    with open(filename, "w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out, delimiter=delimiter)
        writer.writerow([c.name for c in columns])
        for row in rows:
            writer.writerow([_csv_value(row.get(c.name), c.kind, delimiter) for c in columns])
            count += 1
    return count


class _XlsxCells:
    """The cells of one row at a time. openpyxl's write-only sheet writes each row as it
    is appended, so one cell per column and type is reused, its style set once: a
    styled cell object per value made the exports twice as slow."""

    def __init__(self, sheet):
        self.sheet = sheet
        self.cells: dict[tuple[int, str], object] = {}

    def __call__(self, index: int, value, kind: str):
        from openpyxl.cell import WriteOnlyCell

        if value is None or value == "":
            return None
        if kind == "auto":
            kind = _dataset_kind(value)
        if isinstance(value, str) or kind == TEXT:
            kind, value = TEXT, _ILLEGAL_XML.sub("\ufffd", str(value))
        elif isinstance(value, datetime):
            value = _local(value)
        elif isinstance(value, float):
            value = Decimal(repr(value))
        cell = self.cells.get((index, kind))
        if cell is None:
            cell = self.cells[index, kind] = WriteOnlyCell(self.sheet)
            if kind != TEXT:
                cell.number_format = XLSX_FORMATS.get(kind, "General")
        cell.value = value
        if kind == TEXT:
            cell.data_type = "s"  # never a formula (=...) nor an error value (#N/A)
        return cell


def write_xlsx(columns: list[Column], rows, filename: str, *, title: str = "export") -> int:
    """openpyxl's write-only mode: a club-sized export never holds every cell in memory."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    sheet.freeze_panes = "A2"
    sheet.append([c.name for c in columns])
    cells = _XlsxCells(sheet)
    count = 0
    for row in rows:
        sheet.append([cells(i, row.get(c.name), c.kind) for i, c in enumerate(columns)])
        count += 1
    book.save(filename)
    return count


def write_export(columns: list[Column], rows, filename: str, *, delimiter: str | None = None):
    """Write `rows` (dicts) into `filename`, CSV or XLSX by its extension; returns the
    number of rows. Raises ValueError for another extension or an unknown delimiter."""
    suffix = Path(filename).suffix.lower()
    if delimiter is not None and delimiter not in DELIMITERS:
        raise ValueError(f"unknown delimiter {delimiter!r}: use , ; or tab")
    if suffix == ".csv":
        return write_csv(columns, rows, filename, delimiter=delimiter)
    if suffix == ".xlsx":
        return write_xlsx(columns, rows, filename, title=Path(filename).stem[:31] or "export")
    raise ValueError(f"{filename}: unsupported format; use .csv or .xlsx")


def export_members(filename: str, *, delimiter: str | None = None) -> int:
    return write_export(MEMBER_COLUMNS, exports.members_rows(), filename, delimiter=delimiter)


def export_payments(filename: str, *, delimiter: str | None = None) -> int:
    return write_export(PAYMENT_COLUMNS, exports.payments_rows(), filename, delimiter=delimiter)


def export_statements(period, filename: str, *, delimiter: str | None = None) -> int:
    columns = statement_columns(exports.statement_levels(period))
    rows = exports.statements_rows(period)
    return write_export(columns, rows, filename, delimiter=delimiter)


def export_ledger(filename: str, *, delimiter: str | None = None) -> int:
    return write_export(LEDGER_COLUMNS, exports.ledger_rows(), filename, delimiter=delimiter)


def export_funnel(filename: str, *, delimiter: str | None = None) -> int:
    """The referral funnel of every member, per month of the last 12 (issue 17)."""
    return write_export(FUNNEL_COLUMNS, exports.funnel_rows(), filename, delimiter=delimiter)


def _dataset_kind(value) -> str:
    if isinstance(value, datetime):
        return DATETIME
    if isinstance(value, date):
        return DATE
    if isinstance(value, bool):
        return TEXT
    if isinstance(value, int):
        return INT
    if isinstance(value, Decimal | float):
        return MONEY
    return TEXT


class SafeCSV(base_formats.CSV):
    """django-import-export's CSV for the admin's own export buttons, written the way
    the exports above are (neutralised text cells, BOM, the language's separator)."""

    def export_data(self, dataset, **kwargs):
        import io

        delimiter = default_delimiter()
        out = io.StringIO()
        out.write("\ufeff")
        writer = csv.writer(out, delimiter=delimiter)
        writer.writerow(dataset.headers)
        for row in dataset:
            writer.writerow([_csv_value(v, _dataset_kind(v), delimiter) for v in row])
        return out.getvalue()


class SafeXLSX(base_formats.XLSX):
    """django-import-export's XLSX with text cells as text (never a formula) and numbers
    and dates typed."""

    def export_data(self, dataset, **kwargs):
        import io
        import tempfile

        headers = dataset.headers
        with tempfile.NamedTemporaryFile(suffix=".xlsx") as handle:
            write_xlsx(
                [Column(name, "auto") for name in headers],
                (dict(zip(headers, row, strict=True)) for row in dataset),
                handle.name,
                title=dataset.title or "export",
            )
            return io.BytesIO(Path(handle.name).read_bytes()).getvalue()
