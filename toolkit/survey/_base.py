"""Estimation and weighting methods shared by linearisation and replicate designs.

Subclasses supply the variance machinery (``_ratio_family``, ``_domain_degf``,
``_domain_nrow``) and how new weights are attached (``_reweighted``); everything the user
calls -- ``mean``, ``total``, ``ratio``, ``proportion``, ``poststratify``, ``rake``,
``calibrate``, ``trim`` -- is implemented once here, so both kinds of design return
tables of exactly the same shape.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any, Literal, Self

import numpy as np
import pandas as pd

from ..errors import DesignError
from . import _calibrate, _rake, _weighting
from ._columns import Domains, as_list, domains, indicator_matrix, numeric_matrix
from ._intervals import beta_interval, logit_interval, wald_interval
from ._results import (
    CI_KINDS,
    PROPORTION_METHODS,
    Stats,
    check_choice,
    check_level,
    result_frame,
)

__all__ = ["BaseDesign"]


class BaseDesign:
    """Methods common to :class:`~toolkit.survey.Design` and replicate designs."""

    _data: pd.DataFrame
    _history: tuple[tuple[str, dict[str, Any]], ...]

    # -- to be provided by subclasses ---------------------------------------------------
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
        raise NotImplementedError

    def _fast_linear(
        self, kind: str, cols: list[str], doms: Domains, *, deff: bool
    ) -> Stats | None:
        """Optional shortcut for means and totals of clean columns (None: not taken)."""
        return None

    def _domain_degf(self, doms: Domains) -> np.ndarray:
        raise NotImplementedError

    def _domain_nrow(self, doms: Domains) -> np.ndarray:
        raise NotImplementedError

    def _weight_matrix(self) -> np.ndarray:
        raise NotImplementedError

    def _reweighted(self, new: np.ndarray, step: Any, entry: tuple[str, dict[str, Any]]) -> Self:
        raise NotImplementedError

    @property
    def degf(self) -> float:
        """Design degrees of freedom (R's ``degf``)."""
        raise NotImplementedError

    # -- common properties ---------------------------------------------------------------
    @property
    def data(self) -> pd.DataFrame:
        """The survey data (one row per sampled unit), unchanged."""
        return self._data

    @property
    def weights(self) -> pd.Series:
        """The final weights, aligned with :attr:`data`."""
        return pd.Series(self._weight_matrix()[:, 0].copy(), index=self._data.index, name="weight")

    @property
    def history(self) -> tuple[tuple[str, dict[str, Any]], ...]:
        """The weighting steps applied so far, as ``(method, arguments)`` pairs."""
        return self._history

    def __len__(self) -> int:
        return len(self._data)

    # -- estimation ----------------------------------------------------------------------
    def _linear(
        self,
        kind: str,
        var: str | Sequence[str],
        by: str | Sequence[str] | None,
        level: float,
        ci: str,
        deff: bool,
        na_rm: bool,
    ) -> pd.DataFrame:
        check_level(level)
        check_choice("ci", ci, CI_KINDS)
        cols = as_list(var, f"the variable of {kind}()")
        doms = domains(self._data, by, na_rm=na_rm)
        stats = self._fast_linear(kind, cols, doms, deff=deff)
        if stats is None:
            values, mask = numeric_matrix(self._data, cols, na_rm=na_rm, role=f"{kind}()")
            den = mask.astype(np.float64) if kind == "mean" else None
            stats = self._ratio_family(kind, values, den, mask, doms, deff=deff, logit=False)
        return self._table(stats, doms, list(cols), ["variable"], level, ci, deff)

    def _table(
        self,
        stats: Stats,
        doms: Domains,
        labels: list[Hashable],
        label_names: list[str],
        level: float,
        ci: str,
        deff: bool,
    ) -> pd.DataFrame:
        se = np.sqrt(stats.var)
        df = self.degf if ci == "t" else np.inf
        low, high = wald_interval(stats.est, se, level, df)
        columns = {"estimate": stats.est, "se": se, "ci_low": low, "ci_high": high, "n": stats.n}
        if deff:
            columns["deff"] = stats.deff
        return result_frame(doms, labels, label_names, columns)

    def mean(
        self,
        var: str | Sequence[str],
        by: str | Sequence[str] | None = None,
        *,
        level: float = 0.95,
        ci: Literal["normal", "t"] = "normal",
        deff: bool = False,
        na_rm: bool = False,
    ) -> pd.DataFrame:
        """Estimate population means (R's ``svymean``, ``svyby`` for domains).

        Parameters
        ----------
        var : str or list of str
            Numeric (or boolean) column(s); several are estimated in one pass.
        by : str or list of str, optional
            Domain column(s).  Domains keep the full design (zero influence outside the
            domain), as R's ``svyby``.
        level : float, default 0.95
            Confidence level.
        ci : {"normal", "t"}, default "normal"
            Normal quantiles (R's ``confint``) or Student t with the design degrees of
            freedom (:attr:`degf`, R's ``confint(..., df=degf(design))``).
        deff : bool, default False
            Add R's design effect (``deff=TRUE``: against simple random sampling without
            replacement of the same number of units).
        na_rm : bool, default False
            If False a missing value raises :class:`~toolkit.errors.DesignError`; if True
            rows with a missing value are outside the domain for that variable (R's
            ``na.rm=TRUE`` applied variable by variable).

        Returns
        -------
        DataFrame
            Columns ``estimate``, ``se``, ``ci_low``, ``ci_high``, ``n`` (observed rows)
            and ``deff`` if asked; index levels ``by`` (if given) and ``variable``.
        """
        return self._linear("mean", var, by, level, ci, deff, na_rm)

    def total(
        self,
        var: str | Sequence[str],
        by: str | Sequence[str] | None = None,
        *,
        level: float = 0.95,
        ci: Literal["normal", "t"] = "normal",
        deff: bool = False,
        na_rm: bool = False,
    ) -> pd.DataFrame:
        """Estimate population totals (R's ``svytotal``).

        Parameters and result as :meth:`mean`.
        """
        return self._linear("total", var, by, level, ci, deff, na_rm)

    def ratio(
        self,
        numerator: str | Sequence[str],
        denominator: str | Sequence[str],
        by: str | Sequence[str] | None = None,
        *,
        level: float = 0.95,
        ci: Literal["normal", "t"] = "normal",
        deff: bool = False,
        na_rm: bool = False,
    ) -> pd.DataFrame:
        """Estimate ratios of population totals (R's ``svyratio``).

        Parameters
        ----------
        numerator, denominator : str or list of str
            Numeric columns.  Two lists of the same length are paired; a single name is
            used with every name of the other argument.
        by, level, ci, deff, na_rm
            As in :meth:`mean`; with ``na_rm=True`` a row missing either value is outside
            the domain for that ratio.

        Returns
        -------
        DataFrame
            As :meth:`mean`, the ``variable`` level reading ``"numerator/denominator"``.
        """
        check_level(level)
        check_choice("ci", ci, CI_KINDS)
        nums = as_list(numerator, "the numerator of ratio()")
        dens = as_list(denominator, "the denominator of ratio()")
        if len(nums) != len(dens):
            if len(nums) == 1:
                nums = nums * len(dens)
            elif len(dens) == 1:
                dens = dens * len(nums)
            else:
                raise DesignError(
                    f"ratio() got {len(nums)} numerators and {len(dens)} denominators.",
                    hint="Give lists of the same length (they are paired) or a single name "
                    "for one of the two.",
                )
        ynum, mnum = numeric_matrix(self._data, nums, na_rm=na_rm, role="ratio()")
        yden, mden = numeric_matrix(self._data, dens, na_rm=na_rm, role="ratio()")
        mask = mnum & mden
        ynum = np.where(mask, ynum, 0.0)
        yden = np.where(mask, yden, 0.0)
        doms = domains(self._data, by, na_rm=na_rm)
        stats = self._ratio_family("ratio", ynum, yden, mask, doms, deff=deff, logit=False)
        labels: list[Hashable] = [f"{a}/{b}" for a, b in zip(nums, dens, strict=True)]
        return self._table(stats, doms, labels, ["variable"], level, ci, deff)

    def proportion(
        self,
        var: str | Sequence[str],
        by: str | Sequence[str] | None = None,
        *,
        method: Literal["logit", "beta", "wald"] = "logit",
        level: float = 0.95,
        na_rm: bool = False,
        df: float | None = None,
    ) -> pd.DataFrame:
        """Estimate the share of each category, with R's ``svyciprop`` intervals.

        Parameters
        ----------
        var : str or list of str
            Column(s) of any type; one row per category (categorical columns list all
            their categories, other columns their distinct values).
        by : str or list of str, optional
            Domain column(s).
        method : {"logit", "beta", "wald"}, default "logit"
            ``"logit"``: interval for ``logit(p)`` transformed back (R's
            ``svyciprop(method="logit")``); ``"beta"``: Korn-Graubard Clopper-Pearson with
            the effective sample size (``method="beta"``; its t-ratio adjustment uses the
            domain's rows, or all rows of a calibrated design, as R's ``nrow(design)``);
            ``"wald"``: ``p -/+ q se`` (``method="mean"``; not clipped to [0, 1], as in R).
        level : float, default 0.95
        na_rm : bool, default False
            As in :meth:`mean`.
        df : float, optional
            Degrees of freedom of the quantiles.  By default those of the design
            restricted to the domain (R's ``svyciprop`` default ``df=degf(design)``
            evaluated on the ``svyby`` subset); ``numpy.inf`` gives normal quantiles.

        Returns
        -------
        DataFrame
            Columns ``estimate``, ``se``, ``ci_low``, ``ci_high``, ``n``; index levels
            ``by`` (if given), ``variable`` and ``category``.
        """
        check_level(level)
        check_choice("method", method, PROPORTION_METHODS)
        cols = as_list(var, "the variable of proportion()")
        blocks = [indicator_matrix(self._data, c, na_rm=na_rm) for c in cols]
        values = np.concatenate([b[0] for b in blocks], axis=1)
        mask = np.concatenate([b[1] for b in blocks], axis=1)
        labels: list[Hashable] = [
            (c, lab) for c, b in zip(cols, blocks, strict=True) for lab in b[2]
        ]
        doms = domains(self._data, by, na_rm=na_rm)
        stats = self._ratio_family(
            "mean", values, mask.astype(np.float64), mask, doms, deff=False, logit=method == "logit"
        )
        p, var_ = stats.est, stats.var
        se = np.sqrt(var_)
        if df is None:
            dfs = np.broadcast_to(self._domain_degf(doms)[:, None].astype(np.float64), p.shape)
        else:
            dfs = np.full(p.shape, float(df))
        if method == "wald":
            low, high = wald_interval(p, se, level, dfs)
        elif method == "logit":
            if stats.logit_var is not None:
                se_logit = np.sqrt(stats.logit_var)
            else:
                with np.errstate(divide="ignore", invalid="ignore"):
                    se_logit = se / (p * (1.0 - p))
            low, high = logit_interval(p, se_logit, level, dfs)
        else:
            nrow = np.broadcast_to(self._domain_nrow(doms)[:, None].astype(np.float64), p.shape)
            low, high = beta_interval(p, var_, level, nrow, dfs)
        columns = {"estimate": p, "se": se, "ci_low": low, "ci_high": high, "n": stats.n}
        return result_frame(doms, labels, ["variable", "category"], columns)

    # -- weighting -----------------------------------------------------------------------
    def poststratify(
        self,
        var: str | Sequence[str],
        population: Mapping[Any, float] | pd.Series | pd.DataFrame,
        *,
        partial: bool = False,
    ) -> Self:
        """Post-stratify the weights to known population counts (R's ``postStratify``).

        Parameters
        ----------
        var : str or list of str
            Post-stratification column(s); several are crossed into cells.
        population : dict, Series or DataFrame
            Population count per cell: a mapping ``level -> count`` (keys are tuples for
            several columns), a Series indexed by level(s), or a DataFrame holding the
            ``var`` column(s) and one numeric count column.
        partial : bool, default False
            Ignore population cells with no sample case instead of raising (R's
            ``partial=TRUE``).

        Returns
        -------
        Design
            A new design with post-stratified weights; standard errors account for the
            post-stratification (R's post-stratified variance).

        Raises
        ------
        WeightingError
            Sample cells absent from the population, population cells without sample
            cases, or invalid counts.
        """
        cols = as_list(var, "poststratify()")
        new, info = _weighting.poststratify_weights(
            self._data, self._weight_matrix(), cols, population, partial=partial
        )
        entry = ("poststratify", {"var": cols, "population": population, "partial": partial})
        return self._reweighted(new, ("poststratify", info), entry)

    def rake(
        self,
        margins: Mapping[str, Mapping[Any, float] | pd.Series],
        *,
        tol: float = 1e-10,
        max_iter: int = 1000,
    ) -> Self:
        """Rake the weights to population margins by iterative proportional fitting.

        The iterations run on the table of distinct cells (the combinations of the margin
        variables in the sample), not on the rows, and the margins reached are checked.

        Parameters
        ----------
        margins : dict
            ``{column: {level: population count}}`` (or a Series per column).
        tol : float, default 1e-10
            Convergence: every margin met to this relative tolerance.
        max_iter : int, default 1000
            Maximum number of full cycles over the margins.  Cycles run on the small
            table of cells, so many are cheap; sparse cells (and the replicates of a
            replicate design, which lack some units) can need hundreds to reach
            ``tol``.

        Returns
        -------
        Design
            A new design with raked weights; standard errors account for the raking as R's
            ``rake`` designs do.

        Raises
        ------
        WeightingError
            A margin level without sample cases, sample levels missing from a margin,
            margins with different population totals, or margins that cannot all be met
            (the message names the margin and the empty cells; see
            :func:`toolkit.survey.suggest_collapse`).
        """
        new, info = _rake.rake_weights(
            self._data, self._weight_matrix(), margins, tol=tol, max_iter=max_iter
        )
        entry = ("rake", {"margins": margins, "tol": tol, "max_iter": max_iter})
        return self._reweighted(new, ("rake", info), entry)

    def calibrate(
        self,
        margins: Mapping[str, Mapping[Any, float] | pd.Series] | None = None,
        totals: Mapping[str, float] | None = None,
        population_size: float | None = None,
        *,
        method: Literal["linear", "raking"] = "linear",
        bounds: tuple[float, float] | None = None,
        max_iter: int = 50,
        tol: float = 1e-10,
    ) -> Self:
        """Calibrate the weights to population totals (R's ``calibrate``).

        Parameters
        ----------
        margins : dict, optional
            Categorical margins ``{column: {level: population count}}``.
        totals : dict, optional
            Numeric totals ``{column: population total}``.
        population_size : float, optional
            Population size (the intercept's total).  With categorical margins it
            defaults to their common total; with only numeric totals and no
            ``population_size`` the calibration has no intercept.
        method : {"linear", "raking"}, default "linear"
            GREG (linear calibration function) or raking ratio (exponential).
        bounds : (float, float), optional
            Bounds on the ratio ``g`` of new to old weights (R's ``bounds=``), solved by
            R's Newton iteration on the truncated calibration function.
        max_iter : int, default 50
        tol : float, default 1e-10
            Convergence: ``|misfit| / (1 + |total|)`` below ``tol`` for every total (R's
            ``epsilon``, whose default 1e-7 stops earlier).

        Returns
        -------
        Design
            A new design; standard errors use the residuals of the calibration regression
            (R's ``calibrate`` designs).

        Raises
        ------
        WeightingError
            Inconsistent or missing totals, or calibration that does not converge (e.g.
            bounds that cannot be met).
        """
        new, info = _calibrate.calibrate_weights(
            self._data,
            self._weight_matrix(),
            margins=margins,
            totals=totals,
            population_size=population_size,
            method=method,
            bounds=bounds,
            max_iter=max_iter,
            tol=tol,
        )
        entry = (
            "calibrate",
            {
                "margins": margins,
                "totals": totals,
                "population_size": population_size,
                "method": method,
                "bounds": bounds,
                "max_iter": max_iter,
                "tol": tol,
            },
        )
        return self._reweighted(new, ("calibrate", info), entry)

    def trim(
        self, lower: float | None = None, upper: float | None = None, *, strict: bool = False
    ) -> Self:
        """Trim weights to ``[lower, upper]`` and share the excess (R's ``trimWeights``).

        The weight cut from trimmed units (or added to units below ``lower``) is shared
        equally among the untrimmed units, as R does, so the total is unchanged.

        Parameters
        ----------
        lower, upper : float, optional
            Bounds on the weights themselves.
        strict : bool, default False
            Repeat until no weight lies outside the bounds (redistribution can push
            weights past ``upper`` again).

        Returns
        -------
        Design
            A new design.  Calibration information already attached is kept as it is, as
            R does.
        """
        new = _weighting.trim_weights(self._weight_matrix(), lower, upper, strict=strict)
        entry = ("trim", {"lower": lower, "upper": upper, "strict": strict})
        return self._reweighted(new, ("trim", None), entry)
