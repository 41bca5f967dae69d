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

from importlib import resources
from pathlib import Path

import pandas as pd

from toolkit.errors import InstrumentError
from toolkit.instrument._model import Instrument
from toolkit.instrument._questions import question_table
from toolkit.instrument._sheets import choice_lists, open_workbook, settings_sheet, sheet_records

__all__ = ["bundled_instrument_path", "load_instrument", "read_xlsform"]

# Columns that carry text in a language ("label::French (fr)").  An untranslated column
# ("label") belongs to the settings' default_language, as in pyxform, else "default".
_TRANSLATABLE = ("label", "hint", "guidance_hint", "constraint_message", "required_message")


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
    sheets = open_workbook(path)
    lower = {name.strip().lower(): name for name in sheets}
    if "survey" not in lower:
        raise InstrumentError(
            f"the workbook has no 'survey' sheet (sheets: {', '.join(sheets) or 'none'}).",
            file=path,
            hint="an XLSForm needs a sheet named 'survey' with a header row starting "
            "'type', 'name', 'label'.",
        )
    survey = sheet_records(sheets[lower["survey"]], path, lower["survey"])
    choices_raw = (
        sheet_records(sheets[lower["choices"]], path, lower["choices"])
        if "choices" in lower
        else pd.DataFrame(columns=["list_name", "name", "row"])
    )
    settings = (
        settings_sheet(sheets[lower["settings"]], path, lower["settings"])
        if "settings" in lower
        else {}
    )
    choices = choice_lists(choices_raw, path, lower.get("choices", "choices"))
    questions = question_table(survey, choices, path, lower["survey"])
    untranslated = settings.get("default_language", "").strip() or "default"
    questions = _localise(questions, untranslated)
    choices = {k: _localise(v, untranslated) for k, v in choices.items()}
    languages = _languages(questions, choices, settings)
    return Instrument(
        questions=questions, choices=choices, settings=settings, languages=languages, path=path
    )


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
