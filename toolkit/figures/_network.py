"""Cooperation network figure of :mod:`toolkit.figures`.  Import it from
:mod:`toolkit.figures`."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch

from toolkit.errors import InputError
from toolkit.figures._common import (
    ZONE_ORDER,
    as_bool,
    as_float,
    check_unique,
    ordered,
    spreadsheet_row,
    zone_label,
)
from toolkit.figures._save import add_caption_if_given
from toolkit.figures._style import (
    CATEGORY_COLOURS,
    SMALL_FONT_PT,
    ZONE_COLOURS,
    choose_width,
    figure_size,
    legend_outside,
    new_axes,
    require_columns,
    set_title,
    text_colour,
    themed,
    width_mm_of,
)

__all__ = [
    "cooperation_network",
]

# -------------------------------------------------------------- cooperation network


def _node_table(
    edges: pd.DataFrame, nodes: pd.DataFrame | None, provider: str, recipient: str
) -> pd.DataFrame:

    what = "cooperation_network"
    if nodes is None:
        zc = [f"{provider}_zone", f"{recipient}_zone"]
        if not set(zc) <= set(edges.columns):
            raise InputError(
                f"{what}: the Societies' zones are unknown.",
                column=zc[0],
                hint=f"Pass nodes= (iso3, zone) or give edges the columns {zc[0]} and {zc[1]}.",
            )
        nodes = pd.concat(
            [
                pd.DataFrame(
                    {
                        "iso3": edges[provider].to_numpy(),
                        "zone": edges[zc[0]].to_numpy(),
                    }
                ),
                pd.DataFrame(
                    {
                        "iso3": edges[recipient].to_numpy(),
                        "zone": edges[zc[1]].to_numpy(),
                    }
                ),
            ]
        ).drop_duplicates()
    require_columns(nodes, ["iso3", "zone"], what=what + " nodes")
    nodes = nodes.copy()
    nodes["iso3"] = nodes["iso3"].astype(str).str.strip().str.upper()
    check_unique(nodes, ["iso3"], what=what + " nodes")
    return nodes.reset_index(drop=True)


def cooperation_network(
    edges: pd.DataFrame,
    nodes: pd.DataFrame | None = None,
    *,
    provider: str = "provider",
    recipient: str = "recipient",
    weight: str = "score",
    cross_regional: str = "cross_regional",
    layout: str = "auto",
    width: str | float = "auto",
    title: str | None = None,
    ax: Axes | None = None,
    n: int | None = None,
    response_rate: float | None = None,
    source: str | None = None,
    population: int | None = None,
    note: str | None = None,
) -> Axes:
    """Network of cooperation opportunities between Societies.

    Nodes are Societies (ISO3 in a circle coloured by zone; open circle = did not
    respond, so its capacity is unknown).  Arrows run from the Society that has an
    established activity (provider) to the one that lacks it (recipient); line width
    grows with the opportunity score; cross-regional pairs are dashed.  Several rows
    for the same ordered pair (one per activity) are drawn as one arrow with the
    highest score.

    The layout is deterministic: ``"route"`` places nodes left to right by their
    ``order`` (position along the route; arrows going forward arc above the line,
    backward below), ``"circle"`` places them round a circle grouped by zone;
    ``"auto"`` uses ``"route"`` when ``nodes`` has an ``order`` column.

    Parameters
    ----------
    edges : DataFrame
        ``provider``, ``recipient`` (ISO3), ``weight`` (score) and optionally
        ``cross_regional`` (bool; default: the two zones differ) and
        ``<provider>_zone`` / ``<recipient>_zone`` when ``nodes`` is None.
    nodes : DataFrame, optional
        ``iso3``, ``zone``, optional ``order`` and ``responded`` (bool).
    provider, recipient, weight, cross_regional : str
        Column names in ``edges``.
    layout : {"auto", "route", "circle"}
    width : {"auto", "single", "double"} or float, default "auto"
        As in :func:`activity_heatmap`.
    title, ax, n, response_rate, source, population, note
        As in :func:`activity_heatmap`.

    Returns
    -------
    Axes
    """
    what = "cooperation_network"
    require_columns(edges, [provider, recipient, weight], what=what)
    nodes = _node_table(edges, nodes, provider, recipient)
    e = pd.DataFrame(
        {
            "p": edges[provider].astype(str).str.strip().str.upper().to_numpy(),
            "r": edges[recipient].astype(str).str.strip().str.upper().to_numpy(),
            "w": as_float(edges, weight, what=what),
        }
    )
    if cross_regional in edges.columns:
        e["x"] = as_bool(edges, cross_regional, what=what)
    known = set(nodes["iso3"])
    unknown = sorted((set(e["p"]) | set(e["r"])) - known)
    if unknown:
        raise InputError(
            f"{what}: Societies {', '.join(unknown[:10])} are in the edges but not in nodes.",
            value=unknown[0],
            hint="Add them to nodes (with their zone).",
        )
    loops = (e["p"] == e["r"]).to_numpy()
    if loops.any():
        raise InputError(
            f"{what}: a Society cannot cooperate with itself.",
            row=spreadsheet_row(edges, loops),
            value=e["p"][loops].iloc[0],
        )
    if not np.isfinite(e["w"]).all():
        raise InputError(
            f"{what}: every edge needs a finite score.",
            column=weight,
            row=spreadsheet_row(edges, ~np.isfinite(e["w"])),
        )
    zone_of = dict(zip(nodes["iso3"], nodes["zone"]))
    if "x" not in e:
        e["x"] = [zone_of[a] != zone_of[b] for a, b in zip(e["p"], e["r"])]
    e = e.groupby(["p", "r"], sort=True, as_index=False).agg(w=("w", "max"), x=("x", "max"))
    responded = (
        as_bool(nodes, "responded", what=what)
        if "responded" in nodes.columns
        else np.ones(len(nodes), bool)
    )
    if layout == "auto":
        layout = "route" if "order" in nodes.columns else "circle"
    if layout not in ("route", "circle"):
        raise InputError(f"{what}: layout must be 'auto', 'route' or 'circle'.", value=layout)
    zones_present = ordered(nodes["zone"], None, ZONE_ORDER)
    zrank = {z: i for i, z in enumerate(zones_present)}
    slots: list[int | None] = []
    if layout == "route":
        if "order" not in nodes.columns:
            raise InputError(
                f"{what}: the route layout needs an 'order' column in nodes.",
                column="order",
            )
        orderv = as_float(nodes, "order", what=what)
        idx = sorted(
            range(len(nodes)),
            key=lambda i: (orderv[i], zrank[nodes["zone"][i]], nodes["iso3"][i]),
        )
        pos = {nodes["iso3"][i]: (float(k), 0.0) for k, i in enumerate(idx)}
    else:
        idx = sorted(range(len(nodes)), key=lambda i: (zrank[nodes["zone"][i]], nodes["iso3"][i]))
        slots = []
        prev = None
        for i in idx:
            z = nodes["zone"][i]
            if prev is not None and z != prev:
                slots.append(None)
            slots.append(i)
            prev = z
        if len(zones_present) > 1:
            slots.append(None)
        ang = np.pi / 2 - 2 * np.pi * np.arange(len(slots)) / len(slots)
        pos = {
            nodes["iso3"][i]: (float(np.cos(a)), float(np.sin(a)))
            for i, a in zip(slots, ang)
            if i is not None
        }
    wmin, wmax = (
        float(e["w"].min()) if len(e) else 0.0,
        float(e["w"].max()) if len(e) else 1.0,
    )

    def lw(w: float) -> float:
        return 1.2 if wmax - wmin < 1e-12 else 0.5 + 1.8 * (w - wmin) / (wmax - wmin)

    # arc3 with |rad| = 0.45 bulges 0.225 x the distance: forward arcs above, backward below
    up = max([0.0] + [0.225 * (pos[b][0] - pos[a][0]) for a, b in zip(e["p"], e["r"])])
    down = max([0.0] + [0.225 * (pos[a][0] - pos[b][0]) for a, b in zip(e["p"], e["r"])])
    with themed():
        own = ax is None
        nn = len(nodes)
        if ax is None:
            if layout == "route":
                needed = 11.0 * len({p[0] for p in pos.values()}) + 10
            else:
                needed = (
                    85.0 if len(slots) <= 12 else 175.0 if len(slots) <= 48 else 4.0 * len(slots)
                )
            width = choose_width(width, needed, what=what)
            if layout == "route":
                w_in, _ = figure_size(width)
                span_x = max(nn - 1, 1) + 1.2
                ax = new_axes(width, w_in * 25.4 * 0.95 * (up + down + 1.2) / span_x + 34)
            else:
                w_in, _ = figure_size(width)
                ax = new_axes(width, min(w_in * 25.4 * 0.8, 150) + 30)
        node_pt = 19.0
        for _, row in e.iterrows():
            a, b = pos[row["p"]], pos[row["r"]]
            if layout == "route":
                rad = -0.45
            else:
                # bow towards the centre (clear of the nodes on the circle); the two
                # directions of one pair get different curvatures so both stay visible
                mx, my = (a[0] + b[0]) / 2, (a[1] + b[1]) / 2
                inward = (b[1] - a[1]) * -mx + (a[0] - b[0]) * -my
                mag = 0.15 if row["p"] < row["r"] else 0.32
                rad = mag if inward >= 0 else -mag
            style = (0, (4, 2.5)) if row["x"] else "solid"
            arrow = FancyArrowPatch(
                a,
                b,
                connectionstyle=f"arc3,rad={rad}",
                arrowstyle="-|>",
                mutation_scale=5 + 1.6 * lw(row["w"]),
                linewidth=lw(row["w"]),
                linestyle=style,
                color="0.25",
                shrinkA=node_pt / 2 + 1,
                shrinkB=node_pt / 2 + 1.5,
                zorder=2,
                joinstyle="miter",
                capstyle="butt",
            )
            ax.add_patch(arrow)
        for i in range(nn):
            code, z = nodes["iso3"][i], nodes["zone"][i]
            c = ZONE_COLOURS.get(str(z), CATEGORY_COLOURS[zrank[z] % len(CATEGORY_COLOURS)])
            x, y = pos[code]
            ax.scatter(
                [x],
                [y],
                s=node_pt**2,
                facecolors=c if responded[i] else "white",
                edgecolors=c,
                linewidths=1.6,
                zorder=3,
            )
            ax.text(
                x,
                y,
                code,
                ha="center",
                va="center",
                fontsize=SMALL_FONT_PT,
                zorder=4,
                color=text_colour(c) if responded[i] else "0.15",
            )
        if layout == "route":
            span = max(nn - 1, 1)
            ax.set_xlim(-0.6, span + 0.6)
            ax.set_ylim(-down - 0.6, up + 0.6)
            ax.set_aspect("equal")
        else:
            ax.set_xlim(-1.18, 1.18)
            ax.set_ylim(-1.18, 1.18)
            ax.set_aspect("equal")
        ax.set_axis_off()
        handles: list[Any] = []
        names: list[str] = []
        for z in zones_present:
            c = ZONE_COLOURS.get(str(z), CATEGORY_COLOURS[zrank[z] % len(CATEGORY_COLOURS)])
            handles.append(
                Line2D(
                    [0],
                    [0],
                    marker="o",
                    linestyle="none",
                    markersize=7,
                    markerfacecolor=c,
                    markeredgecolor=c,
                )
            )
            names.append(zone_label(z))
        if not responded.all():
            handles.append(
                Line2D(
                    [0],
                    [0],
                    marker="o",
                    linestyle="none",
                    markersize=7,
                    markerfacecolor="white",
                    markeredgecolor="0.3",
                    markeredgewidth=1.4,
                )
            )
            names.append("Did not respond (capacity unknown)")
        handles.append(Line2D([0], [0], color="0.25", linewidth=1.4))
        names.append("Same zone: provider → recipient")
        if e["x"].any():
            handles.append(Line2D([0], [0], color="0.25", linewidth=1.4, linestyle=(0, (4, 2.5))))
            names.append("Cross-regional")
        if len(e) and wmax - wmin > 1e-12:
            handles += [
                Line2D([0], [0], color="0.25", linewidth=lw(wmin)),
                Line2D([0], [0], color="0.25", linewidth=lw(wmax)),
            ]
            names += [f"Score {wmin:.2g}", f"Score {wmax:.2g}"]
        legend_outside(
            ax,
            handles,
            names,
            where="bottom",
            ncol=3 if width_mm_of(ax) > 120 else 2,
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
