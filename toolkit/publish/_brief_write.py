"""Writing a brief: figures in the language, then the PDF, Word and web versions from
the same :class:`~toolkit.publish._brief_text.BriefText`."""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from toolkit.errors import InputError
from toolkit.publish._brief import Brief
from toolkit.publish._brief_docx import write_docx
from toolkit.publish._brief_figures import brief_figures, thumbnail_path
from toolkit.publish._brief_html import write_html
from toolkit.publish._brief_pdf import write_pdf
from toolkit.publish._brief_text import localise
from toolkit.publish._i18n import LANGUAGES, Fallbacks, Language, get_language

__all__ = ["BRIEF_FORMATS", "THUMBNAIL_DPI", "brief_filename", "write_brief", "write_briefs"]

#: Formats :func:`write_brief` writes, in order.
BRIEF_FORMATS = ("pdf", "docx", "html")
#: Resolution of the thumbnail of a brief's first figure (about 640 pixels wide).
THUMBNAIL_DPI = 96
_FIGURES = "brief_figures"


def brief_filename(lang: str, fmt: str) -> str:
    """File name of a brief: ``brief.<lang>.<fmt>`` (e.g. ``brief.fr.pdf``)."""
    return f"brief.{lang}.{fmt}"


def _own_figures(brief: Brief, folder: Path) -> Brief:
    """Copy the caller's figures into ``folder`` when they live elsewhere (the PDF
    engine reads files under the output folder only)."""
    figures = []
    for fig in brief.figures:
        path = Path(fig.path)
        try:
            path.resolve().relative_to(folder.parent.resolve())
            figures.append(fig)
            continue
        except ValueError:
            pass
        folder.mkdir(parents=True, exist_ok=True)
        for src in (path, path.with_suffix(".svg")):
            if src.is_file():
                shutil.copyfile(src, folder / src.name)
        figures.append(replace(fig, path=folder / path.name))
    return replace(brief, figures=tuple(figures))


def write_brief(
    brief: Brief,
    directory: str | Path,
    lang: str | Language = "en",
    *,
    formats: Sequence[str] = BRIEF_FORMATS,
    fallbacks: Fallbacks | None = None,
    numbering: str | None = None,
    thumbnail: bool = False,
) -> dict[str, Path]:
    """Write ``brief`` in one language as PDF, Word and HTML.

    Parameters
    ----------
    brief : Brief
        From :func:`~toolkit.publish.build_brief`.
    directory : str or Path
        Output folder (``reports/<run-id>/<zone>``): the brief is written as
        ``brief.<lang>.pdf|docx|html`` and its figures under ``brief_figures/``.
    lang : str or Language, default "en"
        ``en``, ``fr``, ``es`` or ``ar``, or a :class:`Language`.
    formats : sequence of str
        Any of ``pdf``, ``docx``, ``html``.
    fallbacks : Fallbacks, optional
        Record of texts that fell back to English (with a ``str`` ``lang``); share
        one across a run and put ``fallbacks.to_dict()`` into the manifest.
    numbering : str, optional
        Digits (``arab`` for Arabic-Indic); the language's CLDR default when omitted.
    thumbnail : bool, default False
        Also write a small PNG of the first figure (for a run's landing page).

    Returns
    -------
    dict of str to Path
        Format -> file written (and ``"thumbnail"`` -> the thumbnail).

    Raises
    ------
    InputError
        An unknown language or format.
    """
    unknown = [f for f in formats if f not in BRIEF_FORMATS]
    if unknown:
        raise InputError(
            f"unknown brief format {unknown[0]!r}.",
            value=unknown[0],
            hint=f"use any of {', '.join(BRIEF_FORMATS)}.",
        )
    language = (
        lang
        if isinstance(lang, Language)
        else get_language(lang, fallbacks=fallbacks, numbering=numbering)
    )
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    figures_dir = folder / _FIGURES
    brief = _own_figures(brief, figures_dir)
    drawn = brief_figures(
        brief, language, figures_dir, thumbnail_dpi=THUMBNAIL_DPI if thumbnail else None
    )
    text = localise(brief, language, figures=drawn)
    out: dict[str, Path] = {}
    name = language.code
    arabic_digits = language.numbering != "latn"
    for fmt in BRIEF_FORMATS:
        if fmt not in formats:
            continue
        path = folder / brief_filename(name, fmt)
        if fmt == "pdf":
            out[fmt] = write_pdf(text, path, root=folder, arabic_digits=arabic_digits)
        elif fmt == "docx":
            out[fmt] = write_docx(text, path, date=brief.date)
        else:
            out[fmt] = write_html(text, path)
    if thumbnail:
        out["thumbnail"] = thumbnail_path(figures_dir, language.code)
    return out


def write_briefs(
    brief: Brief,
    directory: str | Path,
    langs: Iterable[str] = LANGUAGES,
    *,
    formats: Sequence[str] = BRIEF_FORMATS,
    fallbacks: Fallbacks | None = None,
) -> dict[str, dict[str, Path]]:
    """:func:`write_brief` in each of ``langs`` (all four by default), sharing one
    fallback record; returns ``{lang: {format: path}}``."""
    record = fallbacks if fallbacks is not None else Fallbacks()
    return {
        code: write_brief(brief, directory, code, formats=formats, fallbacks=record)
        for code in langs
    }
