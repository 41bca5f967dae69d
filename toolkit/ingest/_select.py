"""select_multiple answers: the space-separated answer column and the option columns.

KoboToolbox and ODK write a select_multiple answer as one column of space-separated
choice names, as one column per option (``1``/``0``, ``True``/``False``, ``1.0`` or the
option's label), or both.  Both are read; where they disagree the option columns win
and an issue is recorded.

:class:`SelectMultiple` reads every select_multiple question of a table: the answer
columns of the questions of one choice list are parsed together, once per distinct
answer, and all option columns in one block.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.api.extensions import ExtensionArray

from toolkit.ingest._issues import IssueLog
from toolkit.ingest._lists import ChoiceLists
from toolkit.ingest._multiple import normalise_lists, select_multiple_values
from toolkit.ingest._stack import Cells, Stack
from toolkit.ingest._values import parse_option_block

__all__ = ["SelectMultiple"]


@dataclass
class _Answers:
    """The answer columns of one list's questions: results per distinct value."""

    summary: pd.api.extensions.ExtensionArray  # choice names, space-separated
    na: np.ndarray  # no valid choice
    bad: np.ndarray  # holds an option not in the list
    unknown: pd.api.extensions.ExtensionArray  # those options
    member: np.ndarray  # (values, options) int8: option k is in the answer


class SelectMultiple:
    """The select_multiple questions of one table.

    Parameters
    ----------
    cells : Cells
        The rows, as strings.
    questions : sequence of (str, str or None, str)
        Question, header of its answer column (``None`` if the export has none) and
        choice list, of every select_multiple question to read.
    options : dict of str to dict
        Question -> option -> header of its option column.
    lists : ChoiceLists
    """

    def __init__(
        self,
        cells: Cells,
        questions: Sequence[tuple[str, str | None, str]],
        options: dict[str, dict[str, str]],
        lists: ChoiceLists,
    ) -> None:
        self.cells = cells
        self.acc = cells.frame
        self.lists = lists
        self._headers: dict[str, list[str]] = {}
        self._opt_pos: dict[str, int] = {}
        tokens: list[set[str]] = []
        for name, header, list_name in questions:
            if header is not None:
                self._headers.setdefault(list_name, []).append(header)
            info = lists.get(list_name)
            for opt in info.names:
                h = options.get(name, {}).get(opt)
                if h is not None and h not in self._opt_pos:
                    self._opt_pos[h] = len(tokens)
                    tokens.append(set(info.tokens[opt]))
        self._answers: dict[str, _Answers] = {}
        self.empty: dict[str, np.ndarray] = {}  # header -> the answer column's empty cells
        opt_headers = list(self._opt_pos)
        self._opt = (
            parse_option_block(cells.block(opt_headers), tokens)
            if opt_headers
            else (np.zeros((len(self.acc), 0), "int8"),) + (np.zeros((len(self.acc), 0), bool),) * 2
        )
        # the answer columns of every list, stacked: normalised once per distinct value
        self._stack = Stack(cells, [h for hs in self._headers.values() for h in hs])
        self._text = normalise_lists(self._stack.values)
        self._answered = np.array([not (v is pd.NA or v == "") for v in self._text], dtype=bool)

    def _parsed(self, list_name: str) -> _Answers:
        if list_name not in self._answers:
            info = self.lists.get(list_name)
            stack = self._stack
            used = np.unique(np.concatenate([stack.codes_of(h) for h in self._headers[list_name]]))
            n = len(stack.values)
            out, bad, unknown = (np.full(n, None, dtype=object) for _ in range(3))
            member = np.zeros((n, len(info.names)), dtype="int8")
            out[used], bad[used], unknown[used], member[used] = select_multiple_values(
                self._text[used], info.names, info.lookup
            )
            summary = pd.array(out, dtype="string")
            self._answers[list_name] = _Answers(
                summary,
                np.asarray(summary.isna(), dtype=bool),
                bad.astype(bool),
                pd.array(unknown, dtype="string"),
                member,
            )
        return self._answers[list_name]

    def columns(
        self,
        name: str,
        header: str | None,
        list_name: str,
        option_headers: dict[str, str],
        issues: IssueLog,
    ) -> dict[str, pd.Series | ExtensionArray]:
        """The answer column and one nullable 0/1 column per option of one question.

        Parameters
        ----------
        name : str
            The question.
        header : str, optional
            Its answer column (space-separated choice names or labels), if the export
            has one.
        list_name : str
            Its choice list.
        option_headers : dict of str to str
            Option -> header of its column.
        issues : IssueLog

        Returns
        -------
        dict of str to pandas.Series or IntegerArray
            ``name`` (choice names, space-separated) and ``<name>__<option>``
            (``Int8``, missing where the question was not answered).
        """
        names = self.lists.get(list_name).names
        idx = self.acc.index
        n = len(idx)
        if header is not None:
            parsed = self._parsed(list_name)
            stack = self._stack
            codes = stack.codes_of(header)
            summary = stack.series(parsed.summary, header)
            summary_na = parsed.na[codes]
            bad = parsed.bad[codes]
            if bad.any():
                issues.block(
                    idx[bad],
                    stack.series(parsed.unknown, header)[bad],
                    column=name,
                    problem=f"option(s) not in list '{list_name}'",
                    action="unknown option(s) removed from the answer",
                    rule="invalid_choice",
                )
            answered = self._answered[codes]
            self.empty[header] = ~answered
            values = parsed.member[codes]
        else:
            summary = pd.Series(pd.NA, index=idx, dtype="string")
            summary_na = np.ones(n, dtype=bool)
            answered = np.zeros(n, dtype=bool)
            values = np.zeros((n, len(names)), dtype="int8")
        mask = np.repeat(~answered[:, None], len(names), axis=1)
        disagree = np.zeros(n, dtype=bool)
        present = [k for k, opt in enumerate(names) if opt in option_headers]
        if present:
            cols = [self._opt_pos[option_headers[names[k]]] for k in present]
            block_vals, block_known, block_bad = (a[:, cols] for a in self._opt)
            for j in np.flatnonzero(block_bad.any(axis=0)).tolist():  # columns with bad cells
                k = present[j]
                cell_bad = block_bad[:, j]
                if cell_bad.any():
                    h = option_headers[names[k]]
                    issues.block(
                        idx[cell_bad],
                        self.acc[h][cell_bad],
                        column=h,
                        problem="option column holds neither 0/1, true/false, the option's "
                        "label nor empty",
                        action="cell set to missing",
                        rule="invalid_choice",
                    )
            if header is not None:
                disagree = (
                    block_known & ~mask[:, present] & (block_vals != values[:, present])
                ).any(axis=1)
            values[:, present] = np.where(block_known, block_vals, values[:, present])
            mask[:, present] &= ~block_known
        out: dict[str, pd.Series | ExtensionArray] = {
            f"{name}__{opt}": pd.arrays.IntegerArray(
                np.ascontiguousarray(values[:, k]), np.ascontiguousarray(mask[:, k])
            )
            for k, opt in enumerate(names)
        }
        if option_headers:
            # Where the summary is missing or disagrees, rebuild it from the option columns
            # (they are unambiguous).
            redo = disagree | (summary_na & answered)
            if header is None:
                redo[:] = True
            if redo.any():
                known = ~mask[redo]
                text = _join_selected((values[redo] != 0) & known, names)
                rebuilt = (
                    pd.Series(text, dtype=object)
                    .astype("string")
                    .replace({"": pd.NA})
                    .where(known.any(axis=1))
                )
                summary = summary.copy()
                summary[redo] = rebuilt.array
        if disagree.any():
            issues.block(
                idx[disagree],
                summary[disagree].fillna(""),
                column=name,
                problem="the answer column and its option columns disagree",
                action="option columns used",
                rule="select_multiple_conflict",
            )
        return {name: summary, **out}


def _join_selected(chosen: np.ndarray, names: list[str]) -> np.ndarray:
    text = np.full(len(chosen), "", dtype=object)
    for j, opt in enumerate(names):
        text = np.where(chosen[:, j], np.where(text == "", opt, text + " " + opt), text)
    return text
