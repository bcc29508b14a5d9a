"""Read an XLSX workbook the way the person who made it sees it, within bounded time and
memory.

- The zip's members are measured before anything is parsed: a workbook that unpacks to
  more than IMPORT_MAX_UNZIPPED_BYTES, or any part of which expands more than ZIP_RATIO
  times (a zip bomb), is refused at once.
- The sheet read is the one Excel opens on (the active sheet), never a hidden one.
- Only rows present in the file are parsed, and cells are kept sparse: a sheet whose
  declared range reaches row 1 048 576 or column XFD because of one formatted empty cell
  costs what its few real rows cost.
- A merged cell's value applies to every cell of its range; a formula is read by the
  value Excel saved with it, and a formula saved without one (files written by other
  programs) or an error value is reported by cell.
- Numbers keep the digits the person sees (a "00000" number format pads them) and are
  marked, so keys Excel turned into numbers can be questioned (keys.py).

openpyxl does the XML: its streaming worksheet parser (the one its read-only mode uses)
is driven directly, to skip the empty rows read-only mode would invent for a huge
declared range and to see formulas and values at once. openpyxl is pinned for that.
"""

import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.styles.numbers import BUILTIN_FORMATS_MAX_SIZE, builtin_format_code
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.worksheet._reader import FORMULA_TAG, VALUE_TAG, WorkSheetParser

from .errors import ImportFileError
from .limits import CheckTimedOut, Watch, check_row_count, size_text

# Apache POI's default (minimum inflate ratio 0.01): real sheets compress 5-20 times,
# zip bombs hundreds or thousands of times.
ZIP_RATIO = 100
SMALL_PART = 1024 * 1024  # parts smaller than this are never a bomb, whatever their ratio
MAX_COLUMNS = 64  # no import has this many columns; cells further right are not read
EXCEL_DIGITS = 15  # Excel keeps 15 significant digits of a number


class FromNumber(str):
    """A cell Excel stores as a number, as the digits it shows (`123`, `00123` under a
    "00000" format, `1500.5`). `lossy`: more digits than Excel keeps, so some are lost."""

    lossy = False


class CellProblem:
    """A cell whose value cannot be trusted: a formula saved without its result, or an
    error value such as #N/A. `message` names the cell."""

    def __init__(self, message: str):
        self.message = message

    def __str__(self):
        return self.message


@dataclass
class Sheet:
    """The rows of the sheet read: (row number, {column number: value}) for rows with a
    value; `name` is the sheet's title and `others` the other sheets' titles."""

    name: str
    others: list[str] = field(default_factory=list)
    rows: list[tuple[int, dict[int, object]]] = field(default_factory=list)


def check_archive(data: bytes) -> None:
    """Refuse a workbook that unpacks too large or too steeply, before parsing any of it."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ImportFileError(
            _("The workbook is damaged (not a valid .xlsx): open it in Excel and save again.")
        ) from None
    total = 0
    for part in archive.infolist():
        total += part.file_size
        steep = part.file_size > SMALL_PART and part.file_size > ZIP_RATIO * max(
            part.compress_size, 1
        )
        if steep or total > settings.IMPORT_MAX_UNZIPPED_BYTES:
            raise ImportFileError(
                _(
                    "The workbook was refused as unsafe: it unpacks to %(size)s or more from "
                    "%(packed)s, far beyond any spreadsheet of members or payments (the "
                    "limit is %(limit)s, at most %(ratio)s times its size). Open it in Excel "
                    "and check what it holds, or save the table as CSV."
                )
                % {
                    "size": size_text(total),
                    "packed": size_text(len(data)),
                    "limit": size_text(settings.IMPORT_MAX_UNZIPPED_BYTES),
                    "ratio": ZIP_RATIO,
                }
            )


class _SheetParser(WorkSheetParser):
    """openpyxl's streaming parser, reading cached values (data_only) while still seeing
    formulas that have none, and keeping no per-row formatting (a million formatted
    rows would otherwise be a million dicts)."""

    def parse_cell(self, element):
        cell = super().parse_cell(element)
        if cell["value"] is None and element.find(FORMULA_TAG) is not None:
            # Excel saves a formula's result in <v>, an empty text result as an empty
            # <v> of type "str"; a missing or empty <v> otherwise means no result saved.
            saved = element.find(VALUE_TAG)
            if saved is None or (not saved.text and element.get("t") != "str"):
                cell["data_type"] = "uncached"
        return cell

    def parse_row(self, row):
        number = row.get("r")
        self.row_counter = int(float(number)) if number else self.row_counter + 1
        self.col_counter = 0
        return self.row_counter, [self.parse_cell(el) for el in row]


def _zero_padded_styles(book) -> dict[int, int]:
    """Style index -> width, for number formats made of zeros only ("00000")."""
    padded = {}
    for index, style in enumerate(getattr(book, "_cell_styles", [])):
        number_format = style.numFmtId
        if number_format >= BUILTIN_FORMATS_MAX_SIZE:
            code = book._number_formats[number_format - BUILTIN_FORMATS_MAX_SIZE]
        else:
            code = builtin_format_code(number_format) or ""
        if re.fullmatch(r"0+", code):
            padded[index] = len(code)
    return padded


def _number_text(value, width: int = 0) -> FromNumber:
    if isinstance(value, float) and value.is_integer() and abs(value) < 10**EXCEL_DIGITS:
        value = int(value)
    if isinstance(value, int):
        text = FromNumber(str(value).zfill(width) if value >= 0 else str(value))
        text.lossy = len(str(abs(value))) > EXCEL_DIGITS
        return text
    text = FromNumber(format(Decimal(repr(value)), "f"))
    text.lossy = abs(value) >= 10**EXCEL_DIGITS
    return text


def _value(cell: dict, padded: dict[int, int]):
    value, kind = cell["value"], cell["data_type"]
    where = f"{get_column_letter(cell['column'])}{cell['row']}"
    if kind == "uncached":
        return CellProblem(
            _(
                "Cell %(cell)s holds a formula saved without its result (programs that write "
                "files often do this). Open the file in Excel and save it, or copy the "
                "column and paste it as values."
            )
            % {"cell": where}
        )
    if kind == "e":
        return CellProblem(
            _("Cell %(cell)s shows the error %(value)s: correct it in the file.")
            % {"cell": where, "value": value}
        )
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _number_text(value, padded.get(cell["style_id"], 0))
    if isinstance(value, datetime):
        return value.date() if value.time() == datetime.min.time() else value
    if isinstance(value, date):
        return value
    return str(value)


def _pick_sheet(book):
    """The active sheet when it is a visible worksheet, else the first visible one."""
    worksheets = [ws for ws in book.worksheets if ws.sheet_state == "visible"]
    if not worksheets:
        raise ImportFileError(_("Every sheet of this workbook is hidden: show one in Excel."))
    active = book.active
    return active if active in worksheets else worksheets[0]


def _title(ws) -> str:
    if ws.sheet_state == "visible":
        return ws.title
    return _("%(name)s (hidden)") % {"name": ws.title}


def _apply_merges(rows: dict[int, dict], merges) -> None:
    """Every cell of a merged range takes the value of its top-left cell (what Excel
    shows across the range), within the rows and columns that hold data."""
    if not merges or not rows:
        return
    last_row = max(rows)
    for merged in merges.mergeCell:
        min_col, min_row, max_col, max_row = range_boundaries(merged.ref)
        value = rows.get(min_row, {}).get(min_col)
        if value is None:
            continue
        for line in range(min_row, min(max_row, last_row) + 1):
            cells = rows.setdefault(line, {})
            for column in range(min_col, min(max_col, MAX_COLUMNS) + 1):
                cells.setdefault(column, value)


def read_workbook(data: bytes, watch: Watch | None = None) -> Sheet:
    """The sheet a person sees when opening the workbook (see the module's notes).

    Raises ImportFileError for an unsafe, damaged or fully hidden workbook, or one with
    more than IMPORT_MAX_ROWS rows of data; CheckTimedOut when `watch` runs out."""
    watch = watch or Watch()
    check_archive(data)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on damaged files
        raise ImportFileError(
            _("The workbook cannot be read (%(error)s): open it in Excel and save it again.")
            % {"error": exc}
        ) from exc
    try:
        sheet = _pick_sheet(book)
        result = Sheet(name=sheet.title, others=[_title(ws) for ws in book.worksheets])
        result.others.remove(_title(sheet))
        padded = _zero_padded_styles(book)
        rows: dict[int, dict] = {}
        # The archive and the sheet's part are what ReadOnlyWorksheet itself reads from.
        with book._archive.open(sheet._worksheet_path) as source:
            parser = _SheetParser(
                source,
                sheet._shared_strings,
                data_only=True,
                epoch=book.epoch,
                date_formats=book._date_formats,
                timedelta_formats=book._timedelta_formats,
            )
            for count, (line, cells) in enumerate(parser.parse()):
                if count % 256 == 0:
                    watch(len(rows))
                values = {}
                for cell in cells:
                    if cell["column"] > MAX_COLUMNS:
                        continue
                    if cell["value"] in (None, "") and cell["data_type"] != "uncached":
                        continue
                    values[cell["column"]] = _value(cell, padded)
                if values:
                    rows[line] = values
                    if len(rows) % 4096 == 0:
                        check_row_count(len(rows))
            _apply_merges(rows, parser.merged_cells)
    except (ImportFileError, CheckTimedOut):
        raise
    except Exception as exc:  # broken XML, or an entity bomb stopped by the parser
        raise ImportFileError(
            _("The workbook cannot be read (%(error)s): open it in Excel and save it again.")
            % {"error": exc}
        ) from exc
    finally:
        book.close()
    check_row_count(len(rows))
    result.rows = sorted(rows.items())
    return result
