"""XLSForm instruments: parsing any real-world form, and the bundled questionnaire.

:func:`read_xlsform` turns an XLSForm workbook (``.xlsx`` or ``.xls``) into an
:class:`Instrument`: a ``questions`` table with one row per survey-sheet entry (groups,
repeats and loops included, with their paths), and a ``choices`` mapping from list
name to a table of choice names, labels and any extra columns.  It reads every form
pyxform (the XLSForm reference implementation) converts, following pyxform's rules for
finding sheets, reading headers (any case, aliases, ``label:English``,
``label::English (en)``), skipping comment and disabled rows, naming notes without a
name, expanding ``begin loop over`` and adding ``or_other``; and it rejects, with an
:class:`~toolkit.errors.InstrumentError` naming the sheet, row and column, the forms
pyxform rejects (one tolerance: duplicate choice names of old KoboToolbox forms).

The steps live in private modules: :mod:`._sheets` (sheets and headers),
:mod:`._choices`, :mod:`._types` (type cells), :mod:`._survey` (row checks and
nesting, with :mod:`._selects` and :mod:`._parameters`; nodes in :mod:`._context`),
:mod:`._questions` (the table) and :mod:`._references` (``${name}`` checks).

:func:`load_instrument` returns the bundled questionnaire, whose question and choice
names are the study's codebook.
"""

from __future__ import annotations

import hashlib
import threading
import warnings
from collections import Counter, OrderedDict
from importlib import resources
from pathlib import Path

import pandas as pd

from toolkit.errors import InstrumentError
from toolkit.instrument._choices import choice_lists
from toolkit.instrument._context import SurveyContext
from toolkit.instrument._form_cache import load_form, store_form
from toolkit.instrument._instances import check_instance_ids
from toolkit.instrument._model import Instrument, InstrumentWarning
from toolkit.instrument._questions import question_table
from toolkit.instrument._references import Names, check_references, check_survey_references
from toolkit.instrument._sheets import (
    MAX_BLANK_ROWS,
    find_sheets,
    open_workbook,
    settings_sheet,
    sheet_records,
)
from toolkit.instrument._survey import survey_tree
from toolkit.instrument._types import NAME_RE

__all__ = ["bundled_instrument_path", "load_instrument", "read_xlsform"]

_KEEP = 16  # parsed forms kept (least recently used dropped)
_kept: OrderedDict[str, Instrument] = OrderedDict()
_kept_lock = threading.Lock()

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
        ``questions`` has one row per survey row (loops expanded); ``name`` is unique:
        a name that pyxform allows again in another group or repeat is written with
        its group path (``household/age``), the name as written is in ``short_name``.

    Raises
    ------
    InstrumentError
        If pyxform would reject the form: no survey sheet, a duplicated header, a row
        without a type or name, an invalid name, a name used twice in one group, an
        unknown type, a choice list that is not defined, unbalanced groups, a bad
        ``${...}`` reference ... (see :mod:`toolkit.instrument._survey`).  The
        message names the sheet, row and column.  One exception: duplicate choice
        names in a list (old KoboToolbox forms) are read with a warning.

    Warns
    -----
    InstrumentWarning
        For what was tolerated (also in :attr:`Instrument.warnings`).

    Notes
    -----
    A form is parsed once per content: the parsed form is kept by the SHA-256 of the
    file's bytes (not its modification time), and reading the same bytes again (from
    any path) gives a copy of it, as if parsed again (its warnings are emitted again);
    changing the copy cannot change what is kept.  It is kept in memory and in the
    user's cache folder, so that another process (each notebook's kernel) reads it
    without parsing again (:mod:`toolkit.instrument._form_cache`; ``NSMAP_CACHE_DIR``
    names the folder, ``off`` turns it off).

    The rules follow pyxform, the reference implementation of XLSForm, which reads
    every form read_xlsform reads except that sheet names with stray spaces are found.
    Type cells are case-sensitive, as in pyxform (``Integer`` is an unknown type).
    """
    path = Path(path)
    try:
        key = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:  # missing, a folder, unreadable: the reader says what is wrong
        key = ""
    with _kept_lock:
        form = _kept.get(key) if key else None
        if form is not None:
            _kept.move_to_end(key)
    if form is None:
        form = load_form(key)  # parsed by an earlier process (see ._form_cache)
        if form is not None:
            _keep(key, form)
    if form is None:
        form = _parse_xlsform(path)
        if key and _same_bytes(path, key):  # not changed while it was parsed
            store_form(key, form)
            _keep(key, form)
    for note in form.warnings:
        warnings.warn(f"{path}: {note}", InstrumentWarning, stacklevel=2)
    return _copy(form, path)


def _keep(key: str, form: Instrument) -> None:
    with _kept_lock:
        _kept[key] = form
        while len(_kept) > _KEEP:
            _kept.popitem(last=False)


def _same_bytes(path: Path, key: str) -> bool:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest() == key
    except OSError:
        return False


def _copy(form: Instrument, path: Path) -> Instrument:
    """A copy of a kept form that its caller may change, read from ``path``."""
    return Instrument(
        questions=form.questions.copy(deep=True),
        choices={k: v.copy(deep=True) for k, v in form.choices.items()},
        settings=dict(form.settings),
        languages=form.languages,
        path=path,
        warnings=form.warnings,
    )


def _parse_xlsform(path: Path) -> Instrument:
    """Parse an XLSForm workbook (:func:`read_xlsform` without keeping it); the
    warnings are in :attr:`Instrument.warnings`, not emitted."""
    path = Path(path)
    sheet_names, sheets = open_workbook(path)
    roles = find_sheets(sheet_names, path)
    notes: list[str] = []

    def records(role: str) -> pd.DataFrame:
        if role not in roles:
            return pd.DataFrame(columns=["row"])
        rec = sheet_records(sheets[roles[role]], path, roles[role], role)
        notes.extend(_sheet_notes(roles[role], rec))
        return rec

    survey = records("survey")
    settings = (
        settings_sheet(sheets[roles["settings"]], path, roles["settings"])
        if "settings" in roles
        else {}
    )
    if "name" in settings and not NAME_RE.fullmatch(settings["name"]):
        raise InstrumentError(
            "the form's name (the root element of its data) is not a valid XML name.",
            file=path,
            sheet=roles["settings"],
            row=2,
            column="name",
            value=settings["name"],
            hint="use letters, digits and '_' only, starting with a letter.",
        )
    choices_raw = records("choices")
    external = records("external_choices")
    external_lists = (
        set(external["list_name"].dropna().astype(str)) if "list_name" in external else set()
    )
    sheet = choice_lists(choices_raw, path, roles.get("choices"), settings, notes)
    ctx = SurveyContext(path, roles["survey"], sheet, external_lists, settings, notes)
    tree = survey_tree(survey, ctx)
    choices = sheet.lists
    questions = question_table(tree, choices, [str(c) for c in survey.columns], ctx)
    names = Counter(ctx.element_names)
    if settings.get("omit_instanceid", "").strip().lower() not in ("yes", "true", "true()"):
        names["instanceID"] += 1
    settings_rec = (
        sheet_records(sheets[roles["settings"]], path, roles["settings"], "settings")
        if "settings" in roles
        else pd.DataFrame(columns=["row"])
    )
    referable = Names(names, Counter(questions["short_name"]), ctx.external_names)
    check_survey_references(ctx, referable)
    check_references(
        path,
        [
            (roles.get("settings", ""), settings_rec, "settings"),
            (roles["survey"], survey, "survey"),
            (roles.get("choices", ""), choices_raw, "choices"),
            (roles.get("entities", ""), records("entities"), "entities"),
        ],
        referable,
    )
    check_instance_ids(path, survey, roles["survey"], choices_raw, roles.get("choices"))
    untranslated = settings.get("default_language", "").strip() or "default"
    questions = _localise(questions, untranslated)
    choices = {k: _localise(v, untranslated) for k, v in choices.items()}
    languages = _languages(questions, choices, settings)
    return Instrument(
        questions=questions,
        choices=choices,
        settings=settings,
        languages=languages,
        path=path,
        warnings=tuple(notes),
    )


def _sheet_notes(sheet: str, rec: pd.DataFrame) -> list[str]:
    """Warnings about what pyxform's reading rules left out of a sheet."""
    out = []
    for first, later in rec.attrs.get("merged", []):
        out.append(
            f"sheet '{sheet}': columns '{first}' and '{later}' mean the same; pyxform "
            f"reads them as one column, with the values of '{later}' where it has any."
        )
    first_ignored = rec.attrs.get("first_ignored_row")
    if first_ignored:
        out.append(
            f"sheet '{sheet}': rows from row {first_ignored} on were ignored, because they "
            f"follow more than {MAX_BLANK_ROWS} blank rows (pyxform ignores them too)."
        )
    return out


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
