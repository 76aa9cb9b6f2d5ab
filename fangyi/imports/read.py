"""Reading an import file as rows of text, streamed: CSV (UTF-8, UTF-8 with BOM,
GB18030/GBK) or .xlsx (first sheet).

The reader finds the header among the first rows (a title row above it, as
Excel users like to add, is skipped and said), maps the kind's columns by name
in any order, and yields each row as a list of cell texts aligned to the kind's
columns, with the line a person sees: the physical line of a CSV (the header is
line 1 when it is the first line) or the row number of a sheet.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import hashlib
import io
import os
import re
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from operator import itemgetter
from typing import IO, Any

CHUNK = 1 << 20
HEADER_SEARCH = 10  # rows looked at for the header
BOM = codecs.BOM_UTF8
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls

Values = Sequence[str | None]  # a row's cells in the kind's column order; "" or None when empty


@dataclass(frozen=True)
class Refused:
    """A row the reader itself refuses: why, for the report, and the column at fault when one is."""

    reason: str
    column: str | None = None


# The one rule for text (fangyi.web.guard): a cell may hold no control character.
CONTROL_IN_ROW = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def _control(columns: tuple[str, ...], values: Values) -> Refused | None:
    """A row with a control character in a cell, refused naming its column; None for a clean row
    (one search over the joined row: the hot loop of a million-row file pays little for it)."""
    if CONTROL_IN_ROW.search("\t".join(value or "" for value in values)) is None:
        return None
    for column, value in zip(columns, values, strict=False):
        if value and CONTROL_IN_ROW.search(value):
            return Refused("the cell holds a control character", column)
    return None


class Unreadable(Exception):
    """The file cannot be read as a table at all; the reason is for the person who sent it."""


@dataclass
class Scan:
    """What one pass over the bytes tells: the checksum, the size, and the text encoding."""

    sha256: str
    size: int
    encoding: str  # utf-8 | utf-8-sig | gb18030
    binary: bool  # NUL bytes: not a text file
    head: bytes


def scan(fh: IO[bytes]) -> Scan:
    """Hash the file and decide its encoding in one streamed pass, then rewind.

    The whole file is checked as UTF-8 (not only a sample), so that a file whose
    first megabyte is plain ASCII and whose names further down are GBK is still
    read as GBK.
    """
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    utf8 = True
    size = 0
    head = b""
    binary = False
    while chunk := fh.read(CHUNK):
        if not head:
            head = chunk[:4096]
        # A text file never holds NUL, and PostgreSQL cannot store it: anywhere in the file it means binary.
        binary = binary or b"\x00" in chunk
        digest.update(chunk)
        size += len(chunk)
        if utf8:
            try:
                decoder.decode(chunk, final=False)
            except UnicodeDecodeError:
                utf8 = False
    if utf8:
        try:
            decoder.decode(b"", final=True)  # a multibyte character cut by the end of the file
        except UnicodeDecodeError:
            utf8 = False
    fh.seek(0)
    encoding = "utf-8-sig" if head.startswith(BOM) else "utf-8" if utf8 else "gb18030"
    return Scan(digest.hexdigest(), size, encoding, binary, head)


@dataclass
class Table:
    columns: tuple[str, ...]
    rows: Iterator[tuple[int, Values | Refused]]
    position: Callable[[], int]  # bytes of the file consumed so far, for progress
    present: frozenset[str]  # the known columns the header has
    ignored: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def open_table(
    fh: IO[bytes], filename: str, info: Scan, required: tuple[str, ...], optional: tuple[str, ...]
) -> Table:
    """Open the file as a table of the kind's columns; raise Unreadable with the reason."""
    head = info.head
    name = filename.lower()
    if head.startswith(ZIP_MAGIC) or name.endswith((".xlsx", ".xlsm")):
        if not head.startswith(ZIP_MAGIC):
            raise Unreadable(f"{filename} is named like an Excel file but is not one (.xlsx is a zip archive)")
        return _xlsx_table(fh, filename, required, optional)
    if head.startswith(OLE_MAGIC) or name.endswith(".xls"):
        raise Unreadable("old Excel 97–2003 files (.xls) cannot be read: save the sheet as .xlsx or CSV")
    if info.size == 0:
        raise Unreadable(f"{filename} is empty")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise Unreadable(f"{filename} is UTF-16 text (Excel's \"Unicode Text\"): save it as CSV UTF-8 instead")
    if info.binary:
        raise Unreadable(f"{filename} is not a CSV or Excel file (it holds binary data)")
    return _csv_table(fh, filename, info.encoding, required, optional)


def _header_index(
    header: list[str | None], required: tuple[str, ...], optional: tuple[str, ...]
) -> tuple[list[int], list[str]]:
    """Position of each known column (-1 when absent) and the names of ignored columns."""
    names = [_column_name(cell) for cell in header]
    known = required + optional
    where: dict[str, int] = {}
    ignored: list[str] = []
    for i, name in enumerate(names):
        if not name:
            continue  # a blank or merged header cell: nothing to map
        if name in where:
            raise Unreadable(f"column {name} appears twice in the header")
        if name in known:
            where[name] = i
        elif name not in ignored:
            ignored.append(name)
    return [where.get(column, -1) for column in known], ignored


def _present(known: tuple[str, ...], index: list[int]) -> frozenset[str]:
    return frozenset(column for column, where in zip(known, index, strict=True) if where >= 0)


def _column_name(cell: object) -> str:
    return str(cell).strip().lstrip("\ufeff").strip().lower() if cell is not None else ""


def _find_header(
    rows: Iterator[tuple[int, list[Any]]], filename: str, required: tuple[str, ...]
) -> tuple[int, int, list[Any]]:
    """The first row, among the first few, naming every required column: (first line, its line, cells)."""
    best: tuple[int, set[str]] | None = None
    first_line = 0
    for count, (line, cells) in enumerate(rows):
        if not first_line:
            first_line = line
        names = {_column_name(cell) for cell in cells}
        missing = [column for column in required if column not in names]
        if not missing:
            return first_line, line, cells
        if any(names - {""}) and (best is None or len(missing) < len(best[1])):
            best = (line, set(missing))
        if count + 1 >= HEADER_SEARCH:
            break
    if best is None:
        raise Unreadable(f"{filename} has no header row (expected columns: {', '.join(required)})")
    missing_names = [column for column in required if column in best[1]]
    raise Unreadable(
        f"{filename}: required column{'s' if len(missing_names) > 1 else ''} missing: {', '.join(missing_names)} "
        f"(header read on line {best[0]})"
    )


def _aligned(cells: list[Any], index: list[int], convert: Callable[[Any], str | None]) -> Values:
    width = len(cells)
    return [convert(cells[i]) if 0 <= i < width else None for i in index]


def _blank(cells: list[Any]) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells)


def _skipped_note(word: str, first_line: int, header_line: int) -> list[str]:
    if header_line <= first_line:
        return []
    above = f"{word} {first_line}" if header_line - first_line == 1 else f"{word}s {first_line}–{header_line - 1}"
    return [f"{above} above the header (on {word} {header_line}) skipped"]


# --- CSV -----------------------------------------------------------------------


def _csv_table(
    fh: IO[bytes], filename: str, encoding: str, required: tuple[str, ...], optional: tuple[str, ...]
) -> Table:
    text = io.TextIOWrapper(fh, encoding=encoding, errors="strict", newline="")
    # Control characters are looked for line by line as the reader takes them (one search over
    # text already in hand); only a record whose lines held one has its cells searched, to name
    # the column.
    flagged = [0]  # lines read so far that hold a control character

    def lines() -> Iterator[str]:
        search = CONTROL_IN_ROW.search
        for physical in text:
            if search(physical) is not None:
                flagged[0] += 1
            yield physical

    reader = csv.reader(lines())

    def records() -> Iterator[tuple[int, list[str]]]:
        # csv.reader.line_num is the last physical line read: a quoted field may
        # span lines, so a record starts one line after the previous record ended.
        start = 1
        try:
            for cells in reader:
                yield start, cells
                start = reader.line_num + 1
        except UnicodeDecodeError as exc:
            raise Unreadable(
                f"{filename} is neither UTF-8 nor GB18030 text (near line {start}): {exc.reason}"
            ) from None
        except csv.Error as exc:
            raise Unreadable(f"{filename} is not a readable CSV file (line {start}): {exc}") from None
        finally:
            # The caller's stream stays open: closing it is the caller's business.
            with contextlib.suppress(ValueError):  # already closed by the caller
                text.detach()

    source = records()
    first_line, header_line, header = _find_header(
        (item for item in source if not _blank(item[1])), filename, required
    )
    index, ignored = _header_index(header, required, optional)

    # The hot loop of a million-row file: one C-level itemgetter per row. An absent
    # optional column reads the empty cell appended to each row (index -1).
    pick = itemgetter(*[i if i >= 0 else -1 for i in index])
    columns = required + optional
    width = max(index) + 1
    header_width = len(header)

    def rows() -> Iterator[tuple[int, Values | Refused]]:
        checked = flagged[0]
        for line, cells in source:
            first = cells[0] if cells else ""
            if (not first or first.isspace()) and not "".join(cells).strip():
                continue  # a blank line, or a line of empty cells
            # A cell past the header's last column is most often an unquoted comma
            # (in an address): every column after it is shifted, so the row is refused.
            # Trailing empty cells are only a spreadsheet's habit.
            if len(cells) > header_width and "".join(cells[header_width:]).strip():
                yield line, Refused(
                    f"row has {len(cells)} cells, the header has {header_width} (an unquoted comma?)"
                )
                continue
            if len(cells) >= width:
                cells.append("")
                values = pick(cells)
            else:
                values = _aligned(cells, index, _csv_cell)
            if flagged[0] != checked:  # this record's lines (or blank ones before it) held one
                checked = flagged[0]
                yield line, _control(columns, values) or values
            else:
                yield line, values

    notes = _skipped_note("line", first_line, header_line)
    return Table(required + optional, rows(), fh.tell, _present(required + optional, index), ignored, notes)


def _csv_cell(cell: str) -> str | None:
    return cell if cell != "" else None


# --- Excel ---------------------------------------------------------------------


# A workbook is a zip: what it unpacks to is checked before a byte is unpacked. Real sheets
# pack 4-20 to 1; a zip bomb (400 KB of repeated shared strings unpacking to 400 MB, which
# openpyxl would hold in memory whole) packs a thousand to one.
MAX_RATIO = 100
RATIO_FROM = 10 * (1 << 20)  # small parts may pack as tightly as they like


def _unpacked_limit() -> int:
    return int(os.environ.get("FANGYI_MAX_XLSX_UNPACKED_MB", "2048")) << 20


def check_archive(fh: IO[bytes], filename: str) -> None:
    """Refuse a workbook that would unpack to more than the deployment allows, or whose parts
    pack far tighter than any real sheet does."""
    try:
        with zipfile.ZipFile(fh) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise Unreadable(f"{filename} is not a readable Excel (.xlsx) file: {exc}") from None
    finally:
        fh.seek(0)
    total = sum(member.file_size for member in members)
    if total > _unpacked_limit():
        raise Unreadable(f"{filename} unpacks to {total >> 20} MB, more than the "
                         f"{_unpacked_limit() >> 20} MB an import takes: split it, or send it as CSV")
    for member in members:
        ratio = member.file_size // max(member.compress_size, 1)
        if member.file_size > RATIO_FROM and ratio > MAX_RATIO:
            raise Unreadable(f"{filename}: its part {member.filename} unpacks {ratio} times larger than it is "
                             "packed, as no real sheet does; the file is refused")


def _xlsx_table(fh: IO[bytes], filename: str, required: tuple[str, ...], optional: tuple[str, ...]) -> Table:
    import openpyxl  # imported here: a CSV import should not pay for it

    check_archive(fh, filename)
    try:
        book = openpyxl.load_workbook(fh, read_only=True, data_only=True)
        sheet = book.worksheets[0]
        # Some writers record a wrong sheet size; without it every row is read.
        sheet.reset_dimensions()
        cells = sheet.iter_rows(values_only=True)
    except Exception as exc:  # whatever a foreign zip makes openpyxl raise, the file is unreadable
        raise Unreadable(f"{filename} is not a readable Excel (.xlsx) file: {exc}") from None

    def records() -> Iterator[tuple[int, list[Any]]]:
        try:
            for number, row in enumerate(cells, start=1):
                yield number, list(row)
        except Exception as exc:  # a damaged archive fails part-way, with whatever openpyxl raises
            raise Unreadable(f"{filename}: the sheet cannot be read: {exc}") from None
        finally:
            book.close()

    source = records()
    first_line, header_line, header = _find_header(
        (item for item in source if not _blank(item[1])), filename, required
    )
    index, ignored = _header_index(header, required, optional)

    columns = required + optional

    def rows() -> Iterator[tuple[int, Values | Refused]]:
        for line, row in source:
            if _blank(row):
                continue
            values = _aligned(row, index, _xlsx_cell)
            yield line, _control(columns, values) or values

    notes = _skipped_note("row", first_line, header_line)
    return Table(required + optional, rows(), fh.tell, _present(required + optional, index), ignored, notes)


def _xlsx_cell(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        # A date-formatted cell (a birth date) comes as midnight: the bare date, which
        # a date column needs and a time column reads as midnight local alike.
        if value.time() == time(0) and value.tzinfo is None:
            return value.date().isoformat()
        # Excel keeps no offset: the local time of the deployment, as for CSV.
        return value.isoformat(timespec="seconds")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)
