"""Sampling designs for :mod:`toolkit.sampling`: cube, rejective and simple random sampling.

Private helper module: import the public names from :mod:`toolkit.sampling`.

Cube method
-----------
Deville & Tillé (2004), "Efficient balanced sampling: the cube method", Biometrika 91,
893-912, with the fast flight phase of Chauvet & Tillé (2006), "A fast algorithm for
balanced sampling", Computational Statistics 21, 53-62.

A balanced sample satisfies ``sum_{k in s} x_k / pi_k = sum_{k in U} x_k`` for the
balancing variables ``x``.  Write ``a_k = x_k / pi_k``.  The *flight phase* is a random
walk on the inclusion-probability vector: take the first ``p + 1`` units (in a random
order) whose probability is not yet 0 or 1, find a direction ``u`` with
``sum_k a_k u_k = 0`` (a null vector of the ``p x (p+1)`` matrix, found by SVD), and move
to ``pi + l1 u`` with probability ``l2 / (l1 + l2)`` or to ``pi - l2 u`` otherwise, where
``l1``, ``l2`` are the largest steps that keep every probability in [0, 1].  Each step
decides at least one unit and is a martingale step (its expectation is 0), so the final
inclusion indicators have expectation ``pi`` exactly: the inclusion probabilities are
known by construction.  When fewer than ``p + 1`` undecided units remain and no
direction exists, the *landing phase* decides the rest.  ``landing="drop"`` drops
balancing variables from the last one (lowest priority) and repeats the flight with
fewer constraints (landing by suppression of variables); the first variable, ``pi`` itself, is dropped last, so the sample size stays
fixed.  ``landing="lp"`` (landing by linear programming) enumerates every sample of the (at most
``max_lp_units``) undecided units and solves a linear programme for a design on them
that keeps their inclusion probabilities and minimises the expected imbalance.  Both
landings keep the expectation of the inclusion indicators equal to ``pi``.

Rejective sampling
------------------
Simple random samples (random permutations, first ``n`` units) are drawn until one has a
largest absolute standardised difference at most the tolerance.  Rejection changes the
inclusion probabilities (units whose covariate levels are rare are kept more or less
often than ``n / N``), so they are estimated by simulating the same accept/reject
procedure many times (see :func:`rejective_draws`).
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
from scipy.optimize import linprog

from toolkit.sampling._balance import max_abs_smd_of_sets

__all__: list[str] = []

_EPS = 1e-9


def _null_vector(B: np.ndarray) -> np.ndarray | None:
    """A vector ``u`` (length ``m``) with ``B.T @ u == 0``, or ``None`` if there is none."""
    m, p = B.shape
    if m == 0:
        return None
    if p == 0:  # no constraint: move one unit on its own (a Bernoulli step)
        v = np.zeros(m)
        v[0] = 1.0
        return v
    _, s, vt = np.linalg.svd(B.T, full_matrices=True)
    tol = max(B.shape) * np.finfo(float).eps * (s[0] if s.size else 0.0) * 1e3
    rank = int((s > tol).sum())
    if rank >= m:
        return None
    return vt[-1]


def _flight(pw: np.ndarray, A: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Flight phase on probabilities ``pw`` (in the working order) with constraints ``A``."""
    p = A.shape[1]
    while True:
        und = np.flatnonzero((pw > _EPS) & (pw < 1 - _EPS))
        if und.size == 0:
            break
        idx = und[: p + 1]
        u = _null_vector(A[idx])
        if u is None:
            break
        big = np.abs(u) > 1e-12
        if not big.any():
            break
        pb = pw[idx]
        up, um = u > 1e-12, u < -1e-12
        # largest step along +u and along -u keeping 0 <= pi <= 1
        l1 = min(
            np.min((1 - pb[up]) / u[up], initial=np.inf), np.min(pb[um] / -u[um], initial=np.inf)
        )
        l2 = min(
            np.min(pb[up] / u[up], initial=np.inf), np.min((1 - pb[um]) / -u[um], initial=np.inf)
        )
        if not (np.isfinite(l1) and np.isfinite(l2)) or l1 + l2 <= 0:
            break
        if rng.random() < l2 / (l1 + l2):
            pb = pb + l1 * u
        else:
            pb = pb - l2 * u
        pb = np.clip(pb, 0.0, 1.0)
        pb[pb < _EPS] = 0.0
        pb[pb > 1 - _EPS] = 1.0
        pw[idx] = pb
    return pw


def _independent_columns(A: np.ndarray) -> np.ndarray:
    """Unit-norm columns of ``A``, dropping those in the span of earlier ones.

    Dropping a redundant column (e.g. the last level indicator of a categorical
    covariate, implied by ``pi`` and the other levels) does not change the balancing
    equations; it only spares the landing phase useless steps.
    """
    norms = np.linalg.norm(A, axis=0)
    keep: list[int] = []
    for j in range(A.shape[1]):
        if norms[j] <= 1e-12:
            continue
        cand = [*keep, j]
        B = A[:, cand] / norms[cand]
        s = np.linalg.svd(B, compute_uv=False)
        if s[-1] > 1e-9 * s[0]:
            keep.append(j)
    return A[:, keep] / norms[keep]


def cube_sample(
    pi: np.ndarray,
    X: np.ndarray,
    rng: np.random.Generator,
    *,
    landing: str = "lp",
    max_lp_units: int = 12,
) -> np.ndarray:
    """Draw one balanced sample by the cube method.

    Parameters
    ----------
    pi : ndarray (N,)
        Inclusion probabilities (their sum should be an integer: the sample size).
    X : ndarray (N, p)
        Balancing variables in priority order.  ``pi`` itself is always added as the
        first (highest priority) variable, which fixes the sample size.
    rng : numpy Generator
    landing : {"lp", "drop"}, default "lp"
        Landing phase.  ``"drop"``: drop balancing variables from the last one and
        continue the flight.  ``"lp"``: first drop variables only while more than
        ``max_lp_units`` units are undecided, then choose among *all* samples of the
        undecided units by linear programming (Deville & Tillé 2004): a
        probability ``p(s)`` on the samples ``s`` of the right size with
        ``sum_{s ni k} p(s) = pi*_k`` for every undecided unit ``k`` (so inclusion
        probabilities stay exact) that minimises the expected cost ``sum_s p(s) C(s)``,
        where ``C(s)`` is the largest absolute standardised deviation of the
        Horvitz-Thompson totals of the whole sample from the population totals plus a
        quarter of the mean one (for equal probabilities, the largest absolute
        standardised difference in means, with the mean as tie-break).
    max_lp_units : int, default 12
        Largest number of undecided units enumerated by the LP landing.

    Returns
    -------
    ndarray of bool (N,)
        Inclusion indicators.
    """
    pi = np.asarray(pi, dtype=float)
    N = pi.size
    order = rng.permutation(N)
    pw = pi[order].copy()
    Xw = np.column_stack([pi, X]) if X.size else pi[:, None]
    Xw = Xw[order]
    safe = np.where(pw > 0, pw, 1.0)
    contrib = Xw / safe[:, None]
    contrib[pw <= 0] = 0.0
    A = _independent_columns(contrib)
    q = A.shape[1]
    pw = _flight(pw, A, rng)
    if landing == "lp":
        while _undecided(pw).size > max_lp_units and q > 1:
            q -= 1
            pw = _flight(pw, A[:, :q], rng)
        if _undecided(pw).size:
            pw = _lp_landing(pw, contrib, Xw, rng)
    for k in range(q - 1, 0, -1):
        if not _undecided(pw).size:
            break
        pw = _flight(pw, A[:, :k], rng)
    # Numerical leftovers (sum of pi not an integer): independent Bernoulli draws keep
    # the expectation equal to pi.
    left = _undecided(pw)
    if left.size:
        pw[left] = (rng.random(left.size) < pw[left]).astype(float)
    s = np.zeros(N, dtype=bool)
    s[order] = pw > 0.5
    return s


def _undecided(pw: np.ndarray) -> np.ndarray:
    return np.flatnonzero((pw > _EPS) & (pw < 1 - _EPS))


def _lp_landing(
    pw: np.ndarray, contrib: np.ndarray, Xw: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Landing by linear programming over all samples of the undecided units."""
    und = _undecided(pw)
    total = float(pw[und].sum())
    r = round(total)
    if abs(total - r) > 1e-6 or und.size > 20:
        return pw
    subsets = np.array(list(combinations(range(und.size), r)), dtype=np.int64)
    if subsets.size == 0:
        return pw
    sd = Xw.std(axis=0) * Xw.shape[0]
    use = sd > 1e-12
    if not use.any():
        cost = np.zeros(len(subsets))
    else:
        target = Xw[:, use].sum(axis=0)
        base = contrib[pw >= 1 - _EPS][:, use].sum(axis=0)
        c_und = contrib[und][:, use]
        dev = np.abs(base + c_und[subsets].sum(axis=1) - target) / sd[use]
        cost = dev.max(axis=1) + 0.25 * dev.mean(axis=1)
    member = np.zeros((und.size, len(subsets)))
    member[subsets, np.arange(len(subsets))[:, None]] = 1.0
    A_eq = np.vstack([member, np.ones((1, len(subsets)))])
    b_eq = np.concatenate([pw[und], [1.0]])
    res = linprog(cost, A_eq=A_eq, b_eq=b_eq, bounds=(0, None), method="highs")
    if res.status != 0:
        return pw
    p = np.clip(res.x, 0.0, None)
    p /= p.sum()
    pick = subsets[rng.choice(len(subsets), p=p)]
    pw = pw.copy()
    pw[und] = 0.0
    pw[und[pick]] = 1.0
    return pw


def srs_permutation(N: int, rng: np.random.Generator) -> np.ndarray:
    """A uniformly random order of ``N`` units (the first ``n`` are an SRS of size ``n``)."""
    return rng.permutation(N)


def srs_candidates(N: int, n: int, B: int, rng: np.random.Generator) -> np.ndarray:
    """``B`` random permutations of ``N`` units as a ``(B, N)`` array."""
    return np.argsort(rng.random((B, N)), axis=1)


def default_tolerance(
    X: np.ndarray, n: int, rng: np.random.Generator, *, pilot: int = 4000, quantile: float = 0.10
) -> float:
    """Default rejective tolerance of a stratum.

    The larger of (a) the ``quantile`` of the largest absolute standardised difference
    over ``pilot`` simple random samples (about that share of samples is accepted) and
    (b) the smallest tolerance at which every unit appears in at least one acceptable
    pilot sample, so that no unit gets inclusion probability 0 (a Society alone in its
    level of a covariate would otherwise never be selected).
    """
    N = X.shape[0]
    cand = srs_candidates(N, n, pilot, rng)[:, :n]
    m = max_abs_smd_of_sets(X, cand)
    best = np.full(N, np.inf)
    np.minimum.at(best, cand.ravel(), np.repeat(m, n))
    floor = float(best[np.isfinite(best)].max()) if np.isfinite(best).any() else 0.0
    return max(float(np.quantile(m, quantile)), floor)


def rejective_draws(
    X: np.ndarray,
    n: int,
    tolerance: float,
    rng: np.random.Generator,
    n_draws: int,
    *,
    max_candidates: int,
    batch: int = 4096,
) -> tuple[np.ndarray, int]:
    """Accepted rejective samples (as full random orders) and the candidates tried.

    Parameters
    ----------
    X : ndarray (N, d)
        Balance columns of the stratum.
    n : int
        Sample size.
    tolerance : float
        Accept a candidate when its largest absolute standardised difference is at most
        this.
    rng : numpy Generator
    n_draws : int
        Number of accepted samples wanted.
    max_candidates : int
        Give up after this many candidates.

    Returns
    -------
    orders : ndarray (k, N)
        Accepted random orders (first ``n`` = sample); ``k < n_draws`` if the budget ran
        out.
    tried : int
        Candidates drawn.
    """
    N = X.shape[0]
    accepted: list[np.ndarray] = []
    got = 0
    tried = 0
    while got < n_draws and tried < max_candidates:
        b = min(batch, max_candidates - tried)
        cand = srs_candidates(N, n, b, rng)
        tried += b
        ok = max_abs_smd_of_sets(X, cand[:, :n]) <= tolerance + 1e-12
        if ok.any():
            take = cand[ok][: n_draws - got]
            accepted.append(take)
            got += take.shape[0]
    orders = np.vstack(accepted) if accepted else np.zeros((0, N), dtype=np.int64)
    return orders, tried
