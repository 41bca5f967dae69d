"""Tests of toolkit.publish: primary and secondary (complementary) cell suppression."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from toolkit.errors import InputError
from toolkit.publish import (
    MIN_CELL,
    primary_label,
    secondary_label,
    suppress,
    suppress_wide,
    suppression_note,
)


def zone_table(counts: dict[str, dict[str, int]]) -> pd.DataFrame:
    """Long zone x activity table with an "all" row per activity (count = sum)."""
    rows = []
    for act, by_zone in counts.items():
        for z, n in by_zone.items():
            rows.append(
                {
                    "activity": act,
                    "zone": z,
                    "n": n,
                    "estimate": 0.1 * (n % 7),
                    "ci_low": 0.0,
                    "ci_high": 0.9,
                }
            )
        rows.append(
            {
                "activity": act,
                "zone": "all",
                "n": sum(by_zone.values()),
                "estimate": 0.33,
                "ci_low": 0.2,
                "ci_high": 0.5,
            }
        )
    return pd.DataFrame(rows)


def _hidden_per_line(
    out: pd.DataFrame, across: str, total: str, by: list[str], count: str = "n"
) -> list[int]:
    """Number of suppressed cells with a positive count on each published line."""
    res = []
    for _, g in out.groupby(by):
        if (g[across] == total).any():
            res.append(int((g["suppressed"] & (g[count] > 0)).sum()))
    return res


def test_primary_only_blanks_and_labels_small_cells():
    t = pd.DataFrame(
        {
            "zone": ["africa", "americas", "europe"],
            "n": [2, 3, 0],
            "estimate": [0.5, 0.4, np.nan],
            "label": ["a", "b", "c"],
        }
    )
    out = suppress(t, count="n", blank=["estimate"])
    assert out["suppressed"].tolist() == [True, False, True]
    assert out["suppression"].tolist() == ["primary", "", "primary"]
    assert out["display"].tolist() == ["fewer than 3", "", "fewer than 3"]
    assert np.isnan(out.loc[0, "estimate"]) and out.loc[1, "estimate"] == 0.4
    # nothing dropped or reordered; the input is not modified
    assert out.index.equals(t.index) and out["label"].tolist() == ["a", "b", "c"]
    assert t.loc[0, "estimate"] == 0.5 and "suppressed" not in t


def test_single_suppressed_cell_recoverable_from_total_gets_a_complement():
    # health: africa 2 (< 3) would be the all-zones total minus the other zones
    t = zone_table(
        {
            "health": {"africa": 2, "americas": 5, "europe": 9, "mena": 4},
            "rfl": {"africa": 6, "americas": 5, "europe": 9, "mena": 4},
        }
    )
    out = suppress(
        t,
        count="n",
        margins={"zone": "all"},
        by="activity",
        blank=["estimate", "ci_low", "ci_high"],
    )
    kinds = dict(zip(zip(out["activity"], out["zone"]), out["suppression"]))
    assert kinds[("health", "africa")] == "primary"
    # complement: the smallest other count on the line (mena, 4), not the total
    assert kinds[("health", "mena")] == "secondary"
    assert [k for k, v in kinds.items() if v] == [("health", "africa"), ("health", "mena")]
    sec = out[out["suppression"] == "secondary"].iloc[0]
    assert sec["secondary"] and sec["display"] == secondary_label(3)
    assert "fewer than 3" in set(out["display"])
    assert out.loc[out["suppressed"], ["estimate", "ci_low", "ci_high"]].isna().all().all()
    assert out.loc[~out["suppressed"], "estimate"].notna().all()
    assert all(h != 1 for h in _hidden_per_line(out, "zone", "all", ["activity"]))
    assert len(out) == len(t)


def test_two_small_cells_on_a_line_need_no_complement():
    t = zone_table({"health": {"africa": 2, "americas": 1, "europe": 9}})
    out = suppress(t, count="n", margins={"zone": "all"}, by="activity")
    assert out["suppression"].tolist() == ["primary", "primary", "", ""]


def test_complement_ties_go_to_the_first_cell_and_never_to_a_zero_count():
    t = zone_table({"health": {"africa": 2, "americas": 0, "europe": 5, "mena": 5}})
    out = suppress(t, count="n", margins={"zone": "all"}, by="activity")
    # americas (0) is suppressed too (nothing behind it) but protects nothing: the
    # complement is europe (5, first of the tie with mena)
    assert out["suppression"].tolist() == ["primary", "primary", "secondary", "", ""]


def test_total_is_the_complement_when_it_is_the_only_cell_left():
    t = pd.DataFrame({"zone": ["africa", "all"], "n": [2, 2]})
    out = suppress(t, count="n", margins={"zone": "all"})
    assert out["suppression"].tolist() == ["primary", "primary"]
    t = pd.DataFrame({"zone": ["africa", "europe", "all"], "n": [4, 0, 4], "x": [1, 2, 3]})
    assert suppress(t, count="n", margins={"zone": "all"})["suppression"].tolist() == [
        "",
        "primary",
        "",
    ]


def test_no_published_total_means_no_complement():
    t = pd.DataFrame({"zone": ["africa", "europe", "mena"], "n": [2, 9, 8]})
    out = suppress(t, count="n", margins={"zone": "all"})
    assert out["suppression"].tolist() == ["primary", "", ""]


def test_two_margins_cascade_to_a_rectangle():
    # activity x zone with an "all" zone column and an "any" activity row
    cells = {
        ("health", "africa"): 2,
        ("health", "europe"): 6,
        ("rfl", "africa"): 7,
        ("rfl", "europe"): 9,
    }
    rows = [{"activity": a, "zone": z, "n": n} for (a, z), n in cells.items()]
    for a in ("health", "rfl"):
        rows.append(
            {"activity": a, "zone": "all", "n": sum(v for (aa, _), v in cells.items() if aa == a)}
        )
    for z in ("africa", "europe"):
        rows.append(
            {"activity": "any", "zone": z, "n": sum(v for (_, zz), v in cells.items() if zz == z)}
        )
    rows.append({"activity": "any", "zone": "all", "n": sum(cells.values())})
    t = pd.DataFrame(rows)
    out = suppress(t, count="n", margins={"zone": "all", "activity": "any"})
    got = {(a, z): k for a, z, k in zip(out["activity"], out["zone"], out["suppression"]) if k}
    assert got == {
        ("health", "africa"): "primary",
        ("health", "europe"): "secondary",
        ("rfl", "africa"): "secondary",
        ("rfl", "europe"): "secondary",
    }
    assert all(h != 1 for h in _hidden_per_line(out, "zone", "all", ["activity"]))
    assert all(h != 1 for h in _hidden_per_line(out, "activity", "any", ["zone"]))


def test_min_cell_is_configurable_and_shown():
    t = zone_table({"health": {"africa": 4, "europe": 9, "mena": 6}})
    out = suppress(
        t,
        count="n",
        min_cell=5,
        margins={"zone": "all"},
        by="activity",
        value="estimate",
        fmt="{:.0%}",
    )
    # complement: mena (6) is the smallest other count; europe (9) stays published
    assert out["display"].tolist() == ["fewer than 5", "20%", secondary_label(5), "33%"]
    assert secondary_label(5) == "suppressed to protect a cell of fewer than 5"
    assert primary_label(5) == "fewer than 5" and MIN_CELL == 3


def test_suppression_note_and_heatmap_accept_the_output():
    from toolkit import figures

    t = zone_table(
        {
            "health": {"africa": 2, "europe": 9, "mena": 6},
            "rfl": {"africa": 5, "europe": 9, "mena": 6},
        }
    )
    out = suppress(
        t,
        count="n",
        margins={"zone": "all"},
        by="activity",
        blank=["estimate", "ci_low", "ci_high"],
    )
    assert suppression_note(out) == (
        "2 cells suppressed: 1 based on fewer than 3 "
        "responding Societies, 1 more so that totals cannot "
        "reveal it."
    )
    assert suppression_note(suppress(t, count="n", min_cell=1)) == ""
    ax = figures.activity_heatmap(out, zone="zone", activity="activity")
    try:
        texts = {x.get_text() for x in ax.texts}
        assert "<3" in texts and "supp." in texts
    finally:
        plt.close(ax.get_figure(root=True))


def test_wide_table_helper():
    counts = pd.DataFrame(
        {"africa": [2, 5, 7], "europe": [4, 6, 10], "all": [6, 11, 17]},
        index=["health", "rfl", "any"],
    )
    values = counts / 20
    res = suppress_wide(counts, values=values, total_row="any", total_column="all", fmt="{:.2f}")
    assert res.status.to_numpy().tolist() == [
        ["primary", "secondary", ""],
        ["secondary", "secondary", ""],
        ["", "", ""],
    ]
    assert res.values.isna().to_numpy().sum() == 4
    assert res.values.loc["any", "all"] == pytest.approx(0.85)
    assert res.display.loc["health", "africa"] == "fewer than 3"
    assert res.display.loc["any", "africa"] == "0.35"
    assert res.status.index.equals(counts.index) and res.status.columns.equals(counts.columns)
    only = suppress_wide(counts)
    assert only.values is None and (only.status == "primary").to_numpy().sum() == 1
    with pytest.raises(InputError) as err:
        suppress_wide(counts.astype(float).where(counts != 5))
    assert (err.value.row, err.value.column) == (3, "africa")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_tables_leave_no_line_with_a_single_hidden_cell(seed):
    rng = np.random.default_rng(seed)
    zones = [f"z{i}" for i in range(5)]
    acts = [f"a{i}" for i in range(8)]
    n = rng.integers(0, 12, size=(len(acts), len(zones)))
    rows = [
        {"activity": a, "zone": z, "n": int(n[i, j])}
        for i, a in enumerate(acts)
        for j, z in enumerate(zones)
    ]
    rows += [{"activity": a, "zone": "all", "n": int(n[i].sum())} for i, a in enumerate(acts)]
    rows += [{"activity": "any", "zone": z, "n": int(n[:, j].sum())} for j, z in enumerate(zones)]
    rows += [{"activity": "any", "zone": "all", "n": int(n.sum())}]
    t = pd.DataFrame(rows)
    out = suppress(t, count="n", margins={"zone": "all", "activity": "any"})
    assert (out["suppression"] == "primary").tolist() == (t["n"] < 3).tolist()
    assert not (out["secondary"] & (out["n"] < 3)).any()
    assert all(h != 1 for h in _hidden_per_line(out, "zone", "all", ["activity"]))
    assert all(h != 1 for h in _hidden_per_line(out, "activity", "any", ["zone"]))
    # deterministic
    again = suppress(t, count="n", margins={"zone": "all", "activity": "any"})
    assert out.equals(again)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"count": "m"}, "no count column"),
        ({"count": "n", "min_cell": 0}, "min_cell"),
        ({"count": "n", "blank": ["share"]}, "no column 'share'"),
        ({"count": "n", "margins": {"region": "all"}}, "no column 'region'"),
    ],
)
def test_bad_arguments_are_explained(kwargs, match):
    t = zone_table({"health": {"africa": 2, "europe": 9}})
    with pytest.raises(InputError, match=match):
        suppress(t, **kwargs)


def test_bad_counts_and_duplicates_are_errors():
    t = zone_table({"health": {"africa": 2, "europe": 9}})
    t.loc[1, "n"] = np.nan
    with pytest.raises(InputError) as err:
        suppress(t, count="n")
    assert (err.value.row, err.value.column) == (3, "n")
    t.loc[1, "n"] = -1
    with pytest.raises(InputError):
        suppress(t, count="n")
    dup = pd.concat([zone_table({"health": {"africa": 2, "europe": 9}})] * 2, ignore_index=True)
    with pytest.raises(InputError, match="same 'zone'"):
        suppress(dup, count="n", margins={"zone": "all"}, by="activity")
    done = suppress(zone_table({"health": {"africa": 2, "europe": 9}}), count="n")
    with pytest.raises(InputError, match="already has a column 'suppression'"):
        suppress(done, count="n")


def test_an_upstream_primary_flag_is_replaced():
    # activity_shares flags primary suppression itself; suppress() recomputes it
    t = zone_table({"health": {"africa": 2, "europe": 9, "mena": 6}})
    t["suppressed"] = t["n"] < 3
    out = suppress(t, count="n", margins={"zone": "all"}, by="activity")
    assert out["suppressed"].tolist() == [True, False, True, False]
    assert list(out.columns).count("suppressed") == 1
