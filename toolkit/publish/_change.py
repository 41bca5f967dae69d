"""Publishing what changed between rounds, the carry-forward sensitivity and programme
counts, under the run's suppression pattern.

Every table here shows values of aggregate items by zone, so it follows the pattern
the run decided for this round's shares (:meth:`Publication.share_pattern`): a zone's
value of an aggregate activity is withheld wherever that zone's share is, and so is
its all-zones value.  Each table adds what its own values need:

change between rounds (:func:`publish_change`)
    the earlier round's share is in it too, so a zone's change of an aggregate
    activity is also withheld when fewer than ``min_cell`` Societies answered it in
    either round (base ``min(n_previous, n_current)``), with the all-zones change;
carry-forward sensitivity (:func:`publish_carry_forward`)
    the carry-forward row differs from the weighted one by the last answers of the
    Societies carried forward, so it is withheld when fewer than ``min_cell`` (but at
    least one) Societies were carried in the zone, with the all-zones row;
programmes per activity type (:func:`publish_programme_counts`)
    public activities are counted over the programmes the register lists (so that
    the counts and the register agree); aggregate activities over all programmes,
    shown where the zone's share is.

In the internal tier every value is shown.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from toolkit.mapping import programme_counts
from toolkit.publish._pattern import MARGIN, decide_lines
from toolkit.publish._policy import Publication, mark_suppressed
from toolkit.publish._register import publish_register

__all__ = [
    "CHANGE_VALUES",
    "publish_carry_forward",
    "publish_change",
    "publish_programme_counts",
    "publish_transitions",
]

#: Columns of :func:`toolkit.mapping.activity_change` that give a value back.
CHANGE_VALUES = (
    "share_previous",
    "se_previous",
    "share_current",
    "se_current",
    "change",
    "se",
    "ci_low",
    "ci_high",
    "covariance",
)
_CARRY_VALUES = ("estimate", "se", "ci_low", "ci_high")


def _share_status(
    publication: Publication, shares: pd.DataFrame, codes: pd.Series, zones: pd.Series
) -> tuple[np.ndarray, np.ndarray]:
    """Status and reason of this round's share of each (activity code, zone)."""
    pattern = publication.share_pattern(shares).set_index(["line", "zone"])
    keys = pd.MultiIndex.from_arrays(["act__" + codes.astype(str), zones.astype(str)])
    got = pattern.reindex(keys)
    return (
        got["status"].fillna("").to_numpy(dtype=object),
        got["reason"].fillna("").to_numpy(dtype=object),
    )


def _own_pattern(
    publication: Publication,
    family: str,
    codes: pd.Series,
    zones: pd.Series,
    base: np.ndarray,
    aggregate: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """The table's own cells (aggregate rows only, strategy ``margin``), recorded."""
    status = np.full(len(codes), "", dtype=object)
    reason = np.full(len(codes), "", dtype=object)
    if not aggregate.any():
        return status, reason
    cells = pd.DataFrame(
        {
            "family": family,
            "line": codes.astype(str).to_numpy()[aggregate],
            "zone": zones.astype(str).to_numpy()[aggregate],
            "base": base[aggregate],
        }
    )
    pattern = decide_lines(cells, min_cell=publication.min_cell, strategy="margin")
    publication._save_pattern(family, pattern)
    status[aggregate] = pattern["status"].to_numpy(dtype=object)
    reason[aggregate] = pattern["reason"].to_numpy(dtype=object)
    return status, reason


def _union(
    first: tuple[np.ndarray, np.ndarray], second: tuple[np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    (s1, r1), (s2, r2) = first, second
    rank = {"": 0, "secondary": 1, "primary": 2}
    take = np.array([rank[str(b)] > rank[str(a)] for a, b in zip(s1, s2, strict=True)], bool)
    return np.where(take, s2, s1), np.where(take, r2, r1)


def _margin(
    status: np.ndarray, reason: np.ndarray, lines: pd.Series, zones: pd.Series
) -> tuple[np.ndarray, np.ndarray]:
    """Withhold the all-zones value of every line with a withheld zone."""
    status, reason = status.copy(), reason.copy()
    z = zones.astype(str).to_numpy()
    line = lines.astype(str).to_numpy()
    hidden = {line[i] for i in range(len(z)) if status[i] and z[i] != MARGIN}
    for i in range(len(z)):
        if z[i] == MARGIN and line[i] in hidden and not status[i]:
            status[i], reason[i] = "secondary", "margin"
    return status, reason


def _aggregate(publication: Publication, codes: pd.Series) -> np.ndarray:
    sens = publication.sensitivity
    return np.array([sens.share_is_aggregate("activity", str(c)) for c in codes], dtype=bool)


def publish_change(
    change: pd.DataFrame, publication: Publication, shares: pd.DataFrame
) -> pd.DataFrame:
    """The change between two rounds as this tier may publish it.

    Parameters
    ----------
    change : pandas.DataFrame
        :func:`toolkit.mapping.activity_change` rows of one pair of rounds (the
        ``activity_change`` table), every zone of the study and ``"all"``.
    publication : Publication
    shares : pandas.DataFrame
        This round's shares before disclosure control (``report.raw_estimates()``):
        the run's pattern is decided on them.

    Returns
    -------
    pandas.DataFrame
        ``change`` with withheld values blanked and ``suppressed``, ``suppression``,
        ``suppression_reason``, ``secondary`` and ``display`` (the change in points,
        e.g. ``+7%``, or why it is withheld; ``not comparable`` for an activity type
        the two rounds cannot be compared on).
    """
    n = len(change)
    status = np.full(n, "", dtype=object)
    reason = np.full(n, "", dtype=object)
    if not publication.internal and n:
        codes, zones = change["code"].astype(str), change["zone"].astype(str)
        comparable = change.get("comparable", pd.Series(True, index=change.index))
        agg = _aggregate(publication, codes) & comparable.fillna(False).astype(bool).to_numpy()
        base = np.minimum(
            pd.to_numeric(change["n_previous"], errors="coerce").fillna(0).to_numpy(float),
            pd.to_numeric(change["n_current"], errors="coerce").fillna(0).to_numpy(float),
        )
        family = f"change-{change['round_previous'].iloc[0]}-{change['round_current'].iloc[0]}"
        own = _own_pattern(publication, family, codes, zones, base, agg)
        share = _share_status(publication, shares, codes, zones)
        share = (np.where(agg, share[0], ""), np.where(agg, share[1], ""))
        status, reason = _margin(*_union(own, share), codes, zones)
    out = mark_suppressed(
        change,
        status,
        reason,
        min_cell=publication.min_cell,
        blank=[c for c in CHANGE_VALUES if c in change],
        value="change",
        fmt="{:+.0%}",
    )
    if "comparable" in out:
        out.loc[~out["comparable"].fillna(False).astype(bool), "display"] = "not comparable"
    out.attrs["disclosure_rule"] = (
        "change of aggregate items by zone: withheld with this round's share, or below "
        "min_cell Societies answering either round, with the all-zones change"
    )
    return out


def publish_carry_forward(
    table: pd.DataFrame, publication: Publication, shares: pd.DataFrame, *, by: str = "zone"
) -> pd.DataFrame:
    """The carry-forward sensitivity (:func:`toolkit.nonresponse.carry_forward_shares`)
    as this tier may publish it (see the module notes); the weighted rows follow this
    round's share pattern exactly."""
    n = len(table)
    status = np.full(n, "", dtype=object)
    reason = np.full(n, "", dtype=object)
    if not publication.internal and n:
        codes, zones = table["code"].astype(str), table[by].astype(str)
        agg = _aggregate(publication, codes)
        carried = pd.to_numeric(table["n_carried"], errors="coerce").fillna(0).to_numpy(float)
        is_cf = table["method"].astype(str).ne("weighted").to_numpy()
        base = np.where(carried > 0, carried, np.inf)
        own = _own_pattern(publication, "carry-forward", codes, zones, base, agg & is_cf)
        share = _share_status(publication, shares, codes, zones)
        share = (np.where(agg, share[0], ""), np.where(agg, share[1], ""))
        lines = table["method"].astype(str) + ":" + codes
        status, reason = _margin(*_union(own, share), lines, zones)
    out = mark_suppressed(
        table,
        status,
        reason,
        min_cell=publication.min_cell,
        blank=[c for c in _CARRY_VALUES if c in table],
        value="estimate",
    )
    out.attrs["disclosure_rule"] = (
        "carry-forward of aggregate items by zone: withheld with this round's share, or "
        "when fewer than min_cell Societies were carried forward, with the all-zones row"
    )
    return out


def publish_programme_counts(
    programmes: pd.DataFrame,
    publication: Publication,
    shares: pd.DataFrame,
    *,
    codes: Sequence[str],
    zones: Sequence[str],
) -> pd.DataFrame:
    """Programmes and Societies per zone and activity type as this tier may publish
    them (:func:`toolkit.mapping.programme_counts`; see the module notes).

    Returns
    -------
    pandas.DataFrame
        ``zone``, ``activity``, ``programmes``, ``societies`` (blank where withheld),
        ``aggregate`` (the activity type is published only by zone) and the
        suppression columns; ``display`` holds the number of programmes.
    """
    counts = programme_counts(programmes, codes=codes, zones=zones)
    agg = _aggregate(publication, counts["activity"])
    status = np.full(len(counts), "", dtype=object)
    reason = np.full(len(counts), "", dtype=object)
    if not publication.internal:
        listed = publish_register(programmes, publication)
        shown = programme_counts(
            programmes[programmes["programme_id"].isin(listed["programme_id"])],
            codes=codes,
            zones=zones,
        )
        for col in ("programmes", "societies"):
            counts[col] = np.where(agg, counts[col], shown[col])
        share = _share_status(publication, shares, counts["activity"], counts["zone"])
        status, reason = np.where(agg, share[0], ""), np.where(agg, share[1], "")
    counts["aggregate"] = agg
    out = mark_suppressed(
        counts,
        status,
        reason,
        min_cell=publication.min_cell,
        blank=["programmes", "societies"],
        value="programmes",
        fmt="{:.0f}",
    )
    out.attrs["disclosure_rule"] = (
        "programmes per activity type: aggregate activity types shown by zone where "
        "this round's share is"
    )
    return out


def publish_transitions(changes: pd.DataFrame, publication: Publication) -> pd.DataFrame:
    """Per programme, new / continued / ended / planned / not known, as this tier may
    publish it: in the public tier like the register (programmes running an aggregate
    activity type are not listed, aggregate options are not shown)."""
    if publication.internal or changes.empty:
        return changes.reset_index(drop=True)
    agg = set(publication.sensitivity.aggregate_activities())
    acts = changes["activities"].fillna("").astype(str).str.split()
    out = changes[~acts.map(lambda c: bool(agg & set(c))).to_numpy()].reset_index(drop=True)
    out.attrs["disclosure_rule"] = (
        "programme changes: programmes running an aggregate activity type not listed"
    )
    return out
