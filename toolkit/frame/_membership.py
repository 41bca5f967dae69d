"""The membership table: reading and validating the sampling frame.

Every non-response statistic is measured against this table, so it must hold every
member National Society — respondent or not — with covariates known for all of them.
The bundled table (``toolkit/data/membership.csv``, sources and date in
``toolkit/data/README.md``) is built from IFRC GO country records; a study may supply
its own table, which :func:`load_frame` validates.
"""

from __future__ import annotations

import csv
import io
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from toolkit.errors import FrameError
from toolkit.instrument import WorkbookError, read_workbook, workbook_format

__all__ = [
    "COVARIATES",
    "FRAME_DATE",
    "REQUIRED_COLUMNS",
    "ZONES",
    "bundled_frame_path",
    "load_frame",
    "validate_frame",
]

#: The five IFRC zones (regions), in the order used in tables and figures.
ZONES: tuple[str, ...] = ("africa", "americas", "asia_pacific", "europe", "mena")

#: Columns every frame must have.
REQUIRED_COLUMNS: tuple[str, ...] = ("iso3", "country", "society_name", "zone")

#: Frame covariates known for every Society, used for weighting and representativeness.
COVARIATES: tuple[str, ...] = (
    "zone",
    "subregion",
    "income_group",
    "population_band",
    "migration_context",
)

#: Date the bundled membership table was compiled (see toolkit/data/README.md).
FRAME_DATE = "2026-11-27"

_CATEGORY_ORDER: dict[str, tuple[str, ...]] = {
    "zone": ZONES,
    "income_group": ("low", "lower_middle", "upper_middle", "high"),
    "population_band": ("lt1m", "1m_10m", "10m_50m", "50m_plus"),
    "migration_context": ("origin", "transit", "destination", "mixed"),
}


def bundled_frame_path() -> Path:
    """Return the path of the bundled membership table.

    Returns
    -------
    pathlib.Path
        ``toolkit/data/membership.csv`` inside the installed package.
    """
    return Path(str(resources.files("toolkit") / "data" / "membership.csv"))


def load_frame(path: str | Path | None = None) -> pd.DataFrame:
    """Load and validate a membership table (sampling frame).

    Parameters
    ----------
    path : str or Path, optional
        A CSV (``,`` or ``;`` separated, UTF-8) or XLSX file holding one row per
        National Society.  ``None`` loads the bundled table of 193 Societies.

    Returns
    -------
    pandas.DataFrame
        One row per Society with at least ``iso3``, ``country``, ``society_name`` and
        ``zone``; the bundled table also has ``fdrs``, ``go_region_id``,
        ``subregion``, ``income_group``, ``population_band``, ``migration_context``,
        ``languages``, ``lat`` and ``lon``.  Known covariates are ordered categoricals.

    Raises
    ------
    FrameError
        If the file cannot be read, a required column is missing, a code is missing or
        duplicated, or a zone is not one of :data:`ZONES`.  The message names the file,
        row, column and value.

    Examples
    --------
    >>> frame = load_frame()
    >>> frame["zone"].value_counts().sort_index().tolist()
    [49, 35, 38, 54, 17]
    """
    source = bundled_frame_path() if path is None else Path(path)
    raw = _read_table(source)
    return validate_frame(raw, source=source)


def _read_table(source: Path) -> pd.DataFrame:
    """Read a CSV or Excel frame as strings, keeping file row numbers in the index.

    The record with index ``i`` is row ``i + 2`` of the file when the header is in row
    1; blank lines are dropped after numbering, so messages point at the right line.
    """
    if not source.exists():
        raise FrameError(
            "the membership table does not exist.",
            file=source,
            hint="check the 'frame' path in study.yaml, or omit it to use the bundled table.",
        )
    if not source.is_file():
        raise FrameError(
            "the membership table path is a folder, not a file.",
            file=source,
            hint="give the path of the CSV or .xlsx file itself.",
        )
    if source.suffix.lower() in {".xlsx", ".xlsm", ".xls"} or _is_workbook(source):
        table = _read_excel(source)
    else:
        table = _read_csv(source)
    blank = np.array(
        [
            all(v is None or str(v).strip() == "" for v in rec)
            for rec in table.itertuples(index=False, name=None)
        ],
        dtype=bool,
    )
    return table[~blank] if len(table) else table


def _is_workbook(source: Path) -> bool:
    try:
        workbook_format(source)
    except (WorkbookError, OSError):
        return False
    return True


def _read_excel(source: Path) -> pd.DataFrame:
    try:
        sheets = read_workbook(source)
    except WorkbookError as exc:
        raise FrameError(
            f"the membership table cannot be read ({exc}).",
            file=source,
            hint="save it as an .xlsx workbook or a UTF-8 CSV with one header row.",
        ) from exc
    raw = next(iter(sheets.values()), pd.DataFrame())
    filled = (
        raw.notna().any(axis=1).to_numpy(dtype=bool) if not raw.empty else np.zeros(0, dtype=bool)
    )
    if not np.any(filled):
        raise FrameError(
            "the membership table's first sheet is empty.",
            file=source,
            hint="put the table, with one header row, on the first sheet.",
        )
    top = int(np.flatnonzero(filled)[0])  # header row (0-based position)
    header = ["" if v is None else str(v).strip() for v in raw.iloc[top]]
    body = raw.iloc[top + 1 :]
    keep = [j for j, h in enumerate(header) if h or body.iloc[:, j].notna().any()]
    names = [header[j] or f"Unnamed: {j}" for j in keep]
    _check_unique_headers(names, source, row=top + 1)
    body = body.iloc[:, keep].copy()
    body.columns = names
    body.index = pd.RangeIndex(top, top + len(body))  # sheet row = index + 2
    return body


def _check_unique_headers(names: list[str], source: Path, *, row: int) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise FrameError(
                f"column header '{name}' appears twice.",
                file=source,
                row=row,
                column=name,
                hint="delete or rename one of the two columns.",
            )
        seen.add(name)


def _read_csv(source: Path) -> pd.DataFrame:
    try:
        text = source.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FrameError(
            f"the membership table is not UTF-8 text (byte {exc.start}).",
            file=source,
            hint="save it as 'CSV UTF-8' (Excel) or UTF-8 (LibreOffice), or as .xlsx.",
        ) from exc
    if not text.strip():
        raise FrameError(
            "the membership table is empty.",
            file=source,
            hint="the file needs a header row and one row per Society.",
        )
    first = text.splitlines()[0]
    counts = {sep: first.count(sep) for sep in (",", ";", "\t", "|")}
    sep = max(counts, key=lambda k: counts[k]) if any(counts.values()) else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    try:
        cells = [h.strip() for h in next(reader)]
        while cells and not cells[-1]:
            cells.pop()  # trailing separators after the last header
        header = [h or f"Unnamed: {j}" for j, h in enumerate(cells)]
        _check_unique_headers(header, source, row=1)
        records: list[list[str]] = []
        index: list[int] = []
        for cells in reader:
            line = reader.line_num
            if not any(c.strip() for c in cells):
                continue  # blank line
            if len(cells) != len(header):
                extra = cells[len(header) :]
                if len(cells) < len(header) or any(c.strip() for c in extra):
                    raise FrameError(
                        f"the row has {len(cells)} cells but the header has {len(header)}.",
                        file=source,
                        row=line,
                        hint=f"check the '{sep}' separators and quotes in this row; every "
                        "row needs one cell per column.",
                    )
                cells = cells[: len(header)]
            records.append(cells)
            index.append(line - 2)
    except csv.Error as exc:
        raise FrameError(
            f"the membership table cannot be read as a table ({exc}).",
            file=source,
            row=reader.line_num,
            hint="save it as a UTF-8 CSV (comma- or semicolon-separated) or an .xlsx "
            "workbook with one header row.",
        ) from exc
    return pd.DataFrame(records, columns=header, index=pd.Index(index, dtype="int64"), dtype=object)


def validate_frame(frame: pd.DataFrame, *, source: str | Path | None = None) -> pd.DataFrame:
    """Validate a membership table and return a cleaned copy.

    Parameters
    ----------
    frame : pandas.DataFrame
        Candidate frame, one row per Society (all columns may be strings).
    source : str or Path, optional
        File the frame came from, used in error messages.

    Returns
    -------
    pandas.DataFrame
        A copy with trimmed strings, upper-case ``iso3``, lower-case ``zone`` and
        covariate levels, numeric
        ``lat``/``lon``/``go_region_id`` where present and ordered categoricals for the
        known covariates.

    Raises
    ------
    FrameError
        On the first structural problem (missing columns), or listing every missing,
        duplicated or unknown code and zone at once, or on an unknown covariate level.
        Row numbers are spreadsheet rows (header = row 1): ``index + 2`` for an
        integer index (as :func:`load_frame` passes it), else ``position + 2``.
    """
    df = frame.copy()
    df.columns = [str(c).strip() for c in df.columns]
    # Spreadsheet row of each record: the index is the file position (row = index + 2,
    # the header being row 1) when it is an integer index, as load_frame makes it.
    if pd.api.types.is_integer_dtype(df.index) and df.index.is_unique:
        rows = np.asarray(df.index, dtype=np.int64) + 2
    else:
        rows = np.arange(len(df), dtype=np.int64) + 2
    df = df.reset_index(drop=True)
    missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
    if missing:
        raise FrameError(
            f"required column(s) {', '.join(missing)} are missing "
            f"(found: {', '.join(map(str, df.columns))}).",
            file=source,
            row=1,
            column=missing[0],
            hint=f"the frame needs the columns {', '.join(REQUIRED_COLUMNS)} in its first "
            "row; a CSV must be comma- or semicolon-separated.",
        )
    for col in df.columns:
        if df[col].dtype == object or pd.api.types.is_string_dtype(df[col]):
            df[col] = df[col].astype("string").str.strip().replace({"": pd.NA})
    df["iso3"] = df["iso3"].str.upper()
    df["zone"] = df["zone"].str.lower()
    for col in _CATEGORY_ORDER:
        if col in df.columns and pd.api.types.is_string_dtype(df[col]):
            df[col] = df[col].str.lower()

    problems: list[str] = []
    first: tuple[int, str, object] | None = None

    def note(pos: int, column: str, value: object, text: str) -> None:
        nonlocal first
        row = int(rows[pos])
        problems.append(f"row {row}, column '{column}', value {value!r}: {text}")
        if first is None:
            first = (row, column, value)

    for pos in np.flatnonzero(df["iso3"].isna().to_numpy()).tolist():
        note(pos, "iso3", None, "missing Society code")
    dup = (df["iso3"].notna() & df["iso3"].duplicated(keep=False)).to_numpy(dtype=bool)
    for pos in np.flatnonzero(dup).tolist():
        note(pos, "iso3", df.at[pos, "iso3"], "duplicated Society code")
    for pos in np.flatnonzero(df["zone"].isna().to_numpy()).tolist():
        note(pos, "zone", None, "missing zone")
    bad_zone = (df["zone"].notna() & ~df["zone"].isin(ZONES)).to_numpy(dtype=bool)
    for pos in np.flatnonzero(bad_zone).tolist():
        note(pos, "zone", df.at[pos, "zone"], "unknown zone")
    for col in ("country", "society_name"):
        for pos in np.flatnonzero(df[col].isna().to_numpy()).tolist():
            note(pos, col, None, "missing value")
    if problems:
        listed = "; ".join(problems[:20])
        more = f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""
        assert first is not None
        raise FrameError(
            f"{len(problems)} problem(s) in the membership table: {listed}{more}.",
            file=source,
            row=first[0],
            column=first[1],
            value=first[2],
            hint="give every Society a unique ISO3 code, a country, a society_name and one "
            f"of the zones {', '.join(ZONES)}.",
        )

    for col in ("lat", "lon", "go_region_id"):
        if col in df.columns:
            df[col] = pd.to_numeric(df[col], errors="coerce")
    for col, levels in _CATEGORY_ORDER.items():
        if col in df.columns:
            unknown = sorted(set(df[col].dropna()) - set(levels))
            if unknown:
                pos = int(np.flatnonzero(df[col].isin(unknown).to_numpy(dtype=bool))[0])
                raise FrameError(
                    f"unknown level(s) {unknown} in covariate '{col}'.",
                    file=source,
                    row=int(rows[pos]),
                    column=col,
                    value=unknown[0],
                    hint=f"use one of {', '.join(levels)}.",
                )
            df[col] = pd.Categorical(df[col], categories=list(levels), ordered=True)
    return df.reset_index(drop=True)
