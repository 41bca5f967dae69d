"""Private helpers of :mod:`toolkit.nonresponse`: per-group counts of a proportion."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from toolkit.errors import InputError
from toolkit.nonresponse._common import (
    ALL_LABEL,
    align_data,
    as_list,
    check_columns,
    group_keys,
    is_binary,
    is_categorical,
    levels_of,
    resolve_responded,
    to_float,
)

__all__: list[str] = []

#: Non-respondent rates of the two domains as a function of the shift delta.
Scenario = Callable[[float], tuple[float, float]]


@dataclass(frozen=True)
class Indicator:
    """One 0/1 indicator over the frame (NaN where unknown)."""

    variable: str
    level: Any
    y: np.ndarray  # float, NaN = not observed (non-respondent or item missing)


def indicators(
    frame: pd.DataFrame,
    data: pd.DataFrame,
    var: str | Sequence[str],
    *,
    unit: str,
    frame_unit: str,
    responded: Any,
) -> list[Indicator]:
    """0/1 indicators aligned with the frame for every proportion implied by ``var``.

    Binary columns give one indicator (level 1); text/categorical columns one per level.
    """
    variables = as_list(var)
    if not variables:
        raise InputError("no variable given.", hint="name at least one column of the data.")
    check_columns(data, variables, "data")
    aligned, returned = align_data(frame, data, unit=unit, frame_unit=frame_unit)
    if responded is not None:
        r = resolve_responded(frame, responded)
        if (r & ~returned).any():
            raise InputError(
                "a unit is marked as responded but has no row in the data.",
                value=frame[frame_unit].to_numpy()[np.flatnonzero(r & ~returned)[0]],
                hint="check the responded indicator against the data.",
            )
        returned = r
    out = []
    for v in variables:
        s = aligned[v]
        if is_binary(s):
            y = to_float(s)
            y[~returned] = np.nan
            out.append(Indicator(v, 1, y))
        elif is_categorical(s):
            lev = levels_of(s[returned])
            vals = s.to_numpy(dtype=object)
            known = s.notna().to_numpy() & returned
            for lv in lev:
                y = np.where(known, (vals == lv).astype(float), np.nan)
                out.append(Indicator(v, lv, y))
        else:
            raise InputError(
                "bounds and tipping points are for proportions: the column must be 0/1, "
                "boolean or categorical.",
                column=v,
                hint="recode it (e.g. 'runs the activity' = value > 0) before the analysis.",
            )
    return out


def group_codes(
    frame: pd.DataFrame, by: str | Sequence[str] | None
) -> tuple[list[str], list[tuple[Any, ...]], np.ndarray]:
    """Grouping columns as a list, the distinct group keys and each row's group code."""
    by_l = as_list(by)
    keys, codes = group_keys(frame, by_l)
    return by_l, keys, codes


def counts(y: np.ndarray) -> tuple[int, int, float]:
    """(N, n observed, sum of observed y)."""
    obs = ~np.isnan(y)
    return len(y), int(obs.sum()), float(np.nansum(y))


def result_index(by_l: list[str], keys: list, extra: list[str]) -> Any:
    names = by_l + extra
    if len(names) == 1:
        return pd.Index([k[0] for k in keys], name=names[0])
    return pd.MultiIndex.from_tuples(keys, names=names)


def _odds(p: float) -> float:
    return p / (1 - p) if 0 < p < 1 else np.nan


def tipping_share(
    frame: pd.DataFrame,
    ind: Indicator,
    t: float,
    by: str | Sequence[str] | None,
    qs: np.ndarray,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Tipping point of a share (per domain and overall): table and grid."""
    if not 0 <= t <= 1:
        raise InputError(f"threshold must lie in [0, 1] for a share; got {t}.", value=t)
    by_l, keys, codes = group_codes(frame, by)
    groups = [(k, codes == g) for g, k in enumerate(keys)]
    if by_l:
        groups.append((tuple([ALL_LABEL] * len(by_l)), np.ones(len(frame), dtype=bool)))
    rows, gridrows, labels = [], [], []
    for key, mask in groups:
        N, n, S = counts(ind.y[mask])
        M = N - n
        p = S / n if n else np.nan
        finding = "above" if p > t else ("below" if p < t else "at")
        qstar = (t * N - S) / M if M > 0 else np.nan
        robust = not (M > 0 and 0 <= qstar <= 1) or not n
        rows.append(
            {
                "n_frame": N,
                "n_observed": n,
                "observed": p,
                "lower": S / N,
                "upper": (S + M) / N,
                "finding": finding,
                "tipping_rate": np.nan if robust else qstar,
                "tipping_difference": np.nan if robust else qstar - p,
                "tipping_odds_ratio": np.nan if robust else _safe_ratio(_odds(qstar), _odds(p)),
                "robust": bool(robust),
            }
        )
        labels.append(key)
        for q in qs:
            gridrows.append((*tuple(key), q, (S + q * M) / N))
    table = pd.DataFrame.from_records(rows)
    table.index = result_index(by_l, labels, []) if by_l else pd.Index([ALL_LABEL])
    gcols = [*by_l, "nonrespondent_rate", "estimate"]
    grid_df = pd.DataFrame.from_records(gridrows, columns=gcols)
    return table, grid_df


def _safe_ratio(a: float, b: float) -> float:
    if not (np.isfinite(a) and np.isfinite(b)) or b == 0:
        return np.nan
    return a / b


def tipping_difference(
    frame: pd.DataFrame,
    ind: Indicator,
    t: float,
    by: str,
    compare: Sequence[Any],
    qs: np.ndarray,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Tipping point of a difference between two domains: table and grid."""
    check_columns(frame, [by], "frame")
    if len(compare) != 2:
        raise InputError("compare must name two domains, e.g. ('europe', 'africa').")
    a, b = compare
    stats_ = []
    for lab in (a, b):
        mask = (frame[by] == lab).to_numpy()
        if not mask.any():
            raise InputError(
                "the domain does not occur in the frame.",
                column=by,
                value=lab,
                hint=f"use one of {', '.join(map(str, pd.unique(frame[by])))}.",
            )
        N, n, S = counts(ind.y[mask])
        if n == 0:
            raise InputError(
                "no unit of the domain answered the item, so nothing can be compared.",
                column=by,
                value=lab,
            )
        stats_.append((N, n, S))
    (Na, na, Sa), (Nb, nb, Sb) = stats_
    pa, pb = Sa / na, Sb / nb

    def D(qa: float, qb: float) -> float:
        return (Sa + qa * (Na - na)) / Na - (Sb + qb * (Nb - nb)) / Nb

    d0 = D(pa, pb)
    s = 1.0 if d0 >= t else -1.0  # direction in which the finding must be pushed

    scen: dict[str, Scenario] = {
        "both": lambda dl: (np.clip(pa - s * dl, 0, 1), np.clip(pb + s * dl, 0, 1)),
        "first": lambda dl: (np.clip(pa - s * dl, 0, 1), pb),
        "second": lambda dl: (pa, np.clip(pb + s * dl, 0, 1)),
    }
    rows = []
    for name, f in scen.items():

        def g(dl: float, f: Scenario = f) -> float:
            return s * (D(*f(dl)) - t)  # > 0 while the finding holds

        if d0 == t:
            delta = 0.0
        elif g(1.0) > 0:
            delta = np.nan
        else:
            lo, hi = 0.0, 1.0
            for _ in range(100):
                mid = (lo + hi) / 2
                if g(mid) > 0:
                    lo = mid
                else:
                    hi = mid
            delta = hi
        robust = bool(np.isnan(delta))
        qa, qb = (np.nan, np.nan) if robust else f(delta)
        rows.append(
            {
                "scenario": name,
                "difference_observed": d0,
                "delta": delta,
                "rate_first": float(qa),
                "rate_second": float(qb),
                "observed_first": pa,
                "observed_second": pb,
                "robust": robust,
            }
        )
    table = pd.DataFrame.from_records(rows).set_index("scenario")
    qa_g, qb_g = np.meshgrid(qs, qs, indexing="ij")
    grid_df = pd.DataFrame(
        {
            "rate_first": qa_g.ravel(),
            "rate_second": qb_g.ravel(),
            "difference": [D(x, y) for x, y in zip(qa_g.ravel(), qb_g.ravel())],
        }
    )
    return table, grid_df
