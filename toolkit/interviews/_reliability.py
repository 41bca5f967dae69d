"""Inter-coder reliability of coded segments: coders x units coding tables and the
per-code and overall reliability report with bootstrap intervals and verdicts.

Private helper module of :mod:`toolkit.interviews`.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import combinations

import numpy as np
import pandas as pd

from toolkit.errors import InputError
from toolkit.interviews._agreement import (
    alpha_from_coincidence,
    alphas_from_coincidences,
    cohen_kappa,
    coincidence_contributions,
)
from toolkit.interviews._codebook import Codebook

__all__: list[str] = []

#: Krippendorff's conventions: alpha >= 0.8 reliable; 0.667 <= alpha < 0.8 only for
#: tentative conclusions.
RELIABLE = 0.8
TENTATIVE = 0.667


def _verdict(a: float) -> str:
    if not np.isfinite(a):
        return "undefined"
    if a >= RELIABLE:
        return "reliable"
    if a >= TENTATIVE:
        return "tentative"
    return "unreliable"


def coding_matrix(segments: pd.DataFrame, code: str, *, unit: str = "interview") -> pd.DataFrame:
    """Coders x units 0/1 table of whether each coder applied ``code`` to each unit.

    Parameters
    ----------
    segments : DataFrame
        Accepted segments (``read_segments(...).data``).
    code : str
    unit : {"interview", "segment"}
        ``"interview"``: a unit is an interview; a coder who coded the interview (any
        code) but not ``code`` gets 0, a coder who did not code it NA.
        ``"segment"``: a unit is a pre-defined segment (``interview_id`` +
        ``segment_id``, e.g. a question block of the template) coded by the coder.

    Returns
    -------
    DataFrame
        Index coders, columns units, values 1.0 / 0.0 / NaN.
    """
    keys = _unit_keys(segments, unit)
    df = pd.DataFrame(
        {
            "unit": keys,
            "coder": segments["coder"].astype(str).to_numpy(),
            "hit": (segments["code"].astype(str) == code).to_numpy(),
        }
    )
    tab = df.groupby(["coder", "unit"])["hit"].max().unstack("unit")
    return tab.astype(float)


def _unit_keys(segments: pd.DataFrame, unit: str) -> np.ndarray:
    if unit == "interview":
        return segments["interview_id"].astype(str).to_numpy()
    if unit == "segment":
        if "segment_id" not in segments or segments["segment_id"].isna().any():
            raise InputError(
                "unit='segment' needs a segment_id on every segment.",
                column="segment_id",
                hint="use the template's segment_id column for pre-segmented "
                "transcripts, or unit='interview'.",
            )
        return (
            segments["interview_id"].astype(str) + "#" + segments["segment_id"].astype(str)
        ).to_numpy()
    raise InputError(
        f"unknown reliability unit {unit!r}.", value=unit, hint="use 'interview' or 'segment'."
    )


def reliability_report(
    segments: pd.DataFrame,
    *,
    codes: Iterable[str] | None = None,
    unit: str = "interview",
    n_boot: int = 1000,
    ci: float = 0.95,
    seed: int | None = None,
    codebook: Codebook | None = None,
) -> pd.DataFrame:
    """Per-code and overall inter-coder reliability of double-coded interviews.

    For each code, the reliability data are whether each coder applied the code to
    each unit (see :func:`coding_matrix`), restricted to units coded by at least two
    coders; alpha is nominal (binary).  The overall row treats every (unit, code) pair
    as a unit.  Intervals: percentile bootstrap resampling *units* (interviews), the
    same resampled units for every code and the overall row.

    Parameters
    ----------
    segments : DataFrame
        Accepted segments of several coders.
    codes : iterable of str, optional
        Codes to report (default: the codebook's codable codes if ``codebook`` is
        given, else every code used).
    unit : {"interview", "segment"}
    n_boot : int, default 1000
    ci : float, default 0.95
    seed : int, optional
    codebook : Codebook, optional
        Adds the ``theme`` column and the codes never used.

    Returns
    -------
    DataFrame
        One row per code plus ``code="(all codes)"``: ``code``, ``theme``,
        ``n_units`` (units with >= 2 coders), ``n_coders``, ``prevalence`` (share of
        coder-unit values that are 1), ``alpha``, ``ci_low``, ``ci_high``, ``kappa``
        (Cohen's kappa when exactly two coders, else the mean pairwise kappa),
        ``verdict`` (alpha >= 0.8 "reliable", >= 0.667 "tentative", else
        "unreliable"; "undefined" without variation) and ``verdict_ci_low`` (the same
        rule applied to ``ci_low``).
    """
    if not 0 < ci < 1:
        raise InputError("ci must be between 0 and 1.", value=ci, hint="e.g. ci=0.95.")
    keys = _unit_keys(segments, unit)
    coders_per_unit = pd.Series(segments["coder"].astype(str).to_numpy()).groupby(keys).nunique()
    multi = coders_per_unit[coders_per_unit >= 2].index
    seg = segments[np.isin(keys, multi)]
    ukeys = keys[np.isin(keys, multi)]
    if codes is None:
        if codebook is not None:
            codes = list(codebook.codable)
        else:
            codes = sorted(segments["code"].astype(str).unique())
    codes = list(codes)
    theme = (
        codebook.theme_of()
        if codebook is not None
        else dict(
            zip(
                segments["code"].astype(str),
                segments.get("theme", segments["code"]).astype(str),
                strict=False,
            )
        )
    )
    units = sorted(set(ukeys))
    coders = sorted(seg["coder"].astype(str).unique())
    U = len(units)
    uidx = {u: i for i, u in enumerate(units)}
    cidx = {c: i for i, c in enumerate(coders)}
    coded = np.zeros((len(coders), U), dtype=bool)
    if U:
        coded[[cidx[c] for c in seg["coder"].astype(str)], [uidx[u] for u in ukeys]] = True
    contribs = {}
    mats = {}
    for code in codes:
        m = np.where(coded, 0.0, np.nan)
        hit = (seg["code"].astype(str) == code).to_numpy()
        if hit.any():
            m[[cidx[c] for c in seg["coder"].astype(str)[hit]], [uidx[u] for u in ukeys[hit]]] = 1.0
        mats[code] = m
        counts = np.stack([(m == 0).sum(axis=0), (m == 1).sum(axis=0)], axis=1).astype(float)
        contribs[code] = coincidence_contributions(counts)
    rng = np.random.default_rng(seed)
    w = (
        rng.multinomial(U, np.full(U, 1.0 / U), size=n_boot).astype(float)
        if U
        else np.zeros((n_boot, 0))
    )
    a_lo = (1 - ci) / 2
    rows = []

    def summarise(name: str, contrib: np.ndarray, mat_list: list[np.ndarray]) -> dict[str, object]:
        est = alpha_from_coincidence(contrib.sum(axis=0), "nominal", None) if U else float("nan")
        lo = hi = float("nan")
        if U and n_boot:
            o = np.tensordot(w, contrib, axes=(1, 0))
            reps = alphas_from_coincidences(o, "nominal", None)
            reps = reps[np.isfinite(reps)]
            if reps.size:
                lo, hi = (float(q) for q in np.quantile(reps, [a_lo, 1 - a_lo]))
        vals = np.concatenate([m.ravel() for m in mat_list]) if mat_list else np.array([])
        vals = vals[np.isfinite(vals)]
        kappas = []
        for i, j in combinations(range(len(coders)), 2):
            a = np.concatenate([m[i] for m in mat_list])
            b = np.concatenate([m[j] for m in mat_list])
            both = np.isfinite(a) & np.isfinite(b)
            if both.any():
                kappas.append(cohen_kappa(a[both], b[both], labels=[0.0, 1.0]))
        finite = [k for k in kappas if np.isfinite(k)]
        return {
            "code": name,
            "n_units": U,
            "n_coders": len(coders),
            "prevalence": float(vals.mean()) if vals.size else float("nan"),
            "alpha": est,
            "ci_low": lo,
            "ci_high": hi,
            "kappa": float(np.mean(finite)) if finite else float("nan"),
            "verdict": _verdict(est),
            "verdict_ci_low": _verdict(lo),
        }

    for code in codes:
        r = summarise(code, contribs[code], [mats[code]])
        r["theme"] = theme.get(code, pd.NA)
        rows.append(r)
    if codes:
        allc = np.sum([contribs[c] for c in codes], axis=0)
        r = summarise("(all codes)", allc, [mats[c] for c in codes])
        r["theme"] = pd.NA
        rows.append(r)
    cols = [
        "code",
        "theme",
        "n_units",
        "n_coders",
        "prevalence",
        "alpha",
        "ci_low",
        "ci_high",
        "kappa",
        "verdict",
        "verdict_ci_low",
    ]
    return pd.DataFrame(rows, columns=cols)
