"""What a weighting step leaves behind for calibration-aware variance estimation.

Each step residualises the weighted influence values ``x`` (an ``(n, m)`` matrix) the way
R's ``survey:::svyrecvar`` does for the entries of ``design$postStrata``:

* :class:`PostStratStep` (``postStratify``): subtract the post-stratum mean of ``x / w``,
  weighted by the weights before post-stratification, times the new weight ``w``;
* :class:`RakingStep` (``rake``): ten sweeps over the margins, each subtracting the
  unweighted margin-cell mean of ``x / w`` times ``w`` (R's fixed number of sweeps);
* :class:`GregStep` (``calibrate``, linear, raking or bounded): the residual of
  ``x / (g sqrt(w0))`` from its projection on the columns of ``X sqrt(w0)``, times
  ``g sqrt(w0)`` -- i.e. ``g w0 (u - X b)`` with ``b`` the ``w0``-weighted regression.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._variance import group_sum

__all__ = ["CalStep", "GregStep", "PostStratStep", "RakingStep", "residualise"]

RAKING_SWEEPS = 10  # hard-coded in R's svyrecvar


@dataclass(frozen=True)
class PostStratStep:
    """Post-stratification: cell codes, weights before (``oldw``) and after (``psw``)."""

    codes: np.ndarray
    n_cells: int
    oldw: np.ndarray
    psw: np.ndarray

    def apply(self, x: np.ndarray) -> np.ndarray:
        """Residualise ``x`` (n, m)."""
        sums = group_sum(x * (self.oldw / self.psw)[:, None], self.codes, self.n_cells)
        wsum = np.bincount(self.codes, weights=self.oldw, minlength=self.n_cells)
        with np.errstate(invalid="ignore", divide="ignore"):
            means = sums / wsum[:, None]
        return x - means[self.codes] * self.psw[:, None]


@dataclass(frozen=True)
class RakingStep:
    """Raking: the code vector and cell count of every margin, and the raked weights."""

    margins: tuple[tuple[np.ndarray, int], ...]
    psw: np.ndarray

    def apply(self, x: np.ndarray) -> np.ndarray:
        """Residualise ``x`` (n, m) with R's ten sweeps of unweighted cell means."""
        w = self.psw[:, None]
        counts = [np.bincount(c, minlength=k).astype(np.float64) for c, k in self.margins]
        x = x.copy()
        for _ in range(RAKING_SWEEPS):
            for (codes, k), cnt in zip(self.margins, counts, strict=True):
                with np.errstate(invalid="ignore", divide="ignore"):
                    means = group_sum(x / w, codes, k) / cnt[:, None]
                x -= w * means[codes]
        return x


@dataclass(frozen=True)
class GregStep:
    """Regression calibration: orthonormal basis of ``X sqrt(w0)`` and ``g sqrt(w0)``."""

    q: np.ndarray
    w: np.ndarray

    def apply(self, x: np.ndarray) -> np.ndarray:
        """Residualise ``x`` (n, m)."""
        z = x / self.w[:, None]
        z = z - self.q @ (self.q.T @ z)
        return z * self.w[:, None]


CalStep = PostStratStep | RakingStep | GregStep


def residualise(x: np.ndarray, steps: tuple[CalStep, ...]) -> np.ndarray:
    """Apply every calibration step to ``x`` in the order the weighting was done."""
    for step in steps:
        x = step.apply(x)
    return x
