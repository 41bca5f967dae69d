"""The outcome of ingestion: :class:`IngestResult` and the :class:`IngestWarning`.

Every input row ends either accepted (in ``.data``) or quarantined (in
``.quarantine``, with the reason); every problem found is a row of ``.issues``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

__all__ = ["IngestResult", "IngestWarning"]


class IngestWarning(UserWarning):
    """Something was read in a degraded way (e.g. a non-UTF-8 file)."""


@dataclass
class IngestResult:
    """The outcome of ingesting one or more export files.

    Attributes
    ----------
    data : pandas.DataFrame
        One row per accepted unit: the unit key, ``ns_iso3``, export metadata
        (``_uuid``, ``_submission_time``, ...), ``resp_id`` (pseudonym of the
        respondent), every question of the instrument by name (personal fields
        removed), select_multiple questions as a space-separated column plus one
        nullable 0/1 column ``<question>__<option>`` per option, ``_file`` and
        ``_row`` (where the row came from).
    activities : pandas.DataFrame
        One row per unit and selected activity with boolean ``stage__*``,
        ``group__*`` and ``service__*`` columns and ``people_reached``.
    issues : pandas.DataFrame
        Every problem found: ``file``, ``row``, ``ns_iso3`` (the Society code on that
        row, where readable), ``column``, ``value``, ``problem``, ``action``, ``rule``.
    quarantine : pandas.DataFrame
        Rejected input rows (personal fields pseudonymised) with ``_file``, ``_row``,
        ``ns_iso3`` (the code as written, normalised), ``reason`` and ``rule``.
    summary : dict
        Counts and facts about the read (rows in, accepted, quarantined, encoding,
        delimiter, header style, SHA-256 of each file, expressions not checked).
    """

    data: pd.DataFrame
    activities: pd.DataFrame
    issues: pd.DataFrame
    quarantine: pd.DataFrame
    summary: dict[str, object] = field(default_factory=dict)

    @property
    def rows_in(self) -> int:
        """Number of data rows read from the input file(s)."""
        # summary values are typed object; rows_in is always an int
        return int(self.summary["rows_in"])  # type: ignore[call-overload]

    def reconciles(self) -> bool:
        """Whether rows in = accepted + quarantined."""
        return self.rows_in == len(self.data) + len(self.quarantine)

    def issue_counts(self) -> pd.DataFrame:
        """Number of issues per rule and action."""
        if self.issues.empty:
            return pd.DataFrame(columns=["rule", "action", "count"])
        return (
            self.issues.groupby(["rule", "action"], dropna=False)
            .size()
            .rename("count")
            .reset_index()
            .sort_values("count", ascending=False, ignore_index=True)
        )
