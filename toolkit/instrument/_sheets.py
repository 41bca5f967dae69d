"""Reading the sheets of an XLSForm workbook: headers, settings and choice lists.

Headers are normalised as XLSForm tools accept them (any case, ``list name`` or
``list_name``, aliases such as ``relevance``, ``label:English`` or
``label::English``); blank rows and comment columns are dropped and every record
keeps its spreadsheet row number for error messages.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from toolkit.errors import InstrumentError
from toolkit.instrument._excel import WorkbookError, read_workbook

__all__ = ["choice_lists", "open_workbook", "settings_sheet", "sheet_records"]

# Header aliases accepted by XLSForm tools (lower-case, spaces/underscores folded).
_ALIASES = {
    "list name": "list_name",
    "caption": "label",
    "relevance": "relevant",
    "calculate": "calculation",
    "command": "type",
    "tag": "name",
    "value": "name",
    "count": "repeat_count",
    "jr:count": "repeat_count",
    "constraining_message": "constraint_message",
    "requiredmsg": "required_message",
    "read_only": "readonly",
    "choice filter": "choice_filter",
}


def open_workbook(path: Path) -> dict[str, pd.DataFrame]:
    """Read every sheet of an XLSForm workbook.

    Returns
    -------
    dict of str to pandas.DataFrame
        Sheet name -> its cells (no header row applied).

    Raises
    ------
    InstrumentError
        If the path does not exist, is a folder or is not an Excel workbook.
    """
    if not path.exists():
        raise InstrumentError(
            "the XLSForm file does not exist.",
            file=path,
            hint="check the 'instrument' path in study.yaml.",
        )
    if not path.is_file():
        raise InstrumentError(
            "the XLSForm path is a folder, not a file.",
            file=path,
            hint="give the path of the .xlsx or .xls workbook itself.",
        )
    try:
        return read_workbook(path)
    except WorkbookError as exc:
        raise InstrumentError(
            f"{exc}; an XLSForm must be an Excel workbook (.xlsx or .xls).",
            file=path,
            hint="open the form in Excel or LibreOffice and save it as .xlsx (Excel Workbook).",
        ) from exc


def _normalise_header(raw: str | None) -> str:
    """A header cell (text, or ``None`` when empty) -> the canonical column name."""
    text = "" if pd.isna(raw) else str(raw).strip()
    if not text:
        return ""
    base, sep, lang = text.partition("::")
    if (
        not sep
        and ":" in text
        and text.split(":", 1)[0].strip().lower()
        in {
            "label",
            "hint",
            "constraint_message",
            "required_message",
            "media",
            "image",
            "audio",
            "video",
            "guidance_hint",
        }
    ):
        base, _, lang = text.partition(":")
    key = re.sub(r"\s+", " ", base.strip().lower())
    key = _ALIASES.get(key, key)
    key = _ALIASES.get(key.replace("_", " "), key).replace(" ", "_")
    return f"{key}::{lang.strip()}" if lang.strip() else key


def sheet_records(raw: pd.DataFrame, path: Path, sheet: str) -> pd.DataFrame:
    """Header row -> normalised columns; keeps the spreadsheet row number in ``row``."""
    raw = raw.dropna(how="all")
    if raw.empty:
        return pd.DataFrame(columns=["row"])
    header_idx = raw.index[0]
    headers = [_normalise_header(h) for h in raw.loc[header_idx]]
    seen: dict[str, int] = {}
    keep: list[int] = []
    for pos, h in enumerate(headers):
        if not h or h.startswith("#"):
            continue  # unnamed or comment column
        if h in seen:
            raise InstrumentError(
                f"column header '{h}' appears twice (columns {seen[h] + 1} and {pos + 1}).",
                file=path,
                sheet=sheet,
                row=int(header_idx) + 1,
                column=h,
                hint="delete or rename one of the two columns.",
            )
        seen[h] = pos
        keep.append(pos)
    body = raw.loc[raw.index > header_idx, raw.columns[keep]]
    body.columns = [headers[p] for p in keep]
    body = body.map(lambda v: v.strip() if isinstance(v, str) else v)
    body = body.replace("", pd.NA).dropna(how="all")
    body = body.assign(row=(body.index + 1).astype(int))
    return body.reset_index(drop=True)


def settings_sheet(raw: pd.DataFrame, path: Path, sheet: str) -> dict[str, str]:
    """The settings sheet as a mapping of normalised header to value (first row only)."""
    rec = sheet_records(raw, path, sheet)
    if rec.empty:
        return {}
    first = rec.iloc[0].drop(labels="row")
    return {str(k): str(v) for k, v in first.items() if not pd.isna(v)}


def choice_lists(raw: pd.DataFrame, path: Path, sheet: str) -> dict[str, pd.DataFrame]:
    """Split the choices sheet into one table per list.

    Parameters
    ----------
    raw : pandas.DataFrame
        Records of the choices sheet (:func:`sheet_records`).
    path : Path
        The workbook, for error messages.
    sheet : str
        Name of the choices sheet, for error messages.

    Returns
    -------
    dict of str to pandas.DataFrame
        List name -> its choices (``list_name`` dropped), in sheet order.

    Raises
    ------
    InstrumentError
        If the sheet lacks ``list_name`` or ``name``, a choice has no list or name, or
        a name appears twice in one list.
    """
    if raw.empty:
        return {}
    for col in ("list_name", "name"):
        if col not in raw.columns:
            raise InstrumentError(
                f"the choices sheet has no '{col}' column.",
                file=path,
                sheet=sheet,
                row=1,
                hint="the choices sheet needs 'list_name', 'name' and 'label' columns.",
            )
    out: dict[str, pd.DataFrame] = {}
    for in_list, choice, row in zip(raw["list_name"], raw["name"], raw["row"]):
        if pd.isna(in_list) or pd.isna(choice):
            missing = "list_name" if pd.isna(in_list) else "name"
            raise InstrumentError(
                f"a choice has no {missing}.",
                file=path,
                sheet=sheet,
                row=int(row),
                column=missing,
                hint="fill in the cell or delete the row.",
            )
    raw = raw.copy()
    raw.columns = [str(c) for c in raw.columns]
    for list_name, table in raw.groupby("list_name", sort=False):
        dup = table["name"][table["name"].duplicated()]
        if not dup.empty:
            bad = table.loc[dup.index[0]]
            raise InstrumentError(
                f"choice name '{bad['name']}' appears twice in list '{list_name}'.",
                file=path,
                sheet=sheet,
                row=int(bad["row"]),
                column="name",
                value=bad["name"],
                hint="give every choice in a list a unique name.",
            )
        out[str(list_name)] = table.drop(columns=["list_name"]).reset_index(drop=True)
    return out
