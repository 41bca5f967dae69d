"""Captions (n, response rate, source) and deterministic saving for
:mod:`toolkit.figures`.  Private helper module."""

from __future__ import annotations

import contextlib
import io
import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

import matplotlib as mpl
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure, SubFigure
from matplotlib.text import Text

from toolkit.errors import InputError
from toolkit.figures._style import (
    CAPTION_FONT_PT,
    FONT_FAMILY,
    SVG_HASHSALT,
    fmt_pct,
    root_figure,
    wrap_to_width,
)

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

__all__ = [
    "CAPTION_GID",
    "add_caption_if_given",
    "caption",
    "caption_text",
    "get_caption",
    "save",
]

CAPTION_GID = "nsmap-caption"


# --------------------------------------------------------------------------- captions


def caption_text(
    *,
    n: int,
    response_rate: float | None,
    source: str,
    note: str | None = None,
    population: int | None = None,
    units: str = "responding Societies",
) -> str:
    """The caption sentence(s) :func:`caption` writes (see there)."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise InputError(
            "The caption's n must be a whole number of units (>= 0).",
            value=n,
            hint="Pass the number of responding Societies behind the figure.",
        )
    if population is not None and (
        isinstance(population, bool)
        or not isinstance(population, (int, np.integer))
        or population < n
    ):
        raise InputError(
            "The caption's population must be a whole number at least as large as n.",
            value=population,
            hint="Pass the number of Societies in the frame (zone) the figure covers.",
        )
    if response_rate is not None:
        rr = float(response_rate)
        if not np.isfinite(rr) or rr < 0 or rr > 1:
            raise InputError(
                "The response rate must be a proportion between 0 and 1.",
                value=response_rate,
                hint="Give 0.5 for 50%, not 50.",
            )
    if not isinstance(source, str) or not source.strip():
        raise InputError(
            "Every figure needs its data source in the caption.",
            value=source,
            hint='Pass source="<survey name, export date>".',
        )
    text = f"n = {int(n)} {units}".rstrip()
    if population is not None:
        text += f" of {int(population)}"
    if response_rate is not None:
        text += f" (response rate {fmt_pct(float(response_rate))})"
    src = source.strip()
    text += f". Source: {src}" + ("" if src.endswith(".") else ".")
    if note:
        note = note.strip()
        text += " " + note + ("" if note.endswith((".", "!", "?")) else ".")
    return text


def caption(
    ax_or_fig: Axes | Figure | SubFigure,
    *,
    n: int,
    response_rate: float | None,
    source: str,
    note: str | None = None,
    population: int | None = None,
    units: str = "responding Societies",
) -> Text:
    """Write the figure's caption (n, response rate, data source) under the figure.

    The caption reads, for example, "n = 97 responding Societies of 193 (response rate
    50%). Source: IFRC migration mapping survey 2025." and is wrapped to the figure
    width.  It is placed as the figure's bottom label, so a figure with constrained
    layout (as the plotting functions create) reserves room for it; calling again
    replaces it.  :func:`save` refuses figures without one.

    Parameters
    ----------
    ax_or_fig : Axes or Figure
        The figure (or an Axes of it) to caption.
    n : int
        Number of units behind the figure.
    response_rate : float or None
        Response rate as a proportion (0.5 = 50%).  Pass None only where no response
        rate applies (e.g. a sample drawn from the full frame).
    source : str
        Data source, e.g. survey name and export date.
    note : str, optional
        A further sentence (weighting, suppression, caveats).
    population : int, optional
        Number of units in the population (frame), printed as "of N".
    units : str, default "responding Societies"
        What n counts.

    Returns
    -------
    matplotlib.text.Text
        The caption artist.
    """
    text = caption_text(
        n=n,
        response_rate=response_rate,
        source=source,
        note=note,
        population=population,
        units=units,
    )
    fig = root_figure(ax_or_fig)
    x = 0.015
    width_pt = fig.get_figwidth() * 72.0 * (1 - 2 * x)
    wrapped = wrap_to_width(text, width_pt, CAPTION_FONT_PT)
    artist = fig.supxlabel(
        wrapped,
        x=x,
        ha="left",
        va="bottom",
        fontsize=CAPTION_FONT_PT,
        color="0.2",
        linespacing=1.25,
    )
    artist.set_gid(CAPTION_GID)
    artist.set_wrap(False)
    return artist


def get_caption(ax_or_fig: Axes | Figure | SubFigure) -> str | None:
    """The caption text of a figure (newlines of the wrapping removed), or None."""
    fig = root_figure(ax_or_fig)
    for t in fig.texts:
        if t.get_gid() == CAPTION_GID:
            return " ".join(t.get_text().split("\n"))
    return None


def add_caption_if_given(
    ax: Axes,
    *,
    n: int | None,
    response_rate: float | None,
    source: str | None,
    note: str | None,
    population: int | None,
    units: str = "responding Societies",
    rate_optional: bool = False,
) -> None:
    """Caption the figure when caption data were passed to a plotting function.

    Nothing is added when ``n``, ``response_rate`` and ``source`` are all None (the
    caller composes a figure and captions it once); partial information is an error,
    so a figure never goes out with half a caption.
    """
    given = {"n": n, "response_rate": response_rate, "source": source}
    if all(v is None for v in given.values()) and note is None and population is None:
        return
    needed = ["n", "source"] if rate_optional else ["n", "response_rate", "source"]
    missing = [k for k in needed if given[k] is None]
    if missing:
        raise InputError(
            f"The caption lacks {', '.join(missing)}: every figure carries n, the response "
            "rate and the data source.",
            column=missing[0],
            hint="Pass n=, response_rate= and source= (or none of them and call "
            "figures.caption(fig, ...) yourself).",
        )
    caption(
        ax,
        n=int(n),  # type: ignore[arg-type]
        response_rate=response_rate,
        source=str(source),
        note=note,
        population=population,
        units=units,
    )


# ------------------------------------------------------------------------------ save

_FORMATS = ("svg", "png")
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


#: Fallbacks for viewers without DejaVu Sans: Verdana has near-identical metrics (both
#: derive from Bitstream Vera), so text keeps its size and labels do not overlap.
_SVG_FONT_FALLBACK = "font-family: 'DejaVu Sans', 'Bitstream Vera Sans', Verdana, sans-serif"


@contextlib.contextmanager
def _layout_once(fig: Figure) -> Iterator[None]:
    """Lay the figure out once for all the formats written.

    ``savefig`` on a figure with a layout engine draws it twice, once (without
    rendering) to run the layout and once to print; writing SVG and PNG would run the
    layout twice.  Here it runs once, then the engine is set aside while the files are
    written and put back afterwards.  Constrained layout works in fractions of the
    figure, so its result does not depend on the output's resolution.
    """
    engine = fig.get_layout_engine()
    if engine is None:
        yield
        return
    engine.execute(fig)  # what draw_without_rendering would do, without drawing
    with mpl.rc_context({"figure.autolayout": False, "figure.constrained_layout.use": False}):
        fig.set_layout_engine(None)  # no engine: savefig then draws only once
    try:
        yield
    finally:
        fig.set_layout_engine(engine)


def _svg_with_title(svg: bytes, title: str, alt_text: str) -> bytes:
    """Insert ``<title>``/``<desc>`` (read by screen readers) after the root tag and
    give the text a font fallback chain."""
    text = svg.decode("utf-8").replace(f"font-family: '{FONT_FAMILY}'", _SVG_FONT_FALLBACK)
    m = re.search(r"<svg\b[^>]*>", text)
    if m is None:  # pragma: no cover - matplotlib always writes a root element
        return svg
    open_tag = m.group(0)
    if "role=" not in open_tag:
        open_tag = open_tag[:-1] + ' role="img" aria-labelledby="nsmap-title nsmap-desc">'
    block = (
        f'\n <title id="nsmap-title">{escape(title)}</title>'
        f'\n <desc id="nsmap-desc">{escape(alt_text)}</desc>'
    )
    return (text[: m.start()] + open_tag + block + text[m.end() :]).encode("utf-8")


def save(
    fig: Figure | Axes,
    name: str,
    *,
    directory: str | os.PathLike[str],
    alt_text: str,
    formats: Sequence[str] = ("svg", "png"),
    dpi: int = 300,
    title: str | None = None,
    require_caption: bool = True,
) -> dict[str, Path]:
    """Write a figure as SVG and PNG, deterministically and atomically, with alt text.

    Each file is rendered to memory, written to a temporary file in ``directory`` and
    moved into place with :func:`os.replace`, so readers never see half a file.  The
    same figure gives the same bytes on every run: the SVG has a fixed
    ``svg.hashsalt``, text kept as text and no date; the PNG is rendered by Agg at a
    fixed ``dpi`` without the software-version chunk.  The alt text is embedded (SVG
    ``<title>``/``<desc>`` and Dublin Core description; PNG ``Description`` text
    chunk) and written beside as ``<name>.alt.txt``.

    Parameters
    ----------
    fig : Figure or Axes
        The figure to save (an Axes stands for its figure).
    name : str
        File stem: letters, digits, ``.``, ``_`` and ``-`` only.
    directory : path
        Output directory (created if missing).
    alt_text : str
        Text alternative describing what the figure shows, for screen readers.
    formats : sequence of {"svg", "png"}, default ("svg", "png")
        Formats to write.
    dpi : int, default 300
        Resolution of the PNG.
    title : str, optional
        Short title for the SVG ``<title>`` and PNG ``Title``; default ``name``.
    require_caption : bool, default True
        Refuse a figure that has no :func:`caption` (n, response rate, source).

    Returns
    -------
    dict of str to Path
        The written paths by format, plus ``"alt"`` for the alt-text file.

    Raises
    ------
    InputError
        Bad name, format, dpi or alt text, or no caption.
    """
    fig = root_figure(fig)
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise InputError(
            "A figure name may hold only letters, digits, '.', '_' and '-' and must not "
            "start with a dot or contain a folder.",
            value=name,
            hint='Use a file stem such as "activity_by_zone"; give the folder as directory=.',
        )
    fmts = tuple(formats)
    bad = [f for f in fmts if f not in _FORMATS]
    if bad or not fmts or len(set(fmts)) != len(fmts):
        raise InputError(
            "Unsupported or repeated figure format.",
            value=bad[0] if bad else fmts,
            hint=f"Choose from {', '.join(_FORMATS)}.",
        )
    if isinstance(dpi, bool) or not isinstance(dpi, (int, np.integer)) or not 72 <= dpi <= 1200:
        raise InputError("dpi must be a whole number between 72 and 1200.", value=dpi)
    if not isinstance(alt_text, str) or not alt_text.strip():
        raise InputError(
            "Every saved figure needs alt text describing what it shows.",
            hint="Pass alt_text= with one or two sentences on the figure's content.",
        )
    if require_caption and get_caption(fig) is None:
        raise InputError(
            "The figure has no caption with n, the response rate and the data source.",
            value=name,
            hint="Call figures.caption(fig, n=..., response_rate=..., source=...) before saving.",
        )
    alt = " ".join(alt_text.split())
    short = " ".join((title or name).split())
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)

    written: dict[str, Path] = {}
    save_rc: dict[RcKeyType, Any] = {
        "svg.hashsalt": SVG_HASHSALT,
        "svg.fonttype": "none",
        "svg.image_inline": True,
        "svg.id": None,
        "savefig.facecolor": "white",
        "savefig.edgecolor": "none",
        "savefig.transparent": False,
        "savefig.bbox": None,
        "path.simplify": True,
    }
    with mpl.rc_context(save_rc), _layout_once(fig):
        for fmt in fmts:
            buf = io.BytesIO()
            if fmt == "svg":
                # no "Title" here: matplotlib would write a second <title> element
                meta: dict[str, Any] = {
                    "Date": None,
                    "Creator": None,
                    "Description": alt,
                }
                fig.savefig(buf, format="svg", metadata=meta)
                data = _svg_with_title(buf.getvalue(), short, alt)
            else:
                meta = {"Software": None, "Title": short, "Description": alt}
                # zlib level 1: about a third faster than the default (6) for files
                # ~10% larger; the bytes are still identical for identical figures
                fig.savefig(
                    buf, format="png", dpi=int(dpi), metadata=meta, pil_kwargs={"compress_level": 1}
                )
                data = buf.getvalue()
            path = out / f"{name}.{fmt}"
            _atomic_write(path, data)
            written[fmt] = path
    alt_path = out / f"{name}.alt.txt"
    _atomic_write(alt_path, (alt + "\n").encode("utf-8"))
    written["alt"] = alt_path
    return written
