"""Key findings of a policy brief, chosen from an estimates table by a fixed rule.

The findings are language-neutral records (which indicator, which numbers, which
wording); :mod:`toolkit.publish._brief_text` turns them into sentences.  The selection
is deterministic (documented in :func:`select_findings`) and never states more than the
estimates support:

* a cell that is suppressed (disclosure control) or rests on fewer than
  ``min_answers`` answers is never a finding and never shows a number;
* a share whose interval is wider than ``wide`` (30 points by default) is stated as a
  range ("between 35% and 78%"), not as "about 6 in 10";
* a difference between two zones is stated only when its interval excludes zero.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

from toolkit.errors import InputError

__all__ = [
    "FINDING_KINDS",
    "MAX_FINDINGS",
    "MIN_ANSWERS",
    "MIN_FINDINGS",
    "WIDE_INTERVAL",
    "Finding",
    "select_findings",
    "usable_rows",
    "zone_difference",
]

#: An interval wider than this (in share points, 0-1) is stated as a range only.
WIDE_INTERVAL = 0.30
#: A share resting on fewer answers than this says nothing numeric.
MIN_ANSWERS = 5
MIN_FINDINGS = 3
MAX_FINDINGS = 6
#: Kinds of finding, in the order a brief lists them.
FINDING_KINDS = ("top", "least", "difference", "stage", "no_data")

_REQUIRED = ("zone", "dimension", "code", "estimate", "ci_low", "ci_high", "n")


@dataclass(frozen=True)
class Finding:
    """One key finding, before it is put into words.

    Attributes
    ----------
    kind : str
        ``top`` (most common activity), ``least`` (least common activity),
        ``stage`` (stage of the journey with the lowest share), ``difference``
        (between two zones) or ``no_data`` (too few answers for any share).
    dimension, code : str
        The indicator (``activity``/``stage``/``group``/``service`` and its code).
    zone : str
        Zone of the share (``all`` for the whole network); for a difference, the
        zone whose share is compared.
    wording : str
        ``about`` ("about 6 in 10"), ``nearly_all``, ``very_few``, ``between`` (wide
        interval: the range only), ``more`` / ``less`` (a difference), ``none``.
    estimate, ci_low, ci_high : float
        The share and its interval (0-1) as in the estimates table.
    n : int
        Answers behind the share.
    other_zone, other_estimate : str, float
        The zone compared with and its share (differences only).
    difference, diff_low, diff_high : float
        ``estimate - other_estimate`` and its interval (differences only).
    """

    kind: str
    dimension: str
    code: str
    zone: str
    wording: str
    estimate: float = math.nan
    ci_low: float = math.nan
    ci_high: float = math.nan
    n: int = 0
    other_zone: str = ""
    other_estimate: float = math.nan
    difference: float = math.nan
    diff_low: float = math.nan
    diff_high: float = math.nan

    def shown(self) -> dict[str, float]:
        """The numbers the sentence shows, as shown: shares and differences in
        percent (rounded), "k in 10" as ``tenths``.  Tests compare them with the
        input table."""
        if self.wording in ("about", "nearly_all", "very_few", "between"):
            out: dict[str, float] = {
                "ci_low": round(self.ci_low * 100),
                "ci_high": round(self.ci_high * 100),
            }
            if self.wording == "about":
                out["tenths"] = round(self.estimate * 10)
            return out
        if self.wording in ("more", "less"):
            low, high = sorted((abs(self.diff_low), abs(self.diff_high)))
            return {
                "estimate": round(self.estimate * 100),
                "other_estimate": round(self.other_estimate * 100),
                "difference": round(abs(self.difference) * 100),
                "diff_low": round(low * 100),
                "diff_high": round(high * 100),
            }
        return {}


def _check(estimates: pd.DataFrame) -> None:
    missing = [c for c in _REQUIRED if c not in estimates.columns]
    if missing:
        raise InputError(
            f"the estimates table lacks the column(s) {', '.join(missing)}.",
            column=missing[0],
            hint="pass the table of toolkit.mapping.activity_shares after "
            "toolkit.publish.publishable_shares (report.estimates()).",
        )


def usable_rows(estimates: pd.DataFrame, *, min_answers: int = MIN_ANSWERS) -> pd.Series:
    """Rows that may be stated with numbers: not suppressed (primary or secondary),
    with at least ``min_answers`` answers and a finite share and interval.

    Raises
    ------
    InputError
        If the table does not say what is withheld (no ``suppressed`` or
        ``suppression`` column): only published estimates may feed a brief.
    """
    _check(estimates)
    if "suppressed" not in estimates and "suppression" not in estimates:
        raise InputError(
            "the estimates say nothing of what is withheld (no 'suppressed' column).",
            column="suppressed",
            hint="pass the published estimates (report.estimates(), or the publication "
            "policy's shares), never the raw ones.",
        )
    ok = pd.Series(True, index=estimates.index)
    if "suppression" in estimates:
        ok &= estimates["suppression"].fillna("").astype(str) == ""
    for col in ("suppressed", "secondary"):
        if col in estimates:
            ok &= ~estimates[col].astype("boolean").fillna(True).astype(bool)
    n = pd.to_numeric(estimates["n"], errors="coerce")
    ok &= n.fillna(0) >= min_answers
    for col in ("estimate", "ci_low", "ci_high"):
        ok &= np.isfinite(pd.to_numeric(estimates[col], errors="coerce").astype(float))
    return ok


def _wording(est: float, low: float, high: float, wide: float) -> str:
    if high - low > wide:
        return "between"
    tenths = round(est * 10)
    if tenths >= 10:
        return "nearly_all"
    if tenths <= 0:
        return "very_few"
    return "about"


def _se(row: pd.Series, z: float) -> float:
    """The design SE; where it is missing or zero (every respondent answered alike and
    the interval is the exact one) the interval's half-width over ``z`` stands in."""
    se = float(row["se"]) if "se" in row and pd.notna(row["se"]) else math.nan
    half = (float(row["ci_high"]) - float(row["ci_low"])) / (2 * z)
    return se if math.isfinite(se) and se > 0 else half


def zone_difference(
    a: pd.Series, b: pd.Series, *, level: float = 0.95
) -> tuple[float, float, float]:
    """Difference of two zones' shares with its interval.

    The zones are separate strata of the survey design (weighting classes never
    cross zones and the finite population correction is per class), so their
    estimates are independent: the variance of the difference is the sum of the two
    design variances, ``se_d = sqrt(se_a**2 + se_b**2)``, and the interval is
    ``d ± z * se_d`` (normal approximation).  A row whose design SE is zero or missing
    contributes its interval's half-width over ``z`` instead.

    Returns
    -------
    tuple of float
        ``(difference, low, high)`` on the 0-1 scale.
    """
    z = float(norm.ppf(0.5 + level / 2))
    d = float(a["estimate"]) - float(b["estimate"])
    se = math.hypot(_se(a, z), _se(b, z))
    return d, d - z * se, d + z * se


def _share(kind: str, row: pd.Series, wide: float) -> Finding:
    est, low, high = float(row["estimate"]), float(row["ci_low"]), float(row["ci_high"])
    return Finding(
        kind,
        str(row["dimension"]),
        str(row["code"]),
        str(row["zone"]),
        _wording(est, low, high, wide),
        est,
        low,
        high,
        int(row["n"]),
    )


def _ranked(rows: pd.DataFrame, *, ascending: bool) -> pd.DataFrame:
    """Rows by share (then by the interval's lower end, then code): deterministic."""
    key = rows.assign(_e=rows["estimate"].astype(float), _l=rows["ci_low"].astype(float))
    return key.sort_values(
        ["_e", "_l", "code"], ascending=[ascending, ascending, True], kind="stable"
    )


def _differences(
    rows: pd.DataFrame, zone: str | None, zones: Sequence[str], level: float
) -> list[Finding]:
    """Significant zone differences per activity, largest first, one per activity."""
    found: list[tuple[float, int, str, Finding]] = []
    order = {z: i for i, z in enumerate(zones)}
    for code, grp in rows.groupby("code", sort=True):
        by_zone = {str(r["zone"]): r for _, r in grp.iterrows()}
        pairs = (
            [(zone, w) for w in zones if w != zone]
            if zone is not None
            else [(x, y) for i, x in enumerate(zones) for y in zones[i + 1 :]]
        )
        best: tuple[float, int, Finding] | None = None
        for x, y in pairs:
            if x not in by_zone or y not in by_zone:
                continue
            d, low, high = zone_difference(by_zone[x], by_zone[y], level=level)
            if low <= 0 <= high:
                continue
            if zone is None and d < 0:  # the global brief names the higher zone first
                x, y = y, x
                d, low, high = -d, -high, -low
            a, b = by_zone[x], by_zone[y]
            f = Finding(
                "difference",
                str(a["dimension"]),
                str(code),
                x,
                "more" if d > 0 else "less",
                float(a["estimate"]),
                float(a["ci_low"]),
                float(a["ci_high"]),
                int(a["n"]),
                y,
                float(b["estimate"]),
                d,
                low,
                high,
            )
            rank = order.get(y, 0) + len(zones) * order.get(x, 0)
            if best is None or (abs(d), -rank) > (best[0], -best[1]):
                best = (abs(d), rank, f)
        if best is not None:
            found.append((best[0], best[1], str(code), best[2]))
    found.sort(key=lambda t: (-t[0], t[1], t[2]))
    return [f for *_, f in found]


def select_findings(
    estimates: pd.DataFrame,
    zone: str = "all",
    *,
    level: float = 0.95,
    min_answers: int = MIN_ANSWERS,
    wide: float = WIDE_INTERVAL,
    zones: Sequence[str] | None = None,
) -> list[Finding]:
    """Choose 3 to 6 key findings for the brief of ``zone`` (or ``"all"``).

    The rule, applied to the usable rows only (:func:`usable_rows`: never a
    suppressed cell or one with fewer than ``min_answers`` answers):

    *Zone brief*: (1) the two activities with the highest share in the zone; (2) the
    activity with the lowest share; (3) up to two activities where the zone differs
    from another zone, largest difference first, each stated only when the
    difference's interval (:func:`zone_difference`) excludes zero; (4) the stage of the
    journey with the lowest share.

    *Network brief* (``"all"``): (1) the activity with the highest share network-wide;
    (2) the lowest; (3) up to three activities with the largest significant difference
    between two zones (one pair per activity); (4) the stage with the lowest share.

    Ties are broken by the lower end of the interval, then by code, then by zone
    order.  When fewer than three findings result, the next most common activities
    are added; at most six are kept.  A zone without a single usable share gets one
    ``no_data`` finding instead.

    Parameters
    ----------
    estimates : pandas.DataFrame
        Estimates of all zones (columns ``zone``, ``dimension``, ``code``,
        ``estimate``, ``se``, ``ci_low``, ``ci_high``, ``n`` and, after disclosure
        control, ``suppressed``), as :meth:`toolkit.run.Report.estimates` returns them.
    zone : str, default "all"
    level : float, default 0.95
        Confidence level of the intervals in the table (and of the differences).
    min_answers : int, default 5
    wide : float, default 0.30
    zones : sequence of str, optional
        Zones to compare, in order (default: the table's zones other than ``all``).

    Returns
    -------
    list of Finding
    """
    _check(estimates)
    table = estimates[usable_rows(estimates, min_answers=min_answers)].copy()
    table["zone"] = table["zone"].astype(str)
    if zones is None:
        zones = [str(z) for z in pd.unique(estimates["zone"].astype(str)) if z != "all"]
    zones = list(zones)
    acts = table[table["dimension"] == "activity"]
    here = acts[acts["zone"] == zone]
    if here.empty:
        return [Finding("no_data", "activity", "", zone, "none")]
    n_top, n_diff = (2, 2) if zone != "all" else (1, 3)
    ranked = _ranked(here, ascending=False)
    out = [_share("top", r, wide) for _, r in ranked.head(n_top).iterrows()]
    used = {f.code for f in out}
    lowest = _ranked(here[~here["code"].isin(used)], ascending=True)
    if not lowest.empty:
        out.append(_share("least", lowest.iloc[0], wide))
        used.add(str(lowest.iloc[0]["code"]))
    diffs = _differences(acts, None if zone == "all" else zone, zones, level)
    out.extend(diffs[:n_diff])
    stages = _ranked(
        table[(table["dimension"] == "stage") & (table["zone"] == zone)], ascending=True
    )
    if not stages.empty:
        out.append(_share("stage", stages.iloc[0], wide))
    for _, r in ranked.iterrows():
        if len(out) >= MIN_FINDINGS:
            break
        if str(r["code"]) not in used:
            out.append(_share("top", r, wide))
            used.add(str(r["code"]))
    out.sort(key=lambda f: FINDING_KINDS.index(f.kind))  # stable: the rule's order within a kind
    return out[:MAX_FINDINGS]
