"""Weighting in toolkit.survey against R survey 4.1.1 (pinned values), and its errors.

R set-up as in tests/test_survey_estimates.py, plus::

    pop.types <- data.frame(stype=c("E","H","M"), Freq=c(4421,755,1018))
    pop.schwide <- data.frame(sch.wide=c("No","Yes"), Freq=c(1072,5122))
    pop.awards <- data.frame(awards=c("No","Yes"), Freq=c(2027,4167))

(population counts from ``apipop``; total api99 = 3914069, 6194 schools).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from toolkit.errors import WeightingError
from toolkit.survey import Design, effective_sample_size, kish_deff, suggest_collapse

DATA = Path(__file__).parent / "data" / "survey"
RTOL = 1e-6
TYPES = {"E": 4421, "H": 755, "M": 1018}
SCHWIDE = {"No": 1072, "Yes": 5122}
AWARDS = {"No": 2027, "Yes": 4167}
API99 = 3914069


def close(actual, expected, rtol=RTOL):
    np.testing.assert_allclose(
        np.asarray(actual, dtype=float), np.asarray(expected, dtype=float), rtol=rtol
    )


@pytest.fixture(scope="module")
def dstrat() -> Design:
    return Design(pd.read_csv(DATA / "apistrat.csv"), weights="pw", strata="stype", fpc="fpc")


@pytest.fixture(scope="module")
def dclus1() -> Design:
    return Design(pd.read_csv(DATA / "apiclus1.csv"), weights="pw", ids="dnum", fpc="fpc")


# -- post-stratification ----------------------------------------------------------------


def test_poststratify(dclus1):
    # R: ps <- postStratify(dclus1, ~stype, pop.types)
    #    svymean(~api00+enroll, ps) -> 642.310788211582 594.267508091548
    #                                  SE 23.9204864450904 65.5945489659029
    #    svyby(~api00, ~sch.wide, ps, svymean) -> 612.062614938388 647.161128404389
    #                                             SE 27.3731955191233 24.3970669015280
    ps = dclus1.poststratify("stype", TYPES)
    assert ps is not dclus1 and ps.calibrated and not dclus1.calibrated
    res = ps.mean(["api00", "enroll"])
    close(res["estimate"], [642.310788211582, 594.267508091548])
    close(res["se"], [23.9204864450904, 65.5945489659029])
    res = ps.mean("api00", by="sch.wide")
    close(res["estimate"], [612.062614938388, 647.161128404389])
    close(res["se"], [27.3731955191233, 24.3970669015280])
    # the cells add up to the population
    close(ps.weights.groupby(ps.data["stype"]).sum().to_numpy(), [4421, 755, 1018], rtol=1e-12)


def test_poststratify_population_formats(dclus1):
    as_series = dclus1.poststratify("stype", pd.Series(TYPES))
    as_frame = dclus1.poststratify(
        "stype", pd.DataFrame({"stype": list(TYPES), "Freq": list(TYPES.values())})
    )
    as_dict = dclus1.poststratify("stype", TYPES)
    close(as_series.weights, as_dict.weights, rtol=1e-14)
    close(as_frame.weights, as_dict.weights, rtol=1e-14)


def test_poststratify_crossed_cells(dclus1):
    # R: pop.cross <- data.frame(stype=rep(c("E","H","M"),2), sch.wide=rep(c("No","Yes"),each=3),
    #                            Freq=c(500,300,272,3921,455,746))
    #    svymean(~api00+enroll, postStratify(dclus1, ~stype+sch.wide, pop.cross))
    #    -> 642.570858996430 585.351094757332 SE 23.0277553193496 61.8444810031579
    cells = {
        ("E", "No"): 500,
        ("H", "No"): 300,
        ("M", "No"): 272,
        ("E", "Yes"): 3921,
        ("H", "Yes"): 455,
        ("M", "Yes"): 746,
    }
    res = dclus1.poststratify(["stype", "sch.wide"], cells).mean(["api00", "enroll"])
    close(res["estimate"], [642.570858996430, 585.351094757332])
    close(res["se"], [23.0277553193496, 61.8444810031579])


def test_poststratify_errors(dclus1):
    with pytest.raises(WeightingError, match=r"'H'.*no population count"):
        dclus1.poststratify("stype", {"E": 4421, "M": 1018})
    with pytest.raises(WeightingError, match=r"'X'.*no sampled unit") as err:
        dclus1.poststratify("stype", dict(TYPES, X=10))
    assert "partial=True" in str(err.value)
    ps = dclus1.poststratify("stype", dict(TYPES, X=10), partial=True)
    close(ps.weights.sum(), 6194)
    with pytest.raises(WeightingError, match="not a non-negative number"):
        dclus1.poststratify("stype", {"E": -1, "H": 755, "M": 1018})


# -- raking -----------------------------------------------------------------------------


def test_rake_cluster_design(dclus1):
    # R: rk <- rake(dclus1, list(~stype,~sch.wide), list(pop.types, pop.schwide),
    #               control=list(maxit=100, epsilon=1e-13))
    #    svymean(~api00+enroll, rk) -> 641.230320926820 588.840837595288
    #                                  SE 23.7036168879225 64.6760182211769
    #    range(weights(rk)) -> 29.8706754927 67.1255292412
    #    svyby(~api00, ~comp.imp, rk, svymean) -> 630.342010864131 646.350522717370
    #                                             SE 27.9650613989523 23.3452151410191
    rk = dclus1.rake({"stype": TYPES, "sch.wide": SCHWIDE})
    res = rk.mean(["api00", "enroll"])
    close(res["estimate"], [641.230320926820, 588.840837595288])
    close(res["se"], [23.7036168879225, 64.6760182211769])
    close([rk.weights.min(), rk.weights.max()], [29.8706754927, 67.1255292412])
    res = rk.mean("api00", by="comp.imp")
    close(res["estimate"], [630.342010864131, 646.350522717370])
    close(res["se"], [27.9650613989523, 23.3452151410191])
    # margins met to 1e-10
    for var, margin in (("stype", TYPES), ("sch.wide", SCHWIDE)):
        got = rk.weights.groupby(rk.data[var]).sum()
        close(got[list(margin)].to_numpy(), list(margin.values()), rtol=1e-10)


def test_rake_stratified_design(dstrat):
    # R: rs <- rake(dstrat, list(~sch.wide,~awards), list(pop.schwide, pop.awards),
    #               control=list(maxit=200, epsilon=1e-14))
    #    svymean(~api00+api99, rs) -> 662.489761450318 628.835294959965
    #                                 SE 9.29217761658206 9.99021529660928
    #    svyby(~api00, ~stype, rs, svymean) -> 674.549579608640 625.805453134649 636.192952492671
    #                                          SE 12.2747698604180 15.6295731589597 16.2889303300214
    rs = dstrat.rake({"sch.wide": SCHWIDE, "awards": AWARDS})
    res = rs.mean(["api00", "api99"])
    close(res["estimate"], [662.489761450318, 628.835294959965])
    close(res["se"], [9.29217761658206, 9.99021529660928])
    res = rs.mean("api00", by="stype")
    close(res["estimate"], [674.549579608640, 625.805453134649, 636.192952492671])
    close(res["se"], [12.2747698604180, 15.6295731589597, 16.2889303300214])


def test_rake_on_cells_equals_row_ipf():
    rng = np.random.default_rng(11)
    n = 3000
    df = pd.DataFrame(
        {"a": rng.integers(0, 5, n), "b": rng.integers(0, 4, n), "c": rng.integers(0, 3, n)}
    )
    df["w"] = rng.uniform(1, 3, n)
    margins = {
        "a": dict(enumerate([900.0, 1100, 1300, 800, 900])),
        "b": dict(enumerate([1000.0, 1500, 1200, 1300])),
        "c": dict(enumerate([2000.0, 1500, 1500])),
    }
    raked = Design(df, weights="w").rake(margins, tol=1e-12)
    # plain IPF on the rows
    w = df["w"].to_numpy().copy()
    for _ in range(500):
        for var, target in margins.items():
            codes = df[var].to_numpy()
            tot = np.bincount(codes, weights=w)
            w *= (np.array([target[k] for k in range(len(tot))]) / tot)[codes]
    close(raked.weights, w, rtol=1e-9)


def test_rake_errors(dclus1):
    with pytest.raises(WeightingError, match=r"margin 'stype'.*'X'.*no sampled unit"):
        dclus1.rake({"stype": dict(TYPES, X=5), "sch.wide": SCHWIDE})
    with pytest.raises(WeightingError, match=r"margin 'stype'.*'M'.*no population count"):
        dclus1.rake({"stype": {"E": 4421, "H": 755 + 1018}, "sch.wide": SCHWIDE})
    with pytest.raises(WeightingError, match=r"disagree on the population size.*'sch.wide'"):
        dclus1.rake({"stype": TYPES, "sch.wide": {"No": 1072, "Yes": 5000}})


def test_rake_infeasible_names_empty_cells():
    # 'a' level 2 occurs only with 'b' level 0, whose margin is too small to hold it
    df = pd.DataFrame({"a": [0, 0, 1, 1, 2, 2], "b": [0, 1, 0, 1, 0, 0], "w": 1.0})
    margins = {"a": {0: 10, 1: 10, 2: 80}, "b": {0: 20, 1: 80}}
    with pytest.raises(
        WeightingError, match=r"did not meet margin .*empty|no units in the cells"
    ) as err:
        Design(df, weights="w").rake(margins, max_iter=50)
    msg = str(err.value)
    assert "a=2 x b=1" in msg or "b=" in msg
    assert "suggest_collapse" in msg


def _rake_column(kind: str, values: np.ndarray) -> pd.Series | pd.Categorical:
    """String answers held as ``kind``: the column types form data arrives in."""
    if kind == "categorical":
        return pd.Categorical(values)
    if kind == "object distinct":  # one new string object per row, as the csv module gives
        return pd.Series([None if v is None else (v + ".")[:-1] for v in values], dtype=object)
    if kind == "arrow":
        return pd.Series(values, dtype=object).astype(pd.ArrowDtype(pa.string()))
    return pd.Series(values, dtype=object).astype(kind)


RAKE_KINDS = ["object", "object distinct", "string[python]", "string[pyarrow]", "arrow"]


@pytest.mark.parametrize("kind", RAKE_KINDS)
def test_rake_on_string_columns_equals_categoricals(kind):
    rng = np.random.default_rng(3)
    n = 3000
    zones = np.array(["north", "south", "east", "west", "centre"], dtype=object)
    bands = np.array(["small", "medium", "large"], dtype=object)
    raw = {"zone": zones[rng.integers(0, 5, n)], "band": bands[rng.integers(0, 3, n)]}
    margins = {
        "zone": dict(zip(zones, [900.0, 1100, 1300, 800, 900], strict=True)),
        "band": dict(zip(bands, [2500.0, 1500, 1000], strict=True)),
    }
    extra = {"zone": margins["zone"] | {"islands": 40.0}, "band": margins["band"]}
    w, y = rng.uniform(1, 3, n), rng.normal(size=n)

    def design(kind: str, data: dict[str, np.ndarray]) -> Design:
        df = pd.DataFrame({k: _rake_column(kind, v) for k, v in data.items()})
        return Design(df.assign(w=w, y=y), weights="w")

    ref = design("categorical", raw).rake(margins, tol=1e-12)
    got = design(kind, raw).rake(margins, tol=1e-12)
    np.testing.assert_array_equal(got.weights.to_numpy(), ref.weights.to_numpy())
    pd.testing.assert_frame_equal(got.mean("y"), ref.mean("y"))
    # the same errors: a level without sampled units, and a missing answer
    errors = []
    for k in ["categorical", kind]:
        with pytest.raises(WeightingError) as no_unit:
            design(k, raw).rake(extra)
        gap = {**raw, "band": raw["band"].copy()}
        gap["band"][[4, 9]] = None
        with pytest.raises(WeightingError) as missing:
            design(k, gap).rake(margins)
        errors.append([(str(e.value), e.value.value) for e in (no_unit, missing)])
    assert errors[0] == errors[1]
    assert "'islands'" in errors[0][0][0] and "no sampled unit" in errors[0][0][0]
    assert "2 missing value(s) (rows with index 4, 9)" in errors[0][1][0]


def test_rake_on_more_cells_than_an_integer_key_holds():
    # 40 ** 12 combinations overflow int64: the cells are found row-wise instead
    rng = np.random.default_rng(8)
    df = pd.DataFrame({f"m{j}": rng.integers(0, 40, 2000) for j in range(12)}).assign(w=1.0)
    margins = {c: df[c].value_counts().to_dict() for c in df.columns[:12]}
    raked = Design(df, weights="w").rake(margins)  # the sample already meets the margins
    close(raked.weights, np.ones(len(df)), rtol=1e-12)


def test_suggest_collapse():
    df = pd.DataFrame(
        {"band": ["lt1m"] * 2 + ["1m_10m"] * 20 + ["10m_50m"] * 15 + ["50m_plus"] * 3}
    )
    margins = {"band": {"lt1m": 30, "1m_10m": 80, "10m_50m": 60, "50m_plus": 23}}
    sug = suggest_collapse(df, margins, min_count=5)
    assert list(sug.columns) == ["variable", "level", "n", "population", "group", "group_n"]
    groups = dict(zip(sug["level"], sug["group"], strict=True))
    assert groups["lt1m"] == groups["1m_10m"] == "lt1m+1m_10m"
    assert groups["50m_plus"] == groups["10m_50m"]
    assert (sug.groupby("group")["group_n"].first() >= 5).all()
    assert suggest_collapse(df, margins, min_count=1).empty


# -- calibration ------------------------------------------------------------------------


def test_calibrate_linear(dclus1):
    # R: cal <- calibrate(dclus1, ~stype+api99, c(6194, 755, 1018, 3914069))
    #    svymean(~api00, cal) -> 665.30907116578 SE 3.44175311640484
    #    svytotal(~enroll, cal) -> 3638487.20413188 SE 385524.427352479
    cal = dclus1.calibrate(margins={"stype": TYPES}, totals={"api99": API99})
    close(cal.mean("api00").loc["api00", ["estimate", "se"]], [665.30907116578, 3.44175311640484])
    close(
        cal.total("enroll").loc["enroll", ["estimate", "se"]], [3638487.20413188, 385524.427352479]
    )
    close((cal.weights * cal.data["api99"]).sum(), API99, rtol=1e-10)
    # population_size given explicitly gives the same design
    same = dclus1.calibrate(margins={"stype": TYPES}, totals={"api99": API99}, population_size=6194)
    close(same.weights, cal.weights, rtol=1e-12)


def test_calibrate_to_one_margin_is_greg_variance(dclus1):
    # R: svymean(~api00, calibrate(dclus1, ~stype, c(6194, 755, 1018)))
    #    -> 642.310788211582 SE 23.9204864450904   (same as postStratify)
    res = dclus1.calibrate(margins={"stype": TYPES}).mean("api00")
    close(res.loc["api00", ["estimate", "se"]], [642.310788211582, 23.9204864450904])


def test_calibrate_two_margins_and_domains(dclus1):
    # R: c2 <- calibrate(dclus1, ~stype+sch.wide, c(6194, 755, 1018, 5122))
    #    svymean(~api00, c2) -> 640.995870078881 SE 23.829492992256
    #    svyby(~api00, ~comp.imp, c2, svymean) -> 629.898644990014 646.225002092297
    #                                            SE 28.2536112939745 23.3955879722693
    #    svyby(~I(comp.imp=="Yes"), ~stype, c2, svyciprop, method="beta", vartype="ci")
    c2 = dclus1.calibrate(margins={"stype": TYPES, "sch.wide": SCHWIDE})
    close(c2.mean("api00").loc["api00", ["estimate", "se"]], [640.995870078881, 23.829492992256])
    res = c2.mean("api00", by="comp.imp")
    close(res["estimate"], [629.898644990014, 646.225002092297])
    close(res["se"], [28.2536112939745, 23.3955879722693])
    res = c2.proportion("comp.imp", by="stype", method="beta").xs("Yes", level="category")
    close(res["estimate"], [0.753514257995162, 0.477166007837500, 0.509421286777708])
    close(res["ci_low"], [0.676082111739146, 0.221852471742188, 0.236269012506583])
    close(res["ci_high"], [0.820530978243415, 0.741626645491341, 0.778460751891739])


def test_calibrate_raking(dclus1):
    # R: cr <- calibrate(dclus1, ~stype+api99, c(6194, 755, 1018, 3914069), calfun="raking", epsilon=1e-12)
    #    svymean(~api00, cr) -> 665.39379600015 SE 3.43775353983487
    #    svyby(~api00, ~sch.wide, cr, svymean) -> 627.904919553538 671.511575141726
    #                                             SE 17.00839154337998 4.47673872663186
    #    svytotal(~enroll, cr) -> 3616588.56326875 SE 387618.63037994
    cr = dclus1.calibrate(margins={"stype": TYPES}, totals={"api99": API99}, method="raking")
    close(cr.mean("api00").loc["api00", ["estimate", "se"]], [665.39379600015, 3.43775353983487])
    res = cr.mean("api00", by="sch.wide")
    close(res["estimate"], [627.904919553538, 671.511575141726])
    close(res["se"], [17.00839154337998, 4.47673872663186])
    close(cr.total("enroll").loc["enroll", ["estimate", "se"]], [3616588.56326875, 387618.63037994])


def test_calibrate_bounded(dclus1):
    # R: cb <- calibrate(dclus1, ~stype+api99, c(6194, 755, 1018, 3914069), bounds=c(0.7,1.7), epsilon=1e-12)
    #    svymean(~api00, cb) -> 665.487796206537 SE 3.41753888674692
    #    range(weights(cb)/weights(dclus1)) -> 0.7 1.7
    cb = dclus1.calibrate(margins={"stype": TYPES}, totals={"api99": API99}, bounds=(0.7, 1.7))
    close(cb.mean("api00").loc["api00", ["estimate", "se"]], [665.487796206537, 3.41753888674692])
    g = cb.weights / dclus1.weights
    close([g.min(), g.max()], [0.7, 1.7], rtol=1e-12)


def test_calibrate_raking_bounded(dclus1):
    # R: cb <- calibrate(dclus1, ~stype+api99, c(6194, 755, 1018, 3914069), calfun="raking",
    #                    bounds=c(0.7,1.7), epsilon=1e-12)
    #    svymean(~api00, cb) -> 665.518853906046 SE 3.41939925592814
    cb = dclus1.calibrate(
        margins={"stype": TYPES}, totals={"api99": API99}, method="raking", bounds=(0.7, 1.7)
    )
    close(cb.mean("api00").loc["api00", ["estimate", "se"]], [665.518853906046, 3.41939925592814])
    g = cb.weights / dclus1.weights
    assert g.min() >= 0.7 - 1e-12 and g.max() <= 1.7 + 1e-12


def test_calibrate_errors(dclus1):
    with pytest.raises(WeightingError, match="did not converge"):
        # R: calibrate(..., bounds=c(0.8,1.2)) -> "Calibration failed"
        dclus1.calibrate(margins={"stype": TYPES}, totals={"api99": API99}, bounds=(0.8, 1.2))
    with pytest.raises(WeightingError, match="adds up to 6100"):
        dclus1.calibrate(margins={"stype": TYPES, "sch.wide": {"No": 1000, "Yes": 5100}})
    with pytest.raises(WeightingError, match="no population information"):
        dclus1.calibrate()
    with pytest.raises(WeightingError, match="lower < 1 < upper"):
        dclus1.calibrate(margins={"stype": TYPES}, bounds=(1.2, 2))


# -- trimming and diagnostics -----------------------------------------------------------


def test_trim(dstrat):
    # R: tr <- trimWeights(dstrat, upper=40, lower=20)
    #    svymean(~api00, tr) -> 659.289699863109 SE 8.91786480580555; range(weights(tr)) -> 20 40
    for strict in (False, True):
        tr = dstrat.trim(20, 40, strict=strict)
        close(
            tr.mean("api00").loc["api00", ["estimate", "se"]], [659.289699863109, 8.91786480580555]
        )
        close([tr.weights.min(), tr.weights.max()], [20, 40])
        close(tr.weights.sum(), dstrat.weights.sum(), rtol=1e-12)


def test_trim_after_poststratify_keeps_calibration(dclus1):
    # R: pt <- trimWeights(postStratify(dclus1, ~stype, pop.types), upper=40)
    #    svymean(~api00, pt) -> 643.315235622287 SE 23.7455209407723
    pt = dclus1.poststratify("stype", TYPES).trim(upper=40)
    assert pt.calibrated
    close(pt.mean("api00").loc["api00", ["estimate", "se"]], [643.315235622287, 23.7455209407723])


def test_trim_strict_iterates():
    # R: d <- svydesign(id=~1, weights=~w, data=data.frame(w=c(1,1,1,4,10,10), y=1:6))
    #    weights(trimWeights(d, upper=5)) -> 3.5 3.5 3.5 6.5 5 5
    #    weights(trimWeights(d, upper=5, strict=TRUE)) -> 4 4 4 5 5 5
    w = np.array([1.0, 1.0, 1.0, 4.0, 10.0, 10.0])
    d = Design(pd.DataFrame({"w": w, "y": np.arange(6.0)}), weights="w")
    close(d.trim(upper=5).weights, [3.5, 3.5, 3.5, 6.5, 5, 5], rtol=1e-12)
    close(d.trim(upper=5, strict=True).weights, [4, 4, 4, 5, 5, 5], rtol=1e-12)
    with pytest.raises(WeightingError, match="impossible"):
        d.trim(upper=4, strict=True)


def test_kish_deff_and_effective_sample_size(dclus1):
    w = np.array([1.0, 2.0, 3.0, 4.0])
    assert kish_deff(w) == pytest.approx(4 * 30 / 100)
    assert effective_sample_size(w) == pytest.approx(100 / 30)
    assert kish_deff(dclus1) == pytest.approx(1.0)  # equal weights
    rk = dclus1.rake({"stype": TYPES, "sch.wide": SCHWIDE})
    assert effective_sample_size(rk.weights) == pytest.approx(183 / kish_deff(rk.weights))
    with pytest.raises(WeightingError):
        kish_deff([1.0, -1.0])


def test_history_records_weighting(dclus1):
    d = dclus1.poststratify("stype", TYPES).trim(upper=60)
    assert [h[0] for h in d.history] == ["poststratify", "trim"]
    assert "weighting=poststratify+trim" in repr(d)
