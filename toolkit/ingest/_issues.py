"""The issues table: every problem found at ingestion, one row each.

:class:`IssueLog` collects issue records (file, row, column, value, problem, action,
rule) one by one or as vectorised blocks, and gives them back as one table.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["ISSUE_COLUMNS", "IssueLog", "empty_issues"]

#: Columns of the issues table.
ISSUE_COLUMNS = ["file", "row", "column", "value", "problem", "action", "rule"]


class IssueLog:
    """Collects issue records, as dicts or whole vectorised blocks.

    Parameters
    ----------
    file : str
        The file (``path``, ``zip!member`` or ``workbook!sheet``) every issue names.
    """

    def __init__(self, file: str) -> None:
        self.file = file
        self.blocks: list[dict[str, object]] = []
        self.records: list[dict[str, object]] = []

    def add(
        self, *, row: object, column: object, value: object, problem: str, action: str, rule: str
    ) -> None:
        """Record one issue."""
        self.records.append(
            {
                "file": self.file,
                "row": row,
                "column": column,
                "value": value,
                "problem": problem,
                "action": action,
                "rule": rule,
            }
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
        """Record one issue per row of ``rows`` (``values``, and ``column``, ``problem``,
        ``action`` and ``rule`` when they are arrays, aligned with it)."""
        if len(rows) == 0:
            return
        self.blocks.append(
            {
                "row": np.asarray(rows, dtype="int64"),
                "column": column,
                "value": pd.Series(values, dtype="string").to_numpy(),
                "problem": problem if isinstance(problem, str) else np.asarray(problem),
                "action": action,
                "rule": rule,
            }
        )

    def frame(self) -> pd.DataFrame:
        """All issues as a table with the columns of :data:`ISSUE_COLUMNS`."""
        if not self.records and not self.blocks:
            return empty_issues()
        sizes = [len(b["row"]) for b in self.blocks]  # type: ignore[arg-type]
        columns: dict[str, np.ndarray] = {}
        for col in ISSUE_COLUMNS:
            first = np.empty(len(self.records), dtype=object)
            for i, rec in enumerate(self.records):
                first[i] = rec[col]
            parts = [first]
            for b, n in zip(self.blocks, sizes):
                v = self.file if col == "file" else b[col]
                if isinstance(v, np.ndarray):
                    parts.append(v.astype(object, copy=False))
                else:
                    parts.append(np.full(n, v, dtype=object))
            columns[col] = np.concatenate(parts)
        out = pd.DataFrame(columns)
        out["row"] = pd.array(out["row"].to_numpy(), dtype="Int64")
        for col in ("file", "column", "value", "problem", "action", "rule"):
            out[col] = out[col].astype("string")
        return out[ISSUE_COLUMNS]


def empty_issues() -> pd.DataFrame:
    """An issues table without rows."""
    return pd.DataFrame(
        {
            "file": pd.Series(dtype="string"),
            "row": pd.Series(dtype="Int64"),
            **{c: pd.Series(dtype="string") for c in ISSUE_COLUMNS[2:]},
        }
    )
