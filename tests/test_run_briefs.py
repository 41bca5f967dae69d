"""The policy briefs of a run: languages, the pool task, the manifest, and the briefs a
real run writes (PDF text, numbers against the published tables, pages, Word)."""

from __future__ import annotations

import json
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
import yaml
from brief_numbers import NUMBER, expected, match, numbers

from toolkit import run
from toolkit.errors import ParameterError, StudyConfigError
from toolkit.publish import Fallbacks, get_language, read_hxl_csv
from toolkit.publish._i18n import plain_digits
from toolkit.run import _pool, _runner
from toolkit.run._briefs import (
    BriefCollector,
    BriefPart,
    BriefResult,
    Prepared,
    brief_options,
    briefs_manifest,
    run_languages,
)

LANGS = ("en", "fr", "es", "ar")


def _copy_study(folder: Path, demo_dir: Path, **report) -> Path:
    shutil.copytree(demo_dir, folder / "study", ignore=shutil.ignore_patterns("truth"))
    path = folder / "study" / "study.yaml"
    cfg = yaml.safe_load(path.read_text(encoding="utf-8"))
    cfg["paths"]["processed"] = str(folder / "processed")
    cfg["paths"]["reports"] = str(folder / "reports")
    if report:
        cfg["report"] = report
    path.write_text(yaml.safe_dump(cfg), encoding="utf-8")
    return path


# -- languages -----------------------------------------------------------------------------
def test_languages_come_from_the_study_or_the_command_line(tmp_path, demo_dir):
    study = run.load_study(_copy_study(tmp_path, demo_dir))
    assert study.languages == ["en"]  # the default
    assert run_languages(None, study) == ("en",)
    assert run_languages("fr, es,FR-fr", study) == ("fr", "es")
    assert run_languages(["ar", "en"], study) == ("ar", "en")
    with pytest.raises(ParameterError) as err:
        run_languages("fr,de", study)
    assert err.value.column == "--lang" and "en, fr, es, ar" in str(err.value)


def test_study_languages_are_checked_when_the_study_is_read(tmp_path, demo_dir):
    path = _copy_study(tmp_path / "a", demo_dir, languages=["fr-FR", "ar"])
    assert run.load_study(path).languages == ["fr", "ar"]
    path = _copy_study(tmp_path / "b", demo_dir, languages=["fr", "sw"])
    with pytest.raises(StudyConfigError) as err:
        run.load_study(path)
    assert "report.languages" in str(err.value) and "en, fr, es, ar" in str(err.value)
    path = _copy_study(tmp_path / "c", demo_dir, languages="fr")
    with pytest.raises(StudyConfigError, match="must be a list"):
        run.load_study(path)


def test_unknown_language_fails_before_anything_runs(tmp_path, demo_dir, monkeypatch):
    path = _copy_study(tmp_path, demo_dir)

    def forbidden(*args, **kwargs):
        raise AssertionError("nothing may run before the languages are valid")

    monkeypatch.setattr(_runner, "process_study", forbidden)
    monkeypatch.setattr(_pool.TaskPool, "start", forbidden)  # no worker, no kernel
    monkeypatch.setattr(_pool.TaskPool, "run", forbidden)
    with pytest.raises(ParameterError, match="no translation for language 'xx'"):
        run.run_study(path, zones="europe", languages="en,xx")
    assert not (tmp_path / "reports").exists() or not any((tmp_path / "reports").iterdir())
    assert run.main(["run", str(path), "--zone", "europe", "--lang", "xx"]) == run.EXIT_BAD_INPUT


def test_briefs_use_the_parameters_of_the_mapping_notebook():
    assert brief_options({}) == {"level": 0.95, "max_distance": 2}
    assert brief_options({"level": 0.9, "seed": 3}) == {"level": 0.9, "max_distance": 2}


def test_manifest_counts_the_fallbacks_per_language():
    def record(lang, text, uses):
        r = Fallbacks()
        for _ in range(uses):
            r.record(lang, text, kind="label")
        return r.to_dict()

    results = [
        BriefResult("africa", "ok", 2.0, fallbacks=record("ar", "activity:health", 2)),
        BriefResult("all", "ok", 3.0, fallbacks=record("ar", "activity:health", 1)),
        BriefResult("mena", "failed", 1.0, error="ValueError: x"),
    ]
    pages = Fallbacks()
    pages.record("fr", "03_programme_reach", kind="title")
    section = briefs_manifest(results, ["en", "fr", "ar"], pages)
    assert section["fallbacks"]["en"]["count"] == 0
    assert section["fallbacks"]["fr"]["texts"] == [
        {"kind": "title", "text": "03_programme_reach", "uses": 1}
    ]
    assert section["fallbacks"]["ar"]["count"] == 3 and section["fallbacks"]["ar"]["distinct"] == 1
    assert section["written"] == 6 and section["seconds"] == 6.0
    assert [z["status"] for z in section["zones"]] == ["ok", "ok", "failed"]


def test_collector_gathers_one_result_per_zone():
    from types import SimpleNamespace

    brief = SimpleNamespace(zone="mena", findings=(), n=10, population=17)
    collector = BriefCollector(["mena", "all"], ["fr", "en"])
    todo = collector.prepared(Prepared({"mena": brief, "all": brief}, 1.5))
    assert [lang for _, lang in todo] == ["fr", "en", "fr", "en"]
    fallbacks = Fallbacks()
    fallbacks.record("fr", "x")
    collector.written(BriefPart("mena", "en", "ok", 1.0, {"pdf": "mena/brief.en.pdf"}))
    collector.written(
        BriefPart("mena", "fr", "ok", 2.0, {"pdf": "mena/brief.fr.pdf"}, {}, fallbacks.to_dict())
    )
    collector.written(BriefPart("all", "fr", "failed", 0.5, error="OSError: disk full"))
    mena, everything = collector.results()
    assert mena.status == "ok" and list(mena.files) == ["fr", "en"] and mena.seconds == 3.0
    assert mena.answered == 10 and mena.fallbacks["fr"]["count"] == 1
    assert everything.status == "failed" and everything.error == "fr: OSError: disk full"
    failed = BriefCollector(["mena"], ["en"])
    assert failed.prepared(Prepared(error="StoreError: no database")) == []
    assert failed.results()[0].error == "StoreError: no database"


# -- a real run ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo_run(tmp_path_factory, demo_dir):
    """The demo study's mapping report and briefs for MENA and all zones, four languages."""
    path = _copy_study(tmp_path_factory.mktemp("briefs"), demo_dir)
    summary = run.run_study(
        path, zones="mena,all", notebooks=["03_activity_mapping"], languages=LANGS, jobs=2
    )
    assert all(b.status == "ok" for b in summary.briefs), [b.error for b in summary.briefs]
    assert (summary.run_dir / "all" / "tables" / "03_shares.csv").is_file(), summary.table()
    return summary


class _Findings(HTMLParser):
    """The key findings of a web brief: the items of its ``ol.findings``."""

    def __init__(self) -> None:
        super().__init__()
        self.items: list[str] = []
        self._in = False

    def handle_starttag(self, tag, attrs):
        if tag == "ol" and ("class", "findings") in attrs:
            self._in = True
        elif tag == "li" and self._in:
            self.items.append("")

    def handle_endtag(self, tag):
        if tag == "ol":
            self._in = False

    def handle_data(self, data):
        if self._in and self.items:
            self.items[-1] += data


def _html_findings(path: Path) -> list[str]:
    parser = _Findings()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.items


@pytest.mark.slow
def test_every_brief_of_the_run_is_written_in_every_language(demo_run):
    manifest = json.loads((demo_run.run_dir / "manifest.json").read_text(encoding="utf-8"))
    section = manifest["briefs"]
    assert section["languages"] == list(LANGS) and section["written"] == 8
    assert set(section["fallbacks"]) == set(LANGS)
    for zone in ("mena", "all"):
        for lang in LANGS:
            for fmt in ("pdf", "docx", "html"):
                path = demo_run.run_dir / zone / f"brief.{lang}.{fmt}"
                assert path.stat().st_size > 1000, path
    names = [f"index.{lang}.html" for lang in LANGS[1:]]
    assert manifest["pages"] == ["index.html", *names, "analysts.html"]


@pytest.mark.slow
def test_findings_of_the_run_equal_the_published_tables_in_every_language(demo_run):
    """Every number in each brief's key findings, in each language, is the number in the
    table the mapping notebook published (all/tables/03_shares.csv)."""
    manifest = json.loads((demo_run.run_dir / "manifest.json").read_text(encoding="utf-8"))
    csv, _ = read_hxl_csv(demo_run.run_dir / "all" / "tables" / "03_shares.csv")
    for col in ("estimate", "ci_low", "ci_high"):
        csv[col] = pd.to_numeric(csv[col], errors="coerce")
    # the design SE (for the interval of a difference) from the same published table
    report = run.open_report(demo_run.run_dir.parent.parent / "study" / "study.yaml", "all")
    published = report.estimates()
    merged = csv.merge(published, on=["zone", "dimension", "code"], suffixes=("", "_pub"))
    assert len(merged) == len(csv)
    for col in ("estimate", "ci_low", "ci_high"):
        pd.testing.assert_series_equal(
            merged[col], merged[f"{col}_pub"].astype(float), check_names=False, atol=1e-12
        )
    table = merged.assign(se=merged["se"].astype(float))
    checked = 0
    for entry in manifest["briefs"]["zones"]:
        findings = entry["findings"]
        assert 3 <= len(findings) <= 6
        for lang in LANGS:
            items = _html_findings(demo_run.run_dir / entry["zone"] / f"brief.{lang}.html")
            assert len(items) == len(findings)
            for f, text in zip(findings, items):
                assert match(numbers(text), expected(f, table, 0.95)), (lang, text, f)
                checked += 1
    assert checked >= 2 * 4 * 3


@pytest.mark.slow
def test_briefs_have_two_to_four_a4_pages(demo_run):
    from pypdf import PdfReader

    for pdf in sorted(demo_run.run_dir.glob("*/brief.*.pdf")):
        reader = PdfReader(pdf)
        assert 2 <= len(reader.pages) <= 4, pdf
        box = reader.pages[0].mediabox
        assert (round(float(box.width)), round(float(box.height))) == (595, 842)


WORDS = {
    "en": ["Key findings", "National Societies", "SYNTHETIC DATA", "response rate"],
    "fr": ["Principaux résultats", "Sociétés nationales", "DONNÉES SYNTHÉTIQUES"],
    "es": ["Principales resultados", "Sociedades Nacionales", "DATOS SINTÉTICOS"],
    "ar": ["أهم النتائج", "الجمعيات", "اصطناعية"],
}


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) missing")
@pytest.mark.parametrize("lang", LANGS)
def test_pdf_text_shows_the_language_and_the_study_numbers(demo_run, lang):
    manifest = json.loads((demo_run.run_dir / "manifest.json").read_text(encoding="utf-8"))
    frame = run.open_report(demo_run.run_dir.parent.parent / "study" / "study.yaml").frame
    for entry in manifest["briefs"]["zones"]:
        zone = entry["zone"]
        rows = frame if zone == "all" else frame[frame["zone"].astype(str) == zone]
        assert entry["answered"] == int(rows["responded"].sum())
        assert entry["societies"] == len(rows)
        pdf = demo_run.run_dir / zone / f"brief.{lang}.pdf"
        text = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", str(pdf), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        flat = " ".join(plain_digits(text).split())
        for word in WORDS[lang]:
            assert word in flat, (zone, lang, word)
        language = get_language(lang)
        rate = plain_digits(language.percent(entry["answered"] / entry["societies"]))
        for number in (str(entry["answered"]), str(entry["societies"]), " ".join(rate.split())):
            assert number in flat, (zone, lang, number)
        for item in _html_findings(demo_run.run_dir / zone / f"brief.{lang}.html"):
            for number in NUMBER.findall(plain_digits(item)):
                assert number in flat, (zone, lang, number)


@pytest.mark.slow
def test_word_briefs_open_with_python_docx(demo_run):
    from docx import Document

    for lang in LANGS:
        for zone in ("mena", "all"):
            doc = Document(str(demo_run.run_dir / zone / f"brief.{lang}.docx"))
            body = "\n".join(p.text for p in doc.paragraphs)
            for item in _html_findings(demo_run.run_dir / zone / f"brief.{lang}.html"):
                assert " ".join(item.split()) in " ".join(body.split())
            assert len(doc.tables) >= 2 and len(doc.inline_shapes) == 2
            assert doc.core_properties.language.startswith(lang)
