"""Route diagram of :mod:`toolkit.figures`.  Import it from :mod:`toolkit.figures`."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Patch, Rectangle

from toolkit.errors import InputError
from toolkit.figures._common import (
    activity_labels,
    as_float,
    check_unique,
    ordered,
    spreadsheet_row,
)
from toolkit.figures._save import add_caption_if_given
from toolkit.figures._style import (
    COVERAGE_COLOURS,
    MM_PER_PT,
    SMALL_FONT_PT,
    STAGE_LABELS,
    STAGES,
    choose_width,
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
    wrap_to_width,
)

__all__ = [
    "route_diagram",
]


# -------------------------------------------------------------------- route diagram

_STATUSES = ("covered", "gap", "unknown", "not_needed")
_SPLIT = re.compile(r"[;,\s]+")


def _country_list(x: Any) -> list[str]:
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return []
    if isinstance(x, str):
        return [c.upper() for c in _SPLIT.split(x.strip()) if c]
    try:
        return [str(c).strip().upper() for c in x if str(c).strip()]
    except TypeError:
        return [str(x).strip().upper()]


def route_diagram(
    coverage: pd.DataFrame,
    *,
    stage: str = "stage",
    activity: str = "activity",
    label: str | None = None,
    status: str = "status",
    stage_order: Sequence[str] | None = None,
    activity_order: Sequence[str] | None = None,
    route: str | None = None,
    width: str | float = "auto",
    title: str | None = None,
    ax: Axes | None = None,
    n: int | None = None,
    response_rate: float | None = None,
    source: str | None = None,
    population: int | None = None,
    note: str | None = None,
) -> Axes:
    """Stages x activities along one migratory route, with coverage gaps marked.

    Columns are the route's stages in travel order, headed by the Societies (ISO3) at
    that stage; rows are activities.  A cell is *covered* (green, "k of m": k of the m
    Societies at the stage run the activity), a *gap* (vermillion, hatched, "gap": no
    Society at the stage runs it although migrants need it there), *unknown* (grey,
    "unknown": no responding Society runs it but some at the stage did not respond) or
    *not needed* (blank).

    Parameters
    ----------
    coverage : DataFrame
        One row per stage x activity with ``stage``, ``activity``, ``status``
        (covered / gap / unknown / not_needed), ``n_covering`` and ``countries`` (the
        Societies at the stage: a list or a string separated by ``;``, ``,`` or spaces).
    stage, activity, label, status : str
        Column names (``label``: activity labels, default ``activity_label`` if present).
    stage_order, activity_order : sequence, optional
        Default: origin, transit, destination, return; activities as given.
    route : str, optional
        Route name, used as the title when ``title`` is None.
    width : {"auto", "single", "double"} or float, default "auto"
        As in :func:`activity_heatmap`.
    title, ax, n, response_rate, source, population, note
        As in :func:`activity_heatmap`.

    Returns
    -------
    Axes
    """
    what = "route_diagram"
    require_columns(coverage, [stage, activity, status, "n_covering", "countries"], what=what)
    check_unique(coverage, [stage, activity], what=what)
    st = coverage[status].astype(str).str.strip().str.lower().str.replace(" ", "_")
    bad = ~st.isin(_STATUSES).to_numpy()
    if bad.any():
        raise InputError(
            f"{what}: unknown status {coverage[status].iloc[int(np.flatnonzero(bad)[0])]!r}.",
            column=status,
            row=spreadsheet_row(coverage, bad),
            hint=f"Use one of {', '.join(_STATUSES)}.",
        )
    k = as_float(coverage, "n_covering", what=what)
    stages = ordered(coverage[stage], stage_order, STAGES)
    acts = ordered(coverage[activity], activity_order)
    labels = activity_labels(coverage, activity, label)
    si = {s: i for i, s in enumerate(stages)}
    ai = {a: i for i, a in enumerate(acts)}
    stage_countries: dict[Any, list[str]] = {s: [] for s in stages}
    row_countries: list[list[str]] = []
    for s, c in zip(coverage[stage], coverage["countries"]):
        cl = _country_list(c)
        row_countries.append(cl)
        for code in cl:
            if code not in stage_countries[s]:
                stage_countries[s].append(code)
    ns, na = len(stages), len(acts)

    tick_pt = SMALL_FONT_PT + 0.5
    row_w = max(
        text_width_pt(line, tick_pt) for a in acts for line in wrap_label(labels[a], 18).split("\n")
    )
    stage_w = max(text_width_pt(STAGE_LABELS.get(str(x), str(x)), tick_pt) for x in stages)
    cell_w = (
        max(
            text_width_pt("unknown", SMALL_FONT_PT),
            stage_w,
            text_width_pt("NGA, NER", tick_pt),
        )
        + 10
    )
    needed = (row_w + ns * cell_w) * MM_PER_PT + 12
    with themed():
        own = ax is None
        if ax is None:
            width = choose_width(width, needed, what=what)
            ax = new_axes(width, 40 + 7.0 * na + 16)
        fig = root_figure(ax)
        wrap_at = 18 if width_mm_of(ax) < 120 else 30
        for j, (s, a, stt) in enumerate(zip(coverage[stage], coverage[activity], st)):
            x, y = si[s], ai[a]
            fc = COVERAGE_COLOURS[stt]
            ax.add_patch(
                Rectangle(
                    (x + 0.03, y + 0.06),
                    0.94,
                    0.88,
                    facecolor=fc,
                    edgecolor="0.8" if stt == "not_needed" else "none",
                    hatch="////" if stt == "gap" else None,
                    hatchcolor="white",
                    linewidth=0.5,
                )
            )
            m = len(row_countries[j]) or len(stage_countries[s])
            if stt == "covered":
                txt = (
                    f"{k[j]:.0f} of {m}"
                    if m and np.isfinite(k[j])
                    else (f"{k[j]:.0f}" if np.isfinite(k[j]) else "covered")
                )
            elif stt == "gap":
                txt = "gap"
            elif stt == "unknown":
                txt = "unknown"
            else:
                txt = "–"
            tc = text_colour(fc) if stt != "not_needed" else "0.45"
            ax.text(
                x + 0.5,
                y + 0.5,
                txt,
                ha="center",
                va="center",
                fontsize=SMALL_FONT_PT,
                color=tc,
                fontweight="bold" if stt == "gap" else "normal",
                bbox={"facecolor": fc, "edgecolor": "none", "pad": 0.8} if stt == "gap" else None,
            )
        ax.set_xlim(0, ns)
        ax.set_ylim(na, 0)
        # column width in points, to wrap the country lists of the headers
        axw_pt = (fig.get_figwidth() * 72 - row_w - 12 / MM_PER_PT) / max(ns, 1) - 6
        heads = []
        for s in stages:
            codes = stage_countries[s]
            head = STAGE_LABELS.get(str(s), str(s).capitalize())
            if codes:
                head += "\n" + wrap_to_width(", ".join(codes), axw_pt, SMALL_FONT_PT)
            heads.append(head)
        ax.set_xticks(np.arange(ns) + 0.5, heads)
        ax.xaxis.tick_top()
        ax.set_yticks(np.arange(na) + 0.5, [wrap_label(labels[a], wrap_at) for a in acts])
        ax.tick_params(length=0)
        for sp in ax.spines.values():
            sp.set_visible(False)
        present = [x for x in _STATUSES if (st == x).any()]
        legend_names = {
            "covered": "Covered (k of m Societies at the stage)",
            "gap": "Gap: no Society at the stage runs it",
            "unknown": "Unknown: some Societies did not respond",
            "not_needed": "–  Not needed at this stage",
        }
        handles = [
            Patch(
                facecolor=COVERAGE_COLOURS[x],
                hatch="////" if x == "gap" else None,
                edgecolor="white" if x == "gap" else ("0.7" if x == "not_needed" else "none"),
                linewidth=0.5,
            )
            for x in present
        ]
        legend_outside(
            ax,
            handles,
            [legend_names[x] for x in present],
            where="bottom",
            ncol=2,
            own=own,
        )
        set_title(ax, title if title is not None else (f"{route}" if route else None), own=own)
        add_caption_if_given(
            ax,
            n=n,
            response_rate=response_rate,
            source=source,
            note=note,
            population=population,
        )
    return ax
