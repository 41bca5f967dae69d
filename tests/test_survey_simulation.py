"""Seeded simulations with known truth: coverage of intervals and bias after weighting.

Small finite populations are generated once; samples are drawn repeatedly with
``numpy.random.default_rng`` and the estimates compared with the population values.
Bounds are wide enough for the Monte Carlo error of a few hundred draws (the standard
error of a 95% coverage over 400 draws is about 1.1 points).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from toolkit.survey import Design


def _stratified_population(rng: np.random.Generator) -> pd.DataFrame:
    sizes = {"a": 200, "b": 150, "c": 100}
    frames = []
    for k, (s, size) in enumerate(sizes.items()):
        frames.append(
            pd.DataFrame(
                {
                    "stratum": s,
                    "y": rng.gamma(2.0 + k, 10.0, size),
                    "b": rng.random(size) < 0.2 + 0.25 * k,
                    "N": size,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _stratified_sample(
    pop: pd.DataFrame, rng: np.random.Generator, frac: float = 0.3
) -> pd.DataFrame:
    codes = pop["stratum"].to_numpy()
    idx = np.concatenate(
        [
            rng.choice(
                np.flatnonzero(codes == s), size=round(frac * (codes == s).sum()), replace=False
            )
            for s in np.unique(codes)
        ]
    )
    return pop.iloc[np.sort(idx)]


def test_coverage_of_stratified_srs_with_fpc():
    rng = np.random.default_rng(20240501)
    pop = _stratified_population(rng)
    true_mean, true_prop = pop["y"].mean(), pop["b"].mean()
    hits_mean = hits_prop = hits_t = 0
    estimates, variances = [], []
    draws = 400
    for _ in range(draws):
        d = Design(_stratified_sample(pop, rng), strata="stratum", fpc="N")
        m = d.mean("y", ci="t").iloc[0]
        hits_t += m["ci_low"] <= true_mean <= m["ci_high"]
        m = d.mean("y").iloc[0]
        hits_mean += m["ci_low"] <= true_mean <= m["ci_high"]
        estimates.append(m["estimate"])
        variances.append(m["se"] ** 2)
        p = d.proportion("b", method="logit").loc[("b", True)]
        hits_prop += p["ci_low"] <= true_prop <= p["ci_high"]
    assert 0.92 <= hits_mean / draws <= 0.98
    assert 0.92 <= hits_t / draws <= 0.985
    assert 0.92 <= hits_prop / draws <= 0.98
    # the linearised variance (with fpc) estimates the sampling variance
    assert np.mean(estimates) == pytest.approx(true_mean, rel=0.01)
    assert np.mean(variances) / np.var(estimates) == pytest.approx(1.0, abs=0.2)


def test_coverage_of_cluster_sample_and_jackknife():
    rng = np.random.default_rng(77)
    n_clusters = 120
    sizes = rng.integers(3, 12, n_clusters)
    effect = rng.normal(0, 3, n_clusters)
    pop = pd.DataFrame(
        {
            "cluster": np.repeat(np.arange(n_clusters), sizes),
            "y": np.repeat(effect, sizes) + rng.normal(50, 4, sizes.sum()),
        }
    )
    pop["Nc"] = n_clusters
    truth = pop["y"].sum()
    hits = hits_jk = 0
    draws = 250
    for _ in range(draws):
        chosen = rng.choice(n_clusters, size=30, replace=False)
        sample = pop[pop["cluster"].isin(chosen)].assign(w=n_clusters / 30)
        d = Design(sample, weights="w", ids="cluster", fpc="Nc")
        t = d.total("y", ci="t").iloc[0]
        hits += t["ci_low"] <= truth <= t["ci_high"]
        j = d.jackknife().total("y", ci="t").iloc[0]
        hits_jk += j["ci_low"] <= truth <= j["ci_high"]
    assert 0.92 <= hits / draws <= 0.985
    assert 0.92 <= hits_jk / draws <= 0.985


def _frame_with_nonresponse(rng: np.random.Generator) -> pd.DataFrame:
    n = 2000
    zone = rng.integers(0, 4, n)
    size = rng.integers(0, 3, n)
    # outcome depends on zone and size; response is multiplicative in zone and size,
    # so it is ignorable given the raking margins
    y = 20 + 8 * zone + 15 * size + rng.normal(0, 5, n)
    p = np.array([0.25, 0.45, 0.65, 0.85])[zone] * np.array([0.5, 0.8, 1.0])[size]
    return pd.DataFrame({"zone": zone, "size": size, "y": y, "p": p})


def test_weighting_removes_nonresponse_bias():
    rng = np.random.default_rng(5)
    frame = _frame_with_nonresponse(rng)
    truth = frame["y"].mean()
    zone_counts = frame["zone"].value_counts().to_dict()
    size_counts = frame["size"].value_counts().to_dict()
    cells = frame.groupby(["zone", "size"]).size().to_dict()
    naive, raked, post, cal, hits = [], [], [], [], 0
    draws = 200
    for _ in range(draws):
        resp = frame[rng.random(len(frame)) < frame["p"]].assign(w=1.0)
        d = Design(resp, weights="w")
        naive.append(d.mean("y")["estimate"].iloc[0])
        r = d.rake({"zone": zone_counts, "size": size_counts})
        est = r.mean("y").iloc[0]
        raked.append(est["estimate"])
        hits += est["ci_low"] <= truth <= est["ci_high"]
        post.append(d.poststratify(["zone", "size"], cells).mean("y")["estimate"].iloc[0])
        cal.append(
            d.calibrate(margins={"zone": zone_counts, "size": size_counts})
            .mean("y")["estimate"]
            .iloc[0]
        )
    bias_naive = abs(np.mean(naive) - truth)
    assert bias_naive > 2.0  # respondents are a biased picture
    for adjusted in (raked, post, cal):
        assert abs(np.mean(adjusted) - truth) < 0.1 * bias_naive
    # the whole frame is the population here, so the design-based interval (which treats
    # the respondents as a sample from an infinite population) is conservative
    assert hits / draws >= 0.93


def test_calibration_variance_matches_simulation():
    rng = np.random.default_rng(99)
    n_pop = 5000
    x = rng.gamma(4.0, 5.0, n_pop)
    y = 3.0 + 2.0 * x + rng.normal(0, 4, n_pop)
    pop = pd.DataFrame({"x": x, "y": y})
    total_x = x.sum()
    estimates, variances, hits = [], [], 0
    draws = 300
    n = 150
    for _ in range(draws):
        s = pop.iloc[rng.choice(n_pop, n, replace=False)].assign(w=n_pop / n, N=n_pop)
        d = Design(s, weights="w", fpc="N").calibrate(totals={"x": total_x}, population_size=n_pop)
        est = d.mean("y").iloc[0]
        estimates.append(est["estimate"])
        variances.append(est["se"] ** 2)
        hits += est["ci_low"] <= y.mean() <= est["ci_high"]
    assert np.mean(estimates) == pytest.approx(y.mean(), rel=0.003)
    # GREG residual variance: close to the simulation variance (slightly low in small samples)
    assert np.mean(variances) / np.var(estimates) == pytest.approx(1.0, abs=0.2)
    assert 0.91 <= hits / draws <= 0.98
