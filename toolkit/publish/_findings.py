"""Sentences that state findings from published shares, never from withheld ones.

Notebooks (and briefs) print these instead of building sentences themselves.  Each
function takes the *published* shares (:meth:`toolkit.publish.Publication.shares`):
a withheld cell is never named as the "top" activity and never gives a number; when
every share is withheld the sentence says so and names no activity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from toolkit.errors import InputError

__all__ = ["Robustness", "robustness", "share_summary", "top_share"]


def _hidden(rows: pd.DataFrame) -> pd.Series:
    """Withheld rows: ``suppressed``, else a non-empty ``suppression``; a table with
    neither is refused (it may not say what is withheld)."""
    if "suppressed" in rows:
        return rows["suppressed"].astype(bool)
    if "suppression" in rows:
        return rows["suppression"].fillna("").astype(str) != ""
    raise InputError(
        "the shares say nothing of what is withheld (no 'suppressed' or 'suppression').",
        hint="pass the published shares (report.estimates()), with their suppression column.",
    )


def _usable(shares: pd.DataFrame, zone: str, dimension: str) -> pd.DataFrame:
    rows = shares[
        (shares["zone"].astype(str) == zone) & (shares["dimension"].astype(str) == dimension)
    ]
    ok = ~_hidden(rows) & np.isfinite(
        pd.to_numeric(rows["estimate"], errors="coerce").to_numpy(dtype=float)
    )
    return rows[ok.to_numpy()]


def top_share(shares: pd.DataFrame, zone: str, dimension: str = "activity") -> pd.Series | None:
    """The published row with the highest estimate (ties: label order), or None when
    every share of the zone is withheld or missing."""
    rows = _usable(shares, zone, dimension)
    if rows.empty:
        return None
    rows = rows.sort_values(["estimate", "label"], ascending=[False, True], kind="stable")
    return rows.iloc[0]


def _share_text(row: pd.Series) -> str:
    text = f"an estimated {float(row['estimate']):.0%}"
    lo, hi = row.get("ci_low"), row.get("ci_high")
    if pd.notna(lo) and pd.notna(hi):
        text += f" (interval {float(lo):.0%} to {float(hi):.0%}"
        text += f"; {int(row['n'])} responding Societies)"
    return text


def _withheld(shares: pd.DataFrame, zone: str, dimension: str, min_cell: int) -> str:
    rows = shares[
        (shares["zone"].astype(str) == zone) & (shares["dimension"].astype(str) == dimension)
    ]
    k = int(_hidden(rows).sum())
    if not k:
        return ""
    return (
        f" {k} of the {len(rows)} shares are withheld (based on fewer than {min_cell} "
        "responding Societies, or withheld so that they cannot be worked out)."
    )


def share_summary(
    shares: pd.DataFrame, zone: str, label: str, *, min_cell: int, dimension: str = "activity"
) -> str:
    """One sentence: the most common activity of a zone and what is withheld."""
    top = top_share(shares, zone, dimension)
    if top is None:
        return (
            f"No share of {label} can be stated: every one is withheld or has no answer."
            + _withheld(shares, zone, dimension, min_cell)
        )
    return (
        f"In {label}, the activity run by most Societies is {top['label']}: "
        f"{_share_text(top)}." + _withheld(shares, zone, dimension, min_cell)
    )


@dataclass(frozen=True)
class Robustness:
    """A stated finding and its tipping point.

    Attributes
    ----------
    sentence : str
        The finding in words (names no withheld activity and no withheld number).
    table : DataFrame or None
        :func:`toolkit.nonresponse.tipping_point`'s table for the activity, with
        ``variable`` and ``label``; None when no finding can be stated.
    """

    sentence: str
    table: pd.DataFrame | None


def robustness(
    frame: pd.DataFrame,
    profiles: pd.DataFrame,
    shares: pd.DataFrame,
    zone: str,
    label: str,
    *,
    min_cell: int,
    threshold: float = 0.5,
) -> Robustness:
    """How robust the finding on a zone's most common (published) activity is.

    Parameters
    ----------
    frame : DataFrame
        The zone's membership frame (``responded``).
    profiles : DataFrame
        Society profiles of the zone (:func:`toolkit.mapping.society_profiles`).
    shares : DataFrame
        Published shares (withheld cells marked ``suppressed``).
    zone, label : str
        The zone (``"all"``) and its name for the sentence.
    min_cell : int
    threshold : float, default 0.5

    Returns
    -------
    Robustness
    """
    from toolkit.mapping import society_indicators
    from toolkit.nonresponse import tipping_point

    top = top_share(shares, zone)
    if top is None:
        return Robustness(
            f"No finding is stated for {label}: no activity share can be published."
            + _withheld(shares, zone, "activity", min_cell),
            None,
        )
    tip = tipping_point(
        frame, society_indicators(profiles), str(top["variable"]), threshold=threshold
    )
    table = tip.table.copy()
    table.insert(0, "variable", str(top["variable"]))
    table.insert(1, "label", str(top["label"]))
    row = table.iloc[-1]
    share = f"{threshold:.0%}" if threshold != 0.5 else "half"
    sentence = (
        f"Finding: the activity run by most Societies of {label} is {top['label']}, "
        f"{_share_text(top)}."
    )
    q = float(row["tipping_rate"])
    obs = float(row["observed"])
    robust = bool(row.get("robust", False)) or not np.isfinite(q)
    whatever = "whatever the Societies that did not answer do."
    if row["finding"] == "above":
        sentence += f" That more than {share} of them run it holds " + (
            whatever
            if robust or q <= 0
            else f"unless fewer than {q:.0%} of the Societies that did not answer run it "
            f"({obs:.0%} of those that answered do)."
        )
    elif row["finding"] == "below":
        sentence += f" That fewer than {share} of them run it holds " + (
            whatever
            if robust or q >= 1
            else f"unless more than {q:.0%} of the Societies that did not answer run it "
            f"({obs:.0%} of those that answered do)."
        )
    return Robustness(sentence, table)
