"""Balance of interview samples: cube and rejective sampling against simple random sampling.

For each zone of the membership table, draws ``--draws`` samples of ``--n`` Societies
with each method and reports the largest absolute standardised difference (sample vs
zone, over every level of the default covariates ``income_group``,
``population_band``, ``migration_context``, ``subregion``): its mean and 95th
percentile, and their ratio to simple random sampling (SRS) of the same size.

Methods
    srs        simple random sampling without replacement
    rejective  SRS redrawn until max |SMD| <= the default tolerance of
               ``select_sample(method="rejective")``: the 10th percentile of SRS,
               raised where needed so that every Society keeps a chance of selection
    cube-drop  cube method, landing by dropping balancing variables
    cube-lp    cube method, landing by linear programming (the default)

The draws call the same design functions as :func:`toolkit.sampling.select_sample`
(``toolkit.sampling._designs``) without building result tables, so 1,000 draws per zone
take a minute or two.  No peer outside the project is needed.

Run::

    .venv/bin/python benchmarks/sim_sample_balance.py            # n=8, 1000 draws
    .venv/bin/python benchmarks/sim_sample_balance.py --n 5 --draws 300
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from toolkit.frame import ZONES, load_frame
from toolkit.sampling import DEFAULT_COVARIATES
from toolkit.sampling._balance import covariate_matrix, max_abs_smd_of_sets
from toolkit.sampling._designs import (
    cube_sample,
    default_tolerance,
    rejective_draws,
    srs_candidates,
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=8, help="Societies per zone (default 8)")
    ap.add_argument("--draws", type=int, default=1000, help="samples per zone and method")
    ap.add_argument("--seed", type=int, default=20261127)
    args = ap.parse_args()

    frame = load_frame()
    covs = [c for c in DEFAULT_COVARIATES if c in frame.columns]
    print(
        f"max |SMD| over the levels of {', '.join(covs)}; n={args.n} per zone, "
        f"{args.draws} draws per zone and method, seed {args.seed}\n"
    )
    header = (
        f"{'zone':<13}{'N':>4} {'method':<10}{'mean':>8}{'p95':>8}"
        f"{'mean/SRS':>10}{'p95/SRS':>9}{'ms/draw':>9}"
    )
    print(header)
    print("-" * len(header))
    for z, zone in enumerate(ZONES):
        pop = frame[frame["zone"].astype(str) == zone].sort_values("iso3")
        X = covariate_matrix(pop, covs).X
        N, n = len(pop), min(args.n, len(pop))
        pi = np.full(N, n / N)
        results: dict[str, tuple[np.ndarray, float]] = {}

        rng = np.random.default_rng([args.seed, z, 0])
        t = time.perf_counter()
        srs = srs_candidates(N, n, args.draws, rng)[:, :n]
        results["srs"] = (max_abs_smd_of_sets(X, srs), time.perf_counter() - t)

        rng = np.random.default_rng([args.seed, z, 1])
        t = time.perf_counter()
        tol = default_tolerance(X, n, rng)
        orders, _ = rejective_draws(X, n, tol, rng, args.draws, max_candidates=10**8)
        results["rejective"] = (max_abs_smd_of_sets(X, orders[:, :n]), time.perf_counter() - t)

        for landing in ("drop", "lp"):
            rng = np.random.default_rng([args.seed, z, 2 if landing == "drop" else 3])
            t = time.perf_counter()
            sets = np.array(
                [
                    np.flatnonzero(cube_sample(pi, X, rng, landing=landing))
                    for _ in range(args.draws)
                ]
            )
            results[f"cube-{landing}"] = (max_abs_smd_of_sets(X, sets), time.perf_counter() - t)

        print(f"{zone:<13}{N:>4} rejective tolerance {tol:.3f}")
        base_mean = results["srs"][0].mean()
        base_p95 = np.quantile(results["srs"][0], 0.95)
        for method, (m, secs) in results.items():
            mean, p95 = m.mean(), np.quantile(m, 0.95)
            print(
                f"{zone:<13}{N:>4} {method:<10}{mean:>8.3f}{p95:>8.3f}"
                f"{mean / base_mean:>10.2f}{p95 / base_p95:>9.2f}"
                f"{1000 * secs / args.draws:>9.2f}"
            )
        print()


if __name__ == "__main__":
    main()
