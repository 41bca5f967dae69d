"""Carry-forward sensitivity (toolkit.nonresponse.carry_forward, carry_forward_shares).

Hand-computed values on a 12-Society example, the weighted rows against
:func:`toolkit.nonresponse.nonresponse_design`, and the direction of the bias in the
simulation of ``benchmarks/sim_rounds.py`` (carry-forward helps when programmes are
stable, misleads when many end).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from toolkit.errors import InputError
from toolkit.nonresponse import (
    CARRY_FORWARD_METHOD,
    WEIGHTED_METHOD,
    carry_forward,
    carry_forward_shares,
    nonresponse_design,
)
from toolkit.synth import simulate_rounds

ROOT = Path(__file__).resolve().parents[1]


def _example():
    """12 Societies in zones x (S01-S06) and y (S07-S12).

    This round: S01 S02 S03 (x), S07-S10 (y) answered.  2024: S01 (answered now),
    S04, S05 (no programme: runs nothing), S11.  2022: S04 (superseded by 2024), S06,
    S12.
    """
    frame = pd.DataFrame(
        {"iso3": [f"S{k:02d}" for k in range(1, 13)], "zone": ["x"] * 6 + ["y"] * 6}
    )

    def table(rows):
        iso, prog, a = zip(*rows)
        return pd.DataFrame(
            {
                "ns_iso3": iso,
                "has_migration_programme": prog,
                "activities__a": pd.array(a, dtype="Int8"),
            }
        )

    current = table(
        [
            ("S01", "yes", 1),
            ("S02", "no", None),
            ("S03", "yes", 1),
            ("S07", "yes", 0),
            ("S08", "no", None),
            ("S09", "yes", 1),
            ("S10", "yes", 0),
        ]
    )
    history = {
        2024: table([("S01", "yes", 0), ("S04", "yes", 1), ("S05", "no", None), ("S11", "yes", 1)]),
        2022: table([("S04", "yes", 0), ("S06", "yes", 1), ("S12", "yes", 1)]),
    }
    return frame, current, history


def _shares(max_age, **kw):
    frame, current, history = _example()
    out = carry_forward_shares(
        frame,
        current,
        history,
        year=2026,
        max_age=max_age,
        classes=("zone",),
        min_respondents=2,
        **kw,
    )
    return out.set_index(["zone", "method"])


def test_last_known_answers_within_max_age():
    frame, current, history = _example()
    got = carry_forward(frame, current, history, year=2026, max_age=2)
    assert list(got["ns_iso3"]) == ["S04", "S05", "S11"]
    assert list(got["carried_from"]) == [2024] * 3 and list(got["age"]) == [2] * 3
    assert list(got["activities__a"]) == [1, 0, 1]  # S05 had no programme: 0, not missing
    older = carry_forward(frame, current, history, year=2026, max_age=4)
    assert list(older["ns_iso3"]) == ["S04", "S05", "S11", "S06", "S12"]
    assert older.set_index("ns_iso3").at["S04", "carried_from"] == 2024  # most recent
    none = carry_forward(frame, current, history, year=2026, max_age=1)
    assert none.empty and list(none.columns) == ["ns_iso3", "carried_from", "age", "activities__a"]


def test_hand_computed_shares_side_by_side():
    out = _shares(2)
    # weighted: x 2/3 of (1, 0, 1); y (0, 0, 1, 0); all (6 * 2/3 + 6 * 1/4) / 12
    assert_allclose(out.loc[("x", WEIGHTED_METHOD), "estimate"], 2 / 3)
    assert_allclose(out.loc[("y", WEIGHTED_METHOD), "estimate"], 1 / 4)
    assert_allclose(out.loc[("all", WEIGHTED_METHOD), "estimate"], 5.5 / 12)
    # carry-forward: x adds S04 = 1, S05 = 0; y adds S11 = 1
    assert_allclose(out.loc[("x", CARRY_FORWARD_METHOD), "estimate"], 3 / 5)
    assert_allclose(out.loc[("y", CARRY_FORWARD_METHOD), "estimate"], 2 / 5)
    assert_allclose(out.loc[("all", CARRY_FORWARD_METHOD), "estimate"], 0.5)
    assert out.loc[("x", CARRY_FORWARD_METHOD), "n_carried"] == 2
    assert out.loc[("x", CARRY_FORWARD_METHOD), "n_answered"] == 3
    assert out.loc[("all", CARRY_FORWARD_METHOD), "n_carried"] == 3
    assert out.loc[("x", CARRY_FORWARD_METHOD), "carried_from"] == "2024: 2"
    assert (out.xs(WEIGHTED_METHOD, level="method")["n_carried"] == 0).all()
    assert (out.xs(WEIGHTED_METHOD, level="method")["carried_from"] == "").all()
    assert out.loc[("all", WEIGHTED_METHOD), "n_frame"] == 12
    # rows come in pairs: the weighted estimate, then the labelled sensitivity analysis
    flat = out.reset_index()
    assert list(flat["method"]) == [WEIGHTED_METHOD, CARRY_FORWARD_METHOD] * 3
    assert list(flat["zone"]) == ["x", "x", "y", "y", "all", "all"]
    older = _shares(4)
    assert_allclose(older.loc[("x", CARRY_FORWARD_METHOD), "estimate"], 4 / 6)
    assert older.loc[("x", CARRY_FORWARD_METHOD), "carried_from"] == "2024: 2; 2022: 1"
    assert older.loc[("all", CARRY_FORWARD_METHOD), "carried_from"] == "2024: 3; 2022: 2"


def test_nothing_to_carry_gives_the_weighted_estimate_twice():
    out = _shares(0).reset_index()
    w = out[out["method"] == WEIGHTED_METHOD].reset_index(drop=True)
    c = out[out["method"] == CARRY_FORWARD_METHOD].reset_index(drop=True)
    assert_allclose(c["estimate"], w["estimate"])
    assert_allclose(c["se"], w["se"])
    assert (c["n_carried"] == 0).all()


def test_weighted_rows_are_the_studys_estimate_whatever_the_history(frame, instrument):
    rounds = simulate_rounds(frame, seed=9, instrument=instrument)
    y0, y1 = rounds.years
    out = carry_forward_shares(frame, rounds.current, {y0: rounds.previous}, year=y1)
    alone = carry_forward_shares(frame, rounds.current, {}, year=y1)
    cols = [f"activities__{a}" for a in rounds.codes]
    data = rounds.current[["ns_iso3", *cols]].copy()
    data.loc[rounds.current["has_migration_programme"] == "no", cols] = 0
    des = nonresponse_design(
        frame, data=data, classes=["zone", "income_group"], collapse=True, min_respondents=5
    )
    ref = des.mean(cols, by="zone")
    w = out[out["method"] == WEIGHTED_METHOD].set_index(["zone", "variable"])
    got = w.drop(index="all", level="zone")
    ref.index = ref.index.set_names(["zone", "variable"])
    ref = ref.rename(index=str, level="zone").reindex(got.index)
    assert_allclose(got["estimate"], ref["estimate"], rtol=1e-12)
    assert_allclose(got["se"], ref["se"], rtol=1e-12)
    overall = des.mean(cols)
    assert_allclose(w.xs("all", level="zone")["estimate"], overall["estimate"], rtol=1e-12)
    # never replaced: the weighted rows do not depend on the earlier rounds
    w_alone = alone[alone["method"] == WEIGHTED_METHOD].reset_index(drop=True)
    assert_allclose(w_alone["estimate"], w.reset_index()["estimate"])
    carried = out[out["method"] == CARRY_FORWARD_METHOD]
    n_nonresp_prev = int((~rounds.truth["responded"] & rounds.truth["responded_previous"]).sum())
    assert carried.loc[carried["zone"] == "all", "n_carried"].max() == n_nonresp_prev
    assert (
        carried.loc[carried["zone"] == "all", "carried_from"] == f"{y0}: {n_nonresp_prev}"
    ).all()
    assert len(out) == 2 * 6 * 19


def test_bad_history_is_named():
    frame, current, history = _example()
    with pytest.raises(InputError, match="not earlier"):
        carry_forward(frame, current, {2026: history[2024]}, year=2026)
    with pytest.raises(InputError, match="max_age"):
        carry_forward(frame, current, history, year=2026, max_age=-1)
    bad = {2024: history[2024].assign(ns_iso3=["S01", "S04", "S05", "ZZZ"])}
    with pytest.raises(InputError, match="not in the frame"):
        carry_forward(frame, current, bad, year=2026)
    with pytest.raises(InputError, match="activities__"):
        carry_forward(frame, current[["ns_iso3"]], {}, year=2026)


@pytest.fixture(scope="module")
def sim():
    spec = importlib.util.spec_from_file_location(
        "sim_rounds", ROOT / "benchmarks" / "sim_rounds.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_simulation_carry_forward_helps_when_stable_and_misleads_when_programmes_end(sim):
    """A small version of benchmarks/sim_rounds.py: the generator's response is not
    missing at random given the frame, so the weighted estimate keeps some bias."""
    kw = {"response": "generator", "stacked": False}
    stable, _ = sim.simulate(40, 2026, scenario="stable", **kw)
    ending, _ = sim.simulate(40, 2026, scenario="many_ending", **kw)
    assert stable["carry_mean_abs_bias"] < stable["weighted_mean_abs_bias"]
    assert stable["carry_mean_bias"] < stable["weighted_mean_bias"]
    assert ending["carry_mean_bias"] > ending["weighted_mean_bias"] + 0.02
    assert ending["carry_mean_abs_bias"] > 2 * ending["weighted_mean_abs_bias"]
    assert np.isclose(stable["weighted_mean_bias"], ending["weighted_mean_bias"])
