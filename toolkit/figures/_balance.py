"""Response and balance figures of :mod:`toolkit.figures`: response bars and love /
balance plot.  Import them from :mod:`toolkit.figures`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import MultipleLocator

from toolkit.errors import InputError
from toolkit.figures._common import (
    MARKERS,
    METHOD_COLOURS,
    PERCENT,
    ZONE_ORDER,
    as_float,
    check_proportions,
    check_unique,
    ordered,
    spreadsheet_row,
    zone_label,
)
from toolkit.figures._palette import ZONE_LABELS
from toolkit.figures._save import add_caption_if_given
from toolkit.figures._style import (
    COVARIATE_LABELS,
    LEVEL_LABELS,
    OKABE_ITO,
    SMALL_FONT_PT,
    ZONE_COLOURS,
    fmt_pct,
    legend_outside,
    new_axes,
    require_columns,
    set_title,
    text_colour,
    themed,
    wrap_label,
)

__all__ = [
    "balance_plot",
    "love_plot",
    "response_bars",
]

# --------------------------------------------------------------------- response bars


def response_bars(
    rates: pd.DataFrame,
    *,
    zone: str = "zone",
    responded: str = "responded",
    total: str = "total",
    rate: str | None = None,
    overall: bool = True,
    zone_order: Sequence[str] | None = None,
    xlabel: str = "Response rate (%)",
    width: str | float = "single",
    title: str | None = None,
    ax: Axes | None = None,
    n: int | None = None,
    response_rate: float | None = None,
    source: str | None = None,
    population: int | None = None,
    note: str | None = None,
) -> Axes:
    """Horizontal bars of the response rate by zone, labelled with the counts.

    Parameters
    ----------
    rates : DataFrame
        One row per zone with the numbers of responding (``responded``) and eligible
        (``total``) Societies; optional ``rate`` column (e.g. an AAPOR rate) used for the
        bar length instead of responded / total.
    zone, responded, total, rate : str
        Column names.
    overall : bool, default True
        Add an "All zones" bar from the summed counts (only without ``rate``).
    zone_order : sequence, optional
    xlabel, width, title, ax, population, note
        As in :func:`activity_heatmap`.
    n, response_rate, source
        Caption data; ``n``, ``population`` and ``response_rate`` default to the summed
        counts when ``source`` is given.

    Returns
    -------
    Axes
    """
    what = "response_bars"
    require_columns(rates, [zone, responded, total] + ([rate] if rate else []), what=what)
    check_unique(rates, [zone], what=what)
    r = as_float(rates, responded, what=what)
    t = as_float(rates, total, what=what)
    bad = (
        ~np.isfinite(r)
        | ~np.isfinite(t)
        | (r < 0)
        | (t <= 0)
        | (r > t)
        | (r != np.round(r))
        | (t != np.round(t))
    )
    if bad.any():
        raise InputError(
            f"{what}: counts must be whole numbers with 0 <= {responded} <= {total} and {total} > 0.",
            row=spreadsheet_row(rates, bad),
            column=responded,
            hint="Pass counts of Societies, not percentages.",
        )
    zones = ordered(rates[zone], zone_order, ZONE_ORDER)
    idx = [int(np.flatnonzero((rates[zone] == z).to_numpy())[0]) for z in zones]
    r, t = r[idx], t[idx]
    if rate:
        v = as_float(rates, rate, what=what)[idx]
        check_proportions(rates, v, rate, what=what)
    else:
        v = r / t
    names = [zone_label(z) for z in zones]
    colours = [ZONE_COLOURS.get(str(z), OKABE_ITO["grey"]) for z in zones]
    tot_r, tot_t = int(r.sum()), int(t.sum())
    if (
        overall
        and not rate
        and len(zones) > 1
        and not any(str(z) in ("all", "overall") for z in zones)
    ):
        names.append("All zones")
        v = np.append(v, tot_r / tot_t)
        r, t = np.append(r, tot_r), np.append(t, tot_t)
        colours.append("0.25")
    if source is not None:
        n = tot_r if n is None else n
        population = tot_t if population is None and not rate else population
        if response_rate is None and not rate:
            response_rate = tot_r / tot_t

    with themed():
        own = ax is None
        if ax is None:
            ax = new_axes(width, 24 + 7.0 * len(names) + 12)
        y = np.arange(len(names))
        ax.barh(y, v, color=colours, height=0.7, edgecolor="none")
        for yi, vi, ri, ti, c in zip(y.tolist(), v, r, t, colours):
            label = f"{fmt_pct(vi)}  ({ri:.0f} of {ti:.0f})"
            if vi > 0.62:
                ax.text(
                    vi - 0.015,
                    yi,
                    label,
                    va="center",
                    ha="right",
                    fontsize=SMALL_FONT_PT,
                    color=text_colour(c),
                )
            else:
                ax.text(
                    vi + 0.015,
                    yi,
                    label,
                    va="center",
                    ha="left",
                    fontsize=SMALL_FONT_PT,
                    color="0.1",
                )
        ax.set_yticks(y, names)
        ax.set_ylim(len(names) - 0.5, -0.5)
        ax.set_xlim(0, 1)
        ax.xaxis.set_major_locator(MultipleLocator(0.25))
        ax.xaxis.set_major_formatter(PERCENT)
        ax.set_xlabel(xlabel, loc="right")
        ax.tick_params(axis="y", length=0)
        ax.grid(axis="x", color="0.9", linewidth=0.5)
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


# ------------------------------------------------------------------ love / balance


def _love_plot(
    smd: pd.DataFrame,
    *,
    covariate: str = "covariate",
    level: str | None = "level",
    value: str = "smd",
    hue: str | None = "adjustment",
    hue_order: Sequence[str] | None = None,
    threshold: float = 0.1,
    xlabel: str = "Absolute standardised difference",
    width: str | float = "single",
    title: str | None = None,
    ax: Axes | None = None,
    n: int | None = None,
    response_rate: float | None = None,
    source: str | None = None,
    population: int | None = None,
    note: str | None = None,
    units: str = "responding Societies",
    rate_optional: bool = False,
) -> Axes:
    """Draw the love plot (see :func:`love_plot`); ``rate_optional`` lets the caption
    go without a response rate (balance of a sample drawn from the frame)."""
    what = "love_plot"
    if (
        isinstance(smd, pd.DataFrame)
        and covariate not in smd.columns
        and covariate in (smd.index.names or [])
    ):
        smd = smd.reset_index()
    require_columns(smd, [covariate, value], what=what)
    df = smd.copy()
    use_level = level is not None and level in df.columns
    use_hue = hue is not None and hue in df.columns
    vals = np.abs(as_float(df, value, what=what))
    # the optional key columns present: level, then hue (as use_level and use_hue)
    keys = [covariate] + [k for k in (level, hue) if k is not None and k in df.columns]
    check_unique(df, keys, what=what)

    def row_label(c: Any, lv: Any) -> str:
        name = COVARIATE_LABELS.get(str(c), str(c).replace("_", " ").capitalize())
        if (
            use_level
            and lv is not None
            and not (isinstance(lv, float) and np.isnan(lv))
            and str(lv) != "<NA>"
        ):
            if str(c) == "zone":
                lvl = zone_label(lv)
            else:
                lvl = LEVEL_LABELS.get(str(c), {}).get(str(lv), str(lv).replace("_", " "))
            name += f": {lvl}"
        return name

    rows = [
        row_label(c, lv)
        for c, lv in zip(df[covariate], df[level] if use_level else [None] * len(df))
    ]
    groups = (
        ordered(
            df[hue],
            hue_order,
            ("unweighted", "unadjusted", "before", "adjusted", "weighted", "after"),
        )
        if use_hue
        else [None]
    )
    gvals = list(df[hue]) if use_hue else [None] * len(df)
    first = groups[0]
    sort_key: dict[str, float] = {}
    for rl, g, v in zip(rows, gvals, vals):
        if g == first:
            sort_key[rl] = v if np.isfinite(v) else -1.0
    row_names = sorted(dict.fromkeys(rows), key=lambda s: (-sort_key.get(s, -1.0), s))
    ri = {s: i for i, s in enumerate(row_names)}
    finite_rows = {s for s, v in zip(rows, vals) if np.isfinite(v)}
    colours = {g: METHOD_COLOURS[i % len(METHOD_COLOURS)] for i, g in enumerate(groups)}
    markers = {g: MARKERS[i % len(MARKERS)] for i, g in enumerate(groups)}
    xmax = max(threshold * 2.5, float(np.nanmax(vals)) * 1.1 if np.isfinite(vals).any() else 0)

    with themed():
        own = ax is None
        if ax is None:
            ax = new_axes(width, 30 + 4.6 * len(row_names) + 14)
        ys = np.array([ri[s] for s in rows], dtype=float)
        for s in row_names:
            m = np.array([rr == s for rr in rows]) & np.isfinite(vals)
            if m.sum() > 1:
                ax.plot(
                    [vals[m].min(), vals[m].max()],
                    [ri[s], ri[s]],
                    color="0.75",
                    linewidth=0.8,
                    zorder=1,
                )
        for i, g in enumerate(groups):
            m = np.array([gg == g for gg in gvals]) & np.isfinite(vals)
            filled = i > 0 or len(groups) == 1
            ax.scatter(
                vals[m],
                ys[m],
                marker=markers[g],
                s=22,
                facecolors=colours[g] if filled else "white",
                edgecolors=colours[g],
                linewidths=1.0,
                zorder=3 + i,
                label=None
                if g is None
                else ZONE_LABELS.get(str(g), str(g).replace("_", " ").capitalize()),
            )
        ax.axvline(threshold, color="0.3", linestyle="--", linewidth=0.8, zorder=0)
        ax.text(
            threshold,
            -0.6,
            f" {threshold:g}",
            ha="left",
            va="bottom",
            fontsize=SMALL_FONT_PT,
            color="0.3",
        )
        labels = [s if s in finite_rows else f"{s} (n/a)" for s in row_names]
        ax.set_yticks(np.arange(len(row_names)), [wrap_label(s, 34) for s in labels])
        ax.set_ylim(len(row_names) - 0.4, -0.9)
        ax.set_xlim(0, xmax)
        ax.set_xlabel(xlabel, loc="right")
        ax.grid(axis="y", color="0.93", linewidth=0.5)
        ax.tick_params(axis="y", length=0)
        if use_hue and len(groups) > 1:
            h, lab = ax.get_legend_handles_labels()
            legend_outside(ax, h, lab, where="top", ncol=min(len(h), 3), own=own)
        set_title(ax, title, own=own)
        add_caption_if_given(
            ax,
            n=n,
            response_rate=response_rate,
            source=source,
            note=note,
            population=population,
            units=units,
            rate_optional=rate_optional,
        )
    return ax


def love_plot(
    smd: pd.DataFrame,
    *,
    covariate: str = "covariate",
    level: str | None = "level",
    value: str = "smd",
    hue: str | None = "adjustment",
    hue_order: Sequence[str] | None = None,
    threshold: float = 0.1,
    xlabel: str = "Absolute standardised difference",
    width: str | float = "single",
    title: str | None = None,
    ax: Axes | None = None,
    n: int | None = None,
    response_rate: float | None = None,
    source: str | None = None,
    population: int | None = None,
    note: str | None = None,
    units: str = "responding Societies",
) -> Axes:
    """Love plot: absolute standardised differences per covariate (level), before and
    after weighting, with a reference line at ``threshold`` (0.1).

    Rows are sorted by the first ``hue`` group's difference, largest on top; the points
    of one row are joined by a thin line so the change is visible.  Differences that
    cannot be computed (NaN) are listed with "(n/a)" rather than left out.

    Parameters
    ----------
    smd : DataFrame
        Tidy table with ``covariate``, optional ``level``, the difference ``value`` and
        optional ``hue`` (e.g. "unweighted" / "weighted"); ``covariate`` and ``level``
        may be index levels (as :func:`toolkit.nonresponse.standardised_differences`
        returns them).
    covariate, level, value, hue : str
        Column names; ``level`` and ``hue`` are ignored when absent or None.
    hue_order : sequence, optional
        Order of the hue groups (default: unweighted / before first).
    threshold : float, default 0.1
        Reference line (balance is usually called acceptable below 0.1).
    xlabel, width, title, ax, n, response_rate, source, population, note
        As in :func:`activity_heatmap`.
    units : str
        What n counts, for the caption.

    Returns
    -------
    Axes
    """
    return _love_plot(
        smd,
        covariate=covariate,
        level=level,
        value=value,
        hue=hue,
        hue_order=hue_order,
        threshold=threshold,
        xlabel=xlabel,
        width=width,
        title=title,
        ax=ax,
        n=n,
        response_rate=response_rate,
        source=source,
        population=population,
        note=note,
        units=units,
    )


def balance_plot(
    smd: pd.DataFrame,
    *,
    covariate: str = "covariate",
    level: str | None = "level",
    value: str = "smd",
    hue: str | None = "sample",
    hue_order: Sequence[str] | None = None,
    threshold: float = 0.1,
    xlabel: str = "Absolute standardised difference, sample vs zone",
    width: str | float = "single",
    title: str | None = None,
    ax: Axes | None = None,
    n: int | None = None,
    response_rate: float | None = None,
    source: str | None = None,
    population: int | None = None,
    note: str | None = None,
) -> Axes:
    """Representativeness of an interview sample: standardised differences between the
    sample and its zone on every covariate (a love plot).

    Parameters
    ----------
    smd : DataFrame
        ``covariate``, optional ``level``, ``smd`` and optional ``hue`` (e.g.
        "nominated" / "suggested swaps" / "drawn").
    covariate, level, value, hue, hue_order, threshold, xlabel, width, title, ax
        As in :func:`love_plot`.
    n, response_rate, source, population, note
        Caption data; n counts sampled Societies, ``population`` the zone's Societies;
        ``response_rate`` may be left None when it does not apply (a sample drawn from
        the frame).

    Returns
    -------
    Axes
    """
    return _love_plot(
        smd,
        covariate=covariate,
        level=level,
        value=value,
        hue=hue,
        hue_order=hue_order,
        threshold=threshold,
        xlabel=xlabel,
        width=width,
        title=title,
        ax=ax,
        n=n,
        response_rate=response_rate,
        source=source,
        population=population,
        note=note,
        units="sampled Societies",
        rate_optional=True,
    )
