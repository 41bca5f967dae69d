"""Change between mapping rounds (toolkit.mapping.activity_change, activity_transitions).

Reference values: R ``survey`` 4.1.1 for each round's shares and standard errors and for
the paired difference when the same Societies answer both rounds (``svycontrast``); R
has no estimator for two partially overlapping samples, so the covariance from the
overlap (Tam 1984) is pinned to an independent base-R computation and
checked against the exact design by Monte Carlo.  Simulations with known truth are in
``benchmarks/sim_rounds.py``; a small version runs here.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from toolkit.errors import InputError
from toolkit.mapping import (
    TRANSITION_STATUSES,
    activity_change,
    activity_transitions,
    round_classes,
)
from toolkit.mapping._change import _change_arrays
from toolkit.survey import Design
from toolkit.synth import simulate_rounds

ROOT = Path(__file__).resolve().parents[1]


def _two_rounds() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """48 Societies, zones a/b x income lo/hi (4 classes of 12), two rounds answered by
    partly the same Societies.  Arithmetic only, so the R code below reproduces it."""
    i = np.arange(48)
    frame = pd.DataFrame(
        {
            "iso3": [f"U{k:02d}" for k in i],
            "zone": np.array(["a", "b"])[i % 2],
            "inc": np.where((i * 5) % 8 < 4, "lo", "hi"),
        }
    )
    r1 = (i * 7) % 10 < 6
    r0 = ((i * 7) % 10 < 3) | ((i * 3) % 7 == 0) | ((i * 7) % 10 == 8)
    y0a = ((i * 5) % 9 < 4).astype(int)
    y1a = y0a ^ (i % 6 == 0).astype(int)
    y0b = ((i * 11) % 7 < 3).astype(int)
    y1b = ((i * 11) % 7 < 4).astype(int)
    d = frame.assign(r0=r0.astype(int), r1=r1.astype(int), y0a=y0a, y1a=y1a, y0b=y0b, y1b=y1b)

    def table(r: np.ndarray, ya: np.ndarray, yb: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(
            {"ns_iso3": frame["iso3"][r], "activities__a": ya[r], "activities__b": yb[r]}
        ).reset_index(drop=True)

    return frame, table(r0, y0a, y0b), table(r1, y1a, y1b), d


# R (survey 4.1.1), d the 48 rows of _two_rounds() (d$cls <- paste(d$zone, d$inc, sep=" / ")):
# N <- table(d$cls)
# rnd <- function(r) { s <- d[d[[r]] == 1, ]; s$N <- as.numeric(N[s$cls])
#                      s$w <- s$N / as.numeric(table(s$cls)[s$cls]); s }
# s0 <- rnd("r0"); s1 <- rnd("r1")
# d0 <- svydesign(ids=~1, strata=~cls, fpc=~N, weights=~w, data=s0)
# d1 <- svydesign(ids=~1, strata=~cls, fpc=~N, weights=~w, data=s1)
# svymean(~y0a+y0b, d0); svyby(~y0a+y0b, ~zone, d0, svymean)   # and the same for d1
R_PREVIOUS = {  # (a, b) for domains a, b, all
    "share": [
        [0.472222222222222, 0.520833333333333],
        [0.25, 0.5],
        [0.361111111111111, 0.510416666666667],
    ],
    "se": [
        [0.0700371531536619, 0.0672777056872459],
        [0.1443375672974064, 0.1443375672974064],
        [0.0802161706814823, 0.0796235251289985],
    ],
}
R_CURRENT = {
    "share": [
        [0.410714285714286, 0.598214285714286],
        [0.428571428571429, 0.428571428571429],
        [0.419642857142857, 0.513392857142857],
    ],
    "se": [
        [0.0805223170146945, 0.0839159058325696],
        [0.0882880772273293, 0.0922138891954147],
        [0.0597466068448950, 0.0623403573382542],
    ],
}
# The covariance from the Societies answering both rounds (Tam 1984), in base R (same d, s0, d0, d1):
# kish <- function(v0, v1, dom) {
#   w0 <- ifelse(d$r0 == 1, as.numeric(N[d$cls]) / as.numeric(table(d$cls[d$r0 == 1])[d$cls]), 0)
#   w1 <- ifelse(d$r1 == 1, as.numeric(N[d$cls]) / as.numeric(table(d$cls[d$r1 == 1])[d$cls]), 0)
#   p0 <- sum(w0 * dom * d[[v0]]) / sum(w0 * dom); p1 <- sum(w1 * dom * d[[v1]]) / sum(w1 * dom)
#   u0 <- dom * (d[[v0]] - p0) / sum(w0 * dom); u1 <- dom * (d[[v1]] - p1) / sum(w1 * dom)
#   C <- 0
#   for (h in names(N)) {
#     b <- d$cls == h & d$r0 == 1 & d$r1 == 1; m <- sum(b)
#     n0 <- sum(d$cls == h & d$r0 == 1); n1 <- sum(d$cls == h & d$r1 == 1)
#     C <- C + N[[h]]^2 * (m / (n0 * n1) - 1 / N[[h]]) * cov(u0[b], u1[b])
#   }
#   C }
# for (z in c("a", "b", "all")) {
#   dom <- if (z == "all") rep(1, nrow(d)) else as.numeric(d$zone == z)
#   ca <- kish("y0a", "y1a", dom); cb <- kish("y0b", "y1b", dom)
#   sub0 <- if (z == "all") d0 else subset(d0, zone == z); sub1 <- ... d1 ...
#   m0 <- svymean(~y0a+y0b, sub0); m1 <- svymean(~y1a+y1b, sub1)
#   sqrt(c(SE(m0)[1]^2 + SE(m1)[1]^2 - 2 * ca, SE(m0)[2]^2 + SE(m1)[2]^2 - 2 * cb)) }
R_CHANGE = {
    "change": [
        [-0.0615079365079365, 0.0773809523809524],
        [0.178571428571429, -0.0714285714285715],
        [0.058531746031746, 0.00297619047619047],
    ],
    "cov": [
        [0.000310019841269841, 0.000682043650793651],
        [0.00223214285714286, 0.0037202380952381],
        [0.000635540674603175, 0.00110057043650794],
    ],
    "se": [
        [0.103773824622324, 0.101015254455221],
        [0.155447200680959, 0.147973843984001],
        [0.0934516437473029, 0.0895828389481691],
    ],
}
# Same Societies in both rounds (those of round 1): the paired difference in R
# des <- svydesign(ids=~1, strata=~cls, fpc=~N, weights=~w, data=s1)
# svycontrast(svymean(~y1a+y0a, des), c(1, -1))          # -0.0625, SE 0.0551198189805123
# by <- svyby(~y1a+y0a, ~zone, des, svymean, covmat=TRUE)
# svycontrast(by, list(a=c(1, 0, -1, 0), b=c(0, 1, 0, -1)))  # -0.125 0; SE 0.110239637961025 0
# (and ~y1b+y0b: 0.107142857142857, SE 0.0376461626210522;
#  by zone 0.142857142857143 0.0714285714285715, SE 0.0595238095238095 0.0461069445977074)
R_PAIRED = {
    "change": [
        [-0.125, 0.142857142857143],
        [0.0, 0.0714285714285715],
        [-0.0625, 0.107142857142857],
    ],
    "se": [
        [0.110239637961025, 0.0595238095238095],
        [0.0, 0.0461069445977074],
        [0.0551198189805123, 0.0376461626210522],
    ],
}


def _change(frame, previous, current, **kw):
    kw = {"codes": ["a", "b"], "classes": ("zone", "inc"), "min_respondents": 2} | kw
    return activity_change(frame, previous, current, **kw)


def _grid(out: pd.DataFrame, column: str) -> np.ndarray:
    return out.set_index(["zone", "code"])[column].unstack().loc[["a", "b", "all"]].to_numpy()


def test_each_rounds_shares_match_r_survey():
    frame, previous, current, _ = _two_rounds()
    out = _change(frame, previous, current)
    assert_allclose(_grid(out, "share_previous"), R_PREVIOUS["share"], rtol=1e-12)
    assert_allclose(_grid(out, "se_previous"), R_PREVIOUS["se"], rtol=1e-10)
    assert_allclose(_grid(out, "share_current"), R_CURRENT["share"], rtol=1e-12)
    assert_allclose(_grid(out, "se_current"), R_CURRENT["se"], rtol=1e-10)


def test_change_and_overlap_covariance_match_r():
    frame, previous, current, _ = _two_rounds()
    out = _change(frame, previous, current)
    assert_allclose(_grid(out, "change"), R_CHANGE["change"], rtol=1e-12, atol=1e-15)
    assert_allclose(_grid(out, "covariance"), R_CHANGE["cov"], rtol=1e-10)
    assert_allclose(_grid(out, "se"), R_CHANGE["se"], rtol=1e-10)
    half = 1.959963984540054 * out["se"].to_numpy()[:, None]
    ci = out["change"].to_numpy()[:, None] + half * np.array([-1, 1])
    assert_allclose(out[["ci_low", "ci_high"]].to_numpy(), ci, rtol=1e-9)
    assert _grid(out, "n_both").tolist() == [[11, 11], [6, 6], [17, 17]]
    assert _grid(out, "n_frame")[2].tolist() == [48, 48]


def test_same_societies_match_r_paired_difference():
    frame, _, current, d = _two_rounds()
    keep = d["r1"].to_numpy() == 1
    previous = pd.DataFrame(
        {
            "ns_iso3": frame["iso3"][keep],
            "activities__a": d["y0a"][keep],
            "activities__b": d["y0b"][keep],
        }
    )
    out = _change(frame, previous, current)
    assert_allclose(_grid(out, "change"), R_PAIRED["change"], atol=1e-14)
    assert_allclose(_grid(out, "se"), R_PAIRED["se"], rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("scenario", ["stable", "many_ending"])
def test_same_societies_equal_weights_is_the_paired_difference_design(scenario):
    """Exact identity: same respondents, same classes (equal weights) in both rounds."""
    rounds = simulate_rounds(seed=7, scenario=scenario)
    codes = list(rounds.codes)
    truth = rounds.truth
    answered = truth["responded"].to_numpy()
    current = rounds.current
    previous = pd.DataFrame(
        {"ns_iso3": truth["iso3"][answered]}
        | {f"activities__{a}": truth[f"previous__{a}"][answered] for a in codes}
    )
    out = activity_change(rounds.frame, previous, current, codes=codes)
    labels = round_classes(rounds.frame, [answered, answered])
    resp = truth[answered].assign(nr_class=labels[answered])
    resp["N"] = resp["nr_class"].map(labels.value_counts()).astype(float)
    resp["w"] = resp["N"] / resp["nr_class"].map(resp["nr_class"].value_counts())
    for a in codes:  # the truth's flags are 0 where the responses table skips the question
        resp[f"d__{a}"] = resp[f"activities__{a}"] - resp[f"previous__{a}"]
    des = Design(resp, strata="nr_class", fpc="N", weights="w")
    cols = [f"d__{a}" for a in codes]
    ref = pd.concat([des.mean(cols, by="zone"), pd.concat({"all": des.mean(cols)}, names=["zone"])])
    ref = ref.rename(index=lambda v: str(v).removeprefix("d__"), level="variable")
    got = out.set_index(["zone", "code"])
    ref = ref.reindex(got.index)
    assert_allclose(got["change"], ref["estimate"], rtol=1e-12, atol=1e-15)
    assert_allclose(got["se"], ref["se"], rtol=1e-10, atol=1e-15)


def test_overlap_covariance_is_unbiased_under_the_exchangeable_design():
    """Monte Carlo over the exact design: within each class, fixed n0, n1 and overlap m,
    respondents exchangeable.  The mean estimated variance of the change equals its
    true variance; ignoring the covariance (or using the overlap's own SRS covariance)
    does not."""
    rng = np.random.default_rng(20260511)
    sizes, n0s, n1s, ms = [20, 16, 24], [10, 8, 12], [12, 6, 14], [8, 4, 9]
    h = np.repeat(np.arange(3), sizes)
    N = len(h)
    y0 = (rng.random(N) < 0.3 + 0.15 * h).astype(float)
    flip = rng.random(N) < 0.15
    y1 = np.where(flip, 1 - y0, y0)[:, None]
    y0 = y0[:, None]
    dom = np.ones((N, 1))
    starts = np.r_[0, np.cumsum(sizes)[:-1]]
    est, var, ind = [], [], []
    for _ in range(3000):
        r0 = np.zeros(N, bool)
        r1 = np.zeros(N, bool)
        for s, size, n0, n1, m in zip(starts, sizes, n0s, n1s, ms):
            p = s + rng.permutation(size)
            r0[p[:n0]] = True
            r1[p[:m]] = True
            r1[p[n0 : n0 + n1 - m]] = True
        a = _change_arrays(
            h, dom, r0, np.where(r0[:, None], y0, np.nan), r1, np.where(r1[:, None], y1, np.nan)
        )
        est.append((a["p1"] - a["p0"])[0, 0])
        var.append((a["v0"] + a["v1"] - 2 * a["cov"])[0, 0])
        ind.append((a["v0"] + a["v1"])[0, 0])
    true_var = np.var(est, ddof=1)
    assert np.mean(est) == pytest.approx((y1 - y0).mean(), abs=1e-3)  # unbiased
    assert np.mean(var) / true_var == pytest.approx(1.0, abs=0.07)
    assert np.mean(ind) / true_var > 1.3  # the covariance matters here


def test_simulation_coverage_of_the_change_interval():
    """A fast version (60 replications) of benchmarks/sim_rounds.py (500): response
    missing at random within classes, so intervals should cover 95%; the interval that
    ignores the covariance between rounds is too wide."""
    spec = importlib.util.spec_from_file_location(
        "sim_rounds", ROOT / "benchmarks" / "sim_rounds.py"
    )
    sim = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sim)
    s, per = sim.simulate(
        60, 2026, scenario="stable", response="classes", stacked=False, carry=False
    )
    assert s["failures"] == 0 and s["replications"] == 60
    assert abs(s["change_mean_bias"]) < 0.005
    assert s["change_all_mean_abs_bias"] < 0.01
    # 60 replications x 19 activities x 6 domains: bands wide for Monte Carlo error,
    # narrow enough that a wrong variance fails (independent rounds: se_ratio ~1.3)
    assert 0.91 <= s["coverage"] <= 0.97
    assert 0.90 <= s["se_ratio"] <= 1.10
    assert s["se_ratio_independent"] > 1.15
    assert len(per) == 6 * 19


def test_transitions_say_new_continued_ended_or_not_known():
    frame, previous, current, d = _two_rounds()
    t = activity_transitions(frame, previous, current, codes=["a", "b"])
    assert len(t) == 48 * 2
    assert list(t["status"].cat.categories) == list(TRANSITION_STATUSES)
    row = t.set_index(["iso3", "code"])
    for k in range(48):
        r0, r1 = d.at[k, "r0"], d.at[k, "r1"]
        for c in ("a", "b"):
            got = row.loc[(f"U{k:02d}", c)]
            if not (r0 and r1):
                assert got["status"] == "not known"
                assert (
                    got["answered"]
                    == {
                        (1, 0): "previous only",
                        (0, 1): "current only",
                        (0, 0): "neither",
                    }[(r0, r1)]
                )
                continue
            pair = (d.at[k, f"y0{c}"], d.at[k, f"y1{c}"])
            expect = {(0, 1): "new", (1, 1): "continued", (1, 0): "ended", (0, 0): "not run"}
            assert got["status"] == expect[pair] and got["answered"] == "both"
            assert (got["previous"], got["current"]) == pair


def test_transitions_recover_the_synthetic_truth():
    rounds = simulate_rounds(seed=11, scenario="many_ending")
    t = activity_transitions(rounds.frame, rounds.previous, rounds.current, codes=rounds.codes)
    truth = rounds.truth.set_index("iso3")
    both = t["answered"] == "both"
    true = [
        truth.at[i, f"transition__{c}"] for i, c in zip(t.loc[both, "iso3"], t.loc[both, "code"])
    ]
    assert (t.loc[both, "status"].astype(str).to_numpy() == np.array(true, dtype=str)).all()
    assert (t.loc[~both, "status"] == "not known").all()


def test_round_classes_have_enough_respondents_in_every_round(frame):
    rng = np.random.default_rng(3)
    r0 = rng.random(len(frame)) < 0.45
    r1 = rng.random(len(frame)) < 0.55
    labels = round_classes(frame, [r0, r1], min_respondents=5)
    for r in (r0, r1):
        counts = pd.Series(r).groupby(labels.to_numpy()).sum()
        assert counts.min() >= 5 or counts.idxmin().startswith("mena")  # a whole zone may be thin
    # classes nest within zones, and every frame row has one
    zone = labels.str.split(" / ").str[0]
    assert (zone == frame["zone"].astype(str)).all()
    assert labels.notna().all()
    # a single round gives collapse_classes' classes
    from toolkit.nonresponse import collapse_classes

    one = round_classes(frame, [r1], min_respondents=5)
    pd.testing.assert_series_equal(
        one, collapse_classes(frame, r1, ["zone", "income_group"], min_respondents=5)
    )


def test_change_with_identical_rounds_is_zero():
    frame, _, current, _ = _two_rounds()
    out = _change(frame, current, current)
    assert_allclose(out["change"], 0.0, atol=1e-15)
    assert_allclose(out["se"], 0.0, atol=1e-12)


def test_bad_input_is_named():
    frame, previous, current, _ = _two_rounds()
    with pytest.raises(InputError, match="more than one row"):
        _change(frame, pd.concat([previous, previous.head(1)]), current)
    with pytest.raises(InputError, match="not in the frame"):
        _change(
            frame,
            previous,
            current.assign(ns_iso3=current["ns_iso3"].replace(current.at[0, "ns_iso3"], "XXX")),
        )
    with pytest.raises(InputError, match="level"):
        _change(frame, previous, current, level=95)


def test_default_instrument_gives_labels_and_item_nonresponse_stays_unknown():
    rounds = simulate_rounds(seed=5)
    current = rounds.current.copy()
    current.loc[0, "activities__rfl"] = pd.NA  # left unanswered
    out = activity_change(rounds.frame, rounds.previous, current)
    assert len(out) == 6 * 19
    assert out.loc[out["code"] == "rfl", "label"].iloc[0] == "Restoring family links"
    row = out[(out["zone"] == "all") & (out["code"] == "rfl")].iloc[0]
    assert row["n_current"] == len(current) - 1
    t = activity_transitions(rounds.frame, rounds.previous, current)
    first = t[(t["iso3"] == current.at[0, "ns_iso3"]) & (t["code"] == "rfl")].iloc[0]
    assert first["status"] == "not known"
