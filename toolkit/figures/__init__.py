"""Figures for policy documents: one theme, the study's plots and one ``save``.

Every plotting function takes its data first (a tidy DataFrame) and keyword-only
options, draws into ``ax`` or a new print-sized figure (85 mm single / 175 mm double
A4 column, constrained layout, text >= 7 pt at print size) and returns the Axes.  Each
carries a caption with n, the response rate and the data source (:func:`caption`), and
:func:`save` writes deterministic SVG and 300-dpi PNG files with alt text.

The theme (:func:`theme`) is seaborn's ``ticks`` style and ``paper`` context with the
Okabe–Ito colour-blind-safe palette for categories and the perceptually uniform
``cividis`` map for shares.  The plotting functions apply it when no theme is active;
nothing outside the ``with`` block changes global matplotlib state.  No function calls
``plt.show()``: in a notebook the figure is shown by the inline backend, elsewhere
close it with ``plt.close(ax.figure)`` after saving.

Examples
--------
>>> from toolkit import figures
>>> ax = figures.activity_heatmap(shares, n=97, population=193, response_rate=0.5,
...                               source="Migration mapping survey 2025")  # doctest: +SKIP
>>> figures.save(ax.figure, "activity_by_zone", directory="reports/run/figures",
...              alt_text="Heatmap of ...")  # doctest: +SKIP
"""

from __future__ import annotations

from toolkit.figures._balance import balance_plot, love_plot, response_bars
from toolkit.figures._forest import forest_plot
from toolkit.figures._heatmap import activity_heatmap
from toolkit.figures._interviews import reliability_plot, theme_heatmap
from toolkit.figures._maps import load_tile_grid, tile_grid_for, tile_map
from toolkit.figures._network import cooperation_network
from toolkit.figures._programmes import (
    PROGRAMME_STATUS_COLOURS,
    REACH_BASIS_COLOURS,
    people_reached_plot,
    programme_activity_bars,
    programme_start_years,
    programme_status_mix,
)
from toolkit.figures._route import route_diagram
from toolkit.figures._save import caption, caption_text, get_caption, save
from toolkit.figures._style import (
    ACTIVITY_LABELS,
    CATEGORY_COLOURS,
    COVERAGE_COLOURS,
    OKABE_ITO,
    SHARE_CMAP,
    STATUS_COLOURS,
    WIDTHS_MM,
    ZONE_COLOURS,
    ZONE_LABELS,
    figure_size,
    theme,
    theme_rc,
)
from toolkit.figures._weights import kish_deff, weights_plot

__all__ = [
    "ACTIVITY_LABELS",
    "CATEGORY_COLOURS",
    "COVERAGE_COLOURS",
    "OKABE_ITO",
    "PROGRAMME_STATUS_COLOURS",
    "REACH_BASIS_COLOURS",
    "SHARE_CMAP",
    "STATUS_COLOURS",
    "WIDTHS_MM",
    "ZONE_COLOURS",
    "ZONE_LABELS",
    # plots
    "activity_heatmap",
    "balance_plot",
    # captions and output
    "caption",
    "caption_text",
    "cooperation_network",
    "figure_size",
    "forest_plot",
    "get_caption",
    "kish_deff",
    "load_tile_grid",
    "love_plot",
    "people_reached_plot",
    "programme_activity_bars",
    "programme_start_years",
    "programme_status_mix",
    "reliability_plot",
    "response_bars",
    "route_diagram",
    "save",
    # theme and palettes
    "theme",
    "theme_heatmap",
    "theme_rc",
    "tile_grid_for",
    "tile_map",
    "weights_plot",
]
