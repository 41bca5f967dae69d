"""The pages of a run folder: a landing page per language and a page for analysts.

``index.html`` (in the run's first language; ``index.<lang>.html`` in each other one)
is what a reader opens: the study's headline from the network brief, then one card
per zone with its response rate, headline numbers, a thumbnail of its key figure and
links to its brief in every language.  ``analysts.html`` (in the first language) lists
the reports, figures and tables under readable titles.  Every word comes from the
message catalogues (:data:`toolkit.publish.INDEX_LABELS`,
:func:`toolkit.publish.output_title`); both pages are static HTML with relative links
only: no script, no web font, no request leaves the folder.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path
from typing import Any

from toolkit.publish import (
    INDEX_LABELS,
    BriefCard,
    Fallbacks,
    Language,
    get_language,
    output_title,
    zone_name,
)
from toolkit.run._briefs import BriefResult
from toolkit.run._execute import TaskResult
from toolkit.run._notebooks import ALL_ZONES
from toolkit.run._study import Study

__all__ = ["ANALYSTS_PAGE", "index_name", "write_pages"]

#: File name of the page for analysts.
ANALYSTS_PAGE = "analysts.html"
_FORMATS = (("pdf", "brief_pdf"), ("docx", "brief_docx"), ("html", "brief_html"))

_CSS = """
:root { --accent: #0072B2; --muted: #555; }
body { font-family: "Noto Sans", "Noto Sans Arabic", "Segoe UI", Arial, sans-serif;
       max-width: 72rem; margin: 1.5rem auto; padding: 0 1rem; line-height: 1.45; color: #222; }
h1 { color: var(--accent); margin: .2em 0; } h2 { color: var(--accent); margin-top: 1.6em; }
a { color: #005a8c; }
.subtitle, .note, .muted, figcaption { color: var(--muted); font-size: .9em; }
.languages { text-align: end; font-size: .9em; }
.languages [aria-current] { font-weight: bold; text-decoration: none; color: #222; }
.synthetic { background: #fde9c8; border-inline-start: 4px solid #e69f00; padding: .5em .7em;
             font-weight: bold; }
.internal { background: #f8d7da; border-inline-start: 4px solid #b00; padding: .5em .7em;
            font-weight: bold; }
.failed { color: #b00; }
.headline { background: #eef4fa; padding: .2em 1.2em 1em; border-radius: 4px;
             display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 0 1.5em;
             align-items: start; }
.headline h2 { margin-top: .6em; } .headline figure { margin-top: 1em; }
.headline ul { padding-inline-start: 1.2em; } .headline li { margin: .3em 0; }
@media (max-width: 50rem) { .headline { display: block; } }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(19rem, 1fr));
         gap: 1rem; padding: 0; }
.card { border: 1px solid #d5dde5; border-radius: 6px; padding: .8em 1em; background: #fff; }
.card h3 { margin: 0 0 .3em; color: var(--accent); }
.rate { margin: .2em 0; } .rate .big { font-size: 1.7em; font-weight: bold; }
.numbers { margin: .5em 0; } .numbers div { margin: .35em 0; }
.numbers dt { font-size: .9em; } .numbers dd { margin: 0; }
.numbers .value { font-weight: bold; font-size: 1.15em; }
figure { margin: .6em 0; } figure img { width: 100%; height: auto; border: 1px solid #eee; }
.brief-links { margin: .4em 0 .2em; } .other-languages { font-size: .85em; margin: .2em 0; }
.analysts { border-top: 1px solid #ddd; margin-top: 2em; }
.zone-outputs ul { margin: .2em 0 .8em; } .zone-outputs li { margin: .15em 0; }
"""


def index_name(lang: str, languages: Sequence[str]) -> str:
    """File of the landing page in ``lang``: ``index.html`` for the run's first
    language, ``index.<lang>.html`` for the others."""
    return "index.html" if lang == languages[0] else f"index.{lang}.html"


def _label(lang: Language, key: str, **values: Any) -> str:
    return (
        lang.translate(INDEX_LABELS[key], **values) if values else lang.gettext(INDEX_LABELS[key])
    )


def _own_name(code: str) -> str:
    name = get_language(code).name
    return name[:1].upper() + name[1:]


def _page(lang: Language, title: str, body: list[str]) -> str:
    return "\n".join(
        [
            "<!DOCTYPE html>",
            f'<html lang="{lang.code}" dir="{lang.direction}">',
            '<head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{escape(title)}</title>",
            f"<style>{_CSS}</style></head>",
            "<body>",
            *body,
            "</body></html>",
            "",
        ]
    )


def _banners(lang: Language, study: Study, mark: str) -> list[str]:
    out = []
    if mark:
        out.append(f'<p class="internal" role="note">{escape(lang.gettext(mark))}</p>')
    if study.config["study"].get("synthetic"):
        out.append(f'<p class="synthetic" role="note">{escape(_label(lang, "synthetic"))}</p>')
    return out


def _brief_links(lang: Language, files: Mapping[str, str]) -> str:
    return " · ".join(
        f'<a href="{escape(files[fmt])}" hreflang="{lang.code}">{escape(_label(lang, key))}</a>'
        for fmt, key in _FORMATS
        if fmt in files
    )


def _links_block(lang: Language, result: BriefResult, languages: Sequence[str]) -> list[str]:
    """The brief's links in the page's language, then in the run's other languages (a
    failure is said, and the languages that were written are still linked)."""
    if result.status == "skipped":
        return [f'<p class="note">{escape(_label(lang, "no_brief"))}</p>']
    out = []
    if result.status != "ok":
        text = _label(lang, "brief_failed", error=result.error)
        out.append(f'<p class="note failed">{escape(text)}</p>')
    mine = result.files.get(lang.code, {})
    if mine:
        out.append(
            f'<p class="brief-links"><strong>{escape(_label(lang, "brief"))}</strong>: '
            f"{_brief_links(lang, mine)}</p>"
        )
    others = []
    for code in languages:
        if code == lang.code or code not in result.files:
            continue
        other = get_language(code)
        others.append(
            f'<li lang="{code}" dir="{other.direction}"><bdi>{escape(_own_name(code))}</bdi>: '
            f"{_brief_links(other, result.files[code])}</li>"
        )
    if others:
        out.append(
            f'<details class="other-languages"><summary>{escape(_label(lang, "brief_languages"))}'
            f"</summary><ul>{''.join(others)}</ul></details>"
        )
    return out


def _numbers(card: BriefCard) -> str:
    items = "".join(
        f'<div><dt>{escape(n.label)}</dt><dd><span class="value">{escape(n.value)}</span>'
        + (f' <span class="note">{escape(n.note)}</span>' if n.note else "")
        + "</dd></div>"
        for n in card.numbers
    )
    return f'<dl class="numbers">{items}</dl>' if items else ""


def _thumbnail(lang: Language, result: BriefResult) -> str:
    thumb = result.files.get(lang.code, {}).get("thumbnail")
    card = result.cards.get(lang.code)
    if not thumb or card is None:
        return ""
    return (
        f'<figure><img src="{escape(thumb)}" alt="{escape(card["figure_alt"])}" loading="lazy">'
        f"<figcaption>{escape(_label(lang, 'key_figure'))}</figcaption></figure>"
    )


def _card(lang: Language, zone: str, result: BriefResult, languages: Sequence[str]) -> str:
    parts = [f'<article class="card" id="zone-{escape(zone)}">']
    data = result.cards.get(lang.code)
    if data is None:
        parts.append(f"<h3>{escape(zone_name(lang, zone))}</h3>")
    else:
        card = BriefCard.from_dict(data)
        parts += [
            f"<h3>{escape(card.title)}</h3>",
            f'<p class="rate"><span class="big">{escape(card.rate)}</span> '
            f"{escape(_label(lang, 'response_rate'))}</p>",
            f'<p class="note">{escape(card.response)}</p>',
            _numbers(card),
            _thumbnail(lang, result),
        ]
    parts += _links_block(lang, result, languages)
    parts.append("</article>")
    return "\n".join(p for p in parts if p)


def _headline(lang: Language, result: BriefResult, languages: Sequence[str]) -> list[str]:
    """The study's headline: the network brief's response, first findings and figure."""
    out = ['<section class="headline" aria-labelledby="headline"><div>']
    out.append(f'<h2 id="headline">{escape(_label(lang, "headline"))}</h2>')
    data = result.cards.get(lang.code)
    if data is not None:
        card = BriefCard.from_dict(data)
        out.append(f"<p>{escape(card.response)}</p>")
        out.append("<ul>" + "".join(f"<li>{escape(h)}</li>" for h in card.headlines) + "</ul>")
    out += _links_block(lang, result, languages)
    out.append("</div>")
    out.append(_thumbnail(lang, result))
    out.append("</section>")
    return out


def _landing(
    lang: Language,
    study: Study,
    run: Mapping[str, Any],
    briefs: Mapping[str, BriefResult],
    zones: Sequence[str],
    languages: Sequence[str],
) -> str:
    nav = " · ".join(
        f'<a href="{index_name(code, languages)}" hreflang="{code}"'
        + (' aria-current="page"' if code == lang.code else "")
        + f"><bdi>{escape(_own_name(code))}</bdi></a>"
        for code in languages
    )
    body = []
    if len(languages) > 1:
        body.append(
            f'<nav class="languages" aria-label="{escape(_label(lang, "language"))}">{nav}</nav>'
        )
    body += [
        "<header>",
        f"<h1><bdi>{escape(study.name)}</bdi></h1>",
        f'<p class="subtitle">{escape(_run_line(lang, run))}</p>',
        *_banners(lang, study, run["mark"]),
        "</header><main>",
    ]
    if ALL_ZONES in zones:
        body += _headline(lang, briefs.get(ALL_ZONES, BriefResult(ALL_ZONES, "skipped")), languages)
    cards = [
        _card(lang, z, briefs.get(z, BriefResult(z, "skipped")), languages)
        for z in zones
        if z != ALL_ZONES
    ]
    if cards:
        body.append(
            f'<section aria-labelledby="zones"><h2 id="zones">{escape(_label(lang, "zones"))}</h2>'
        )
        body.append('<div class="cards">' + "\n".join(cards) + "</div></section>")
    body.append('<section class="analysts" aria-labelledby="analysts">')
    body.append(f'<h2 id="analysts">{escape(_label(lang, "analysts"))}</h2>')
    body.append(f'<p class="muted">{escape(_label(lang, "analysts_intro"))}</p>')
    body.append(f'<p><a href="{ANALYSTS_PAGE}">{escape(_label(lang, "analysts_link"))}</a></p>')
    if run["failed"]:
        text = _label(
            lang,
            "report_failed",
            failed=lang.integer(run["failed"]),
            notebooks=lang.integer(run["notebooks"]),
        )
        body.append(f'<p class="failed">{escape(text)}</p>')
    body.append("</section></main>")
    return _page(lang, _label(lang, "overview_title", study=study.name), body)


def _run_line(lang: Language, run: Mapping[str, Any]) -> str:
    return _label(lang, "run_line", run_id=lang.isolate(run["run_id"]), date=lang.date(run["date"]))


def _audience(lang: Language, disclosure: Mapping[str, Any]) -> str:
    if not disclosure:
        return ""
    if disclosure.get("mark"):
        text = _label(lang, "audience_internal", mark=lang.gettext(str(disclosure["mark"])))
        return f"<p>{escape(text)}</p>"
    withheld = disclosure.get("withheld", {})
    text = _label(
        lang,
        "audience_public",
        min_cell=lang.integer(int(disclosure.get("min_cell", 0))),
        primary=lang.integer(int(withheld.get("primary", 0))),
        secondary=lang.integer(int(withheld.get("secondary", 0))),
    )
    return (
        f'<p>{escape(text)} <a href="disclosure.json">{escape(_label(lang, "disclosure"))}</a></p>'
    )


def _outputs(folder: Path, zone: str, kind: str, pattern: str) -> list[Path]:
    sub = folder / zone / kind
    return sorted(sub.glob(pattern)) if sub.is_dir() else []


def _zone_section(lang: Language, work: Path, zone: str, results: Sequence[TaskResult]) -> str:
    figures = _outputs(work, zone, "figures", "*.png")
    tables = _outputs(work, zone, "tables", "*.csv")
    items = []
    claimed: set[Path] = set()
    for r in results:
        title = escape(output_title(lang, "notebook", r.notebook))
        if r.status == "skipped":
            reason = _label(lang, "skipped_because", reason=r.error)
            items.append(f"<li>{title}: {escape(reason)}</li>")
            continue
        html = f"{zone}/{Path(r.html).name}" if r.html else ""
        link = f'<a href="{escape(html)}">{title}</a>' if html else title
        status = ""
        if r.status != "ok":
            failed = escape(_label(lang, "failed_because", error=r.error))
            status = f' <strong class="failed">{failed}</strong>'
        nb = f"{zone}/{Path(r.output).name}" if r.output else ""
        notebook = f' (<a href="{escape(nb)}">{escape(_label(lang, "notebook"))}</a>)' if nb else ""
        prefix = r.notebook[:3] if r.notebook[:2].isdigit() else r.notebook
        own_figs = [f for f in figures if f.stem.startswith(prefix)]
        own_tabs = [t for t in tables if t.stem.startswith(prefix)]
        claimed.update(own_figs + own_tabs)
        items.append(
            f"<li>{link}{notebook}{status}" + _files(lang, zone, own_figs, own_tabs) + "</li>"
        )
    rest_f = [f for f in figures if f not in claimed]
    rest_t = [t for t in tables if t not in claimed]
    if rest_f or rest_t:
        items.append(f"<li>{_files(lang, zone, rest_f, rest_t)}</li>")
    books = sorted((work / zone).glob("*_tables.xlsx")) if (work / zone).is_dir() else []
    book = "".join(
        f'<p>{escape(_label(lang, "excel"))}: <a href="{zone}/{escape(x.name)}">'
        f"{escape(x.name)}</a></p>"
        for x in books
    )
    return (
        f'<section class="zone-outputs" id="zone-{escape(zone)}">'
        f"<h2>{escape(zone_name(lang, zone))}</h2><ul>{''.join(items)}</ul>{book}</section>"
    )


def _files(lang: Language, zone: str, figures: list[Path], tables: list[Path]) -> str:
    out = []
    if figures:
        links = "".join(
            f'<li><a href="{zone}/figures/{escape(f.name)}">'
            f"{escape(output_title(lang, 'figure', f.stem))}</a>"
            + (
                f' (<a href="{zone}/figures/{escape(f.stem)}.svg">SVG</a>)'
                if f.with_suffix(".svg").is_file()
                else ""
            )
            + "</li>"
            for f in figures
        )
        out.append(f"<p><b>{escape(_label(lang, 'figures'))}</b></p><ul>{links}</ul>")
    if tables:
        links = "".join(
            f'<li><a href="{zone}/tables/{escape(t.name)}">'
            f"{escape(output_title(lang, 'table', t.stem))}</a> (CSV)</li>"
            for t in tables
        )
        out.append(f"<p><b>{escape(_label(lang, 'tables'))}</b></p><ul>{links}</ul>")
    return "".join(out)


def _analysts(
    lang: Language,
    work: Path,
    study: Study,
    run: Mapping[str, Any],
    results: Sequence[TaskResult],
    zones: Sequence[str],
    disclosure: Mapping[str, Any],
    languages: Sequence[str],
) -> str:
    body = [
        "<header>",
        f'<p><a href="{index_name(lang.code, languages)}">{escape(_label(lang, "overview_link"))}</a></p>',
        f"<h1>{escape(_label(lang, 'analysts_title', study=lang.isolate(study.name)))}</h1>",
        f'<p class="subtitle">{escape(_run_line(lang, run))} '
        f'<a href="manifest.json">{escape(_label(lang, "manifest"))}</a></p>',
        *_banners(lang, study, run["mark"]),
        _audience(lang, disclosure),
        f'<nav aria-label="{escape(_label(lang, "zones"))}"><p>'
        + " · ".join(f'<a href="#zone-{escape(z)}">{escape(zone_name(lang, z))}</a>' for z in zones)
        + "</p></nav>",
        "</header><main>",
    ]
    for zone in zones:
        body.append(_zone_section(lang, work, zone, [r for r in results if r.zone == zone]))
    body.append("</main>")
    return _page(lang, _label(lang, "analysts_title", study=study.name), body)


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write_pages(
    work: Path,
    study: Study,
    *,
    run_id: str,
    date: dt.date,
    results: Sequence[TaskResult],
    briefs: Sequence[BriefResult],
    zones: Sequence[str],
    languages: Sequence[str],
    mark: str = "",
    disclosure: Mapping[str, Any] | None = None,
) -> tuple[list[Path], Fallbacks]:
    """Write the landing pages and the page for analysts of a run.

    Parameters
    ----------
    work : Path
        The run folder (links are relative to it).
    study : Study
    run_id : str
    date : datetime.date
    results : sequence of TaskResult
        The notebooks of the run.
    briefs : sequence of BriefResult
        The briefs of the run (none when the run wrote none).
    zones : sequence of str
        The zones of the run, in order (``all`` among them for the network).
    languages : sequence of str
        The run's languages; the first is ``index.html``'s and the analysts page's
        (``en`` when the run wrote no brief).
    mark : str
        The internal tier's mark (empty in the public tier).
    disclosure : mapping, optional
        The manifest's ``disclosure`` section.

    Returns
    -------
    pages : list of Path
        The pages written, ``index.html`` first.
    fallbacks : Fallbacks
        Texts of the pages that fell back to English.
    """
    record = Fallbacks()
    languages = list(languages) or ["en"]
    run = {
        "run_id": run_id,
        "date": date,
        "mark": mark,
        "failed": sum(r.status == "failed" for r in results),
        "notebooks": len(results),
    }
    by_zone = {b.zone: b for b in briefs}
    pages = []
    for code in languages:
        lang = get_language(code, fallbacks=record)
        path = work / index_name(code, languages)
        _write(path, _landing(lang, study, run, by_zone, zones, languages))
        pages.append(path)
    first = get_language(languages[0], fallbacks=record)
    path = work / ANALYSTS_PAGE
    _write(path, _analysts(first, work, study, run, results, zones, disclosure or {}, languages))
    pages.append(path)
    return pages, record
