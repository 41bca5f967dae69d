"""The column crosswalk of an earlier round: its question names mapped to today's.

An earlier round may have used another form.  Its crosswalk is a UTF-8 CSV with the
columns ``old``, ``new`` and optionally ``note``, one row per item:

question row (``old`` and ``new`` are question names)
    the earlier question is today's question under another name: its column and its
    0/1 option columns (``<old>__<choice>``) are renamed (``<new>__<choice>``), and
    choices with today's names are taken as today's categories;
choice row (``old`` and ``new`` are ``<question>__<choice>`` columns)
    the earlier option is today's option: several earlier options may map to one of
    today's (a Society ticking any of them runs today's activity);
an empty ``new``
    says, for the record, that the earlier item has no equivalent today.

With a crosswalk, today's activity types are taken from an earlier round only where
the crosswalk says so (a choice row into ``activities__<code>``, or a question row
into ``activities`` whose question has a choice of that name); every other activity
type is *not comparable* in that round and its answers are left missing.  The
loosely defined categories of a 2007-style questionnaire therefore never pass for
today's defined ones by accident of spelling.  Without a crosswalk the round is taken
to have used today's names and categories.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from toolkit.errors import InputError
from toolkit.ingest import read_table_file
from toolkit.instrument import Instrument

__all__ = ["ACTIVITY_QUESTION", "RoundCrosswalk", "read_round_crosswalk"]

#: Today's Society-level activity-type question.
ACTIVITY_QUESTION = "activities"
_GATE = "has_migration_programme"


@dataclass(frozen=True)
class RoundCrosswalk:
    """A validated crosswalk (see the module notes).

    Attributes
    ----------
    questions : dict
        Earlier question -> today's question.
    choices : dict
        Today's option column -> the earlier option columns that map to it.
    dropped : tuple of str
        Earlier items recorded as having no equivalent today.
    path : Path or None
        The file read.
    """

    questions: dict[str, str] = field(default_factory=dict)
    choices: dict[str, list[str]] = field(default_factory=dict)
    dropped: tuple[str, ...] = ()
    path: Path | None = None

    def old_name(self, new: str) -> str:
        """The earlier question that is today's question ``new`` (``new`` itself if
        none is mapped to it)."""
        return next((o for o, n in self.questions.items() if n == new), new)

    def apply(
        self, data: pd.DataFrame, codes: Sequence[str], *, crosswalk_given: bool = True
    ) -> tuple[pd.DataFrame, list[str]]:
        """Rename an earlier round's table and rebuild today's activity types.

        Parameters
        ----------
        data : pandas.DataFrame
            The earlier round's answers, with its own column names.
        codes : sequence of str
            Today's activity codes.
        crosswalk_given : bool, default True
            False for a round without a crosswalk: names are taken as today's.

        Returns
        -------
        data : pandas.DataFrame
            Today's column names; ``activities__<code>`` for every code (``Int8``,
            missing where not comparable; 0 for a Society that answered it runs no
            activity for migrants) and ``activities`` rebuilt from them.
        comparable : list of str
            The activity codes comparable in this round.
        """
        out = data.copy()
        if crosswalk_given:
            rename: dict[str, str] = {}
            for old, new in self.questions.items():
                for col in data.columns:
                    if col == old:
                        rename[col] = new
                    elif str(col).startswith(f"{old}__"):
                        rename[col] = f"{new}__{str(col)[len(old) + 2 :]}"
            targets = set(rename.values())
            out = out.drop(columns=[c for c in out.columns if c in targets and c not in rename])
            out = out.rename(columns=rename)
            for target, sources in self.choices.items():
                block = data[[s for s in sources if s in data]]
                values = block.apply(pd.to_numeric, errors="coerce").max(axis=1, skipna=True)
                out[target] = values.where(block.notna().any(axis=1)).astype("Float64")
        prefix = f"{ACTIVITY_QUESTION}__"
        renamed_from = [o for o, n in self.questions.items() if n == ACTIVITY_QUESTION]
        comparable = []
        for c in codes:
            col = prefix + c
            if crosswalk_given:
                ok = col in self.choices or any(f"{o}__{c}" in data for o in renamed_from)
            else:
                ok = col in data
            if ok and col in out:
                comparable.append(c)
                out[col] = pd.to_numeric(out[col], errors="coerce").astype("Float64").round()
            else:
                out[col] = np.nan
            out[col] = out[col].astype("Float64").astype("Int8")
        if _GATE in out and comparable:  # a Society without programmes runs none
            said_no = out[_GATE].astype("string").eq("no").fillna(False).to_numpy(bool)
            for c in comparable:
                out.loc[said_no, prefix + c] = 0
        flags = out[[prefix + c for c in comparable]]
        answered = flags.notna().any(axis=1) if comparable else pd.Series(False, index=out.index)
        out[ACTIVITY_QUESTION] = pd.Series(
            [
                " ".join(c for c, v in zip(comparable, row, strict=True) if v == 1)
                for row in flags.to_numpy(dtype=float, na_value=np.nan)
            ],
            index=out.index,
            dtype="string",
        ).where(answered)
        return out, comparable


def _nearest(value: str, names: Collection[str]) -> str:
    close = difflib.get_close_matches(value, list(names), n=1)
    return f" Did you mean '{close[0]}'?" if close else ""


def _items(questions: Collection[str], instrument: Instrument | None) -> set[str]:
    """Questions and ``<question>__<choice>`` option columns of a form (or table)."""
    out = set(questions)
    if instrument is None:
        return out
    q = instrument.questions
    for name, kind, lst in zip(q["name"], q["type"], q["list_name"], strict=True):
        if str(kind) in ("select_one", "select_multiple") and isinstance(lst, str) and lst:
            try:
                out.update(f"{name}__{c}" for c in instrument.choice_names(lst))
            except KeyError:
                continue
    return out


def read_round_crosswalk(
    path: str | Path,
    *,
    earlier: Instrument | None,
    earlier_columns: Collection[str] = (),
    today: Instrument,
) -> RoundCrosswalk:
    """Read and check an earlier round's crosswalk.

    Parameters
    ----------
    path : str or Path
        The CSV (see the module notes).
    earlier : Instrument or None
        The earlier round's form (None for a round given as a database: its columns
        are checked instead).
    earlier_columns : collection of str
        Columns of the earlier round's responses (for a database round).
    today : Instrument
        Today's form.

    Returns
    -------
    RoundCrosswalk

    Raises
    ------
    InputError
        Naming the file, row, column and value: a missing column, an item the
        earlier form (or database) or today's form does not have (with the nearest
        name), a question mapped to an option or the reverse, or an earlier question
        mapped twice.
    """
    source = Path(path)
    table = read_table_file(
        source, "crosswalk file", columns=("old", "new"), optional=("note",), empty_ok=True
    )
    if table is None:
        return RoundCrosswalk(path=source)
    old_questions = (
        set(earlier.questions["name"].astype(str)) if earlier is not None else set(earlier_columns)
    )
    old_items = _items(old_questions, earlier) | set(earlier_columns)
    new_questions = set(today.questions["name"].astype(str))
    new_items = _items(new_questions, today)
    questions: dict[str, str] = {}
    choices: dict[str, list[str]] = {}
    dropped: list[str] = []
    for k, rec in enumerate(table.to_dict("records"), start=2):
        old, new = str(rec["old"]).strip(), str(rec["new"]).strip()
        if not old:
            raise InputError("the cell is empty.", file=source, row=k, column="old")
        if old not in old_items:
            raise InputError(
                "the earlier round has no such question or option.",
                file=source,
                row=k,
                column="old",
                value=old,
                hint="write a question name of the earlier form, or <question>__<choice>."
                + _nearest(old, old_items),
            )
        if not new:
            dropped.append(old)
            continue
        if new not in new_items:
            raise InputError(
                "today's form has no such question or option.",
                file=source,
                row=k,
                column="new",
                value=new,
                hint="write a question name of today's form, or <question>__<choice>."
                + _nearest(new, new_items),
            )
        if (old in old_questions) != (new in new_questions):
            raise InputError(
                "a question must map to a question, and an option to an option.",
                file=source,
                row=k,
                column="new",
                value=new,
                hint=f"map '{old}' to a {'question' if old in old_questions else 'option'} "
                "of today's form.",
            )
        if old in old_questions:
            if questions.get(old, new) != new:
                raise InputError(
                    f"the earlier question is already mapped to '{questions[old]}'.",
                    file=source,
                    row=k,
                    column="old",
                    value=old,
                    hint="keep one row per earlier question.",
                )
            questions[old] = new
        else:
            choices.setdefault(new, []).append(old)
    return RoundCrosswalk(questions, choices, tuple(dropped), source)
