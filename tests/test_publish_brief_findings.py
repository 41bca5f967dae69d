"""Key findings: the selection rule and the wording follow the uncertainty."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from toolkit.publish._brief_findings import (
    MAX_FINDINGS,
    MIN_FINDINGS,
    select_findings,
    usable_rows,
    zone_difference,
)


def _row(zone, code, est, half, n, *, dimension="activity", se=None, suppressed=False):
    return {
        "zone": zone,
        "dimension": dimension,
        "code": code,
        "estimate": np.nan if suppressed else est,
        "se": np.nan if suppressed else (half / 1.96 if se is None else se),
        "ci_low": np.nan if suppressed else max(est - half, 0.0),
        "ci_high": np.nan if suppressed else min(est + half, 1.0),
        "n": n,
        "suppressed": suppressed,
    }


def _table(rows):
    return pd.DataFrame(rows)


@pytest.fixture
def table():
    rows = [
        _row("a", "health", 0.62, 0.10, 30),
        _row("a", "rfl", 0.85, 0.08, 30),
        _row("a", "cash", 0.40, 0.10, 30),
        _row("a", "rescue", 0.95, 0.30, 4),  # too few answers: never a finding
        _row("a", "legal", 0.99, 0.0, 2, suppressed=True),  # suppressed: never
        _row("a", "shelter", 0.10, 0.05, 30),
        _row("b", "health", 0.20, 0.10, 30),
        _row("b", "rfl", 0.80, 0.10, 30),
        _row("b", "cash", 0.45, 0.10, 30),
        _row("b", "shelter", 0.15, 0.05, 30),
        _row("a", "origin", 0.50, 0.20, 30, dimension="stage"),
        _row("a", "transit", 0.70, 0.10, 30, dimension="stage"),
    ]
    rows += [{**r, "zone": "all", "n": 60} for r in rows if r["zone"] == "a"]
    return _table(rows)


def test_suppressed_and_small_cells_are_never_findings(table):
    ok = usable_rows(table)
    assert not ok[table["code"].isin(["rescue", "legal"]) & (table["zone"] == "a")].any()
    found = select_findings(table, "a")
    assert MIN_FINDINGS <= len(found) <= MAX_FINDINGS
    assert {f.code for f in found}.isdisjoint({"rescue", "legal"})
    top = [f for f in found if f.kind == "top"]
    assert [f.code for f in top] == ["rfl", "health"]  # highest usable shares, in order
    assert [f.code for f in found if f.kind == "least"] == ["shelter"]


def test_wording_follows_the_interval(table):
    found = {(f.kind, f.code): f for f in select_findings(table, "a")}
    assert found[("top", "rfl")].wording == "about"
    assert found[("top", "rfl")].shown()["tenths"] == 8  # "about 8 in 10"
    assert found[("stage", "origin")].wording == "between"  # 40 points wide
    assert "tenths" not in found[("stage", "origin")].shown()
    wide = _table([_row("z", "x", 0.5, 0.16, 20), _row("z", "y", 0.97, 0.02, 20)])
    words = {f.code: f.wording for f in select_findings(wide, "z")}
    assert words == {"x": "between", "y": "nearly_all"}


def test_difference_stated_only_when_its_interval_excludes_zero(table):
    found = select_findings(table, "a")
    diffs = [f for f in found if f.kind == "difference"]
    assert [f.code for f in diffs] == ["health"]  # 62% vs 20%; rfl/cash/shelter overlap zero
    d = diffs[0]
    assert d.other_zone == "b" and d.wording == "more"
    assert d.diff_low > 0


def test_difference_interval_from_independent_design_ses():
    a = pd.Series({"estimate": 0.6, "se": 0.05, "ci_low": 0.5, "ci_high": 0.7})
    b = pd.Series({"estimate": 0.4, "se": 0.04, "ci_low": 0.32, "ci_high": 0.48})
    d, low, high = zone_difference(a, b, level=0.9)
    z = norm.ppf(0.95)
    assert d == pytest.approx(0.2)
    assert high - d == pytest.approx(z * math.hypot(0.05, 0.04))
    assert d - low == pytest.approx(high - d)
    # a zero design SE (all answered alike, exact interval) is replaced by the half-width
    c = pd.Series({"estimate": 1.0, "se": 0.0, "ci_low": 0.8, "ci_high": 1.0})
    _, low, high = zone_difference(c, b, level=0.95)
    half = 0.2 / (2 * norm.ppf(0.975))
    assert (high - low) / 2 == pytest.approx(norm.ppf(0.975) * math.hypot(half, 0.04))


def test_network_brief_compares_zones_and_is_deterministic(table):
    first = select_findings(table, "all")
    assert first == select_findings(table.sample(frac=1.0, random_state=3), "all")
    diffs = [f for f in first if f.kind == "difference"]
    assert diffs and all(f.zone != "all" and f.difference > 0 for f in diffs)
    assert {f.kind for f in first} >= {"top", "least"}


def test_a_zone_without_usable_shares_gets_no_numbers():
    tiny = _table([_row("z", "health", 0.5, 0.1, 2), _row("z", "cash", 0.5, 0.1, 1)])
    found = select_findings(tiny, "z")
    assert [(f.kind, f.wording) for f in found] == [("no_data", "none")]
    assert found[0].shown() == {}


def test_too_few_candidates_are_filled_up_to_three():
    # the network brief takes one top and one least activity; with no zones to compare
    # and no stage, the next most common activity fills the third place
    rows = [_row("all", c, 0.3 + 0.1 * i, 0.05, 20) for i, c in enumerate("abcd")]
    found = select_findings(_table(rows), "all")
    assert [(f.kind, f.code) for f in found] == [("top", "d"), ("top", "c"), ("least", "a")]


def test_a_table_that_does_not_say_what_is_withheld_is_refused(table):
    from toolkit.errors import InputError

    with pytest.raises(InputError, match="withheld"):
        select_findings(table.drop(columns=["suppressed"]), "a")
