"""Weights figure of :mod:`toolkit.figures`.  Import it from :mod:`toolkit.figures`."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes

from toolkit.errors import InputError
from toolkit.figures._common import (
    ZONE_ORDER,
    as_float,
    ordered,
    spreadsheet_row,
    zone_label,
)
from toolkit.figures._save import add_caption_if_given
from toolkit.figures._style import (
    CATEGORY_COLOURS,
    OKABE_ITO,
    SMALL_FONT_PT,
    ZONE_COLOURS,
    new_axes,
    require_columns,
    set_title,
    themed,
)

__all__ = [
    "kish_deff",
    "weights_plot",
]


# --------------------------------------------------------------------- weights plot


def kish_deff(weights: Any) -> float:
    """Kish's design effect due to unequal weights, n * sum(w^2) / sum(w)^2."""
    w = np.asarray(weights, dtype=float)
    return float(w.size * np.sum(w**2) / np.sum(w) ** 2)


def weights_plot(
    weights: pd.Series | pd.DataFrame | np.ndarray,
    *,
    column: str = "weight",
    by: str | None = None,
    bins: int | str = "auto",
    seed: int = 0,
    xlabel: str = "Weight",
    width: str | float = "single",
    title: str | None = None,
    ax: Axes | None = None,
    n: int | None = None,
    response_rate: float | None = None,
    source: str | None = None,
    population: int | None = None,
    note: str | None = None,
) -> Axes:
    """Distribution of survey weights with Kish's design effect and effective n.

    Without ``by``: a histogram.  With ``by`` (e.g. zone): weights per group as points
    over a box, each group labelled with its design effect.  The axes title and the
    caption give the overall Kish design effect and effective sample size.

    Parameters
    ----------
    weights : Series, DataFrame or array
        Positive finite weights; a DataFrame holds them in ``column``.
    column : str, default "weight"
    by : str, optional
        Grouping column of the DataFrame.
    bins : int or str
        Histogram bins.
    seed : int, default 0
        Seed of the vertical jitter of the points (with ``by``).
    xlabel, width, title, ax, response_rate, source, population, note
        As in :func:`activity_heatmap`.
    n : int, optional
        Caption n (default: number of weights when ``source`` is given).

    Returns
    -------
    Axes
    """
    what = "weights_plot"
    if isinstance(weights, pd.DataFrame):
        require_columns(weights, [column] + ([by] if by else []), what=what)
        df = weights
    else:
        if by is not None:
            raise InputError(
                f"{what}: by= needs a DataFrame holding the weights and the group column.",
                column=by,
            )
        df = pd.DataFrame({column: np.asarray(weights, dtype=float)})
    w = as_float(df, column, what=what)
    bad = ~np.isfinite(w) | (w <= 0)
    if bad.any():
        raise InputError(
            f"{what}: weights must be positive and finite.",
            row=spreadsheet_row(df, bad),
            column=column,
            value=float(w[bad][0]),
            hint="Check the weighting step; zero or missing weights cannot be plotted.",
        )
    deff = kish_deff(w)
    neff = w.sum() ** 2 / np.sum(w**2)
    summary = f"Kish design effect {deff:.2f}\nEffective sample size {neff:.0f} of {w.size}"
    if source is not None and n is None:
        n = int(w.size)
    full_note = f"Kish design effect of the weights {deff:.2f} (effective sample size {neff:.0f})."
    if note:
        full_note += " " + note

    with themed():
        own = ax is None
        if by is None:
            if ax is None:
                ax = new_axes(width, 62)
            sns.histplot(
                x=w,
                bins=bins,
                ax=ax,
                color=OKABE_ITO["blue"],
                alpha=1.0,
                edgecolor="white",
                linewidth=0.4,
            )
            ax.set_ylabel("Societies")
            ax.set_ylim(0, ax.get_ylim()[1] * 1.15)
            ax.axvline(float(np.mean(w)), color="0.2", linestyle="--", linewidth=0.8)
            ax.text(
                float(np.mean(w)),
                ax.get_ylim()[1],
                " mean",
                ha="left",
                va="top",
                fontsize=SMALL_FONT_PT,
                color="0.2",
            )
        else:
            groups = ordered(df[by], None, ZONE_ORDER)
            if ax is None:
                ax = new_axes(width, 30 + 8.0 * len(groups) + 12)
            ylabels = []
            rng = np.random.default_rng(seed)
            for i, g in enumerate(groups):
                m = (df[by] == g).to_numpy()
                ylabels.append(f"{zone_label(g)}\n(deff {kish_deff(w[m]):.2f}, n = {m.sum()})")
                colour = ZONE_COLOURS.get(str(g), CATEGORY_COLOURS[i % len(CATEGORY_COLOURS)])
                ax.boxplot(
                    w[m],
                    positions=[i],
                    orientation="horizontal",
                    widths=0.6,
                    showfliers=False,
                    patch_artist=True,
                    boxprops={
                        "facecolor": "0.94",
                        "edgecolor": "0.5",
                        "linewidth": 0.6,
                    },
                    medianprops={"color": "0.2", "linewidth": 1.0},
                    whiskerprops={"color": "0.5", "linewidth": 0.6},
                    capprops={"color": "0.5", "linewidth": 0.6},
                )
                jitter = rng.uniform(-0.18, 0.18, m.sum())
                ax.scatter(w[m], i + jitter, s=7, color=colour, edgecolors="none", zorder=3)
            ax.set_yticks(np.arange(len(groups)), ylabels)
            ax.set_ylim(len(groups) - 0.5, -0.5)
            ax.tick_params(axis="y", length=0)
        ax.set_xlabel(xlabel, loc="right")
        ax.set_xlim(left=0)
        ax.set_title(summary, loc="left", fontsize=SMALL_FONT_PT + 1, fontweight="normal")
        set_title(ax, title, own=own)
        add_caption_if_given(
            ax,
            n=n,
            response_rate=response_rate,
            source=source,
            note=full_note if source is not None else note,
            population=population,
        )
    return ax
