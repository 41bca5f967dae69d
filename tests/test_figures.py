"""Tests of toolkit.figures: theme, captions, every plotting function and save()."""

from __future__ import annotations

import io
import re

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.patches import FancyArrowPatch, Rectangle
from PIL import Image

from toolkit import figures
from toolkit.errors import InputError

mpl.use("Agg")
# a collapsed constrained layout (labels or legends too wide for the figure) is a bug
pytestmark = pytest.mark.filterwarnings("error::UserWarning")

CAP = {
    "n": 97,
    "population": 193,
    "response_rate": 97 / 193,
    "source": "Synthetic test survey",
}
ZONES = ["africa", "americas", "asia_pacific", "europe", "mena"]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def texts(ax: Axes) -> list[str]:
    return [t.get_text() for t in ax.texts]


def legend_texts(legend) -> list[str]:
    """Legend labels with the line wrapping undone."""
    return [" ".join(t.get_text().split()) for t in legend.get_texts()]


def caption_of(ax: Axes) -> str:
    cap = figures.get_caption(ax)
    assert cap is not None
    return cap


# --------------------------------------------------------------------------- data


@pytest.fixture
def shares() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    rows = []
    for z in [*ZONES, "all"]:
        for a in ["rfl", "health", "pss", "rescue"]:
            p = rng.uniform(0.1, 0.9)
            rows.append(
                {
                    "zone": z,
                    "activity": a,
                    "estimate": p,
                    "ci_low": p - 0.1,
                    "ci_high": p + 0.1,
                    "n": 25,
                    "suppressed": False,
                }
            )
    df = pd.DataFrame(rows)
    df.loc[
        (df.zone == "africa") & (df.activity == "rfl"),
        ["estimate", "ci_low", "ci_high"],
    ] = [
        0.45,
        0.32,
        0.58,
    ]
    sup = (df.zone == "mena") & (df.activity == "rescue")
    df.loc[sup, ["estimate", "ci_low", "ci_high", "n", "suppressed"]] = [
        np.nan,
        np.nan,
        np.nan,
        2,
        True,
    ]
    return df


@pytest.fixture
def grid() -> pd.DataFrame:
    codes = [
        "NGA",
        "NER",
        "MLI",
        "LBY",
        "TUN",
        "ITA",
        "MLT",
        "FRA",
        "DEU",
        "FJI",
        "TON",
        "USA",
    ]
    return pd.DataFrame(
        {
            "iso3": codes,
            "col": [i % 4 for i in range(12)],
            "row": [i // 4 for i in range(12)],
        }
    )


@pytest.fixture
def coverage() -> pd.DataFrame:
    rows = []
    for s, cs in [
        ("origin", "NGA;NER"),
        ("transit", "NER;LBY;TUN"),
        ("destination", "ITA;MLT"),
    ]:
        for a, st in [("rfl", "covered"), ("health", "gap"), ("shelter", "unknown")]:
            rows.append(
                {
                    "stage": s,
                    "activity": a,
                    "status": st,
                    "n_covering": 2 if st == "covered" else 0,
                    "countries": cs,
                }
            )
    return pd.DataFrame(rows)


@pytest.fixture
def network() -> tuple[pd.DataFrame, pd.DataFrame]:
    nodes = pd.DataFrame(
        {
            "iso3": ["NGA", "NER", "LBY", "ITA", "FRA"],
            "zone": ["africa", "africa", "mena", "europe", "europe"],
            "order": [0, 1, 2, 3, 4],
            "responded": [True, True, False, True, True],
        }
    )
    edges = pd.DataFrame(
        {
            "provider": ["NGA", "ITA", "ITA", "FRA"],
            "recipient": ["NER", "LBY", "FRA", "NGA"],
            "score": [0.9, 0.5, 0.3, 0.7],
        }
    )
    return edges, nodes


@pytest.fixture
def smd() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    rows = []
    for c, levels in {"zone": ZONES, "income_group": ["low", "high"]}.items():
        for lv in levels:
            b = rng.uniform(0, 0.4)
            rows.append({"covariate": c, "level": lv, "adjustment": "unweighted", "smd": b})
            rows.append({"covariate": c, "level": lv, "adjustment": "weighted", "smd": -b / 4})
    return pd.DataFrame(rows)


# -------------------------------------------------------------------------- theme


def test_theme_sets_and_restores_rcparams():
    before = dict(mpl.rcParams)
    with figures.theme():
        assert mpl.rcParams["svg.hashsalt"] == "nsmap-toolkit"
        assert mpl.rcParams["svg.fonttype"] == "none"
        assert mpl.rcParams["font.family"] == ["DejaVu Sans"]
        for key in (
            "font.size",
            "xtick.labelsize",
            "ytick.labelsize",
            "legend.fontsize",
        ):
            assert mpl.rcParams[key] >= 7
        cycle = [c.lower() for c in mpl.rcParams["axes.prop_cycle"].by_key()["color"]]
        assert cycle[0] == figures.OKABE_ITO["blue"].lower()
    assert dict(mpl.rcParams) == before


def test_plotting_leaves_global_rcparams_alone(shares):
    before = dict(mpl.rcParams)
    figures.activity_heatmap(shares, **CAP)
    assert dict(mpl.rcParams) == before


def test_theme_refuses_small_fonts():
    with pytest.raises(InputError, match="7 pt"), figures.theme(font_scale=0.8):
        pass


def test_figure_size_print_widths():
    assert figures.figure_size("single")[0] == pytest.approx(85 / 25.4)
    assert figures.figure_size("double", 100) == pytest.approx((175 / 25.4, 100 / 25.4))
    with pytest.raises(InputError):
        figures.figure_size("a4")


# ------------------------------------------------------------------------ caption


def test_caption_text_reads_as_specified():
    text = figures.caption_text(n=97, population=193, response_rate=0.5, source="Survey 2025")
    assert text == ("n = 97 responding Societies of 193 (response rate 50%). Source: Survey 2025.")
    text = figures.caption_text(n=5, response_rate=0.999, source="S.", note="Weighted")
    assert text == "n = 5 responding Societies (response rate >99%). Source: S. Weighted."


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"n": 10, "response_rate": 50, "source": "S"}, "proportion"),
        ({"n": 10, "response_rate": 0.5, "source": " "}, "source"),
        ({"n": -1, "response_rate": 0.5, "source": "S"}, "whole number"),
        ({"n": 10, "response_rate": 0.5, "source": "S", "population": 5}, "at least"),
    ],
)
def test_caption_rejects_bad_input(kw, match):
    with pytest.raises(InputError, match=match):
        figures.caption_text(**kw)


def test_caption_wraps_inside_figure_and_replaces():
    fig, ax = plt.subplots(figsize=figures.figure_size("single"), layout="constrained")
    long = "A data source with a long name " * 6
    t = figures.caption(ax, n=3, response_rate=0.25, source=long)
    assert "\n" in t.get_text()
    fig.canvas.draw()
    assert t.get_window_extent().x1 <= fig.bbox.x1 + 1
    figures.caption(fig, n=4, response_rate=0.5, source="Other")
    assert figures.get_caption(fig).startswith("n = 4 ")
    assert sum(1 for x in fig.texts if x.get_gid() == "nsmap-caption") == 1


def test_partial_caption_data_is_an_error(shares):
    with pytest.raises(InputError, match="response_rate"):
        figures.activity_heatmap(shares, n=97, source="S")


# ------------------------------------------------------------------------ heatmap


def test_activity_heatmap_cells_and_caption(shares):
    ax = figures.activity_heatmap(shares, **CAP)
    assert isinstance(ax, Axes)
    t = texts(ax)
    assert "45%\n(32–58)" in t
    assert t.count("<3") == 1
    hatched = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_hatch()]
    assert len(hatched) == 1
    assert hatched[0].get_xy() == (4, 3)  # mena column, rescue row
    cols = [x.get_text() for x in ax.get_xticklabels()]
    assert cols[0] == "Africa\nn = 25" and cols[-1].startswith("All zones")
    rows = [y.get_text() for y in ax.get_yticklabels()]
    assert rows[0] == "Restoring family links"
    cap = caption_of(ax)
    assert "n = 97" in cap and "response rate 50%" in cap and "Synthetic test survey" in cap


def test_activity_heatmap_uses_label_column(shares):
    df = shares.assign(activity_label=shares["activity"].str.upper())
    ax = figures.activity_heatmap(df)
    assert [y.get_text() for y in ax.get_yticklabels()][:2] == ["RFL", "HEALTH"]
    assert figures.get_caption(ax) is None


def test_heatmap_secondary_suppression_is_not_called_small(shares):
    df = shares.assign(secondary=False)
    sec = (df.zone == "all") & (df.activity == "rescue")
    df.loc[sec, ["suppressed", "secondary"]] = True
    ax = figures.activity_heatmap(df)
    assert texts(ax).count("<3") == 1 and texts(ax).count("supp.") == 1
    assert len([p for p in ax.patches if p.get_hatch()]) == 2
    leg = legend_texts(ax.get_legend())
    assert any(x.startswith("supp.:") for x in leg)


def test_heatmap_width_auto_and_too_narrow(shares):
    ax = figures.activity_heatmap(shares)  # 6 columns: double column
    assert ax.get_figure().get_figwidth() * 25.4 == pytest.approx(175)
    one = shares[shares.zone == "africa"]
    ax = figures.activity_heatmap(one)  # 1 column: single column
    assert ax.get_figure().get_figwidth() * 25.4 == pytest.approx(85)
    with pytest.raises(InputError, match="needs about"):
        figures.activity_heatmap(shares, width="single")


def test_heatmap_without_intervals_for_interview_themes():
    df = pd.DataFrame(
        {
            "zone": ["africa", "africa", "europe", "europe"],
            "theme": ["funding", "access", "funding", "access"],
            "estimate": [0.5, 0.25, 0.75, 0.0],
            "n": [8, 8, 4, 4],
            "suppressed": [False, False, False, False],
        }
    )
    ax = figures.activity_heatmap(
        df,
        activity="theme",
        show_interval=False,
        colorbar_label="Share of interviews (%)",
    )
    assert texts(ax) == ["50%", "75%", "25%", "0%"]
    assert ax.get_figure().axes[1].get_ylabel() == "Share of interviews (%)"


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda d: d.drop(columns="suppressed"), "suppressed"),
        (lambda d: pd.concat([d, d.iloc[[0]]]), "more than once"),
        (lambda d: d.assign(estimate=d["estimate"] * 100), "proportions"),
        (
            lambda d: d.assign(suppressed=d["suppressed"].astype(object).where(d.index > 0)),
            "missing",
        ),
    ],
)
def test_activity_heatmap_rejects_bad_tables(shares, change, match):
    with pytest.raises(InputError, match=match):
        figures.activity_heatmap(change(shares))


# ------------------------------------------------------------------------- forest


def test_forest_plot_methods_intervals_and_bounds():
    rows = []
    for a, p in [("rfl", 0.4), ("health", 0.6), ("cash", 0.2)]:
        for m, d in [("adjusted", 0.05), ("unadjusted", 0.0)]:
            rows.append(
                {
                    "activity": a,
                    "method": m,
                    "estimate": p + d,
                    "ci_low": p + d - 0.08,
                    "ci_high": p + d + 0.08,
                    "bound_low": p / 2,
                    "bound_high": p / 2 + 0.5,
                }
            )
    ax = figures.forest_plot(pd.DataFrame(rows), **CAP)
    markers = [ln for ln in ax.lines if ln.get_marker() not in (None, "None", "")]
    assert len(markers) == 6
    leg = legend_texts(ax.get_legend())
    assert leg[:2] == ["Unadjusted (95% CI)", "Adjusted (95% CI)"]  # unadjusted first
    assert "Non-response bounds" in leg
    bands = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(bands) == 3  # one band per activity (bounds shared by the methods)
    assert bands[0].get_x() == pytest.approx(0.2) and bands[0].get_width() == pytest.approx(0.5)
    assert "bands" in caption_of(ax)


def test_forest_plot_rejects_interval_without_estimate():
    df = pd.DataFrame(
        {
            "activity": ["rfl"],
            "method": ["adjusted"],
            "estimate": [0.5],
            "ci_low": [0.6],
            "ci_high": [0.7],
        }
    )
    with pytest.raises(InputError, match="interval"):
        figures.forest_plot(df)


# ----------------------------------------------------------------------- tile map


def test_tile_map_categorical_with_no_data(grid):
    values = pd.DataFrame({"iso3": grid.iso3[:10], "status": ["responded", "not responded"] * 5})
    ax = figures.tile_map(values, column="status", grid=grid, **CAP)
    tiles = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(tiles) == len(grid)
    assert {w for p in tiles for w in (p.get_width(), p.get_height())} == {0.92}
    assert set(grid.iso3) <= set(texts(ax))
    hatched = [p for p in tiles if p.get_hatch()]
    assert len(hatched) == 2  # FJI and TON have no value
    leg = legend_texts(ax.get_legend())
    assert leg == ["Responded (5)", "Not responded (5)", "No data (2)"]
    assert all(t.get_fontsize() >= 7 for t in ax.texts)


def test_tile_map_numeric_has_colourbar_and_no_data(grid):
    s = pd.Series(np.linspace(0, 1, 12), index=grid.iso3, name="coverage")
    s.iloc[3] = np.nan
    ax = figures.tile_map(s, grid=grid, **CAP)
    fig = ax.get_figure()
    assert len(fig.axes) == 2  # map + colour bar
    cbar_ax = fig.axes[1]
    assert legend_texts(cbar_ax.get_legend()) == ["No data (1)"]


def test_tile_map_refuses_codes_without_tile(grid):
    values = pd.DataFrame({"iso3": ["NGA", "XXX"], "status": ["responded", "responded"]})
    with pytest.raises(InputError, match="XXX"):
        figures.tile_map(values, column="status", grid=grid)


def test_tile_grid_validation(grid):
    bad = pd.concat([grid, grid.iloc[[0]].assign(iso3="ZZZ")])
    with pytest.raises(InputError, match="more than once"):
        figures.tile_map(pd.Series({"NGA": 1.0}), grid=bad)


def test_bundled_tile_grid_loads_when_present():
    from importlib import resources

    if not resources.files("toolkit").joinpath("data", "tile_grid.csv").is_file():
        pytest.skip("toolkit/data/tile_grid.csv not bundled yet")
    grid = figures.load_tile_grid()
    assert {"iso3", "col", "row"} <= set(grid.columns)
    assert grid.iso3.is_unique


# ------------------------------------------------------------------ route diagram


def test_route_diagram_marks_gaps(coverage):
    ax = figures.route_diagram(coverage, route="Test route", **CAP)
    cells = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(cells) == 9
    gaps = [p for p in cells if p.get_hatch()]
    assert len(gaps) == 3
    assert all(
        np.allclose(p.get_facecolor()[:3], mpl.colors.to_rgb(figures.COVERAGE_COLOURS["gap"]))
        for p in gaps
    )
    t = texts(ax)
    assert t.count("gap") == 3 and t.count("unknown") == 3
    assert "2 of 3" in t  # two of the three transit Societies
    heads = [x.get_text() for x in ax.get_xticklabels()]
    assert heads[0].startswith("Origin\nNGA, NER")
    leg = legend_texts(ax.get_legend())
    assert any(x.startswith("Gap") for x in leg)
    assert ax.get_figure().get_suptitle() == "Test route"


def test_route_diagram_rejects_unknown_status(coverage):
    bad = coverage.assign(status=["covered", "partly", "gap"] * 3)
    with pytest.raises(InputError, match="partly"):
        figures.route_diagram(bad)


# ---------------------------------------------------------------------- network


def _arrows(ax: Axes) -> list[FancyArrowPatch]:
    return [p for p in ax.patches if isinstance(p, FancyArrowPatch)]


def test_cooperation_network_cross_regional_dashed(network):
    edges, nodes = network
    ax = figures.cooperation_network(edges, nodes, **CAP)
    arrows = _arrows(ax)
    assert len(arrows) == 4
    dashed = [a for a in arrows if a.get_linestyle() not in ("-", "solid")]
    assert len(dashed) == 2  # ITA->LBY (europe->mena) and FRA->NGA (europe->africa)
    widths = sorted(a.get_linewidth() for a in arrows)
    assert widths[0] < widths[-1]
    assert {"NGA", "NER", "LBY", "ITA", "FRA"} <= set(texts(ax))
    # route layout: nodes left to right in route order
    xs = {t.get_text(): t.get_position()[0] for t in ax.texts}
    assert xs["NGA"] < xs["NER"] < xs["LBY"] < xs["ITA"] < xs["FRA"]
    leg = legend_texts(ax.get_legend())
    assert "Cross-regional" in leg and "Did not respond (capacity unknown)" in leg


def test_cooperation_network_circle_layout_and_flag_column(network):
    edges, nodes = network
    e = edges.assign(cross_regional=[False, False, False, False])
    ax = figures.cooperation_network(e, nodes.drop(columns="order"), layout="auto")
    assert all(a.get_linestyle() in ("-", "solid") for a in _arrows(ax))
    pos = {t.get_text(): t.get_position() for t in ax.texts}
    radii = [np.hypot(*p) for p in pos.values()]
    assert np.allclose(radii, 1.0)


def test_cooperation_network_needs_known_societies(network):
    edges, nodes = network
    with pytest.raises(InputError, match="not in nodes"):
        figures.cooperation_network(edges, nodes.iloc[1:])
    with pytest.raises(InputError, match="zones"):
        figures.cooperation_network(edges)
    with pytest.raises(InputError, match="itself"):
        figures.cooperation_network(edges.assign(recipient=edges.provider), nodes)


# ------------------------------------------------------------ love / balance / weights


def test_love_plot_sorted_with_reference_line(smd):
    ax = figures.love_plot(smd, **CAP)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    first = smd[smd.adjustment == "unweighted"].copy()
    top = first.loc[first.smd.abs().idxmax()]
    assert labels[0].endswith(figures.ZONE_LABELS.get(top.level, top.level.capitalize()))
    vlines = [ln for ln in ax.lines if np.allclose(ln.get_xdata(), 0.1)]
    assert len(vlines) == 1 and vlines[0].get_linestyle() == "--"
    xs = np.concatenate([c.get_offsets()[:, 0] for c in ax.collections])
    assert (xs >= 0).all()  # absolute differences
    assert "Income group: high" in labels


def test_love_plot_accepts_indexed_differences(smd):
    df = smd.set_index(["covariate", "level"])
    ax = figures.love_plot(df)
    assert len(ax.get_yticklabels()) == 7


def test_balance_plot_caption_without_response_rate(smd):
    df = smd.rename(columns={"adjustment": "sample"})
    ax = figures.balance_plot(df, n=10, population=49, response_rate=None, source="Sample")
    cap = caption_of(ax)
    assert cap.startswith("n = 10 sampled Societies of 49.")
    assert "sample vs zone" in ax.get_xlabel()


def test_weights_plot_reports_kish_deff():
    w = np.random.default_rng(5).lognormal(0.5, 0.4, 60)
    deff = len(w) * np.sum(w**2) / np.sum(w) ** 2
    assert figures.kish_deff(w) == pytest.approx(deff)
    ax = figures.weights_plot(pd.Series(w), **CAP)
    assert f"Kish design effect {deff:.2f}" in ax.get_title(loc="left")
    assert f"{deff:.2f}" in caption_of(ax)
    df = pd.DataFrame({"weight": w, "zone": np.repeat(ZONES[:3], 20)})
    ax = figures.weights_plot(df, by="zone", **CAP)
    assert len(ax.get_yticklabels()) == 3
    with pytest.raises(InputError, match="positive"):
        figures.weights_plot(np.array([1.0, -2.0]))


def test_response_bars_counts_and_default_caption():
    rates = pd.DataFrame(
        {"zone": ZONES, "responded": [25, 20, 17, 28, 7], "total": [49, 35, 38, 54, 17]}
    )
    ax = figures.response_bars(rates, source="Survey")
    assert "51%  (25 of 49)" in texts(ax)
    assert "50%  (97 of 193)" in texts(ax)  # the "All zones" bar
    assert caption_of(ax).startswith("n = 97 responding Societies of 193 (response rate 50%)")
    with pytest.raises(InputError, match="whole numbers"):
        figures.response_bars(rates.assign(responded=[60, 1, 1, 1, 1]))


# --------------------------------------------------------------------------- save


def _draw(shares: pd.DataFrame) -> plt.Figure:
    small = shares[shares.zone.isin(["africa", "mena"])]  # keeps the suppressed cell
    return figures.activity_heatmap(small, width="double", **CAP).get_figure()


def test_save_writes_deterministic_files_with_alt_text(shares, tmp_path):
    alt = "Heatmap: share of Societies running each activity by zone; one cell suppressed."
    a = figures.save(_draw(shares), "heat", directory=tmp_path / "a", alt_text=alt)
    b = figures.save(_draw(shares), "heat", directory=tmp_path / "b", alt_text=alt)
    assert set(a) == {"svg", "png", "alt"}
    for key in a:
        assert a[key].read_bytes() == b[key].read_bytes(), key
    svg = a["svg"].read_text(encoding="utf-8")
    assert svg.count("<title") == 1
    assert f'<desc id="nsmap-desc">{alt}</desc>' in svg
    assert "<dc:date>" not in svg and "Matplotlib v" not in svg
    assert "&lt;3" in svg  # text kept as text, suppressed cell readable
    assert "Verdana, sans-serif" in svg and "font-family: 'DejaVu Sans';" not in svg
    im = Image.open(a["png"])
    assert im.info["dpi"] == pytest.approx((300, 300), abs=0.01)
    assert im.text["Description"] == alt
    assert "Software" not in im.text
    assert im.size[0] == pytest.approx(175 / 25.4 * 300, abs=2)
    assert a["alt"].read_text(encoding="utf-8") == alt + "\n"
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == [
        "heat.alt.txt",
        "heat.png",
        "heat.svg",
    ]


def test_save_refuses_uncaptioned_or_badly_named(tmp_path):
    rates = pd.DataFrame({"zone": ["africa"], "responded": [3], "total": [5]})
    ax = figures.response_bars(rates)
    with pytest.raises(InputError, match="caption"):
        figures.save(ax.get_figure(), "x", directory=tmp_path, alt_text="x")
    paths = figures.save(
        ax,
        "x",
        directory=tmp_path,
        alt_text="x",
        formats=("png",),
        require_caption=False,
    )
    assert set(paths) == {"png", "alt"}
    for name in ["../x", "a/b", ".hidden", ""]:
        with pytest.raises(InputError, match="name"):
            figures.save(ax, name, directory=tmp_path, alt_text="x", require_caption=False)
    with pytest.raises(InputError, match="alt text"):
        figures.save(ax, "y", directory=tmp_path, alt_text=" ", require_caption=False)
    with pytest.raises(InputError, match="format"):
        figures.save(
            ax,
            "y",
            directory=tmp_path,
            alt_text="y",
            formats=("jpg",),
            require_caption=False,
        )


def test_save_replaces_existing_file_atomically(shares, tmp_path):
    fig = _draw(shares)
    (tmp_path / "heat.svg").write_text("old")
    figures.save(fig, "heat", directory=tmp_path, alt_text="alt", formats=("svg",))
    assert (tmp_path / "heat.svg").read_text(encoding="utf-8").startswith("<?xml")
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_every_public_plot_returns_axes_and_never_shows(
    monkeypatch, shares, grid, coverage, network, smd
):
    monkeypatch.setattr(plt, "show", lambda *a, **k: pytest.fail("plt.show() called"))
    edges, nodes = network
    w = pd.Series(np.random.default_rng(0).uniform(1, 3, 30))
    rates = pd.DataFrame({"zone": ["africa"], "responded": [3], "total": [5]})
    axes = [
        figures.activity_heatmap(shares, **CAP),
        figures.tile_map(pd.Series({"NGA": "responded"}), grid=grid, **CAP),
        figures.route_diagram(coverage, **CAP),
        figures.cooperation_network(edges, nodes, **CAP),
        figures.love_plot(smd, **CAP),
        figures.balance_plot(smd.rename(columns={"adjustment": "sample"}), **CAP),
        figures.weights_plot(w, **CAP),
        figures.response_bars(rates, **CAP),
    ]
    for ax in axes:
        assert isinstance(ax, Axes)
        cap = figures.get_caption(ax)
        assert re.search(r"n = \d+ ", cap) and "response rate" in cap and "Source:" in cap
        fig = ax.get_figure()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=30)  # renders without error
        assert fig.get_figwidth() * 25.4 in (pytest.approx(85), pytest.approx(175))


def test_plot_draws_into_given_axes(shares):
    fig, (_a1, a2) = plt.subplots(1, 2, figsize=(10, 5))
    out = figures.activity_heatmap(shares, ax=a2)
    assert out is a2
    assert len(fig.axes) == 3  # two axes + colour bar


def test_fallback_activity_labels_match_the_instrument():
    from toolkit.instrument import load_instrument

    labels = load_instrument().choice_labels("activity")
    for code, label in figures.ACTIVITY_LABELS.items():
        if code != "other":
            assert labels[code] == label
