"""The :class:`Instrument` model: a parsed XLSForm questionnaire and its look-ups.

Also the question types that ingestion treats alike (:data:`SELECT_TYPES`,
:data:`NUMERIC_TYPES`, :data:`DATE_TYPES`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

__all__ = ["DATE_TYPES", "NUMERIC_TYPES", "SELECT_TYPES", "Instrument"]

SELECT_TYPES = ("select_one", "select_multiple")
NUMERIC_TYPES = ("integer", "decimal", "range")
DATE_TYPES = ("date", "datetime", "time", "start", "end", "today")


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
