"""The linearisation design: :class:`Design` (R's ``svydesign``, single stage)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Self

import numpy as np
import pandas as pd
from scipy import linalg

from ..errors import DesignError
from ._base import BaseDesign
from ._blocked import blocked_linear
from ._calsteps import CalStep, GregStep, PostStratStep, RakingStep, residualise
from ._columns import Domains, check_columns, codes_of, compress_codes
from ._linearise import influence, point_estimates, srs_variance
from ._results import Stats
from ._variance import (
    LONELY_PSU,
    Structure,
    domain_variance,
    psu_totals,
    stratified_variance,
)

if TYPE_CHECKING:
    from ._replicate import ReplicateDesign

__all__ = ["Design"]

_CHUNK_CELLS = 4_000_000  # influence values per block in the calibrated (dense) path


def _examples(values: Sequence[Any] | pd.Index, k: int = 5) -> str:
    vals = [repr(v) for v in list(values)[:k]]
    return ", ".join(vals) + (" ..." if len(values) > k else "")


def _missing_check(data: pd.DataFrame, col: str, role: str) -> None:
    bad = data[col].isna().to_numpy()
    if bad.any():
        raise DesignError(
            f"the {role} column {col!r} has {int(bad.sum())} missing value(s) "
            f"(rows with index {_examples(data.index[bad])}).",
            column=col,
            hint=f"Every sampled unit needs a {role} value; fill them in or drop those rows "
            "explicitly before building the design.",
        )


def _numeric(data: pd.DataFrame, col: str, role: str) -> np.ndarray:
    series = data[col]
    if not (
        pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype)
    ):
        raise DesignError(
            f"the {role} column {col!r} holds {series.dtype} values, not numbers.",
            column=col,
            hint=f"Convert {col!r} to numbers.",
        )
    values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    if not np.isfinite(values).all():
        bad = ~np.isfinite(values)
        raise DesignError(
            f"the {role} column {col!r} has infinite values (rows with index {_examples(data.index[bad])}).",
            column=col,
            hint="Replace them by finite numbers.",
        )
    return values


def build_structure(
    data: pd.DataFrame,
    strata: str | None,
    ids: str | None,
    fpc: str | None,
    lonely_psu: str,
) -> Structure:
    """Validate the design columns and build the sampling :class:`Structure`."""
    n = len(data)
    if strata is not None:
        _missing_check(data, strata, "strata")
        s_codes, s_labels = codes_of(data[strata])
        strata_labels = pd.Index(s_labels, name=strata)
    else:
        s_codes = np.zeros(n, dtype=np.int64)
        strata_labels = pd.Index([1], name="stratum")
    n_strata = len(strata_labels)
    if ids is not None:
        _missing_check(data, ids, "ids (cluster)")
        id_codes, id_labels = codes_of(data[ids])
        # clusters are taken as nested within strata (R's nest=TRUE)
        key = s_codes * len(id_labels) + id_codes
        uniq, psu = compress_codes(key)
        psu_stratum = uniq // len(id_labels)
    else:
        psu = None
        psu_stratum = s_codes
    if strata is None and ids is None:  # one stratum of n units: no need to count them
        n_psu = np.array([n], dtype=np.int64)
    else:
        n_psu = np.bincount(psu_stratum, minlength=n_strata).astype(np.int64)
    if strata is None and len(psu_stratum) < 2:
        raise DesignError(
            "the design has only one primary sampling unit, so no variance can be estimated.",
            column=ids,
            hint="Check the ids column: a single cluster holds every row.",
        )
    popsize: np.ndarray | None = None
    fpc_f = np.ones(n_strata)
    if fpc is not None:
        _missing_check(data, fpc, "fpc")
        values = _numeric(data, fpc, "fpc")
        if (values <= 0).any():
            bad = values <= 0
            raise DesignError(
                f"the fpc column {fpc!r} has values <= 0 (rows with index {_examples(data.index[bad])}).",
                column=fpc,
                value=float(values[bad][0]),
                hint="Give the population size of the stratum (> 1) or the sampling fraction (<= 1).",
            )
        lo = np.full(n_strata, np.inf)
        hi = np.full(n_strata, -np.inf)
        np.minimum.at(lo, s_codes, values)
        np.maximum.at(hi, s_codes, values)
        varies = np.flatnonzero(hi - lo > 1e-9 * np.maximum(1.0, np.abs(hi)))
        if len(varies):
            h = varies[0]
            raise DesignError(
                f"the fpc column {fpc!r} varies within stratum {strata_labels[h]!r} "
                f"(from {lo[h]:g} to {hi[h]:g}).",
                column=fpc,
                value=strata_labels[h],
                hint="The fpc is a property of the stratum: give every row of a stratum the "
                "same population size (or sampling fraction).",
            )
        ispop = (values > 1).any()
        if ispop and (values < 1).any():
            raise DesignError(
                f"the fpc column {fpc!r} mixes population sizes (> 1) and sampling fractions (< 1).",
                column=fpc,
                hint="Use population sizes for every stratum, or sampling fractions for every stratum.",
            )
        per_stratum = hi
        popsize = per_stratum if ispop else n_psu / per_stratum
        too_small = np.flatnonzero(popsize < n_psu - 1e-9)
        if len(too_small):
            h = too_small[0]
            raise DesignError(
                f"the fpc column {fpc!r} gives a population of {popsize[h]:g} in stratum "
                f"{strata_labels[h]!r}, smaller than its {n_psu[h]} sampled "
                f"{'clusters' if ids is not None else 'units'}.",
                column=fpc,
                value=float(per_stratum[h]),
                hint="The fpc must be the number of units (clusters, with ids) in the stratum's "
                "population, at least the number sampled; or a sampling fraction <= 1.",
            )
        fpc_f = np.where(np.isinf(popsize), 1.0, (popsize - n_psu) / popsize)
    structure = Structure(
        strata=s_codes,
        strata_labels=strata_labels,
        psu=psu,
        psu_stratum=psu_stratum,
        n_psu=n_psu,
        fpc_f=fpc_f,
        popsize=popsize,
        lonely_psu=lonely_psu,
        has_strata=strata is not None,
    )
    lonely = structure.lonely()
    if lonely.any():
        names = _examples(list(strata_labels[lonely]))
        if lonely_psu == "fail":
            raise DesignError(
                f"{int(lonely.sum())} stratum/strata have a single PSU ({names}), so their "
                "variance cannot be estimated.",
                column=strata,
                hint='Choose lonely_psu="adjust" (centre at the grand mean; conservative), '
                '"average" (average of the other strata), "remove" or "certainty" (no '
                "contribution), as R's options(survey.lonely.psu); or merge the strata.",
            )
        if lonely_psu == "average" and lonely.all():
            raise DesignError(
                'every stratum has a single PSU, so lonely_psu="average" has nothing to average.',
                column=strata,
                hint='Use lonely_psu="adjust" or merge strata.',
            )
    return structure


def _base_weights(data: pd.DataFrame, weights: str | None, structure: Structure) -> np.ndarray:
    n = len(data)
    if weights is not None:
        _missing_check(data, weights, "weights")
        w = _numeric(data, weights, "weights")
        if (w <= 0).any():
            bad = w <= 0
            raise DesignError(
                f"the weights column {weights!r} has {int(bad.sum())} value(s) <= 0 "
                f"(rows with index {_examples(data.index[bad])}).",
                column=weights,
                value=float(w[bad][0]),
                hint="Sampling weights must be positive; drop units that are out of scope "
                "explicitly, or fix the weights.",
            )
        return w
    if structure.popsize is not None:
        # probability n_h / N_h, as svydesign(fpc=) without weights
        per = structure.popsize / structure.n_psu
        return per[structure.strata].astype(np.float64)
    return np.ones(n)


def orthonormal_basis(x: np.ndarray, tol: float = 1e-7) -> np.ndarray:
    """Orthonormal basis of the column space of ``x`` (pivoted QR with R's rank rule)."""
    q, r, _ = linalg.qr(x, mode="economic", pivoting=True)
    d = np.abs(np.diag(r))
    rank = int((d > tol * d[0]).sum()) if len(d) and d[0] > 0 else 0
    return q[:, :rank]


class Design(BaseDesign):
    """A single-stage survey design estimated by Taylor linearisation.

    The analogue of R's ``svydesign(ids=, strata=, weights=, fpc=, data=)`` with
    ``options(survey.lonely.psu=)``; estimates and standard errors agree with R's
    ``survey`` package.

    Parameters
    ----------
    data : DataFrame
        One row per sampled unit.
    weights : str, optional
        Column of sampling weights (positive).  Without it, weights are ``N_h / n_h``
        when ``fpc`` is given, and 1 otherwise.
    strata : str, optional
        Stratum column.
    ids : str, optional
        Cluster (PSU) column for single-stage cluster sampling.  Clusters are nested in
        strata (equal ids in different strata are different clusters).
    fpc : str, optional
        Finite population correction: the population number of PSUs of the stratum
        (values > 1) or the sampling fraction (values <= 1); constant within strata.
    lonely_psu : {"fail", "adjust", "average", "remove", "certainty"}, default "fail"
        What to do with strata holding a single PSU, as R's ``survey.lonely.psu``.

    Raises
    ------
    DesignError
        Missing columns, missing or non-positive weights, fpc smaller than the sample or
        varying within a stratum, single-PSU strata with ``lonely_psu="fail"``.

    Examples
    --------
    >>> d = Design(df, weights="pw", strata="stype", fpc="fpc")      # doctest: +SKIP
    >>> d.mean(["api00", "api99"], by="sch.wide")                     # doctest: +SKIP
    """

    def __init__(
        self,
        data: pd.DataFrame,
        *,
        weights: str | None = None,
        strata: str | None = None,
        ids: str | None = None,
        fpc: str | None = None,
        lonely_psu: str = "fail",
    ) -> None:
        if not isinstance(data, pd.DataFrame):
            raise DesignError(
                f"the survey data must be a pandas DataFrame, not {type(data).__name__}.",
                hint="Pass the table of sampled units as a DataFrame.",
            )
        if len(data) == 0:
            raise DesignError("the survey data has no rows.", hint="Check the data you passed.")
        if lonely_psu not in LONELY_PSU:
            raise DesignError(
                f"lonely_psu={lonely_psu!r} is not one of {', '.join(map(repr, LONELY_PSU))}.",
                value=lonely_psu,
                hint="Choose one of R's survey.lonely.psu options.",
            )
        named = {"weights": weights, "strata": strata, "ids": ids, "fpc": fpc}
        for role, col in named.items():
            if col is not None:
                check_columns(data, [col], role)
        structure = build_structure(data, strata, ids, fpc, lonely_psu)
        w = _base_weights(data, weights, structure)
        # a shallow copy: later changes to the caller's frame do not reach the design
        self._init(
            data.copy(deep=False), structure, w, w, (), (), dict(named, lonely_psu=lonely_psu)
        )

    def _init(
        self,
        data: pd.DataFrame,
        structure: Structure,
        w: np.ndarray,
        base_w: np.ndarray,
        steps: tuple[CalStep, ...],
        history: tuple[tuple[str, dict[str, Any]], ...],
        spec: dict[str, Any],
    ) -> None:
        self._data = data
        self._structure = structure
        self._w = w
        self._base_w = base_w
        self._steps = steps
        self._history = history
        self._spec = spec
        self._fast = True  # tests switch the blocked shortcut off to compare paths

    def __repr__(self) -> str:
        s = self._structure
        parts = [
            f"n={len(self._data)}",
            f"strata={s.n_strata if s.has_strata else 'none'}",
            f"psus={s.n_psus}",
        ]
        if s.popsize is not None:
            parts.append("fpc")
        if self._history:
            parts.append("weighting=" + "+".join(h[0] for h in self._history))
        return f"Design({', '.join(parts)})"

    # -- properties ----------------------------------------------------------------------
    @property
    def degf(self) -> float:
        """Degrees of freedom: number of PSUs minus number of strata (R's ``degf``)."""
        return float(self._structure.n_psus - self._structure.n_strata)

    @property
    def structure(self) -> Structure:
        """The sampling structure (strata, PSUs, fpc) used for variance estimation."""
        return self._structure

    @property
    def calibrated(self) -> bool:
        """Whether calibration information is attached (post-stratified, raked, calibrated)."""
        return bool(self._steps)

    # -- backend -------------------------------------------------------------------------
    def _weight_matrix(self) -> np.ndarray:
        return self._w[:, None]

    def _variance(self, z: np.ndarray, doms: Domains, mask: np.ndarray) -> np.ndarray:
        n_dom = doms.count
        if not self._steps:
            return domain_variance(z, doms.codes, n_dom, self._structure, mask)
        n, k = z.shape
        out = np.empty((n_dom, k))
        chunk = max(1, _CHUNK_CELLS // max(n, 1))
        for d in range(n_dom):
            inside = (doms.codes == d)[:, None]
            for start in range(0, k, chunk):
                block = np.where(inside, z[:, start : start + chunk], 0.0)
                block = residualise(block, self._steps)
                out[d, start : start + chunk] = stratified_variance(
                    psu_totals(block, self._structure), self._structure
                )
        return out

    def _fast_linear(
        self, kind: str, cols: list[str], doms: Domains, *, deff: bool
    ) -> Stats | None:
        if self._steps or not self._fast:
            return None
        check_columns(self._data, cols, f"{kind}()")
        out = blocked_linear(kind, self._data, cols, self._w, doms, self._structure, deff=deff)
        return None if out is None else Stats(*out)

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
        point = point_estimates(self._w, num, den, mask, doms.codes, doms.count)
        z = influence(point, self._w, num, den, doms.codes)
        var = self._variance(z, doms, mask)
        d = None
        if deff:
            with np.errstate(divide="ignore", invalid="ignore"):
                d = var / srs_variance(kind, point, self._w, num, den, mask, doms.codes, doms.count)
        return Stats(point.est, var, point.n, d)

    def _domain_degf(self, doms: Domains) -> np.ndarray:
        s = self._structure
        inside = doms.codes >= 0
        dom = doms.codes[inside]
        n_dom = doms.count
        psus = np.unique(s.row_psu[inside] * n_dom + dom) % n_dom
        strata = np.unique(s.strata[inside] * n_dom + dom) % n_dom
        return (np.bincount(psus, minlength=n_dom) - np.bincount(strata, minlength=n_dom)).astype(
            np.float64
        )

    def _domain_nrow(self, doms: Domains) -> np.ndarray:
        if self._steps:
            # R subsets a calibrated design by zeroing weights, so nrow() is all rows
            return np.full(doms.count, float(len(self._data)))
        return np.bincount(doms.codes[doms.codes >= 0], minlength=doms.count).astype(np.float64)

    def _reweighted(self, new: np.ndarray, step: Any, entry: tuple[str, dict[str, Any]]) -> Self:
        kind, info = step
        w_new = new[:, 0]
        cal: CalStep | None
        if kind == "poststratify":
            codes, n_cells = info
            cal = PostStratStep(codes, n_cells, self._w, w_new)
        elif kind == "rake":
            cal = RakingStep(tuple(info), w_new)
        elif kind == "calibrate":
            whalf = np.sqrt(self._w)
            cal = GregStep(orthonormal_basis(info * whalf[:, None]), (w_new / self._w) * whalf)
        else:
            cal = None
        steps = self._steps + ((cal,) if cal is not None else ())
        out = object.__new__(type(self))
        out._init(
            self._data,
            self._structure,
            w_new,
            self._base_w,
            steps,
            (*self._history, entry),
            self._spec,
        )
        return out

    # -- replicate designs ---------------------------------------------------------------
    def jackknife(self, *, mse: bool = False) -> ReplicateDesign:
        """Jackknife replicate design (R's ``as.svrepdesign(type="auto")``).

        JK1 (delete one PSU) without strata, JKn (delete one PSU within each stratum) with
        strata, with the design's fpc as R uses it.  Weighting already applied to this
        design (post-stratification, raking, calibration, trimming) is re-applied inside
        every replicate, as if it had been applied to the replicate design (R would drop
        it with a warning).

        Parameters
        ----------
        mse : bool, default False
            Centre replicate estimates on the full-sample estimate instead of their mean
            (R's ``survey.replicates.mse``, FALSE by default).

        Returns
        -------
        ReplicateDesign
        """
        from ._replicate import ReplicateDesign, jackknife_factors

        factors = jackknife_factors(self._structure)
        rep = ReplicateDesign._from_factors(self, factors, mse=mse)
        return rep._replay(self._history)

    def bootstrap(
        self,
        replicates: int = 500,
        seed: int | np.random.Generator | None = None,
        *,
        mse: bool = False,
    ) -> ReplicateDesign:
        """Bootstrap replicate design (R's ``as.svrepdesign(type="bootstrap")``).

        Canty-Davison rescaled bootstrap as R's ``bootweights``: within each stratum
        ``n_h`` PSUs are drawn with replacement (without fpc) or ``n_h`` without
        replacement from the PSUs repeated to the stratum's population size (with fpc),
        variance scaled by ``m / ((m - 1) (R - 1))`` with ``m`` the harmonic mean of PSUs
        per stratum.  Draws use ``numpy.random.default_rng(seed)``; they cannot
        reproduce R's random numbers.  Weighting already applied is re-applied inside
        every replicate.

        Parameters
        ----------
        replicates : int, default 500
        seed : int or Generator, optional
        mse : bool, default False
            As in :meth:`jackknife`.

        Returns
        -------
        ReplicateDesign
        """
        from ._replicate import ReplicateDesign, bootstrap_factors

        if not (isinstance(replicates, (int, np.integer)) and replicates >= 2):
            raise DesignError(
                f"replicates must be an integer >= 2, not {replicates!r}.",
                value=replicates,
                hint="Use a few hundred replicates, e.g. replicates=500.",
            )
        factors = bootstrap_factors(self._structure, int(replicates), np.random.default_rng(seed))
        rep = ReplicateDesign._from_factors(self, factors, mse=mse)
        return rep._replay(self._history)
