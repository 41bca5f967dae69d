"""Theme, palettes, sizes, captions and saving for :mod:`toolkit.figures`.

Private helper module: import the public names from :mod:`toolkit.figures`.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from functools import lru_cache
from typing import TYPE_CHECKING, Any, cast

import matplotlib as mpl
import matplotlib.pyplot as plt
import matplotlib.transforms as mtransforms
import numpy as np
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure, SubFigure
from matplotlib.font_manager import FontProperties
from matplotlib.rcsetup import cycler
from matplotlib.textpath import TextToPath

from toolkit.errors import InputError
from toolkit.figures._palette import (
    ACTIVITY_LABELS,
    CATEGORY_COLOURS,
    COVARIATE_LABELS,
    COVERAGE_COLOURS,
    HATCH_COLOUR,
    LEVEL_LABELS,
    NO_DATA_COLOUR,
    OKABE_ITO,
    SHARE_CMAP,
    STAGE_LABELS,
    STAGES,
    STATUS_COLOURS,
    ZONE_COLOURS,
    ZONE_LABELS,
)

if TYPE_CHECKING:
    from matplotlib.typing import LegendLocType, RcKeyType

__all__ = [
    "ACTIVITY_LABELS",
    "BASE_FONT_PT",
    "CAPTION_FONT_PT",
    "CATEGORY_COLOURS",
    "COVARIATE_LABELS",
    "COVERAGE_COLOURS",
    "FONT_FAMILY",
    "HATCH_COLOUR",
    "LEVEL_LABELS",
    "MM",
    "MM_PER_PT",
    "NO_DATA_COLOUR",
    "OKABE_ITO",
    "SHARE_CMAP",
    "SMALL_FONT_PT",
    "STAGES",
    "STAGE_LABELS",
    "STATUS_COLOURS",
    "SVG_HASHSALT",
    "WIDTHS_MM",
    "ZONE_COLOURS",
    "ZONE_LABELS",
    "choose_width",
    "figure_size",
    "fmt_pct",
    "legend_outside",
    "new_axes",
    "require_columns",
    "root_figure",
    "set_title",
    "text_colour",
    "text_width_pt",
    "theme",
    "theme_rc",
    "themed",
    "width_mm",
    "width_mm_of",
    "wrap_label",
    "wrap_to_width",
]

# ----------------------------------------------------------------------------- sizes

MM = 1 / 25.4
MM_PER_PT = 25.4 / 72
#: Print widths of an A4 page column, in millimetres.
WIDTHS_MM: dict[str, float] = {"single": 85.0, "double": 175.0}

BASE_FONT_PT = 8.0
SMALL_FONT_PT = 7.0  # annotations, captions, tile labels: the print minimum
CAPTION_FONT_PT = 7.0
FONT_FAMILY = "DejaVu Sans"  # ships with matplotlib: same glyphs on every machine

SVG_HASHSALT = "nsmap-toolkit"

_THEME_ACTIVE: ContextVar[bool] = ContextVar("toolkit_figures_theme", default=False)


def theme_rc(*, font_scale: float = 1.0) -> dict[str, Any]:
    """The rcParams the toolkit theme sets, as a dict.

    Parameters
    ----------
    font_scale : float, default 1.0
        Multiplies every font size; must be >= 1 so that print sizes stay >= 7 pt.

    Returns
    -------
    dict
        seaborn's ``ticks`` style and ``paper`` context overridden with the toolkit's
        fonts, sizes, palette and deterministic-output settings.
    """
    if not np.isfinite(font_scale) or font_scale < 1.0:
        raise InputError(
            "font_scale must be at least 1 so that text stays >= 7 pt at print size.",
            value=font_scale,
            hint="Use a wider figure instead of smaller fonts.",
        )
    rc: dict[str, Any] = {}
    rc.update(dict(sns.axes_style("ticks")))
    rc.update(dict(sns.plotting_context("paper")))
    base, small = BASE_FONT_PT * font_scale, SMALL_FONT_PT * font_scale
    rc.update(
        {
            "font.family": [FONT_FAMILY],
            "font.size": base,
            "axes.labelsize": base,
            "axes.titlesize": base + 1,
            "axes.titleweight": "bold",
            "figure.titlesize": base + 1,
            "xtick.labelsize": small + 0.5,
            "ytick.labelsize": small + 0.5,
            "legend.fontsize": small + 0.5,
            "legend.title_fontsize": base,
            "legend.frameon": False,
            "axes.linewidth": 0.6,
            "axes.edgecolor": ".25",
            "axes.labelcolor": ".1",
            "text.color": ".1",
            "xtick.color": ".25",
            "ytick.color": ".25",
            "xtick.major.width": 0.6,
            "ytick.major.width": 0.6,
            "xtick.major.size": 3.0,
            "ytick.major.size": 3.0,
            "xtick.minor.size": 2.0,
            "ytick.minor.size": 2.0,
            "lines.linewidth": 1.2,
            "lines.markersize": 4.5,
            "patch.linewidth": 0.6,
            "hatch.linewidth": 0.6,
            "grid.linewidth": 0.5,
            "grid.color": ".88",
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.prop_cycle": cycler(color=list(CATEGORY_COLOURS)),
            "image.cmap": SHARE_CMAP,
            "figure.facecolor": "white",
            "savefig.facecolor": "white",
            "figure.constrained_layout.h_pad": 2 * MM,
            "figure.constrained_layout.w_pad": 2 * MM,
            "svg.hashsalt": SVG_HASHSALT,
            "svg.fonttype": "none",
            "svg.image_inline": True,
            "pdf.fonttype": 42,
            "ps.fonttype": 42,
        }
    )
    return rc


@contextmanager
def theme(*, font_scale: float = 1.0, rc: Mapping[str, Any] | None = None) -> Iterator[None]:
    """Apply the toolkit's figure theme inside a ``with`` block.

    seaborn's ``ticks`` style and ``paper`` context with the toolkit's fonts (DejaVu
    Sans, >= 7 pt at print size), the Okabe–Ito colour cycle, the ``cividis``
    sequential map and deterministic SVG settings (fixed ``svg.hashsalt``, text kept
    as text with ``svg.fonttype = "none"``).  Global rcParams are restored on exit.
    The plotting functions apply the theme themselves when no theme is active, so
    ``theme`` is needed only to style one's own additions or to scale fonts.

    Parameters
    ----------
    font_scale : float, default 1.0
        Multiplies every font size (>= 1).
    rc : mapping, optional
        Further rcParams to override.

    Examples
    --------
    >>> from toolkit import figures
    >>> with figures.theme():
    ...     ax = figures.response_bars(rates, source="Survey 2025")  # doctest: +SKIP
    """
    params = theme_rc(font_scale=font_scale)
    if rc:
        params.update(rc)
    token = _THEME_ACTIVE.set(True)
    try:
        # matplotlib checks the keys at run time; its stub types them as the literal key
        # names, which a dict built from seaborn's styles and the caller's rc cannot have
        with mpl.rc_context(cast("dict[RcKeyType, Any]", params)):
            yield
    finally:
        _THEME_ACTIVE.reset(token)


def themed() -> Any:
    """The theme context unless one is already active (used by the plotting functions)."""
    return nullcontext() if _THEME_ACTIVE.get() else theme()


def figure_size(
    width: str | float = "single", height_mm: float | None = None
) -> tuple[float, float]:
    """Figure size in inches for an A4 column width.

    Parameters
    ----------
    width : {"single", "double"} or float
        ``"single"`` (85 mm), ``"double"`` (175 mm) or a width in millimetres.
    height_mm : float, optional
        Height in millimetres; default 0.62 x width.

    Returns
    -------
    tuple of float
        ``(width, height)`` in inches.
    """
    if isinstance(width, str):
        if width not in WIDTHS_MM:
            raise InputError(
                "Unknown figure width.",
                value=width,
                hint='Use "single", "double" or millimetres.',
            )
        w_mm = WIDTHS_MM[width]
    else:
        w_mm = float(width)
        if not np.isfinite(w_mm) or w_mm <= 20:
            raise InputError("Figure width must be a number of millimetres above 20.", value=width)
    h_mm = 0.62 * w_mm if height_mm is None else float(height_mm)
    return (w_mm * MM, h_mm * MM)


def width_mm(width: str | float) -> float:
    """A width option ("single", "double" or millimetres) in millimetres."""
    return figure_size(width, 10)[0] / MM


def choose_width(width: str | float, needed_mm: float, *, what: str) -> str | float:
    """Resolve ``width="auto"`` and refuse widths too narrow for readable text.

    ``"auto"`` gives the single column (85 mm) when ``needed_mm`` fits, else the double
    column (175 mm), else ``needed_mm`` itself (wider than an A4 column: the text would
    shrink below 7 pt if scaled down, so split the figure instead).  An explicit width
    narrower than ``needed_mm`` is an error, since labels would overlap.
    """
    if isinstance(width, str) and width == "auto":
        for name in ("single", "double"):
            if needed_mm <= WIDTHS_MM[name]:
                return name
        return float(np.ceil(needed_mm))
    if width_mm(width) + 0.5 < needed_mm:
        raise InputError(
            f"{what}: the figure needs about {needed_mm:.0f} mm of width for 7 pt text "
            f"without overlaps; {width_mm(width):.0f} mm was asked for.",
            value=width,
            hint='Use width="auto" or "double", or plot fewer columns.',
        )
    return width


def width_mm_of(ax: Axes) -> float:
    """Width of the Axes' figure in millimetres."""
    return root_figure(ax).get_figwidth() / MM


def new_axes(width: str | float, height_mm: float) -> Axes:
    """A new figure (constrained layout, print size) with one Axes, themed."""
    fig = plt.figure(figsize=figure_size(width, height_mm), layout="constrained")
    return fig.add_subplot()


# ---------------------------------------------------------------------- small helpers


def fmt_pct(p: float, *, sign: bool = True) -> str:
    """Format a proportion as a whole percentage that never rounds to 0 or 100 falsely."""
    if p is None or not np.isfinite(p):
        return "–"
    v = 100.0 * float(p)
    if 0 < v < 0.5:
        s = "<1"
    elif 99.5 <= v < 100:
        s = ">99"
    else:
        s = f"{v:.0f}"
    return s + ("%" if sign else "")


def text_colour(colour: Any) -> str:
    """Black or white, whichever contrasts more with ``colour`` (WCAG luminance)."""
    rgb = np.asarray(to_rgb(colour))
    lin = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    lum = float(lin @ np.array([0.2126, 0.7152, 0.0722]))
    return "black" if (lum + 0.05) / 0.05 > 1.05 / (lum + 0.05) else "white"


@lru_cache(maxsize=4096)
def text_width_pt(text: str, size: float) -> float:
    """Width in points of one line of ``text`` in the theme font at ``size`` pt (kept:
    every figure's caption wraps the same source and response-rate lines)."""
    prop = FontProperties(family=FONT_FAMILY, size=size)
    w, _, _ = TextToPath().get_text_width_height_descent(text, prop, ismath=False)
    return float(w)


def wrap_to_width(text: str, width_pt: float, size: float) -> str:
    """Greedy word wrap so that each line fits ``width_pt`` at ``size`` pt."""
    lines: list[str] = []
    for para in text.split("\n"):
        line = ""
        for word in para.split():
            trial = f"{line} {word}" if line else word
            if line and text_width_pt(trial, size) > width_pt:
                lines.append(line)
                line = word
            else:
                line = trial
        lines.append(line)
    return "\n".join(lines)


def wrap_label(text: str, width: int) -> str:
    """Wrap a tick label to lines of at most ``width`` characters."""
    return "\n".join(textwrap.wrap(str(text), width=width, break_long_words=False)) or str(text)


def require_columns(df: Any, columns: Iterable[str], *, what: str) -> None:
    """Raise :class:`InputError` naming every missing column of ``df``."""
    import pandas as pd

    if not isinstance(df, pd.DataFrame):
        raise InputError(
            f"{what} must be a pandas DataFrame, not {type(df).__name__}.",
            hint="Pass the tidy table the toolkit's estimation functions return.",
        )
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InputError(
            f"{what} lacks the column(s) {', '.join(repr(c) for c in missing)}; "
            f"it has {', '.join(repr(str(c)) for c in df.columns)}.",
            column=missing[0],
            hint="Rename the columns or pass their names as keyword options.",
        )


def root_figure(ax_or_fig: Axes | Figure | SubFigure) -> Figure:
    """The top-level Figure of an Axes, SubFigure or Figure."""
    if isinstance(ax_or_fig, (Axes, SubFigure)):
        fig = ax_or_fig.get_figure(root=True)
    elif isinstance(ax_or_fig, Figure):
        fig = ax_or_fig
    else:
        raise InputError(
            f"Expected a matplotlib Axes or Figure, got {type(ax_or_fig).__name__}.",
            hint="Pass the Axes a plotting function returned, or its .figure.",
        )
    assert isinstance(fig, Figure)
    return fig


def legend_outside(
    ax: Axes,
    handles: list[Any],
    labels: list[str],
    *,
    where: str = "top",
    ncol: int | None = None,
    title: str | None = None,
    own: bool = True,
    width_share: float | None = None,
) -> None:
    """A frameless legend above (``"top"``) or under (``"bottom"``) the plot.

    On a figure of our own (``own``) it is a figure legend in constrained layout's
    outer margin, centred on the figure, so it never covers data nor squeezes the
    Axes; otherwise it is anchored just outside the Axes on the given side.  Labels
    are wrapped to ``width_share`` of the figure width (default 0.95 for a figure
    legend, 0.6 under an Axes that has tick labels at its left).
    """
    if not handles:
        return
    ncol = ncol or min(len(handles), 3)
    # wrap labels so the legend is never wider than the space it gets (a bottom legend
    # hangs under the Axes, which the tick labels leave ~60% of the figure width)
    fs = mpl.rcParams["legend.fontsize"]
    fs = float(fs) if isinstance(fs, (int, float)) else SMALL_FONT_PT + 0.5
    share = width_share or (0.95 if (own and where == "top") else 0.6)
    fig_pt = root_figure(ax).get_figwidth() * 72.0
    per_col = fig_pt * share / ncol - (1.6 + 0.8 + 1.2) * fs
    labels = [wrap_to_width(str(lab), max(per_col, 6 * fs), fs) for lab in labels]
    kw: dict[str, Any] = {
        "ncol": ncol,
        "title": title,
        "frameon": False,
        "handlelength": 1.6,
        "handleheight": 1.0,
        "columnspacing": 1.2,
        "borderaxespad": 0.2,
    }
    # Legends hang just outside the Axes, where constrained layout counts them with the
    # Axes: a figure-level "outside" legend would collide with a figure title
    # (suptitle) placed in the same top margin.
    loc: LegendLocType
    anchor: tuple[float, float]
    transform: mtransforms.Transform
    if where == "top" and own:
        # left-aligned with the figure (and its title), just above the Axes
        fig = root_figure(ax)
        loc, anchor = "lower left", (0.0, 1.005)
        transform = mtransforms.blended_transform_factory(fig.transFigure, ax.transAxes)
    elif where == "top":
        loc, anchor, transform = "lower center", (0.5, 1.005), ax.transAxes
    else:
        loc, anchor, transform = "upper center", (0.5, -0.005), ax.transAxes
    ax.legend(
        handles,
        labels,
        loc=loc,
        bbox_to_anchor=anchor,
        bbox_transform=transform,
        **kw,
    )


def set_title(ax: Axes, title: str | None, *, own: bool) -> None:
    """Left-aligned title: above everything (legends included) on a figure of our own,
    otherwise on the Axes."""
    if not title:
        return
    if own:
        fig = root_figure(ax)
        size = mpl.rcParams["figure.titlesize"]
        size = float(size) if isinstance(size, (int, float)) else 9.0
        text = wrap_to_width(title, fig.get_figwidth() * 72.0 * 0.96, size * 1.1)
        fig.suptitle(text, x=0.015, ha="left", fontweight="bold")
    else:
        ax.set_title(title, loc="left")
