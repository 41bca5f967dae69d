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
from pathlib import Path

import pandas as pd

__all__ = ["WorkbookError", "read_workbook", "workbook_format"]

_ZIP_MAGIC = b"PK\x03\x04"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


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


def read_workbook(path: str | Path) -> dict[str, pd.DataFrame]:
    """Read every sheet of a workbook as raw cells.

    Parameters
    ----------
    path : str or Path
        An ``.xlsx`` / ``.xlsm`` or ``.xls`` workbook (recognised by content).

    Returns
    -------
    dict of str to pandas.DataFrame
        Sheet name -> object-dtype frame of cell strings (``None`` where empty), in
        workbook order.

    Raises
    ------
    WorkbookError
        If the file is not a workbook or cannot be parsed.
    """
    path = Path(path)
    kind = workbook_format(path)
    try:
        sheets = _read_xlsx(path) if kind == "xlsx" else _read_xls(path)
    except WorkbookError:
        raise
    except Exception as exc:  # openpyxl / xlrd / zipfile raise many unrelated types
        detail = str(exc) or type(exc).__name__
        if kind == "xls" and "workbook" in detail.lower():
            detail += " (a password-protected workbook must be saved without protection)"
        raise WorkbookError(f"the workbook cannot be parsed ({detail})") from exc
    return {name: _frame(rows) for name, rows in sheets.items()}


def _frame(rows: list[list[str | None]]) -> pd.DataFrame:
    width = max((len(r) for r in rows), default=0)
    padded = [r + [None] * (width - len(r)) for r in rows]
    return pd.DataFrame(padded, columns=range(width), dtype=object)


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


def _read_xlsx(path: Path) -> dict[str, list[list[str | None]]]:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        out: dict[str, list[list[str | None]]] = {}
        for ws in book.worksheets:
            # Dimensions recorded by other writers are sometimes wrong; read every row.
            ws.reset_dimensions()
            rows = [[_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
            out[ws.title] = rows
        return out
    finally:
        book.close()


def _read_xls(path: Path) -> dict[str, list[list[str | None]]]:
    import xlrd

    book = xlrd.open_workbook(str(path), on_demand=True)
    try:
        out: dict[str, list[list[str | None]]] = {}
        for idx in range(book.nsheets):
            sh = book.sheet_by_index(idx)
            rows = []
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
                rows.append(cells)
            out[sh.name] = rows
            book.unload_sheet(idx)
        return out
    finally:
        book.release_resources()
