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
        self.blocks: list[pd.DataFrame] = []
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
        rows: pd.Index,
        values: pd.Series | Sequence[object],
        *,
        column: str,
        problem: str | pd.Series,
        action: str,
        rule: str,
    ) -> None:
        """Record one issue per row of ``rows`` (``values`` and ``problem`` aligned)."""
        if len(rows) == 0:
            return
        self.blocks.append(
            pd.DataFrame(
                {
                    "file": self.file,
                    "row": np.asarray(rows, dtype="int64"),
                    "column": column,
                    "value": pd.Series(values, dtype="string").to_numpy(),
                    "problem": problem if isinstance(problem, str) else problem.to_numpy(),
                    "action": action,
                    "rule": rule,
                }
            )
        )

    def frame(self) -> pd.DataFrame:
        """All issues as a table with the columns of :data:`ISSUE_COLUMNS`."""
        parts = [pd.DataFrame(self.records, columns=ISSUE_COLUMNS)] if self.records else []
        parts += self.blocks
        if not parts:
            return empty_issues()
        out = pd.concat(parts, ignore_index=True)
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
