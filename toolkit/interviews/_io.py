"""Reading interview tables (CSV / XLSX) and collecting validation issues.

Private helper module of :mod:`toolkit.interviews`.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from toolkit.errors import InterviewDataError

__all__: list[str] = []

ISSUE_COLUMNS = ["file", "row", "column", "value", "problem", "action"]

_EXCEL = {".xlsx", ".xlsm"}
_TEXT = {".csv", ".txt", ".tsv"}


@dataclass(frozen=True)
class InterviewImport:
    """Validated interview data read from one file.

    Attributes
    ----------
    data : DataFrame
        Accepted rows in the toolkit's normalised columns.
    issues : DataFrame
        One row per problem found: ``file``, ``row`` (1-based spreadsheet row; NA for
        file- or column-level problems), ``column``, ``value``, ``problem``,
        ``action`` (what the toolkit did: ``quarantined``, ``normalised ...``,
        ``set to missing``, ``accepted``, ``column not imported``).
    quarantine : DataFrame
        Rejected rows as they were in the file, with ``file``, ``row`` and ``reason``.
    format : str
        Detected format (``taguette``, ``qualcoder``, ``template`` or ``answers``).
    n_rows : int
        Data rows read; always ``len(data) + len(quarantine)``.
    """

    data: pd.DataFrame
    issues: pd.DataFrame
    quarantine: pd.DataFrame
    format: str
    n_rows: int


class Issues:
    """Collects validation problems as rows of an issues table."""

    def __init__(self, file: str | None) -> None:
        self.file = file
        self.rows: list[dict[str, Any]] = []

    def add(
        self, row: int | None, column: str | None, value: Any, problem: str, action: str
    ) -> None:
        self.rows.append(
            {
                "file": self.file,
                "row": row,
                "column": column,
                "value": None if value is None else str(value),
                "problem": problem,
                "action": action,
            }
        )

    def frame(self) -> pd.DataFrame:
        out = pd.DataFrame(self.rows, columns=ISSUE_COLUMNS)
        out["row"] = out["row"].astype("Int64")
        return out


def read_table(
    source: str | Path | pd.DataFrame, *, what: str, sheet: str | int | None = None
) -> tuple[pd.DataFrame, str | None, list[str]]:
    """Read a CSV or XLSX file (or take a DataFrame) as strings.

    Returns
    -------
    table : DataFrame
        All cells as strings (empty string for blank cells), header names trimmed.
    file : str or None
        The file name used in issues (``None`` for a DataFrame).
    notes : list of str
        Reading notes (e.g. the encoding used when the file was not UTF-8).

    Raises
    ------
    InterviewDataError
        If the file is missing, empty, not a table, or has no header row.
    """
    notes: list[str] = []
    if isinstance(source, pd.DataFrame):
        df = source.copy()
        df.columns = [str(c).strip() for c in df.columns]
        df = df.astype(object).where(df.notna(), "")
        return df.map(lambda v: v if isinstance(v, str) else str(v)), None, notes
    path = Path(source)
    name = str(path)
    if not path.exists():
        raise InterviewDataError(
            f"the {what} file does not exist.", file=name, hint="check the path and the file name."
        )
    if path.is_dir():
        raise InterviewDataError(
            f"the {what} path is a folder, not a file.",
            file=name,
            hint="give the path of the exported file.",
        )
    raw = path.read_bytes()
    if not raw.strip():
        raise InterviewDataError(
            f"the {what} file is empty.",
            file=name,
            hint="export the file again from the coding software.",
        )
    suffix = path.suffix.lower()
    if suffix in _EXCEL or raw[:2] == b"PK":
        try:
            df = pd.read_excel(
                io.BytesIO(raw),
                sheet_name=0 if sheet is None else sheet,
                dtype=str,
                keep_default_na=False,
                engine="openpyxl",
            )
        except (zipfile.BadZipFile, ValueError, KeyError, OSError) as exc:
            raise InterviewDataError(
                f"the {what} file cannot be read as an Excel workbook ({exc}).",
                file=name,
                sheet=None if sheet is None else str(sheet),
                hint="open it in a spreadsheet program and save it again as .xlsx, "
                "or export CSV instead.",
            ) from exc
    else:
        if b"\x00" in raw[:4096]:
            raise InterviewDataError(
                f"the {what} file is not a text (CSV) file.",
                file=name,
                hint="export the data as CSV (UTF-8) or .xlsx.",
            )
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252", errors="replace")
            notes.append("the file is not UTF-8; it was read as Windows-1252 (check accents).")
        sample = text[:20000]
        try:
            delim = (
                csv.Sniffer()
                .sniff(sample.splitlines()[0] if sample else "", delimiters=",;\t")
                .delimiter
            )
        except csv.Error:
            delim = ","
        try:
            df = pd.read_csv(
                io.StringIO(text),
                dtype=str,
                keep_default_na=False,
                sep=delim,
                skip_blank_lines=True,
            )
        except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error) as exc:
            raise InterviewDataError(
                f"the {what} file cannot be parsed as CSV ({exc}).",
                file=name,
                hint="check for unbalanced quotes or a truncated file; export it again.",
            ) from exc
    df.columns = [str(c).replace("\ufeff", "").strip() for c in df.columns]
    if len(df.columns) == 0 or all(c.startswith("Unnamed") or c == "" for c in df.columns):
        raise InterviewDataError(
            f"the {what} file has no header row.",
            file=name,
            hint="the first row must hold the column names.",
        )
    df = df.fillna("").astype(object)
    return df, name, notes


def spreadsheet_row(i: int) -> int:
    """1-based spreadsheet row of the ``i``-th (0-based) data row (header is row 1)."""
    return int(i) + 2


def quarantine_frame(
    raw: pd.DataFrame, file: str | None, rows: list[int], reasons: list[str]
) -> pd.DataFrame:
    """Rejected raw rows with ``file``, ``row`` and ``reason`` columns."""
    q = raw.iloc[rows].copy() if rows else raw.iloc[0:0].copy()
    q.insert(0, "file", file)
    q.insert(1, "row", pd.Series([spreadsheet_row(i) for i in rows], index=q.index, dtype="Int64"))
    q["reason"] = reasons
    return q.reset_index(drop=True)
