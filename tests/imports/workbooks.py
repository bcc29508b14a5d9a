"""Workbooks as other programs write them, generated with openpyxl (and, where openpyxl
cannot say it, by editing the saved XML: cached formula values, a far formatted cell)."""

import io
import re
import zipfile
from pathlib import Path

from openpyxl import Workbook

CASES = Path(__file__).parent / "cases"


def case(name: str) -> bytes:
    return (CASES / name).read_bytes()


def xlsx(rows, *, build=None) -> bytes:
    """A one-sheet workbook of `rows`; `build(book, sheet)` may change it before saving."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Members"
    for row in rows:
        sheet.append(row)
    if build:
        build(book, sheet)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def edit_part(data: bytes, part: str, edit) -> bytes:
    """The workbook with its zip member `part` replaced by `edit(text)`."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == part:
                content = edit(content.decode("utf-8")).encode("utf-8")
            target.writestr(item, content)
    return out.getvalue()


def cache_formula_values(data: bytes, values: dict[str, str], kind: str = "str") -> bytes:
    """Give formula cells (by coordinate) the cached result Excel saves with them (`kind`
    "str" for a text result, "e" for an error such as #N/A)."""

    def edit(xml: str) -> str:
        for coordinate, value in values.items():
            cell = rf'(<c r="{coordinate}"[^>]*?)(?: t="\w+")?>(<f>.*?</f>)'
            xml = re.sub(
                cell + r"(?:<v>.*?</v>|<v\s*/>)?</c>",
                lambda m, v=value: f'{m[1]} t="{kind}">{m[2]}<v>{v}</v></c>',
                xml,
            )
        return xml

    return edit_part(data, "xl/worksheets/sheet1.xml", edit)


def hide_every_sheet(data: bytes) -> bytes:
    """Mark every sheet hidden in workbook.xml (openpyxl refuses to save that)."""
    return edit_part(
        data, "xl/workbook.xml", lambda xml: xml.replace('state="visible"', 'state="veryHidden"')
    )


def far_formatted_cell(data: bytes, coordinate: str) -> bytes:
    """One formatted empty cell at `coordinate` (e.g. XFD1048576), and the declared range
    stretched to it: what formatting a whole column or row leaves behind."""
    row = int(re.sub(r"\D", "", coordinate))

    def edit(xml: str) -> str:
        xml = re.sub(r'<dimension ref="[^"]*"', f'<dimension ref="A1:{coordinate}"', xml)
        return xml.replace(
            "</sheetData>", f'<row r="{row}"><c r="{coordinate}" s="0"/></row></sheetData>'
        )

    return edit_part(data, "xl/worksheets/sheet1.xml", edit)


def zip_bomb(path: Path, megabytes: int, *, row: str | None = None) -> Path:
    """A small workbook whose sheet unpacks to `megabytes` MB of rows: a valid XLSX in
    every other respect (written in chunks, so the test never holds it in memory)."""
    template = zipfile.ZipFile(io.BytesIO(xlsx([["first_name"], ["Ann"]])))
    row = row or "<row>" + '<c t="inlineStr"><is><t>Ann</t></is></c>' * 20 + "</row>"
    chunk = (row * (1_048_576 // len(row) + 1))[:1_048_576]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bomb:
        for item in template.infolist():
            if item.filename != "xl/worksheets/sheet1.xml":
                bomb.writestr(item, template.read(item.filename))
                continue
            with bomb.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
                sheet.write(
                    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
                    b'main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>first_name'
                    b"</t></is></c></row>"
                )
                for _ in range(megabytes):
                    sheet.write(chunk.encode())
                sheet.write(b"</sheetData></worksheet>")
    return path
