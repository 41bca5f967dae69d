"""World tile-grid map of :mod:`toolkit.figures`.  Import it from
:mod:`toolkit.figures`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import Normalize
from matplotlib.patches import Patch, Rectangle

from toolkit.errors import InputError
from toolkit.figures._common import (
    PERCENT,
    as_float,
    check_unique,
    ordered,
    spreadsheet_row,
)
from toolkit.figures._save import add_caption_if_given
from toolkit.figures._style import (
    CATEGORY_COLOURS,
    HATCH_COLOUR,
    NO_DATA_COLOUR,
    SHARE_CMAP,
    SMALL_FONT_PT,
    STATUS_COLOURS,
    choose_width,
    figure_size,
    legend_outside,
    new_axes,
    require_columns,
    root_figure,
    set_title,
    text_colour,
    themed,
)

__all__ = [
    "TILE_GRID_FILE",
    "check_grid",
    "load_tile_grid",
    "tile_grid_for",
    "tile_map",
]


# ------------------------------------------------------------------------ tile map

TILE_GRID_FILE = "tile_grid.csv"


def load_tile_grid() -> pd.DataFrame:
    """The bundled world tile grid: one row per Society with ``iso3``, ``col``, ``row``
    (row 0 at the top), from ``toolkit/data/tile_grid.csv``."""
    ref = resources.files("toolkit").joinpath("data", TILE_GRID_FILE)
    if not ref.is_file():
        raise InputError(
            "The bundled tile grid toolkit/data/tile_grid.csv is missing.",
            file=str(ref),
            hint="Reinstall the toolkit, or pass grid= a DataFrame with iso3, col, row.",
        )
    with ref.open("r", encoding="utf-8") as fh:
        grid = pd.read_csv(fh, keep_default_na=False, na_values=[""])
    return check_grid(grid)


def tile_grid_for(iso3: pd.Series | list[str] | None) -> pd.DataFrame | None:
    """The bundled grid cut down to some Societies (e.g. one zone), shifted to the corner.

    ``None`` returns ``None`` (``tile_map`` then uses the whole world grid), so a
    notebook can pass ``None`` for its all-zones report.  The tiles keep their relative
    positions, so a zone reads like its part of the world map.
    """
    if iso3 is None:
        return None
    grid = load_tile_grid()
    sub = grid[grid["iso3"].isin(set(map(str, iso3)))].copy()
    sub["col"] -= sub["col"].min()
    sub["row"] -= sub["row"].min()
    return sub.reset_index(drop=True)


def check_grid(grid: pd.DataFrame) -> pd.DataFrame:
    """Validate a tile grid (iso3 unique, integer col/row >= 0, one Society per tile)."""
    what = "tile grid"
    require_columns(grid, ["iso3", "col", "row"], what=what)
    col = as_float(grid, "col", what=what)
    row = as_float(grid, "row", what=what)
    bad = (
        ~np.isfinite(col)
        | ~np.isfinite(row)
        | (col < 0)
        | (row < 0)
        | (col != np.round(col))
        | (row != np.round(row))
    )
    if bad.any():
        raise InputError(
            f"{what}: col and row must be whole numbers >= 0.",
            row=spreadsheet_row(grid, bad),
            column="col",
        )
    out = pd.DataFrame(
        {
            "iso3": grid["iso3"].astype(str).str.strip().str.upper(),
            "col": col.astype(int),
            "row": row.astype(int),
        }
    )
    check_unique(out, ["iso3"], what=what)
    check_unique(out, ["col", "row"], what=what)
    return out


def tile_map(
    values: pd.DataFrame | pd.Series,
    *,
    column: str | None = None,
    iso3: str = "iso3",
    grid: pd.DataFrame | None = None,
    kind: str = "auto",
    order: Sequence[Any] | None = None,
    palette: Mapping[Any, str] | None = None,
    cmap: str = SHARE_CMAP,
    vmin: float = 0.0,
    vmax: float = 1.0,
    percent: bool = True,
    legend_title: str | None = None,
    width: str | float = "auto",
    title: str | None = None,
    ax: Axes | None = None,
    n: int | None = None,
    response_rate: float | None = None,
    source: str | None = None,
    population: int | None = None,
    note: str | None = None,
) -> Axes:
    """World tile-grid map: one equal square per Society, labelled with its ISO3 code.

    Every Society gets the same area, so small island states are as visible as large
    countries.  Tiles are coloured by a category (e.g. response status) or a number
    (e.g. coverage share, on a fixed ``vmin``–``vmax`` scale).  Societies of the grid
    without a value are light grey, hatched and listed in the legend as "no data".

    Parameters
    ----------
    values : DataFrame or Series
        A DataFrame with ``iso3`` and the value ``column``, or a Series indexed by ISO3.
    column : str, optional
        The value column (default: the only column besides ``iso3``).
    iso3 : str, default "iso3"
    grid : DataFrame, optional
        Tile positions ``iso3``, ``col``, ``row`` (row 0 at top); default: the bundled
        grid (:func:`load_tile_grid`).
    kind : {"auto", "categorical", "numeric"}
        Colour by category or by number ("auto": numbers are numeric).
    order : sequence, optional
        Category order in the legend.
    palette : mapping, optional
        Colour per category (default: status colours for response statuses, else the
        Okabe–Ito cycle).
    cmap, vmin, vmax, percent
        Numeric colouring: map, fixed range, and whether values are proportions shown
        as percentages.
    legend_title : str, optional
    width : {"auto", "single", "double"} or float, default "auto"
        As in :func:`activity_heatmap` (tiles must be >= 5.6 mm for 7 pt codes).
    title, ax, n, response_rate, source, population, note
        As in :func:`activity_heatmap`.

    Returns
    -------
    Axes

    Raises
    ------
    InputError
        A value's ISO3 code is not in the grid (nothing is dropped silently).
    """
    what = "tile_map"
    grid = load_tile_grid() if grid is None else check_grid(grid)
    if isinstance(values, pd.Series):
        codes = pd.Series(values.index.astype(str), dtype=str)
        vals = values.reset_index(drop=True)
        vname = values.name if values.name is not None else "value"
    else:
        require_columns(values, [iso3], what=what)
        if column is None:
            others = [c for c in values.columns if c != iso3]
            if len(others) != 1:
                raise InputError(
                    f"{what}: name the value column with column=.",
                    value=others,
                    hint="Pass column='...'.",
                )
            column = others[0]
        require_columns(values, [column], what=what)
        codes = values[iso3].astype(str)
        vals = values[column].reset_index(drop=True)
        vname = column
    codes = codes.str.strip().str.upper().reset_index(drop=True)
    frame = pd.DataFrame({"iso3": codes, "value": vals})
    check_unique(frame, ["iso3"], what=what)
    unknown = sorted(set(frame["iso3"]) - set(grid["iso3"]))
    if unknown:
        raise InputError(
            f"{what}: {len(unknown)} ISO3 code(s) have no tile in the grid: {', '.join(unknown[:10])}.",
            column=iso3,
            value=unknown[0],
            hint="Correct the codes or add the Societies to the tile grid.",
        )
    if kind == "auto":
        kind = (
            "numeric"
            if pd.api.types.is_numeric_dtype(frame["value"])
            and not pd.api.types.is_bool_dtype(frame["value"])
            else "categorical"
        )
    if kind not in ("categorical", "numeric"):
        raise InputError(f"{what}: kind must be 'auto', 'categorical' or 'numeric'.", value=kind)
    merged = grid.merge(frame, on="iso3", how="left")
    missing = merged["value"].isna().to_numpy()
    ncols, nrows = int(grid["col"].max()) + 1, int(grid["row"].max()) + 1

    with themed():
        own = ax is None
        if ax is None:
            # tiles of >= 5.6 mm hold a 7 pt ISO3 code
            width = choose_width(width, ncols * 5.6 / 0.97 + 4, what=what)
            w_in, _ = figure_size(width)
            tile_mm = w_in * 25.4 * 0.97 / ncols
            ax = new_axes(width, nrows * tile_mm * 0.96 + 30)
        fig = root_figure(ax)
        tile_pt = fig.get_figwidth() * 72 * 0.97 / ncols
        fontsize = max(SMALL_FONT_PT, min(8.0, 0.36 * tile_pt))
        handles: list[Any] = []
        names: list[str] = []
        if kind == "numeric":
            v = pd.to_numeric(merged["value"], errors="coerce").to_numpy(
                dtype=float, na_value=np.nan
            )
            missing = ~np.isfinite(v)
            cm = mpl.colormaps[cmap]
            norm = Normalize(vmin, vmax)
            colours = [cm(norm(x)) if np.isfinite(x) else NO_DATA_COLOUR for x in v]
        else:
            cats = ordered(merged.loc[~missing, "value"], order, tuple(STATUS_COLOURS))
            pal = dict(palette or {})
            if not pal and all(str(c) in STATUS_COLOURS for c in cats):
                pal = {c: STATUS_COLOURS[str(c)] for c in cats}
            k = 0
            for c in cats:
                if c not in pal:
                    pal[c] = CATEGORY_COLOURS[k % len(CATEGORY_COLOURS)]
                    k += 1
            colours = [NO_DATA_COLOUR if m else pal[x] for x, m in zip(merged["value"], missing)]
            counts = merged.loc[~missing, "value"].value_counts()
            for c in cats:
                handles.append(Patch(facecolor=pal[c], edgecolor="none"))
                names.append(f"{str(c).capitalize()} ({int(counts.get(c, 0))})")
        for (code, cx, ry), fc, miss in zip(
            merged[["iso3", "col", "row"]].itertuples(index=False), colours, missing
        ):
            ax.add_patch(
                Rectangle(
                    (cx + 0.04, ry + 0.04),
                    0.92,
                    0.92,
                    facecolor=fc,
                    edgecolor="none",
                    hatch="////" if miss else None,
                    hatchcolor=HATCH_COLOUR,
                    linewidth=0,
                )
            )
            ax.text(
                cx + 0.5,
                ry + 0.52,
                code,
                ha="center",
                va="center",
                fontsize=fontsize,
                color="0.25" if miss else text_colour(fc),
            )
        if missing.any():
            handles.append(
                Patch(
                    facecolor=NO_DATA_COLOUR,
                    hatch="////",
                    edgecolor=HATCH_COLOUR,
                    linewidth=0,
                )
            )
            names.append(f"No data ({int(missing.sum())})")
        ax.set_xlim(0, ncols)
        ax.set_ylim(nrows, 0)
        ax.set_aspect("equal")
        ax.set_axis_off()
        if kind == "numeric":
            sm = mpl.cm.ScalarMappable(norm=Normalize(vmin, vmax), cmap=mpl.colormaps[cmap])
            cb = fig.colorbar(
                sm,
                ax=ax,
                orientation="horizontal",
                fraction=0.04,
                shrink=0.45,
                aspect=30,
                pad=0.02,
                location="bottom",
            )
            cb.set_label(
                legend_title
                or str(vname).replace("_", " ").capitalize() + (" (%)" if percent else "")
            )
            if percent:
                cb.ax.xaxis.set_major_formatter(PERCENT)
            cb.outline.set_linewidth(0.5)
            if handles:
                cb.ax.legend(
                    handles,
                    names,
                    loc="center left",
                    bbox_to_anchor=(1.04, 0.5),
                    frameon=False,
                    handlelength=1.6,
                    handleheight=1.0,
                )
        else:
            legend_outside(
                ax,
                handles,
                names,
                where="bottom",
                ncol=min(len(handles), 5),
                title=legend_title,
                own=own,
                width_share=0.95,
            )
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
