"""Construction, validation and result shape of toolkit.survey.Design."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from toolkit.errors import DesignError
from toolkit.survey import Design

DATA = Path(__file__).parent / "data" / "survey"


@pytest.fixture(scope="module")
def apistrat() -> pd.DataFrame:
    return pd.read_csv(DATA / "apistrat.csv")


def test_public_api():
    from toolkit import survey

    assert set(survey.__all__) == {
        "Design",
        "ReplicateDesign",
        "effective_sample_size",
        "kish_deff",
        "suggest_collapse",
    }
    for name in (
        "mean",
        "total",
        "proportion",
        "ratio",
        "poststratify",
        "rake",
        "calibrate",
        "trim",
        "jackknife",
        "bootstrap",
        "weights",
        "degf",
    ):
        assert hasattr(Design, name)


def test_weights_are_aligned_with_the_data(apistrat):
    df = apistrat.set_index(apistrat["snum"].astype(str))
    d = Design(df, weights="pw", strata="stype", fpc="fpc")
    w = d.weights
    assert isinstance(w, pd.Series) and w.name == "weight"
    assert w.index.equals(df.index)
    np.testing.assert_allclose(w.to_numpy(), df["pw"].to_numpy())
    assert len(d) == 200 and d.data.equals(df)
    df["pw"] = 1.0  # changing the caller's frame afterwards does not change the design
    np.testing.assert_allclose(d.data["pw"].to_numpy(), w.to_numpy())


def test_fpc_as_fraction_equals_population_size(apistrat):
    a = Design(apistrat, weights="pw", strata="stype", fpc="fpc")
    n_h = apistrat.groupby("stype")["stype"].transform("size")
    b = Design(
        apistrat.assign(frac=n_h / apistrat["fpc"]), weights="pw", strata="stype", fpc="frac"
    )
    pd.testing.assert_frame_equal(a.mean("api00"), b.mean("api00"))
    no_fpc = Design(apistrat, weights="pw", strata="stype").mean("api00")
    assert no_fpc["se"].iloc[0] > a.mean("api00")["se"].iloc[0]


def test_census_stratum_adds_no_variance():
    df = pd.DataFrame(
        {"s": [1, 1, 2, 2, 2], "y": [1.0, 3.0, 2.0, 4.0, 9.0], "N": [2, 2, 30, 30, 30]}
    )
    d = Design(df, strata="s", fpc="N")
    only2 = Design(df.assign(y=np.where(df["s"] == 1, 0.0, df["y"])), strata="s", fpc="N")
    assert d.total("y")["se"].iloc[0] == pytest.approx(only2.total("y")["se"].iloc[0])


@pytest.mark.parametrize(
    ("kwargs", "change", "pattern"),
    [
        ({"weights": "pww"}, None, r"no column 'pww' \(used as weights\).*Did you mean 'pw'"),
        ({"weights": "pw"}, ("pw", 3, np.nan), r"weights column 'pw' has 1 missing value"),
        ({"weights": "pw"}, ("pw", 0, 0.0), r"weights column 'pw' has 1 value\(s\) <= 0"),
        ({"weights": "cname"}, None, r"'cname' holds .* not numbers"),
        (
            {"strata": "stype", "fpc": "fpc"},
            ("fpc", 0, 50.0),
            r"fpc column 'fpc' varies within stratum 'E'",
        ),
        (
            {"strata": "stype", "fpc": "fpc"},
            ("fpc", slice(None), 60.0),
            r"population of 60 in stratum 'E', smaller than its 100",
        ),
        (
            {"strata": "stype", "fpc": "fpc"},
            lambda df: df.assign(fpc=np.where(df["stype"] == "E", 0.5, df["fpc"])),
            r"mixes population sizes",
        ),
        ({"strata": "stype"}, ("stype", 5, None), r"strata column 'stype' has 1 missing"),
        ({"strata": "cname"}, None, r"13 stratum/strata have a single PSU .*lonely_psu="),
        (
            {"ids": "stype", "strata": None},
            ("stype", slice(None), "E"),
            r"only one primary sampling unit",
        ),
        ({"lonely_psu": "drop"}, None, r"lonely_psu='drop' is not one of"),
    ],
)
def test_design_validation(apistrat, kwargs, change, pattern):
    df = apistrat.copy()
    if callable(change):
        df = change(df)
    elif change is not None:
        col, rows, value = change
        if isinstance(value, float):
            df[col] = df[col].astype(float)
        if isinstance(rows, slice):
            df.loc[df.index[rows], col] = value
        else:
            df.loc[rows, col] = value
    with pytest.raises(DesignError, match=pattern):
        Design(df, **kwargs)


def test_not_a_dataframe():
    with pytest.raises(DesignError, match="must be a pandas DataFrame"):
        Design({"a": [1, 2]})  # type: ignore[arg-type]
    with pytest.raises(DesignError, match="no rows"):
        Design(pd.DataFrame({"a": []}))


def test_estimation_errors(apistrat):
    d = Design(apistrat, weights="pw", strata="stype", fpc="fpc")
    with pytest.raises(DesignError, match=r"column 'target' has 20 missing value\(s\).*na_rm=True"):
        d.mean("target")
    with pytest.raises(DesignError, match=r"'cname' holds .* use proportion\(\)|proportion\(\)"):
        d.mean("cname")
    with pytest.raises(DesignError, match="no column 'api01'"):
        d.total(["api00", "api01"])
    with pytest.raises(DesignError, match="ci='z' is not one of"):
        d.mean("api00", ci="z")
    with pytest.raises(DesignError, match="between 0 and 1"):
        d.mean("api00", level=95)
    with pytest.raises(DesignError, match="method='exact'"):
        d.proportion("stype", method="exact")
    with pytest.raises(DesignError, match="2 numerators and 3 denominators"):
        d.ratio(["api00", "api99"], ["enroll", "api.stu", "meals"])
    with pytest.raises(DesignError, match="named more than once"):
        d.mean(["api00", "api00"])


def test_missing_domain_values(apistrat):
    df = apistrat.assign(zone=np.where(apistrat.index % 7 == 0, None, apistrat["stype"]))
    d = Design(df, weights="pw", strata="stype", fpc="fpc")
    with pytest.raises(DesignError, match="domain column 'zone' has 29 missing"):
        d.mean("api00", by="zone")
    res = d.mean("api00", by="zone", na_rm=True)
    assert res["n"].sum() == 200 - 29


def test_categorical_domains_and_categories(apistrat):
    df = apistrat.assign(
        stype=pd.Categorical(apistrat["stype"], categories=["M", "H", "E", "X"]),
        awards=pd.Categorical(apistrat["awards"], categories=["Yes", "No", "Maybe"]),
    )
    d = Design(df, weights="pw", strata="stype", fpc="fpc")
    # domains: the observed levels, in category order (R's svyby drops empty groups)
    assert list(d.mean("api00", by="stype").index.get_level_values("stype")) == ["M", "H", "E"]
    # categories of a factor: all of them, unused ones with estimate 0 (as R's factor levels)
    res = d.proportion("awards")
    assert list(res.index.get_level_values("category")) == ["Yes", "No", "Maybe"]
    assert res.loc[("awards", "Maybe"), "estimate"] == 0


def test_ratio_pairs_and_broadcasts(apistrat):
    d = Design(apistrat, weights="pw", strata="stype", fpc="fpc")
    paired = d.ratio(["api00", "api99"], ["api99", "api00"])
    assert list(paired.index) == ["api00/api99", "api99/api00"]
    assert paired["estimate"].prod() == pytest.approx(1.0)
    broadcast = d.ratio(["api00", "api99"], "enroll")
    assert list(broadcast.index) == ["api00/enroll", "api99/enroll"]


def test_repr(apistrat):
    d = Design(apistrat, weights="pw", strata="stype", fpc="fpc")
    assert repr(d) == "Design(n=200, strata=3, psus=200, fpc)"
