"""Tests of toolkit.synth.simulate_rounds: two rounds with known transitions and response."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from toolkit.mapping import activity_indicators
from toolkit.synth import (
    ROUND_SCENARIOS,
    TRUE_TRANSITIONS,
    redraw_response,
    simulate_rounds,
    simulate_truth,
)


@pytest.fixture(scope="module")
def stable(frame, instrument):
    return simulate_rounds(frame, seed=2026, scenario="stable", instrument=instrument)


@pytest.fixture(scope="module")
def ending(frame, instrument):
    return simulate_rounds(frame, seed=2026, scenario="many_ending", instrument=instrument)


def _flags(rounds, prefix):
    return rounds.truth[[f"{prefix}__{a}" for a in rounds.codes]].to_numpy()


def test_rounds_are_reproducible_and_seed_dependent(frame, instrument, stable):
    again = simulate_rounds(frame, seed=2026, scenario="stable", instrument=instrument)
    pd.testing.assert_frame_equal(stable.truth, again.truth)
    pd.testing.assert_frame_equal(stable.previous, again.previous)
    other = simulate_rounds(frame, seed=2027, scenario="stable", instrument=instrument)
    assert not np.array_equal(_flags(stable, "previous"), _flags(other, "previous"))
    assert stable.years == (2024, 2026) and len(stable.codes) == 19


def test_current_round_is_the_demo_truth(frame, instrument, stable):
    demo = simulate_truth(frame, seed=2026, instrument=instrument)
    cols = [f"activities__{a}" for a in stable.codes]
    np.testing.assert_array_equal(stable.truth[cols].to_numpy(), demo[cols].to_numpy())
    np.testing.assert_array_equal(stable.truth["responded"], demo["responded"])
    np.testing.assert_allclose(stable.truth["p_respond"], demo["p_respond"])
    assert list(stable.frame.columns) == list(frame.columns)


@pytest.mark.parametrize("scenario", list(ROUND_SCENARIOS))
def test_transitions_are_known_and_follow_the_scenario(frame, instrument, scenario):
    r = simulate_rounds(frame, seed=3, scenario=scenario, instrument=instrument)
    prev, cur = _flags(r, "previous"), _flags(r, "activities")
    kind = r.truth[[f"transition__{a}" for a in r.codes]].astype(str).to_numpy()
    expect = np.select(
        [(prev == 0) & (cur == 1), (prev == 1) & (cur == 1), (prev == 1) & (cur == 0)],
        ["new", "continued", "ended"],
        "not run",
    )
    assert (kind == expect).all()
    assert set(np.unique(kind)) == set(TRUE_TRANSITIONS)
    rates = ROUND_SCENARIOS[scenario]
    # started = P(not run then | runs now); ended = P(ran then | does not run now)
    assert (kind[cur == 1] == "new").mean() == pytest.approx(rates["started"], abs=0.03)
    assert (kind[cur == 0] == "ended").mean() == pytest.approx(rates["ended"], abs=0.04)


def test_many_ending_has_more_programmes_ending(stable, ending):
    t_stable, t_ending = stable.true_shares(), ending.true_shares()
    assert t_stable.xs("all")["change"].abs().mean() < 0.03  # stable
    assert (t_ending.xs("all")["change"] < -0.02).all()  # many programmes ended
    assert t_ending.xs("all")["change"].mean() < -0.15
    np.testing.assert_allclose(t_ending["change"], t_ending["current"] - t_ending["previous"])
    assert set(t_stable.index.get_level_values("zone")) == {
        "africa",
        "americas",
        "asia_pacific",
        "europe",
        "mena",
        "all",
    }


def test_some_answer_one_round_only_and_response_persists(frame, instrument):
    both = only_prev = only_cur = 0
    p_given, p_not, eu, af = [], [], [], []
    for seed in range(4):
        t = simulate_rounds(frame, seed=seed, instrument=instrument).truth
        r0, r1 = t["responded_previous"], t["responded"]
        both += int((r0 & r1).sum())
        only_prev += int((r0 & ~r1).sum())
        only_cur += int((~r0 & r1).sum())
        p_given.append(r0[r1].mean())
        p_not.append(r0[~r1].mean())
        rate = t.groupby("zone", observed=True)["responded_previous"].mean()
        eu.append(rate["europe"])
        af.append(rate["africa"])
    assert both > 4 * 60 and only_prev > 4 * 10 and only_cur > 4 * 10
    assert np.mean(p_given) - np.mean(p_not) > 0.3  # answering one round goes with the other
    assert np.mean(eu) - np.mean(af) > 0.15  # correlated with frame covariates


def test_responses_tables_have_the_ingested_shape(stable):
    for table, flag, prefix in (
        (stable.current, "responded", "activities"),
        (stable.previous, "responded_previous", "previous"),
    ):
        assert table["ns_iso3"].is_unique
        answered = stable.truth.loc[stable.truth[flag], "iso3"]
        assert list(table["ns_iso3"]) == list(answered)
        cols = [f"activities__{a}" for a in stable.codes]
        assert all(str(table[c].dtype) == "Int8" for c in cols)
        no = table["has_migration_programme"] == "no"
        assert table.loc[no, cols].isna().all().all()  # not asked
        assert table.loc[~no, cols].notna().all().all()
        ind = activity_indicators(table, stable.codes).to_numpy(float)
        truth = stable.truth.set_index("iso3").loc[table["ns_iso3"]]
        np.testing.assert_array_equal(
            ind, truth[[f"{prefix}__{a}" for a in stable.codes]].to_numpy(float)
        )
        text = table["activities"].str.split()
        assert all(
            set(t) == {a for a in stable.codes if r[f"activities__{a}"] == 1}
            for t, (_, r) in zip(text, table.iterrows())
        )


def test_redraw_response_keeps_the_truth(stable):
    a = redraw_response(stable, seed=1)
    b = redraw_response(stable, seed=1)
    c = redraw_response(stable, seed=2)
    pd.testing.assert_frame_equal(a.truth, b.truth)
    assert not a.truth["responded"].equals(c.truth["responded"])
    keep = [c for c in stable.truth.columns if not c.startswith("responded")]
    pd.testing.assert_frame_equal(a.truth[keep], stable.truth[keep])
    assert len(a.current) == int(a.truth["responded"].sum())


def test_classes_response_depends_on_zone_and_income_only(frame, instrument):
    r = simulate_rounds(frame, seed=4, response="classes", instrument=instrument)
    cells = r.truth.groupby(["zone", "income_group"], observed=True)
    assert (cells["p_respond"].nunique() == 1).all()
    assert (cells["p_previous_if_current"].nunique() == 1).all()


def test_bad_parameters_raise(frame, instrument):
    with pytest.raises(ValueError, match="scenario"):
        simulate_rounds(frame, scenario="chaos", instrument=instrument)
    with pytest.raises(ValueError, match="response"):
        simulate_rounds(frame, response="oracle", instrument=instrument)
    with pytest.raises(ValueError, match="rates"):
        simulate_rounds(frame, ended=1.5, instrument=instrument)
