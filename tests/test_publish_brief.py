"""Policy briefs: one content model written as PDF, Word and HTML in four languages."""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from brief_numbers import NUMBER, expected, match, numbers

from toolkit.errors import InputError
from toolkit.publish._brief import build_brief
from toolkit.publish._brief_findings import zone_difference
from toolkit.publish._brief_text import finding_text, localise
from toolkit.publish._brief_write import write_brief, write_briefs
from toolkit.publish._i18n import Fallbacks, get_language, plain_digits

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "tests" / "data" / "publish_brief" / "figure_ar.png"
LANGS = ("en", "fr", "ar")
ZONES = {"africa": 17, "europe": 37, "mena": 10}


def _estimates(instrument) -> pd.DataFrame:
    """Estimates in the form of report.estimates(): three zones and all, every
    activity, stage and group; one suppressed cell."""
    rng = np.random.default_rng(12)
    rows = []
    lists = {"activity": "activity", "stage": "stage", "group": "target_group"}
    for zone, n in [*ZONES.items(), ("all", sum(ZONES.values()))]:
        for dim, name in lists.items():
            labels = instrument.choice_labels(name)
            for code in instrument.choice_names(name):
                if code == "other":
                    continue
                p = float(rng.uniform(0.05, 0.95))
                se = math.sqrt(p * (1 - p) / n) * 0.8
                hidden = zone == "mena" and code == "detention"
                rows.append(
                    {
                        "zone": zone,
                        "dimension": dim,
                        "code": code,
                        "label": labels[code],
                        "variable": f"{dim}__{code}",
                        "estimate": np.nan if hidden else p,
                        "se": np.nan if hidden else se,
                        "ci_low": np.nan if hidden else max(p - 1.96 * se, 0.0),
                        "ci_high": np.nan if hidden else min(p + 1.96 * se, 1.0),
                        "n": 2 if hidden else n,
                        "bound_low": np.nan if hidden else p * 0.5,
                        "bound_high": np.nan if hidden else 0.5 + p * 0.5,
                        "suppressed": hidden,
                        "suppression": "primary" if hidden else "",
                        "secondary": False,
                        "display": "fewer than 3" if hidden else f"{p:.0%}",
                    }
                )
    return pd.DataFrame(rows)


def _frame() -> pd.DataFrame:
    rows = []
    for zone, n in ZONES.items():
        rows += [
            {
                "iso3": f"{zone[:2].upper()}{i}",
                "country": f"{zone} {i}",
                "zone": zone,
                "responded": i < n,
            }
            for i in range(2 * n)
        ]
    return pd.DataFrame(rows)


def _routes():
    coverage = pd.DataFrame(
        {
            "route_id": ["central_mediterranean"] * 4,
            "route_name": ["Central Mediterranean"] * 4,
            "stage": ["origin", "transit", "transit", "destination"],
            "activity": ["info", "health", "shelter", "legal"],
            "needed": [True, True, True, True],
            "status": ["covered", "gap", "gap", "unknown"],
        }
    )
    pairs = pd.DataFrame(
        {
            "provider": ["KEN", "EGY"],
            "recipient": ["ETH", "LBY"],
            "provider_zone": ["africa", "mena"],
            "recipient_zone": ["africa", "mena"],
            "cross_regional": [False, False],
            "route_id": ["central_mediterranean"] * 2,
            "activity": ["health", "rfl"],
            "status": ["lacking", "lacking"],
            "score": [0.91, 0.8],
        }
    )
    return coverage, pairs


@pytest.fixture(scope="module")
def inputs(instrument):
    coverage, pairs = _routes()
    return {
        "estimates": _estimates(instrument),
        "frame": _frame(),
        "coverage": coverage,
        "pairs": pairs,
        "instrument": instrument,
    }


def _brief(inputs, zone):
    import datetime as dt

    return build_brief(
        inputs["estimates"],
        frame=inputs["frame"],
        zone=zone,
        study="Test study (SYNTHETIC)",
        coverage=inputs["coverage"],
        pairs=inputs["pairs"],
        instrument=inputs["instrument"],
        synthetic=True,
        date=dt.date(2026, 6, 30),
    )


@pytest.fixture(scope="module")
def written(inputs, tmp_path_factory):
    folder = tmp_path_factory.mktemp("briefs")
    record = Fallbacks()
    brief = _brief(inputs, "africa")
    return brief, write_briefs(brief, folder, LANGS, fallbacks=record), record


@pytest.mark.parametrize("lang", LANGS)
def test_every_number_in_the_findings_is_in_the_input_table(inputs, lang):
    for zone in ("africa", "all"):
        brief = _brief(inputs, zone)
        text = localise(brief, get_language(lang))
        assert 3 <= len(text.findings) <= 6
        for tf in text.findings:
            shown, wanted = numbers(tf.text), expected(tf.finding, inputs["estimates"], 0.95)
            assert match(shown, wanted), (lang, tf.text, wanted)
            assert not numbers(tf.lead)


def test_internal_notice_is_translated_on_every_page(inputs, tmp_path):
    from dataclasses import replace

    from pypdf import PdfReader

    brief = replace(_brief(inputs, "europe"), notice="INTERNAL — not for publication")
    out = write_brief(brief, tmp_path, "fr", formats=("pdf", "html"))
    pages = PdfReader(out["pdf"]).pages
    assert all("INTERNE — ne pas publier" in page.extract_text() for page in pages)
    assert "INTERNE — ne pas publier" in out["html"].read_text(encoding="utf-8")


def test_suppressed_cell_shows_no_number(inputs):
    brief = _brief(inputs, "mena")
    assert all(f.code != "detention" for f in brief.findings)
    text = localise(brief, get_language("fr"))
    row = next(r for r in text.annex.rows if r[0] == "Visites en détention")
    assert row[1] == "non publié (moins de 3 réponses)" and row[2:4] == ("", "")


def test_formats_and_files(written):
    _, out, record = written
    for lang in LANGS:
        assert sorted(out[lang]) == ["docx", "html", "pdf"]
        for fmt, path in out[lang].items():
            assert path.name == f"brief.{lang}.{fmt}" and path.stat().st_size > 0
    assert record.count("fr") == 0


@pytest.mark.parametrize("lang", LANGS)
def test_pdf_has_two_to_four_a4_pages(written, lang):
    from pypdf import PdfReader

    reader = PdfReader(written[1][lang]["pdf"])
    assert 2 <= len(reader.pages) <= 4
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) missing")
@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", ["Key findings", "National Societies", "SYNTHETIC DATA"]),
        ("fr", ["Principaux résultats", "Sociétés nationales", "DONNÉES SYNTHÉTIQUES"]),
        ("ar", ["النتائج", "الجمعيات", "اصطناعية"]),
    ],
)
def test_pdf_text_shows_the_language_and_the_numbers(written, lang, words):
    brief, out, _ = written
    pdf = out[lang]["pdf"]
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = " ".join(plain_digits(text).split())
    for word in words:
        assert word in flat
    language = get_language(lang)
    for tf in localise(brief, language).findings:
        for number in NUMBER.findall(plain_digits(tf.text)):
            assert number in flat
    if lang == "fr":
        assert re.search(r"\d+ %", flat) and "taux de réponse" in flat


def test_docx_opens_and_has_the_findings(written):
    from docx import Document
    from docx.oxml.ns import qn

    brief, out, _ = written
    for lang in LANGS:
        doc = Document(str(out[lang]["docx"]))
        body = "\n".join(p.text for p in doc.paragraphs)
        for tf in localise(brief, get_language(lang)).findings:
            assert f"{tf.lead} {tf.text}" in body
        assert len(doc.tables) >= 2 and len(doc.inline_shapes) == 2
        section = doc.sections[0]
        assert round(section.page_width.cm, 1) == 21.0
        bidi = doc.element.body.findall(".//" + qn("w:bidi"))
        rtl = doc.element.body.findall(".//" + qn("w:rtl"))
        visual = doc.element.body.findall(".//" + qn("w:bidiVisual"))
        if lang == "ar":
            assert len(bidi) > len(doc.paragraphs) and rtl and len(visual) == len(doc.tables)
        else:
            assert not bidi and not rtl and not visual


def test_html_is_self_contained_and_right_to_left_in_arabic(written):
    out = written[1]
    ar = out["ar"]["html"].read_text(encoding="utf-8")
    assert '<html lang="ar" dir="rtl">' in ar
    assert 'src="data:image/png;base64,' in ar and "http" not in ar.split("<body>")[0]
    assert '<html lang="fr" dir="ltr">' in out["fr"]["html"].read_text(encoding="utf-8")


def _arabic_figure():
    from toolkit.publish._brief_figures import dot_figure

    rows = pd.DataFrame(
        {
            "label": ["الرعاية الصحية", "إعادة الروابط العائلية", "المأوى والإيواء"],
            "estimate": [0.62, 0.85, 0.1],
            "ci_low": [0.48, 0.7, 0.02],
            "ci_high": [0.74, 0.93, 0.3],
        }
    )
    ar = get_language("ar")
    return dot_figure(
        [("النشاط", rows)],
        ar,
        title="الأنشطة: أفريقيا",
        xlabel="نسبة الجمعيات الوطنية",
        level=ar.percent(0.95),
    )


def test_arabic_figure_matches_the_reference(tmp_path):
    from matplotlib.testing.compare import compare_images

    fig = _arabic_figure()
    actual = tmp_path / "figure_ar.png"
    fig.savefig(actual, dpi=72, metadata={"Software": None})
    assert compare_images(str(REFERENCE), str(actual), tol=3) is None


def test_arabic_heatmap_matches_the_reference(tmp_path):
    """The network brief's zones-by-activity table in Arabic: zones from right to left,
    labels on the right, joined letters, a withheld cell marked."""
    from matplotlib.testing.compare import compare_images

    from toolkit.publish._brief_figures import heatmap_figure

    ar = get_language("ar")
    table = pd.DataFrame(
        {"africa": [0.62, 0.85, np.nan], "mena": [0.4, 0.91, 0.12], "all": [0.55, 0.88, 0.2]},
        index=["الرعاية الصحية", "إعادة الروابط العائلية", "زيارات الاحتجاز"],
    )
    fig = heatmap_figure(
        table, table.isna(), ar, title="الأنشطة حسب المنطقة", colorbar="نسبة الجمعيات الوطنية"
    )
    actual = tmp_path / "heatmap_ar.png"
    fig.savefig(actual, dpi=72, metadata={"Software": None})
    reference = REFERENCE.with_name("heatmap_ar.png")
    assert compare_images(str(reference), str(actual), tol=3) is None


def test_landing_card_numbers_are_the_findings(inputs):
    """A card shows the shares of the brief's first two findings that state one, as
    the published table has them, and the route gaps; nothing withheld."""
    from toolkit.publish import brief_card

    for zone in ("africa", "mena", "all"):
        brief = _brief(inputs, zone)
        for lang in LANGS:
            language = get_language(lang)
            card = brief_card(brief, language, headlines=2)
            tops = [f for f in brief.findings if f.kind == "top"][:2]
            shares = [n for n in card.numbers if n.code != "gaps"]
            assert [n.code for n in shares] == [f.code for f in tops]
            table = inputs["estimates"]
            for n, f in zip(shares, tops):
                row = table[
                    (table["zone"] == zone)
                    & (table["dimension"] == "activity")
                    & (table["code"] == f.code)
                ].iloc[0]
                value = numbers(n.value)
                if f.wording == "between":
                    assert match(value, [row["ci_low"] * 100, row["ci_high"] * 100])
                else:
                    assert match(value, [row["estimate"] * 100])
                    assert match(numbers(n.note), [95, row["ci_low"] * 100, row["ci_high"] * 100])
            assert "detention" not in [n.code for n in card.numbers]
            gaps = next(n for n in card.numbers if n.code == "gaps")
            assert gaps.value == language.integer(int(brief.routes["gaps"].sum()))
            assert len(card.headlines) == 2
            assert card.headlines[0].startswith(
                finding_text(language, brief, brief.findings[0]).lead
            )


def test_unknown_format_and_language(inputs, tmp_path):
    brief = _brief(inputs, "africa")
    with pytest.raises(InputError, match="pdf, docx, html"):
        write_brief(brief, tmp_path, "en", formats=("odt",))
    with pytest.raises(InputError, match="en, fr, es, ar"):
        write_brief(brief, tmp_path, "sw")


def test_zone_difference_matches_the_reported_interval(inputs):
    brief = _brief(inputs, "all")
    table = inputs["estimates"]
    for f in (f for f in brief.findings if f.kind == "difference"):
        a = table[
            (table["zone"] == f.zone)
            & (table["code"] == f.code)
            & (table["dimension"] == f.dimension)
        ].iloc[0]
        b = table[
            (table["zone"] == f.other_zone)
            & (table["code"] == f.code)
            & (table["dimension"] == f.dimension)
        ].iloc[0]
        assert (f.difference, f.diff_low, f.diff_high) == pytest.approx(zone_difference(a, b))
        assert f.diff_low > 0 or f.diff_high < 0


@pytest.mark.slow
def test_demo_briefs_africa_in_french_and_mena_in_arabic(tmp_path):
    """The demo study's Africa brief in French and MENA brief in Arabic."""
    from toolkit.publish._brief import brief_from_report
    from toolkit.run import open_report

    study = ROOT / "data" / "raw" / "demo" / "study.yaml"
    for zone, lang in (("africa", "fr"), ("mena", "ar")):
        report = open_report(study, zone)
        brief = brief_from_report(report)
        out = write_brief(brief, tmp_path / zone, lang)
        from pypdf import PdfReader

        assert 2 <= len(PdfReader(out["pdf"]).pages) <= 4
        table = report.estimates()
        for tf in localise(brief, get_language(lang)).findings:
            wanted = expected(tf.finding, table, 0.95)
            assert match(numbers(tf.text), wanted), (lang, tf.text)
