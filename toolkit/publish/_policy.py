"""The publication policy of a run: audience, item sensitivity and the suppression pattern.

:class:`Publication` is the one place that turns analysis tables into published ones.
Report notebooks get it as ``report.publication`` and never suppress anything
themselves:

* :meth:`Publication.shares` applies the run's suppression pattern to the weighted
  shares of :func:`toolkit.mapping.activity_shares`;
* :meth:`Publication.profiles` gives the per-Society profiles a tier may show (in the
  public tier without aggregate items, so that breadth, route cells, cooperation
  pairs and tile maps built from them use public items only);
* :meth:`Publication.completeness` gives completeness by question group without the
  questions whose applicability would tell an aggregate answer;
* :mod:`toolkit.publish._findings` states findings without a withheld number;
* :meth:`Publication.record` checks a table before it is written (the public tier
  refuses a per-Society table with an aggregate item) and returns what the manifest
  records: cells withheld, primary and complementary, and why;
* :meth:`Publication.interviews` (:class:`~toolkit.publish.InterviewPublication`)
  does the same for everything derived from interviews.

Tiers
    ``public`` (default): a report folder that can be published as it is.  Public
    items may be shown per Society and need no suppression; aggregate items are
    shown only by group, with the cells of fewer than ``min_cell`` Societies
    withheld along with their complements.
    ``internal`` (secretariat, zone offices): per-Society detail of every item and
    no suppression; every page, caption, workbook and the index say
    :data:`INTERNAL_MARK`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from toolkit.errors import InputError
from toolkit.instrument import Instrument
from toolkit.publish._disclosure import primary_label, secondary_label
from toolkit.publish._pattern import MARGIN, REASONS, decide_lines
from toolkit.publish._sensitivity import INTERVIEWS, Sensitivity, item_sensitivity
from toolkit.publish._shares import SENSITIVE_COLUMNS

__all__ = [
    "AUDIENCES",
    "INTERNAL_MARK",
    "PER_SOCIETY_COLUMNS",
    "Publication",
    "mark_suppressed",
]

#: Publication tiers.
AUDIENCES: tuple[str, ...] = ("public", "internal")
#: How an internal report marks every page, caption, workbook and index.
INTERNAL_MARK = "INTERNAL — not for publication"
#: Columns that make a table per Society.
PER_SOCIETY_COLUMNS = ("iso3", "ns_iso3", "provider", "recipient", "covering")


def mark_suppressed(
    table: pd.DataFrame,
    status: np.ndarray,
    reason: np.ndarray,
    *,
    min_cell: int,
    blank: tuple[str, ...] | list[str] = (),
    value: str | None = None,
    fmt: str = "{:.0%}",
) -> pd.DataFrame:
    """Blank withheld rows of a long table and add the suppression columns.

    Parameters
    ----------
    table : DataFrame
    status, reason : arrays
        Per row: ``""`` / ``"primary"`` / ``"secondary"`` and a key of
        :data:`~toolkit.publish._pattern.REASONS`.
    min_cell : int
    blank : sequence of str
        Columns set to missing in withheld rows.
    value, fmt : str
        Column shown (formatted) in ``display`` for the other rows.

    Returns
    -------
    DataFrame
        With ``suppressed``, ``suppression``, ``suppression_reason`` (why, in words),
        ``secondary`` and ``display`` (replaced when present).
    """
    added = ("suppressed", "suppression", "suppression_reason", "secondary", "display")
    out = table.drop(columns=[c for c in added if c in table]).copy()
    hide = pd.Series(np.asarray(status) != "", index=out.index)
    for col in blank:
        if col in out:
            out[col] = out[col].mask(hide)
    shown = [
        "" if value is None or pd.isna(v) else fmt.format(v)
        for v in (out[value] if value else pd.Series("", index=out.index))
    ]
    kinds = np.asarray(status, dtype=object)
    out["suppressed"] = hide.to_numpy()
    out["suppression"] = kinds.astype(str)
    out["suppression_reason"] = [
        REASONS.get(str(r), str(r)).format(min_cell=min_cell) if k else ""
        for k, r in zip(kinds, np.asarray(reason, dtype=object))
    ]
    out["secondary"] = kinds == "secondary"
    out["display"] = np.where(
        kinds == "primary",
        primary_label(min_cell),
        np.where(kinds == "secondary", secondary_label(min_cell), np.asarray(shown, dtype=object)),
    ).astype(str)
    return out


@dataclass
class Publication:
    """What a run may publish, for whom (see the module notes).

    Attributes
    ----------
    sensitivity : Sensitivity
    min_cell : int
    audience : {"public", "internal"}
    zones : tuple of str
        The study's zones, in order (lines of the pattern).
    record_dir : Path or None
        Where :meth:`record` and the patterns are written for the run's manifest.
    """

    sensitivity: Sensitivity
    min_cell: int = 3
    audience: str = "public"
    zones: tuple[str, ...] = ()
    record_dir: Path | None = None
    patterns: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if self.audience not in AUDIENCES:
            raise InputError(
                f"unknown audience {self.audience!r}.",
                column="publication.audience",
                value=self.audience,
                hint=f"use one of {', '.join(AUDIENCES)}.",
            )

    @classmethod
    def build(
        cls,
        instrument: Instrument,
        *,
        min_cell: int = 3,
        audience: str = "public",
        items: Mapping[str, Any] | None = None,
        zones: tuple[str, ...] | list[str] = (),
        record_dir: str | Path | None = None,
    ) -> Publication:
        """A policy from an instrument, a study's overrides and an audience."""
        return cls(
            item_sensitivity(instrument, items),
            int(min_cell),
            audience,
            tuple(zones),
            Path(record_dir) if record_dir else None,
        )

    # -- tier -----------------------------------------------------------------------------
    @property
    def internal(self) -> bool:
        """Whether this is the internal tier."""
        return self.audience == "internal"

    @property
    def mark(self) -> str:
        """:data:`INTERNAL_MARK` in the internal tier, else ``""``."""
        return INTERNAL_MARK if self.internal else ""

    @property
    def breadth_label(self) -> str:
        """Legend of a map of activity breadth (public tier: public activities only)."""
        if self.internal or not self.sensitivity.aggregate_activities():
            return "Share of activity types run (%)"
        return "Public activity types run (%)"

    def caption_source(self, source: str) -> str:
        """A figure caption's source, marked in the internal tier."""
        return f"{source.rstrip('.')}. {INTERNAL_MARK}" if self.internal else source

    # -- questionnaire ----------------------------------------------------------------------
    def share_pattern(self, shares: pd.DataFrame, by: str = "zone") -> pd.DataFrame:
        """The pattern of the aggregate rows of :func:`toolkit.mapping.activity_shares`
        (every zone and the all-zones margin; strategy ``"margin"``)."""
        fingerprint = hash(
            tuple(zip(shares["variable"].astype(str), shares[by].astype(str), shares["n"]))
        )
        key = f"share:{by}:{fingerprint}"
        if key in self.patterns:
            return self.patterns[key]
        agg = np.array(
            [
                self.sensitivity.share_is_aggregate(str(d), str(c))
                for d, c in zip(shares["dimension"], shares["code"])
            ],
            dtype=bool,
        )
        rows = shares[agg]
        cells = pd.DataFrame(
            {
                "family": "share",
                "line": rows["variable"].astype(str).to_numpy(),
                "zone": rows[by].astype(str).to_numpy(),
                "base": pd.to_numeric(rows["n"]).to_numpy(),
            }
        )
        cells = cells.replace({"zone": {"All": MARGIN}})
        pattern = decide_lines(cells, min_cell=self.min_cell, strategy="margin")
        self.patterns[key] = pattern
        self._save_pattern("share", pattern)
        return pattern

    def shares(self, shares: pd.DataFrame, by: str = "zone") -> pd.DataFrame:
        """Published shares: the run's pattern applied (public tier) or every value
        shown (internal tier), with ``suppressed``, ``suppression``,
        ``suppression_reason``, ``secondary`` and ``display`` (the share, or why it is
        withheld).  Withheld rows keep their base ``n`` and lose every column that could
        give the value back (:data:`~toolkit.publish.SENSITIVE_COLUMNS`).

        Parameters
        ----------
        shares : DataFrame
            :func:`toolkit.mapping.activity_shares` of every zone of the study (not
            disclosure-controlled), with its all-zones rows.
        by : str, default "zone"
        """
        status = np.full(len(shares), "", dtype=object)
        reason = np.full(len(shares), "", dtype=object)
        if len(shares) and not (shares[by].astype(str) == MARGIN).any():
            raise InputError(
                "the shares have no all-zones rows: the pattern is decided over every zone "
                "and all zones.",
                column=by,
                hint="pass activity_shares() of the whole study (report.raw_estimates()), "
                "then select a zone's rows from the result.",
            )
        if not self.internal:
            pattern = self.share_pattern(shares, by).set_index(["line", "zone"])
            keys = pd.MultiIndex.from_arrays(
                [shares["variable"].astype(str), shares[by].astype(str)]
            )
            got = pattern.reindex(keys)
            status = got["status"].fillna("").to_numpy(dtype=object)
            reason = got["reason"].fillna("").to_numpy(dtype=object)
        out = mark_suppressed(
            shares,
            status,
            reason,
            min_cell=self.min_cell,
            blank=[c for c in SENSITIVE_COLUMNS if c in shares],
            value="estimate",
        )
        out.attrs["disclosure_rule"] = (
            "aggregate items by zone: withheld below min_cell responding Societies, "
            "with the all-zones value of the item"
        )
        return out

    def profiles(self, profiles: pd.DataFrame) -> pd.DataFrame:
        """Per-Society profiles this tier may show: in the public tier the columns of
        aggregate items (``act__<a>``, ``stage__<a>__<s>``, ``reached__<a>`` ...) are
        left out, so every per-Society summary built from them (breadth, route
        coverage, cooperation pairs, tile maps) uses public items only."""
        if self.internal:
            return profiles
        drop = self.sensitivity.aggregate_columns(profiles.columns)
        out = profiles.drop(columns=drop)
        out.attrs["disclosure_dropped"] = drop
        return out

    def stage_needs(self, needs: pd.DataFrame | None = None) -> pd.DataFrame:
        """The stage-needs table (:func:`toolkit.mapping.load_stage_needs`) for the
        activities this tier shows per Society: route coverage, gaps and cooperation
        pairs are per Society, so in the public tier they leave aggregate activities
        out."""
        from toolkit.mapping import load_stage_needs

        table = load_stage_needs() if needs is None else needs
        if self.internal:
            return table
        drop = set(self.sensitivity.aggregate_activities())
        return table[~table["activity"].astype(str).isin(drop)].reset_index(drop=True)

    def completeness(self, responses: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
        """Completeness by question group (:func:`toolkit.ingest.completeness_by_group`)
        over the questions this tier may show per group: in the public tier the
        aggregate questions (whose applicability tells an aggregate answer) are left
        out."""
        from toolkit.ingest import completeness_by_group, completeness_by_question

        if self.internal:
            return completeness_by_group(responses, instrument)
        per_q = completeness_by_question(responses, instrument)
        if per_q.empty:
            return completeness_by_group(responses, instrument)
        per_q = per_q[~per_q["question"].astype(str).map(self.sensitivity.is_aggregate)]
        order = list(dict.fromkeys(per_q["group"]))
        out = per_q.groupby("group", sort=False).agg(
            questions=("question", "size"),
            applicable=("applicable", "sum"),
            answered=("answered", "sum"),
        )
        out["completeness"] = out["answered"] / out["applicable"].where(out["applicable"] > 0)
        lowest = []
        for g in out.index:
            sub = per_q[(per_q["group"] == g) & (per_q["applicable"] > 0)]
            lowest.append(
                "" if sub.empty else str(sub.set_index("question")["completeness"].idxmin())
            )
        out["lowest"] = lowest
        return out.reindex(order)

    # -- interviews ---------------------------------------------------------------------------
    def interviews(self, data: Any, frame: pd.DataFrame, *, coder: str | None = None) -> Any:
        """The publication of a study's interviews (:class:`InterviewPublication`)."""
        from toolkit.publish._interviews import InterviewPublication

        return InterviewPublication(self, data, frame, coder=coder)

    # -- records ------------------------------------------------------------------------------
    def record(self, table: pd.DataFrame, name: str) -> dict[str, Any]:
        """Check a table before it is written and say what was withheld in it.

        Raises
        ------
        InputError
            In the public tier, for a per-Society table (``iso3``, ``ns_iso3``,
            ``provider`` ...) holding an aggregate item (a column, or a row of an
            aggregate activity) or anything derived from interviews.
        """
        cols = [str(c) for c in table.columns] + [str(n) for n in table.index.names if n]
        per_society = any(c in PER_SOCIETY_COLUMNS for c in cols)
        if per_society and not self.internal:
            bad = self.sensitivity.aggregate_columns(cols)
            if "activity" in table.columns:
                acts = set(self.sensitivity.aggregate_activities())
                bad += sorted(set(table["activity"].astype(str)) & acts)
            if table.attrs.get("disclosure_content") == INTERVIEWS:
                bad.append(INTERVIEWS)
            if bad:
                raise InputError(
                    f"table '{name}' would publish aggregate items per Society in the "
                    f"public tier: {', '.join(bad[:5])}.",
                    value=name,
                    hint="build it from report.publication (e.g. report.profiles()), or "
                    "run with --audience internal for an internal report.",
                )
        kinds = (
            table["suppression"].astype(str)
            if "suppression" in table.columns
            else pd.Series(dtype=str)
        )
        withheld = table.attrs.get("disclosure_withheld", {})
        reasons: dict[str, int] = {}
        if "suppression_reason" in table.columns:
            counts = table["suppression_reason"].astype(str).value_counts()
            reasons = {str(k): int(v) for k, v in counts.items() if k}
        for kind, key in (("primary", "small"), ("secondary", "complement")):
            if withheld.get(kind):
                text = REASONS[key].format(min_cell=self.min_cell)
                reasons[text] = reasons.get(text, 0) + int(withheld[kind])
        if kinds.isin(["primary", "secondary"]).any() and not reasons:
            reasons = {"withheld (primary or complementary)": int(kinds.ne("").sum())}
        rec = {
            "table": name,
            "audience": self.audience,
            "rows": len(table),
            "primary": int((kinds == "primary").sum()) + int(withheld.get("primary", 0)),
            "secondary": int((kinds == "secondary").sum()) + int(withheld.get("secondary", 0)),
            "reasons": reasons,
            "rule": table.attrs.get("disclosure_rule", ""),
            "dropped": list(table.attrs.get("disclosure_dropped", [])),
        }
        self._write(f"table-{name}.json", rec)
        return rec

    def _save_pattern(self, family: str, pattern: pd.DataFrame) -> None:
        cols = ["line", "zone", "base", "status", "reason"]
        self._write(
            f"pattern-{family}.json",
            {"family": family, "cells": pattern[cols].astype(str).to_numpy().tolist()},
        )

    def _write(self, name: str, data: Mapping[str, Any]) -> None:
        if self.record_dir is None:
            return
        self.record_dir.mkdir(parents=True, exist_ok=True)
        path = self.record_dir / name
        tmp = path.with_name(f".{name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, default=str), encoding="utf-8")
        os.replace(tmp, path)
