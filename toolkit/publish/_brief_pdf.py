"""PDF of a brief with Typst (the ``typst`` package bundles the compiler).

The layout is ``_brief_template.typ``; the brief's strings go in as JSON through
``sys.inputs`` and are shown as plain text, so nothing in the data can be read as
Typst markup.  Only the bundled fonts are used (system fonts are ignored), so the PDF
is the same on every machine; Typst shapes Arabic and applies the Unicode
bidirectional algorithm itself.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path
from typing import Any

from toolkit.publish._brief_text import BriefText, TextTable
from toolkit.publish._i18n import font_dir

__all__ = ["pdf_payload", "write_pdf"]

_TEMPLATE = Path(__file__).with_name("_brief_template.typ")


def _table(t: TextTable | None) -> dict[str, Any] | None:
    return None if t is None else asdict(t)


def _inside(path: Path, root: Path) -> str:
    """``path`` as Typst wants it: absolute from the compile root."""
    return "/" + path.resolve().relative_to(root.resolve()).as_posix()


def pdf_payload(text: BriefText, root: Path, *, arabic_digits: bool = False) -> dict[str, Any]:
    """The JSON the template reads (figures as SVG where one sits beside the PNG)."""
    figures = []
    for fig in text.figures:
        svg = fig.path.with_suffix(".svg")
        figures.append(
            {
                "path": _inside(svg if svg.is_file() else fig.path, root),
                "caption": fig.caption,
                "alt": fig.alt_text,
            }
        )
    return {
        "lang": text.lang,
        "rtl": text.rtl,
        "title": text.title,
        "subtitle": text.subtitle,
        "synthetic": text.synthetic,
        "notice": text.notice,
        "data_note": text.data_note,
        "headings": dict(text.headings),
        "findings_intro": text.findings_intro,
        "findings": [{"lead": f.lead, "text": f.text} for f in text.findings],
        "how_to_read": list(text.how_to_read),
        "gaps_intro": text.gaps_intro,
        "gaps": _table(text.gaps),
        "gaps_note": text.gaps_note,
        "pairs_intro": text.pairs_intro,
        "pairs": _table(text.pairs),
        "annex_intro": text.annex_intro,
        "annex": _table(text.annex),
        "footer": text.footer,
        "figures": figures,
        "page_numbering": "١ / ١" if arabic_digits else "1 / 1",
    }


def write_pdf(text: BriefText, path: Path, *, root: Path, arabic_digits: bool = False) -> Path:
    """Compile the brief to ``path`` (written atomically).

    Parameters
    ----------
    text : BriefText
    path : Path
    root : Path
        Folder that contains every figure (Typst reads no file outside it).
    arabic_digits : bool, default False
        Number the pages with Arabic-Indic digits.
    """
    import typst

    payload = json.dumps(pdf_payload(text, root, arabic_digits=arabic_digits), ensure_ascii=False)
    compile_: Any = typst.compile  # its stubs tie the input, root and font types together
    pdf = compile_(
        _TEMPLATE.read_bytes(),
        root=str(root.resolve()),
        font_paths=[str(font_dir())],
        ignore_system_fonts=True,
        sys_inputs={"brief": payload},
    )
    assert isinstance(pdf, bytes)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(pdf)
    os.replace(tmp, path)
    return path
