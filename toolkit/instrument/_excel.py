"""Reading Excel workbooks (``.xlsx``, ``.xlsm`` and legacy ``.xls``) cell by cell.

Private helper of :mod:`toolkit.instrument` and :mod:`toolkit.frame`.  Workbooks are
read with openpyxl (Office Open XML) or xlrd (BIFF ``.xls``) directly rather than
through :func:`pandas.read_excel`, because:

* pandas >= 3.1 refuses xlrd older than 2.0.2 and then falls back to the optional
  ``python-calamine`` engine, while pyxform (the XLSForm reference implementation, a
  dependency) pins ``xlrd==2.0.1``; through pandas, ``.xls`` forms could not be read
  at all in an environment that has both;
* the format is recognised from the file's first bytes, not its suffix, so an
  ``.xls`` workbook saved under an ``.xlsx`` name (or the reverse) still opens, and a
  CSV or HTML file renamed to ``.xlsx`` gets a clear message.

Every sheet comes back as an object-dtype DataFrame with no header row: cells are
strings (numbers written as Excel shows them, ``1`` not ``1.0``; booleans ``True`` /
``False``; dates ISO 8601) or ``None`` for empty cells.  Row ``i`` of the frame is
spreadsheet row ``i + 1``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["MAX_CELLS", "WorkbookError", "read_workbook", "workbook_format"]

_ZIP_MAGIC = b"PK\x03\x04"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: Most cells a sheet may span (rows up to the last non-empty one x the widest row):
#: 16 million, as many as a table of 16,000 submissions x 1,000 columns, far more than
#: a questionnaire or an export holds; a stray value far below or right of the table
#: would otherwise make the reader build a grid of billions of empty cells.
MAX_CELLS = 1 << 24


class WorkbookError(ValueError):
    """The file is not a workbook that can be read; the message says why."""


def workbook_format(path: Path) -> str:
    """Return ``"xlsx"`` or ``"xls"`` from the file's signature.

    Raises
    ------
    WorkbookError
        If the file is neither an Office Open XML (zip) nor a BIFF (OLE2) workbook.
    """
    with path.open("rb") as fh:
        head = fh.read(512)
    if head.startswith(_ZIP_MAGIC):
        return "xlsx"
    if head.startswith(_OLE2_MAGIC):
        return "xls"
    if not head:
        raise WorkbookError("the file is empty")
    text = head.lstrip(b"\xef\xbb\xbf").lstrip().lower()
    if text.startswith((b"<!doctype html", b"<html", b"<table")):
        kind = "an HTML page"
    elif text.startswith(b"<?xml"):
        kind = "an XML file (Excel 2003 XML or an XForm?)"
    else:
        kind = "a text file (CSV?)"
    raise WorkbookError(f"the file is not an Excel workbook; it looks like {kind}")


def read_workbook(
    path: str | Path,
    *,
    blank_row_limit: int | None = None,
    select: Callable[[list[str]], Collection[str]] | None = None,
    on_header: Callable[[str, int, list[str | None]], None] | None = None,
    blank_rows: bool = True,
) -> dict[str, pd.DataFrame]:
    """Read every sheet of a workbook as raw cells.

    Memory and time do not depend on the dimensions a workbook declares: the declared
    used range (``<dimension ref="A1:ZZ1048576">``) is ignored, empty or merely
    formatted rows after the last row with a value are never materialised and empty
    columns after the last column with a value are dropped.  A sheet whose grid would
    hold more than :data:`MAX_CELLS` cells (a stray value at ``XFD1048576``) is refused
    before the grid is built.

    Parameters
    ----------
    path : str or Path
        An ``.xlsx`` / ``.xlsm`` or ``.xls`` workbook (recognised by content).
    blank_row_limit : int, optional
        Stop storing a sheet's rows after a run of more than this many blank rows, as
        XLSForm tools do (pyxform stops after 60).  The frame's ``attrs`` then hold
        ``"ignored_rows"``: how many rows with a value follow the cut, and
        ``"first_ignored_row"``: the spreadsheet row of the first of them.  By default
        every row up to the last non-empty one is kept.
    select : callable, optional
        Given the names of all sheets (in workbook order), returns the names of those
        to read; the others are not parsed at all.  By default every sheet is read.
    on_header : callable, optional
        Called with a sheet's name, the number of its first non-empty row and that
        row's cell texts before the rest of the sheet is read; an exception it raises
        stops reading and propagates unchanged (e.g. to reject at once a workbook that
        is not what was expected).
    blank_rows : bool, default True
        With ``False``, rows without a value are left out of the frames (whose index
        still gives each row's spreadsheet row number minus one), so that a stray
        value at ``A1048576`` costs one row, not a million.

    Returns
    -------
    dict of str to pandas.DataFrame
        Sheet name -> object-dtype frame of cell strings (``None`` where empty), in
        workbook order; row ``i`` (index label) is spreadsheet row ``i + 1``.

    Raises
    ------
    WorkbookError
        If the file is not a workbook or cannot be parsed, or a sheet's grid would
        hold more than :data:`MAX_CELLS` cells.
    """
    path = Path(path)
    kind = workbook_format(path)
    try:
        reader = _read_xlsx if kind == "xlsx" else _read_xls
        sheets = reader(
            path, _Options(blank_row_limit, select or (lambda names: names), on_header, blank_rows)
        )
    except _HeaderRejected as exc:
        raise exc.original from None
    except WorkbookError:
        raise
    except Exception as exc:  # openpyxl / xlrd / zipfile raise many unrelated types
        detail = str(exc) or type(exc).__name__
        if kind == "xls" and "workbook" in detail.lower():
            detail += " (a password-protected workbook must be saved without protection)"
        raise WorkbookError(f"the workbook cannot be parsed ({detail})") from exc
    return {name: sheet.frame() for name, sheet in sheets.items()}


_Select = Callable[[list[str]], Collection[str]]
_OnHeader = Callable[[str, int, list[str | None]], None]


@dataclass(frozen=True)
class _Options:
    """How :func:`read_workbook` reads (its keyword arguments)."""

    blank_row_limit: int | None
    select: _Select
    on_header: _OnHeader | None
    blank_rows: bool


class _HeaderRejected(Exception):
    """Carries the exception an ``on_header`` callback raised out of the reader."""

    def __init__(self, original: BaseException) -> None:
        super().__init__(str(original))
        self.original = original


class _Sheet:
    """Rows of one sheet, collected without materialising trailing blank rows."""

    def __init__(self, name: str, options: _Options):
        self.name = name
        self.rows: list[list[str | None]] = []
        self.numbers: list[int] = []  # spreadsheet row of each stored row (blank_rows=False)
        self.last = 0  # spreadsheet row of the last row with a value
        self.limit = options.blank_row_limit
        self.on_header = options.on_header
        self.dense = options.blank_rows  # index i of rows is spreadsheet row i + 1
        self.ignored = 0
        self.first_ignored: int | None = None
        self.width = 0

    def add(self, number: int, cells: list[str | None]) -> None:
        """Add spreadsheet row ``number`` (1-based, increasing; blank rows may be skipped)."""
        end = len(cells)
        while end and cells[end - 1] is None:
            end -= 1
        if not end:
            return
        number = max(number, self.last + 1)
        if self.ignored or (
            self.limit is not None and self.rows and number - self.last - 1 > self.limit
        ):
            self.ignored += 1
            self.first_ignored = self.first_ignored or number
            return
        if not self.rows and self.on_header is not None:
            try:
                self.on_header(self.name, number, cells[:end])
            except Exception as exc:  # raised on purpose by the caller: pass it out
                raise _HeaderRejected(exc) from exc
        width = max(self.width, end)
        height = number if self.dense else len(self.rows) + 1
        if height * width > MAX_CELLS:
            raise WorkbookError(
                f"sheet '{self.name}' has a value in cell {_column_letter(end)}{number}, so its "
                f"table would hold {height:,} rows x {width:,} columns, more than the "
                f"{MAX_CELLS:,} cells a questionnaire or export holds; delete the stray "
                "cells far below or to the right of the table (or export the data again)"
            )
        self.width, self.last = width, number
        if self.dense:
            self.rows.extend([] for _ in range(number - 1 - len(self.rows)))
        else:
            self.numbers.append(number)
        self.rows.append(cells[:end])

    def frame(self) -> pd.DataFrame:
        """The stored rows as an object-dtype frame, rows padded to one width."""
        grid = np.full((len(self.rows), self.width), None, dtype=object)
        for i, row in enumerate(self.rows):
            if row:
                grid[i, : len(row)] = row
        index = None if self.dense else pd.Index(self.numbers, dtype="int64") - 1
        out = pd.DataFrame(grid, index=index, columns=range(self.width), dtype=object, copy=False)
        if self.ignored:
            out.attrs["ignored_rows"] = self.ignored
            out.attrs["first_ignored_row"] = self.first_ignored
        return out


def _column_letter(number: int) -> str:
    """Spreadsheet column name of a 1-based column number (``1`` -> ``A``, ``28`` -> ``AB``)."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _text(value: object) -> str | None:
    """Cell value -> the string a user sees in the cell (``None`` when empty)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ") if value.time() != dt.time(0) else value.date().isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    text = str(value)
    return text if text != "" else None


def _read_xlsx(path: Path, options: _Options) -> dict[str, _Sheet]:
    from openpyxl import load_workbook

    # A file object, not the path: openpyxl refuses a path by its suffix before looking
    # at the content, and KoboToolbox's API serves .xlsx workbooks under .xls names.
    handle = path.open("rb")
    try:
        book = load_workbook(handle, read_only=True, data_only=True)
    except BaseException:
        handle.close()
        raise
    try:
        out: dict[str, _Sheet] = {}
        wanted = set(options.select([ws.title for ws in book.worksheets]))
        for ws in book.worksheets:
            if ws.title not in wanted:
                continue
            sheet = _Sheet(ws.title, options)
            for number, cells in _xlsx_rows(book, ws):
                sheet.add(number, cells)
            out[ws.title] = sheet
        return out
    finally:
        book.close()
        handle.close()


def _xlsx_rows(book: Any, ws: Any) -> Iterator[tuple[int, list[str | None]]]:
    """(spreadsheet row, cell texts) for each ``<row>`` element of a worksheet.

    The declared dimensions (often wrong, sometimes the whole sheet) are ignored.
    openpyxl's public ``iter_rows`` fills every gap between ``<row>`` elements with an
    empty row, i.e. up to a million for a sheet whose last, merely formatted, row is
    1048576; its sheet parser (what ``iter_rows`` uses) yields only the rows present
    in the file, so time stays proportional to the file's size.  If a future openpyxl
    moves the parser, the public API is used instead.
    """
    try:
        from openpyxl.worksheet._reader import WorkSheetParser

        source = ws._get_source()
        parser = WorkSheetParser(
            source,
            ws._shared_strings,
            data_only=True,
            epoch=book.epoch,
            date_formats=book._date_formats,
            timedelta_formats=book._timedelta_formats,
        )
    except (ImportError, AttributeError, TypeError):
        ws.reset_dimensions()
        for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
            if values:
                yield number, [_text(v) for v in values]
        return
    try:
        for number, row in parser.parse():
            texts = [(c["column"], c["value"]) for c in row if c["value"] is not None]
            if not texts:
                continue
            cells: list[str | None] = [None] * max(col for col, _ in texts)
            for col, value in texts:
                cells[col - 1] = _text(value)
            yield number, cells
    finally:
        source.close()


def _read_xls(path: Path, options: _Options) -> dict[str, _Sheet]:
    import xlrd

    book = xlrd.open_workbook(str(path), on_demand=True, ragged_rows=True)
    try:
        out: dict[str, _Sheet] = {}
        wanted = set(options.select(book.sheet_names()))
        for idx in range(book.nsheets):
            if book.sheet_names()[idx] not in wanted:
                continue
            sh = book.sheet_by_index(idx)
            sheet = _Sheet(sh.name, options)
            for r in range(sh.nrows):
                cells: list[str | None] = []
                for cell in sh.row(r):
                    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
                        cells.append(None)
                    elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                        cells.append(_text(bool(cell.value)))
                    elif cell.ctype == xlrd.XL_CELL_DATE:
                        cells.append(_text(xlrd.xldate_as_datetime(cell.value, book.datemode)))
                    else:
                        cells.append(_text(cell.value))
                sheet.add(r + 1, cells)
            out[sh.name] = sheet
            book.unload_sheet(idx)
        return out
    finally:
        book.release_resources()
