"""Word version of a brief (python-docx), A4, right to left where the language is.

A ``.docx`` cannot carry the bundled fonts portably, so it names Arial for Latin and
Arabic text (installed with Windows and macOS; LibreOffice substitutes a metric twin).
For Arabic every paragraph gets ``w:bidi``, every run ``w:rtl``, tables
``w:bidiVisual`` and the section ``w:bidi``, as Word itself writes them.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from toolkit.publish._brief_text import BriefText, TextTable

__all__ = ["DOCX_FONT", "write_docx"]

#: Font named in the Word files (Latin and complex script).
DOCX_FONT = "Arial"
_ACCENT = RGBColor(0x00, 0x72, 0xB2)
_MUTED = RGBColor(0x55, 0x55, 0x55)
_LANG_TAGS = {"en": "en-GB", "fr": "fr-FR", "es": "es-ES", "ar": "ar-SA"}


# Child order of the OOXML property elements this module writes into (ECMA-376).
_ORDER = {
    "w:pPr": (
        "pStyle keepNext keepLines pageBreakBefore framePr widowControl numPr "
        "suppressLineNumbers pBdr shd tabs suppressAutoHyphens kinsoku wordWrap "
        "overflowPunct topLinePunct autoSpaceDE autoSpaceDN bidi adjustRightInd snapToGrid "
        "spacing ind contextualSpacing mirrorIndents suppressOverlap jc textDirection "
        "textAlignment textboxTightWrap outlineLvl divId cnfStyle rPr sectPr pPrChange"
    ),
    "w:rPr": (
        "rStyle rFonts b bCs i iCs caps smallCaps strike dstrike outline shadow emboss "
        "imprint noProof snapToGrid vanish webHidden color spacing w kern position sz szCs "
        "highlight u effect bdr shd fitText vertAlign rtl cs em lang eastAsianLayout "
        "specVanish oMath"
    ),
    "w:tblPr": (
        "tblStyle tblpPr tblOverlap bidiVisual tblStyleRowBandSize tblStyleColBandSize tblW "
        "jc tblCellSpacing tblInd tblBorders shd tblLayout tblCellMar tblLook"
    ),
    "w:tcPr": (
        "cnfStyle tcW gridSpan hMerge vMerge tcBorders shd noWrap tcMar textDirection "
        "tcFitText vAlign hideMark"
    ),
    "w:sectPr": (
        "headerReference footerReference footnotePr endnotePr type pgSz pgMar paperSrc "
        "pgBorders lnNumType pgNumType cols formProt vAlign noEndnote titlePg textDirection "
        "bidi rtlGutter docGrid printerSettings sectPrChange"
    ),
}


def _set(parent: Any, tag: str, **attrs: str) -> Any:
    """Get or add child ``tag`` of an oxml property element, in schema order, and set
    its ``w:`` attributes."""
    el = parent.find(qn(tag))
    if el is None:
        el = OxmlElement(tag)
        order = _ORDER.get(parent.tag.replace(qn("w:"), "w:"), "").split()
        name = tag.split(":")[1]
        later = set(order[order.index(name) + 1 :]) if name in order else set()
        following = next(
            (c for c in parent if c.tag.startswith("{") and c.tag.split("}")[1] in later), None
        )
        if following is not None:
            following.addprevious(el)
        else:
            parent.append(el)
    for key, value in attrs.items():
        el.set(qn(f"w:{key}"), value)
    return el


def _fonts(rpr: Any, lang: str) -> None:
    fonts = _set(
        rpr, "w:rFonts", ascii=DOCX_FONT, hAnsi=DOCX_FONT, cs=DOCX_FONT, eastAsia=DOCX_FONT
    )
    for theme in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):  # they would win
        fonts.attrib.pop(qn(f"w:{theme}"), None)
    tag = _LANG_TAGS.get(lang, lang)
    _set(rpr, "w:lang", val=tag if lang != "ar" else "en-GB", bidi=_LANG_TAGS["ar"])


def _shade(element_pr: Any, fill: str) -> None:
    _set(element_pr, "w:shd", val="clear", color="auto", fill=fill)


def _styles(doc: Any, lang: str) -> None:
    normal = doc.styles["Normal"]
    normal.font.name = DOCX_FONT
    normal.font.size = Pt(10)
    _fonts(normal.element.get_or_add_rPr(), lang)
    _set(normal.element.get_or_add_rPr(), "w:szCs", val="20")
    for name, size in (("Title", 18), ("Heading 1", 13), ("Heading 2", 11), ("Caption", 8)):
        style = doc.styles[name]
        style.font.name = DOCX_FONT
        style.font.size = Pt(size)
        style.font.color.rgb = _MUTED if name == "Caption" else _ACCENT
        style.font.italic = False
        rpr = style.element.get_or_add_rPr()
        _fonts(rpr, lang)
        _set(rpr, "w:szCs", val=str(size * 2))
        ppr = style.element.find(qn("w:pPr"))
        if ppr is not None and ppr.find(qn("w:pBdr")) is not None:  # the Title's rule
            ppr.remove(ppr.find(qn("w:pBdr")))
        if name == "Caption":
            _set(rpr, "w:iCs", val="0")
        else:
            _set(rpr, "w:bCs")


def _rtl(doc: Any) -> None:
    """Mark every paragraph, run and table (body, headers, footers) and every section
    right to left."""
    parts = [doc.element.body]
    for section in doc.sections:
        parts += [section.header._element, section.footer._element]
    for part in parts:
        for p in part.iter(qn("w:p")):
            ppr = p.find(qn("w:pPr"))
            if ppr is None:
                ppr = OxmlElement("w:pPr")
                p.insert(0, ppr)
            _set(ppr, "w:bidi")
            for r in p.iter(qn("w:r")):
                rpr = r.find(qn("w:rPr"))
                if rpr is None:
                    rpr = OxmlElement("w:rPr")
                    r.insert(0, rpr)
                _set(rpr, "w:rtl")
                # Arabic is a complex script: Word reads its bold and size from bCs/szCs
                bold = rpr.find(qn("w:b"))
                if bold is not None and bold.get(qn("w:val")) not in ("0", "false"):
                    _set(rpr, "w:bCs")
                size = rpr.find(qn("w:sz"))
                if size is not None:
                    _set(rpr, "w:szCs", val=size.get(qn("w:val")))
        for tbl in part.iter(qn("w:tbl")):
            _set(tbl.find(qn("w:tblPr")), "w:bidiVisual")
    for sect in doc.element.body.iter(qn("w:sectPr")):
        _set(sect, "w:bidi")


def _table(doc: Any, t: TextTable) -> None:
    table = doc.add_table(rows=1 + len(t.rows), cols=len(t.columns))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    total = sum(t.widths)
    widths = [Cm(17 * width / total) for width in t.widths]
    for column, width in zip(table.columns, widths):
        column.width = width
    # One pass over the rows (table.cell(i, j) rebuilds the whole grid at every call).
    for i, (row_obj, row) in enumerate(zip(table.rows, [t.columns, *t.rows])):
        for cell, width, value in zip(row_obj.cells, widths, row):
            cell.width = width
            para = cell.paragraphs[0]
            para.paragraph_format.space_after = Pt(0)
            run = para.add_run(value)
            run.font.size = Pt(8)
            if i == 0:
                run.bold = True
                _shade(cell._tc.get_or_add_tcPr(), "ECECEC")
    _set(table.rows[0]._tr.get_or_add_trPr(), "w:tblHeader")


def _para(
    doc: Any,
    text: str,
    *,
    size: float | None = None,
    color: RGBColor | None = None,
    bold: bool = False,
    style: str | None = None,
) -> Any:
    p = doc.add_paragraph(style=style)
    run = p.add_run(text)
    if bold:
        run.bold = True
    if size:
        run.font.size = Pt(size)
    if color is not None:
        run.font.color.rgb = color
    return p


def write_docx(text: BriefText, path: Path, *, date: dt.date | None = None) -> Path:
    """Write the Word version of a brief to ``path`` (atomically)."""
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2))
    _styles(doc, text.lang)
    props = doc.core_properties
    props.title, props.language, props.author = text.title, _LANG_TAGS.get(text.lang, ""), ""
    if date is not None:
        stamp = dt.datetime(date.year, date.month, date.day)
        props.created = props.modified = stamp
    header = " · ".join(t for t in (text.notice, text.synthetic) if t)
    if header:
        section.header.paragraphs[0].add_run(header).bold = True
    section.footer.paragraphs[0].add_run(text.footer).font.size = Pt(8)

    doc.add_paragraph(text.title, style="Title")
    _para(doc, text.subtitle, size=9, color=_MUTED)
    if text.notice:
        _para(doc, text.notice, bold=True, color=RGBColor(0xB0, 0x00, 0x00))
    if text.synthetic:
        banner = _para(doc, text.synthetic, bold=True)
        _shade(banner._p.get_or_add_pPr(), "FDE9C8")
    note = _para(doc, text.data_note)
    _shade(note._p.get_or_add_pPr(), "F4F4F4")

    doc.add_heading(text.headings["findings"], level=1)
    _para(doc, text.findings_intro, size=9, color=_MUTED)
    for f in text.findings:
        p = doc.add_paragraph(style="List Number")
        p.add_run(f.lead).bold = True
        p.add_run(" " + f.text)

    doc.add_heading(text.headings["how_to_read"], level=2)
    for item in text.how_to_read:
        p = _para(doc, item, size=9, style="List Bullet")
        _shade(p._p.get_or_add_pPr(), "EEF4FA")

    doc.add_page_break()
    for i, fig in enumerate(text.figures, start=1):
        doc.add_picture(str(fig.path), width=Cm(17))
        drawing = doc.inline_shapes[-1]._inline
        drawing.docPr.set("descr", fig.alt_text or fig.caption)
        _para(doc, f"{text.headings['figure_word']} {i}. {fig.caption}", style="Caption")

    doc.add_heading(text.headings["gaps"], level=1)
    _para(doc, text.gaps_intro)
    if text.gaps is not None:
        _table(doc, text.gaps)
    if text.gaps_note:
        _para(doc, text.gaps_note, size=9, color=_MUTED)
    doc.add_heading(text.headings["pairs"], level=1)
    _para(doc, text.pairs_intro)
    if text.pairs is not None:
        _table(doc, text.pairs)
    doc.add_heading(text.headings["annex"], level=1)
    _para(doc, text.annex_intro, size=9, color=_MUTED)
    _table(doc, text.annex)

    if text.rtl:
        _rtl(doc)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    doc.save(str(tmp))
    os.replace(tmp, path)
    return path
