"""XLSForm instruments: parsing any real-world form, and the bundled questionnaire.

:func:`read_xlsform` turns an XLSForm workbook (``.xlsx`` or ``.xls``) into an
:class:`Instrument`: a ``questions`` table with one row per survey-sheet entry (groups
included, with their path), and a ``choices`` mapping from list name to a table of
choice names and labels.  It accepts what form authors actually write: headers in
any case, ``list name`` or ``list_name``, translated columns such as
``label::English (en)``, nested groups and repeats, ``or_other``,
``select_one_from_file``, blank rows and comment columns, and a settings sheet.
A malformed form gets an :class:`~toolkit.errors.InstrumentError` naming the sheet,
row and problem.

:func:`load_instrument` returns the bundled questionnaire, whose question and choice
names are the study's codebook.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import pandas as pd

from toolkit.errors import InstrumentError
from toolkit.instrument._excel import WorkbookError, read_workbook

__all__ = [
    "DATE_TYPES",
    "NUMERIC_TYPES",
    "SELECT_TYPES",
    "Instrument",
    "bundled_instrument_path",
    "load_instrument",
    "read_xlsform",
]

SELECT_TYPES = ("select_one", "select_multiple")
NUMERIC_TYPES = ("integer", "decimal", "range")
DATE_TYPES = ("date", "datetime", "time", "start", "end", "today")
_FILE_SELECTS = ("select_one_from_file", "select_multiple_from_file")
_GROUP_OPEN = {"begin group": "group", "begin repeat": "repeat"}
_GROUP_CLOSE = {"end group": "group", "end repeat": "repeat"}

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
_TRUE = {"yes", "true", "true()", "1", "y"}
# XML names as pyxform accepts them: a letter (any script) or '_' first, then letters,
# digits, '_', '-' or '.'.  Non-ASCII letters are valid ("número", "région").
_NAME_RE = re.compile(r"^[^\W\d][\w.\-]*$")
# Columns that carry text in a language ("label::French (fr)").  An untranslated column
# ("label") belongs to the settings' default_language, as in pyxform, else "default".
_TRANSLATABLE = ("label", "hint", "guidance_hint", "constraint_message", "required_message")


@dataclass(frozen=True)
class Instrument:
    """A parsed XLSForm questionnaire.

    Attributes
    ----------
    questions : pandas.DataFrame
        One row per survey-sheet entry, in form order, with columns ``name``,
        ``type`` (base type, e.g. ``select_multiple``, ``integer``, ``begin_group``),
        ``list_name``, ``group`` (slash-separated path of enclosing groups),
        ``repeat`` (path of the innermost enclosing repeat or ``""``), one
        ``label::<language>`` column per language (an untranslated ``label`` column
        is named after the settings' ``default_language``, or ``label::default``),
        ``hint::<language>``,
        ``required`` (bool), ``relevant``, ``constraint``, ``calculation``,
        ``appearance``, ``or_other`` (bool), ``choice_file`` and ``row`` (the
        spreadsheet row).  ``end`` rows of groups are not listed.
    choices : dict of str to pandas.DataFrame
        List name -> table with ``name``, ``label::<language>`` columns, any extra
        columns of the choices sheet (e.g. ``definition``) and ``row``.  Lists used
        with ``or_other`` gain an ``other`` choice (``row`` missing), as in pyxform.
    settings : dict of str to str
        The settings sheet (``form_id``, ``version``, ``default_language`` ...).
    languages : tuple of str
        Label languages, the default first; ``"default"`` for untranslated labels.
    path : pathlib.Path or None
        Where the form was read from.
    """

    questions: pd.DataFrame
    choices: dict[str, pd.DataFrame]
    settings: dict[str, str] = field(default_factory=dict)
    languages: tuple[str, ...] = ("default",)
    path: Path | None = None

    # -- look-ups ---------------------------------------------------------------------
    def question(self, name: str) -> pd.Series:
        """Return the row of question ``name``.

        Raises
        ------
        KeyError
            If the form has no such question.
        """
        hit = self.questions[self.questions["name"] == name]
        if hit.empty:
            raise KeyError(f"the instrument has no question named {name!r}")
        return hit.iloc[0]

    def fields(self) -> pd.DataFrame:
        """Questions that hold answers (groups, notes and ``end`` rows excluded)."""
        q = self.questions
        return q[~q["type"].isin(["begin_group", "begin_repeat", "note"])]

    def choice_names(self, list_name: str) -> list[str]:
        """Choice names of a list, in form order."""
        return self.choices[list_name]["name"].tolist()

    def label(self, name: str, language: str | None = None) -> str:
        """Label of a question in ``language`` (default language when omitted)."""
        col = f"label::{language or self.languages[0]}"
        value = self.question(name).get(col, "")
        return "" if pd.isna(value) else str(value)

    def choice_labels(self, list_name: str, language: str | None = None) -> dict[str, str]:
        """Mapping of choice name to label for one list."""
        table = self.choices[list_name]
        col = f"label::{language or self.languages[0]}"
        labels = table[col] if col in table else table["name"]
        return dict(zip(table["name"], labels.fillna(table["name"])))

    def activity_taxonomy(self, language: str | None = None) -> pd.DataFrame:
        """The activity types of the bundled codebook with labels and definitions.

        Returns
        -------
        pandas.DataFrame
            Columns ``code``, ``label`` and ``definition`` (``other`` excluded).
        """
        table = self.choices["activity"]
        table = table[table["name"] != "other"]
        col = f"label::{language or self.languages[0]}"
        return pd.DataFrame(
            {
                "code": table["name"].to_numpy(),
                "label": table[col].to_numpy() if col in table else table["name"].to_numpy(),
                "definition": table["definition"].to_numpy() if "definition" in table else "",
            }
        )

    def select_multiple_questions(self) -> pd.DataFrame:
        """Rows of ``select_multiple`` questions."""
        return self.questions[self.questions["type"] == "select_multiple"]


def bundled_instrument_path() -> Path:
    """Path of the bundled XLSForm questionnaire (``toolkit/data/instrument.xlsx``)."""
    return Path(str(resources.files("toolkit") / "data" / "instrument.xlsx"))


def load_instrument() -> Instrument:
    """Return the bundled questionnaire.

    Returns
    -------
    Instrument
        The study's codebook: ``ns_iso3`` (select_one ``ns``), ``activities``
        (select_multiple ``activity``) and per-activity stage, target group, service
        type and reach questions, scale, cooperation and respondent contact fields.
    """
    return read_xlsform(bundled_instrument_path())


# ------------------------------------------------------------------------------------
def read_xlsform(path: str | Path) -> Instrument:
    """Parse an XLSForm workbook.

    Parameters
    ----------
    path : str or Path
        An ``.xlsx`` or ``.xls`` XLSForm (the format is recognised from the content,
        so a workbook with the wrong suffix still opens).

    Returns
    -------
    Instrument

    Raises
    ------
    InstrumentError
        If the file is not an Excel workbook or cannot be opened, has no ``survey``
        sheet, repeats a column header or a question name, uses a choice list that
        the ``choices`` sheet does not define, has unbalanced groups, a row without
        a name, an invalid name, or a row with a name or label but no type.  The
        message names the sheet and row.

    Notes
    -----
    The rules follow pyxform, the reference implementation of XLSForm, with one
    deliberate difference: a question name may be used only once in the whole form,
    even in different groups, because exports are matched to questions by name.
    """
    path = Path(path)
    sheets = _read_workbook(path)
    lower = {name.strip().lower(): name for name in sheets}
    if "survey" not in lower:
        raise InstrumentError(
            f"the workbook has no 'survey' sheet (sheets: {', '.join(sheets) or 'none'}).",
            file=path,
            hint="an XLSForm needs a sheet named 'survey' with a header row starting "
            "'type', 'name', 'label'.",
        )
    survey = _sheet_records(sheets[lower["survey"]], path, lower["survey"])
    choices_raw = (
        _sheet_records(sheets[lower["choices"]], path, lower["choices"])
        if "choices" in lower
        else pd.DataFrame(columns=["list_name", "name", "row"])
    )
    settings = (
        _settings(sheets[lower["settings"]], path, lower["settings"]) if "settings" in lower else {}
    )
    choices = _choices(choices_raw, path, lower.get("choices", "choices"))
    questions = _questions(survey, choices, path, lower["survey"])
    untranslated = settings.get("default_language", "").strip() or "default"
    questions = _localise(questions, untranslated)
    choices = {k: _localise(v, untranslated) for k, v in choices.items()}
    languages = _languages(questions, choices, settings)
    return Instrument(
        questions=questions, choices=choices, settings=settings, languages=languages, path=path
    )


def _read_workbook(path: Path) -> dict[str, pd.DataFrame]:
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


def _normalise_header(raw: object) -> str:
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


def _sheet_records(raw: pd.DataFrame, path: Path, sheet: str) -> pd.DataFrame:
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


def _settings(raw: pd.DataFrame, path: Path, sheet: str) -> dict[str, str]:
    rec = _sheet_records(raw, path, sheet)
    if rec.empty:
        return {}
    first = rec.iloc[0].drop(labels="row")
    return {k: str(v) for k, v in first.items() if not pd.isna(v)}


def _choices(raw: pd.DataFrame, path: Path, sheet: str) -> dict[str, pd.DataFrame]:
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
    for rec in raw.itertuples(index=False):
        r = rec._asdict() if hasattr(rec, "_asdict") else dict(rec)
        if pd.isna(r["list_name"]) or pd.isna(r["name"]):
            missing = "list_name" if pd.isna(r["list_name"]) else "name"
            raise InstrumentError(
                f"a choice has no {missing}.",
                file=path,
                sheet=sheet,
                row=int(r["row"]),
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


def _questions(
    survey: pd.DataFrame, choices: dict[str, pd.DataFrame], path: Path, sheet: str
) -> pd.DataFrame:
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


def _localise(table: pd.DataFrame, untranslated: str) -> pd.DataFrame:
    """Name untranslated text columns after their language (``label`` -> ``label::X``).

    ``X`` is the settings' ``default_language`` (pyxform's rule) unless the form also
    has an explicit ``label::X`` column, in which case the plain one is ``default``.
    """
    rename = {}
    for col in table.columns:
        if col in _TRANSLATABLE:
            target = f"{col}::{untranslated}"
            rename[col] = target if target not in table.columns else f"{col}::default"
    return table.rename(columns=rename) if rename else table


def _languages(
    questions: pd.DataFrame, choices: dict[str, pd.DataFrame], settings: dict[str, str]
) -> tuple[str, ...]:
    cols = list(questions.columns)
    for table in choices.values():
        cols.extend(table.columns)
    langs = [c.split("::", 1)[1] for c in cols if c.startswith("label::")]
    ordered = list(dict.fromkeys(langs)) or ["default"]
    default = settings.get("default_language", "").strip()
    if default in ordered:
        ordered.remove(default)
        ordered.insert(0, default)
    return tuple(ordered)
