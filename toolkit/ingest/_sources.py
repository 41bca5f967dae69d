"""Finding the tables of one export: the submissions and one table per repeat group.

An export arrives as

* one CSV or XLSX file (repeat groups, if any, spread over columns ``grp[1]/q``);
* a KoboToolbox XLSX workbook: the main sheet (named after the form) then one sheet
  per repeat group, linked by ``_index`` / ``_parent_index`` / ``_parent_table_name``;
* an ODK Central ``.csv.zip``: ``<form>.csv`` plus ``<form>-<repeat>.csv`` per repeat
  group, linked by ``KEY`` / ``PARENT_KEY`` (media files are ignored); a KoboCAT CSV zip
  holds one CSV per repeat the KoboToolbox way;
* an ODK Briefcase export: ``<form>.csv`` plus ``<form>-<repeat>.csv`` files beside it.

:func:`open_export` reads every table as strings (with the low-level reader of
:mod:`toolkit.ingest._raw` wherever it can) and says which tool and format made the
export.  Which repeat group each extra table holds is decided later, against the form.
Raw files are only ever read.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from toolkit.errors import ExportReadError
from toolkit.ingest._decode import MAX_HEADER_SCAN, header_cells
from toolkit.ingest._meta import canonical_meta
from toolkit.ingest._raw import RawExport, ReadNote, read_raw
from toolkit.instrument import WorkbookError, read_workbook

__all__ = ["ExportSource", "Table", "file_sha256", "open_export"]

Score = Callable[[list[str]], int]
_WORKBOOKS = (".xlsx", ".xlsm", ".xls")
_MAX_UNZIPPED = 2 << 30
_CENTRAL = {"ReviewState", "SubmitterID", "SubmitterName", "AttachmentsExpected", "DeviceID"}
_ONA = {"_duration", "_total_media", "_media_count", "_media_all_received", "_xform_id"}
_KOBO = {"_uuid", "_submission_time", "_validation_status", "_index", "_formhub_uuid", "_id"}


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass
class Table:
    """One table of an export.

    Attributes
    ----------
    label : str
        How issues and ``_file`` name it: the file's path, ``<zip>!<member>`` or
        ``<workbook>!<sheet>``.
    raw : RawExport
        Its cells as strings.
    hint : str
        For a repeat table, what its file or sheet name says (``g1`` of
        ``form-g1.csv``, the sheet name, ...); ``""`` for the main table.
    """

    label: str
    raw: RawExport
    hint: str = ""


@dataclass
class ExportSource:
    """The tables of one export.

    Attributes
    ----------
    path : Path
        The export as given.
    tool : str
        ``"Kobo"``, ``"Ona"``, ``"Central"``, ``"Briefcase"`` or ``"unknown"``.
    format : str
        ``"CSV"``, ``"XLSX"``, ``"XLS"`` or ``"zip"``.
    main : Table
        One row per submission.
    repeats : list of Table
        Tables that may hold repeat groups.
    notes : list of ReadNote
        Problems found while finding the tables.
    sha256 : dict of str to str
        SHA-256 of every file read.
    """

    path: Path
    tool: str
    format: str
    main: Table
    repeats: list[Table] = field(default_factory=list)
    notes: list[ReadNote] = field(default_factory=list)
    sha256: dict[str, str] = field(default_factory=dict)


def open_export(path: Path, score: Score, repeat_names: set[str]) -> ExportSource:
    """Read every table of one export.

    Parameters
    ----------
    path : Path
        A CSV, XLSX/XLS or ``.zip`` export.
    score : callable
        Header score (see :func:`toolkit.ingest._raw.read_raw`).
    repeat_names : set of str
        Names and paths of the form's repeat groups (for KoboToolbox CSV files, which
        are named after them).

    Returns
    -------
    ExportSource

    Raises
    ------
    ExportReadError
        If the export (or one of its tables) cannot be read at all.
    """
    if path.suffix.lower() == ".zip":
        source = _from_zip(path, score)
    elif path.suffix.lower() in _WORKBOOKS:
        source = _from_workbook(path, score)
    else:
        raw = read_raw(path, score)
        source = ExportSource(path, "unknown", "CSV", Table(str(path), raw))
        source.repeats = _siblings(path, raw, score, repeat_names, source.sha256)
        if raw.sheets:  # a workbook under a CSV name
            source.format = "XLSX"
    _refuse_repeat_table(source.main)
    source.sha256[str(path)] = file_sha256(path)
    source.tool = _tool(list(source.main.raw.table.columns), source.repeats)
    return source


def _parent_column(raw: RawExport) -> str | None:
    """The column naming each row's parent, if this is a repeat group's own table."""
    table = raw.table
    if "PARENT_KEY" in table.columns:
        return "PARENT_KEY"
    parents = table.get("_parent_table_name", pd.Series(dtype=object)).astype("string")
    return "_parent_table_name" if parents.str.strip().fillna("").ne("").any() else None


def _refuse_repeat_table(main: Table) -> None:
    """A repeat group's own table given as the export: say which file to read instead."""
    column = _parent_column(main.raw)
    if column is not None:
        raise ExportReadError(
            f"this is the table of a repeat group (its rows name their parent in "
            f"'{column}'), not the table of the submissions.",
            file=main.label,
            row=main.raw.header_row,
            column=column,
            hint="read the export's main file (ODK: <form>.csv without '-<repeat>'; "
            "KoboToolbox: the workbook or the main CSV), which reads this table from "
            "beside it.",
        )


def _tool(headers: list[str], repeats: list[Table]) -> str:
    names = set(headers)
    canon = {canonical_meta(h) for h in headers}
    if names & _CENTRAL or ("Status" in names and "KEY" in names):
        return "Central"
    if "KEY" in names or "SubmissionDate" in names or any(h.startswith("SET-OF-") for h in names):
        return "Briefcase"
    if canon & _ONA:
        return "Ona"
    if canon & _KOBO or any("_parent_index" in t.raw.table for t in repeats):
        return "Kobo"
    if any(h.casefold() == "meta/instanceid" for h in headers):
        return "Kobo"  # "/" paths: KoboToolbox or Ona (ODK writes "meta-instanceID")
    return "unknown"


# -- CSV files beside the export ------------------------------------------------------
def _peek_header(path: Path) -> list[str]:
    with path.open("rb") as fh:
        head = fh.read(65536).decode("utf-8-sig", errors="replace")
    try:
        first = next(csv.reader(io.StringIO(head, newline="")), [])
    except csv.Error:  # a field over the caller's csv limit: not a repeat file's header
        return []
    return [c.strip() for c in first]


def _siblings(
    path: Path, raw: RawExport, score: Score, repeat_names: set[str], sha: dict[str, str]
) -> list[Table]:
    """Briefcase's ``<form>-<repeat>.csv`` files and KoboToolbox's ``<repeat path>.csv``."""
    out: list[Table] = []
    stem = path.stem
    for other in sorted(path.parent.glob("*.csv")):
        if other == path or not other.is_file():
            continue
        if other.stem.startswith(stem + "-"):
            hint = other.stem[len(stem) + 1 :]
            if re.sub(r"~\d+$", "", hint) not in repeat_names:
                continue  # another export of the same form ("form-append.csv" ...)
            if not {"PARENT_KEY", "KEY"} <= set(_peek_header(other)):
                continue
        elif "_index" in raw.table.columns and _is_repeat_file(other.stem, repeat_names):
            hint = other.stem
            if not {"_parent_index", "_parent_table_name"} <= set(_peek_header(other)):
                continue
        else:
            continue
        out.append(Table(str(other), read_raw(other, score), hint))
        sha[str(other)] = file_sha256(other)
    return out


def _is_repeat_file(stem: str, repeat_names: set[str]) -> bool:
    return stem in repeat_names or stem in {r.replace("/", "_") for r in repeat_names}


# -- workbooks ------------------------------------------------------------------------
def _from_workbook(path: Path, score: Score) -> ExportSource:
    raw = read_raw(path, score)
    fmt = "XLS" if path.suffix.lower() == ".xls" else "XLSX"
    source = ExportSource(path, "unknown", fmt, Table(str(path), raw))
    if len(raw.sheets) < 2:
        return source
    sheets: dict[str, pd.DataFrame] = getattr(raw, "other_sheets", None) or {}
    if not sheets:  # a reader that does not keep the other sheets: read them again
        try:
            sheets = read_workbook(path, blank_rows=False)
        except WorkbookError as exc:  # read once already; kept as a safety net
            raise ExportReadError(
                f"the workbook cannot be opened ({exc}).", file=path, hint="export the data again."
            ) from exc
        sheets.pop(raw.sheets[0], None)
    raw.notes[:] = [n for n in raw.notes if n["rule"] != "extra_sheet"]
    for name in list(sheets):
        table = _sheet_table(sheets[name], score)
        if table is None:
            source.notes.append(
                {
                    "row": None,
                    "column": None,
                    "value": name,
                    "rule": "extra_sheet",
                    "problem": f"sheet '{name}' has no header row the form recognises (or its "
                    "header repeats a column).",
                    "action": "sheet ignored",
                }
            )
            continue
        source.repeats.append(Table(f"{path}!{name}", table, name))
    return source


def _sheet_table(cells: pd.DataFrame, score: Score) -> RawExport | None:
    """A repeat sheet of a KoboToolbox workbook as strings (header in its first rows)."""
    records = [
        ["" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v) for v in r]
        for r in cells.to_numpy(dtype=object).tolist()
    ]
    numbers = (cells.index + 1).tolist()  # spreadsheet rows (blank rows may be left out)
    best, pos = 0, -1
    for k, rec in enumerate(records[:MAX_HEADER_SCAN]):
        s = score(header_cells(rec))
        if s > best:
            best, pos = s, k
    if pos < 0:
        return None
    header = header_cells(records[pos])  # a cell too long for a header is blank: refused
    while header and not header[-1]:
        header.pop()
    if len(set(header)) < len(header) or "" in header:
        return None
    width = len(header)
    rows, good, ragged = [], [], []
    for k, rec in zip(numbers[pos + 1 :], records[pos + 1 :]):
        if not any(c.strip() for c in rec):
            continue
        if any(c.strip() for c in rec[width:]):
            ragged.append({"row": k, "fields": len(rec), "text": "\t".join(rec)[:500]})
            continue
        rows.append(k)
        good.append((rec + [""] * width)[:width])
    table = pd.DataFrame(
        good, columns=header, index=pd.Index(rows, name="row", dtype="int64"), dtype=object
    )
    return RawExport(
        table=table,
        ragged=pd.DataFrame(ragged, columns=["row", "fields", "text"]),
        header_row=numbers[pos],
        encoding="xlsx",
        delimiter="",
    )


# -- zip archives ---------------------------------------------------------------------
def _from_zip(path: Path, score: Score) -> ExportSource:
    hint = "download the export again (ODK Central: 'Download all data as .csv.zip')."
    try:
        with zipfile.ZipFile(path) as zf:
            members = [
                i
                for i in zf.infolist()
                if i.filename.lower().endswith(".csv")
                and not i.is_dir()
                and not i.filename.startswith(("media/", "__MACOSX/"))
            ]
            if sum(i.file_size for i in members) > _MAX_UNZIPPED:
                raise ExportReadError(
                    "the archive's CSV files declare more than 2 GiB uncompressed.",
                    file=path,
                    hint=hint,
                )
            if not members:
                raise ExportReadError("the archive holds no CSV file.", file=path, hint=hint)
            with tempfile.TemporaryDirectory(prefix="nsmap-zip-") as tmp:
                tables = []
                for k, info in enumerate(members):
                    name = Path(info.filename).name
                    target = Path(tmp) / f"{k}-{name}"
                    target.write_bytes(zf.read(info))
                    label = f"{path}!{info.filename}"
                    try:
                        tables.append((name, Table(label, read_raw(target, score))))
                    except ExportReadError as exc:
                        raise ExportReadError(
                            exc.problem,
                            file=label,
                            row=exc.row,
                            column=exc.column,
                            value=exc.value,
                            hint=exc.hint,
                        ) from exc
    except ExportReadError:
        raise
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        zlib.error,
        OSError,
        EOFError,
        RuntimeError,  # an encrypted member
        NotImplementedError,  # a compression method zipfile does not read
        ValueError,
    ) as exc:
        raise ExportReadError(
            f"the archive is damaged or not a zip file ({exc or type(exc).__name__}).",
            file=path,
            hint=hint,
        ) from exc
    mains = [(n, t) for n, t in tables if _parent_column(t.raw) is None]
    if not mains:
        raise ExportReadError(
            "no CSV file in the archive holds the submissions (every one has PARENT_KEY).",
            file=path,
            hint=hint,
        )
    main_name, main = min(mains, key=lambda nt: len(nt[0]))
    stem = Path(main_name).stem
    source = ExportSource(path, "unknown", "zip", main)
    for name, table in tables:
        if table is main:
            continue
        s = Path(name).stem
        table.hint = s[len(stem) + 1 :] if s.startswith(stem + "-") else s
        source.repeats.append(table)
    return source
