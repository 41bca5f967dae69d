"""Simulation study: does non-response weighting cut bias, and do intervals cover?

A synthetic population of the 193 member Societies is drawn once with
:func:`toolkit.synth.simulate_truth` (true activity profiles and response
propensities depending on zone, income group, size and the number of activities run:
larger, richer Societies answer more often and run more activities).  Then, in every
replication, each Society returns the questionnaire with its propensity, and the share
of Societies running each of the 19 activities is estimated by

* ``naive``       — the respondents' unweighted mean (simple random sampling without
  replacement of the respondents from the 193, i.e. ignoring non-response);
* ``class``       — weighting classes zone x income group (classes with fewer than 5
  respondents merged with a neighbour within zone), stratified with the finite
  population correction of each class;
* ``propensity``  — quintile classes of a logistic response propensity on zone,
  income group, population band and migration context;
* ``rake``        — raking to the frame margins of zone, income group and population
  band.

The truth is the population share (a fixed finite population; only response is
random).  Intervals are those of ``Design.proportion(method="logit")`` (R's
``svyciprop``).  Reported per method: mean absolute bias over activities, the relative
reduction of mean absolute bias against ``naive``, RMSE, coverage of nominal 95%
intervals (pooled over activities, and its range over activities; also for plain
Wald intervals), and the ratio of mean estimated SE to the Monte Carlo SD.

Two scenarios are run.  In ``synth`` the generator's own response model is used; it
is not missing-at-random given the frame covariates (it also depends on a latent size
and on the activities themselves), so some bias remains after weighting — as in a real
study — and intervals cover a little less than 95%.  In ``mar`` response depends on
zone and income group only, the assumption of the class adjustment; there the
intervals should cover 95%.  Comparing the two separates the honesty of the standard
errors (``se_ratio`` near 1 in both) from the bias the frame covariates cannot remove.

Run::

    .venv/bin/python benchmarks/sim_nonresponse.py --reps 500 --seed 2026 --scenario both
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from toolkit.errors import WeightingError
from toolkit.nonresponse import nonresponse_design
from toolkit.survey import Design
from toolkit.synth import simulate_truth

METHODS = ("naive", "class", "propensity", "rake")
FRAME_COLUMNS = ["iso3", "zone", "income_group", "population_band", "migration_context"]


#: Classes with fewer respondents are merged with a neighbouring class (within zone).
CLASS_MIN_RESPONDENTS = 5


def _estimate(
    method: str,
    frame: pd.DataFrame,
    responded: np.ndarray,
    data: pd.DataFrame,
    cols: list[str],
) -> pd.DataFrame:
    """Share running each activity: estimate, se, ci_low, ci_high (logit intervals)."""
    if method == "naive":
        des = Design(data.assign(N=float(len(frame))), fpc="N")
    elif method == "class":
        des = nonresponse_design(
            frame,
            responded,
            classes=["zone", "income_group"],
            data=data,
            collapse=True,
            min_respondents=CLASS_MIN_RESPONDENTS,
        )
    elif method == "propensity":
        des = nonresponse_design(
            frame,
            responded,
            method="propensity",
            data=data,
            covariates=["zone", "income_group", "population_band", "migration_context"],
            collapse=True,
            min_respondents=CLASS_MIN_RESPONDENTS,
        )
    else:
        des = nonresponse_design(
            frame,
            responded,
            method="rake",
            data=data,
            classes=["zone", "income_group", "population_band"],
        )
    res = des.proportion(cols, method="logit")
    return res.xs(1, level="category").reindex(cols)


# Scenario "mar": response depends on zone and income group only (logit scale), so
# weighting classes zone x income group meet their assumption exactly.
MAR_ZONE = {"africa": -0.4, "americas": 0.0, "asia_pacific": -0.2, "europe": 0.6, "mena": -0.6}
MAR_INCOME = {"low": -0.6, "lower_middle": -0.2, "upper_middle": 0.2, "high": 0.6}


def propensities(pop: pd.DataFrame, scenario: str) -> np.ndarray:
    """Response propensities of the scenario ("synth": the generator's own)."""
    if scenario == "synth":
        return pop["p_respond"].to_numpy()
    if scenario == "mar":
        lin = pop["zone"].astype(str).map(MAR_ZONE).to_numpy(dtype=float) + pop[
            "income_group"
        ].astype(str).map(MAR_INCOME).to_numpy(dtype=float)
        return 1 / (1 + np.exp(-lin))
    raise ValueError(f"unknown scenario {scenario!r}")


def simulate(
    reps: int = 500, seed: int = 2026, methods: tuple[str, ...] = METHODS, scenario: str = "synth"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run the simulation.

    Parameters
    ----------
    reps : int
        Replications (response draws over the same population).
    seed : int
        Seed of the population (``simulate_truth``) and, + 1, of the response draws.
    methods : tuple of str
        Subset of :data:`METHODS`.
    scenario : {"synth", "mar"}
        ``"synth"``: the generator's response propensities (depend on zone, income,
        a latent size and the activities run: not missing at random given the frame
        covariates).  ``"mar"``: propensities depending on zone and income group only.

    Returns
    -------
    summary : DataFrame
        One row per method: mean_abs_bias (over the 19 activities), bias_reduction
        (1 - mean_abs_bias / mean_abs_bias of the first method, naive), max_abs_bias,
        rmse, coverage (of the logit intervals of ``Design.proportion``, pooled over
        activities and replications), coverage_min and coverage_max (over
        activities), coverage_wald (estimate -/+ 1.96 se), se_ratio (mean SE / Monte Carlo SD, averaged over
        activities), replications, failures (replications where the adjustment
        raised an error, e.g. a zone without respondents).
    per_activity : DataFrame
        Index (method, variable): truth, bias, coverage, coverage_wald, se_ratio.
    """
    pop = simulate_truth(seed=seed)
    frame = pop[FRAME_COLUMNS].copy()
    cols = [c for c in pop.columns if c.startswith("activities__")]
    truth = pop[cols].astype(float).mean()
    p = propensities(pop, scenario)
    rng = np.random.default_rng(seed + 1)
    est = {m: [] for m in methods}
    se = {m: [] for m in methods}
    lo = {m: [] for m in methods}
    hi = {m: [] for m in methods}
    fails = dict.fromkeys(methods, 0)
    for _ in range(reps):
        responded = rng.random(len(p)) < p
        data = pop.loc[responded, ["iso3", *cols]].rename(columns={"iso3": "ns_iso3"})
        for m in methods:
            try:
                r = _estimate(m, frame, responded, data, cols)
            except WeightingError:
                fails[m] += 1
                continue
            est[m].append(r["estimate"].to_numpy())
            se[m].append(r["se"].to_numpy())
            lo[m].append(r["ci_low"].to_numpy())
            hi[m].append(r["ci_high"].to_numpy())
    rows, per = [], []
    t = truth.to_numpy()
    naive_abs_bias = None
    for m in methods:
        E, S = np.array(est[m]), np.array(se[m])
        L, H = np.array(lo[m]), np.array(hi[m])
        bias = E.mean(axis=0) - t
        if naive_abs_bias is None:
            naive_abs_bias = np.abs(bias).mean()
        cover = (t >= L) & (t <= H)
        wald = np.abs(E - t) <= 1.959963984540054 * S
        sd = E.std(axis=0, ddof=1)
        rows.append(
            {
                "method": m,
                "mean_abs_bias": float(np.abs(bias).mean()),
                "bias_reduction": float(1 - np.abs(bias).mean() / naive_abs_bias),
                "max_abs_bias": float(np.abs(bias).max()),
                "rmse": float(np.sqrt(((E - t) ** 2).mean())),
                "coverage": float(cover.mean()),
                "coverage_min": float(cover.mean(axis=0).min()),
                "coverage_max": float(cover.mean(axis=0).max()),
                "coverage_wald": float(wald.mean()),
                "se_ratio": float((S.mean(axis=0) / sd).mean()),
                "replications": len(E),
                "failures": fails[m],
            }
        )
        per.append(
            pd.DataFrame(
                {
                    "method": m,
                    "variable": cols,
                    "truth": t,
                    "bias": bias,
                    "coverage": cover.mean(axis=0),
                    "coverage_wald": wald.mean(axis=0),
                    "se_ratio": S.mean(axis=0) / sd,
                }
            )
        )
    summary = pd.DataFrame(rows).set_index("method")
    per_activity = pd.concat(per).set_index(["method", "variable"])
    return summary, per_activity


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reps", type=int, default=500)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--scenario", choices=["synth", "mar", "both"], default="both")
    ap.add_argument("--per-activity", action="store_true", help="also print per-activity rows")
    args = ap.parse_args()
    pd.set_option("display.width", 200)
    pd.set_option("display.max_columns", 20)
    scenarios = ["synth", "mar"] if args.scenario == "both" else [args.scenario]
    for sc in scenarios:
        t0 = time.perf_counter()
        summary, per = simulate(args.reps, args.seed, scenario=sc)
        elapsed = time.perf_counter() - t0
        print(
            f"\nScenario {sc!r}: 193 Societies (toolkit.synth seed {args.seed}), "
            f"{args.reps} replications, 19 activity shares, {elapsed:.1f} s"
        )
        print(summary.round(4).to_string())
        if args.per_activity:
            print(per.round(4).to_string())


if __name__ == "__main__":
    main()
