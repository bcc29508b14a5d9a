"""Text tables as staff and other programs save them: UTF-8 (with or without BOM),
UTF-16 (Excel's "Unicode text": BOM, tab-separated) or Windows-1251; comma, semicolon or
tab separated. Anything that is not a text table is refused with what to save it as."""

import csv
import io
import re
import zipfile
from collections.abc import Iterator

from django.utils.translation import gettext as _

from .errors import ImportFileError

# Control characters never found in a text table (tab, line feed and carriage return are).
_CONTROL = {chr(c) for c in range(32)} - {"\t", "\n", "\r"}
_SEPARATORS = ("\t", ";", ",")


def file_kind(data: bytes) -> str:
    """ "xlsx" or "text" from the first bytes, whatever the file's name says; anything
    else raises ImportFileError saying what the file is and what to save it as."""
    head = data[:2048]
    if head.startswith(b"PK\x03\x04"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except zipfile.BadZipFile:
            names = set()
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "content.xml" in names:
            raise ImportFileError(
                _(
                    "This is an OpenDocument spreadsheet (.ods). Open it and save it as "
                    "“Excel Workbook (.xlsx)” or as “CSV UTF-8”, then upload that file."
                )
            )
        raise ImportFileError(
            _("This is a zip archive, not a spreadsheet: upload an .xlsx or .csv file.")
        )
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise ImportFileError(
            _(
                "This is an Excel 97–2003 workbook (.xls) or a password-protected one. Open "
                "it in Excel and save it as “Excel Workbook (.xlsx)” without a password, or "
                "as “CSV UTF-8”, then upload that file."
            )
        )
    if head.startswith(b"%PDF"):
        raise ImportFileError(
            _(
                "This is a PDF, not a spreadsheet: export the table from the programme that "
                "made it as XLSX or CSV."
            )
        )
    lowered = head.lstrip(b"\xef\xbb\xbf \r\n\t").lower()
    if lowered.startswith((b"<!doctype html", b"<html", b"<table", b"<?xml")):
        raise ImportFileError(
            _(
                "This is a web page or an XML file saved with a spreadsheet's name. Open it "
                "in Excel and save it as “Excel Workbook (.xlsx)” or “CSV UTF-8”."
            )
        )
    return "text"


def _utf16_without_bom(sample: bytes) -> str | None:
    """UTF-16 text without a byte-order mark: zero bytes on one side of each pair."""
    pairs = len(sample) // 2
    if pairs < 4:
        return None
    even = sum(1 for i in range(0, pairs * 2, 2) if sample[i] == 0)
    odd = sum(1 for i in range(1, pairs * 2, 2) if sample[i] == 0)
    if odd > pairs * 0.3 and even < pairs * 0.05:
        return "utf-16-le"
    if even > pairs * 0.3 and odd < pairs * 0.05:
        return "utf-16-be"
    return None


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding name) of a text table. Raises ImportFileError for other files."""
    if data.startswith(b"\xef\xbb\xbf"):
        encoding, data = "utf-8", data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"  # the BOM says which byte order
    elif b"\x00" in data[:4096]:
        encoding = _utf16_without_bom(data[:4096])
        if encoding is None:
            raise _not_text()
    else:
        encoding = "utf-8"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        if encoding != "utf-8":
            raise _not_text() from None
        _refuse_damaged_utf8(data, exc.start)
        try:
            text, encoding = data.decode("cp1251"), "windows-1251"
        except UnicodeDecodeError:
            raise _not_text() from None
    if any(c in _CONTROL for c in text[:65536]):
        raise _not_text()
    return text, encoding


_UTF8_CYRILLIC = re.compile(rb"[\xd0\xd1][\x80-\xbf]")
_HIGH_BYTE = re.compile(rb"[\x80-\xff]")


def _refuse_damaged_utf8(data: bytes, bad: int) -> None:
    """A file that is UTF-8 but for a few bytes (two files pasted together, a cell typed
    in another programme) would read as Windows-1251 mojibake everywhere: refuse it,
    naming the row. Windows-1251 text rarely makes valid UTF-8 pairs at all."""
    sample = data[:262144]
    pairs = len(_UTF8_CYRILLIC.findall(sample))
    if pairs >= 8 and pairs * 2 >= len(_HIGH_BYTE.findall(sample)) * 0.8:
        row = data.count(b"\n", 0, bad) + 1
        raise ImportFileError(
            _(
                "The file is in UTF-8 except for row %(row)s, which holds characters in "
                "another encoding: the file mixes encodings. Correct that row, or open the "
                "file in Excel and save it again as “CSV UTF-8”."
            )
            % {"row": row}
        )


def _not_text() -> ImportFileError:
    return ImportFileError(
        _(
            "This file is neither a text table (CSV) nor an Excel workbook. In Excel, save it "
            "as “Excel Workbook (.xlsx)” or “CSV UTF-8 (comma delimited)”."
        )
    )


def _count_outside_quotes(line: str, char: str) -> int:
    count, quoted = 0, False
    for c in line:
        if c == '"':
            quoted = not quoted
        elif c == char and not quoted:
            count += 1
    return count


def separator(text: str) -> str:
    """The separator of the header line: the most frequent of tab, `;` and `,`."""
    for line in text.splitlines():
        if line.strip():
            counts = {sep: _count_outside_quotes(line, sep) for sep in _SEPARATORS}
            best = max(_SEPARATORS, key=lambda sep: counts[sep])  # ties: tab, then ;
            return best if counts[best] else ","
    return ","


class Unreadable:
    """A record the csv module refused: the column it most likely concerns (an index)
    and what is wrong."""

    def __init__(self, column: int, message: str):
        self.column, self.message = column, message


class _Lines:
    """Feeds the csv reader line by line and keeps the last line it took, so that a
    record the csv module refuses can still be reported by its column."""

    def __init__(self, text: str):
        self._lines = iter(io.StringIO(text, newline=""))
        self.last = ""

    def __iter__(self):
        return self

    def __next__(self) -> str:
        self.last = next(self._lines)
        return self.last


def records(text: str, sep: str) -> Iterator[tuple[int, list | Unreadable]]:
    """(row number, cells) of each record. A record the csv module cannot read (a cell
    over its field limit) comes as Unreadable, so the rows after it keep their numbers
    and the check reports it as a row error instead of failing."""
    lines = _Lines(text)
    reader = csv.reader(lines, delimiter=sep)
    number = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            number += 1
            pieces = lines.last.split(sep)
            longest = max(range(len(pieces)), key=lambda i: len(pieces[i]))
            limit = f"{csv.field_size_limit():,}".replace(",", " ")
            yield (
                number,
                Unreadable(
                    longest,
                    _("A cell is longer than the %(limit)s characters a cell may hold (%(error)s).")
                    % {"limit": limit, "error": exc},
                ),
            )
            continue
        number += 1
        yield number, cells
