"""Figures of the programme register by zone.  Import them from :mod:`toolkit.figures`.

* :func:`programme_activity_bars`: programmes per activity type (a programme counts
  under each of its types), stacked by zone in an all-zones report; withheld cells
  are marked, never drawn;
* :func:`programme_start_years`: when the programmes started, by status;
* :func:`programme_status_mix`: running, ended and planned programmes by zone;
* :func:`people_reached_plot`: people reached in the last 12 months per programme, on
  a log scale, counted and estimated numbers apart.

Each takes a table first (the published register, or the published counts of
:func:`toolkit.publish.publish_programme_counts`), keyword-only options and ``ax``,
and returns the Axes, captioned like every figure of the toolkit.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator

from toolkit.errors import InputError
from toolkit.figures._common import ZONE_ORDER, activity_labels, ordered, zone_label
from toolkit.figures._save import add_caption_if_given
from toolkit.figures._style import (
    CATEGORY_COLOURS,
    HATCH_COLOUR,
    OKABE_ITO,
    SMALL_FONT_PT,
    ZONE_COLOURS,
    legend_outside,
    new_axes,
    require_columns,
    set_title,
    themed,
)

__all__ = [
    "PROGRAMME_STATUS_COLOURS",
    "REACH_BASIS_COLOURS",
    "people_reached_plot",
    "programme_activity_bars",
    "programme_start_years",
    "programme_status_mix",
]

#: Colours of the programme statuses.
PROGRAMME_STATUS_COLOURS: dict[str, str] = {
    "running": OKABE_ITO["blue"],
    "ended": OKABE_ITO["orange"],
    "planned": OKABE_ITO["sky_blue"],
    "not stated": "#BDBDBD",
}
#: Colours of the basis of a people-reached number.
REACH_BASIS_COLOURS: dict[str, str] = {
    "counted": OKABE_ITO["bluish_green"],
    "estimated": OKABE_ITO["reddish_purple"],
}
_WITHHELD = "withheld"


def _zone_colour(z: str, i: int) -> str:
    return ZONE_COLOURS.get(str(z), CATEGORY_COLOURS[i % len(CATEGORY_COLOURS)])


def _caption(ax: Axes, note: str | None, **facts: object) -> None:
    add_caption_if_given(
        ax,
        n=facts.get("n"),  # type: ignore[arg-type]
        response_rate=facts.get("response_rate"),  # type: ignore[arg-type]
        source=facts.get("source"),  # type: ignore[arg-type]
        note=note,
        population=facts.get("population"),  # type: ignore[arg-type]
    )


def programme_activity_bars(
    counts: pd.DataFrame,
    *,
    zone: str = "all",
    labels: Mapping[str, str] | None = None,
    min_cell: int | None = None,
    width: str | float = "double",
    title: str | None = None,
    ax: Axes | None = None,
    n: int | None = None,
    response_rate: float | None = None,
    source: str | None = None,
    population: int | None = None,
    note: str | None = None,
) -> Axes:
    """Programmes per activity type: one bar per type, stacked by zone for ``"all"``.

    Parameters
    ----------
    counts : pandas.DataFrame
        ``zone``, ``activity``, ``programmes`` (missing where withheld) and optionally
        ``suppressed`` (:func:`toolkit.publish.publish_programme_counts`).
    zone : str, default "all"
        The report's zone: its rows are drawn; ``"all"`` stacks every zone's rows.
    labels : mapping, optional
        Activity code -> label.
    min_cell : int, optional
        The disclosure minimum, named in the note on withheld cells.
    width, title, ax, n, response_rate, source, population, note
        As in :func:`toolkit.figures.activity_heatmap`.

    Returns
    -------
    Axes
    """
    what = "programme_activity_bars"
    require_columns(counts, ["zone", "activity", "programmes"], what=what)
    df = counts[counts["zone"].astype(str) != "all"] if zone == "all" else counts
    df = df[df["zone"].astype(str) == zone] if zone != "all" else df
    if df.empty:
        raise InputError(
            f"{what}: no rows for zone {zone!r}.", column="zone", value=zone, hint="check the zone."
        )
    hidden = (
        df["suppressed"].fillna(False).astype(bool).to_numpy()
        if "suppressed" in df
        else np.zeros(len(df), bool)
    )
    values = pd.to_numeric(df["programmes"], errors="coerce").to_numpy(float)
    table = pd.DataFrame(
        {"zone": df["zone"].astype(str), "activity": df["activity"].astype(str), "v": values}
    )
    wide = table.pivot_table(
        index="activity", columns="zone", values="v", aggfunc="sum", sort=False
    )
    withheld = set(table.loc[hidden, "activity"])
    wide = wide.reindex(columns=ordered(wide.columns, None, ZONE_ORDER))
    order = wide.fillna(0).sum(axis=1).sort_values(kind="stable").index.tolist()
    wide = wide.loc[order]
    names = activity_labels(pd.DataFrame({"activity": order}), "activity", None)
    names.update(dict(labels or {}))
    with themed():
        own = ax is None
        if ax is None:
            ax = new_axes(width, max(60.0, 32 + 4.6 * len(order)))
        left = np.zeros(len(order))
        handles = []
        for i, z in enumerate(wide.columns):
            v = np.nan_to_num(wide[z].to_numpy(float))
            colour = _zone_colour(z, i) if zone == "all" else OKABE_ITO["blue"]
            ax.barh(np.arange(len(order)), v, left=left, color=colour, height=0.72, linewidth=0)
            handles.append(Patch(color=colour, label=zone_label(z)))
            left += v
        for k, a in enumerate(order):
            text = f"{left[k]:.0f}" if a not in withheld else f"{_WITHHELD}*"
            if a in withheld and left[k] > 0:
                text = f"{left[k]:.0f} + {_WITHHELD}*"
            ax.text(left[k], k, f" {text}", va="center", fontsize=SMALL_FONT_PT, color="0.25")
        ax.set_yticks(np.arange(len(order)), [names.get(a, a) for a in order])
        ax.set_ylim(-0.6, len(order) - 0.4)
        ax.set_xlim(0, max(1.0, float(left.max())) * 1.18)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("Programmes (a programme counts under each of its activity types)")
        ax.tick_params(axis="y", length=0)
        if zone == "all" and len(wide.columns) > 1:
            legend_outside(ax, handles, [str(h.get_label()) for h in handles], ncol=5, own=own)
        set_title(ax, title, own=own)
        full = note
        if withheld:
            extra = (
                "* withheld: the zone's share of Societies running this activity type is "
                "not published"
                + (
                    f" (fewer than {min_cell} responding Societies, or its complement)"
                    if min_cell
                    else ""
                )
                + "."
            )
            full = f"{extra} {note}" if note else extra
        _caption(ax, full, n=n, response_rate=response_rate, source=source, population=population)
    return ax


def programme_start_years(
    register: pd.DataFrame,
    *,
    first_year: int | None = None,
    width: str | float = "double",
    title: str | None = None,
    ax: Axes | None = None,
    n: int | None = None,
    response_rate: float | None = None,
    source: str | None = None,
    population: int | None = None,
    note: str | None = None,
) -> Axes:
    """Programmes by the year they started, stacked by status.

    Parameters
    ----------
    register : pandas.DataFrame
        ``start_year`` and ``status`` (the published register).
    first_year : int, optional
        Earlier years are gathered in one bar ("before"); default 15 years before the
        latest start year.
    width, title, ax, n, response_rate, source, population, note
        As in :func:`programme_activity_bars`.
    """
    require_columns(register, ["start_year", "status"], what="programme_start_years")
    years = pd.to_numeric(register["start_year"], errors="coerce")
    known = years.notna().to_numpy()
    status = register["status"].astype("string").fillna("not stated").to_numpy(dtype=object)
    y = years.to_numpy(float)[known]
    st = status[known]
    last = int(np.nanmax(y)) if len(y) else 2000
    first = int(first_year) if first_year is not None else last - 15
    binned = np.maximum(y, first - 1)
    xs = np.arange(first - 1, last + 1)
    with themed():
        own = ax is None
        if ax is None:
            ax = new_axes(width, 62)
        bottom = np.zeros(len(xs))
        handles = []
        for s, colour in PROGRAMME_STATUS_COLOURS.items():
            k = np.array([np.sum((binned == x) & (st == s)) for x in xs], float)
            if not k.any():
                continue
            ax.bar(xs, k, bottom=bottom, color=colour, width=0.8, linewidth=0)
            handles.append(Patch(color=colour, label=s))
            bottom += k
        ticks = [first - 1, *(int(x) for x in xs if x % 5 == 0 and x >= first + 2)]
        ax.set_xticks(ticks, [f"before {first}" if x == first - 1 else str(x) for x in ticks])
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel("Programmes")
        ax.set_xlabel("Start year (planned programmes: the year they will start)")
        legend_outside(ax, handles, [str(h.get_label()) for h in handles], own=own)
        set_title(ax, title, own=own)
        missing = int((~known).sum())
        full = (f"{missing} programme(s) without a start year not shown. " if missing else "") + (
            note or ""
        )
        _caption(
            ax,
            full.strip() or None,
            n=n,
            response_rate=response_rate,
            source=source,
            population=population,
        )
    return ax


def programme_status_mix(
    register: pd.DataFrame,
    *,
    by: str = "zone",
    width: str | float = "single",
    title: str | None = None,
    ax: Axes | None = None,
    n: int | None = None,
    response_rate: float | None = None,
    source: str | None = None,
    population: int | None = None,
    note: str | None = None,
) -> Axes:
    """Share of the programmes that are running, ended or planned, per zone (and all
    zones when there are several), with the number of programmes.

    Parameters
    ----------
    register : pandas.DataFrame
        ``status`` and ``by`` (the published register).
    by : str, default "zone"
    width, title, ax, n, response_rate, source, population, note
        As in :func:`programme_activity_bars`.
    """
    require_columns(register, ["status", by], what="programme_status_mix")
    status = register["status"].astype("string").fillna("not stated")
    groups = ordered(register[by].astype(str), None, ZONE_ORDER)
    rows = [(g, status[register[by].astype(str).to_numpy() == g]) for g in groups]
    if len(groups) > 1:
        rows.append(("all", status))
    with themed():
        own = ax is None
        if ax is None:
            ax = new_axes(width, 40 + 7 * len(rows))
        handles: dict[str, Patch] = {}
        for k, (_g, s) in enumerate(rows):
            total = len(s)
            left = 0.0
            for name, colour in PROGRAMME_STATUS_COLOURS.items():
                share = float((s == name).sum()) / total if total else 0.0
                if share <= 0:
                    continue
                ax.barh(k, share, left=left, color=colour, height=0.7, linewidth=0)
                if share >= 0.08:
                    ax.text(
                        left + share / 2,
                        k,
                        f"{100 * share:.0f}%",
                        ha="center",
                        va="center",
                        fontsize=SMALL_FONT_PT,
                        color="white" if name != "planned" else "0.1",
                    )
                handles[name] = Patch(color=colour, label=name)
                left += share
            ax.text(1.01, k, f"{total}", va="center", fontsize=SMALL_FONT_PT, color="0.25")
        ax.set_yticks(np.arange(len(rows)), [zone_label(g) for g, _ in rows])
        ax.set_ylim(len(rows) - 0.5, -0.5)
        ax.set_xlim(0, 1)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{100 * v:.0f}"))
        ax.set_xlabel("Share of the programmes (%)")
        ax.tick_params(axis="y", length=0)
        legend_outside(ax, list(handles.values()), list(handles), own=own)
        set_title(ax, title, own=own)
        full = "At the right: the number of programmes." + (f" {note}" if note else "")
        _caption(ax, full, n=n, response_rate=response_rate, source=source, population=population)
    return ax


def people_reached_plot(
    register: pd.DataFrame,
    *,
    by: str = "zone",
    seed: int = 0,
    width: str | float = "double",
    title: str | None = None,
    ax: Axes | None = None,
    n: int | None = None,
    response_rate: float | None = None,
    source: str | None = None,
    population: int | None = None,
    note: str | None = None,
) -> Axes:
    """People reached per programme in the last 12 months (log scale), counted and
    estimated numbers on separate rows of each zone: one point per programme, the
    median as a bar.

    Parameters
    ----------
    register : pandas.DataFrame
        ``people_reached``, ``reached_basis`` and ``by`` (the published register).
    by : str, default "zone"
    seed : int, default 0
        Seed of the vertical jitter.
    width, title, ax, n, response_rate, source, population, note
        As in :func:`programme_activity_bars`.
    """
    require_columns(register, ["people_reached", "reached_basis", by], what="people_reached_plot")
    reach = pd.to_numeric(register["people_reached"], errors="coerce").to_numpy(float)
    basis = register["reached_basis"].astype("string").fillna("").to_numpy(dtype=object)
    ok = np.isfinite(reach) & (reach > 0) & np.isin(basis, list(REACH_BASIS_COLOURS))
    group = register[by].astype(str).to_numpy()
    groups = ordered(group[ok], None, ZONE_ORDER)
    if not groups:
        raise InputError(
            "people_reached_plot: no programme reports a number of people reached with its basis.",
            column="people_reached",
            hint="nothing to plot; leave the figure out.",
        )
    rng = np.random.default_rng(seed)
    rows = [(g, b) for g in groups for b in REACH_BASIS_COLOURS]
    with themed():
        own = ax is None
        if ax is None:
            ax = new_axes(width, 40 + 6.5 * len(rows))
        labels = []
        for k, (g, b) in enumerate(rows):
            m = ok & (group == g) & (basis == b)
            labels.append(f"{zone_label(g)}: {b} (n = {int(m.sum())})")
            if not m.any():
                continue
            v = reach[m]
            jitter = rng.uniform(-0.22, 0.22, len(v))
            ax.scatter(
                v, k + jitter, s=6, color=REACH_BASIS_COLOURS[b], edgecolors="none", alpha=0.8
            )
            med = float(np.median(v))
            ax.plot([med, med], [k - 0.35, k + 0.35], color="0.15", linewidth=1.2)
        ax.set_xscale("log")
        ax.xaxis.set_major_locator(LogLocator(base=10))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:,.0f}"))
        ax.set_yticks(np.arange(len(rows)), labels)
        ax.set_ylim(len(rows) - 0.5, -0.5)
        ax.tick_params(axis="y", length=0)
        ax.set_xlabel("People reached in the last 12 months (log scale); bar: median")
        for k in range(2, len(rows), 2):
            ax.axhline(k - 0.5, color=HATCH_COLOUR, linewidth=0.4)
        set_title(ax, title, own=own)
        left_out = int((~ok).sum())
        full = (
            "Counted numbers come from records; estimated ones are the Society's estimate. "
            + (
                f"{left_out} programme(s) without a number or its basis not shown. "
                if left_out
                else ""
            )
            + (note or "")
        ).strip()
        _caption(ax, full, n=n, response_rate=response_rate, source=source, population=population)
    return ax
