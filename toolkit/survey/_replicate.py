"""Replicate-weight variance: jackknife (JK1, JKn) and bootstrap designs.

Replicate weights follow R's ``as.svrepdesign``: ``jk1weights``, ``jknweights`` and
``bootweights`` (Canty-Davison), with R's ``scale`` and ``rscales`` and the variance of
``svrVar``::

    v = scale * sum_r rscales_r (theta_r - centre)^2

where ``centre`` is the mean of the replicate estimates (R's default
``options(survey.replicates.mse=FALSE)``) or the full-sample estimate (``mse=True``).
Replicates whose estimate is undefined (e.g. a domain emptied by the replicate) are
dropped, as R's ``na.action`` does.  Weighting applied to a replicate design is applied
to every replicate's weights as well (as R's ``calibrate``/``postStratify``/``rake`` on
an ``svrepdesign``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Self

import numpy as np
import pandas as pd
from scipy import special

from ..errors import DesignError
from ._base import BaseDesign
from ._columns import Domains, check_columns
from ._linearise import point_estimates, srs_variance
from ._results import Stats
from ._variance import Structure, group_sum

__all__ = ["ReplicateDesign", "bootstrap_factors", "jackknife_factors"]

_RANK_TOL = 1e-5  # R's degf.svyrep.design: qr(..., tol=1e-5)


@dataclass(frozen=True)
class Factors:
    """PSU-level replicate multipliers and R's variance constants."""

    kind: str
    mult: np.ndarray  # (P, R)
    scale: float
    rscales: np.ndarray  # (R,)


def jackknife_factors(s: Structure) -> Factors:
    """JK1 (unstratified) or JKn (stratified) multipliers, as R's jk1weights / jknweights."""
    n_psu_total = s.n_psus
    if not s.has_strata:
        n = n_psu_total
        f = float(s.fpc_f[0])
        if f == 0:  # census: R drops the replicates (survey.drop.replicates)
            return Factors("JK1", np.zeros((n, 0)), 0.0, np.zeros(0))
        mult = np.full((n, n), n / (n - 1.0))
        np.fill_diagonal(mult, 0.0)
        return Factors("JK1", mult, f * (n - 1.0) / n, np.ones(n))
    columns: list[np.ndarray] = []
    rscales: list[float] = []
    lonely = s.lonely()
    n_strata = s.n_strata
    for h in range(n_strata):
        members = np.flatnonzero(s.psu_stratum == h)
        n_h = len(members)
        f = float(s.fpc_f[h])
        if f == 0:
            continue
        if lonely[h]:
            if s.lonely_psu == "adjust":
                col = np.where(s.psu_stratum == h, 0.0, n_strata / (n_strata - 1.0))
                columns.append(col)
                rscales.append((n_strata - 1.0) / n_strata)
            continue  # remove / certainty / average: no replicate
        for j in members:
            col = np.ones(n_psu_total)
            col[members] = n_h / (n_h - 1.0)
            col[j] = 0.0
            columns.append(col)
            rscales.append(f * (n_h - 1.0) / n_h)
    if not columns:
        raise DesignError(
            "every stratum was sampled completely, so the jackknife has no replicate.",
            hint="The estimates have no sampling variance; no replicate design is needed.",
        )
    scale = 1.0
    if len(columns) < n_psu_total and s.lonely_psu == "average":
        scale = n_psu_total / len(columns)
    return Factors("JKn", np.column_stack(columns), scale, np.asarray(rscales))


def bootstrap_factors(s: Structure, replicates: int, rng: np.random.Generator) -> Factors:
    """Canty-Davison bootstrap multipliers, as R's ``bootweights``."""
    mult = np.zeros((s.n_psus, replicates))
    for h in range(s.n_strata):
        members = np.flatnonzero(s.psu_stratum == h)
        n_h = len(members)
        if s.popsize is None:
            draws = rng.integers(0, n_h, size=(replicates, n_h))
        else:
            pseudo = np.resize(np.arange(n_h), int(s.popsize[h]))  # R: rep(psu, length=N_h)
            draws = np.stack(
                [rng.choice(pseudo, size=n_h, replace=False) for _ in range(replicates)]
            )
        counts = np.zeros((replicates, n_h))
        np.add.at(counts, (np.repeat(np.arange(replicates), n_h), draws.reshape(-1)), 1.0)
        mult[members] = counts.T
    psu_per_stratum = float(1.0 / np.mean(1.0 / s.n_psu))
    scale = psu_per_stratum / ((psu_per_stratum - 1.0) * (replicates - 1.0))
    return Factors("bootstrap", mult, scale, np.ones(replicates))


def _svrvar(
    thetas: np.ndarray, coef: np.ndarray, scale: float, rscales: np.ndarray, mse: bool
) -> np.ndarray:
    """R's ``svrVar`` column by column; replicates with undefined estimates are dropped.

    Parameters
    ----------
    thetas : ndarray, shape (R, m)
    coef : ndarray, shape (m,)
    """
    if thetas.shape[0] == 0:
        return np.zeros(thetas.shape[1])
    ok = np.isfinite(thetas)
    if mse:
        centre = coef
    else:
        use = ok & (rscales[:, None] > 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            centre = np.where(use, thetas, 0.0).sum(axis=0) / use.sum(axis=0)
    dev = np.where(ok, thetas - centre, 0.0)
    return scale * (rscales[:, None] * dev * dev).sum(axis=0)


def _rank(matrix: np.ndarray) -> int:
    if matrix.size == 0:
        return 0
    sv = np.linalg.svd(matrix, compute_uv=False)
    return int((sv > _RANK_TOL * sv[0]).sum()) if sv[0] > 0 else 0


class ReplicateDesign(BaseDesign):
    """A design whose variances come from replicate weights (R's ``svrepdesign``).

    Usually obtained from :meth:`Design.jackknife` or :meth:`Design.bootstrap`; it can
    also be built from replicate weights supplied with a data set.  It has the same
    estimation and weighting methods as :class:`Design` and returns tables of the same
    shape; weighting is re-applied inside every replicate.

    Parameters
    ----------
    data : DataFrame
    weights : str
        Column of full-sample weights.
    replicate_weights : list of str or array-like of shape (n, R)
        Replicate *analysis* weights (R's ``combined.weights=TRUE``): columns of ``data``
        or a matrix.
    scale : float
        Overall variance multiplier (R's ``scale``).
    rscales : array-like of shape (R,), optional
        Per-replicate multipliers (R's ``rscales``), default 1.
    mse : bool, default False
        Centre on the full-sample estimate instead of the replicate mean.
    kind : str, default "other"
        A label for the replicate method.
    """

    def __init__(
        self,
        data: pd.DataFrame,
        *,
        weights: str,
        replicate_weights: Sequence[str] | np.ndarray | pd.DataFrame,
        scale: float,
        rscales: Sequence[float] | np.ndarray | None = None,
        mse: bool = False,
        kind: str = "other",
    ) -> None:
        if not isinstance(data, pd.DataFrame) or len(data) == 0:
            raise DesignError("the survey data must be a non-empty pandas DataFrame.")
        check_columns(data, [weights], "weights")
        pw = data[weights].to_numpy(dtype=np.float64, na_value=np.nan)
        if np.isnan(pw).any() or (pw <= 0).any():
            raise DesignError(
                f"the weights column {weights!r} has missing or non-positive values.",
                column=weights,
                hint="Full-sample weights must be positive.",
            )
        if isinstance(replicate_weights, (list, tuple)) and all(
            isinstance(c, str) for c in replicate_weights
        ):
            check_columns(data, list(replicate_weights), "replicate weights")
            reps = data[list(replicate_weights)].to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            reps = np.asarray(replicate_weights, dtype=np.float64)
        if reps.ndim != 2 or reps.shape[0] != len(data) or reps.shape[1] < 2:
            raise DesignError(
                f"replicate weights must be a matrix with one row per unit ({len(data)}) and at "
                f"least two columns, got shape {reps.shape}.",
            )
        if not np.isfinite(reps).all() or (reps < 0).any():
            raise DesignError("replicate weights must be finite and non-negative.")
        n_rep = reps.shape[1]
        rs = np.ones(n_rep) if rscales is None else np.asarray(rscales, dtype=np.float64)
        if rs.shape != (n_rep,):
            raise DesignError(f"rscales must have one value per replicate ({n_rep}).")
        self._init(data, pw, None, reps, kind, float(scale), rs, bool(mse), ())

    def _init(
        self,
        data: pd.DataFrame,
        pw: np.ndarray,
        compressed: tuple[np.ndarray, np.ndarray] | None,
        dense: np.ndarray | None,
        kind: str,
        scale: float,
        rscales: np.ndarray,
        mse: bool,
        history: tuple[tuple[str, dict[str, Any]], ...],
    ) -> None:
        self._data = data
        self._pw = pw
        self._compressed = compressed  # (mult (P, R), psu index of rows (n,))
        self._dense = dense  # (n, R) analysis weights
        self._kind = kind
        self._scale = scale
        self._rscales = rscales
        self._mse = mse
        self._history = history

    @classmethod
    def _from_factors(cls, design: Any, factors: Factors, *, mse: bool) -> ReplicateDesign:
        out = object.__new__(cls)
        index = design.structure.row_psu
        out._init(
            design.data,
            design._base_w,
            (factors.mult, index),
            None,
            factors.kind,
            factors.scale,
            factors.rscales,
            mse,
            (),
        )
        return out

    def _replay(self, history: tuple[tuple[str, dict[str, Any]], ...]) -> ReplicateDesign:
        out = self
        for method, kwargs in history:
            out = getattr(out, method)(**kwargs)
        return out

    def __repr__(self) -> str:
        parts = [f"n={len(self._data)}", f"type={self._kind}", f"replicates={self.replicates}"]
        if self._history:
            parts.append("weighting=" + "+".join(h[0] for h in self._history))
        return f"ReplicateDesign({', '.join(parts)})"

    # -- properties ----------------------------------------------------------------------
    @property
    def replicates(self) -> int:
        """Number of replicates."""
        if self._compressed is not None:
            return self._compressed[0].shape[1]
        assert self._dense is not None  # exactly one of _compressed and _dense is set
        return self._dense.shape[1]

    @property
    def kind(self) -> str:
        """Replicate method: "JK1", "JKn", "bootstrap" or "other"."""
        return self._kind

    @property
    def scale(self) -> float:
        """R's ``scale``."""
        return self._scale

    @property
    def rscales(self) -> np.ndarray:
        """R's ``rscales``."""
        return self._rscales.copy()

    @property
    def mse(self) -> bool:
        """Whether variances are centred on the full-sample estimate."""
        return self._mse

    def _analysis(self) -> np.ndarray:
        if self._dense is not None:
            return self._dense
        assert self._compressed is not None  # exactly one of _compressed and _dense is set
        mult, index = self._compressed
        return self._pw[:, None] * mult[index]

    @property
    def replicate_weights(self) -> pd.DataFrame:
        """Replicate analysis weights, one column per replicate, aligned with :attr:`data`."""
        cols = [f"rep{r + 1}" for r in range(self.replicates)]
        return pd.DataFrame(self._analysis().copy(), index=self._data.index, columns=cols)

    @cached_property
    def _full_degf(self) -> float:
        return float(self._rank_of_rows(np.ones(len(self._data), dtype=bool)) - 1)

    @property
    def degf(self) -> float:
        """Degrees of freedom: rank of the replicate weights minus one (R's ``degf``)."""
        return self._full_degf

    def _rank_of_rows(self, rows: np.ndarray) -> int:
        if self._compressed is not None:
            mult, index = self._compressed
            return _rank(mult[np.unique(index[rows])])
        assert self._dense is not None  # exactly one of _compressed and _dense is set
        return _rank(self._dense[rows])

    # -- backend -------------------------------------------------------------------------
    def _weight_matrix(self) -> np.ndarray:
        return np.column_stack([self._pw, self._analysis()])

    def _rep_sums(self, values: np.ndarray) -> np.ndarray:
        """``sum_i a_ir values_ij`` for every replicate r, shape (R, k)."""
        if self._dense is not None:
            return self._dense.T @ values
        assert self._compressed is not None  # exactly one of _compressed and _dense is set
        mult, index = self._compressed
        return mult.T @ group_sum(self._pw[:, None] * values, index, mult.shape[0])

    def _variance(self, thetas: np.ndarray, coef: np.ndarray) -> np.ndarray:
        return _svrvar(thetas, coef, self._scale, self._rscales, self._mse)

    def _ratio_family(
        self,
        kind: str,
        num: np.ndarray,
        den: np.ndarray | None,
        mask: np.ndarray,
        doms: Domains,
        *,
        deff: bool,
        logit: bool,
    ) -> Stats:
        point = point_estimates(self._pw, num, den, mask, doms.codes, doms.count)
        n_dom, k = point.est.shape
        var = np.empty((n_dom, k))
        logit_var = np.empty((n_dom, k)) if logit else None
        for d in range(n_dom):
            inside = (doms.codes == d)[:, None]
            tot = self._rep_sums(np.where(inside, num, 0.0))
            if den is None:
                thetas = tot
            else:
                with np.errstate(divide="ignore", invalid="ignore"):
                    thetas = tot / self._rep_sums(np.where(inside, den, 0.0))
            var[d] = self._variance(thetas, point.est[d])
            if logit_var is not None:
                with np.errstate(divide="ignore", invalid="ignore"):
                    logit_var[d] = self._variance(
                        special.logit(thetas), special.logit(point.est[d])
                    )
        d_eff = None
        if deff:
            srs = srs_variance(kind, point, self._pw, num, den, mask, doms.codes, doms.count)
            with np.errstate(divide="ignore", invalid="ignore"):
                d_eff = var / srs
        return Stats(point.est, var, point.n, d_eff, logit_var)

    def _domain_degf(self, doms: Domains) -> np.ndarray:
        if doms.index is None:
            return np.array([self.degf])
        return np.array([self._rank_of_rows(doms.codes == d) - 1.0 for d in range(doms.count)])

    def _domain_nrow(self, doms: Domains) -> np.ndarray:
        return np.bincount(doms.codes[doms.codes >= 0], minlength=doms.count).astype(np.float64)

    def _reweighted(self, new: np.ndarray, step: Any, entry: tuple[str, dict[str, Any]]) -> Self:
        out = object.__new__(type(self))
        out._init(
            self._data,
            new[:, 0].copy(),
            None,
            np.ascontiguousarray(new[:, 1:]),
            self._kind,
            self._scale,
            self._rscales,
            self._mse,
            (*self._history, entry),
        )
        return out
