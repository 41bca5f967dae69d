"""Tests of the working lists of toolkit.sampling: contact sheet, balance comparisons,
swaps across zones, the follow-up population."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from toolkit.errors import InputError
from toolkit.frame import load_frame
from toolkit.sampling import (
    apply_swaps,
    balance_summary,
    compare_balance,
    contact_sheet,
    follow_up_population,
    representativeness,
    select_sample,
    suggest_swaps,
    swaps_by_zone,
)


@pytest.fixture(scope="module")
def societies() -> pd.DataFrame:
    f = load_frame()
    rng = np.random.default_rng(20260611)
    return f.assign(responded=rng.random(len(f)) < 0.5)


@pytest.fixture(scope="module")
def drawn(societies):
    return select_sample(societies, 40, seed=2026, reserve=3)


def test_contact_sheet_lists_main_then_ordered_reserves(drawn):
    sheet = contact_sheet(drawn)
    assert list(sheet.columns) == [
        "zone",
        "iso3",
        "country",
        "society_name",
        "role",
        "reserve_rank",
        "pi",
        "pi_if_reached",
        "weight",
        "status",
    ]
    assert len(sheet) == len(drawn.sample) + len(drawn.reserve)
    assert set(sheet["iso3"]) == set(drawn.sample["iso3"]) | set(drawn.reserve["iso3"])
    for zone, rows in sheet.groupby("zone", observed=True, sort=False):
        roles = rows["role"].tolist()
        n_main = int(drawn.allocation.loc[zone, "n"])
        assert roles == ["main"] * n_main + ["reserve"] * (len(rows) - n_main)
        assert rows["reserve_rank"].dropna().tolist() == list(range(1, len(rows) - n_main + 1))
    main = sheet[sheet["role"] == "main"]
    assert np.allclose(main["weight"], 1 / main["pi"], atol=1e-4)
    assert np.allclose(main["pi_if_reached"], main["pi"])
    res = sheet[sheet["role"] == "reserve"].merge(
        drawn.reserve[["iso3", "pi_if_reached"]], on="iso3"
    )
    assert np.allclose(res["pi_if_reached_x"], res["pi_if_reached_y"])
    assert sheet.loc[sheet["role"] == "reserve", "weight"].isna().all()
    assert (sheet["status"] == "").all()
    # zones follow the allocation order
    assert list(dict.fromkeys(sheet["zone"].astype(str))) == list(drawn.allocation.index)


def test_contact_sheet_keeps_stratum_when_strata_are_not_zones(societies):
    s = select_sample(societies, 6, zone="africa", strata="income_group", seed=1, reserve=1)
    sheet = contact_sheet(s)
    assert "stratum" in sheet.columns and set(sheet["stratum"]) <= set(s.allocation.index)
    with pytest.raises(InputError, match="drawn sample"):
        contact_sheet(s.sample)


def test_compare_balance_stacks_representativeness(societies, drawn):
    nominated = ["FRA", "DEU", "GBR", "ITA"]
    out = compare_balance(societies, {"drawn": drawn, "nominated": nominated, "none": []})
    assert list(out["sample"].unique()) == ["drawn", "nominated"]
    assert out.columns[0] == "sample"
    alone = representativeness(societies, nominated)
    got = out[out["sample"] == "nominated"].drop(columns="sample").reset_index(drop=True)
    pd.testing.assert_frame_equal(got, alone)
    europe = compare_balance(societies, {"n": nominated}, zone="europe")
    assert set(europe["zone"].astype(str)) == {"europe"}
    assert len(compare_balance(societies, {"n": nominated}, zone="all")) == len(alone)
    with pytest.raises(InputError, match="not in zone 'africa'"):
        compare_balance(societies, {"n": nominated}, zone="africa")
    with pytest.raises(InputError, match="no list"):
        compare_balance(societies, {"n": []})


def test_balance_summary_takes_the_worst_level(drawn, societies):
    table = representativeness(societies, drawn)
    summary = balance_summary(table)
    assert len(summary) == table.groupby(["zone", "covariate"], observed=True).ngroups
    row = summary[(summary["zone"] == "europe") & (summary["covariate"] == "subregion")].iloc[0]
    levels = table[(table["zone"] == "europe") & (table["covariate"] == "subregion")]
    assert row["max_abs_smd"] == pytest.approx(levels["abs_smd"].max())
    assert row["worst_level"] == levels.loc[levels["abs_smd"].idxmax(), "level"]
    assert row["p_value"] == pytest.approx(levels["p_value"].min())
    per_zone = balance_summary(table, per_covariate=False)
    assert len(per_zone) == 5
    worst = per_zone.set_index("zone").loc["europe"]
    assert worst["max_abs_smd"] == pytest.approx(
        table.loc[table["zone"] == "europe", "abs_smd"].max()
    )
    overall = balance_summary(table, by=[], per_covariate=False)
    assert len(overall) == 1 and overall["max_abs_smd"].iloc[0] == table["abs_smd"].max()
    with pytest.raises(InputError, match="abs_smd"):
        balance_summary(table.drop(columns="abs_smd"))


def test_swaps_by_zone_matches_suggest_swaps_per_zone(societies):
    nominated = ["KEN", "NGA", "ZAF", "FRA", "DEU", "GBR", "ITA"]  # large Societies
    swaps = swaps_by_zone(societies, nominated, k=3)
    assert list(dict.fromkeys(swaps["zone"])) == ["africa", "europe"]  # IFRC order
    for zone, listed in (
        ("africa", ["KEN", "NGA", "ZAF"]),
        ("europe", ["FRA", "DEU", "GBR", "ITA"]),
    ):
        alone = suggest_swaps(societies, listed, zone=zone, k=3)
        got = swaps[swaps["zone"] == zone].drop(columns="zone").reset_index(drop=True)
        pd.testing.assert_frame_equal(got, alone)
    kept = swaps_by_zone(societies, nominated, k=3, keep=["DEU"])
    assert "DEU" not in set(kept["swap_out"])
    with pytest.raises(InputError, match="not in zone 'europe'"):
        swaps_by_zone(societies, nominated, zone="europe")
    with pytest.raises(InputError, match="empty"):
        swaps_by_zone(societies, [])


def test_apply_swaps_improves_a_biased_list(societies):
    nominated = ["FRA", "DEU", "GBR", "ITA", "ESP", "NLD"]  # all large western Europe
    swaps = swaps_by_zone(societies, nominated, k=4)
    improved = apply_swaps(nominated, swaps)
    assert len(improved) == len(nominated) and len(set(improved)) == len(improved)
    assert improved != nominated
    before = balance_summary(representativeness(societies, nominated), per_covariate=False)
    after = balance_summary(representativeness(societies, improved), per_covariate=False)
    assert after["max_abs_smd"].iloc[0] < before["max_abs_smd"].iloc[0]
    assert after["max_abs_smd"].iloc[0] == pytest.approx(swaps["max_abs_smd_after"].iloc[-1])
    chained = pd.DataFrame({"swap_out": ["FRA", "AUT"], "swap_in": ["AUT", "BEL"]})
    assert apply_swaps(["FRA", "DEU"], chained) == ["BEL", "DEU"]
    with pytest.raises(InputError, match="not on the list"):
        apply_swaps(["DEU"], chained)


def test_follow_up_population_is_the_nonrespondents(societies):
    nr = follow_up_population(societies)
    assert len(nr) == int((~societies["responded"]).sum())
    assert not nr["responded"].any()
    s = select_sample(nr, 20, seed=3)
    assert not set(s.iso3) & set(societies.loc[societies["responded"], "iso3"])
    with pytest.raises(InputError, match="responded"):
        follow_up_population(societies.drop(columns="responded"))
    bad = societies.assign(responded=societies["responded"].astype("boolean"))
    bad.loc[0, "responded"] = pd.NA
    with pytest.raises(InputError, match="missing"):
        follow_up_population(bad)
