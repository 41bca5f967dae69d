"""The brief's own figures, drawn in the brief's language with the bundled fonts.

Matplotlib 3.11 lays text out with libraqm (shaping and the Unicode bidirectional
algorithm), so Arabic labels come out joined and right to left without reshaping;
the bundled Noto Sans / Noto Sans Arabic fonts (``toolkit/data/fonts``) are registered
at first use and used for every language, so a figure looks the same on any machine.
In a right-to-left language the charts are mirrored: labels on the right, shares
growing leftwards.
"""

from __future__ import annotations

import functools
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from toolkit.publish._brief import Brief, BriefFigure
from toolkit.publish._brief_terms import zone_name, zone_where
from toolkit.publish._brief_text import label
from toolkit.publish._i18n import FONT_FAMILIES, N_, Language, font_dir

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

__all__ = [
    "FIGURE_WIDTH_IN",
    "brief_figures",
    "dot_figure",
    "figure_rc",
    "heatmap_figure",
    "register_fonts",
    "save_figure",
    "thumbnail_path",
]

#: Width of a brief figure: the text width of an A4 page with 2 cm margins.
FIGURE_WIDTH_IN = 6.7
_BLUE, _GREY, _WITHHELD = "#0072B2", "#555555", "#DDDDDD"
_CMAP = "cividis_r"


@functools.cache
def register_fonts() -> tuple[str, ...]:
    """Add the bundled fonts to matplotlib's font manager (once per process)."""
    from matplotlib import font_manager

    files = sorted(font_dir().glob("*.ttf"))
    for path in files:
        font_manager.fontManager.addfont(str(path))
    return tuple(p.name for p in files)


def figure_rc(lang: Language) -> dict[RcKeyType, Any]:
    """rcParams of a brief figure in ``lang`` (use with ``matplotlib.rc_context``)."""
    register_fonts()
    return {
        "font.family": list(FONT_FAMILIES),
        "font.size": 8.0,
        "axes.titlesize": 9.0,
        "axes.labelsize": 8.0,
        "xtick.labelsize": 7.5,
        "ytick.labelsize": 7.5,
        "axes.spines.top": False,
        "axes.spines.right": lang.rtl,
        "axes.spines.left": not lang.rtl,
        "axes.titlelocation": "right" if lang.rtl else "left",
        "svg.fonttype": "path",
        "svg.hashsalt": "nsmap-brief",
        "text.language": lang.code,
        "figure.dpi": 100,
    }


def _panel(ax: Any, rows: pd.DataFrame, lang: Language, title: str) -> None:
    rows = rows.sort_values("estimate", kind="stable")
    y = np.arange(len(rows))
    est = rows["estimate"].to_numpy(float) * 100
    low = rows["ci_low"].to_numpy(float) * 100
    high = rows["ci_high"].to_numpy(float) * 100
    ax.hlines(y, low, high, color=_BLUE, alpha=0.45, linewidth=2.6, label="_ci")
    ax.plot(est, y, "o", color=_BLUE, markersize=4, label="_est")
    ax.set_yticks(y, rows["label"].tolist())
    ax.set_xlim(-2, 102)
    ticks = [0, 25, 50, 75, 100]
    ax.set_xticks(ticks, [lang.percent(t / 100) for t in ticks])
    ax.grid(axis="x", color="#E5E5E5", linewidth=0.6)
    ax.set_axisbelow(True)
    ax.set_title(title, fontweight="bold")
    ax.set_ylim(-0.7, len(rows) - 0.3)
    if lang.rtl:
        ax.invert_xaxis()
        ax.yaxis.tick_right()
    ax.tick_params(axis="y", length=0)


def dot_figure(
    panels: Sequence[tuple[str, pd.DataFrame]],
    lang: Language,
    *,
    title: str,
    xlabel: str,
    level: str,
) -> Figure:
    """Shares with intervals as dots and bars, one panel per dimension.

    Parameters
    ----------
    panels : sequence of (title, DataFrame)
        Each table has ``label``, ``estimate``, ``ci_low``, ``ci_high`` (withheld
        rows already left out).
    lang : Language
    title, xlabel : str
        Figure title and axis label, in ``lang``.
    level : str
        The confidence level as written in ``lang`` (``95 %``), for the legend.
    """
    from matplotlib.lines import Line2D

    sizes = [max(len(rows), 1) for _, rows in panels]
    height = 1.1 + 0.16 * sum(sizes) + 0.3 * len(panels)
    with mpl.rc_context(figure_rc(lang)):
        fig = Figure(figsize=(FIGURE_WIDTH_IN, height), layout="constrained")
        axes = fig.subplots(len(panels), 1, height_ratios=sizes, squeeze=False)[:, 0]
        for ax, (name, rows) in zip(axes, panels):
            _panel(ax, rows, lang, name)
        axes[-1].set_xlabel(xlabel)
        handles = [
            Line2D([], [], marker="o", color=_BLUE, linestyle="none", markersize=4.5),
            Line2D([], [], color=_BLUE, alpha=0.45, linewidth=3.2),
        ]
        names = [lang.gettext("Estimate"), lang.translate("{level} interval", level=level)]
        if lang.rtl:  # first entry on the right, marker after (to the right of) its text
            handles, names = handles[::-1], names[::-1]
        fig.legend(
            handles,
            names,
            loc="outside lower center",
            ncol=2,
            frameon=False,
            markerfirst=not lang.rtl,
        )
        fig.suptitle(
            title,
            x=0.99 if lang.rtl else 0.01,
            ha="right" if lang.rtl else "left",
            fontsize=10,
            fontweight="bold",
        )
    return fig


def heatmap_figure(
    table: pd.DataFrame, withheld: pd.DataFrame, lang: Language, *, title: str, colorbar: str
) -> Figure:
    """Shares by row (activity) and column (zone) as a coloured table with the values.

    ``table`` holds shares (0-1, NaN where withheld); ``withheld`` is True where a
    cell is withheld (drawn grey with a dash).
    """
    cols = list(table.columns)[::-1] if lang.rtl else list(table.columns)
    values = table[cols].to_numpy(float)
    hidden = withheld[cols].to_numpy(bool)
    height = 1.3 + 0.17 * len(table)
    with mpl.rc_context(figure_rc(lang)):
        fig = Figure(figsize=(FIGURE_WIDTH_IN, height), layout="constrained")
        ax = fig.subplots()
        cmap = mpl.colormaps[_CMAP].with_extremes(bad=_WITHHELD)
        image = ax.imshow(
            np.ma.masked_invalid(values * 100), cmap=cmap, vmin=0, vmax=100, aspect="auto"
        )
        for (i, j), v in np.ndenumerate(values):
            text = "–" if hidden[i, j] or not np.isfinite(v) else lang.percent(v)
            dark = np.isfinite(v) and v > 0.55
            ax.text(
                j, i, text, ha="center", va="center", fontsize=7, color="white" if dark else "black"
            )
        names = [textwrap.fill(zone_name(lang, c), 16) for c in cols]
        ax.set_xticks(range(len(cols)), names, rotation=0, fontsize=7)
        ax.set_yticks(range(len(table)), table.index.tolist())
        ax.xaxis.tick_top()
        ax.tick_params(length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
        if lang.rtl:
            ax.yaxis.tick_right()
        bar = fig.colorbar(image, ax=ax, location="bottom", shrink=0.5, aspect=40)
        bar.set_ticks([0, 50, 100], labels=[lang.percent(t) for t in (0, 0.5, 1)])
        bar.set_label(colorbar)
        fig.suptitle(
            title,
            x=0.99 if lang.rtl else 0.01,
            ha="right" if lang.rtl else "left",
            fontsize=10,
            fontweight="bold",
        )
    return fig


def save_figure(
    fig: Figure,
    png: Path,
    *,
    dpi: int = 200,
    thumbnail: Path | None = None,
    thumbnail_dpi: int = 96,
) -> Path:
    """Write ``fig`` as PNG (``dpi``) and SVG beside it, without dates or software tags
    (and as a small PNG at ``thumbnail_dpi`` to ``thumbnail`` when given).

    The layout is computed once, for the PNG, and kept for the other files: they are
    the same drawing, and each layout pass costs as much as a file.
    """
    png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png, dpi=dpi, metadata={"Software": None})
    fig.set_layout_engine("none")
    fig.savefig(png.with_suffix(".svg"), metadata={"Date": None, "Creator": None})
    if thumbnail is not None:
        fig.savefig(thumbnail, dpi=thumbnail_dpi, metadata={"Software": None})
    return png


def _shown(rows: pd.DataFrame) -> pd.DataFrame:
    ok = pd.Series(True, index=rows.index)
    for col in ("suppressed", "secondary"):
        if col in rows:
            ok &= ~rows[col].astype("boolean").fillna(True).astype(bool)
    ok &= rows["estimate"].notna() & rows["ci_low"].notna() & rows["ci_high"].notna()
    return rows[ok]


def _labelled(lang: Language, brief: Brief, rows: pd.DataFrame, dim: str) -> pd.DataFrame:
    return rows.assign(label=[label(lang, brief, dim, str(c)) for c in rows["code"]])


def _caption(lang: Language, brief: Brief, first: str, **values: Any) -> str:
    parts = [
        lang.translate(first, **values),
        lang.translate(
            "{n} of {population} National Societies answered ({rate}).",
            n=lang.integer(brief.n),
            population=lang.integer(brief.population),
            rate=lang.percent(brief.response_rate) if brief.population else "–",
        ),
    ]
    if brief.synthetic:
        parts.append(lang.gettext("SYNTHETIC DATA."))
    return " ".join(parts)


def thumbnail_path(folder: Path, lang: str) -> Path:
    """Where :func:`brief_figures` writes the thumbnail of the first figure."""
    return folder / f"brief.{lang}.figure1.thumb.png"


def brief_figures(
    brief: Brief, lang: Language, folder: Path, *, thumbnail_dpi: int | None = None
) -> tuple[BriefFigure, ...]:
    """Draw the brief's two figures in ``lang`` under ``folder``.

    Zone brief: the zone's activity shares; its shares by stage and by group of
    migrants.  Network brief: activity shares across the network; a zones-by-activity
    table of shares.  Returns them with their captions and alt texts.  With
    ``thumbnail_dpi`` the first figure is also written small (PNG at that resolution,
    :func:`thumbnail_path`) for a run's landing page.
    """
    est = brief.estimates
    zone = brief.zone
    level = lang.percent(brief.level)
    where = zone_where(lang, zone)
    name = zone_name(lang, zone)
    xlabel = lang.gettext("Share of National Societies")
    here = est[est["zone"].astype(str) == zone]
    acts = _labelled(lang, brief, _shown(here[here["dimension"] == "activity"]), "activity")
    fig1 = dot_figure(
        [(lang.gettext("Activity"), acts)],
        lang,
        title=lang.translate("Activities for migrants: {zone}", zone=name),
        xlabel=xlabel,
        level=level,
    )
    first = N_(
        "Share of National Societies {where} running each activity, with {level} "
        "intervals. Withheld shares are not shown."
    )
    thumb = thumbnail_path(folder, lang.code) if thumbnail_dpi else None
    out = [
        BriefFigure(
            save_figure(
                fig1,
                folder / f"brief.{lang.code}.figure1.png",
                thumbnail=thumb,
                thumbnail_dpi=thumbnail_dpi or 96,
            ),
            _caption(lang, brief, first, where=where, level=level),
            lang.gettext(
                "Dots and bars: share of National Societies running each activity, with intervals."
            ),
        )
    ]
    if zone != "all":
        stages = _labelled(lang, brief, _shown(here[here["dimension"] == "stage"]), "stage")
        groups = _labelled(lang, brief, _shown(here[here["dimension"] == "group"]), "group")
        fig2 = dot_figure(
            [
                (lang.gettext("Stage of the journey"), stages),
                (lang.gettext("Group of migrants"), groups),
            ],
            lang,
            title=lang.translate("Stages and groups of migrants: {zone}", zone=name),
            xlabel=xlabel,
            level=level,
        )
        first = N_(
            "Share of National Societies {where} working at each stage of the journey and "
            "for each group of migrants, with {level} intervals."
        )
        alt = lang.gettext(
            "Dots and bars: share of National Societies by stage of the "
            "journey and by group of migrants, with intervals."
        )
    else:
        act = est[est["dimension"] == "activity"]
        zones = [*brief.zones, "all"]
        order = act[act["zone"].astype(str) == "all"].sort_values("estimate", ascending=False)
        codes = order["code"].astype(str).tolist()
        shown = _shown(act)
        grid = shown.pivot_table(
            index="code", columns="zone", values="estimate", aggfunc="first", observed=False
        )
        grid = grid.reindex(index=codes, columns=zones)
        hidden = grid.isna()
        grid.index = [label(lang, brief, "activity", c) for c in codes]
        hidden.index = grid.index
        fig2 = heatmap_figure(
            grid, hidden, lang, title=lang.gettext("Activities by zone"), colorbar=xlabel
        )
        first = N_(
            "Share of National Societies running each activity, by zone. Withheld "
            "shares are marked –."
        )
        alt = lang.gettext(
            "Table of coloured cells: share of National Societies running each "
            "activity in each zone."
        )
    out.append(
        BriefFigure(
            save_figure(fig2, folder / f"brief.{lang.code}.figure2.png"),
            _caption(lang, brief, first, where=where, level=level),
            alt,
        )
    )
    return tuple(out)
