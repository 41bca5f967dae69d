"""Reading questionnaire exports (CSV / XLSX) into a table of strings.

This is the first, format-level step of ingestion: bytes in, a DataFrame of raw
strings out, one row per input record with its spreadsheet row number, plus the
problems found while reading (encoding, ragged rows, title rows above the header).
Interpretation against the instrument happens in :mod:`toolkit.ingest`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypedDict

import numpy as np
import pandas as pd

from toolkit.errors import ExportReadError
from toolkit.instrument import WorkbookError, read_workbook

__all__ = ["RawExport", "ReadNote", "read_raw"]

_MAX_HEADER_SCAN = 15


class ReadNote(TypedDict):
    """A problem found while reading, as an issue record (the keywords of ``IssueLog.add``)."""

    row: int | None
    column: str | None
    value: object
    rule: str
    problem: str
    action: str


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
    """

    table: pd.DataFrame
    ragged: pd.DataFrame
    header_row: int
    encoding: str
    delimiter: str
    notes: list[ReadNote] = field(default_factory=list)
    sheets: list[str] = field(default_factory=list)


def read_raw(path: Path, header_score: Callable[[list[str]], int]) -> RawExport:
    """Read a CSV or XLSX export as strings.

    Parameters
    ----------
    path : Path
        The export.
    header_score : callable
        Given a candidate header row (list of cell strings), returns how many cells
        name something the instrument knows; used to find the header below any
        title rows.

    Returns
    -------
    RawExport

    Raises
    ------
    ExportReadError
        If the file does not exist, is empty, is not a table, or no row looks like a
        header of the instrument's questions.
    """
    if not path.exists():
        raise ExportReadError(
            "the export file does not exist.",
            file=path,
            hint="check the path (and the 'exports' list in study.yaml).",
        )
    if path.stat().st_size == 0:
        raise ExportReadError(
            "the file is empty (0 bytes).",
            file=path,
            hint="download the export again from KoboToolbox/ODK Central.",
        )
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm", ".xls"}:
        return _read_workbook(path, header_score)
    if suffix in {".csv", ".txt", ".tsv", ""}:
        return _read_csv(path, header_score)
    raise ExportReadError(
        f"'{suffix}' files are not questionnaire exports the toolkit can read.",
        file=path,
        hint="export the data from KoboToolbox or ODK as CSV or XLSX.",
    )


# -- CSV ------------------------------------------------------------------------------
def _decode(path: Path, notes: list[ReadNote]) -> tuple[str, str]:
    data = path.read_bytes()
    if not data.strip():
        raise ExportReadError(
            "the file holds only blank space.", file=path, hint="download the export again."
        )
    if b"\x00" in data[:4096]:
        if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            return data.decode("utf-16"), "utf-16"
        raise ExportReadError(
            "the file is binary, not a CSV table.",
            file=path,
            hint="export the data as CSV (or XLSX with an .xlsx name).",
        )
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as exc:
        text = data.decode("cp1252", errors="replace")
        line = data[: exc.start].count(b"\n") + 1
        notes.append(
            {
                "row": line,
                "column": None,
                "value": None,
                "rule": "encoding",
                "problem": f"the file is not valid UTF-8 (first bad byte on line {line}); it "
                "was read as Windows-1252 (cp1252).",
                "action": "decoded as cp1252; check accented names, and export as UTF-8 next time",
            }
        )
        return text, "cp1252"


def _sniff(sample: str) -> str:
    lines = [ln for ln in sample.splitlines()[:_MAX_HEADER_SCAN] if ln.strip()]
    try:
        dialect = csv.Sniffer().sniff("\n".join(lines[:10]), delimiters=",;\t|")
        if dialect.delimiter in ",;\t|":
            return dialect.delimiter
    except csv.Error:
        pass
    counts = {d: sum(ln.count(d) for ln in lines[:10]) for d in ",;\t|"}
    return max(counts, key=lambda d: counts[d])


def _read_csv(path: Path, header_score: Callable[[list[str]], int]) -> RawExport:
    notes: list[ReadNote] = []
    text, encoding = _decode(path, notes)
    delimiter = _sniff(text[:65536])
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    if not records or all(not any(c.strip() for c in r) for r in records):
        raise ExportReadError(
            "the file holds no rows.", file=path, hint="download the export again."
        )
    return _assemble(path, records, header_score, notes, encoding, delimiter, [])


# -- workbooks ------------------------------------------------------------------------
def _read_workbook(path: Path, header_score: Callable[[list[str]], int]) -> RawExport:
    try:
        sheets = read_workbook(path)
    except WorkbookError as exc:
        raise ExportReadError(
            f"the workbook cannot be opened ({exc}).",
            file=path,
            hint="open it in Excel and save it again as .xlsx, or export the data again.",
        ) from exc
    names = list(sheets)
    if not names:
        raise ExportReadError(
            "the workbook has no sheets.", file=path, hint="export the data again."
        )
    notes: list[ReadNote] = []
    first = sheets[names[0]]
    for other in names[1:]:
        notes.append(
            {
                "row": None,
                "column": None,
                "value": other,
                "rule": "extra_sheet",
                "problem": f"sheet '{other}' (e.g. a repeat group) is not read; only "
                f"the first sheet '{names[0]}' holds one row per submission.",
                "action": "sheet ignored",
            }
        )
    records = first.to_numpy(dtype=object).tolist()
    records = [
        ["" if (v is None or (isinstance(v, float) and np.isnan(v))) else str(v) for v in r]
        for r in records
    ]
    # Spreadsheets pad short rows: drop trailing empty columns shared by all rows.
    if not records or all(not any(c.strip() for c in r) for r in records):
        raise ExportReadError(
            f"the first sheet '{names[0]}' is empty.", file=path, hint="export the data again."
        )
    return _assemble(path, records, header_score, notes, "xlsx", "", names)


# -- common ---------------------------------------------------------------------------
def _assemble(
    path: Path,
    records: list[list[str]],
    header_score: Callable[[list[str]], int],
    notes: list[ReadNote],
    encoding: str,
    delimiter: str,
    sheets: list[str],
) -> RawExport:
    header_pos, best = 0, -1
    for pos, rec in enumerate(records[:_MAX_HEADER_SCAN]):
        score = header_score([c.strip() for c in rec])
        if score > best:
            header_pos, best = pos, score
    if best <= 0:
        shown = ", ".join(repr(c) for c in records[0][:6])
        more = (
            f" The file seems to use {delimiter!r} as delimiter and has a single "
            "column: is it really a comma/semicolon separated export?"
            if delimiter and len(records[0]) == 1
            else ""
        )
        raise ExportReadError(
            f"no row in the first {_MAX_HEADER_SCAN} looks like a header of the instrument's "
            f"questions (first row starts {shown}).{more}",
            file=path,
            row=1,
            hint="export with XML names or labels as headers from the same form version, "
            "or pass the instrument the data were collected with.",
        )
    for pos in range(header_pos):
        if any(c.strip() for c in records[pos]):
            notes.append(
                {
                    "row": pos + 1,
                    "column": None,
                    "value": " ".join(c for c in records[pos] if c.strip())[:80],
                    "rule": "title_row",
                    "problem": "row above the header (a title or note) is not data.",
                    "action": "row skipped",
                }
            )
    header = [c.strip() for c in records[header_pos]]
    width = len(header)
    while width and not header[width - 1]:
        width -= 1  # trailing empty header cells (spreadsheet padding)
    header = header[:width]
    body = records[header_pos + 1 :]
    rows = np.arange(header_pos + 2, header_pos + 2 + len(body))
    good_rows: list[int] = []
    good: list[list[str]] = []
    bad: list[dict[str, object]] = []
    for rownum, rec in zip(rows.tolist(), body):
        n = len(rec)
        if n > width and not any(c.strip() for c in rec[width:]):
            rec = rec[:width]
            n = width
        if not any(c.strip() for c in rec):
            continue  # blank line: no record (noted in the summary count below)
        if n == width:
            good_rows.append(rownum)
            good.append(rec)
        elif delimiter == "" and n < width:
            good_rows.append(rownum)  # spreadsheets drop trailing empty cells
            good.append(rec + [""] * (width - n))
        else:
            bad.append({"row": rownum, "fields": n, "text": (delimiter or "\t").join(rec)[:500]})
    blank = len(body) - len(good) - len(bad)
    if blank:
        notes.append(
            {
                "row": None,
                "column": None,
                "value": blank,
                "rule": "blank_rows",
                "problem": f"{blank} blank line(s) hold no data.",
                "action": "not counted as records",
            }
        )
    table = pd.DataFrame(
        good,
        columns=_dedupe(header, path, header_pos + 1),
        index=pd.Index(good_rows, name="row"),
        dtype=object,
    )
    return RawExport(
        table=table,
        ragged=pd.DataFrame(bad, columns=["row", "fields", "text"]),
        header_row=header_pos + 1,
        encoding=encoding,
        delimiter=delimiter,
        notes=notes,
        sheets=sheets,
    )


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
