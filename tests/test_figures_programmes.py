"""Tests of the programme figures of toolkit.figures: programmes per activity type, start
years, status mix and people reached."""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from toolkit import figures
from toolkit.errors import InputError

mpl.use("Agg")
pytestmark = pytest.mark.filterwarnings("error::UserWarning")
FACTS = {"n": 40, "response_rate": 0.5, "population": 80, "source": "Synthetic test register"}


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def register() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 60
    return pd.DataFrame(
        {
            "zone": rng.choice(["africa", "europe"], n),
            "status": rng.choice(["running", "ended", "planned"], n, p=[0.7, 0.2, 0.1]),
            "start_year": rng.integers(1998, 2027, n),
            "people_reached": np.round(np.exp(rng.normal(6, 1.2, n))).astype(int),
            "reached_basis": rng.choice(["counted", "estimated", None], n, p=[0.5, 0.4, 0.1]),
        }
    )


@pytest.fixture
def counts() -> pd.DataFrame:
    rows = []
    for zone in ("africa", "europe", "all"):
        for a, k in (("health", 5), ("rfl", 3), ("detention", 1)):
            hidden = a == "detention" and zone in ("africa", "all")
            rows.append(
                {"zone": zone, "activity": a, "programmes": np.nan if hidden else k}
                | {"suppressed": hidden}
            )
    return pd.DataFrame(rows)


def _texts(ax):
    return [t.get_text() for t in ax.texts]


def test_activity_bars_stack_zones_and_mark_withheld_cells(counts, tmp_path):
    ax = figures.programme_activity_bars(
        counts, zone="all", labels={"rfl": "Family links"}, min_cell=3, title="Programmes", **FACTS
    )
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["Detention visits", "Family links", "Health care"]  # fewest first
    texts = _texts(ax)
    assert " 10" in texts and " 6" in texts  # stacked totals: africa + europe
    assert " 1 + withheld*" in texts  # europe shown, africa withheld
    assert "fewer than 3 responding Societies" in figures.get_caption(ax)
    assert len(ax.patches) == 6  # 3 activities x 2 zones, the withheld one of height 0
    paths = figures.save(ax.figure, "bars", directory=tmp_path, alt_text="Bars.")
    assert paths["png"].exists() and paths["svg"].exists()


def test_activity_bars_of_one_zone(counts):
    ax = figures.programme_activity_bars(counts, zone="africa", **FACTS)
    assert " withheld*" in _texts(ax) and " 5" in _texts(ax)
    assert ax.get_legend() is None and not ax.figure.legends
    with pytest.raises(InputError, match="no rows for zone 'mena'"):
        figures.programme_activity_bars(counts, zone="mena")


def test_start_years_group_early_years_and_stack_status(register):
    ax = figures.programme_start_years(register, first_year=2010, **FACTS)
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert ticks[0] == "before 2010"
    heights = {}
    for p in ax.patches:
        x = round(p.get_x() + p.get_width() / 2)
        heights[x] = heights.get(x, 0) + p.get_height()
    assert sum(heights.values()) == len(register)
    assert heights[2009] == (register["start_year"] < 2010).sum()  # the "before" bar


def test_status_mix_shares_per_zone_and_all(register):
    ax = figures.programme_status_mix(register, **FACTS)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Africa", "Europe", "All zones"]
    widths = [p.get_width() for p in ax.patches if round(p.get_y() + p.get_height() / 2) == 2]
    assert sum(widths) == pytest.approx(1.0)
    assert str(len(register)) in _texts(ax)
    assert "number of programmes" in figures.get_caption(ax)


def test_people_reached_rows_separate_counted_from_estimated(register):
    ax = figures.people_reached_plot(register, **FACTS)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    k = int(((register["zone"] == "africa") & (register["reached_basis"] == "counted")).sum())
    assert labels[0] == f"Africa: counted (n = {k})" and labels[1].startswith("Africa: estimated")
    assert ax.get_xscale() == "log"
    plotted = sum(len(c.get_offsets()) for c in ax.collections)
    assert plotted == int(register["reached_basis"].notna().sum())
    assert "without a number or its basis not shown" in figures.get_caption(ax)
    with pytest.raises(InputError, match="no programme reports"):
        figures.people_reached_plot(register.assign(people_reached=np.nan))


def test_missing_columns_are_named(register):
    with pytest.raises(InputError, match="start_year"):
        figures.programme_start_years(register.drop(columns="start_year"))
