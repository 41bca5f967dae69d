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
        One row per accepted record (submission, or unit of a study): the key
        (``summary["unit"]``: ``_uuid`` by default), ``ns_iso3`` and
        ``society_match`` (when checked against the frame: the Society's frame key,
        and how the cell identified it: ``iso3``, ``iso2``, ``fdrs``, ``go_id``,
        ``name``, ``fuzzy`` or ``choice_label``), export metadata (``_uuid``,
        ``_submission_time``, ``_validation_status`` ...), ``resp_id`` (pseudonym of
        the respondent), every question outside repeat groups by name (personal
        questions removed, see :func:`~toolkit.ingest._privacy.personal_questions`),
        select_multiple questions as a space-separated column plus one nullable 0/1
        column ``<question>__<option>`` per option, geopoints plus
        ``<question>__latitude`` / ``__longitude`` / ``__altitude`` / ``__precision``,
        ``_file`` and ``_row`` (where the row came from).
    activities : pandas.DataFrame
        One row per unit and selected activity with boolean ``stage__*``,
        ``group__*`` and ``service__*`` columns and ``people_reached``.
    issues : pandas.DataFrame
        Every problem found: ``file``, ``row``, ``ns_iso3`` (the Society code on that
        row, where readable), ``column``, ``value``, ``problem``, ``action``, ``rule``.
    quarantine : pandas.DataFrame
        Rejected input rows (personal fields left out, emails and phone numbers in
        free text masked) with ``_file``, ``_row``, ``ns_iso3`` (the Society where
        identified, else the cell upper-cased if it is shaped like an ISO3 code),
        ``_repeat`` (the repeat group of a quarantined instance; missing for a
        submission), ``reason`` and ``rule``.
    summary : dict
        Counts and facts about the read (tool and format, rows in, accepted and
        quarantined, per repeat group too, encoding, delimiter, header style, SHA-256
        of each file, expressions not checked; ``society_match``: accepted rows per
        rule of identification).
    repeats : dict of str to pandas.DataFrame
        Repeat group name -> one row per accepted instance: the record's key (the
        unit column of ``data``), ``_key`` (``<record key>/<repeat>[<position>]``,
        nested under the parent instance's key), ``_parent_key`` (nested repeats
        only), ``_position`` (1-based, within its parent), the repeat's questions by
        name (typed and validated like ``data``), ``_file`` and ``_row``.
        Quarantined instances are rows of ``quarantine`` with ``_repeat`` set.
    """

    data: pd.DataFrame
    activities: pd.DataFrame
    issues: pd.DataFrame
    quarantine: pd.DataFrame
    summary: dict[str, object] = field(default_factory=dict)
    repeats: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def rows_in(self) -> int:
        """Number of submission rows read from the input file(s)."""
        # summary values are typed object; rows_in is always an int
        return int(self.summary["rows_in"])  # type: ignore[call-overload]

    @property
    def repeat_rows_in(self) -> dict[str, int]:
        """Number of instances read per repeat group."""
        counts = self.summary.get("repeat_rows_in") or {}
        assert isinstance(counts, dict), "summary['repeat_rows_in'] maps repeat to count"
        return {str(k): int(v) for k, v in counts.items()}

    def _quarantined(self, repeat: str | None) -> int:
        if "_repeat" not in self.quarantine:
            return len(self.quarantine) if repeat is None else 0
        which = self.quarantine["_repeat"]
        return int(which.isna().sum() if repeat is None else (which == repeat).sum())

    def reconciles(self) -> bool:
        """Whether rows in = accepted + quarantined, for the submissions and for every
        repeat group."""
        ok = self.rows_in == len(self.data) + self._quarantined(None)
        for name, n in self.repeat_rows_in.items():
            ok &= n == len(self.repeats.get(name, ())) + self._quarantined(name)
        return bool(ok)

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
