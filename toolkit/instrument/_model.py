"""The :class:`Instrument` model: a parsed XLSForm questionnaire and its look-ups.

Also the question types that ingestion treats alike (:data:`SELECT_TYPES`,
:data:`NUMERIC_TYPES`, :data:`DATE_TYPES`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

__all__ = ["DATE_TYPES", "NUMERIC_TYPES", "SELECT_TYPES", "Instrument", "InstrumentWarning"]

SELECT_TYPES = ("select_one", "select_multiple")
NUMERIC_TYPES = ("integer", "decimal", "range")
DATE_TYPES = ("date", "datetime", "time", "start", "end", "today")


_CONTAINERS = ("begin_group", "begin_repeat", "begin_loop")


class InstrumentWarning(UserWarning):
    """Something in an XLSForm was tolerated (and ignored or repaired) while reading it."""


@dataclass(frozen=True)
class Instrument:
    """A parsed XLSForm questionnaire.

    Attributes
    ----------
    questions : pandas.DataFrame
        One row per survey-sheet entry, in form order (``end`` rows are not listed),
        with columns

        * ``name``: unique in the table.  pyxform allows a name again in another
          group or repeat; such a name is qualified with its group path
          (``household/age`` and ``person/age``); a name used once stays as written;
        * ``short_name``: the name as written (the XML element name);
        * ``type``: canonical base type (``text``, ``integer``, ``select_one``,
          ``select_multiple``, ``note``, ``calculate`` ... and ``begin_group``,
          ``begin_repeat``, ``begin_loop``); aliases such as ``int`` or
          ``select one`` are mapped to these;
        * ``list_name``: choice list of a select or of a loop (``begin loop over``);
        * ``group``: slash-separated path of the enclosing groups, repeats and loops
          (for a question in a loop, the loop and the choice: ``loop/choice``);
        * ``repeat``: path of the innermost enclosing repeat or ``""``; for a
          ``begin_repeat`` row it is the parent repeat, so nested repeats form a
          tree (see :meth:`repeats`);
        * ``loop``: path of the innermost enclosing loop or ``""``.  A loop is
          expanded as pyxform expands it: after its ``begin_loop`` row, one
          ``begin_group`` row per choice of its list (except ``none``) followed by
          a copy of the loop's questions inside that choice's group;
        * ``path``: the element's own path (``group`` / ``short_name``), as in the
          XForm and in export headers with full paths;
        * ``or_other`` (bool), ``choice_file`` (of ``select_one_from_file``),
          ``row`` (the spreadsheet row), ``required`` (bool), ``relevant``,
          ``constraint``, ``calculation``, ``appearance``, ``choice_filter``,
          ``repeat_count``, ``default``, ``parameters``;
        * one ``label::<language>`` column per language (an untranslated ``label``
          column is named after the settings' ``default_language``, or
          ``label::default``), likewise ``hint::<language>``;
        * every other column of the survey sheet, including non-standard ones
          pyxform ignores (e.g. ``disclosure``), as text under its normalised
          lower-case header (``""`` where empty).
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
    warnings : tuple of str
        What was tolerated while reading (ignored choice rows, duplicate choice names
        of old Kobo forms ...); each is also emitted as an
        :class:`~toolkit.instrument.InstrumentWarning`.
    """

    questions: pd.DataFrame
    choices: dict[str, pd.DataFrame]
    settings: dict[str, str] = field(default_factory=dict)
    languages: tuple[str, ...] = ("default",)
    path: Path | None = None
    warnings: tuple[str, ...] = ()

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
        """Questions that hold answers (groups, repeats, loops and notes excluded)."""
        q = self.questions
        return q[~q["type"].isin([*_CONTAINERS, "note"])]

    def repeats(self) -> pd.DataFrame:
        """The repeat groups, for reading the repeat tables of an export.

        Returns
        -------
        pandas.DataFrame
            One row per repeat (per copy of a repeat inside a loop), in form order,
            with columns ``name`` (as in :attr:`questions`), ``short_name``, ``path``,
            ``parent`` (path of the enclosing repeat, ``""`` at the top level: nested
            repeats form a tree), ``repeat_count`` (expression or ``""``), ``row``
            and ``questions`` (tuple of the :meth:`fields` names whose innermost
            repeat this is).
        """
        q = self.questions
        reps = q[q["type"] == "begin_repeat"]
        fields = self.fields()
        inside = {
            path: tuple(fields.loc[fields["repeat"] == path, "name"]) for path in reps["path"]
        }
        return pd.DataFrame(
            {
                "name": reps["name"].to_numpy(),
                "short_name": reps["short_name"].to_numpy(),
                "path": reps["path"].to_numpy(),
                "parent": reps["repeat"].to_numpy(),
                "repeat_count": reps["repeat_count"].to_numpy(),
                "row": reps["row"].to_numpy(),
                "questions": [inside[p] for p in reps["path"]],
            },
            columns=["name", "short_name", "path", "parent", "repeat_count", "row", "questions"],
        )

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
