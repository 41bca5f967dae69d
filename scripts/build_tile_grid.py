"""Build ``toolkit/data/tile_grid.csv``, a world tile-grid map with one tile per Society.

Usage::

    python scripts/build_tile_grid.py [--membership toolkit/data/membership.csv]
                                      [--out toolkit/data/tile_grid.csv]

Every National Society in the membership table gets one equal square tile at integer
``col, row`` (row 0 at the top, i.e. north); no two Societies share a tile, so small
island states are as visible as large countries. The layout is computed
deterministically from the centroids (``lat``, ``lon``) in the membership table:

1. Layout anchors. Each Society is placed at its centroid, except for the few
   documented overrides in :data:`ANCHOR_OVERRIDES` (the Russian Federation, whose
   centroid lies far east of where readers look for it, and Canada and the United
   States, pulled next to Mexico). Longitudes west of -150 degrees (Cook Islands,
   Samoa, Tonga) are wrapped by +360 so that the Pacific islands sit together at the
   far right of the map, and longitudes west of 30W (the Americas) are stretched by
   ``_AMERICAS_STRETCH`` about 30W so that the crowded Caribbean gets room.
2. Density equalisation. Centroids are very unevenly spread (Europe and the
   Caribbean are crowded, the Pacific is empty), so each axis is warped by a
   blend of the linear coordinate and its empirical rank, which widens crowded
   bands and narrows empty ones while keeping the order of countries along the axis.
3. Projection to a ``N_COLS x N_ROWS`` grid of cell centres.
4. Optimal assignment. Societies are assigned to distinct cells by
   :func:`scipy.optimize.linear_sum_assignment`, minimising the total squared
   distance between each Society's projected position and its cell centre.
5. Manual swaps in :data:`MANUAL_SWAPS` (documented, applied last) fix the few
   neighbourhoods that the optimisation leaves in an order readers would find odd.

The result is written as ``iso3,col,row`` sorted by iso3 (UTF-8, ``\\n`` line ends).
The test suite re-runs :func:`build_tile_grid` and compares it byte for byte with the
committed CSV.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

import numpy as np
from scipy.optimize import linear_sum_assignment

__all__ = [
    "ANCHOR_OVERRIDES",
    "MANUAL_SWAPS",
    "N_COLS",
    "N_ROWS",
    "build_tile_grid",
    "main",
    "render_csv",
]

N_COLS = 26
N_ROWS = 16

# Weight of the rank (empirical CDF) term in the axis warp; 0 = plain equirectangular.
# These values, the grid size and the Americas stretch were chosen by rendering the
# grid and checking that it reads as a world map (Europe compact, Africa below it,
# the Caribbean islands distinct, the Pacific islands at the far right).
_RANK_WEIGHT_X = 0.45
_RANK_WEIGHT_Y = 0.4
_AMERICAS_STRETCH = 1.6

# Layout anchors (lat, lon) replacing the centroid for the tile layout only (the
# membership table keeps the true approximate centroids).
ANCHOR_OVERRIDES: dict[str, tuple[float, float]] = {
    # Russia's centroid (61.5N, 105E) would put it above Mongolia; on a tile map it
    # reads best east of Ukraine and Belarus, north of the Caucasus.
    "RUS": (60.0, 50.0),
    # The latitude warp spreads 25-60N to make room for Europe's 54 Societies, which
    # would strand Canada and the United States far above Mexico; anchoring them
    # lower and further east keeps North America one block with Mexico and the
    # Caribbean.
    "CAN": (37.0, -92.0),
    "USA": (30.0, -92.0),
}

# Pairs of Societies whose tiles are swapped after the optimal assignment (none are
# needed with the current anchors; kept so that a future fix stays documented here).
MANUAL_SWAPS: tuple[tuple[str, str], ...] = ()

_REPO = Path(__file__).resolve().parent.parent
_DEFAULT_MEMBERSHIP = _REPO / "toolkit" / "data" / "membership.csv"
_DEFAULT_OUT = _REPO / "toolkit" / "data" / "tile_grid.csv"


def _read_centroids(path: Path) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Return iso3 codes (sorted) and their layout latitudes and longitudes."""
    with Path(path).open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    rows.sort(key=lambda r: r["iso3"])
    iso3 = [r["iso3"] for r in rows]
    lat = np.array([float(r["lat"]) for r in rows])
    lon = np.array([float(r["lon"]) for r in rows])
    for i, code in enumerate(iso3):
        if code in ANCHOR_OVERRIDES:
            lat[i], lon[i] = ANCHOR_OVERRIDES[code]
    lon = np.where(lon < -150.0, lon + 360.0, lon)
    # Widen the Americas (west of 30W): its 35 Societies are crowded into a narrow band.
    lon = np.where(lon < -30.0, -30.0 + (lon + 30.0) * _AMERICAS_STRETCH, lon)
    return iso3, lat, lon


def _warp(values: np.ndarray, rank_weight: float) -> np.ndarray:
    """Blend min-max scaled values with their mid-rank empirical CDF; result in [0, 1]."""
    lo, hi = values.min(), values.max()
    linear = (values - lo) / (hi - lo)
    order = np.argsort(values, kind="stable")
    ranks = np.empty(len(values))
    ranks[order] = np.arange(len(values))
    # Ties share their mean rank so that equal coordinates stay equal.
    _, inverse = np.unique(values, return_inverse=True)
    mean_rank = np.bincount(inverse, weights=ranks) / np.bincount(inverse)
    cdf = mean_rank[inverse] / (len(values) - 1)
    return (1.0 - rank_weight) * linear + rank_weight * cdf


def build_tile_grid(
    membership_path: str | Path = _DEFAULT_MEMBERSHIP,
) -> list[tuple[str, int, int]]:
    """Compute the tile grid from the membership table's centroids.

    Parameters
    ----------
    membership_path : str or Path
        Membership CSV with at least ``iso3``, ``lat`` and ``lon`` columns.

    Returns
    -------
    list of (str, int, int)
        ``(iso3, col, row)`` per Society, sorted by iso3; row 0 is the top (north).

    Raises
    ------
    ValueError
        If the grid has fewer cells than Societies.
    """
    iso3, lat, lon = _read_centroids(Path(membership_path))
    n = len(iso3)
    if n > N_COLS * N_ROWS:
        raise ValueError(f"grid of {N_COLS}x{N_ROWS} cells cannot hold {n} Societies")
    # Positions in cell units: x grows eastwards, y grows southwards (row 0 = north).
    x = _warp(lon, _RANK_WEIGHT_X) * (N_COLS - 1)
    y = (1.0 - _warp(lat, _RANK_WEIGHT_Y)) * (N_ROWS - 1)
    cols, rows = np.meshgrid(np.arange(N_COLS), np.arange(N_ROWS))
    cell_x = cols.ravel().astype(float)
    cell_y = rows.ravel().astype(float)
    cost = (x[:, None] - cell_x[None, :]) ** 2 + (y[:, None] - cell_y[None, :]) ** 2
    row_ind, col_ind = linear_sum_assignment(cost)
    cell_of = dict(zip((iso3[i] for i in row_ind), col_ind, strict=True))
    for a, b in MANUAL_SWAPS:
        cell_of[a], cell_of[b] = cell_of[b], cell_of[a]
    out = [(code, int(cell_x[cell_of[code]]), int(cell_y[cell_of[code]])) for code in iso3]
    return sorted(out)


def render_csv(tiles: list[tuple[str, int, int]]) -> str:
    """Render ``(iso3, col, row)`` tuples as CSV text (header, ``\\n`` line ends)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["iso3", "col", "row"])
    writer.writerows(tiles)
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--membership", type=Path, default=_DEFAULT_MEMBERSHIP)
    parser.add_argument("--out", type=Path, default=_DEFAULT_OUT)
    args = parser.parse_args(argv)
    text = render_csv(build_tile_grid(args.membership))
    with args.out.open("w", encoding="utf-8", newline="") as fh:
        fh.write(text)
    print(f"wrote {text.count(chr(10)) - 1} tiles to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
