"""The instances of a repeat group spread over wide columns, validated in one go.

A legacy export writes instance ``k`` of a repeat in columns ``grp[k]/q``: one block of
cells per instance number (``slot``).  Slots with the same columns are stacked (the
cells of every slot under slot 1's headers, in the order of the repeat's long table)
and validated once; :class:`StackedLog` gives every issue back its row in the file and
the header of its own slot, in the order validating slot by slot would have given them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from toolkit.ingest._issues import IssueLog
from toolkit.ingest._repeats import Block

__all__ = ["StackedLog", "runs_of_blocks"]


def _shape(block: Block) -> tuple[object, ...]:
    roles = block.roles
    return (
        block.label,
        block.header_row,
        tuple(zip(roles["kind"], roles["question"], roles["option"])),
    )


def runs_of_blocks(blocks: Sequence[Block]) -> list[list[Block]]:
    """Consecutive blocks of one table whose columns hold the same questions, in order."""
    runs: list[list[Block]] = []
    last: tuple[object, ...] | None = None
    for block in blocks:
        shape = _shape(block)
        if runs and shape == last and len(block.cells.columns) == len(runs[-1][0].cells.columns):
            runs[-1].append(block)
        else:
            runs.append([block])
        last = shape
    return runs


class StackedLog(IssueLog):
    """The issues of stacked blocks, passed on to ``target`` slot by slot.

    Parameters
    ----------
    target : IssueLog
        Where the issues go (on :meth:`flush`).
    blocks : sequence of Block
        The stacked blocks, in order.
    accepted : sequence of pandas.Series
        For each block, the instance ids of its accepted rows (indexed by the row in
        the file).
    order : numpy.ndarray
        The order of the stacked rows (of all blocks' accepted rows, one block after
        the other) in :meth:`cells`.
    """

    def __init__(
        self,
        target: IssueLog,
        blocks: Sequence[Block],
        accepted: Sequence[pd.Series],
        order: np.ndarray,
    ) -> None:
        super().__init__(target.file)
        self.target = target
        self.order = np.asarray(order, dtype=np.intp)
        self._blocks = list(blocks)
        self._accepted = list(accepted)
        rows = np.concatenate([np.asarray(a.index, dtype="int64") for a in accepted])
        slot = np.repeat(np.arange(len(accepted)), [len(a) for a in accepted])
        self._rows, self._slot = rows[self.order], slot[self.order]
        first = list(blocks[0].cells.columns)
        self._headers = [dict(zip(first, b.cells.columns)) for b in blocks]
        self._parts: list[dict[str, np.ndarray]] = []

    def cells(self) -> pd.DataFrame:
        """The accepted rows of every block under the first block's headers, in
        ``order``, indexed by position (issues name positions)."""
        first = self._blocks[0].cells.columns
        parts = [
            b.objects()[b.cells.index.get_indexer(a.index)]
            for b, a in zip(self._blocks, self._accepted)
        ]
        return pd.DataFrame(np.concatenate(parts)[self.order], columns=first, dtype=object)

    def add(
        self, *, row: object, column: object, value: object, problem: str, action: str, rule: str
    ) -> None:
        """Record one issue (straight into ``target``)."""
        self.target.add(
            row=row, column=column, value=value, problem=problem, action=action, rule=rule
        )

    def block(
        self,
        rows: pd.Index | np.ndarray,
        values: pd.Series | np.ndarray | Sequence[object],
        *,
        column: str | np.ndarray,
        problem: str | pd.Series | np.ndarray,
        action: str | np.ndarray,
        rule: str | np.ndarray,
    ) -> None:
        """Record one issue per position of ``rows`` (positions in :meth:`cells`)."""
        if len(rows) == 0:
            return
        pos = np.asarray(rows, dtype="int64")
        slot = self._slot[pos]
        n = len(pos)

        def each(v: object) -> np.ndarray:
            return np.asarray(v, dtype=object) if not isinstance(v, str) else np.full(n, v, object)

        cols = each(column)
        for k in np.unique(slot).tolist():
            at = slot == k
            cols[at] = [self._headers[k].get(c, c) for c in cols[at]]
        self._parts.append(
            {
                "slot": slot,
                "row": self._rows[pos],
                "column": cols,
                "value": pd.Series(values, dtype="string").to_numpy(),
                "problem": each(problem),
                "action": each(action),
                "rule": each(rule),
            }
        )

    def flush(self) -> None:
        """Pass the issues on to ``target``, slot by slot (stable within a slot)."""
        if not self._parts:
            return
        merged = {k: np.concatenate([p[k] for p in self._parts]) for k in self._parts[0]}
        order = np.argsort(merged["slot"], kind="stable")
        self.target.block(
            merged["row"][order],
            merged["value"][order],
            column=merged["column"][order],
            problem=merged["problem"][order],
            action=merged["action"][order],
            rule=merged["rule"][order],
        )
        self._parts = []
