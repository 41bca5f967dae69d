"""Private implementation of :func:`toolkit.nonresponse.mice` on statsmodels' ``MICEData``."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from toolkit.errors import InputError
from toolkit.nonresponse._common import (
    check_columns,
    is_binary,
    is_categorical,
    levels_of,
    to_float,
)

__all__: list[str] = []


@dataclass
class _Target:
    column: str
    safe: str
    kind: str  # "numeric" | "binary" | "constant"
    levels: tuple[Any, ...] = ()  # for text binaries: (level coded 0, level coded 1)
    values: np.ndarray = field(default_factory=lambda: np.empty(0))  # float codes with NaN
    constant: Any = None


def _prepare_target(data: pd.DataFrame, c: str, safe: str) -> _Target:
    s = data[c]
    observed = s.dropna()
    if len(observed) == 0:
        raise InputError(
            "the column has no observed value, so nothing can be imputed from it.",
            column=c,
            hint="drop the column from the imputation (and report it as not answered).",
        )
    if s.notna().all():
        kind = "complete"
    else:
        kind = ""
    if is_categorical(s) and not pd.api.types.is_bool_dtype(s.dtype):
        lev = levels_of(s)
        if len(lev) > 2:
            raise InputError(
                f"the text column has {len(lev)} values; only two-valued (e.g. yes/no) "
                "text columns can be imputed.",
                column=c,
                value=lev[2],
                hint="impute its 0/1 indicator columns instead (e.g. '<q>__<option>').",
            )
        codes = pd.Categorical(s, categories=lev).codes.astype(float)
        codes[codes < 0] = np.nan
        t = _Target(c, safe, "binary", tuple(lev), codes)
    else:
        try:
            x = to_float(s)
        except (TypeError, ValueError) as exc:
            raise InputError(
                "the column is neither numeric nor two-valued text.", column=c
            ) from exc
        t = _Target(c, safe, "binary" if is_binary(s) else "numeric", (), x)
    obs_vals = t.values[~np.isnan(t.values)]
    if np.ptp(obs_vals) == 0:
        t.kind = "constant"
        t.constant = observed.iloc[0]
    elif kind == "complete":
        t.kind = "complete_" + t.kind
    return t


def _predictor_matrix(data: pd.DataFrame, predictors: list[str]) -> tuple[pd.DataFrame, list[str]]:
    check_columns(data, predictors, "data")
    cols: dict[str, np.ndarray] = {}
    for j, c in enumerate(predictors):
        s = data[c]
        if s.isna().any():
            raise InputError(
                f"the predictor has {int(s.isna().sum())} missing value(s).",
                column=c,
                hint="add it to the columns to impute, or fill it first.",
            )
        if is_categorical(s):
            lev = levels_of(s)
            for k, lv in enumerate(lev[1:], start=1):
                cols[f"p{j}_{k}"] = (s.to_numpy(dtype=object) == lv).astype(float)
        else:
            x = to_float(s)
            if np.ptp(x) > 0:
                cols[f"p{j}"] = x
    return pd.DataFrame(cols, index=data.index), list(cols)


def _fast_mice_class() -> type[Any]:
    """``MICEData`` with the default main-effects design built by numpy, not patsy.

    ``MICEData`` re-parses the formula ``v ~ all other columns`` twice per update,
    which dominates the run time on small tables.  The matrices built here are the
    same (intercept followed by the other columns in order); perturbation, predictive
    mean matching and the update cycle are statsmodels' own.
    """
    from statsmodels.imputation.mice import MICEData

    class _MICEData(MICEData):
        def _matrices(self, vname: str) -> tuple[np.ndarray, np.ndarray]:
            cols = [c for c in self.data.columns if c != vname]
            exog = np.column_stack(
                [np.ones(len(self.data))] + [self.data[c].to_numpy(dtype=float) for c in cols]
            )
            endog = self.data[vname].to_numpy(dtype=float)
            return endog, exog

        def get_split_data(
            self, vname: str
        ) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, Any], dict[str, Any]]:
            endog, exog = self._matrices(vname)
            ixo, ixm = self.ix_obs[vname], self.ix_miss[vname]
            return endog[ixo], exog[ixo], exog[ixm], {}, {}

        def get_fitting_data(
            self, vname: str
        ) -> tuple[np.ndarray, np.ndarray, dict[str, Any], dict[str, Any]]:
            endog, exog = self._matrices(vname)
            ixo = self.ix_obs[vname]
            return (
                endog[ixo],
                exog[ixo],
                dict(self.init_kwds[vname]),
                dict(self.fit_kwds[vname]),
            )

    return _MICEData


def run_mice(
    data: pd.DataFrame,
    columns: list[str],
    *,
    m: int,
    seed: int | None,
    predictors: list[str],
    n_burnin: int,
    n_skip: int,
    k_pmm: int,
) -> list[pd.DataFrame]:
    from statsmodels.genmod import families
    from statsmodels.genmod.generalized_linear_model import GLM

    MICEData = _fast_mice_class()

    if not columns:
        raise InputError("no columns to impute.", hint="name the columns with missing answers.")
    check_columns(data, columns, "data")
    overlap = set(columns) & set(predictors)
    if overlap:
        raise InputError(
            "a column is both imputed and a fixed predictor.",
            column=min(overlap),
            hint="list it in one place only.",
        )
    targets = [_prepare_target(data, c, f"v{i}") for i, c in enumerate(columns)]
    pred_df, _ = _predictor_matrix(data, predictors)

    chain = {t.safe: t.values for t in targets if t.kind != "constant"}
    work = pd.DataFrame(chain, index=data.index)
    work = pd.concat([work, pred_df], axis=1).reset_index(drop=True)
    imputed = [t for t in targets if t.kind in ("numeric", "binary")]

    if imputed:
        if work.shape[1] < 2:
            raise InputError(
                "a single column cannot be imputed from nothing.",
                column=imputed[0].column,
                hint="add predictors (e.g. zone, income_group) or other answers to impute it from.",
            )
        all_missing = work.isna().all(axis=1).to_numpy()
        if all_missing.any():
            row = data.index[np.flatnonzero(all_missing)[0]]
            raise InputError(
                f"{int(all_missing.sum())} row(s) have none of the imputation columns "
                "observed and no predictors.",
                value=row,
                hint="add complete predictors (e.g. zone) so every row has something to "
                "impute from.",
            )
        rng = np.random.default_rng(seed)
        md = MICEData(work, perturbation_method="gaussian", k_pmm=k_pmm, rng=rng)
        for t in imputed:
            if t.kind == "binary":
                md.set_imputer(
                    t.safe,
                    model_class=GLM,
                    init_kwds={"family": families.Binomial()},
                    k_pmm=k_pmm,
                )
            else:
                md.set_imputer(t.safe, k_pmm=k_pmm)
        draws = []
        with warnings.catch_warnings():
            # Separation / non-convergence of a conditional model only affects which
            # donors are matched; PMM keeps imputed values among observed ones.
            warnings.simplefilter("ignore")
            md.update_all(n_burnin)
            for _ in range(m):
                md.update_all(n_skip + 1)
                draws.append(md.data.copy())
    else:
        draws = [work] * m

    out = []
    for i, draw in enumerate(draws):
        d = data.copy()
        for t in targets:
            if t.kind == "constant":
                d[t.column] = d[t.column].fillna(t.constant)
                continue
            if t.kind.startswith("complete"):
                continue
            vals = draw[t.safe].to_numpy()
            miss = data[t.column].isna().to_numpy()
            d[t.column] = _restore(data[t.column], vals, miss, t)
        d.attrs["imputation"] = i + 1
        out.append(d)
    return out


def _restore(orig: pd.Series, vals: np.ndarray, miss: np.ndarray, t: _Target) -> pd.Series:
    if t.levels:
        lab = np.asarray(t.levels, dtype=object)[np.rint(vals[miss]).astype(int)]
        s = orig.astype(object).copy()
        s[miss] = lab
        return s.astype(orig.dtype)
    s = orig.copy()
    fill = vals[miss]
    if pd.api.types.is_bool_dtype(orig.dtype):
        fill = fill.astype(bool)
    elif pd.api.types.is_integer_dtype(orig.dtype):
        fill = np.rint(fill).astype(np.int64)
    s = s.astype(orig.dtype)
    s.iloc[np.flatnonzero(miss)] = fill
    return s
