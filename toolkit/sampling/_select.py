"""Sample selection for :mod:`toolkit.sampling`.

Private helper module: import the public names from :mod:`toolkit.sampling`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from toolkit.errors import InputError
from toolkit.sampling._allocate import allocate
from toolkit.sampling._balance import (
    balance_table,
    covariate_matrix,
    max_abs_smd_of_sets,
)
from toolkit.sampling._common import (
    DEFAULT_ACCEPT,
    DEFAULT_COVARIATES,
    METHODS,
    PILOT,
    SampleResult,
    as_codes,
    as_list,
    check_codes,
    check_frame,
    check_zone,
    child_rng,
    default_covariates,
    group_labels,
    group_order,
)
from toolkit.sampling._designs import (
    cube_sample,
    default_tolerance,
    rejective_draws,
    srs_candidates,
)

__all__: list[str] = []


def select_sample(
    frame: pd.DataFrame,
    n: int | Mapping[str, int] | pd.Series,
    *,
    zone: str | Sequence[str] | None = None,
    strata: str | Sequence[str] | None = "zone",
    balance_on: Sequence[str] | None = None,
    method: str = "cube",
    allocation: str = "proportional",
    size: str | pd.Series | None = None,
    tolerance: float | None = None,
    seed: int | None = None,
    from_units: Iterable[str] | None = None,
    reserve: int = 0,
    pi_simulations: int = 2000,
    max_candidates: int = 2_000_000,
    landing: str = "lp",
) -> SampleResult:
    """Select an interview sample of Societies with known inclusion probabilities.

    Parameters
    ----------
    frame : DataFrame
        Membership table (``toolkit.frame.load_frame()``).
    n : int, or mapping / Series stratum -> int
        Sample size: a total allocated across strata with ``allocation`` (see
        :func:`allocate`), or the size per stratum (keys are stratum labels, e.g. zone
        names; several stratum columns are joined with ``"|"``).
    zone : str or list of str, optional
        Restrict the population to this zone (or zones).
    strata : str or list of str or None, default "zone"
        Stratum column(s); the design runs independently in each stratum.
    balance_on : list of str, optional
        Covariates to balance on, in priority order (default
        :data:`DEFAULT_COVARIATES` present in the frame).  Categorical covariates enter
        as one indicator per level, ``;``-separated lists as one indicator per token,
        numeric covariates as they are.
    method : {"cube", "rejective", "srs"}, default "cube"
    allocation : {"proportional", "equal", "size"}, default "proportional"
        How an integer ``n`` is split across strata.
    size : str or Series, optional
        Size measure for ``allocation="size"``.
    tolerance : float, optional
        Rejective sampling only: accept a sample when its largest absolute
        standardised difference is at most this.  Default, per stratum: the 10th
        percentile of that quantity over 4,000 simple random samples (about one sample
        in ten is accepted), raised if needed so that every Society appears in at least
        one acceptable sample of those 4,000 — a Society alone in its level of a
        covariate would otherwise have inclusion probability 0.  Societies that never
        appear in the simulated samples are listed in ``notes``.
    seed : int, optional
        Seed of every random step; the same seed, frame and arguments give the same
        sample.  When omitted a seed is drawn and recorded in the result.
    from_units : iterable of str, optional
        Draw only among these Societies (e.g. the non-respondents, for the follow-up
        subsample of a two-phase design); ``pi`` is then the conditional (second-phase)
        inclusion probability given the first phase.
    reserve : int, default 0
        Reserve Societies per stratum (capped at what is left; see module notes).
    pi_simulations : int, default 2000
        Rejective sampling only: accepted samples simulated to estimate ``pi``.
    max_candidates : int, default 2,000,000
        Rejective sampling only: candidates tried per stratum before giving up.
    landing : {"lp", "drop"}, default "lp"
        Cube method only: landing phase (see the module notes).

    Returns
    -------
    SampleResult

    Raises
    ------
    InputError
        Unknown zone, method, column or code; a stratum asked for more Societies than
        it has; a rejective tolerance no sample reaches.

    Notes
    -----
    The Societies of a stratum are processed in ISO3 order and every stratum has its
    own random stream derived from ``seed`` and the stratum label, so a stratum's
    sample does not depend on the row order of the frame or on the other strata.
    """
    if method not in METHODS:
        raise InputError(
            f"unknown sampling method {method!r}.",
            value=method,
            hint=f"use one of {', '.join(METHODS)}.",
        )
    if landing not in ("lp", "drop"):
        raise InputError(f"unknown landing {landing!r}.", value=landing, hint="use 'lp' or 'drop'.")
    cols = as_list(strata)
    check_frame(frame, cols)
    zones = check_zone(frame, zone)
    pop = frame
    if zones is not None:
        pop = pop[pop["zone"].astype(str).isin(zones)]
    notes: list[str] = []
    if from_units is not None:
        codes = as_codes(from_units, "from_units list")
        check_codes(frame, list(dict.fromkeys(codes)), "from_units list", None)
        inside = pop["iso3"].isin(codes)
        outside = len(set(codes)) - int(inside.sum())
        if outside:
            notes.append(
                f"{outside} Society(ies) of from_units are outside the selected "
                "zone(s) and were not eligible."
            )
        pop = pop[inside]
    if len(pop) == 0:
        raise InputError(
            "no Society is eligible for the sample.", hint="check zone= and from_units=."
        )
    pop = pop.sort_values("iso3").reset_index(drop=True)
    labels = group_labels(pop, cols)
    order = group_order(pop, cols, labels)
    N_by = labels.value_counts()

    if isinstance(n, (Mapping, pd.Series)):
        n_by = {str(k): v for k, v in dict(n).items()}
        unknown = sorted(set(n_by) - set(order))
        if unknown:
            raise InputError(
                f"sample size given for unknown stratum {unknown[0]!r}.",
                value=unknown[0],
                hint=f"strata are: {', '.join(order)}.",
            )
        n_h = {lab: int(n_by.get(lab, 0)) for lab in order}
    elif len(order) == 1:
        n_h = {order[0]: n}
    else:
        alloc = allocate(pop, n, by=cols, method=allocation, size=size)
        n_h = dict(zip(order, alloc["n"].astype(int).tolist(), strict=True))
    for lab, k in n_h.items():
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 0:
            raise InputError(
                f"sample size for stratum {lab!r} must be a non-negative integer.",
                value=k,
                hint="e.g. n=8 or n={'africa': 8, 'mena': 4}.",
            )
        if k > N_by[lab]:
            raise InputError(
                f"stratum {lab!r} has {N_by[lab]} eligible Societies; cannot select {k}.",
                value=k,
                hint="lower n for this stratum.",
            )
    if isinstance(reserve, bool) or not isinstance(reserve, (int, np.integer)) or reserve < 0:
        raise InputError(
            "reserve must be a non-negative integer.",
            value=reserve,
            hint="e.g. reserve=3 gives three replacements per stratum.",
        )
    if method == "rejective" and (
        isinstance(pi_simulations, bool)
        or not isinstance(pi_simulations, (int, np.integer))
        or pi_simulations < 1
    ):
        raise InputError(
            "pi_simulations must be a positive integer.",
            value=pi_simulations,
            hint="rejective sampling estimates pi by simulation; e.g. 2000.",
        )
    if seed is None:
        entropy = np.random.SeedSequence().entropy
        assert isinstance(entropy, int)  # drawn from the OS when not given
        seed = int(entropy % (2**63))
    seed = int(seed)

    bal = default_covariates(pop, balance_on)
    N = len(pop)
    pi = np.zeros(N)
    pi_se = np.zeros(N)
    selected = np.zeros(N, dtype=bool)
    rank = np.zeros(N, dtype=np.int64)
    Nh_col = np.zeros(N, dtype=np.int64)
    nh_col = np.zeros(N, dtype=np.int64)
    tol_used: dict[str, float] = {}
    alloc_rows = []
    exact = method != "rejective"
    for lab in order:
        idx = np.flatnonzero((labels == lab).to_numpy())
        Nk, nk = len(idx), int(n_h[lab])
        kk = min(int(reserve), Nk - nk) if nk > 0 else 0
        if nk > 0 and kk < reserve:
            notes.append(
                f"stratum {lab}: reserve capped at {kk} (only {Nk - nk} Societies "
                "left after the main sample)."
            )
        alloc_rows.append({"stratum": lab, "N": Nk, "n": nk, "reserve": kk})
        Nh_col[idx], nh_col[idx] = Nk, nk
        X = covariate_matrix(pop.iloc[idx], bal).X
        rng = child_rng(seed, lab, "draw")
        if method == "cube":
            p = np.full(Nk, nk / Nk)
            s = cube_sample(p, X, rng, landing=landing) if 0 < nk < Nk else np.full(Nk, nk == Nk)
            res_order = np.zeros(0, dtype=np.int64)
            if kk > 0:
                rest = np.flatnonzero(~s)
                pr = np.full(rest.size, kk / rest.size)
                sr = (
                    cube_sample(pr, X[rest], rng, landing=landing)
                    if kk < rest.size
                    else np.ones(rest.size, bool)
                )
                res_order = rng.permutation(rest[sr])
            pi[idx] = nk / Nk
        elif method == "srs":
            perm = rng.permutation(Nk)
            s = np.zeros(Nk, dtype=bool)
            s[perm[:nk]] = True
            res_order = perm[nk : nk + kk]
            pi[idx] = nk / Nk
        else:
            s, res_order, p_hat, se, tol = _rejective_stratum(
                X, nk, kk, tolerance, seed, lab, pi_simulations, max_candidates
            )
            pi[idx], pi_se[idx] = p_hat, se
            if 0 < nk < Nk and X.shape[1]:
                tol_used[lab] = tol
        selected[idx[s]] = True
        rank[idx[res_order]] = np.arange(1, res_order.size + 1)

    population = pop.copy()
    population["stratum"] = labels.to_numpy()
    population["N_h"] = Nh_col
    population["n_h"] = nh_col
    population["pi"] = pi
    population["pi_mc_se"] = pi_se
    population["selected"] = selected
    population["reserve_rank"] = pd.array(np.where(rank > 0, rank, 0), dtype="Int64")
    population.loc[rank == 0, "reserve_rank"] = pd.NA
    never = (pi <= 0) & (nh_col > 0)
    if not exact and never.any():
        zero = population.loc[never, "iso3"].tolist()
        notes.append(
            f"{len(zero)} Society(ies) were never selected in {pi_simulations} "
            f"simulated rejective samples (pi estimated as 0): {', '.join(zero[:10])}"
            f"{' ...' if len(zero) > 10 else ''}; they cannot, or hardly ever, be drawn "
            "at this tolerance, so the sample does not represent them. Raise the "
            "tolerance or use method='cube'."
        )
    if not exact and (selected & (pi <= 0)).any():
        floor = 0.5 / max(pi_simulations, 1)
        population.loc[selected & (pi <= 0), "pi"] = floor
        notes.append(
            "a selected Society was never selected in the simulations; its pi was "
            f"set to {floor:g} (raise pi_simulations)."
        )

    keep = [c for c in ("iso3", "country", "society_name", "zone") if c in population.columns]
    keep += [c for c in cols if c not in keep]
    keep += ["stratum"] + [c for c in bal if c not in keep]
    sample = population.loc[selected, [*keep, "pi", "pi_mc_se"]].copy()
    sample["weight"] = 1.0 / sample["pi"]
    sample = _in_stratum_order(sample, order)
    res = population.loc[rank > 0, [*keep, "pi", "reserve_rank", "N_h", "n_h"]].copy()
    res["pi_if_reached"] = res["pi"] + (1 - res["pi"]) * res["reserve_rank"].astype(float) / (
        (res["N_h"] - res["n_h"]).clip(lower=1)
    )
    res = res.drop(columns=["N_h", "n_h"])
    res = _in_stratum_order(res, order, by="reserve_rank")

    report_on = bal or [c for c in DEFAULT_COVARIATES if c in pop.columns]
    parts = []
    for lab in order:
        m = (population["stratum"] == lab).to_numpy()
        sub = population.loc[m]
        if not sub["selected"].any():
            continue
        # unweighted: probabilities are equal within a stratum for cube and srs, and
        # rejective sampling accepts on the unweighted difference
        t = balance_table(sub, sub["selected"].to_numpy(), report_on)
        t.insert(0, "stratum", lab)
        parts.append(t)
    balance = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    if not balance.empty:
        balance["weighted"] = False
    if tol_used:
        notes.append(
            "rejective tolerance per stratum: "
            + ", ".join(f"{k}={v:.3f}" for k, v in tol_used.items())
            + "."
        )
    return SampleResult(
        sample=sample.reset_index(drop=True),
        reserve=res.reset_index(drop=True),
        population=population,
        allocation=pd.DataFrame(alloc_rows).set_index("stratum"),
        balance=balance,
        method=method,
        seed=seed,
        strata=tuple(cols),
        balance_on=tuple(bal),
        tolerance=tol_used,
        pi_exact=exact,
        notes=tuple(notes),
    )


def _in_stratum_order(df: pd.DataFrame, order: list[str], by: str = "iso3") -> pd.DataFrame:
    pos = {lab: i for i, lab in enumerate(order)}
    key = df["stratum"].map(pos)
    return df.assign(_k=key).sort_values(["_k", by]).drop(columns="_k")


def _best_of_pilot(X: np.ndarray, nk: int, seed: int, lab: str) -> float:
    cand = srs_candidates(X.shape[0], nk, PILOT, child_rng(seed, lab, "pilot"))[:, :nk]
    return float(max_abs_smd_of_sets(X, cand).min())


def _rejective_stratum(
    X: np.ndarray,
    nk: int,
    kk: int,
    tolerance: float | None,
    seed: int,
    lab: str,
    pi_simulations: int,
    max_candidates: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]:
    Nk = X.shape[0]
    s = np.zeros(Nk, dtype=bool)
    if nk == 0 or nk == Nk or X.shape[1] == 0:
        perm = child_rng(seed, lab, "draw").permutation(Nk)
        s[perm[:nk]] = True
        return s, perm[nk : nk + kk], np.full(Nk, nk / Nk), np.zeros(Nk), 0.0
    if tolerance is None:
        tol = default_tolerance(
            X, nk, child_rng(seed, lab, "pilot"), pilot=PILOT, quantile=DEFAULT_ACCEPT
        )
    else:
        tol = float(tolerance)
    orders, tried = rejective_draws(
        X, nk, tol, child_rng(seed, lab, "draw"), 1, max_candidates=max_candidates
    )
    if orders.shape[0] == 0:
        raise InputError(
            f"stratum {lab!r}: no sample of {nk} reached the balance tolerance {tol:g} in "
            f"{tried:,} tries (the best of {PILOT:,} random samples had a largest "
            f"standardised difference of {_best_of_pilot(X, nk, seed, lab):.3f}).",
            value=tolerance,
            hint="raise tolerance, balance on fewer covariates, or use method='cube'.",
        )
    perm = orders[0]
    s[perm[:nk]] = True
    res_order = perm[nk : nk + kk]
    sims, _ = rejective_draws(
        X, nk, tol, child_rng(seed, lab, "simulate"), pi_simulations, max_candidates=max_candidates
    )
    R = sims.shape[0]
    counts = np.zeros(Nk)
    np.add.at(counts, sims[:, :nk].ravel(), 1.0)
    p_hat = counts / max(R, 1)
    se = np.sqrt(p_hat * (1 - p_hat) / max(R, 1))
    return s, res_order, p_hat, se, tol
