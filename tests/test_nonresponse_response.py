"""Tests of toolkit.nonresponse: dispositions, AAPOR rates, bias diagnostics, adjusted designs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from toolkit.errors import InputError, WeightingError
from toolkit.nonresponse import (
    DISPOSITION_CODES,
    RATE_COLUMNS,
    collapse_classes,
    dispositions,
    nonresponse_bias,
    nonresponse_design,
    response_rates,
    standardised_differences,
)

# --------------------------------------------------------------------------- fixtures


def _frame(n: int = 8) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "iso3": [f"C{i:02d}" for i in range(n)],
            "zone": (["africa", "europe"] * n)[:n],
        }
    )


def _returns() -> pd.DataFrame:
    # Four key items: a, b, c, d (explicit key_items).
    return pd.DataFrame(
        {
            "ns_iso3": ["C00", "C01", "C02", "C03"],
            "a": [1, 1, 1, 1],
            "b": [1, 1, 1, None],
            "c": ["x", "x", None, None],
            "d": ["y", "  ", None, None],  # a blank string is not an answer
        }
    )


# ---------------------------------------------------------------------- dispositions


def test_dispositions_thresholds_and_default_nc():
    disp = dispositions(_frame(), _returns(), key_items=["a", "b", "c", "d"])
    assert list(disp["disposition"].cat.categories) == list(DISPOSITION_CODES)
    # shares: 4/4 -> I, 3/4 = 0.75 -> P, 2/4 = 0.5 -> P (>= partial), 1/4 -> R (break-off)
    assert disp["disposition"].astype(str).tolist() == ["I", "P", "P", "R", "NC", "NC", "NC", "NC"]
    assert_allclose(disp["answered_share"].to_numpy()[:4], [1.0, 0.75, 0.5, 0.25])
    assert disp["answered_share"].isna().sum() == 4
    assert disp["responded"].tolist() == [True, True, True, False] + [False] * 4
    assert disp["disposition_source"].tolist()[:5] == ["return"] * 4 + ["no_return"]
    assert disp.index.equals(_frame().index)
    assert disp["key_items_applicable"].dtype == "Int64"


def test_dispositions_contact_log_and_eligibility():
    log = pd.DataFrame(
        {
            "ns_iso3": ["C04", "C05", "C05", "C06"],
            "outcome": ["refusal", "non_contact", "Other", "ineligible"],
            "date": ["2026-01-01", "2026-01-02", "2026-02-01", "2026-01-05"],
        }
    )
    elig = pd.Series({"C07": None, "C00": True})
    disp = dispositions(
        _frame(), _returns(), key_items=["a", "b", "c", "d"], contact_log=log, eligibility=elig
    )
    codes = disp.set_index("iso3")["disposition"].astype(str)
    assert codes["C04"] == "R"
    assert codes["C05"] == "O"  # last entry by date wins
    assert codes["C06"] == "NE"
    assert codes["C07"] == "UO"  # no return, no log, eligibility unknown
    assert disp.set_index("iso3").loc["C05", "disposition_source"] == "contact_log"


def test_dispositions_ineligible_overrides_return():
    elig = pd.DataFrame({"iso3": ["C00"], "eligible": [False]})
    disp = dispositions(_frame(), _returns(), key_items=["a"], eligibility=elig)
    assert disp["disposition"].astype(str).iloc[0] == "NE"


def test_dispositions_default_key_items_apply_per_activity():
    data = pd.DataFrame(
        {
            "ns_iso3": ["C00", "C01"],
            "activities": ["rfl", "rfl health"],
            "activities__rfl": pd.array([1, 1], dtype="Int8"),
            "activities__health": pd.array([0, 1], dtype="Int8"),
            "rfl_stage": ["origin", "transit"],
            "rfl_reached": pd.array([10, 20], dtype="Int64"),
            "health_stage": [None, None],
            "health_reached": pd.array([None, None], dtype="Int64"),
            "people_reached": pd.array([10, 5], dtype="Int64"),
            "coop_any": ["no", "yes"],
            "coop_partners": [None, None],
        }
    )
    disp = dispositions(_frame(4), data)
    # C00: activities, people_reached, coop_any + rfl_stage, rfl_reached -> 5 of 5
    # C01: 3 base + rfl 2 + health 2 (unanswered) + coop_partners (unanswered) -> 5 of 8
    assert disp["key_items_applicable"].tolist()[:2] == [5, 8]
    assert disp["key_items_answered"].tolist()[:2] == [5, 5]
    assert disp["disposition"].astype(str).tolist()[:2] == ["I", "P"]


def test_dispositions_errors_name_the_problem():
    bad = pd.concat([_returns(), pd.DataFrame({"ns_iso3": ["ZZZ"], "a": [1]})])
    with pytest.raises(InputError, match="ZZZ"):
        dispositions(_frame(), bad, key_items=["a"])
    dup = pd.concat([_returns(), _returns().iloc[:1]])
    with pytest.raises(InputError, match="more than one row"):
        dispositions(_frame(), dup, key_items=["a"])
    with pytest.raises(InputError, match="not a known disposition"):
        dispositions(
            _frame(),
            _returns(),
            key_items=["a"],
            contact_log=pd.DataFrame({"ns_iso3": ["C05"], "outcome": ["maybe"]}),
        )
    with pytest.raises(InputError, match="not in the data"):
        dispositions(
            _frame(),
            _returns(),
            key_items=["a"],
            contact_log=pd.DataFrame({"ns_iso3": ["C05"], "outcome": ["complete"]}),
        )
    with pytest.raises(InputError, match="no column 'zz'"):
        dispositions(_frame(), _returns(), key_items=["zz"])


# ----------------------------------------------------------------------------- rates


def _codes(counts: dict[str, int]) -> pd.Series:
    return pd.Series([k for k, v in counts.items() for _ in range(v)], name="disposition")


def test_aapor_rates_worked_example():
    # I=40 P=10 R=15 NC=20 O=5 UH=6 UO=4 NE=10
    # e = (I+P+R+NC+O)/(I+P+R+NC+O+NE) = 90/100 = 0.9;  U = UH+UO = 10;  eU = 9
    counts = {"I": 40, "P": 10, "R": 15, "NC": 20, "O": 5, "UH": 6, "UO": 4, "NE": 10}
    res = response_rates(_codes(counts))
    row = res.loc["All"]
    expected = {
        "RR1": 40 / 100,  # I / ((I+P)+(R+NC+O)+(UH+UO)) = 40/(50+40+10)
        "RR2": 50 / 100,  # (I+P) / same
        "RR3": 40 / 99,  # I / ((I+P)+(R+NC+O)+e(UH+UO)) = 40/(90+9)
        "RR4": 50 / 99,
        "RR5": 40 / 90,  # I / ((I+P)+(R+NC+O))
        "RR6": 50 / 90,
        "COOP1": 40 / 70,  # I / ((I+P)+R+O) = 40/(50+15+5)
        "COOP2": 50 / 70,
        "COOP3": 40 / 65,  # I / ((I+P)+R)
        "COOP4": 50 / 65,
        "REF1": 15 / 100,  # R / ((I+P)+(R+NC+O)+(UH+UO))
        "REF2": 15 / 99,
        "REF3": 15 / 90,
        "CON1": 70 / 100,  # ((I+P)+R+O) / ((I+P)+R+O+NC+(UH+UO)) = 70/(70+20+10)
        "CON2": 70 / 99,
        "CON3": 70 / 90,
    }
    assert row["e"] == pytest.approx(0.9)
    for k, v in expected.items():
        assert row[k] == pytest.approx(v, rel=1e-12), k
    assert list(res.columns) == [*list(DISPOSITION_CODES), "e", *list(RATE_COLUMNS)]
    assert res[list(DISPOSITION_CODES)].dtypes.eq("int64").all()


def test_aapor_rates_given_e_and_groups():
    a = _codes({"I": 10, "P": 2, "R": 3, "NC": 4, "O": 1, "UH": 0, "UO": 5, "NE": 0})
    b = _codes({"I": 5, "P": 0, "R": 1, "NC": 9, "O": 0, "UH": 0, "UO": 0, "NE": 5})
    df = pd.DataFrame(
        {"disposition": pd.concat([a, b]).to_numpy(), "zone": ["a"] * len(a) + ["b"] * len(b)}
    )
    res = response_rates(df, by="zone", e=0.5)
    # zone a: RR3 = I / (I+P+R+NC+O + e*UO) = 10 / (20 + 2.5)
    assert res.loc["a", "RR3"] == pytest.approx(10 / 22.5)
    # zone b: no unknowns, so RR3 == RR5 = 5/15 and e is irrelevant
    assert res.loc["b", "RR3"] == pytest.approx(5 / 15)
    # overall: I=15, P=2, R=4, NC=13, O=1, UO=5 -> RR1 = 15/40, RR3 = 15/(35+2.5)
    assert res.loc["All", "RR1"] == pytest.approx(15 / 40)
    assert res.loc["All", "RR3"] == pytest.approx(15 / 37.5)
    assert res.index.name == "zone"
    assert res.index.tolist() == ["a", "b", "All"]
    # default e per group: a -> 20/20 = 1, b -> 15/20
    res2 = response_rates(df, by="zone")
    assert res2.loc["a", "e"] == 1.0 and res2.loc["b", "e"] == pytest.approx(0.75)


def test_aapor_rates_weighted():
    # two units weighted 3 (I and NC) and one weighted 1 (R):
    # RR1 = 3 / (3 + 1 + 3) = 3/7, COOP1 = 3 / (3 + 1) = 3/4, CON1 = 4/7
    df = pd.DataFrame({"disposition": ["I", "R", "NC"], "w": [3.0, 1.0, 3.0]})
    res = response_rates(df, weights="w")
    assert res.loc["All", "RR1"] == pytest.approx(3 / 7)
    assert res.loc["All", "COOP1"] == pytest.approx(3 / 4)
    assert res.loc["All", "CON1"] == pytest.approx(4 / 7)
    assert res.loc["All", "I"] == 3.0


def test_rates_reject_unknown_codes():
    with pytest.raises(InputError, match="not AAPOR codes"):
        response_rates(pd.Series(["I", "X"]))


def test_rates_from_dispositions():
    disp = dispositions(_frame(), _returns(), key_items=["a", "b", "c", "d"])
    res = response_rates(disp, by="zone")
    # overall: I=1, P=2, R=1, NC=4: RR2 = 3/8
    assert res.loc["All", "RR2"] == pytest.approx(3 / 8)


# -------------------------------------------------------------------- bias diagnostics

# Data used for the R reference below.
_ZONE = list("aaaaaabbbbbbbccccccc")
_SIZE = [
    1.2,
    0.4,
    2.2,
    3.1,
    0.7,
    1.9,
    2.5,
    0.3,
    1.1,
    2.8,
    0.9,
    1.6,
    2.0,
    0.5,
    1.4,
    2.6,
    3.3,
    0.8,
    1.7,
    2.9,
]
_R = [1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0, 0, 1, 0, 0, 1, 1, 0, 1, 0]


def _bias_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "iso3": [f"U{i}" for i in range(20)],
            "zone": _ZONE,
            "size": _SIZE,
            "r": np.array(_R, dtype=bool),
        }
    )


def test_propensity_model_matches_r_glm():
    # R:
    # d <- data.frame(zone=..., size=..., r=...)   # the 20 rows above
    # f <- glm(r ~ zone + size, family=binomial, data=d,
    #          control=glm.control(epsilon=1e-14, maxit=100))   # converge fully
    # coef(summary(f))
    ref = np.array(
        [
            [-2.900897556414304, 1.590649375167639, -1.823719043116323, 0.0681945583871648],
            [0.340624547216201, 1.413238975827792, 0.241024025690123, 0.8095364955433322],
            [-1.148409148362663, 1.545073078842768, -0.743271735226142, 0.4573171803036160],
            [1.876849654395124, 0.792789367504573, 2.367400133408447, 0.0179135538389172],
        ]
    )
    f = _bias_frame()
    res = nonresponse_bias(f, "r", ["zone", "size"], n_boot=0)
    coef = res.coefficients
    assert coef.index.tolist() == ["const", "zone[T.b]", "zone[T.c]", "size"]
    assert_allclose(coef[["coef", "se", "z", "p_value"]].to_numpy(), ref, rtol=1e-6)
    assert_allclose(coef["odds_ratio"], np.exp(ref[:, 0]), rtol=1e-6)


def test_standardised_differences_and_tests_by_hand():
    f = _bias_frame()
    res = nonresponse_bias(f, "r", ["zone", "size"], n_boot=0)
    d = res.differences
    r = np.array(_R, dtype=bool)
    x = np.array(_SIZE)
    m1, m0 = x[r].mean(), x[~r].mean()
    pooled = np.sqrt((x[r].var(ddof=1) + x[~r].var(ddof=1)) / 2)
    assert d.loc[("size", ""), "smd_nonrespondents"] == pytest.approx((m1 - m0) / pooled)
    assert d.loc[("size", ""), "smd_frame"] == pytest.approx((m1 - x.mean()) / x.std(ddof=1))
    # zone a: respondents 3 of 10, non-respondents 3 of 10 -> p1 = p0 = 0.3
    za = (np.array(_ZONE) == "a").astype(float)
    p1, p0, pf = za[r].mean(), za[~r].mean(), za.mean()
    assert d.loc[("zone", "a"), "respondents"] == pytest.approx(p1)
    expected = (p1 - p0) / np.sqrt((p1 * (1 - p1) + p0 * (1 - p0)) / 2)
    assert d.loc[("zone", "a"), "smd_nonrespondents"] == pytest.approx(expected)
    assert d.loc[("zone", "a"), "smd_frame"] == pytest.approx((p1 - pf) / np.sqrt(pf * (1 - pf)))
    from scipy import stats

    tab = pd.crosstab(f["r"], f["zone"]).to_numpy()
    chi = stats.chi2_contingency(tab, correction=False)
    assert res.tests.loc["zone", "statistic"] == pytest.approx(chi.statistic)
    assert res.tests.loc["zone", "p_value"] == pytest.approx(chi.pvalue)
    welch = stats.ttest_ind(x[r], x[~r], equal_var=False)
    assert res.tests.loc["size", "p_value"] == pytest.approx(welch.pvalue)
    assert res.tests.loc["size", "test"] == "Welch t"


def test_r_indicator_with_class_propensities():
    # With zone as the only covariate, fitted propensities are the zone response rates:
    # a: 3/6, b: 4/7, c: 3/7.  R = 1 - 2 * sd(p) (divisor N - 1), CV = sd / mean.
    f = _bias_frame()
    res = nonresponse_bias(f, "r", ["zone"], n_boot=100, seed=3)
    p = np.array([3 / 6] * 6 + [4 / 7] * 7 + [3 / 7] * 7)
    assert_allclose(res.propensities.to_numpy(), p, rtol=1e-7)
    assert res.r_indicator == pytest.approx(1 - 2 * p.std(ddof=1), rel=1e-7)
    assert res.cv == pytest.approx(p.std(ddof=1) / p.mean(), rel=1e-7)
    # AUC by hand: P(p_resp > p_nonresp) + 0.5 P(tie)
    r = np.array(_R, dtype=bool)
    diff = p[r][:, None] - p[~r][None, :]
    assert res.auc == pytest.approx((diff > 0).mean() + 0.5 * (diff == 0).mean())
    lo, hi = res.r_indicator_ci
    assert lo < hi and 0 < res.r_indicator_se < 0.5
    again = nonresponse_bias(f, "r", ["zone"], n_boot=100, seed=3)
    assert again.r_indicator_se == res.r_indicator_se
    s = res.summary()
    assert s.loc["response_rate", "value"] == pytest.approx(0.5)
    assert s.loc["r_indicator", "value"] == res.r_indicator
    assert s.index.name == "metric"


def test_bias_categorical_missing_is_a_level_and_numeric_missing_errors():
    f = _bias_frame()
    f["band"] = ["x", None] * 10
    res = nonresponse_bias(f, "r", ["band"], n_boot=0)
    assert ("band", "(missing)") in res.differences.index
    f["num"] = [1.0, np.nan] * 10
    with pytest.raises(InputError, match="num"):
        nonresponse_bias(f, "r", ["num"], n_boot=0)
    with pytest.raises(InputError, match="every frame unit responded"):
        nonresponse_bias(f, np.ones(20, dtype=bool), ["zone"], n_boot=0)


def test_standardised_differences_weighted_balance():
    f = _bias_frame()
    r = f["r"].to_numpy()
    # weights N_zone / n_zone make respondents match the frame on zone exactly
    n_resp = f[r].groupby("zone").size()
    n_all = f.groupby("zone").size()
    w = (n_all / n_resp).reindex(f.loc[r, "zone"]).to_numpy()
    d = standardised_differences(f, "r", ["zone"], weights=w)
    assert_allclose(d["smd_frame"].to_numpy(), 0.0, atol=1e-12)
    with pytest.raises(InputError, match="respondents"):
        standardised_differences(f, "r", ["zone"], weights=w[:-1])


# --------------------------------------------------------------------- class collapsing


def test_collapse_classes_merges_sparse_neighbours():
    f = pd.DataFrame(
        {
            "iso3": [f"U{i}" for i in range(12)],
            "zone": ["a"] * 6 + ["b"] * 6,
            "inc": pd.Categorical(
                ["low", "low", "mid", "mid", "high", "high"] * 2,
                categories=["low", "mid", "high"],
                ordered=True,
            ),
        }
    )
    r = np.array([1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1], dtype=bool)
    lab = collapse_classes(f, r, ["zone", "inc"])
    # zone a: mid has 0 respondents -> merged with its neighbour with fewer respondents
    # (low and high tie at 2 -> the first, low)
    assert lab.tolist()[:6] == ["a / low+mid"] * 4 + ["a / high"] * 2
    assert lab.tolist()[6:] == ["b / low"] * 2 + ["b / mid"] * 2 + ["b / high"] * 2
    with pytest.raises(WeightingError, match="outer class"):
        collapse_classes(f, np.r_[np.zeros(6, bool), np.ones(6, bool)], ["zone", "inc"])


# ------------------------------------------------------------------ adjusted designs


def _nr_data():
    """40 units, zones a/b/c crossed with income lo/hi; 24 respond.  Built by arithmetic
    (no random numbers) so the R code below reproduces it exactly."""
    i = np.arange(40)
    frame = pd.DataFrame(
        {
            "iso3": [f"U{k:02d}" for k in i],
            "zone": np.array(["a", "b", "c"])[i % 3],
            "inc": np.where((i * 5) % 7 < 3, "lo", "hi"),
        }
    )
    resp = ((i * 11) % 9 < 5) | ((i % 3 == 2) & (i % 4 == 0))
    data = pd.DataFrame(
        {"ns_iso3": frame["iso3"][resp].to_numpy(), "y": ((i * 7) % 11)[resp] / 2.0}
    )
    return frame, data, resp


# R (survey 4.1-1), with d the 40 frame rows of _nr_data() and y, resp as there:
# d$cls <- paste(d$zone, d$inc, sep=" / ")
# Nc <- table(d$cls); nc <- table(d$cls[d$resp == 1]); r <- d[d$resp == 1, ]
# r$N <- as.numeric(Nc[r$cls]); r$w <- r$N / as.numeric(nc[r$cls])
# des <- svydesign(ids=~1, strata=~cls, fpc=~N, weights=~w, data=r)
# svymean(~y, des)                      # 2.469285714286, SE 0.257397333296615
# svyby(~y, ~zone, des, svymean)        # a 2.40714285714286 0.379916747056349
#                                       # b 2.75641025641026 0.603790350734185
#                                       # c 2.24908424908425 0.308693643636269
# Raking: classes of the first variable (zone) as strata with fpc, then rake:
# Nz <- table(d$zone); nz <- table(r$zone)
# r$Nz <- as.numeric(Nz[r$zone]); r$wz <- r$Nz / as.numeric(nz[r$zone])
# des0 <- svydesign(ids=~1, strata=~zone, fpc=~Nz, weights=~wz, data=r)
# rk <- rake(des0, list(~zone, ~inc), list(as.data.frame(table(zone=d$zone)),
#            as.data.frame(table(inc=d$inc))), control=list(maxit=100, epsilon=1e-12))
# svymean(~y, rk)                       # 2.413260028644, SE 0.230851650271705
# svytotal(~y, rk)                      # 96.53040114577, SE 9.2340660108682
# svyby(~y, ~inc, rk, svymean)          # hi 2.22487705091072 0.273749535262780
#                                       # lo 2.66813111616613 0.383551890307239


def test_class_design_matches_r_survey():
    frame, data, resp = _nr_data()
    des = nonresponse_design(frame, classes=["zone", "inc"], data=data)
    m = des.mean("y")
    assert m["estimate"].iloc[0] == pytest.approx(2.469285714286, rel=1e-10)
    assert m["se"].iloc[0] == pytest.approx(0.257397333296615, rel=1e-6)
    by = des.mean("y", by="zone")
    assert_allclose(
        by["estimate"], [2.40714285714286, 2.75641025641026, 2.24908424908425], rtol=1e-10
    )
    assert_allclose(by["se"], [0.379916747056349, 0.603790350734185, 0.308693643636269], rtol=1e-6)
    # weights N_c / n_c sum to the frame size within each class
    w = des.weights
    sums = w.groupby(des.data["nr_class"]).sum()
    assert_allclose(
        sums.to_numpy(),
        frame.assign(c=frame["zone"] + " / " + frame["inc"])
        .groupby("c")
        .size()
        .reindex(sums.index)
        .to_numpy(),
    )
    # the same design from an explicit responded indicator
    des2 = nonresponse_design(frame, resp, classes=["zone", "inc"], data=data)
    assert_allclose(des2.weights.to_numpy(), w.to_numpy())


def test_rake_design_matches_r_survey():
    frame, data, _ = _nr_data()
    rk = nonresponse_design(frame, classes=["zone", "inc"], method="rake", data=data)
    m = rk.mean("y")
    assert m["estimate"].iloc[0] == pytest.approx(2.413260028644, rel=1e-10)
    assert m["se"].iloc[0] == pytest.approx(0.230851650271705, rel=1e-6)
    t = rk.total("y")
    assert t["estimate"].iloc[0] == pytest.approx(96.53040114577, rel=1e-10)
    assert t["se"].iloc[0] == pytest.approx(9.2340660108682, rel=1e-6)
    by = rk.mean("y", by="inc")
    assert_allclose(by["estimate"], [2.22487705091072, 2.66813111616613], rtol=1e-10)
    assert_allclose(by["se"], [0.273749535262780, 0.383551890307239], rtol=1e-6)
    # margins are met
    w = rk.weights
    assert_allclose(
        w.groupby(rk.data["zone"]).sum().to_numpy(),
        frame["zone"].value_counts().sort_index().to_numpy(),
    )


def test_propensity_design_uses_quintile_classes():
    frame, data, _ = _nr_data()
    des = nonresponse_design(
        frame, classes=["zone", "inc"], method="propensity", data=data, n_classes=3
    )
    d = des.data
    assert set(d["nr_class"]) <= {"q1", "q2", "q3"}
    assert "nr_propensity" in d.columns
    # weight = N_c / n_c within each propensity class
    for _, g in d.groupby("nr_class"):
        assert_allclose(des.weights[g.index], g["nr_class_size"].iloc[0] / len(g))
    assert des.weights.sum() == pytest.approx(len(frame))


def test_design_errors_name_empty_classes():
    frame, data, _ = _nr_data()
    few = data[
        ~(
            (frame.set_index("iso3").loc[data["ns_iso3"], "zone"] == "b")
            & (frame.set_index("iso3").loc[data["ns_iso3"], "inc"] == "lo")
        ).to_numpy()
    ]
    with pytest.raises(WeightingError, match="'b / lo' \\(0 respondent") as exc:
        nonresponse_design(frame, classes=["zone", "inc"], data=few)
    assert "collapse" in str(exc.value)
    ok = nonresponse_design(frame, classes=["zone", "inc"], data=few, collapse=True)
    assert "b / lo+hi" in set(ok.data["nr_class"]) or "b / hi+lo" in set(ok.data["nr_class"])
    with pytest.raises(WeightingError, match="none of them responded"):
        nonresponse_design(
            frame,
            classes=["zone", "inc"],
            data=few[few["ns_iso3"] != "x"].pipe(
                lambda d: d[~frame.set_index("iso3").loc[d["ns_iso3"], "zone"].eq("b").to_numpy()]
            ),
            method="rake",
        )
    with pytest.raises(InputError, match="method"):
        nonresponse_design(frame, classes=["zone"], data=data, method="magic")


# ------------------------------------------------------------------ simulation (slow)


@pytest.mark.slow
def test_simulation_adjustment_cuts_bias_and_covers():
    """A fast version (60 replications) of benchmarks/sim_nonresponse.py (500)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "sim_nonresponse.py"
    spec = importlib.util.spec_from_file_location("sim_nonresponse", path)
    sim = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sim)
    summary, per = sim.simulate(60, 2026, methods=("naive", "class", "propensity"))
    naive = summary.loc["naive", "mean_abs_bias"]
    for m in ("class", "propensity"):
        assert summary.loc[m, "mean_abs_bias"] < 0.85 * naive, m
        # 60 replications x 19 activities: a band around 95% wide enough for MC error
        assert 0.90 <= summary.loc[m, "coverage"] <= 0.98, m
        assert 0.85 <= summary.loc[m, "se_ratio"] <= 1.2, m
    assert len(per) == 3 * 19
    # when response is missing at random given zone x income group, the class
    # adjustment removes most of the bias
    mar, _ = sim.simulate(60, 2026, methods=("naive", "class"), scenario="mar")
    assert mar.loc["class", "bias_reduction"] > 0.5
    assert 0.90 <= mar.loc["class", "coverage"] <= 0.98
