"""Reading the sheets of an XLSForm workbook: which sheet is which, headers and records.

Sheets are found as pyxform finds them: by lower-cased name (``Survey``, ``CHOICES``
and ``Settings`` all count), and a workbook with a single sheet of any name is the
survey.  Headers are normalised as pyxform reads them (any case, ``list name`` or
``list_name``, aliases such as ``relevance`` or ``bind::relevant``, ``label:English``
when no header of the sheet uses ``::``, ``label::English (en)``, ``media::image``);
other columns keep their header in lower case with ``_`` for spaces.  As in pyxform,
a run of more than 20 empty header cells ends the header row and a run of more than
60 blank rows ends the sheet.  Every record keeps its spreadsheet row number.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from pathlib import Path

import pandas as pd

from toolkit.errors import InstrumentError
from toolkit.instrument._excel import WorkbookError, read_workbook

__all__ = [
    "MAX_BLANK_ROWS",
    "find_sheets",
    "open_workbook",
    "settings_sheet",
    "sheet_records",
]

MAX_BLANK_ROWS = 60  # pyxform ignores a sheet's rows after more blank rows than this
_MAX_BLANK_HEADERS = 20  # ... and its columns after more empty header cells than this
_SHEETS = ("survey", "choices", "settings", "external_choices", "entities", "osm")

# Text columns that may carry a language ("label::French (fr)").
TRANSLATABLE = (
    "label",
    "hint",
    "guidance_hint",
    "constraint_message",
    "required_message",
    "image",
    "big-image",
    "audio",
    "video",
)
# Header aliases (pyxform's, lower-case, spaces as '_'); 'bind::', 'control::' and
# 'media::' prefixes are dropped first.
_ALIASES = {
    "list_name": "list_name",
    "caption": "label",
    "relevance": "relevant",
    "calculate": "calculation",
    "command": "type",
    "tag": "name",
    "value": "name",
    "count": "repeat_count",
    "jr:count": "repeat_count",
    "constraining_message": "constraint_message",
    "jr:constraintmsg": "constraint_message",
    "requiredmsg": "required_message",
    "jr:requiredmsg": "required_message",
    "read_only": "readonly",
    "noapperrorstring": "no_app_error_string",
}
_PREFIXES = ("bind", "control", "media")
_STRUCTURED = {*TRANSLATABLE, *_PREFIXES, "instance", "caption", "constraining_message"}
_STRUCTURED |= {"requiredmsg", "jr:constraintmsg", "jr:requiredmsg"}
# Spellings pyxform takes as they are: a second column with the same meaning is then
# merged into the first (its values win), any other duplicate is an error.
_VERBATIM = {
    "survey": {"type", "name", "label", "hint", "guidance_hint", "choice_filter", "default"}
    | {"parameters", "trigger", "list_name", "media", "bind", "control", "instance"},
    "choices": {"name", "label", "media", "list name"},
}


def open_workbook(path: Path) -> tuple[list[str], dict[str, pd.DataFrame]]:
    """Read the XLSForm sheets of a workbook (at most 60 blank rows in a row, as pyxform).

    Returns
    -------
    list of str
        The names of all sheets, in workbook order.
    dict of str to pandas.DataFrame
        Sheet name -> its cells (no header row applied), for the sheets that play a
        role in an XLSForm (:func:`find_sheets`); other sheets are not parsed.

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
    names: list[str] = []

    def select(all_names: list[str]) -> Collection[str]:
        names.extend(all_names)
        return set(_roles(all_names).values())

    def on_header(sheet: str, number: int, cells: list[str | None]) -> None:
        # Reject at once a survey sheet without a 'type' column (a data export read
        # as a form, say) rather than after reading all its rows.
        if _roles(names).get("survey") != sheet:
            return
        texts = [" ".join(c.split()) if isinstance(c, str) else "" for c in cells]
        double = any("::" in t for t in texts)
        if "type" not in {normalise_header(t, double) for t in texts if t}:
            raise InstrumentError(
                "the survey sheet has no 'type' column.",
                file=path,
                sheet=sheet,
                row=number,
                column="type",
                hint="the first row of the survey sheet must hold the headers 'type', "
                "'name', 'label'.",
            )

    try:
        return names, read_workbook(
            path, blank_row_limit=MAX_BLANK_ROWS, select=select, on_header=on_header
        )
    except WorkbookError as exc:
        raise InstrumentError(
            f"{exc}; an XLSForm must be an Excel workbook (.xlsx or .xls).",
            file=path,
            hint="open the form in Excel or LibreOffice and save it as .xlsx (Excel Workbook).",
        ) from exc


def _roles(names: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for name in names:
        if name.lower() in _SHEETS:
            found[name.lower()] = name
    for name in names:
        role = re.sub(r"\s+", "_", name.strip().lower())
        if role in _SHEETS and role not in found:
            found[role] = name
    if len(names) == 1 and "survey" not in found:
        found["survey"] = names[0]
    return found


def find_sheets(names: list[str], path: Path) -> dict[str, str]:
    """Say which sheet is the survey, the choices, the settings ... as pyxform does.

    A sheet counts when its lower-cased name is the role (the last such sheet wins, as
    in pyxform); a workbook with one sheet of any other name is the survey.  Names with
    stray spaces (``"survey "``) are accepted too, although pyxform ignores them.

    Parameters
    ----------
    names : list of str
        The workbook's sheet names, in order.
    path : Path
        The workbook, for error messages.

    Returns
    -------
    dict of str to str
        Role (``survey``, ``choices``, ``settings``, ``external_choices`` ...) -> the
        name of that sheet in the workbook.

    Raises
    ------
    InstrumentError
        If no sheet is the survey.
    """
    found = _roles(names)
    if "survey" not in found:
        similar = [n for n in names if "survey" in n.lower() or "question" in n.lower()]
        raise InstrumentError(
            f"the workbook has no 'survey' sheet (sheets: {', '.join(names) or 'none'}).",
            file=path,
            hint="an XLSForm needs a sheet named 'survey' with a header row starting "
            "'type', 'name', 'label'"
            + (f"; rename sheet '{similar[0]}' to 'survey'." if similar else "."),
        )
    return found


def _snake(text: str) -> str:
    return "_".join(text.split()).lower()


def normalise_header(text: str, double_colon: bool) -> str:
    """A header cell -> the canonical column name (pyxform's rules, lower case).

    Parameters
    ----------
    text : str
        The header as written (stripped, runs of spaces collapsed).
    double_colon : bool
        Whether any header of the sheet uses ``::``; if not, ``label:English`` is
        split on the single colon, as in pyxform.
    """
    if double_colon or "::" in text:
        tokens = [t.strip() for t in text.split("::")]
    else:
        tokens = [t.strip() for t in text.split(":")]
        if "jr" in (t.lower() for t in tokens):  # "jr:count", "bind:jr:constraintMsg"
            i = [t.lower() for t in tokens].index("jr")
            tokens[i : i + 2] = [f"jr:{tokens[i + 1]}" if i + 1 < len(tokens) else "jr"]
    first = _snake(tokens[0])
    if len(tokens) == 1 or first not in _STRUCTURED:
        key = _snake(text)
        return _ALIASES.get(key, key)
    rest = tokens[1:]
    if first in _PREFIXES and rest:
        first, rest = _snake(rest[0]), rest[1:]
    first = _ALIASES.get(first, first)
    lang = "::".join(t for t in rest if t)
    return f"{first}::{lang}" if lang else first


def sheet_records(raw: pd.DataFrame, path: Path, sheet: str, role: str) -> pd.DataFrame:
    """Header row -> normalised columns; keeps the spreadsheet row number in ``row``.

    Parameters
    ----------
    raw : pandas.DataFrame
        The sheet's cells (:func:`open_workbook`).
    path : Path
        The workbook, for error messages.
    sheet : str
        The sheet's name in the workbook, for error messages.
    role : str
        ``survey``, ``choices``, ``settings`` ...: which spellings are verbatim.

    Returns
    -------
    pandas.DataFrame
        One row per non-blank spreadsheet row after the header, text stripped, empty
        cells missing; the frame's ``attrs["merged"]`` lists ``(header, header)`` pairs
        that pyxform reads as one column.

    Raises
    ------
    InstrumentError
        If a header appears twice, or two headers are different names of one column
        in a way pyxform rejects.
    """
    nonblank = raw.dropna(how="all")
    if nonblank.empty:
        return pd.DataFrame(columns=["row"])
    header_idx = int(nonblank.index[0])
    texts: list[str] = []
    empty_run = 0
    for cell in raw.loc[header_idx]:
        text = " ".join(cell.split()) if isinstance(cell, str) else ""
        if not text:
            if empty_run == _MAX_BLANK_HEADERS:
                break
            empty_run += 1
        else:
            empty_run = 0
        texts.append(text)
    double_colon = any("::" in t for t in texts)
    first_pos: dict[str, int] = {}
    columns: dict[str, list[int]] = {}
    merged: list[tuple[str, str]] = []
    for pos, text in enumerate(texts):
        if not text:
            continue
        key = normalise_header(text, double_colon)
        if key not in first_pos:
            first_pos[key] = pos
            columns[key] = [pos]
            continue
        other = texts[first_pos[key]]
        known = key.split("::")[0] in _STRUCTURED | _VERBATIM.get(role, set()) | {
            *_ALIASES.values()
        }
        verbatim = text in _VERBATIM.get(role, set()) or (role == "settings" and text == key)
        if text == other or (known and not verbatim):
            raise InstrumentError(
                f"column header '{key}' appears twice (columns {first_pos[key] + 1} "
                f"and {pos + 1}: '{other}' and '{text}').",
                file=path,
                sheet=sheet,
                row=header_idx + 1,
                column=text,
                hint="delete or rename one of the two columns.",
            )
        columns[key].append(pos)
        merged.append((other, text))
    body = raw.loc[raw.index > header_idx]
    data: dict[str, pd.Series] = {}
    for key, positions in columns.items():
        series = _clean(body[positions[0]]) if positions[0] in body else None
        for pos in positions[1:]:  # a later column of the same meaning wins
            later = _clean(body[pos]) if pos in body else None
            if later is not None:
                series = later if series is None else later.fillna(series)
        data[key] = series if series is not None else pd.Series(pd.NA, index=body.index)
    frame = pd.DataFrame(data, index=body.index, dtype=object)
    blank = frame.isna().all(axis=1)
    frame = frame[~blank]
    frame, cut = _cut_after_blank_run(frame, blank)
    frame = frame.assign(row=(frame.index + 1).astype(int)).reset_index(drop=True)
    frame.attrs["merged"] = merged
    ignored = [r for r in (cut, raw.attrs.get("first_ignored_row")) if r]
    if ignored:
        frame.attrs["first_ignored_row"] = min(ignored)
    return frame


def _clean(column: pd.Series) -> pd.Series:
    """Strip text as pyxform does (no-break spaces too); empty text becomes missing."""
    out = column.map(lambda v: v.replace("\xa0", " ").strip() if isinstance(v, str) else v)
    return out.replace("", pd.NA).astype(object)


def _cut_after_blank_run(frame: pd.DataFrame, blank: pd.Series) -> tuple[pd.DataFrame, int | None]:
    """Drop rows after a run of more than 60 blank rows (blank in the header columns).

    Returns the kept rows and the spreadsheet row of the first dropped one.
    """
    if frame.empty:
        return frame, None
    previous = int(blank.index[0]) - 1
    for i, number in enumerate(frame.index):
        if int(number) - previous - 1 > MAX_BLANK_ROWS:
            return frame.iloc[:i], int(number) + 1
        previous = int(number)
    return frame, None


def settings_sheet(raw: pd.DataFrame, path: Path, sheet: str) -> dict[str, str]:
    """The settings sheet as a mapping of normalised header to value (first row only)."""
    rec = sheet_records(raw, path, sheet, "settings")
    if rec.empty:
        return {}
    first = rec.iloc[0].drop(labels="row")
    return {str(k): str(v) for k, v in first.items() if not pd.isna(v)}
