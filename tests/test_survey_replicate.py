"""Replicate designs of toolkit.survey against R survey 4.1.1 (pinned values).

R set-up as in tests/test_survey_estimates.py and tests/test_survey_weighting.py, plus::

    jk1 <- as.svrepdesign(dclus1)   # type="auto": JK1 (no strata), fpc from the design
    jkn <- as.svrepdesign(dstrat)   # JKn

with R's default ``options(survey.replicates.mse=FALSE)`` (variance centred on the mean
of the replicate estimates).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from toolkit.errors import DesignError, WeightingError
from toolkit.survey import Design, ReplicateDesign

DATA = Path(__file__).parent / "data" / "survey"
RTOL = 1e-6
TYPES = {"E": 4421, "H": 755, "M": 1018}
SCHWIDE = {"No": 1072, "Yes": 5122}
API99 = 3914069


def close(actual, expected, rtol=RTOL):
    np.testing.assert_allclose(
        np.asarray(actual, dtype=float), np.asarray(expected, dtype=float), rtol=rtol
    )


@pytest.fixture(scope="module")
def apiclus1() -> pd.DataFrame:
    return pd.read_csv(DATA / "apiclus1.csv")


@pytest.fixture(scope="module")
def dclus1(apiclus1) -> Design:
    return Design(apiclus1, weights="pw", ids="dnum", fpc="fpc")


@pytest.fixture(scope="module")
def dstrat() -> Design:
    return Design(pd.read_csv(DATA / "apistrat.csv"), weights="pw", strata="stype", fpc="fpc")


@pytest.fixture(scope="module")
def jk1(dclus1) -> ReplicateDesign:
    return dclus1.jackknife()


def test_jk1_structure(jk1):
    # R: jk1$type -> "JK1"; jk1$scale -> 0.914839277851167; degf(jk1) -> 14
    assert jk1.kind == "JK1"
    assert jk1.replicates == 15
    close(jk1.scale, 0.914839277851167)
    assert jk1.degf == 14
    assert jk1.replicate_weights.shape == (183, 15)


def test_jk1_means_totals_ratio(jk1):
    # R: m <- svymean(~api00+api99, jk1, deff=TRUE)
    #    -> 644.169398907104 606.978142076503 SE 26.3293605895276 26.9985409823707
    #    deff(m) -> 11.6897370921388 10.7931968874878
    res = jk1.mean(["api00", "api99"], deff=True)
    assert list(res.columns) == ["estimate", "se", "ci_low", "ci_high", "n", "deff"]
    close(res["estimate"], [644.169398907104, 606.978142076503])
    close(res["se"], [26.3293605895276, 26.9985409823707])
    close(res["deff"], [11.6897370921388, 10.7931968874878])
    # R: svyby(~api00, ~stype, jk1, svymean) -> SE 25.3743035523982 46.3441217451860 33.6876199986314
    close(
        jk1.mean("api00", by="stype")["se"], [25.3743035523982, 46.3441217451860, 33.6876199986314]
    )
    # R: svyby(~enroll, ~stype, jk1, svytotal) -> SE 631349.386275109 226716.594706410 213635.484268131
    close(
        jk1.total("enroll", by="stype")["se"],
        [631349.386275109, 226716.594706410, 213635.484268131],
    )
    # R: r <- svyratio(~api00, ~api99, jk1) -> 1.06127281075290103 SE 0.00643877385069799
    close(
        jk1.ratio("api00", "api99").iloc[0][["estimate", "se"]],
        [1.06127281075290103, 0.00643877385069799],
    )


def test_jk1_proportions(jk1):
    # R: attr(svyciprop(~I(sch.wide=="Yes"), jk1, method="logit"), "ci") -> 0.823463548270105 0.912085364512058
    # R: attr(svyciprop(~I(sch.wide=="Yes"), jk1, method="beta"), "ci")  -> 0.823142071302854 0.915061597348425
    yes = ("sch.wide", "Yes")
    close(
        jk1.proportion("sch.wide", method="logit").loc[yes, ["ci_low", "ci_high"]],
        [0.823463548270105, 0.912085364512058],
    )
    close(
        jk1.proportion("sch.wide", method="beta").loc[yes, ["ci_low", "ci_high"]],
        [0.823142071302854, 0.915061597348425],
    )
    # R: svyby(~I(sch.wide=="Yes"), ~stype, jk1, svyciprop, method="logit", vartype="ci")
    res = jk1.proportion("sch.wide", by="stype", method="logit").xs("Yes", level="category")
    close(res["ci_low"], [0.840110744087651, 0.464950491314861, 0.399205492690501])
    close(res["ci_high"], [0.958382979962498, 0.939288772783796, 0.871727532591480])


def test_jkn(dstrat):
    # R: jkn <- as.svrepdesign(dstrat); jkn$type -> "JKn"; degf(jkn) -> 197
    #    svymean(~api00, jkn) -> 662.287363159321 SE 9.4089408027845
    #    svyby(~api00, ~sch.wide, jkn, svymean) -> SE 19.1798119085246 10.5290026063899
    jkn = dstrat.jackknife()
    assert jkn.kind == "JKn" and jkn.replicates == 200
    assert jkn.degf == 197
    close(jkn.mean("api00").loc["api00", ["estimate", "se"]], [662.287363159321, 9.4089408027845])
    close(jkn.mean("api00", by="sch.wide")["se"], [19.1798119085246, 10.5290026063899])


@pytest.mark.parametrize(
    ("option", "se", "degf"),
    [
        # R: options(survey.lonely.psu=option)
        #    j <- as.svrepdesign(svydesign(id=~1, strata=~cname, weights=~pw, data=apistrat))
        #    SE(svymean(~api00, j)); degf(j)
        ("adjust", 9.03648168078895, 173),
        ("average", 9.24228155574416, 160),
        ("remove", 8.936860937294, 160),
    ],
)
def test_jkn_lonely_psu(option, se, degf):
    d = Design(pd.read_csv(DATA / "apistrat.csv"), weights="pw", strata="cname", lonely_psu=option)
    j = d.jackknife()
    close(j.mean("api00")["se"], [se])
    assert j.degf == degf


def test_weighting_inside_replicates(jk1, dstrat):
    # R: SE(svymean(~api00, postStratify(jk1, ~stype, pop.types))) -> 26.934535367426
    close(jk1.poststratify("stype", TYPES).mean("api00")["se"], [26.934535367426])
    # R: SE(svymean(~api00, rake(jk1, list(~stype,~sch.wide), list(pop.types, pop.schwide),
    #                            control=list(maxit=200, epsilon=1e-14))))  -> 26.8739804356359
    close(jk1.rake({"stype": TYPES, "sch.wide": SCHWIDE}).mean("api00")["se"], [26.8739804356359])
    # R: cal <- calibrate(jk1, ~stype+api99, c(6194, 755, 1018, 3914069))
    #    svymean(~api00, cal) -> 665.30907116578 SE 3.94285448376761; degf(cal) -> 14
    cal = jk1.calibrate(margins={"stype": TYPES}, totals={"api99": API99})
    close(cal.mean("api00").loc["api00", ["estimate", "se"]], [665.30907116578, 3.94285448376761])
    assert cal.degf == 14
    # every replicate meets the totals
    reps = cal.replicate_weights
    close(
        (reps.to_numpy() * cal.data[["api99"]].to_numpy()).sum(axis=0),
        np.full(15, API99),
        rtol=1e-9,
    )
    # R: SE(svymean(~api00, calibrate(jk1, ~stype+api99, c(6194,755,1018,3914069), calfun="raking",
    #                                 epsilon=1e-12))) -> 3.87928366225709
    close(
        jk1.calibrate(margins={"stype": TYPES}, totals={"api99": API99}, method="raking").mean(
            "api00"
        )["se"],
        [3.87928366225709],
    )
    # R: svymean(~api00, calibrate(as.svrepdesign(dstrat), ~sch.wide+api99, c(6194, 5122, 3914069)))
    #    -> 664.556116047189 SE 1.56955204690375
    res = (
        dstrat.jackknife()
        .calibrate(margins={"sch.wide": SCHWIDE}, totals={"api99": API99})
        .mean("api00")
    )
    close(res.loc["api00", ["estimate", "se"]], [664.556116047189, 1.56955204690375])


def test_bounded_calibration_failing_in_a_replicate_is_an_error(jk1):
    # R: calibrate(jk1, ~stype+api99, c(6194,755,1018,3914069), bounds=c(0.7,1.7)) only warns
    #    ("Failed to converge" in 4 replicates) and returns SE 53.37 from unconverged replicates
    with pytest.raises(WeightingError, match=r"replicate \d+ did not converge"):
        jk1.calibrate(margins={"stype": TYPES}, totals={"api99": API99}, bounds=(0.7, 1.7))


def test_weighting_done_before_jackknife_is_replayed(dclus1, jk1):
    before = dclus1.calibrate(margins={"stype": TYPES}, totals={"api99": API99}).jackknife()
    after = jk1.calibrate(margins={"stype": TYPES}, totals={"api99": API99})
    pd.testing.assert_frame_equal(before.mean("api00"), after.mean("api00"))
    assert [h[0] for h in before.history] == ["calibrate"]


def test_bootstrap_with_r_replicates(apiclus1):
    # R: set.seed(42); b <- as.svrepdesign(dclus1, type="bootstrap", replicates=50)
    #    b$scale -> 0.021865889212828; degf(b) -> 14
    #    svymean(~api00+enroll, b) -> 644.169398907104 549.715846994535
    #                                 SE 26.3596878019103 39.9708574655257
    #    svyby(~api00, ~stype, b, svymean) -> SE 25.5764007202182 37.4709022219623 36.4934049268960
    #    attr(svyciprop(~I(sch.wide=="Yes"), b, method="logit"), "ci") -> 0.798291655182241 0.924401356204647
    counts = pd.read_csv(DATA / "boot_clus1_counts.csv").set_index("dnum")
    reps = counts.loc[apiclus1["dnum"]].to_numpy() * apiclus1[["pw"]].to_numpy()
    b = ReplicateDesign(
        apiclus1, weights="pw", replicate_weights=reps, scale=0.021865889212828, kind="bootstrap"
    )
    assert b.degf == 14
    res = b.mean(["api00", "enroll"])
    close(res["estimate"], [644.169398907104, 549.715846994535])
    close(res["se"], [26.3596878019103, 39.9708574655257])
    close(b.mean("api00", by="stype")["se"], [25.5764007202182, 37.4709022219623, 36.4934049268960])
    close(
        b.proportion("sch.wide").loc[("sch.wide", "Yes"), ["ci_low", "ci_high"]],
        [0.798291655182241, 0.924401356204647],
    )


def test_bootstrap_replicates_follow_r_rules(dclus1, dstrat):
    b = dclus1.bootstrap(50, seed=42)
    # R: b$scale -> 0.021865889212828 (15 PSUs, 50 replicates: 15 / (14 * 49))
    close(b.scale, 15 / (14 * 49))
    # every replicate draws 15 districts with replacement: multipliers are counts summing to 15
    mult = b.replicate_weights.to_numpy() / dclus1.weights.to_numpy()[:, None]
    per_psu = pd.DataFrame(mult).groupby(dclus1.data["dnum"].to_numpy()).first()
    assert np.allclose(per_psu.sum(axis=0), 15) and np.allclose(per_psu, np.round(per_psu))
    # same seed, same replicates; different seed, different ones
    pd.testing.assert_frame_equal(
        b.replicate_weights, dclus1.bootstrap(50, seed=42).replicate_weights
    )
    assert not np.allclose(b.replicate_weights, dclus1.bootstrap(50, seed=43).replicate_weights)
    # with strata and fpc: within-stratum draws without replacement from the pseudo-population
    bs = dstrat.bootstrap(40, seed=1)
    m = bs.replicate_weights.to_numpy() / dstrat.weights.to_numpy()[:, None]
    sums = pd.DataFrame(m).groupby(dstrat.data["stype"].to_numpy()).sum()
    assert np.allclose(sums.loc["E"], 100) and np.allclose(sums.loc["H"], 50)


def test_bootstrap_se_close_to_linearisation(dstrat):
    # R: set.seed(1); SE(svymean(~api00, as.svrepdesign(dstrat, type="bootstrap", replicates=5000)))
    #    -> 9.37841709815244 (Taylor: 9.40894080278458); ours differs only by the random draws
    se = dstrat.bootstrap(2000, seed=2024).mean("api00")["se"].iloc[0]
    assert se == pytest.approx(9.40894080278458, rel=0.05)


def test_mse_option(jk1, dclus1):
    mse = dclus1.jackknife(mse=True)
    assert mse.mse and not jk1.mse
    # jackknife of a mean: the replicate mean is close to the estimate, so mse >= centred
    assert mse.mean("api00")["se"].iloc[0] >= jk1.mean("api00")["se"].iloc[0]


def test_replicate_design_validation(apiclus1):
    with pytest.raises(DesignError, match="one row per unit"):
        ReplicateDesign(apiclus1, weights="pw", replicate_weights=np.ones((10, 3)), scale=1.0)
    with pytest.raises(DesignError, match="no column 'nope'"):
        ReplicateDesign(apiclus1, weights="nope", replicate_weights=np.ones((183, 3)), scale=1.0)
    with pytest.raises(DesignError, match="replicates must be an integer"):
        Design(apiclus1, weights="pw", ids="dnum").bootstrap(1, seed=1)
