"""Tests of toolkit.nonresponse: Manski bounds, tipping points, Hansen-Hurwitz two-phase."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from toolkit.errors import InputError
from toolkit.nonresponse import bounds, tipping_point, two_phase


def _study():
    """Two zones of 10 units.

    zone a: 6 respond, 4 of them run the activity (one answer missing -> n = 5? no:
    all 6 answer); zone b: 5 respond, 1 runs it.
    """
    frame = pd.DataFrame(
        {
            "iso3": [f"A{i}" for i in range(10)] + [f"B{i}" for i in range(10)],
            "zone": ["a"] * 10 + ["b"] * 10,
        }
    )
    data = pd.DataFrame(
        {
            "ns_iso3": ["A0", "A1", "A2", "A3", "A4", "A5", "B0", "B1", "B2", "B3", "B4"],
            "rfl": pd.array([1, 1, 1, 1, 0, 0, 1, 0, 0, 0, 0], dtype="Int8"),
            "coop_any": ["yes", "no", "yes", None, "no", "no", "no", "no", "yes", "no", "no"],
        }
    )
    return frame, data


def test_bounds_by_hand():
    frame, data = _study()
    b = bounds(frame, data, ["rfl", "coop_any"], by="zone")
    assert b.index.names == ["zone", "variable", "category"]
    row = b.loc[("a", "rfl", 1)]
    # N = 10, n = 6, S = 4: lower 4/10, upper (4 + 4)/10
    assert (row["n_frame"], row["n_observed"], row["n_missing"]) == (10, 6, 4)
    assert row["observed"] == pytest.approx(4 / 6)
    assert (row["lower"], row["upper"], row["width"]) == pytest.approx((0.4, 0.8, 0.4))
    # coop_any in zone a: 5 answered (one item missing), 2 yes -> lower 0.2, upper 0.7
    row = b.loc[("a", "coop_any", "yes")]
    assert (row["n_observed"], row["lower"], row["upper"]) == (5, 0.2, pytest.approx(0.7))
    # overall rfl: N = 20, n = 11, S = 5
    row = b.loc[("All", "rfl", 1)]
    assert (row["lower"], row["upper"]) == pytest.approx((5 / 20, 14 / 20))
    # bounds always contain the respondents' share here and are ordered
    assert (b["lower"] <= b["upper"]).all()


def test_bounds_responded_override_and_errors():
    frame, data = _study()
    responded = frame["iso3"].isin(["A0", "A1"]).to_numpy()
    b = bounds(frame, data, "rfl", responded=responded)
    assert b.loc[("rfl", 1), "n_observed"] == 2
    with pytest.raises(InputError, match="no row in the data"):
        bounds(frame, data, "rfl", responded=frame["iso3"].eq("A9").to_numpy())
    data2 = data.assign(num=np.arange(11.0))
    with pytest.raises(InputError, match="proportions"):
        bounds(frame, data2, "num")


def test_tipping_point_share_by_hand():
    frame, data = _study()
    tp = tipping_point(frame, data, "rfl", threshold=0.5, by="zone")
    a = tp.table.loc["a"]
    # zone a: N=10, n=6, S=4, q* = (0.5*10 - 4) / 4 = 0.25
    assert a["finding"] == "above"
    assert a["tipping_rate"] == pytest.approx(0.25)
    assert a["tipping_difference"] == pytest.approx(0.25 - 4 / 6)
    # odds(0.25) / odds(2/3) = (1/3) / 2
    assert a["tipping_odds_ratio"] == pytest.approx(1 / 6)
    assert not a["robust"]
    # zone b: N=10, n=5, S=1 -> p = 0.2 "below"; q* = (5 - 1)/5 = 0.8
    assert tp.table.loc["b", "tipping_rate"] == pytest.approx(0.8)
    # a share that no non-response pattern can push over the threshold
    tp2 = tipping_point(frame, data, "rfl", threshold=0.95, by="zone")
    assert tp2.table.loc["b", "robust"] and np.isnan(tp2.table.loc["b", "tipping_rate"])
    # grid: population share at q = 0 and q = 1 equals the bounds
    g = tp.grid[tp.grid["zone"] == "a"]
    assert g["estimate"].iloc[0] == pytest.approx(0.4)
    assert g["estimate"].iloc[-1] == pytest.approx(0.8)


def test_tipping_point_difference_by_hand():
    frame, data = _study()
    tp = tipping_point(frame, data, "rfl", by="zone", compare=("a", "b"))
    t = tp.table
    d0 = 4 / 6 - 1 / 5
    assert t.loc["both", "difference_observed"] == pytest.approx(d0)
    # opposite shifts: d0 - delta (4/10 + 5/10) = 0 -> delta = d0 / 0.9 (no clipping)
    assert t.loc["both", "delta"] == pytest.approx(d0 / 0.9, abs=1e-12)
    assert t.loc["both", "rate_first"] == pytest.approx(4 / 6 - d0 / 0.9, abs=1e-12)
    # shifting one zone alone cannot reverse it: D(0, 0.2) = 0.2 and D(2/3, 1) = 1/15
    assert t.loc["first", "robust"] and t.loc["second", "robust"]
    assert tp.kind == "difference"
    assert len(tp.grid) == 21 * 21
    with pytest.raises(InputError, match="by="):
        tipping_point(frame, data, "rfl", compare=("a", "b"))
    with pytest.raises(InputError, match="level"):
        tipping_point(frame, data, "coop_any", threshold=0.5)
    tp3 = tipping_point(frame, data, "coop_any", threshold=0.5, level="yes")
    assert tp3.table.loc["All", "n_observed"] == 10


# ------------------------------------------------------------------------ two-phase

_Y = [
    5.0,
    4.0,
    3.4,
    5.2,
    3.3,
    7.1,
    5.4,
    4.9,
    1.4,
    0.7,
    1.5,
    5.6,
    4.8,
    1.1,
    5.6,
    2.5,
    2.5,
    9.3,
    4.6,
    5.3,
    5.3,
    1.1,
    5.5,
    17.4,
    1.6,
    7.6,
    8.1,
    8.1,
    2.8,
    3.4,
    1.7,
    4.3,
    10.9,
    2.5,
    0.6,
    4.6,
    8.2,
    3.7,
    13.5,
    3.9,
    4.5,
    1.8,
    3.5,
    8.0,
    8.1,
    10.3,
    7.6,
    6.5,
    0.5,
    2.3,
    19.7,
    3.0,
    7.2,
    4.2,
    7.3,
    4.7,
    1.9,
    2.4,
    5.8,
    3.0,
]
_RESP = "011111001101000000101011001000001111100101001010011100010000"
_SEL = "100000100000010010000000000100000000000000100001000000000001"


def _two_phase_data():
    ids = [f"U{i:02d}" for i in range(60)]
    frame = pd.DataFrame({"iso3": ids, "zone": ["a"] * 30 + ["b"] * 30})
    y = np.array(_Y)
    resp = np.array([c == "1" for c in _RESP])
    sel = np.array([c == "1" for c in _SEL])
    data = pd.DataFrame({"ns_iso3": np.array(ids)[resp], "y": y[resp]})
    fu = pd.DataFrame({"ns_iso3": np.array(ids)[sel], "y": y[sel]})
    return frame, data, fu


def test_two_phase_matches_r_survey_twophase():
    # R (survey 4.1-1), d = data.frame(id, y = _Y, resp = _RESP, sel = _SEL, zone):
    # d$in2 <- d$resp == 1 | d$sel == 1; d$N <- 200; d$Nz <- 100
    # des <- twophase(id=list(~id, ~id), strata=list(NULL, ~resp), fpc=list(~N, NULL),
    #                 subset=~in2, data=d)
    # svymean(~y, des)   # 4.977916666667, SE 0.549254727088763
    #   attr(SE, "phases")$phase2 = 0.161052653769841 (the variance of phase 2)
    # des3 <- twophase(id=list(~id, ~id), strata=list(~zone, ~interaction(zone, resp)),
    #                  fpc=list(~Nz, NULL), subset=~in2, data=d)
    # svymean(~y, des3)  # 4.971777777778, SE 0.552016294467087
    frame, data, fu = _two_phase_data()
    res = two_phase(frame, data, fu, "y", population_size=200)
    assert res.loc[("All", "y"), "estimate"] == pytest.approx(4.977916666667, rel=1e-10)
    assert res.loc[("All", "y"), "se"] == pytest.approx(0.549254727088763, rel=1e-6)
    strat = two_phase(frame, data, fu, "y", strata="zone", population_size={"a": 100, "b": 100})
    assert strat.loc[("All", "y"), "estimate"] == pytest.approx(4.971777777778, rel=1e-10)
    assert strat.loc[("All", "y"), "se"] == pytest.approx(0.552016294467087, rel=1e-6)
    assert strat.index.get_level_values("zone").tolist() == ["a", "b", "All"]
    # census phase 1: only the subsampling variance remains (R's phase-2 component)
    census = two_phase(frame, data, fu, "y")
    assert census.loc[("All", "y"), "se"] == pytest.approx(np.sqrt(0.161052653769841), rel=1e-6)
    row = census.loc[("All", "y")]
    assert (row["n_respondents"], row["n_nonrespondents"], row["n_followup"]) == (26, 34, 8)
    tot = two_phase(frame, data, fu, "y", statistic="total")
    assert tot.loc[("All", "y"), "estimate"] == pytest.approx(60 * row["estimate"])


def test_two_phase_errors():
    frame, data, fu = _two_phase_data()
    with pytest.raises(InputError, match="responded in phase 1"):
        two_phase(frame, data, fu, "y", selected=[*list(fu["ns_iso3"]), data["ns_iso3"].iloc[0]])
    with pytest.raises(InputError, match="no answer"):
        two_phase(frame, data, fu.iloc[1:], "y", selected=list(fu["ns_iso3"]))
    ok = two_phase(
        frame, data, fu.iloc[1:], "y", selected=list(fu["ns_iso3"]), allow_followup_nonresponse=True
    )
    assert ok.loc[("All", "y"), "n_followup"] == 7
    with pytest.raises(InputError, match="none was followed up"):
        two_phase(frame, data, fu[fu["ns_iso3"] < "U30"], "y", strata="zone")


def test_two_phase_simulation_known_truth():
    """Unbiased under non-ignorable non-response; variance estimator and coverage.

    Population N = 400; phase 1 is a simple random sample of 150; units with y = 1
    respond with probability 0.7, others with 0.3 (respondents' mean is badly biased);
    a 40% simple random subsample of non-respondents is followed up.
    """
    rng = np.random.default_rng(20260)
    N, n = 400, 150
    y_pop = (rng.random(N) < 0.35).astype(float)
    truth = y_pop.mean()
    units = np.array([f"P{i:03d}" for i in range(N)])
    est, var, naive, cover = [], [], [], 0
    reps = 400
    for _ in range(reps):
        s = rng.choice(N, n, replace=False)
        y = y_pop[s]
        resp = rng.random(n) < np.where(y == 1, 0.7, 0.3)
        nr = np.flatnonzero(~resp)
        m = max(2, round(0.4 * len(nr)))
        sub = rng.choice(nr, m, replace=False)
        frame = pd.DataFrame({"iso3": units[s]})
        data = pd.DataFrame({"ns_iso3": units[s][resp], "y": y[resp]})
        fu = pd.DataFrame({"ns_iso3": units[s][sub], "y": y[sub]})
        r = two_phase(frame, data, fu, "y", population_size=N).iloc[0]
        est.append(r["estimate"])
        var.append(r["se"] ** 2)
        naive.append(y[resp].mean())
        cover += r["ci_low"] <= truth <= r["ci_high"]
    est, var = np.array(est), np.array(var)
    mc_se = est.std(ddof=1) / np.sqrt(reps)
    assert abs(est.mean() - truth) < 3 * mc_se
    assert np.mean(naive) - truth > 10 * mc_se  # the respondents alone are biased
    # mean estimated variance close to the Monte Carlo variance
    assert var.mean() == pytest.approx(est.var(ddof=1), rel=0.12)
    assert 0.92 <= cover / reps <= 0.98
