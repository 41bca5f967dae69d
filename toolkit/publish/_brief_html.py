"""Web version of a brief: one self-contained HTML file (figures embedded, no CDN, no
script), ``lang`` and ``dir="rtl"`` set for Arabic, printable on A4."""

from __future__ import annotations

import base64
import os
from html import escape
from pathlib import Path

from toolkit.publish._brief_text import BriefText, TextTable

__all__ = ["render_html", "write_html"]

_CSS = """
@page { size: A4; margin: 2cm; }
body { font-family: "Noto Sans", "Noto Sans Arabic", Arial, "Segoe UI", sans-serif;
       font-size: 10pt; line-height: 1.45; max-width: 46em; margin: 2em auto; color: #222;
       padding: 0 1em; }
h1 { color: #0072B2; font-size: 1.7em; margin-bottom: .1em; }
h2 { color: #0072B2; font-size: 1.25em; margin-top: 1.6em; }
.subtitle, .intro, figcaption, .note { color: #555; font-size: .9em; }
.synthetic { background: #fde9c8; border-inline-start: 4px solid #e69f00; padding: .4em .6em;
             font-weight: bold; }
.notice { border: 2px solid #b00000; padding: .4em .6em; font-weight: bold; }
.data-note { background: #f4f4f4; padding: .5em .7em; border-radius: 2px; }
.how { background: #eef4fa; padding: .5em .9em; border-radius: 2px; font-size: .92em; }
.how h2 { margin-top: .2em; font-size: 1.05em; }
figure { margin: 1.2em 0; } figure img { width: 100%; height: auto; }
table { border-collapse: collapse; width: 100%; font-size: .85em; margin: .5em 0; }
th { background: #ececec; text-align: start; }
th, td { padding: .25em .4em; border-bottom: 1px solid #ddd; vertical-align: top; }
td.num, th.num { text-align: end; white-space: nowrap; }
footer { margin-top: 2em; color: #555; font-size: .8em; border-top: 1px solid #ddd; }
@media print { body { margin: 0; max-width: none; } figure, table, .how { break-inside: avoid; } }
"""


def _table(t: TextTable | None) -> str:
    if t is None:
        return ""
    head = "".join(
        f'<th scope="col"{" class=num" if num else ""}>{escape(c)}</th>'
        for c, num in zip(t.columns, t.numeric)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f"<td{' class=num' if num else ''}>{escape(v)}</td>" for v, num in zip(row, t.numeric)
        )
        + "</tr>"
        for row in t.rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _image(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f"data:image/png;base64,{data}"


def render_html(text: BriefText) -> str:
    """The brief as one HTML document (a string)."""
    h = text.headings
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{escape(text.lang)}" dir="{"rtl" if text.rtl else "ltr"}">',
        f'<head><meta charset="utf-8"><title>{escape(text.title)}</title>',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<style>{_CSS}</style></head><body>",
        f"<header><h1>{escape(text.title)}</h1>",
        f'<p class="subtitle">{escape(text.subtitle)}</p></header>',
    ]
    if text.notice:
        parts.append(f'<p class="notice" role="note">{escape(text.notice)}</p>')
    if text.synthetic:
        parts.append(f'<p class="synthetic" role="note">{escape(text.synthetic)}</p>')
    parts.append(f'<p class="data-note">{escape(text.data_note)}</p>')
    parts.append(f"<section><h2>{escape(h['findings'])}</h2>")
    parts.append(f'<p class="intro">{escape(text.findings_intro)}</p><ol class="findings">')
    parts += [f"<li><strong>{escape(f.lead)}</strong> {escape(f.text)}</li>" for f in text.findings]
    parts.append("</ol></section>")
    parts.append(f'<aside class="how"><h2>{escape(h["how_to_read"])}</h2><ul>')
    parts += [f"<li>{escape(item)}</li>" for item in text.how_to_read]
    parts.append("</ul></aside><section>")
    for i, fig in enumerate(text.figures, start=1):
        parts.append(
            f'<figure><img src="{_image(fig.path)}" alt="{escape(fig.alt_text or fig.caption)}">'
            f"<figcaption><strong>{escape(h['figure_word'])} {i}.</strong> "
            f"{escape(fig.caption)}</figcaption></figure>"
        )
    parts.append("</section>")
    parts.append(f"<section><h2>{escape(h['gaps'])}</h2><p>{escape(text.gaps_intro)}</p>")
    parts.append(_table(text.gaps))
    if text.gaps_note:
        parts.append(f'<p class="note">{escape(text.gaps_note)}</p>')
    parts.append(
        f"</section><section><h2>{escape(h['pairs'])}</h2><p>{escape(text.pairs_intro)}</p>"
    )
    parts.append(_table(text.pairs))
    parts.append(f"</section><section><h2>{escape(h['annex'])}</h2>")
    parts.append(f'<p class="intro">{escape(text.annex_intro)}</p>{_table(text.annex)}</section>')
    parts.append(f"<footer><p>{escape(text.footer)}</p></footer></body></html>\n")
    return "\n".join(parts)


def write_html(text: BriefText, path: Path) -> Path:
    """Write the web version of a brief to ``path`` (atomically)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(render_html(text), encoding="utf-8")
    os.replace(tmp, path)
    return path
