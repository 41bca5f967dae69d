"""Forest plot of :mod:`toolkit.figures`.  Import it from :mod:`toolkit.figures`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import MultipleLocator

from toolkit.errors import InputError
from toolkit.figures._common import (
    MARKERS,
    METHOD_COLOURS,
    PERCENT,
    activity_labels,
    as_bool,
    as_float,
    check_proportions,
    check_unique,
    ordered,
    spreadsheet_row,
)
from toolkit.figures._save import add_caption_if_given
from toolkit.figures._style import (
    SMALL_FONT_PT,
    legend_outside,
    new_axes,
    require_columns,
    set_title,
    themed,
    wrap_label,
)

__all__ = [
    "forest_plot",
]


# ----------------------------------------------------------------------- forest plot


def forest_plot(
    estimates: pd.DataFrame,
    *,
    activity: str = "activity",
    label: str | None = None,
    method: str = "method",
    method_order: Sequence[str] | None = None,
    activity_order: Sequence[str] | None = None,
    method_labels: dict[str, str] | None = None,
    xlabel: str = "Share of Societies (%)",
    level: float = 0.95,
    width: str | float = "single",
    title: str | None = None,
    ax: Axes | None = None,
    n: int | None = None,
    response_rate: float | None = None,
    source: str | None = None,
    population: int | None = None,
    note: str | None = None,
) -> Axes:
    """Forest plot of unadjusted and adjusted shares per activity with intervals.

    One row per activity, one marker and interval line per method (offset within the
    row, distinct colour and marker).  Where ``bound_low`` and ``bound_high`` are given,
    a wide pale band behind the interval shows the non-response bounds (all
    non-respondents do not / do run the activity).

    Parameters
    ----------
    estimates : DataFrame
        Columns ``activity``, ``method``, ``estimate``, ``ci_low``, ``ci_high``
        (proportions); optional ``bound_low``, ``bound_high``, ``activity_label``.
    activity, method : str
        Names of the activity and method columns.
    label : str, optional
        Column of activity labels (default ``activity_label`` if present).
    method_order, activity_order : sequence, optional
        Order of methods (default: ``unadjusted`` first) and of activities (as given).
    method_labels : dict, optional
        Legend text per method (default: the method name, capitalised).
    xlabel : str
    level : float, default 0.95
        Confidence level of the intervals, for the legend.
    width, title, ax, n, response_rate, source, population, note
        As in :func:`activity_heatmap`; ``width`` defaults to ``"single"``.

    Returns
    -------
    Axes
    """
    what = "forest_plot"
    require_columns(estimates, [activity, method, "estimate", "ci_low", "ci_high"], what=what)
    check_unique(estimates, [activity, method], what=what)
    est = as_float(estimates, "estimate", what=what)
    lo = as_float(estimates, "ci_low", what=what)
    hi = as_float(estimates, "ci_high", what=what)
    check_proportions(estimates, est, "estimate", what=what)
    for col, v in (("ci_low", lo), ("ci_high", hi)):
        check_proportions(estimates, v, col, what=what, interval=True)
    lo, hi = np.clip(lo, 0, 1), np.clip(hi, 0, 1)
    bad = (
        np.isfinite(est)
        & np.isfinite(lo)
        & np.isfinite(hi)
        & ((lo > est + 1e-9) | (hi < est - 1e-9))
    )
    if bad.any():
        raise InputError(
            f"{what}: an interval does not contain its estimate.",
            row=spreadsheet_row(estimates, bad),
            column="ci_low",
            hint="Check that ci_low <= estimate <= ci_high.",
        )
    has_bounds = {"bound_low", "bound_high"} <= set(estimates.columns)
    if has_bounds:
        blo = as_float(estimates, "bound_low", what=what)
        bhi = as_float(estimates, "bound_high", what=what)
        check_proportions(estimates, blo, "bound_low", what=what)
        check_proportions(estimates, bhi, "bound_high", what=what)
    sup = (
        as_bool(estimates, "suppressed", what=what)
        if "suppressed" in estimates.columns
        else np.zeros(len(est), bool)
    )
    methods = ordered(
        estimates[method], method_order, ("unadjusted", "naive", "adjusted", "weighted")
    )
    acts = ordered(estimates[activity], activity_order)
    labels = activity_labels(estimates, activity, label)
    mi = {m: i for i, m in enumerate(methods)}
    ai = {a: i for i, a in enumerate(acts)}
    k = len(methods)
    offsets = np.linspace(-0.2, 0.2, k) if k > 1 else np.zeros(1)
    colours = {m: METHOD_COLOURS[i % len(METHOD_COLOURS)] for i, m in enumerate(methods)}
    markers = {m: MARKERS[i % len(MARKERS)] for i, m in enumerate(methods)}
    mlabels = {
        m: (method_labels or {}).get(m, str(m).replace("_", " ").capitalize()) for m in methods
    }

    with themed():
        own = ax is None
        if ax is None:
            ax = new_axes(width, 34 + len(acts) * (2.4 + 2.0 * k) + 16)
        any_bounds = False
        any_sup = False
        if has_bounds:
            # one band per activity when its methods share the bounds (the usual case:
            # the bounds do not depend on the adjustment), else one band per method
            acts_col = estimates[activity].to_numpy()
            for a in acts:
                m = (acts_col == a) & np.isfinite(blo) & np.isfinite(bhi) & ~sup
                if not m.any():
                    continue
                any_bounds = True
                pairs = np.unique(np.round(np.c_[blo[m], bhi[m]], 12), axis=0)
                half = 0.5 * (offsets.max() - offsets.min()) + 0.13
                if len(pairs) == 1:
                    ax.add_patch(
                        Rectangle(
                            (pairs[0, 0], ai[a] - half),
                            pairs[0, 1] - pairs[0, 0],
                            2 * half,
                            facecolor="0.88",
                            edgecolor="none",
                            zorder=1,
                        )
                    )
                else:
                    for j in np.flatnonzero(m).tolist():
                        y = ai[a] + offsets[mi[estimates[method].iloc[j]]]
                        ax.add_patch(
                            Rectangle(
                                (blo[j], y - 0.11),
                                bhi[j] - blo[j],
                                0.22,
                                facecolor="0.88",
                                edgecolor="none",
                                zorder=1,
                            )
                        )
        for j, (a, m) in enumerate(zip(estimates[activity], estimates[method])):
            y = ai[a] + offsets[mi[m]]
            if sup[j]:
                any_sup = True
                ax.text(
                    0.01,
                    y,
                    "<3 (suppressed)",
                    va="center",
                    ha="left",
                    fontsize=SMALL_FONT_PT,
                    color="0.35",
                )
                continue
            if np.isfinite(lo[j]) and np.isfinite(hi[j]):
                ax.hlines(y, lo[j], hi[j], color=colours[m], linewidth=1.2, zorder=2)
            if np.isfinite(est[j]):
                ax.plot(
                    est[j],
                    y,
                    marker=markers[m],
                    color=colours[m],
                    markersize=4.5,
                    markeredgecolor="white",
                    markeredgewidth=0.5,
                    linestyle="none",
                    zorder=3,
                )
        ax.set_ylim(len(acts) - 0.5, -0.5)
        ax.set_yticks(np.arange(len(acts)), [wrap_label(labels[a], 26) for a in acts])
        ax.set_xlim(0, 1)
        ax.xaxis.set_major_locator(MultipleLocator(0.25))
        ax.xaxis.set_major_formatter(PERCENT)
        ax.set_xlabel(xlabel, loc="right")
        ax.grid(axis="x", color="0.9", linewidth=0.5)
        ax.tick_params(axis="y", length=0)
        for yy in np.arange(len(acts) - 1) + 0.5:
            ax.axhline(yy, color="0.93", linewidth=0.5, zorder=0)
        handles: list[Any] = [
            Line2D(
                [0],
                [0],
                color=colours[m],
                marker=markers[m],
                markersize=4.5,
                linewidth=1.2,
                markeredgecolor="white",
                markeredgewidth=0.5,
            )
            for m in methods
        ]
        names = [f"{mlabels[m]} ({level:.0%} CI)" for m in methods]
        if any_bounds:
            handles.append(Patch(facecolor="0.88", edgecolor="none"))
            names.append("Non-response bounds")
        legend_outside(ax, handles, names, where="top", ncol=min(len(handles), 2), own=own)
        set_title(ax, title, own=own)
        extra = []
        if any_bounds:
            extra.append(
                "Grey bands: shares if all non-respondents did not / did run the activity."
            )
        if any_sup:
            extra.append("Suppressed: fewer than 3 responding Societies.")
        full_note = " ".join([*extra, note] if note else extra) or None
        add_caption_if_given(
            ax,
            n=n,
            response_rate=response_rate,
            source=source,
            note=full_note,
            population=population,
        )
    return ax
