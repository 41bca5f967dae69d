"""Figures of coded interviews for :mod:`toolkit.figures`: the theme x zone heatmap and
the inter-coder reliability plot.  Import them from :mod:`toolkit.figures`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import Normalize
from matplotlib.patches import Patch, Rectangle

from toolkit.errors import InputError
from toolkit.figures._common import (
    METHOD_COLOURS,
    PERCENT,
    ZONE_ORDER,
    as_float,
    check_proportions,
    check_unique,
    ordered,
    zone_label,
)
from toolkit.figures._save import add_caption_if_given
from toolkit.figures._style import (
    MM_PER_PT,
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

__all__ = ["reliability_plot", "theme_heatmap"]


def _tidy(table: pd.DataFrame, zone: str, theme: str, value: str) -> pd.DataFrame:
    """Accept the tidy table or a wide theme x zone table of shares."""
    if not isinstance(table, pd.DataFrame):
        raise InputError(
            f"theme_heatmap needs a pandas DataFrame, not {type(table).__name__}.",
            hint="Pass toolkit.interviews.theme_table(...) or theme_zone_table(...).",
        )
    if zone in table.columns or theme in table.columns:
        return table
    wide = table.copy()
    wide.index.name = theme
    wide.columns.name = zone
    stacked = wide.stack()
    assert isinstance(stacked, pd.Series)  # single-level columns stack to a Series
    return stacked.rename(value).reset_index()


def theme_heatmap(
    table: pd.DataFrame,
    *,
    zone: str = "zone",
    theme: str = "theme",
    value: str = "share",
    count: str | None = "n_societies",
    base: str | None = "n_interviewed",
    labels: Mapping[str, str] | None = None,
    zone_order: Sequence[str] | None = None,
    theme_order: Sequence[str] | None = None,
    colorbar_label: str = "Societies raising it (%)",
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
    """Heatmap of interview themes (or codes) by zone: the share of each zone's
    interviewed Societies whose interviews raised the theme.

    Each cell reads the share and, under it, the count ("43%" over "3 of 7"), on a
    fixed 0–100% colour scale; column headers give the zone and its number of
    interviewed Societies.  Combinations absent from the table are white and read
    "n/a".  Shares of a handful of Societies move in large steps: the counts are
    printed so that nobody reads 100% of 1 as a finding.

    Parameters
    ----------
    table : DataFrame
        Tidy: one row per zone x theme with ``zone``, ``theme``, ``share`` (proportion)
        and, unless set to None, ``n_societies`` and ``n_interviewed``
        (:func:`toolkit.interviews.theme_table` or
        :func:`toolkit.interviews.code_frequencies`).  A wide table of shares (index
        themes, one column per zone, as :func:`toolkit.interviews.theme_zone_table`
        returns) is accepted too, without counts.
    zone, theme, value, count, base : str
        Column names (``theme="code"`` for codes); ``count`` and ``base`` may be None.
    labels : mapping, optional
        Row labels (theme -> text); default the name with underscores as spaces,
        capitalised.
    zone_order, theme_order : sequence, optional
        Column / row order (default: zones in IFRC order then "all"; themes as given).
    colorbar_label : str
    cmap : str
        Sequential colour map (default ``cividis_r``).
    width : {"auto", "single", "double"} or float, default "auto"
        As in :func:`activity_heatmap`.
    title : str, optional
    ax : Axes, optional
        Draw here instead of a new figure.
    n, response_rate, source, population, note
        Caption data: ``n`` counts interviewed Societies and ``population`` the
        Societies of the zone(s); ``response_rate`` may be None (an interview sample is
        drawn from the frame, not from the respondents).

    Returns
    -------
    Axes

    Raises
    ------
    InputError
        Missing columns, duplicated zone x theme rows, shares outside [0, 1].
    """
    what = "theme_heatmap"
    df = _tidy(table, zone, theme, value)
    if count is not None and count not in df.columns:
        count = None
    if base is not None and base not in df.columns:
        base = None
    require_columns(df, [zone, theme, value], what=what)
    check_unique(df, [zone, theme], what=what)
    est = as_float(df, value, what=what)
    check_proportions(df, est, value, what=what)
    cnt = as_float(df, count, what=what) if count else np.full(len(df), np.nan)
    tot = as_float(df, base, what=what) if base else np.full(len(df), np.nan)
    zkeys = [str(z) for z in df[zone]]
    tkeys = [str(t) for t in df[theme]]
    zones = ordered(zkeys, None if zone_order is None else [str(z) for z in zone_order], ZONE_ORDER)
    themes = ordered(tkeys, None if theme_order is None else [str(t) for t in theme_order])
    names = {t: (labels or {}).get(t, t.replace("_", " ").capitalize()) for t in themes}
    zi = {z: i for i, z in enumerate(zones)}
    ti = {t: i for i, t in enumerate(themes)}
    nr, nc = len(themes), len(zones)
    E = np.full((nr, nc), np.nan)
    C = np.full((nr, nc), np.nan)
    B = np.full((nr, nc), np.nan)
    for k, (z, t) in enumerate(zip(zkeys, tkeys, strict=True)):
        if z in zi and t in ti:
            E[ti[t], zi[z]], C[ti[t], zi[z]], B[ti[t], zi[z]] = est[k], cnt[k], tot[k]
    valid = np.isfinite(E)
    heads = []
    for c, z in enumerate(zones):
        b = np.unique(B[:, c][np.isfinite(B[:, c])])
        suffix = (
            f"\nn = {b[0]:.0f}"
            if b.size == 1
            else (f"\nn = {b.min():.0f}–{b.max():.0f}" if b.size > 1 else "")
        )
        heads.append(zone_label(z) + suffix)

    tick_pt = SMALL_FONT_PT + 0.5
    row_w = max(
        text_width_pt(line, tick_pt)
        for t in themes
        for line in wrap_label(names[t], 18).split("\n")
    )
    head_w = max(text_width_pt(line, tick_pt) for h in heads for line in h.split("\n"))
    cell_w = max(text_width_pt("100 of 100", SMALL_FONT_PT), head_w) + 8
    needed = (row_w + nc * cell_w) * MM_PER_PT + 30
    two_lines = count is not None and base is not None
    with themed():
        own = ax is None
        if ax is None:
            width = choose_width(width, needed, what=what)
            ax = new_axes(width, 26 + 7.2 * nr + (4 if two_lines else 0) + 16)
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
                if not valid[r, c]:
                    ax.add_patch(
                        Rectangle((c, r), 1, 1, facecolor="white", edgecolor="0.8", linewidth=0.6)
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
                    continue
                txt = fmt_pct(E[r, c])
                if two_lines and np.isfinite(C[r, c]) and np.isfinite(B[r, c]):
                    txt += f"\n{C[r, c]:.0f} of {B[r, c]:.0f}"
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
        ax.set_xticks(np.arange(nc) + 0.5, heads)
        ax.set_yticks(np.arange(nr) + 0.5, [wrap_label(names[t], wrap_at) for t in themes])
        ax.xaxis.tick_top()
        ax.tick_params(length=0)
        for sp in ax.spines.values():
            sp.set_visible(False)
        cb = fig.colorbar(
            mesh, ax=ax, fraction=0.04, shrink=min(1.0, 6 / max(nr, 1) + 0.25), aspect=18, pad=0.02
        )
        cb.set_label(colorbar_label)
        cb.set_ticks([0, 0.25, 0.5, 0.75, 1.0])
        cb.ax.yaxis.set_major_formatter(PERCENT)
        cb.outline.set_linewidth(0.5)
        handles, texts = [], []
        if (~valid).any():
            handles.append(Patch(facecolor="white", edgecolor="0.6", linewidth=0.6))
            texts.append("n/a: no interviewed Society")
        if two_lines:
            handles.append(Patch(facecolor="none", edgecolor="none"))
            texts.append(
                "Cells: share of the zone's interviewed Societies raising it, and their number"
            )
        legend_outside(ax, handles, texts, where="bottom", ncol=1, own=own)
        set_title(ax, title, own=own)
        add_caption_if_given(
            ax,
            n=n,
            response_rate=response_rate,
            source=source,
            note=note,
            population=population,
            units="interviewed Societies",
            rate_optional=True,
        )
    return ax


#: Krippendorff's conventions (see :mod:`toolkit.interviews`).
_THRESHOLDS = (0.667, 0.8)


def reliability_plot(
    table: pd.DataFrame,
    *,
    code: str = "code",
    estimate: str = "alpha",
    ci_low: str | None = "ci_low",
    ci_high: str | None = "ci_high",
    kappa: str | None = "kappa",
    labels: Mapping[str, str] | None = None,
    code_order: Sequence[str] | None = None,
    thresholds: tuple[float, float] = _THRESHOLDS,
    level: float = 0.95,
    xlabel: str = "Krippendorff's alpha (nominal) / Cohen's kappa",
    width: str | float = "single",
    title: str | None = None,
    ax: Axes | None = None,
    n: int | None = None,
    response_rate: float | None = None,
    source: str | None = None,
    population: int | None = None,
    note: str | None = None,
) -> Axes:
    """Inter-coder reliability per code: alpha with its bootstrap interval, against the
    usual thresholds.

    One row per code (the overall row, ``"(all codes)"``, last and in bold); a dot for
    alpha, a line for its interval and, when given, a hollow diamond for Cohen's kappa.
    Background bands (darker to lighter) and dashed lines mark alpha below
    ``thresholds[0]`` (unreliable: do not draw conclusions), between the two (tentative
    conclusions only) and from ``thresholds[1]`` (reliable).  Codes whose alpha is undefined (no variation) are
    listed with "(n/a)".

    Parameters
    ----------
    table : DataFrame
        :func:`toolkit.interviews.reliability_report` (or rows of the same shape).
    code, estimate, ci_low, ci_high, kappa : str
        Column names; the interval and kappa columns may be None.
    labels : mapping, optional
        Row labels (code -> text); default the code with underscores as spaces,
        capitalised; the overall row reads "All codes".
    code_order : sequence, optional
        Row order (default as given).
    thresholds : (float, float), default (0.667, 0.8)
    level : float, default 0.95
        Level of the intervals, for the legend.
    xlabel, width, title, ax
        As in :func:`love_plot`.
    n, response_rate, source, population, note
        Caption data: ``n`` counts double-coded interviews; ``response_rate`` may be None.

    Returns
    -------
    Axes
    """
    what = "reliability_plot"
    require_columns(table, [code, estimate], what=what)
    check_unique(table, [code], what=what)
    est = as_float(table, estimate, what=what)
    nan = np.full(len(est), np.nan)
    lo = as_float(table, ci_low, what=what) if ci_low and ci_low in table else nan
    hi = as_float(table, ci_high, what=what) if ci_high and ci_high in table else nan
    kap = as_float(table, kappa, what=what) if kappa and kappa in table else nan
    for col, v in ((estimate, est), (ci_low, lo), (ci_high, hi), (kappa, kap)):
        bad = np.isfinite(v) & ((v < -1.0 - 1e-9) | (v > 1.0 + 1e-9))
        if bad.any():
            raise InputError(
                f"{what}: column '{col}' must hold coefficients between -1 and 1.",
                column=col,
                value=float(v[bad][0]),
                hint="Pass alpha and kappa as they are, not as percentages.",
            )
    keys = [str(c) for c in table[code]]
    rows = ordered(keys, None if code_order is None else [str(c) for c in code_order])
    overall = [r for r in rows if r.startswith("(")]
    rows = [r for r in rows if r not in overall] + overall
    pos = {r: i for i, r in enumerate(rows)}

    def name(r: str) -> str:
        if r in (labels or {}):
            return str((labels or {})[r])
        return "All codes" if r == "(all codes)" else r.strip("()").replace("_", " ").capitalize()

    vals = np.concatenate([est, lo, hi, kap])
    finite = vals[np.isfinite(vals)]
    xmin = min(-0.1, float(finite.min()) - 0.05) if finite.size else -0.1
    xmin = max(-1.0, np.floor(xmin * 10) / 10)
    t1, t2 = thresholds
    with themed():
        own = ax is None
        if ax is None:
            ax = new_axes(width, 30 + 5.2 * len(rows) + 16)
        for x0, x1, shade in ((xmin, t1, "0.93"), (t1, t2, "0.965"), (t2, 1.02, "white")):
            ax.axvspan(x0, x1, color=shade, zorder=0, linewidth=0)
        for t in thresholds:
            ax.axvline(t, color="0.45", linestyle="--", linewidth=0.7, zorder=1)
        ax.text(t1, -0.75, f"{t1:g} ", ha="right", va="bottom", fontsize=SMALL_FONT_PT, color="0.3")
        ax.text(t2, -0.75, f" {t2:g}", ha="left", va="bottom", fontsize=SMALL_FONT_PT, color="0.3")
        colour = METHOD_COLOURS[1]
        for k, r in enumerate(keys):
            y = pos[r]
            if np.isfinite(lo[k]) and np.isfinite(hi[k]):
                ax.plot(
                    [lo[k], hi[k]],
                    [y - 0.1, y - 0.1],
                    color=colour,
                    linewidth=1.2,
                    zorder=2,
                    solid_capstyle="butt",
                )
            if np.isfinite(est[k]):
                ax.scatter([est[k]], [y - 0.1], s=24, color=colour, zorder=3)
            if np.isfinite(kap[k]):
                ax.scatter(
                    [kap[k]],
                    [y + 0.22],
                    s=16,
                    marker="D",
                    facecolors="white",
                    edgecolors="0.15",
                    linewidths=0.8,
                    zorder=4,
                )
        if overall:
            ax.axhline(len(rows) - len(overall) - 0.5, color="0.6", linewidth=0.6, zorder=1)
        ticks = [name(r) + ("" if np.isfinite(est[keys.index(r)]) else " (n/a)") for r in rows]
        ax.set_yticks(np.arange(len(rows)), [wrap_label(t, 26) for t in ticks])
        for tl, r in zip(ax.get_yticklabels(), rows, strict=True):
            if r in overall:
                tl.set_fontweight("bold")
        ax.set_ylim(len(rows) - 0.4, -1.0)
        ax.set_xlim(xmin, 1.02)
        ax.set_xlabel(xlabel, loc="right")
        ax.tick_params(axis="y", length=0)
        ax.grid(axis="y", color="0.9", linewidth=0.5)
        handles, texts = [], []
        if np.isfinite(est).any():
            handles.append(ax.scatter([], [], s=24, color=colour))
            texts.append(
                f"Alpha ({level:.0%} bootstrap interval)" if np.isfinite(lo).any() else "Alpha"
            )
        if np.isfinite(kap).any():
            handles.append(
                ax.scatter(
                    [], [], s=16, marker="D", facecolors="white", edgecolors="0.15", linewidths=0.8
                )
            )
            texts.append("Cohen's kappa")
        legend_outside(ax, handles, texts, where="top", ncol=2, own=own)
        set_title(ax, title, own=own)
        add_caption_if_given(
            ax,
            n=n,
            response_rate=response_rate,
            source=source,
            note=note,
            population=population,
            units="double-coded interviews",
            rate_optional=True,
        )
    return ax
