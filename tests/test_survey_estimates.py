"""Linearisation estimates of toolkit.survey against R survey 4.1.1 (pinned values).

Every reference value was computed with Rscript and R ``survey`` 4.1.1 on the fixtures
in tests/data/survey (see the README there), printing with ``options(digits=15)``.  The
R code is shown beside the numbers.  Common R set-up::

    library(survey)
    apistrat <- read.csv("apistrat.csv"); apiclus1 <- read.csv("apiclus1.csv")
    apisrs <- read.csv("apisrs.csv")
    dstrat <- svydesign(id=~1, strata=~stype, weights=~pw, data=apistrat, fpc=~fpc)
    dclus1 <- svydesign(id=~dnum, weights=~pw, data=apiclus1, fpc=~fpc)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from toolkit.survey import Design

DATA = Path(__file__).parent / "data" / "survey"
RTOL = 1e-6


def close(actual, expected, rtol=RTOL):
    np.testing.assert_allclose(
        np.asarray(actual, dtype=float), np.asarray(expected, dtype=float), rtol=rtol
    )


@pytest.fixture(scope="module")
def apistrat() -> pd.DataFrame:
    return pd.read_csv(DATA / "apistrat.csv")


@pytest.fixture(scope="module")
def apiclus1() -> pd.DataFrame:
    return pd.read_csv(DATA / "apiclus1.csv")


@pytest.fixture(scope="module")
def dstrat(apistrat) -> Design:
    return Design(apistrat, weights="pw", strata="stype", fpc="fpc")


@pytest.fixture(scope="module")
def dclus1(apiclus1) -> Design:
    return Design(apiclus1, weights="pw", ids="dnum", fpc="fpc")


def test_mean_stratified_with_fpc_and_deff(dstrat):
    # R: m <- svymean(~api00+api99, dstrat, deff=TRUE); coef(m); SE(m); deff(m)
    #    -> 662.287363159321 629.394844783961 / 9.40894080278458 9.96394729866689
    #    -> deff 1.20445726853772 1.24217736073936
    res = dstrat.mean(["api00", "api99"], deff=True)
    assert list(res.index) == ["api00", "api99"]
    assert res.index.name == "variable"
    assert list(res.columns) == ["estimate", "se", "ci_low", "ci_high", "n", "deff"]
    close(res["estimate"], [662.287363159321, 629.394844783961])
    close(res["se"], [9.40894080278458, 9.96394729866689])
    close(res["deff"], [1.20445726853772, 1.24217736073936])
    assert res["n"].tolist() == [200, 200]
    # confint(m): normal quantiles
    close(res["ci_low"], res["estimate"] - 1.959963984540054 * res["se"])


def test_mean_and_total_cluster_sample(dclus1):
    # R: svymean(~api00, dclus1, deff=TRUE) -> 644.169398907104 SE 23.542240693781 deff 9.34586945059095
    res = dclus1.mean("api00", deff=True)
    close(
        res.loc["api00", ["estimate", "se", "deff"]],
        [644.169398907104, 23.542240693781, 9.34586945059095],
    )
    # R: svytotal(~enroll, dclus1, deff=TRUE) -> 3404940.13452911 SE 932235.027041214 deff 31.3106560943494
    res = dclus1.total("enroll", deff=True)
    close(
        res.loc["enroll", ["estimate", "se", "deff"]],
        [3404940.13452911, 932235.027041214, 31.3106560943494],
    )


def test_t_interval_uses_design_degrees_of_freedom(dclus1):
    # R: degf(dclus1) -> 14; confint(svymean(~api00, dclus1), df=degf(dclus1))
    #    -> 593.676314463326 694.662483350882
    assert dclus1.degf == 14
    res = dclus1.mean("api00", ci="t")
    close(res.loc["api00", ["ci_low", "ci_high"]], [593.676314463326, 694.662483350882])


def test_srs_without_weights_uses_fpc(apistrat):
    srs = pd.read_csv(DATA / "apisrs.csv")
    # R: dsrs <- svydesign(id=~1, data=apisrs, fpc=~fpc); svymean(~api00, dsrs)
    #    -> 656.585 SE 9.24972203928281   (weights 6194/200 derived from the fpc)
    d = Design(srs, fpc="fpc")
    close(d.weights, np.full(200, 6194 / 200))
    close(d.mean("api00").loc["api00", ["estimate", "se"]], [656.585, 9.24972203928281])


def test_domain_means_with_deff(dclus1):
    # R: svyby(~api00+api99, ~stype, dclus1, svymean, deff=TRUE)
    expected = {
        ("E", "api00"): (648.868055555556, 22.3624088938319, 6.58367352502780),
        ("E", "api99"): (607.791666666667, 22.8166003822091, 5.89573365110886),
        ("H", "api00"): (618.571428571429, 38.0202493594075, 2.22825931686862),
        ("H", "api99"): (595.714285714286, 41.7640003379948, 2.21186550431632),
        ("M", "api00"): (631.440000000000, 31.6094652272455, 2.16389972008046),
        ("M", "api99"): (608.600000000000, 32.5606413459762, 2.22698986391779),
    }
    res = dclus1.mean(["api00", "api99"], by="stype", deff=True)
    assert res.index.names == ["stype", "variable"]
    assert list(res.index) == list(expected)
    close(res[["estimate", "se", "deff"]].to_numpy(), np.array(list(expected.values())))
    assert res["n"].tolist() == [144, 144, 14, 14, 25, 25]


def test_domain_totals_with_deff(dclus1, dstrat):
    # R: svyby(~enroll, ~stype, dclus1, svytotal, deff=TRUE)
    res = dclus1.total("enroll", by="stype", deff=True)
    close(res["estimate"], [2109717.126834866, 535594.869567870, 759628.138126372])
    close(res["se"], [631349.386275109, 226716.594706410, 213635.484268131])
    close(res["deff"], [125.03907530965466, 4.64581574185746, 13.01493170550286])
    # R: svyby(~enroll, ~sch.wide, dstrat, svytotal)
    res = dstrat.total("enroll", by="sch.wide")
    close(res["estimate"], [1013067.41931152, 2674110.11312676])
    close(res["se"], [133475.233015853, 128645.688467190])


def test_two_domain_columns(dstrat):
    # R: svyby(~api00, ~stype+sch.wide, dstrat, svymean)  (rows reordered by stype)
    res = dstrat.mean("api00", by=["stype", "sch.wide"])
    assert res.index.names == ["stype", "sch.wide", "variable"]
    assert list(res.index.droplevel("variable")) == [
        ("E", "No"),
        ("E", "Yes"),
        ("H", "No"),
        ("H", "Yes"),
        ("M", "No"),
        ("M", "Yes"),
    ]
    close(
        res["estimate"],
        [
            626.777777777778,
            679.142857142857,
            595.583333333333,
            653.730769230769,
            548.533333333333,
            674.342857142857,
        ],
    )
    close(
        res["se"],
        [
            39.5400259228110,
            12.9299619382714,
            20.4316517308270,
            20.2475765705928,
            26.4984831372010,
            16.6119441700818,
        ],
    )


def test_ratio_and_domain_ratios(dclus1):
    # R: r <- svyratio(~api00, ~api99, dclus1, deff=TRUE)
    #    -> 1.0612728107529 SE 0.00623083121660941 deff 2.49151297463795
    res = dclus1.ratio("api00", "api99", deff=True)
    assert list(res.index) == ["api00/api99"]
    close(
        res.iloc[0][["estimate", "se", "deff"]],
        [1.0612728107529, 0.00623083121660941, 2.49151297463795],
    )
    # R: svyby(~api00, ~stype, denominator=~api99, dclus1, svyratio)
    res = dclus1.ratio("api00", "api99", by="stype")
    close(res["estimate"], [1.06758300770092, 1.03836930455635, 1.03752875451857])
    close(res["se"], [0.00706244092152082, 0.01134362417608749, 0.01033722805209662])


def test_na_rm_treats_missing_as_out_of_domain(dstrat):
    # R: svymean(~target, dstrat, na.rm=TRUE) -> 9.97960385502049 SE 0.441696747717995
    res = dstrat.mean("target", na_rm=True)
    close(res.loc["target", ["estimate", "se"]], [9.97960385502049, 0.441696747717995])
    assert res.loc["target", "n"] == 180
    # R: svyby(~target, ~stype, dstrat, svymean, na.rm=TRUE)
    res = dstrat.mean("target", by="stype", na_rm=True)
    close(res["estimate"], [9.93023255813953, 9.87234042553191, 10.25531914893617])
    close(res["se"], [0.592685402365453, 0.713802663578160, 0.738885777506368])
    # several variables: NA handled variable by variable (as separate R calls)
    both = dstrat.mean(["target", "api00"], na_rm=True)
    close(both.loc["api00", "estimate"], 662.287363159321)


def test_proportion_methods_whole_sample(dclus1):
    # R: svyciprop(~I(sch.wide=="Yes"), dclus1, method=m); attr(., "ci")   (df = degf = 14)
    #    logit -> 0.823798892379034 0.911900077021223
    #    beta  -> 0.823702210847501 0.914704492126865
    #    mean  -> 0.830650204123468 0.917983675657953
    # R: svymean(~I(sch.wide=="Yes"), dclus1) -> 0.87431693989071 SE 0.0203594772446274
    expected = {
        "logit": (0.823798892379034, 0.911900077021223),
        "beta": (0.823702210847501, 0.914704492126865),
        "wald": (0.830650204123468, 0.917983675657953),
    }
    for method, ci in expected.items():
        res = dclus1.proportion("sch.wide", method=method)
        assert res.index.names == ["variable", "category"]
        assert list(res.index) == [("sch.wide", "No"), ("sch.wide", "Yes")]
        row = res.loc[("sch.wide", "Yes")]
        close(row[["estimate", "se"]], [0.87431693989071, 0.0203594772446274])
        close(row[["ci_low", "ci_high"]], ci)
        close(res["estimate"].sum(), 1.0)


def test_proportion_of_several_categories(dclus1):
    # R: svymean(~factor(stype), dclus1)
    #    -> 0.7868852459016393 0.0765027322404372 0.1366120218579235
    #    SE 0.0463365536499119 0.0268102190507708 0.0296490466402602
    # R: svyciprop(~I(stype=="E"), dclus1, method="logit") etc.
    res = dclus1.proportion("stype")
    close(res["estimate"], [0.7868852459016393, 0.0765027322404372, 0.1366120218579235])
    close(res["se"], [0.0463365536499119, 0.0268102190507708, 0.0296490466402602])
    close(res["ci_low"], [0.671201134422222, 0.0354088346206707, 0.0844892976837634])
    close(res["ci_high"], [0.869764787636478, 0.157501118284708, 0.213395012452402])


def test_proportion_level(dstrat):
    # R: svyciprop(~I(sch.wide=="Yes"), dstrat, method="beta", level=0.9)
    #    -> 0.782839688376275 0.866876452914541
    res = dstrat.proportion("sch.wide", method="beta", level=0.9)
    close(
        res.loc[("sch.wide", "Yes"), ["ci_low", "ci_high"]], [0.782839688376275, 0.866876452914541]
    )


def test_proportion_by_domain_uses_domain_degrees_of_freedom(dclus1):
    # R: svyby(~I(sch.wide=="Yes"), ~stype, dclus1, svyciprop, method=m, vartype="ci")
    yes = pd.IndexSlice[:, "sch.wide", "Yes"]
    res = dclus1.proportion("sch.wide", by="stype", method="beta")
    assert res.index.names == ["stype", "variable", "category"]
    close(res.loc[yes, "estimate"], [0.916666666666667, 0.785714285714286, 0.68])
    close(res.loc[yes, "ci_low"], [0.859765358737351, 0.521760971207249, 0.405708991672240])
    close(res.loc[yes, "ci_high"], [0.955816623310151, 0.943907693670807, 0.885241289543765])
    res = dclus1.proportion("sch.wide", by="stype", method="logit")
    close(res.loc[yes, "ci_low"], [0.859206537056401, 0.503687967865637, 0.412455444697252])
    close(res.loc[yes, "ci_high"], [0.951986801472120, 0.929812572364626, 0.865456261651120])
    res = dclus1.proportion("sch.wide", by="stype", method="wald")
    close(res.loc[yes, "ci_low"], [0.871659864513811, 0.569441235257656, 0.438987176279234])
    close(res.loc[yes, "ci_high"], [0.961673468819523, 1.001987336170915, 0.921012823720766])


@pytest.mark.parametrize(
    ("option", "se", "se_by"),
    [
        # R: options(survey.lonely.psu=option)
        #    d <- svydesign(id=~1, strata=~cname, weights=~pw, data=apistrat)   (13 single-school counties)
        #    SE(svymean(~api00+api99, d)); SE(svyby(~api00, ~stype, d, svymean))
        (
            "adjust",
            [9.02670568277317, 9.37899269272556],
            [12.0572187138177, 15.0950584352497, 15.9435751119205],
        ),
        (
            "average",
            [10.8636294341577, 11.2632792768751],
            [12.457647211951, 16.1557767487342, 17.2609122012923],
        ),
        (
            "remove",
            [8.92538234619791, 9.25372819713745],
            [11.9489554410766, 14.5194717659977, 15.22269369558],
        ),
        (
            "certainty",
            [8.92538234619791, 9.25372819713745],
            [11.9489554410766, 14.5194717659977, 15.22269369558],
        ),
    ],
)
def test_lonely_psu_options(apistrat, option, se, se_by):
    d = Design(apistrat, weights="pw", strata="cname", lonely_psu=option)
    close(d.mean(["api00", "api99"])["se"], se)
    close(d.mean("api00", by="stype")["se"], se_by)


def test_lonely_psu_with_clusters(apiclus1):
    # R: options(survey.lonely.psu="adjust")
    #    d2 <- svydesign(id=~dnum, strata=~cnum, weights=~pw, data=apiclus1, nest=TRUE)
    #    svymean(~api00, d2) -> 644.169398907104 SE 22.0684757015184; degf(d2) -> 4
    d = Design(apiclus1, weights="pw", strata="cnum", ids="dnum", lonely_psu="adjust")
    close(d.mean("api00").loc["api00", ["estimate", "se"]], [644.169398907104, 22.0684757015184])
    assert d.degf == 4


def test_blocked_and_general_paths_agree():
    rng = np.random.default_rng(7)
    n = 6000
    df = pd.DataFrame(
        {
            "s": rng.integers(0, 4, n),
            "z": rng.integers(0, 3, n),
            "w": rng.uniform(1, 5, n),
            "y": rng.normal(100, 5, n),
            "b": rng.integers(0, 2, n).astype(np.int8),
        }
    )
    df["N"] = df.groupby("s")["w"].transform("sum") * 1.5
    d = Design(df, weights="w", strata="s", fpc="N")
    for method in (d.mean, d.total):
        for by in (None, "z"):
            fast = method(["y", "b"], by=by, deff=True)
            d._fast = False
            slow = method(["y", "b"], by=by, deff=True)
            d._fast = True
            pd.testing.assert_frame_equal(fast, slow, rtol=1e-12)


def test_results_are_vectorised_over_variables(dstrat):
    both = dstrat.mean(["api00", "api99", "enroll"], by="sch.wide")
    for var in ("api00", "api99", "enroll"):
        single = dstrat.mean(var, by="sch.wide")
        close(both.xs(var, level="variable")["se"], single["se"].to_numpy(), rtol=1e-12)


def test_boolean_and_nullable_columns(dstrat, apistrat):
    df = apistrat.assign(
        yes=apistrat["sch.wide"].eq("Yes"),
        yes_int=apistrat["sch.wide"].eq("Yes").astype("Int8"),
    )
    d = Design(df, weights="pw", strata="stype", fpc="fpc")
    m = d.mean(["yes", "yes_int"])
    close(
        m["estimate"],
        d.proportion("sch.wide").loc[("sch.wide", "Yes"), "estimate"] * np.ones(2),
        rtol=1e-12,
    )
