"""Tests of the interview figures of toolkit.figures: theme heatmap, reliability plot."""

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


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def themes() -> pd.DataFrame:
    rows = []
    for zone, n in (("europe", 7), ("africa", 4), ("all", 11)):
        for theme, k in (("capacity", 3), ("access", 1), ("cooperation", 0)):
            k = min(k + (zone == "all") * 2, n)
            rows.append(
                {"zone": zone, "theme": theme, "n_societies": k, "n_interviewed": n, "share": k / n}
            )
    return pd.DataFrame(rows)


def _texts(ax):
    return [t.get_text() for t in ax.texts]


def test_theme_heatmap_cells_headers_and_caption(themes, tmp_path):
    ax = figures.theme_heatmap(
        themes, title="Themes", n=11, population=193, source="Synthetic test interviews"
    )
    t = _texts(ax)
    assert "43%\n3 of 7" in t and "0%\n0 of 4" in t
    heads = [x.get_text() for x in ax.get_xticklabels()]
    assert heads == ["Africa\nn = 4", "Europe\nn = 7", "All zones\nn = 11"]  # IFRC order
    assert [y.get_text() for y in ax.get_yticklabels()] == ["Capacity", "Access", "Cooperation"]
    cap = figures.get_caption(ax)
    assert cap.startswith("n = 11 interviewed Societies of 193.")
    assert "response rate" not in cap
    paths = figures.save(ax.figure, "themes", directory=tmp_path, alt_text="Heatmap.")
    assert paths["svg"].exists() and paths["png"].exists()


def test_theme_heatmap_labels_missing_cells_and_wide_input(themes):
    part = themes[~((themes.zone == "africa") & (themes.theme == "access"))]
    ax = figures.theme_heatmap(part, labels={"capacity": "Capacity gaps"})
    assert _texts(ax).count("n/a") == 1
    assert ax.get_yticklabels()[0].get_text() == "Capacity gaps"
    assert figures.get_caption(ax) is None
    wide = themes.pivot(index="theme", columns="zone", values="share")
    ax = figures.theme_heatmap(wide)
    assert "43%" in _texts(ax) and not any("of" in s for s in _texts(ax))
    codes = themes.rename(columns={"theme": "code"})
    ax = figures.theme_heatmap(codes, theme="code", zone_order=["all", "europe", "africa"])
    assert ax.get_xticklabels()[0].get_text().startswith("All zones")


@pytest.mark.parametrize(
    "change, match",
    [
        (lambda d: d.drop(columns="share"), "share"),
        (lambda d: d.assign(share=d["share"] * 100), "between 0 and 1"),
        (lambda d: pd.concat([d, d.iloc[[0]]]), "more than once"),
    ],
)
def test_theme_heatmap_rejects_bad_tables(themes, change, match):
    with pytest.raises(InputError, match=match):
        figures.theme_heatmap(change(themes))


@pytest.fixture
def reliability() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "code": ["funding", "access", "rare", "(all codes)"],
            "alpha": [0.81, 0.55, np.nan, 0.74],
            "ci_low": [0.4, -0.2, np.nan, 0.6],
            "ci_high": [1.0, 0.9, np.nan, 0.88],
            "kappa": [0.8, 0.52, np.nan, 0.73],
        }
    )


def test_reliability_plot_rows_thresholds_and_caption(reliability):
    ax = figures.reliability_plot(
        reliability.iloc[[3, 0, 1, 2]],
        labels={"funding": "Funding"},
        title="Agreement",
        n=12,
        source="Synthetic test interviews",
    )
    rows = [y.get_text() for y in ax.get_yticklabels()]
    assert rows == ["Funding", "Access", "Rare (n/a)", "All codes"]  # overall last
    assert ax.get_yticklabels()[-1].get_fontweight() == "bold"
    dashed = [line.get_xdata()[0] for line in ax.lines if line.get_linestyle() == "--"]
    assert dashed == [0.667, 0.8]
    assert ax.get_xlim()[0] <= -0.2
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(t.startswith("Alpha") for t in legend) and "Cohen's kappa" in legend
    assert figures.get_caption(ax).startswith("n = 12 double-coded interviews.")


def test_reliability_plot_rejects_percentages(reliability):
    with pytest.raises(InputError, match="between -1 and 1"):
        figures.reliability_plot(reliability.assign(alpha=reliability["alpha"] * 100))
    with pytest.raises(InputError, match="alpha"):
        figures.reliability_plot(reliability.drop(columns="alpha"))
    ax = figures.reliability_plot(reliability, ci_low=None, ci_high=None, kappa=None)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Alpha"]
