"""Open the files staff actually have: CSV in UTF-8 (with or without BOM) or Windows-1251,
comma or semicolon delimited, or XLSX; headers in English or Russian."""

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from django.utils.translation import gettext as _

from .errors import ImportFileError

# Russian and alternative spellings of each column, lower-cased, spaces collapsed.
MEMBER_ALIASES = {
    "external_id": [
        "external id", "id", "номер", "номер клиента", "номер карты", "номер участника",
        "клубный номер", "№",
    ],
    "username": ["login", "логин", "имя пользователя"],
    "first_name": ["first name", "имя"],
    "last_name": ["last name", "surname", "фамилия"],
    "middle_name": ["middle name", "patronymic", "отчество"],
    "email": ["e-mail", "mail", "почта", "эл. почта", "электронная почта"],
    "phone": ["telephone", "mobile", "телефон", "тел.", "мобильный"],
    "birth_date": ["birth date", "birthday", "date of birth", "дата рождения", "день рождения"],
    "address": ["адрес"],
    "joined_on": ["joined", "joined on", "дата вступления", "дата регистрации", "вступил"],
    "sponsor": ["referrer", "invited by", "пригласил", "спонсор", "рекомендатель"],
}  # fmt: skip
PAYMENT_ALIASES = {
    "member": ["участник", "член клуба", "клиент"],
    "month": ["period", "месяц", "период"],
    "amount": ["sum", "сумма", "оплата"],
    "paid": ["оплачено", "оплачен"],
}


@dataclass
class Table:
    """The rows of a file as dicts of canonical column -> stripped text (or a date from
    XLSX). `line` is the row number a spreadsheet shows (the header is row 1)."""

    columns: list[str]
    rows: list[tuple[int, dict]] = field(default_factory=list)


def _norm_header(text) -> str:
    return " ".join(str(text or "").replace("\ufeff", "").replace("_", " ").split()).lower()


def _header_map(aliases: dict[str, list[str]]) -> dict[str, str]:
    mapping = {}
    for column, names in aliases.items():
        mapping[_norm_header(column)] = column
        for name in names:
            mapping[_norm_header(name)] = column
    return mapping


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1251")


def _csv_records(data: bytes):
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    if "\t" in first_line and first_line.count("\t") > first_line.count(delimiter):
        delimiter = "\t"
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def _xlsx_records(data: bytes):
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    sheet = book.worksheets[0]
    for values in sheet.iter_rows(values_only=True):
        yield [_cell(v) for v in values]
    book.close()


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date() if (value.hour, value.minute, value.second) == (0, 0, 0) else value
    if isinstance(value, date):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_table(data: bytes, name: str, aliases: dict[str, list[str]], required: set[str]) -> Table:
    """Parse `data` (the file's bytes; `name` gives the format by extension).

    Raises ImportFileError when the file cannot be read or misses a required column.
    """
    suffix = Path(name).suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            records = _xlsx_records(data)
        elif suffix in (".csv", ".txt", ""):
            records = _csv_records(data)
        else:
            raise ImportFileError(
                _("%(name)s: unsupported file type; use .csv or .xlsx.") % {"name": name}
            )
        records = iter(records)
        header = next(records, None)
    except ImportFileError:
        raise
    except Exception as exc:  # openpyxl and csv raise many kinds on broken files
        raise ImportFileError(
            _("%(name)s cannot be read: %(error)s") % {"name": name, "error": exc}
        ) from exc
    if header is None:
        raise ImportFileError(_("%(name)s is empty.") % {"name": name})
    mapping = _header_map(aliases)
    columns: list[str | None] = []
    unknown = []
    for title in header:
        key = mapping.get(_norm_header(title))
        if key is None and _norm_header(title):
            unknown.append(str(title).strip())
        columns.append(key if key not in columns else None)
    missing = sorted(required - set(c for c in columns if c))
    if missing:
        raise ImportFileError(
            _("Row 1: missing column(s) %(missing)s. Columns found: %(found)s.")
            % {"missing": ", ".join(missing), "found": ", ".join(map(str, header)) or "—"}
        )
    table = Table(columns=[c for c in columns if c])
    for line, values in enumerate(records, start=2):
        row = {}
        for key, value in zip(columns, values, strict=False):
            if key is None:
                continue
            row[key] = value.strip() if isinstance(value, str) else value
        if any(v not in ("", None) for v in row.values()):
            table.rows.append((line, row))
    return table
