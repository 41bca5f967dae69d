"""Activity x zone heatmap of :mod:`toolkit.figures`.  Import it from
:mod:`toolkit.figures`."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import Normalize
from matplotlib.patches import Patch, Rectangle

from toolkit.figures._common import (
    PERCENT,
    ZONE_ORDER,
    activity_labels,
    as_bool,
    as_float,
    check_proportions,
    check_unique,
    ordered,
    pct_range,
    zone_label,
)
from toolkit.figures._save import add_caption_if_given
from toolkit.figures._style import (
    HATCH_COLOUR,
    MM_PER_PT,
    NO_DATA_COLOUR,
    SHARE_CMAP,
    SMALL_FONT_PT,
    choose_width,
    fmt_pct,
    legend_outside,
    new_axes,
    require_columns,
    root_figure,
    set_title,
    text_colour,
    text_width_pt,
    themed,
    width_mm_of,
    wrap_label,
)

__all__ = [
    "activity_heatmap",
]


# --------------------------------------------------------------------------- heatmap


def activity_heatmap(
    shares: pd.DataFrame,
    *,
    zone: str = "zone",
    activity: str = "activity",
    label: str | None = None,
    zone_order: Sequence[str] | None = None,
    activity_order: Sequence[str] | None = None,
    min_cell: int = 3,
    show_interval: bool = True,
    level: float = 0.95,
    colorbar_label: str = "Weighted share of Societies (%)",
    cmap: str = SHARE_CMAP,
    width: str | float = "auto",
    title: str | None = None,
    ax: Axes | None = None,
    n: int | None = None,
    response_rate: float | None = None,
    source: str | None = None,
    population: int | None = None,
    note: str | None = None,
) -> Axes:
    """Heatmap of the weighted share of Societies running each activity, by zone.

    Each cell shows the share and its confidence interval ("45%" over "(32–58)") on a
    fixed 0–100% colour scale.  Suppressed cells (fewer than ``min_cell`` responding
    Societies) are grey, hatched and read "<3"; combinations absent from the data are
    white and read "n/a".  Column headers give the zone and its number of respondents.

    Parameters
    ----------
    shares : DataFrame
        One row per zone x activity with columns ``zone``, ``activity``, ``estimate``
        (proportion), ``n`` and ``suppressed`` (bool); ``ci_low``, ``ci_high``
        (proportions) unless ``show_interval=False``; optional ``activity_label`` and
        ``secondary`` (bool: suppressed only to protect another cell, shown "supp."
        instead of "<3", which would be untrue for it).
        Other row variables (e.g. interview themes) work too: pass ``activity=``.
    zone, activity : str
        Names of the zone and activity columns.
    label : str, optional
        Column of human-readable activity labels (default ``activity_label`` if present).
    zone_order, activity_order : sequence, optional
        Column / row order (default: zones in IFRC order then "all"; activities as given).
    min_cell : int, default 3
        The disclosure threshold, for the "<3" text of suppressed cells.
    show_interval : bool, default True
        Print the interval under the share.
    level : float, default 0.95
        Confidence level of the intervals, for the legend.
    colorbar_label : str
        Label of the colour bar.
    cmap : str
        Sequential colour map (default ``cividis_r``).
    width : {"auto", "single", "double"} or float, default "auto"
        Figure width when ``ax`` is None: "auto" takes the single column (85 mm) when
        the labels and cells fit at 7 pt, else the double column (175 mm); a width too
        narrow for the labels is refused.
    title : str, optional
    ax : Axes, optional
        Draw here instead of a new figure.
    n, response_rate, source, population, note
        Caption data (see :func:`caption`); all of n, response_rate and source are
        needed when any is given.

    Returns
    -------
    Axes
    """
    what = "activity_heatmap"
    require_columns(
        shares,
        [zone, activity, "estimate", "n", "suppressed"]
        + (["ci_low", "ci_high"] if show_interval else []),
        what=what,
    )
    check_unique(shares, [zone, activity], what=what)
    est = as_float(shares, "estimate", what=what)
    nan = np.full(len(est), np.nan)
    lo = as_float(shares, "ci_low", what=what) if show_interval else nan
    hi = as_float(shares, "ci_high", what=what) if show_interval else nan
    cnt = as_float(shares, "n", what=what)
    sup = as_bool(shares, "suppressed", what=what)
    sec = (
        as_bool(shares, "secondary", what=what) & sup
        if "secondary" in shares.columns
        else np.zeros(len(sup), dtype=bool)
    )
    check_proportions(shares, np.where(sup, np.nan, est), "estimate", what=what)
    for col, v in (("ci_low", lo), ("ci_high", hi)):
        check_proportions(shares, np.where(sup, np.nan, v), col, what=what, interval=True)
    lo, hi = np.clip(lo, 0, 1), np.clip(hi, 0, 1)
    zones = ordered(shares[zone], zone_order, ZONE_ORDER)
    acts = ordered(shares[activity], activity_order)
    labels = activity_labels(shares, activity, label)
    zi = {z: i for i, z in enumerate(zones)}
    ai = {a: i for i, a in enumerate(acts)}
    nr, nc = len(acts), len(zones)
    E = np.full((nr, nc), np.nan)
    L = np.full((nr, nc), np.nan)
    H = np.full((nr, nc), np.nan)
    S = np.zeros((nr, nc), dtype=bool)
    S2 = np.zeros((nr, nc), dtype=bool)
    present = np.zeros((nr, nc), dtype=bool)
    for k, (z, a) in enumerate(zip(shares[zone], shares[activity])):
        if z not in zi or a not in ai:
            continue
        r, c = ai[a], zi[z]
        present[r, c] = True
        S[r, c] = sup[k]
        S2[r, c] = sec[k]
        E[r, c], L[r, c], H[r, c] = est[k], lo[k], hi[k]
    valid = present & ~S & np.isfinite(E)
    nodata = ~valid & ~S

    col_n: list[str] = []
    for z in zones:
        m = (shares[zone] == z).to_numpy() & ~sup & np.isfinite(cnt)
        vals = np.unique(cnt[m])
        if vals.size == 0:
            col_n.append("")
        elif vals.size == 1:
            col_n.append(f"\nn = {vals[0]:.0f}")
        else:
            col_n.append(f"\nn = {vals.min():.0f}–{vals.max():.0f}")

    # width needed: row labels (wrapped to 18 characters) + cells wide enough for
    # "(100–100)" and the zone headers + colour bar
    tick_pt = SMALL_FONT_PT + 0.5
    row_w = max(
        text_width_pt(line, tick_pt) for a in acts for line in wrap_label(labels[a], 18).split("\n")
    )
    head_w = max(text_width_pt(line, tick_pt) for z in zones for line in zone_label(z).split("\n"))
    cell_w = (
        max(
            text_width_pt("(100–100)" if show_interval else "100%", SMALL_FONT_PT),
            head_w,
        )
        + 8
    )
    needed = (row_w + nc * cell_w) * MM_PER_PT + 30
    with themed():
        own = ax is None
        if ax is None:
            width = choose_width(width, needed, what=what)
            height = 24 + 7.2 * nr + (7 if show_interval else 0) + 14
            ax = new_axes(width, height)
        wrap_at = 18 if width_mm_of(ax) < 120 else 30
        fig = root_figure(ax)
        norm = Normalize(0.0, 1.0)
        cm = mpl.colormaps[cmap]
        mesh = ax.pcolormesh(
            np.arange(nc + 1),
            np.arange(nr + 1),
            np.ma.masked_where(~valid, E),
            cmap=cm,
            norm=norm,
            edgecolors="white",
            linewidth=1.0,
        )
        for r in range(nr):
            for c in range(nc):
                if S[r, c]:
                    ax.add_patch(
                        Rectangle(
                            (c, r),
                            1,
                            1,
                            facecolor=NO_DATA_COLOUR,
                            edgecolor="white",
                            hatch="////",
                            hatchcolor=HATCH_COLOUR,
                            linewidth=1.0,
                        )
                    )
                    ax.text(
                        c + 0.5,
                        r + 0.5,
                        "supp." if S2[r, c] else f"<{min_cell}",
                        ha="center",
                        va="center",
                        fontsize=SMALL_FONT_PT + 0.5,
                        color="black",
                        bbox={
                            "facecolor": NO_DATA_COLOUR,
                            "edgecolor": "none",
                            "pad": 1.0,
                        },
                    )
                elif nodata[r, c]:
                    ax.add_patch(
                        Rectangle(
                            (c, r),
                            1,
                            1,
                            facecolor="white",
                            edgecolor="0.8",
                            linewidth=0.6,
                        )
                    )
                    ax.text(
                        c + 0.5,
                        r + 0.5,
                        "n/a",
                        ha="center",
                        va="center",
                        fontsize=SMALL_FONT_PT,
                        color="0.35",
                    )
                else:
                    txt = fmt_pct(E[r, c])
                    if show_interval and np.isfinite(L[r, c]) and np.isfinite(H[r, c]):
                        txt += f"\n({pct_range(L[r, c], H[r, c])})"
                    ax.text(
                        c + 0.5,
                        r + 0.5,
                        txt,
                        ha="center",
                        va="center",
                        fontsize=SMALL_FONT_PT,
                        color=text_colour(cm(norm(E[r, c]))),
                        linespacing=1.1,
                    )
        ax.set_xlim(0, nc)
        ax.set_ylim(nr, 0)
        ax.set_xticks(np.arange(nc) + 0.5, [zone_label(z) + s for z, s in zip(zones, col_n)])
        ax.set_yticks(np.arange(nr) + 0.5, [wrap_label(labels[a], wrap_at) for a in acts])
        ax.xaxis.tick_top()
        ax.tick_params(length=0)
        for sp in ax.spines.values():
            sp.set_visible(False)
        cb = fig.colorbar(
            mesh,
            ax=ax,
            fraction=0.04,
            shrink=min(1.0, 6 / max(nr, 1) + 0.25),
            aspect=18,
            pad=0.02,
        )
        cb.set_label(colorbar_label)
        cb.set_ticks([0, 0.25, 0.5, 0.75, 1.0])
        cb.ax.yaxis.set_major_formatter(PERCENT)
        cb.outline.set_linewidth(0.5)
        handles, names = [], []
        if (S & ~S2).any():
            handles.append(
                Patch(
                    facecolor=NO_DATA_COLOUR,
                    hatch="////",
                    edgecolor=HATCH_COLOUR,
                    linewidth=0,
                )
            )
            names.append(f"<{min_cell}: fewer than {min_cell} responding Societies (suppressed)")
        if S2.any():
            handles.append(
                Patch(
                    facecolor=NO_DATA_COLOUR,
                    hatch="////",
                    edgecolor=HATCH_COLOUR,
                    linewidth=0,
                )
            )
            names.append("supp.: suppressed so that totals cannot reveal a small cell")
        if nodata.any():
            handles.append(Patch(facecolor="white", edgecolor="0.6", linewidth=0.6))
            names.append("n/a: no estimate")
        if show_interval:
            handles.append(Patch(facecolor="none", edgecolor="none"))
            names.append(f"Cells: share ({level:.0%} confidence interval, %)")
        legend_outside(ax, handles, names, where="bottom", ncol=1, own=own)
        set_title(ax, title, own=own)
        add_caption_if_given(
            ax,
            n=n,
            response_rate=response_rate,
            source=source,
            note=note,
            population=population,
        )
    return ax
