"""Private implementation of :func:`toolkit.nonresponse.two_phase` (Hansen-Hurwitz)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from toolkit.errors import InputError
from toolkit.nonresponse._common import (
    ALL_LABEL,
    as_list,
    check_columns,
    frame_units,
    group_keys,
    resolve_responded,
    returned_units,
    to_float,
)

__all__: list[str] = []


def compute_two_phase(
    frame: pd.DataFrame,
    data: pd.DataFrame,
    followup: pd.DataFrame,
    var: str | Sequence[str],
    *,
    selected: Sequence[Any] | None,
    strata: str | None,
    population_size: int | Mapping[Any, int] | None,
    statistic: str,
    unit: str,
    frame_unit: str,
    responded: Any,
    allow_followup_nonresponse: bool,
    level: float,
) -> pd.DataFrame:
    """See :func:`toolkit.nonresponse.two_phase`."""
    if statistic not in ("mean", "total"):
        raise InputError(f"statistic must be 'mean' or 'total'; got {statistic!r}.")
    variables = as_list(var)
    if not variables:
        raise InputError("no variable given.")
    units = frame_units(frame, frame_unit)
    check_columns(data, variables, "phase-1 data")
    check_columns(followup, [unit, *variables], "follow-up data")
    returned = returned_units(frame, data, unit=unit, frame_unit=frame_unit)
    pos1 = pd.Index(data[unit].to_numpy(dtype=object)).get_indexer(units.to_numpy(dtype=object))
    if responded is not None:
        returned = resolve_responded(frame, responded)
    fu_returned = returned_units(frame, followup, unit=unit, frame_unit=frame_unit)
    pos2 = pd.Index(followup[unit].to_numpy(dtype=object)).get_indexer(units.to_numpy(dtype=object))
    if selected is None:
        sel = fu_returned.copy()
    else:
        sel_units = list(selected)
        unknown = pd.Index(sel_units).difference(pd.Index(units.to_numpy()))
        if len(unknown):
            raise InputError(
                "a unit selected for follow-up is not in the frame.",
                value=unknown[0],
                hint="correct the list of selected units.",
            )
        sel = units.isin(sel_units).to_numpy()
    bad = sel & returned
    if bad.any():
        raise InputError(
            "a unit selected for follow-up had responded in phase 1.",
            value=units.to_numpy()[np.flatnonzero(bad)[0]],
            hint="the follow-up subsample must be drawn from phase-1 non-respondents only.",
        )
    stray = fu_returned & ~sel
    if stray.any():
        raise InputError(
            "the follow-up data hold a unit that was not selected for follow-up.",
            value=units.to_numpy()[np.flatnonzero(stray)[0]],
            hint="pass selected=... listing every unit drawn into the subsample.",
        )

    if strata is None:
        scode = np.zeros(len(frame), dtype=np.intp)
        slabels: list[Any] = [ALL_LABEL]
    else:
        keys, scode = group_keys(frame, [strata])
        slabels = [k[0] for k in keys]
    Npop = _population_sizes(population_size, slabels, scode, strata)

    z = stats.norm.ppf(0.5 + level / 2)
    records, idx = [], []
    for v in variables:
        y1_all = _in_frame_order(data[v], pos1, v)
        y2_all = _in_frame_order(followup[v], pos2, v)
        miss1 = returned & np.isnan(y1_all)
        if miss1.any():
            raise InputError(
                f"{int(miss1.sum())} phase-1 respondent(s) did not answer the item.",
                column=v,
                value=units.to_numpy()[np.flatnonzero(miss1)[0]],
                hint="impute item non-response first (toolkit.nonresponse) or restrict "
                "`responded` to units that answered it.",
            )
        answered2 = sel & ~np.isnan(y2_all)
        if (sel & ~answered2).any() and not allow_followup_nonresponse:
            raise InputError(
                f"{int((sel & ~answered2).sum())} unit(s) selected for follow-up have no answer.",
                column=v,
                value=units.to_numpy()[np.flatnonzero(sel & ~answered2)[0]],
                hint="complete the follow-up, or pass allow_followup_nonresponse=True if "
                "the missing follow-ups are unrelated to the answer.",
            )
        est_h, var_h, W = [], [], []
        per_stratum = []
        for h, lab in enumerate(slabels):
            mh = scode == h
            n = int(mh.sum())
            r = mh & returned
            n1, n2 = int(r.sum()), n - int(r.sum())
            f2 = mh & answered2
            mm = int(f2.sum())
            y1, y2 = y1_all[r], y2_all[f2]
            N = Npop[h] if Npop is not None else n
            if n > N:
                raise InputError(
                    f"population size {N} is smaller than the {n} phase-1 units.",
                    value=lab,
                )
            if n2 > 0 and mm == 0:
                raise InputError(
                    "a stratum has non-respondents but none was followed up, so the "
                    "estimator is undefined there.",
                    column=strata,
                    value=lab,
                    hint="follow up at least two non-respondents per stratum, or merge strata.",
                )
            if n2 > 0 and mm < 2 and mm < n2:
                raise InputError(
                    "a stratum has a single followed-up unit, so the subsampling "
                    "variance cannot be estimated.",
                    column=strata,
                    value=lab,
                    hint="follow up at least two non-respondents per stratum, or merge strata.",
                )
            ybar, vv = _hh_stratum(y1, y2, n, n2, N)
            est_h.append(ybar)
            var_h.append(vv)
            W.append(N)
            per_stratum.append((lab, ybar, vv, n, n1, n2, mm, N))
        Wt = np.asarray(W, dtype=float)
        Ntot = Wt.sum()
        ybar = float(np.sum(Wt / Ntot * np.asarray(est_h)))
        vtot = float(np.sum((Wt / Ntot) ** 2 * np.asarray(var_h)))
        rows = per_stratum if strata is not None else []
        tot = (
            ALL_LABEL,
            ybar,
            vtot,
            len(frame),
            int(returned.sum()),
            int((~returned).sum()),
            int(answered2.sum()),
            int(Ntot),
        )
        for lab, e, vv, n, n1, n2, mm, N in [*rows, tot]:
            scale = N if statistic == "total" else 1.0
            est, se = e * scale, np.sqrt(max(vv, 0.0)) * scale
            records.append(
                {
                    "estimate": est,
                    "se": se,
                    "ci_low": est - z * se,
                    "ci_high": est + z * se,
                    "n_frame": n,
                    "n_respondents": n1,
                    "n_nonrespondents": n2,
                    "n_followup": mm,
                    "n_population": N,
                }
            )
            idx.append((lab, v))
    out = pd.DataFrame.from_records(records)
    out.index = pd.MultiIndex.from_tuples(idx, names=[strata or "stratum", "variable"])
    return out


def _population_sizes(
    population_size: int | Mapping[Any, int] | None,
    slabels: list[Any],
    scode: np.ndarray,
    strata: str | None,
) -> list[int] | None:
    """Population size per stratum (``None``: phase 1 is a census of the frame)."""
    if population_size is None:
        return None
    if isinstance(population_size, Mapping):
        missing = [s for s in slabels if s not in population_size]
        if missing:
            raise InputError(
                "population_size has no entry for a stratum.",
                column=strata,
                value=missing[0],
                hint="give the population size of every stratum.",
            )
        return [int(population_size[s]) for s in slabels]
    if len(slabels) != 1:
        raise InputError(
            "with strata, population_size must map each stratum to its size.",
            hint="pass a dict {stratum: N_h}.",
        )
    return [int(population_size)]


def _hh_stratum(y1: np.ndarray, y2: np.ndarray, n: int, n2: int, N: int) -> tuple[float, float]:
    """Hansen-Hurwitz mean and unbiased variance estimate in one stratum."""
    m = len(y2)
    if n2 == 0:
        ybar = float(y1.mean()) if n else np.nan
        v2 = 0.0
        sum_y2 = float((y1**2).sum())
    else:
        y2m = float(y2.mean())
        ybar = (float(y1.sum()) + n2 * y2m) / n
        s2 = float(y2.var(ddof=1)) if m > 1 else 0.0
        v2 = (n2 / n) ** 2 * (1 - m / n2) * s2 / m
        sum_y2 = float((y1**2).sum()) + n2 / m * float((y2**2).sum())
    f = n / N
    if f >= 1 or n < 2:
        v1 = 0.0
    else:
        s_hat = (sum_y2 - n * (ybar**2 - v2)) / (n - 1)
        v1 = (1 - f) * max(s_hat, 0.0) / n
    return ybar, v1 + v2


def _in_frame_order(s: pd.Series, pos: np.ndarray, name: str) -> np.ndarray:
    """Float values of ``s`` at positions ``pos`` (NaN where ``pos < 0``)."""
    try:
        x = to_float(s)
    except (TypeError, ValueError) as exc:
        raise InputError(
            "the variable must be numeric (or 0/1).",
            column=name,
            hint="recode it to numbers before the two-phase estimate.",
        ) from exc
    out = np.full(len(pos), np.nan)
    ok = pos >= 0
    out[ok] = x[pos[ok]]
    return out
