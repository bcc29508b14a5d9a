"""Open the files staff actually have and turn them into rows of canonical columns:
CSV and other text tables (textfile.py: UTF-8, UTF-16 or Windows-1251; comma, semicolon or
tab) or XLSX workbooks (workbook.py); headers in English or Russian. What a file is comes
from its content, not its name."""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import textfile
from .errors import ImportFileError, RowError
from .formulas import restore
from .limits import Watch, check_row_count
from .workbook import CellProblem, read_workbook

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
    # A club switching from another programme (DESIGN.md, "Interfaces").
    "opening_balance": [
        "opening balance", "balance", "начальный баланс", "входящий остаток", "остаток",
        "баланс", "накоплено",
    ],
    "referral_code": ["referral code", "code", "реферальный код", "код приглашения", "код"],
}  # fmt: skip
PAYMENT_ALIASES = {
    "member": ["участник", "член клуба", "клиент"],
    "month": ["period", "месяц", "период"],
    "amount": ["sum", "сумма", "оплата"],
    "paid": ["оплачено", "оплачен"],
}

# What the preview calls each column.
COLUMN_LABELS = {
    "external_id": gettext_lazy("club number"),
    "username": gettext_lazy("login"),
    "first_name": gettext_lazy("first name"),
    "last_name": gettext_lazy("last name"),
    "middle_name": gettext_lazy("middle name"),
    "email": gettext_lazy("email"),
    "phone": gettext_lazy("phone"),
    "birth_date": gettext_lazy("birth date"),
    "address": gettext_lazy("address"),
    "joined_on": gettext_lazy("joined on"),
    "sponsor": gettext_lazy("sponsor"),
    "opening_balance": gettext_lazy("opening balance"),
    "referral_code": gettext_lazy("referral code"),
    "member": gettext_lazy("member"),
    "month": gettext_lazy("month"),
    "amount": gettext_lazy("amount"),
    "paid": gettext_lazy("paid"),
}


@dataclass
class Table:
    """The rows of a file as dicts of canonical column -> stripped text (or a date from
    XLSX). `line` is the row number a spreadsheet shows (the header is row 1 unless rows
    above it are empty). `errors` are cells that could not be read; `source` says what
    was read (format, sheet and the workbook's other sheets, or encoding and separator)."""

    columns: list[str]
    rows: list[tuple[int, dict]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    source: dict = field(default_factory=dict)
    unreadable: list[int] = field(default_factory=list)  # rows with no cell readable


HEADER_SEARCH_ROWS = 20  # how far down a table's header may start


def _norm_header(text) -> str:
    if isinstance(text, CellProblem):
        return ""
    return " ".join(str(text or "").replace("\ufeff", "").replace("_", " ").split()).lower()


def _header_map(aliases: dict[str, list[str]]) -> dict[str, str]:
    mapping = {}
    for column, names in aliases.items():
        mapping[_norm_header(column)] = column
        for name in names:
            mapping[_norm_header(name)] = column
    return mapping


def _records(data: bytes, watch: Watch) -> tuple[dict, object]:
    """(source description, iterator of (row number, cells or Unreadable))."""
    if textfile.file_kind(data) == "xlsx":
        sheet = read_workbook(data, watch)
        source = {"format": "xlsx", "sheet": sheet.name, "other_sheets": sheet.others}

        def dense():
            for line, cells in sheet.rows:
                yield line, [cells.get(c, "") for c in range(1, max(cells) + 1)]

        return source, dense()
    text, encoding = textfile.decode(data)
    sep = textfile.separator(text)
    source = {"format": "csv", "encoding": encoding, "separator": sep}
    return source, textfile.records(text, sep)


def _cell(value, text_file: bool):
    """A cell's value, stripped; in a text file, undoing the apostrophe CSV exports put
    before formula-like cells (formulas.py). XLSX exports write such cells as text."""
    if type(value) is str:
        value = value.strip()
        return restore(value) if text_file else value
    return "" if value is None else value


def read_table(
    data: bytes,
    name: str,
    aliases: dict[str, list[str]],
    required: set[str],
    *,
    watch: Watch | None = None,
) -> Table:
    """Parse `data` (a file's bytes; `name` is only used in messages).

    Raises ImportFileError when the file cannot be read, is not a table, breaks a size
    limit or misses a required column; CheckTimedOut when `watch` runs out of time.
    Cells that cannot be read are RowErrors in `Table.errors`, never silently empty.
    """
    watch = watch or Watch()
    source, records = _records(data, watch)
    mapping = _header_map(aliases)

    def columns_of(cells) -> list[str | None]:
        columns: list[str | None] = []
        for title in cells:
            key = mapping.get(_norm_header(title))
            columns.append(key if key not in columns else None)
        return columns

    # The header is the first row naming the required columns: a title or a note above
    # the table (often merged across it) is skipped, as a person reading it would.
    first = header = None
    for line, cells in records:
        if isinstance(cells, textfile.Unreadable):
            raise ImportFileError(
                _("Row %(row)s: the column names cannot be read: %(error)s")
                % {"row": line, "error": cells.message}
            )
        if not any(_norm_header(c) for c in cells):
            continue
        first = first or (line, cells)
        if required <= set(columns_of(cells)):
            header_line, header = line, cells
            break
        if line - first[0] >= HEADER_SEARCH_ROWS:
            break
    if first is None:
        raise ImportFileError(_("%(name)s is empty.") % {"name": name})
    if header is None:
        header_line, header = first
        missing = sorted(required - set(columns_of(header)))
        found = ", ".join(str(t).strip() for t in header if _norm_header(t)) or "—"
        raise ImportFileError(
            _("Row %(row)s: missing column(s) %(missing)s. Columns found: %(found)s.")
            % {"row": header_line, "missing": ", ".join(missing), "found": found}
        )
    columns = columns_of(header)
    text_file = source["format"] == "csv"
    table = Table(columns=[c for c in columns if c], source=source)

    def column_name(index: int) -> str:
        if index < len(columns) and columns[index]:
            return columns[index]
        title = str(header[index]).strip() if index < len(header) else ""
        return title or _("column %(number)s") % {"number": index + 1}

    for count, (line, cells) in enumerate(records):
        if count % 256 == 0:
            watch(len(table.rows))
        if isinstance(cells, textfile.Unreadable):
            table.errors.append(RowError(line, column_name(cells.column), cells.message))
            table.unreadable.append(line)
            continue
        row = {}
        for index, (key, value) in enumerate(zip(columns, cells, strict=False)):
            if key is None:
                continue
            if isinstance(value, CellProblem):
                table.errors.append(RowError(line, column_name(index), value.message))
                value = ""
            row[key] = _cell(value, text_file)
        if any(v not in ("", None) for v in row.values()) or any(
            e.row == line for e in table.errors[-1:]
        ):
            table.rows.append((line, row))
            if len(table.rows) % 4096 == 0:
                check_row_count(len(table.rows))
    check_row_count(len(table.rows))
    return table
