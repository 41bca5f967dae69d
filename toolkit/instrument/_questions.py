"""Building the question table from the survey sheet of an XLSForm.

Types are split into base type, choice list, ``or_other`` and choice file; groups and
repeats are tracked to give every question its path; names, choice lists and group
nesting are checked as pyxform does, with one deliberate difference: a question name
may be used only once in the whole form.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from toolkit.errors import InstrumentError
from toolkit.instrument._model import SELECT_TYPES

__all__ = ["question_table"]

_FILE_SELECTS = ("select_one_from_file", "select_multiple_from_file")
_GROUP_OPEN = {"begin group": "group", "begin repeat": "repeat"}
_GROUP_CLOSE = {"end group": "group", "end repeat": "repeat"}
_TRUE = {"yes", "true", "true()", "1", "y"}
# XML names as pyxform accepts them: a letter (any script) or '_' first, then letters,
# digits, '_', '-' or '.'.  Non-ASCII letters are valid ("número", "région").
_NAME_RE = re.compile(r"^[^\W\d][\w.\-]*$")


def _split_type(raw_type: str) -> tuple[str, str, bool, str]:
    """Return (base type, list name, or_other, choice file)."""
    text = re.sub(r"\s+", " ", raw_type.strip())
    low = text.lower()
    for closer, kind in {**_GROUP_OPEN, **_GROUP_CLOSE}.items():
        if low in (closer, closer.replace(" ", "_")):
            prefix = "begin" if closer.startswith("begin") else "end"
            return f"{prefix}_{kind}", "", False, ""
    parts = text.split(" ")
    base = parts[0].lower()
    if base in _FILE_SELECTS:
        return (
            base.replace("_from_file", ""),
            parts[1] if len(parts) > 1 else "",
            False,
            parts[1] if len(parts) > 1 else "",
        )
    if base in SELECT_TYPES or base == "rank":
        list_name = parts[1] if len(parts) > 1 else ""
        or_other = len(parts) > 2 and parts[2].lower() == "or_other"
        return base, list_name, or_other, ""
    # "select one x" (space) and "select_one(x)"-style variants
    m = re.match(r"^select[ _](one|multiple)[ (]+([^ )]+)\)?( or_other)?$", low)
    if m:
        return (
            f"select_{m.group(1)}",
            text.split()[-1 if not m.group(3) else -2].strip("()"),
            bool(m.group(3)),
            "",
        )
    return base, "", False, ""


def question_table(
    survey: pd.DataFrame, choices: dict[str, pd.DataFrame], path: Path, sheet: str
) -> pd.DataFrame:
    """Build the question table of an :class:`~toolkit.instrument.Instrument`.

    Parameters
    ----------
    survey : pandas.DataFrame
        Records of the survey sheet (:func:`~toolkit.instrument._sheets.sheet_records`).
    choices : dict of str to pandas.DataFrame
        The choice lists; a list used with ``or_other`` gains an ``other`` choice
        (the mapping is updated in place).
    path : Path
        The workbook, for error messages.
    sheet : str
        Name of the survey sheet, for error messages.

    Returns
    -------
    pandas.DataFrame
        One row per survey-sheet entry except ``end`` rows (see
        :attr:`Instrument.questions <toolkit.instrument.Instrument>`).

    Raises
    ------
    InstrumentError
        If the sheet has no ``type`` or ``name`` column, a row lacks a type or name,
        a name is invalid or used twice, a choice list is missing or undefined, or
        groups and repeats are unbalanced.
    """
    if "type" not in survey.columns:
        raise InstrumentError(
            "the survey sheet has no 'type' column.",
            file=path,
            sheet=sheet,
            row=1,
            hint="the first row of the survey sheet must hold the headers 'type', 'name', 'label'.",
        )
    if "name" not in survey.columns:
        raise InstrumentError(
            "the survey sheet has no 'name' column.",
            file=path,
            sheet=sheet,
            row=1,
            hint="add a 'name' column.",
        )
    rows: list[dict[str, object]] = []
    stack: list[tuple[str, str, int]] = []  # (kind, name, row)
    names: dict[str, int] = {}
    label_cols = [c for c in survey.columns if c == "label" or c.startswith("label::")]
    for rec in survey.to_dict("records"):
        row = int(rec["row"])
        raw_type = rec.get("type")
        if pd.isna(raw_type):
            # As in pyxform: a row with neither name nor label (only a hint, a note in
            # another column ...) is a comment and skipped; a row with a name or a
            # label but no type is an error ("Question with no type").
            label = next((rec[c] for c in label_cols if not pd.isna(rec.get(c))), None)
            if not pd.isna(rec.get("name")) or label is not None:
                what = (
                    f"a name ('{rec['name']}')"
                    if not pd.isna(rec.get("name"))
                    else f"a label ('{label}')"
                )
                raise InstrumentError(
                    f"row has {what} but no type.",
                    file=path,
                    sheet=sheet,
                    row=row,
                    column="type",
                    hint="give the row a type (e.g. 'note' for a "
                    "heading) or delete it; a comment belongs in a column whose header "
                    "starts with '#'.",
                )
            continue
        base, list_name, or_other, choice_file = _split_type(str(raw_type))
        name = rec.get("name")
        if base in ("end_group", "end_repeat"):
            kind = base.split("_")[1]
            if not stack:
                raise InstrumentError(
                    f"'{raw_type}' has no matching 'begin {kind}'.",
                    file=path,
                    sheet=sheet,
                    row=row,
                    column="type",
                    hint=f"add the missing 'begin {kind}' or remove this row.",
                )
            if stack[-1][0] != kind:
                open_kind, open_name, open_row = stack[-1]
                raise InstrumentError(
                    f"'{raw_type}' does not close the open 'begin {open_kind}' "
                    f"'{open_name}' (row {open_row}).",
                    file=path,
                    sheet=sheet,
                    row=row,
                    column="type",
                    hint=f"close the {open_kind} with 'end {open_kind}' "
                    f"before this row, or change this row to 'end {open_kind}'.",
                )
            stack.pop()
            continue
        if pd.isna(name):
            raise InstrumentError(
                f"a '{raw_type}' row has no name.",
                file=path,
                sheet=sheet,
                row=row,
                column="name",
                hint="give every question and group a unique name.",
            )
        name = str(name)
        if not _NAME_RE.match(name):
            raise InstrumentError(
                "the name is not a valid XML name (it must start with a letter or '_' and "
                "hold only letters, digits, '_', '-' or '.'; no spaces).",
                file=path,
                sheet=sheet,
                row=row,
                column="name",
                value=name,
                hint="rename the question, e.g. with '_' instead of spaces.",
            )
        if name in names:
            raise InstrumentError(
                f"question name '{name}' is used twice (rows {names[name]} and {row}).",
                file=path,
                sheet=sheet,
                row=row,
                column="name",
                value=name,
                hint="give every question a unique name, even in different groups: exports "
                "are matched to questions by name, and names are the codebook.",
            )
        names[name] = row
        if base in SELECT_TYPES or base == "rank":
            if not list_name:
                raise InstrumentError(
                    f"'{raw_type}' names no choice list.",
                    file=path,
                    sheet=sheet,
                    row=row,
                    column="type",
                    value=raw_type,
                    hint="write e.g. 'select_one yes_no'.",
                )
            if not choice_file and list_name not in choices:
                raise InstrumentError(
                    f"choice list '{list_name}' is not defined in the choices sheet.",
                    file=path,
                    sheet=sheet,
                    row=row,
                    column="type",
                    value=raw_type,
                    hint=f"add rows with list_name '{list_name}' to the choices sheet, or "
                    "fix the spelling.",
                )
        group = "/".join(s[1] for s in stack)
        repeat = "/".join(
            s[1]
            for s in stack[
                : max((i + 1 for i, s in enumerate(stack) if s[0] == "repeat"), default=0)
            ]
        )
        entry: dict[str, object] = {
            "name": name,
            "type": base,
            "list_name": list_name,
            "group": group,
            "repeat": repeat,
            "or_other": or_other,
            "choice_file": choice_file,
            "row": row,
            "required": str(rec.get("required", "")).strip().lower() in _TRUE,
        }
        for col in (
            "relevant",
            "constraint",
            "calculation",
            "appearance",
            "choice_filter",
            "repeat_count",
            "default",
            "parameters",
        ):
            value = rec.get(col)
            entry[col] = "" if value is None or pd.isna(value) else str(value)
        for col in survey.columns:
            if col.startswith(("label", "hint", "constraint_message", "required_message")):
                value = rec.get(col)
                entry[col] = "" if pd.isna(value) else str(value)
        rows.append(entry)
        if base in ("begin_group", "begin_repeat"):
            stack.append((base.split("_")[1], name, row))
        if or_other:
            other = f"{name}_other"
            if other in names:
                raise InstrumentError(
                    f"'or_other' adds a question '{other}', but that name is already used "
                    f"(row {names[other]}).",
                    file=path,
                    sheet=sheet,
                    row=row,
                    column="type",
                    value=raw_type,
                    hint=f"rename question '{other}' or drop 'or_other' and "
                    "add an 'other' choice with its own text question.",
                )
            rows.append(
                {
                    **dict.fromkeys(entry, ""),
                    "name": other,
                    "type": "text",
                    "list_name": "",
                    "group": group,
                    "repeat": repeat,
                    "or_other": False,
                    "choice_file": "",
                    "row": row,
                    "required": False,
                    "relevant": f"selected(${{{name}}}, 'other')",
                    **dict.fromkeys(label_cols, "Specify other"),
                }
            )
            names[other] = row
    if stack:
        kind, name, row = stack[-1]
        raise InstrumentError(
            f"'begin {kind}' {name!r} is never closed.",
            file=path,
            sheet=sheet,
            row=row,
            column="type",
            hint=f"add an 'end {kind}' row after its last question.",
        )
    for list_name, table in choices.items():
        # or_other lists gain an implicit 'other' choice, as in pyxform.
        if any(r["or_other"] and r["list_name"] == list_name for r in rows) and "other" not in set(
            table["name"]
        ):
            extra = {c: "Other" for c in table.columns if c.startswith("label")}
            choices[list_name] = pd.concat(
                [table, pd.DataFrame([{**extra, "name": "other", "row": pd.NA}])], ignore_index=True
            )
    return pd.DataFrame(rows)
