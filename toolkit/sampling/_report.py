"""Representativeness reports and swap suggestions for :mod:`toolkit.sampling`.

Private helper module: import the public names from :mod:`toolkit.sampling`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from toolkit.errors import InputError
from toolkit.sampling._balance import (
    balance_table,
    covariate_matrix,
    population_moments,
    smd_from_means,
)
from toolkit.sampling._common import (
    SampleResult,
    as_codes,
    as_list,
    check_codes,
    check_frame,
    check_zone,
    default_covariates,
    group_labels,
    group_order,
)

__all__: list[str] = []

# --------------------------------------------------------------------------- reports


def representativeness(
    frame: pd.DataFrame,
    sample: SampleResult | pd.DataFrame | Sequence[str],
    covariates: Sequence[str] | None = None,
    by: str | Sequence[str] | None = "zone",
    *,
    zone: str | None = None,
) -> pd.DataFrame:
    """Compare a sample (drawn or nominated) with its zone on every covariate.

    Parameters
    ----------
    frame : DataFrame
        The population to compare with (membership table, or a subset such as the
        non-respondents).
    sample : SampleResult, DataFrame with ``iso3`` (and optionally ``weight``), or list
        of ISO3 codes
        The Societies to check.  Codes are trimmed and upper-cased.
    covariates : list of str, optional
        Default :data:`DEFAULT_COVARIATES` present in the frame.
    by : str, list of str or None, default "zone"
        Groups to report separately (each Society is compared with its own group);
        only groups holding at least one sampled Society are reported.
    zone : str, optional
        The zone a nominated list is meant to represent: codes of another zone are an
        error, and only that zone is reported.

    Returns
    -------
    DataFrame
        Tidy table (also the data of a balance plot), one row per group x covariate x
        level: the ``by`` columns, ``covariate``, ``level`` (NA for numeric),
        ``kind`` (categorical / multilabel / numeric), ``n_sample``, ``n_population``,
        ``count_sample``, ``count_population``, ``sample_value`` (share or mean),
        ``population_value``, ``population_sd``, ``smd``, ``abs_smd``, ``test`` and
        ``p_value`` (sampled vs not sampled: Freeman–Halton exact test of the level
        counts under sampling without replacement for a categorical covariate, repeated
        on its level rows; Fisher's exact test per token of a multi-valued covariate;
        Welch's t-test for numeric ones), and ``weighted``: whether ``sample_value``
        is a design-weighted (Hajek) mean — for a cube or SRS sample, or a table with a
        ``weight`` column; a nominated list and a rejective sample (whose acceptance
        rule is unweighted) are compared unweighted.

    Raises
    ------
    InputError
        Unknown or duplicated codes, or codes outside ``zone``.
    """
    check_frame(frame, as_list(by))
    zones = check_zone(frame, zone)
    codes = as_codes(sample, "sample")
    if not codes:
        raise InputError("the sample is empty.", hint="give at least one ISO3 code.")
    check_codes(frame, codes, "sample", zones[0] if zones else None)
    weights = None
    if isinstance(sample, SampleResult) and sample.pi_exact:
        weights = dict(zip(sample.sample["iso3"], sample.sample["weight"], strict=True))
    elif isinstance(sample, pd.DataFrame) and "weight" in sample.columns:
        weights = dict(
            zip(as_codes(sample, "sample"), pd.to_numeric(sample["weight"]), strict=True)
        )
    pop = frame if zones is None else frame[frame["zone"].astype(str).isin(zones)]
    pop = pop.sort_values("iso3").reset_index(drop=True)
    covs = default_covariates(pop, covariates)
    cols = as_list(by)
    labels = group_labels(pop, cols)
    order = group_order(pop, cols, labels)
    in_s = pop["iso3"].isin(codes).to_numpy()
    w_all = None
    if weights is not None:
        w_all = pop["iso3"].map(weights).to_numpy(dtype=float, na_value=np.nan)
    parts = []
    for lab in order:
        m = (labels == lab).to_numpy()
        if not in_s[m].any():
            continue
        sub = pop.loc[m]
        t = balance_table(sub, in_s[m], covs, weights=None if w_all is None else w_all[m])
        for c in reversed(cols):
            t.insert(0, c, sub[c].iloc[0])
        parts.append(t)
    out = pd.concat(parts, ignore_index=True)
    out["weighted"] = w_all is not None
    return out


def suggest_swaps(
    frame: pd.DataFrame,
    nominated: pd.DataFrame | Sequence[str],
    covariates: Sequence[str] | None = None,
    *,
    zone: str | None = None,
    k: int = 5,
    keep: Iterable[str] = (),
) -> pd.DataFrame:
    """Suggest swaps that make a nominated list more like its zone.

    Greedy: at each step every swap of one listed Society (``out``) for one unlisted
    Society of the zone (``in``) is evaluated, and the one that most reduces the
    largest absolute standardised difference over all covariate levels is taken (ties
    broken by the mean absolute difference, then by ISO3 codes); the next step starts
    from the swapped list.  Stops after ``k`` swaps or when no swap improves the list.

    Parameters
    ----------
    frame : DataFrame
        Membership table.
    nominated : DataFrame with ``iso3`` or list of str
        The zone office's list.
    covariates : list of str, optional
        Default :data:`DEFAULT_COVARIATES` present in the frame.
    zone : str, optional
        The zone of the list (default: the zone of the listed Societies, which must be
        a single zone).
    k : int, default 5
        Largest number of swaps.
    keep : iterable of str
        Listed Societies that must stay (e.g. already interviewed).

    Returns
    -------
    DataFrame
        One row per step: ``step``, ``swap_out``, ``swap_in`` (ISO3), ``out_country``,
        ``in_country`` (when the frame has ``country``), ``max_abs_smd_before``,
        ``max_abs_smd_after``, ``improvement``, ``mean_abs_smd_after``,
        ``worst_covariate`` and ``worst_level`` (where the largest difference remains
        after the swap).  Empty when no swap helps.
    """
    check_frame(frame, ["zone"])
    codes = as_codes(nominated, "nominated list")
    if not codes:
        raise InputError("the nominated list is empty.", hint="give at least one ISO3 code.")
    check_codes(frame, codes, "nominated list", None)
    zmap = dict(zip(frame["iso3"], frame["zone"].astype(str), strict=True))
    if zone is None:
        zs = sorted({zmap[c] for c in codes})
        if len(zs) > 1:
            raise InputError(
                f"the nominated list spans zones {', '.join(zs)}.",
                hint="pass zone= and list Societies of that zone only.",
            )
        zone = zs[0]
    check_zone(frame, zone)
    check_codes(frame, codes, "nominated list", zone)
    keep_set = set(as_codes(list(keep), "keep list"))
    bad_keep = sorted(keep_set - set(codes))
    if bad_keep:
        raise InputError(
            f"Society {bad_keep[0]} is in keep but not in the nominated list.",
            value=bad_keep[0],
            hint="keep lists Societies of the nominated list.",
        )
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 0:
        raise InputError("k must be a non-negative integer.", value=k, hint="e.g. k=5.")
    pop = frame[frame["zone"].astype(str) == zone].sort_values("iso3").reset_index(drop=True)
    covs = default_covariates(pop, covariates)
    cm = covariate_matrix(pop, covs)
    X = cm.X
    mu, sd = population_moments(X)
    iso = pop["iso3"].to_numpy()
    country = pop["country"].to_numpy() if "country" in pop.columns else None
    in_s = np.isin(iso, codes)
    n = int(in_s.sum())
    fixed = np.isin(iso, list(keep_set))
    rows = []
    columns = [
        "step",
        "swap_out",
        "swap_in",
        "out_country",
        "in_country",
        "max_abs_smd_before",
        "max_abs_smd_after",
        "improvement",
        "mean_abs_smd_after",
        "worst_covariate",
        "worst_level",
    ]
    for step in range(1, int(k) + 1):
        means = X[in_s].mean(axis=0)
        cur = np.abs(smd_from_means(means, mu, sd))
        cur_max, cur_mean = (cur.max(), cur.mean()) if cur.size else (0.0, 0.0)
        outs = np.flatnonzero(in_s & ~fixed)
        ins = np.flatnonzero(~in_s)
        if outs.size == 0 or ins.size == 0 or X.shape[1] == 0:
            break
        new = means[None, None, :] + (X[ins][None, :, :] - X[outs][:, None, :]) / n
        a = np.abs(smd_from_means(new, mu, sd))
        mx = np.round(a.max(axis=2), 12)
        mn = np.round(a.mean(axis=2), 12)
        flat = np.lexsort((mn.ravel(), mx.ravel()))[0]
        i, j = np.unravel_index(flat, mx.shape)
        better = mx[i, j] < round(cur_max, 12) - 1e-12 or (
            abs(mx[i, j] - round(cur_max, 12)) <= 1e-12 and mn[i, j] < round(cur_mean, 12) - 1e-12
        )
        if not better:
            break
        o, g = outs[i], ins[j]
        worst = int(np.argmax(a[i, j]))
        rows.append(
            {
                "step": step,
                "swap_out": iso[o],
                "swap_in": iso[g],
                "out_country": country[o] if country is not None else pd.NA,
                "in_country": country[g] if country is not None else pd.NA,
                "max_abs_smd_before": float(cur_max),
                "max_abs_smd_after": float(a[i, j].max()),
                "improvement": float(cur_max - a[i, j].max()),
                "mean_abs_smd_after": float(a[i, j].mean()),
                "worst_covariate": cm.meta["covariate"].iloc[worst],
                "worst_level": cm.meta["level"].iloc[worst],
            }
        )
        in_s[o], in_s[g] = False, True
    out = pd.DataFrame(rows, columns=columns)
    if country is None:
        out = out.drop(columns=["out_country", "in_country"])
    return out
