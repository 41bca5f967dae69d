"""Reading questionnaire exports (CSV / XLSX) into a table of strings.

This is the first, format-level step of ingestion: bytes in, a DataFrame of raw
strings out, one row per input record with its spreadsheet row number, plus the
problems found while reading (encoding, ragged rows, title rows above the header).
Interpretation against the instrument happens in :mod:`toolkit.ingest`.

Bad input never escapes as a raw exception: every file gives a :class:`RawExport` or
an :class:`~toolkit.errors.ExportReadError` naming the file.  Text files are decoded
by :mod:`toolkit.ingest._decode` (encodings, binary files, cells of any size, the
delimiter); here:

* **NUL bytes.**  A KoboToolbox / ODK export never contains one, so a cell holding a
  NUL byte is damaged: its answer is set to missing (empty) and an issue names its row
  and column; NUL bytes in the header are removed, with an issue.  (A mostly binary
  file is refused.)
* **Ragged records.**  A record with more or fewer fields than the header (a stray
  delimiter, or a quote never closed, which swallows the rest of the file into one
  record: an issue says so) is quarantined, never guessed at.
* **Workbooks.**  The zip directory of an ``.xlsx`` is checked first: a truncated or
  non-zip file, or one declaring more than 2 GiB uncompressed (a zip bomb), is refused.
  A workbook saved under a CSV name is read as a workbook, with an issue.  Blank rows
  are not materialised (a stray value at ``A1048576`` costs one row, not a million) and a
  sheet whose grid would exceed 16 million cells is refused.
* **Headers.**  A header cell longer than 2,000 characters (an unclosed quote) or a
  header wider than 16,384 columns (Excel's limit) is refused.
"""

from __future__ import annotations

import tempfile
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import compress
from operator import itemgetter
from pathlib import Path

import numpy as np
import pandas as pd

from toolkit.errors import ExportReadError
from toolkit.ingest._decode import (
    MAX_COLUMNS,
    MAX_HEADER_CELL,
    MAX_HEADER_SCAN,
    ReadNote,
    choose_delimiter,
    decode,
    header_cells,
    may_hold_tokens,
    note,
    parse_csv,
)
from toolkit.instrument import WorkbookError, read_workbook

__all__ = ["RawExport", "ReadNote", "read_raw"]

_MAX_UNZIPPED = 2 << 30
_MAX_NUL_NOTES = 200
_ZIP_MAGIC = b"PK\x03\x04"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass
class RawExport:
    """A questionnaire export read as strings.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per well-formed data record; columns are the header cells as written;
        every value is a string (``""`` for an empty cell).  The index holds the
        1-based row number of the record in the file (header = its own row number).
    ragged : pandas.DataFrame
        Records whose number of fields differs from the header's, with columns
        ``row``, ``fields`` and ``text`` (the record re-joined).
    header_row : int
        Row number of the header.
    encoding, delimiter : str
        What was detected (``delimiter`` is ``""`` for spreadsheets).
    notes : list of ReadNote
        Reading problems as issue records (row, column, value, problem, action, rule).
    sheets : list of str
        For workbooks: the sheet names; the first was read.
    tokens : bool
        False when no cell of ``table`` can be one of the "no answer" tokens of
        :data:`~toolkit.ingest._values.MISSING_TOKENS` (a CSV text where none stands
        as a cell); True when one may be.
    other_sheets : dict of str to pandas.DataFrame
        For workbooks: the raw cells of the other sheets (KoboToolbox writes one per
        repeat group), as :func:`~toolkit.instrument.read_workbook` gives them.
    """

    table: pd.DataFrame
    ragged: pd.DataFrame
    header_row: int
    encoding: str
    delimiter: str
    notes: list[ReadNote] = field(default_factory=list)
    sheets: list[str] = field(default_factory=list)
    other_sheets: dict[str, pd.DataFrame] = field(default_factory=dict)
    tokens: bool = True


def read_raw(path: Path, header_score: Callable[[list[str]], int]) -> RawExport:
    """Read a CSV or XLSX export as strings.

    Parameters
    ----------
    path : Path
        The export.
    header_score : callable
        Given a candidate header row (list of cell strings), returns how many cells
        name something the instrument knows; used to find the header below any
        title rows and to choose the CSV delimiter.

    Returns
    -------
    RawExport

    Raises
    ------
    ExportReadError
        If the file does not exist, cannot be read, is empty, binary, a damaged
        workbook, not a table, or no row looks like a header of the instrument's
        questions.
    """
    if not path.exists():
        raise ExportReadError(
            "the export file does not exist.",
            file=path,
            hint="check the path (and the 'exports' list in study.yaml).",
        )
    if not path.is_file():
        raise ExportReadError(
            "the path is a folder, not an export file.",
            file=path,
            hint="give the path of the CSV or XLSX file itself.",
        )
    _read_bytes(path, 4)  # readable at all?
    if path.stat().st_size == 0:
        raise ExportReadError(
            "the file is empty (0 bytes).",
            file=path,
            hint="download the export again from KoboToolbox/ODK Central.",
        )
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm", ".xls"}:
        return _read_workbook(path, header_score, [])
    if suffix in {".csv", ".txt", ".tsv", ""}:
        return _read_csv(path, header_score)
    raise ExportReadError(
        f"'{suffix}' files are not questionnaire exports the toolkit can read.",
        file=path,
        hint="export the data from KoboToolbox or ODK as CSV or XLSX.",
    )


# -- CSV ------------------------------------------------------------------------------
def _read_bytes(path: Path, size: int = -1) -> bytes:
    try:
        with path.open("rb") as fh:
            return fh.read(size)
    except OSError as exc:
        raise ExportReadError(
            f"the file cannot be read ({exc.strerror or type(exc).__name__}).",
            file=path,
            hint="check that the file is not open in another program and that you may read it.",
        ) from exc


def _read_csv(path: Path, header_score: Callable[[list[str]], int]) -> RawExport:
    notes: list[ReadNote] = []
    data = _read_bytes(path)
    if data.startswith((_ZIP_MAGIC, _OLE2_MAGIC)):
        notes.append(note("workbook_named_csv", value=path.name))
        suffix = ".xlsx" if data.startswith(_ZIP_MAGIC) else ".xls"
        with tempfile.TemporaryDirectory(prefix="nsmap-") as tmp:  # readers go by suffix
            copy = Path(tmp) / f"export{suffix}"
            copy.write_bytes(data)
            return _read_workbook(copy, header_score, notes, shown=path)
    text, encoding = decode(data, path, notes)
    del data
    delimiter = choose_delimiter(text, header_score)
    records = parse_csv(text, delimiter, path)
    nul = "\x00" in text
    tokens = may_hold_tokens(text, delimiter)
    del text
    if not records or all(not any(c.strip() for c in r) for r in records):
        raise ExportReadError(
            "the file holds no rows.", file=path, hint="download the export again."
        )
    raw = _assemble(path, records, header_score, notes, encoding, delimiter, [], nul)
    raw.tokens = tokens
    return raw


# -- workbooks ------------------------------------------------------------------------
def _check_zip(source: Path, path: Path) -> None:
    """Refuse a damaged or oversized ``.xlsx`` before parsing it."""
    hint = "download the export again; if it came by e-mail or a USB stick, copy it again."
    try:
        with zipfile.ZipFile(source) as zf:
            infos = zf.infolist()
    except Exception as exc:  # zipfile raises BadZipFile, NotImplementedError, OSError, ...
        raise ExportReadError(
            f"the workbook cannot be opened: it is damaged or incomplete ({exc}).",
            file=path,
            hint=hint,
        ) from exc
    declared = sum(i.file_size for i in infos)
    if declared > _MAX_UNZIPPED:
        raise ExportReadError(
            f"the workbook declares {declared / 2**30:.1f} GiB of uncompressed content "
            f"({sum(i.compress_size for i in infos) / 2**20:.1f} MiB compressed), more than "
            f"the {_MAX_UNZIPPED / 2**30:.0f} GiB an export can hold: a damaged file or a "
            "zip bomb.",
            file=path,
            hint="export the data again as CSV.",
        )


def _read_workbook(
    source: Path,
    header_score: Callable[[list[str]], int],
    notes: list[ReadNote],
    shown: Path | None = None,
) -> RawExport:
    path = shown or source  # the file named in messages
    if _read_bytes(source, 4) == _ZIP_MAGIC:
        _check_zip(source, path)
    try:
        sheets = read_workbook(source, blank_rows=False)
    except WorkbookError as exc:
        raise ExportReadError(
            f"the workbook cannot be opened ({exc}).",
            file=path,
            hint="open it in Excel and save it again as .xlsx, or export the data again.",
        ) from exc
    except (MemoryError, RecursionError) as exc:
        raise ExportReadError(
            f"the workbook is too large or too deeply nested to read ({type(exc).__name__}).",
            file=path,
            hint="export the data again as CSV.",
        ) from exc
    names = list(sheets)
    if not names:
        raise ExportReadError(
            "the workbook has no sheets.", file=path, hint="export the data again."
        )
    first = sheets.pop(names[0])
    for other in names[1:]:
        notes.append(note("extra_sheet", value=other, first=names[0]))
    records = [
        ["" if (v is None or (isinstance(v, float) and np.isnan(v))) else str(v) for v in r]
        for r in first.to_numpy(dtype=object).tolist()
    ]
    if not records or all(not any(c.strip() for c in r) for r in records):
        raise ExportReadError(
            f"the first sheet '{names[0]}' is empty.", file=path, hint="export the data again."
        )
    nul = any("\x00" in "".join(r) for r in records)
    numbers = (first.index + 1).tolist()  # blank rows are left out of the frame
    raw = _assemble(path, records, header_score, notes, "xlsx", "", names, nul, numbers)
    raw.other_sheets = sheets  # repeat groups' sheets, read by toolkit.ingest._sources
    return raw


# -- common ---------------------------------------------------------------------------
def _find_header(
    path: Path, records: list[list[str]], header_score: Callable[[list[str]], int], delimiter: str
) -> int:
    header_pos, best = 0, -1
    for pos, rec in enumerate(records[:MAX_HEADER_SCAN]):
        score = header_score(header_cells(rec))
        if score > best:
            header_pos, best = pos, score
    if best <= 0:
        shown = ", ".join(repr(c[:40]) for c in records[0][:6])
        more = (
            f" The file seems to use {delimiter!r} as delimiter and has a single "
            "column: is it really a comma/semicolon separated export?"
            if delimiter and len(records[0]) == 1
            else ""
        )
        raise ExportReadError(
            f"no row in the first {MAX_HEADER_SCAN} looks like a header of the instrument's "
            f"questions (first row starts {shown}).{more}",
            file=path,
            row=1,
            hint="export with XML names or labels as headers from the same form version, "
            "or pass the instrument the data were collected with.",
        )
    return header_pos


def _header(path: Path, record: list[str], row: int, notes: list[ReadNote]) -> list[str]:
    header = [c.replace("\ufeff", "").strip() for c in record]
    width = len(header)
    while width and not header[width - 1]:
        width -= 1  # trailing empty header cells (spreadsheet padding)
    header = header[:width]
    if width > MAX_COLUMNS:
        raise ExportReadError(
            f"the header has {width:,} columns, more than the {MAX_COLUMNS:,} a spreadsheet "
            "can hold: the file is damaged or the delimiter is wrong.",
            file=path,
            row=row,
            hint="download the export again.",
        )
    for pos, cell in enumerate(header):
        if len(cell) > MAX_HEADER_CELL:
            raise ExportReadError(
                f"header cell {pos + 1} is {len(cell):,} characters long; no question header "
                "is: a quote opened in the header is probably never closed.",
                file=path,
                row=row,
                hint="download the export again, or fix the quotes in the header row.",
            )
        if "\x00" in cell:
            header[pos] = cell.replace("\x00", "").strip()
            notes.append(note("nul_header", row, header[pos]))
    return header


def _clean_nul(
    good: list[list[str]], rows: list[int], columns: list[str], notes: list[ReadNote]
) -> None:
    """Set cells holding a NUL byte to empty (missing), with one issue per cell."""
    damaged = 0
    for rownum, rec in zip(rows, good):
        for pos, cell in enumerate(rec):
            if "\x00" not in cell:
                continue
            rec[pos] = ""
            damaged += 1
            if damaged <= _MAX_NUL_NOTES:
                value = cell.replace("\x00", "")
                count = len(cell) - len(value)
                notes.append(note("nul_cell", rownum, columns[pos], value[:80], count=count))
    if damaged > _MAX_NUL_NOTES:
        notes.append(note("nul_more", value=damaged - _MAX_NUL_NOTES))


def _assemble(
    path: Path,
    records: list[list[str]],
    header_score: Callable[[list[str]], int],
    notes: list[ReadNote],
    encoding: str,
    delimiter: str,
    sheets: list[str],
    nul: bool,
    numbers: list[int] | None = None,
) -> RawExport:
    """The table of ``records`` (whose row numbers are ``numbers``, by default 1, 2, ...)."""
    number = numbers or range(1, len(records) + 1)
    header_pos = _find_header(path, records, header_score, delimiter)
    header_row = number[header_pos]
    for pos in range(header_pos):
        if any(c.strip() for c in records[pos]):
            text = " ".join(c[:80] for c in records[pos] if c.strip())
            notes.append(note("title_row", number[pos], value=text.replace("\x00", "")[:80]))
    header = _header(path, records[header_pos], header_row, notes)
    width = len(header)
    columns = _dedupe(header, path, header_row)
    good_rows, good, bad = _sort_records(
        records[header_pos + 1 :], number[header_pos + 1 :], width, delimiter, notes
    )
    if nul:
        _clean_nul(good, good_rows, columns, notes)
    last = number[-1] if len(number) else header_row
    blank = last - header_row - len(good) - len(bad)  # also rows a workbook left out
    if blank:
        notes.append(note("blank_rows", value=blank))
    index = pd.Index(good_rows, name="row", dtype="int64")
    if good:  # one (rows, columns) array: much quicker than a frame from the lists
        block = np.empty((width, len(good)), dtype=object)  # a column's cells side by side
        block.T[:] = good
        table = pd.DataFrame(block.T, columns=columns, index=index, dtype=object, copy=False)
    else:
        table = pd.DataFrame(good, columns=columns, index=index, dtype=object)
    return RawExport(
        table=table,
        ragged=pd.DataFrame(bad, columns=["row", "fields", "text"]),
        header_row=header_row,
        encoding=encoding,
        delimiter=delimiter,
        notes=notes,
        sheets=sheets,
    )


def _sort_records(
    body: list[list[str]],
    numbers: Sequence[int],
    width: int,
    delimiter: str,
    notes: list[ReadNote],
) -> tuple[list[int], list[list[str]], list[dict[str, object]]]:
    """The data records of a table (and their row numbers) and its ragged records.

    Blank records are left out; a record with blank cells beyond the header's width is
    cut to it, and a spreadsheet's short record padded with empty cells.  The records
    of the header's width with a non-blank cell (nearly all of them) are found
    without a loop in Python; only the others are looked at one by one.
    """
    count = len(body)
    fields = np.fromiter(map(len, body), dtype=np.intp, count=count)
    filled = _filled(body, fields)
    keep = (fields == width) & filled
    bad: list[dict[str, object]] = []
    if not keep.all():
        body = list(body)  # the records of the header's width are kept as they are
        for pos in np.flatnonzero(~keep).tolist():
            rec, rownum = body[pos], numbers[pos]
            n = len(rec)
            if n > width and not any(c.strip() for c in rec[width:]):
                rec = rec[:width]
                n = width
            if not filled[pos]:
                continue  # blank line: no record (noted in the summary count)
            if n == width:
                keep[pos] = True
                body[pos] = rec
            elif delimiter == "" and n < width:
                keep[pos] = True  # spreadsheets drop trailing empty cells
                body[pos] = rec + [""] * (width - n)
            else:
                text = (delimiter or "\t").join(c[:500] for c in rec[:500])
                bad.append({"row": rownum, "fields": n, "text": text.replace("\x00", "")[:500]})
                lines = sum(c.count("\n") + c.count("\r") - c.count("\r\n") for c in rec)
                if lines > 1:
                    notes.append(note("unclosed_quote", rownum, value=n, lines=lines, width=width))
    good = body if keep.all() else list(compress(body, keep.tolist()))
    return list(compress(numbers, keep.tolist())), good, bad


def _filled(body: list[list[str]], fields: np.ndarray) -> np.ndarray:
    """Whether each record has a non-blank cell: its first cell, else (a record is
    blank when its cells joined are: each cell is then blank) any."""
    if not len(body) or fields.min() == 0:
        return np.fromiter(map(bool, map(str.strip, map("".join, body))), bool, len(body))
    filled = np.fromiter(map(bool, map(str.strip, map(itemgetter(0), body))), bool, len(body))
    for pos in np.flatnonzero(~filled).tolist():
        filled[pos] = bool("".join(body[pos]).strip())
    return filled


def _dedupe(header: list[str], path: Path, row: int) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for pos, h in enumerate(header):
        name = h or f"(unnamed column {pos + 1})"
        if name in seen:
            raise ExportReadError(
                f"column header {name!r} appears twice (columns {seen[name] + 1} and {pos + 1}).",
                file=path,
                row=row,
                column=name,
                hint="rename or delete one of the two columns; exports from KoboToolbox "
                "with 'XML values and headers' have unique headers.",
            )
        seen[name] = pos
        out.append(name)
    return out
