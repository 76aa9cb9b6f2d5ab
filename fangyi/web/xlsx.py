"""Excel downloads: one sheet, a bold header row, a filename in Chinese if need be."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from io import BytesIO
from urllib.parse import quote

from fastapi.responses import Response
from openpyxl import Workbook
from openpyxl.styles import Font

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook_bytes(title: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    # write_only keeps memory flat for a township's worth of rows.
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31])
    sheet.append([_bold(book, name) for name in header])
    for row in rows:
        sheet.append([inert(value) for value in row])
    out = BytesIO()
    book.save(out)
    return out.getvalue()


# A cell starting with one of these is a formula to Excel; names and addresses come from
# imported files, so one user's file could plant a live formula in another user's export.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert(value: object) -> object:
    """The value as a cell may hold it: text that Excel would read as a formula, quoted."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _bold(book: Workbook, value: str) -> object:
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(book.worksheets[0], value=value)
    cell.font = Font(bold=True)
    return cell


def attachment(content: bytes, filename: str, media_type: str = XLSX) -> Response:
    # RFC 6266/5987: an ASCII fallback, and the real (often Chinese) name in UTF-8.
    fallback = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "")
    disposition = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
    return Response(content, media_type=media_type, headers={"Content-Disposition": disposition})
