"""The run's pages: the landing page a reader opens, per language, and the page for
analysts; checked as HTML and, in a slow test, in a real headless browser."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
import yaml

from toolkit import run
from toolkit.publish import BriefCard
from toolkit.publish._brief_card import CardNumber
from toolkit.run._briefs import BriefResult
from toolkit.run._execute import TaskResult
from toolkit.run._landing import write_pages

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
#: No background traffic of the browser itself, so that any request left is the page's.
_QUIET = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--hide-scrollbars",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--no-first-run",
]


class _Page(HTMLParser):
    """Links, images, cards and text of a page (parsed as a browser's DOM dump)."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.sources: list[str] = []
        self.cards: list[str] = []
        self.attrs: dict[str, dict[str, str]] = {}
        self.ids: set[str] = set()
        self.text = ""

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "html":
            self.attrs["html"] = a
        if tag in ("a", "link") and "href" in a:
            self.links.append(a["href"])
        if tag in ("img", "script", "iframe", "source") and "src" in a:
            self.sources.append(a["src"])
        if tag == "article" and "card" in a.get("class", "").split():
            self.cards.append(a.get("id", ""))

    def handle_data(self, data):
        self.text += data


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def _resolves(folder: Path, page: _Page, url: str) -> bool:
    """Whether a link opens a file of the run folder, or an element of the page."""
    if url.startswith("#"):
        return url[1:] in page.ids
    target = _local(folder, url)
    return target is not None and target.is_file()


def _local(folder: Path, url: str) -> Path | None:
    """The file a relative (or file://) link opens, or None for any other URL."""
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return Path(unquote(parsed.path))
    if parsed.scheme or url.startswith("//"):
        return None
    return folder / unquote(parsed.path)


def _card(zone: str, lang: str = "en") -> dict:
    return BriefCard(
        zone=zone,
        lang=lang,
        rtl=lang == "ar",
        title=zone.title(),
        rate="59%",
        response="10 of 17 National Societies answered (59%).",
        numbers=(
            CardNumber("Health care", "62%", "95% interval: 48–74%", "health"),
            CardNumber("Gaps along the routes", "4", "Needed stage–activity cells: 30.", "gaps"),
        ),
        headlines=("Health care: About 6 in 10 National Societies run this activity.",),
        figure_alt="Dots and bars.",
    ).to_dict()


@pytest.fixture()
def run_folder(tmp_path, demo_dir):
    """A run folder with the files a run leaves: notebooks, figures, tables, briefs."""
    study_dir = tmp_path / "study"
    shutil.copytree(demo_dir, study_dir, ignore=shutil.ignore_patterns("truth"))
    work = tmp_path / "run"
    work.mkdir()
    for name in ("manifest.json", "disclosure.json"):
        (work / name).write_text("{}", encoding="utf-8")
    results, briefs = [], []
    for zone in ("mena", "all"):
        z = work / zone
        (z / "figures").mkdir(parents=True)
        (z / "tables").mkdir()
        (z / "brief_figures").mkdir()
        for stem in ("03_activity_by_zone", "03_route_central_mediterranean", "03_new_chart"):
            (z / "figures" / f"{stem}.png").write_bytes(b"png")
            (z / "figures" / f"{stem}.svg").write_text("<svg/>", encoding="utf-8")
        (z / "tables" / "03_shares.csv").write_text("a\n", encoding="utf-8")
        (z / f"{zone}_tables.xlsx").write_bytes(b"xlsx")
        for name in ("03_activity_mapping.ipynb", "03_activity_mapping.html"):
            (z / name).write_text("x", encoding="utf-8")
        results.append(
            TaskResult(
                zone,
                "03_activity_mapping",
                "ok" if zone == "all" else "failed",
                1.0,
                4 if zone == "mena" else None,
                "" if zone == "all" else "ValueError: boom",
                str(z / "03_activity_mapping.ipynb"),
                str(z / "03_activity_mapping.html"),
            )
        )
        files = {}
        for lang in ("en", "ar"):
            files[lang] = {fmt: f"{zone}/brief.{lang}.{fmt}" for fmt in ("pdf", "docx", "html")} | {
                "thumbnail": f"{zone}/brief_figures/brief.{lang}.figure1.thumb.png"
            }
            for rel in files[lang].values():
                (work / rel).write_bytes(b"x")
        briefs.append(
            BriefResult(
                zone,
                "ok",
                1.0,
                files,
                {lang: _card(zone, lang) for lang in ("en", "ar")},
            )
        )
    return work, run.load_study(study_dir / "study.yaml"), results, briefs


def _write(run_folder, languages=("en", "ar"), **kw):
    work, study, results, briefs = run_folder
    return write_pages(
        work,
        study,
        run_id="20260630T120000-abcdef",
        date=dt.date(2026, 6, 30),
        results=results,
        briefs=briefs,
        zones=["mena", "all"],
        languages=languages,
        disclosure={"audience": "public", "min_cell": 3, "withheld": {"primary": 2}},
        **kw,
    )


def test_landing_page_has_a_card_per_zone_and_links_to_every_brief(run_folder):
    pages, record = _write(run_folder)
    work = run_folder[0]
    assert [p.name for p in pages] == ["index.html", "index.ar.html", "analysts.html"]
    index = (work / "index.html").read_text(encoding="utf-8")
    page = _parse(index)
    assert page.cards == ["zone-mena"]  # the network is the headline, not a card
    assert "What the study found" in page.text and "SYNTHETIC DATA" in page.text
    assert "Health care: About 6 in 10" in page.text  # the network brief's headline
    assert "59%" in page.text and "Gaps along the routes" in page.text
    assert "Reports that failed: 1 of 2." in page.text
    for zone in ("mena", "all"):
        for lang in ("en", "ar"):
            for fmt in ("pdf", "docx", "html"):
                assert f"{zone}/brief.{lang}.{fmt}" in page.links
        assert f"{zone}/brief_figures/brief.en.figure1.thumb.png" in page.sources
    assert "analysts.html" in page.links and "index.ar.html" in page.links
    for url in page.links + page.sources:  # every link opens a file of the run folder
        assert _resolves(work, page, url), url
    assert record.count() == 0


def test_arabic_landing_page_is_right_to_left_and_translated(run_folder):
    _write(run_folder)
    page = _parse((run_folder[0] / "index.ar.html").read_text(encoding="utf-8"))
    assert page.attrs["html"] == {"lang": "ar", "dir": "rtl"}
    assert "ما توصلت إليه الدراسة" in page.text and "للمحللين" in page.text
    assert "What the study found" not in page.text
    assert "mena/brief_figures/brief.ar.figure1.thumb.png" in page.sources


def test_analysts_page_uses_readable_titles(run_folder):
    _, record = _write(run_folder, languages=("fr", "en"))
    html = (run_folder[0] / "analysts.html").read_text(encoding="utf-8")
    page = _parse(html)
    assert page.attrs["html"]["lang"] == "fr"
    assert "Route : Méditerranée centrale" in page.text
    assert "Activités par zone" in page.text and "Parts par activité, étape et groupe" in page.text
    assert "03_route_central_mediterranean" not in page.text  # only in the links
    assert "mena/figures/03_route_central_mediterranean.svg" in page.links
    assert "New chart" in page.text  # a figure the catalogue does not know: its stem, read
    assert [t["text"] for t in record.to_dict()["fr"]["texts"]] == ["03_new_chart"]
    assert "en échec : ValueError: boom" in page.text
    assert "Public visé : grand public" in page.text and "disclosure.json" in page.links
    assert 'href="index.html"' in html  # back to the overview, in the same language
    for url in page.links:
        assert _resolves(run_folder[0], page, url), url


def test_internal_mark_on_both_pages(run_folder):
    _write(run_folder, mark="INTERNAL — not for publication")
    for name in ("index.html", "analysts.html"):
        assert "INTERNAL — not for publication" in (run_folder[0] / name).read_text("utf-8")
    assert "INTERNE — ne pas publier" not in (run_folder[0] / "index.html").read_text("utf-8")


def test_a_failed_brief_is_said_on_its_card(run_folder):
    work, study, results, briefs = run_folder
    briefs[0] = BriefResult("mena", "failed", 1.0, error="InputError: no estimates")
    _write((work, study, results, briefs))
    text = _parse((work / "index.html").read_text(encoding="utf-8")).text
    assert "The brief could not be written: InputError: no estimates" in text


# -- in a real browser --------------------------------------------------------------------------
def _chromium(page: Path, tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            CHROMIUM or "chromium",
            *_QUIET,
            f"--user-data-dir={tmp / 'profile'}",
            *args,
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


def _page_requests(netlog: Path) -> list[str]:
    """Requests a page made beyond its own folder, from Chromium's network log: jobs
    started for a file:// document (the browser's own traffic has another key)."""
    log = json.loads(netlog.read_text(encoding="utf-8"))
    start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    return sorted(
        {
            e["params"]["url"]
            for e in log["events"]
            if e["type"] == start
            and str(e["params"].get("network_isolation_key", "")).startswith("file://")
            and not e["params"]["url"].startswith(("file:", "data:"))
        }
    )


def _need_chromium() -> None:
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: .ci/run installs it (apt-get install chromium)")
        pytest.skip("chromium is not installed (apt-get install chromium)")


@pytest.mark.slow
def test_the_network_log_sees_a_request_to_the_web(tmp_path):
    """The check below can fail: a page with one image on the web is caught."""
    _need_chromium()
    page = tmp_path / "page.html"
    page.write_text('<!DOCTYPE html><img src="https://example.org/x.png">', encoding="utf-8")
    _chromium(page, tmp_path, f"--log-net-log={tmp_path / 'net.json'}", "--dump-dom")
    assert _page_requests(tmp_path / "net.json") == ["https://example.org/x.png"]


@pytest.fixture(scope="module")
def browser_run(tmp_path_factory, demo_dir):
    folder = tmp_path_factory.mktemp("landing")
    shutil.copytree(demo_dir, folder / "study", ignore=shutil.ignore_patterns("truth"))
    path = folder / "study" / "study.yaml"
    cfg = yaml.safe_load(path.read_text(encoding="utf-8"))
    cfg["paths"]["processed"] = str(folder / "processed")
    cfg["paths"]["reports"] = str(folder / "reports")
    path.write_text(yaml.safe_dump(cfg), encoding="utf-8")
    return run.run_study(
        path,
        zones="europe,mena,all",
        notebooks=["01_data_quality", "03_activity_mapping"],
        languages="en,ar",
        jobs=2,
    )


@pytest.mark.slow
@pytest.mark.parametrize(("name", "lang"), [("index.html", "en"), ("index.ar.html", "ar")])
def test_landing_page_in_headless_chromium(browser_run, tmp_path, name, lang):
    _need_chromium()
    assert all(b.status == "ok" for b in browser_run.briefs), browser_run.briefs
    index = browser_run.run_dir / name
    netlog = tmp_path / "net.json"
    dom = _chromium(index, tmp_path, f"--log-net-log={netlog}", "--dump-dom").stdout
    page = _parse(dom)
    assert page.attrs["html"]["lang"] == lang
    assert page.cards == ["zone-europe", "zone-mena"]
    assert "SYNTHETIC" in page.text or "اصطناعية" in page.text
    briefs = [u for u in page.links if re.search(r"/brief\.(en|ar)\.(pdf|docx|html)$", u)]
    assert len(briefs) == 3 * 2 * 3  # three briefs, two languages, three formats
    assert len([s for s in page.sources if s.endswith(".thumb.png")]) == 3
    for url in page.links + page.sources:
        assert _resolves(browser_run.run_dir, page, url), url
    assert _page_requests(netlog) == []
    shot = tmp_path / f"{name}.png"
    _chromium(index, tmp_path, f"--screenshot={shot}", "--window-size=1280,1600")
    assert shot.stat().st_size > 20_000  # a page was drawn, not a blank one
    analysts = browser_run.run_dir / "analysts.html"
    page = _parse(_chromium(analysts, tmp_path, "--dump-dom").stdout)
    assert "Questionnaires returned, by zone" in page.text  # notebook 01's figure
    if list(browser_run.run_dir.glob("*/figures/03_route_*.png")):
        assert "Route: " in page.text and "03_route_" not in page.text
    for url in page.links:
        assert _resolves(browser_run.run_dir, page, url), url
    assert "#zone-mena" in page.links
