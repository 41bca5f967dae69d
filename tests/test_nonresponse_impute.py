"""Tests of toolkit.nonresponse: Rubin's rules (against mitools), MICE, design-based pooling."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from toolkit.errors import InputError
from toolkit.nonresponse import analyse, mice, rubin

# ------------------------------------------------------------------------ Rubin's rules

# R (mitools 2.4):
# est <- list(c(a=0.412, b=12.3, c=-1.05), c(a=0.398, b=11.7, c=-0.98),
#             c(a=0.441, b=12.9, c=-1.11), c(a=0.405, b=12.1, c=-1.02),
#             c(a=0.427, b=13.4, c=-0.99))
# se <- list(c(0.051, 1.9, 0.21), c(0.049, 2.1, 0.20), c(0.052, 1.8, 0.22),
#            c(0.050, 2.0, 0.21), c(0.053, 2.2, 0.19))
# vars <- lapply(se, function(s) diag(s^2))
EST = pd.DataFrame(
    [
        [0.412, 12.3, -1.05],
        [0.398, 11.7, -0.98],
        [0.441, 12.9, -1.11],
        [0.405, 12.1, -1.02],
        [0.427, 13.4, -0.99],
    ],
    columns=["a", "b", "c"],
)
SE = np.array(
    [
        [0.051, 1.9, 0.21],
        [0.049, 2.1, 0.20],
        [0.052, 1.8, 0.22],
        [0.050, 2.0, 0.21],
        [0.053, 2.2, 0.19],
    ]
)


def test_rubin_matches_micombine():
    # r1 <- MIcombine(est, vars); r1$coefficients; diag(r1$variance); r1$df; r1$missinfo
    # summary(r1)   # lower/upper use qt(0.975, df)
    res = rubin(EST, SE**2)
    assert res.index.tolist() == ["a", "b", "c"]
    assert_allclose(res["estimate"], [0.4166, 12.48, -1.03], rtol=1e-12)
    assert_allclose(res["variance"], [0.00296456, 4.5624, 0.04584], rtol=1e-6)
    assert_allclose(
        res["se"], [0.0544477731408733, 2.1359775279716779, 0.2141027790571622], rtol=1e-6
    )
    assert_allclose(res["df"], [268.917908495033, 283.013626752290, 771.829421487601], rtol=1e-6)
    assert_allclose(
        res["fmi"], [0.1284188831136990, 0.1250461486842555, 0.0743849217570714], rtol=1e-6
    )
    assert_allclose(
        res["ci_low"], [0.309401879917155, 8.275581314470458, -1.450292811275814], rtol=1e-6
    )
    assert_allclose(
        res["ci_high"], [0.523798120082845, 16.684418685529543, -0.609707188724186], rtol=1e-6
    )
    assert (res["m"] == 5).all()


def test_rubin_barnard_rubin_df():
    # Barnard & Rubin (1999) as published, in R:
    # m <- 5; Q <- do.call(rbind, est); U <- do.call(rbind, lapply(se, function(s) s^2))
    # W <- colMeans(U); B <- apply(Q, 2, var); Tv <- W + (1 + 1/m) * B
    # lam <- (1 + 1/m) * B / Tv; nu_m <- (m - 1) / lam^2; dfc <- 40
    # nu_obs <- (dfc + 1) / (dfc + 3) * dfc * (1 - lam); nu <- 1 / (1/nu_m + 1/nu_obs)
    # r <- (1 + 1/m) * B / W; (r + 2/(nu + 3)) / (r + 1)
    res = rubin(EST, SE**2, df_complete=40)
    assert_allclose(res["df"], [29.7795929394262, 30.0385198095613, 33.8419909156566], rtol=1e-6)
    assert_allclose(
        res["fmi"], [0.175533071900262, 0.172223458383786, 0.122367396448443], rtol=1e-6
    )
    # mitools uses W / (W + B) for 1 - gamma:
    # r2 <- MIcombine(est, vars, df.complete=40); r2$df; r2$missinfo; summary(r2)
    mit = rubin(EST, SE**2, df_complete=40, mitools_df=True)
    assert_allclose(mit["df"], [30.3277930665781, 30.5801274780817, 34.2347377757957], rtol=1e-6)
    assert_allclose(
        mit["fmi"], [0.174651875044209, 0.171363168982096, 0.121836017673595], rtol=1e-6
    )
    assert_allclose(
        mit["ci_low"], [0.305453189016584, 8.121219510850967, -1.464999332335715], rtol=1e-6
    )


def test_rubin_scalar_matches_micombine():
    # r3 <- MIcombine(list(0.52, 0.47, 0.55), list(0.0021, 0.0019, 0.0023))
    # c(r3$coefficients, r3$variance, r3$df, r3$missinfo); summary(r3)
    res = rubin([0.52, 0.47, 0.55], [0.0021, 0.0019, 0.0023])
    row = res.iloc[0]
    assert row["estimate"] == pytest.approx(0.51333333333333331, rel=1e-12)
    assert row["variance"] == pytest.approx(0.00427777777777778, rel=1e-6)
    assert row["df"] == pytest.approx(7.71683673469386466, rel=1e-6)
    assert row["fmi"] == pytest.approx(0.60070545973902367, rel=1e-6)
    assert row["ci_low"] == pytest.approx(0.361540991020245, rel=1e-6)
    assert row["ci_high"] == pytest.approx(0.665125675646422, rel=1e-6)


def test_rubin_inputs_and_edge_cases():
    # identical imputations: no between variance, infinite df, no missing information
    res = rubin([0.5, 0.5], [0.01, 0.01])
    assert res["between"].iloc[0] == 0 and np.isinf(res["df"].iloc[0])
    assert res["fmi"].iloc[0] == 0 and res["se"].iloc[0] == pytest.approx(0.1)
    assert res["ci_low"].iloc[0] == pytest.approx(0.5 - 1.959963984540054 * 0.1)
    # covariance matrices: the diagonal is used
    covs = np.stack([np.diag(s**2) for s in SE])
    assert_allclose(rubin(EST.to_numpy(), covs)["se"], rubin(EST, SE**2)["se"])
    # list of Series
    ser = [pd.Series(r, index=["a", "b", "c"]) for r in EST.to_numpy()]
    vser = [pd.Series(s**2, index=["a", "b", "c"]) for s in SE]
    assert rubin(ser, vser).index.tolist() == ["a", "b", "c"]
    with pytest.raises(InputError, match="at least 2"):
        rubin([0.5], [0.01])
    with pytest.raises(InputError, match="shape"):
        rubin(EST, SE[:, :2] ** 2)
    with pytest.raises(InputError, match="non-negative"):
        rubin([0.5, 0.4], [0.01, -0.01])


# ------------------------------------------------------------------------------ MICE


def _mar_data(n: int = 200, seed: int = 11) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    zone = rng.choice(["africa", "europe", "mena"], n)
    size = rng.normal(0, 1, n) + (zone == "europe")
    runs = (rng.random(n) < 1 / (1 + np.exp(-(0.3 + 1.5 * size)))).astype(int)
    staff = np.round(np.exp(1.5 + 0.6 * size + rng.normal(0, 0.3, n))).astype(int)
    coop = np.where(rng.random(n) < 0.3 + 0.4 * runs, "yes", "no")
    full = pd.DataFrame(
        {
            "ns_iso3": [f"S{i:03d}" for i in range(n)],
            "zone": zone,
            "size": size,
            "runs": pd.array(runs, dtype="Int8"),
            "staff": pd.array(staff, dtype="Int64"),
            "coop_any": coop,
        }
    )
    obs = full.copy()
    # missing at random: large Societies skip 'runs' more often
    miss_runs = rng.random(n) < np.where(size > 0.5, 0.6, 0.1)
    obs.loc[miss_runs, "runs"] = pd.NA
    obs.loc[rng.random(n) < 0.2, "staff"] = pd.NA
    obs.loc[rng.random(n) < 0.15, "coop_any"] = None
    return full, obs


def test_mice_fills_only_missing_values_and_keeps_dtypes():
    _, obs = _mar_data()
    imps = mice(obs, ["runs", "staff", "coop_any"], m=4, seed=5, predictors=["zone", "size"])
    assert len(imps) == 4
    for k, d in enumerate(imps):
        assert d.attrs["imputation"] == k + 1
        assert d.index.equals(obs.index)
        assert d[["runs", "staff", "coop_any"]].notna().all().all()
        assert d.dtypes.equals(obs.dtypes)
        for c in ("runs", "staff", "coop_any"):
            seen = obs[c].notna()
            assert d.loc[seen, c].equals(obs.loc[seen, c])
            # predictive mean matching imputes observed values
            assert set(d.loc[~seen, c]) <= set(obs.loc[seen, c])
        assert d["ns_iso3"].equals(obs["ns_iso3"])
    assert not imps[0]["runs"].equals(imps[1]["runs"])  # imputations differ
    again = mice(obs, ["runs", "staff", "coop_any"], m=4, seed=5, predictors=["zone", "size"])
    assert all(a.equals(b) for a, b in zip(imps, again))


def test_mice_corrects_mar_bias_of_complete_cases():
    full, obs = _mar_data(n=400, seed=2)
    truth = full["runs"].astype(float).mean()
    cc = obs["runs"].dropna().astype(float).mean()
    imps = mice(obs, ["runs", "staff"], m=10, seed=1, predictors=["zone", "size"])
    est = np.array([d["runs"].astype(float).mean() for d in imps])
    var = np.array([d["runs"].astype(float).var(ddof=1) / len(d) for d in imps])
    pooled = rubin(est, var).iloc[0]
    assert abs(pooled["estimate"] - truth) < 0.5 * abs(cc - truth)
    assert 0 < pooled["fmi"] < 1


def test_mice_constant_column_and_errors():
    _, obs = _mar_data(n=50)
    obs["same"] = pd.array([1] * 40 + [None] * 10, dtype="Int64")
    imps = mice(obs, ["same", "staff"], m=2, seed=0, predictors=["zone"])
    assert (imps[0]["same"] == 1).all()
    with pytest.raises(InputError, match="no observed value"):
        mice(obs.assign(e=pd.array([None] * 50, dtype="Int64")), ["e"], m=2, seed=0)
    with pytest.raises(InputError, match="two-valued"):
        mice(
            obs.assign(z=obs["zone"].where(obs.index > 3)), ["z"], m=2, seed=0, predictors=["size"]
        )
    with pytest.raises(InputError, match="missing value"):
        mice(obs, ["staff"], m=2, seed=0, predictors=["runs"])
    with pytest.raises(InputError, match="from nothing"):
        mice(obs[["ns_iso3", "staff"]], ["staff"], m=2, seed=0)


# ------------------------------------------------------------------ design-based pooling


def test_analyse_with_design_pools_like_rubin():
    from toolkit.survey import Design

    _, obs = _mar_data(n=120, seed=4)
    obs["N"] = obs["zone"].map({"africa": 300, "europe": 200, "mena": 100})
    imps = mice(obs, ["runs", "staff"], m=5, seed=3, predictors=["zone", "size"])
    kw = {"strata": "zone", "fpc": "N"}
    pooled = analyse(imps, kw, "mean", var=["runs", "staff"], by="zone")
    manual = [Design(d, **kw).mean(["runs", "staff"], by="zone") for d in imps]
    est = np.vstack([r["estimate"].to_numpy() for r in manual])
    var = np.vstack([r["se"].to_numpy() ** 2 for r in manual])
    ref = rubin(est, var)
    assert pooled.index.equals(manual[0].index)
    assert_allclose(pooled["estimate"], ref["estimate"])
    assert_allclose(pooled["se"], ref["se"])
    assert (pooled["n"].to_numpy() == manual[0]["n"].to_numpy()).all()
    # a callable estimator and Barnard-Rubin df from the design's degrees of freedom
    d0 = Design(imps[0], **kw)
    br = analyse(imps, kw, lambda d: d.mean("runs"), df_complete=d0.degf)
    assert np.isfinite(br["df"].iloc[0]) and br["df"].iloc[0] <= d0.degf
    with pytest.raises(InputError, match="at least 2"):
        analyse(imps[:1], kw, "mean", var="runs")
    with pytest.raises(InputError, match="no estimator"):
        analyse(imps, kw, "median", var="runs")
