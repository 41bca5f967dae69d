"""What a run leaves behind besides the executed notebooks.

Per zone an XLSX workbook of the zone's tables; for the run ``manifest.json``
(inputs with their SHA-256, versions, git commit, timings, parameters) and
``index.html``; in the reports folder the ``latest`` pointer to the newest run.
Every file is written under a temporary name and renamed into place.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import uuid
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from toolkit import __version__
from toolkit.ingest import file_sha256
from toolkit.run._execute import KERNEL_NAME
from toolkit.run._notebooks import ALL_ZONES
from toolkit.run._study import Study

if TYPE_CHECKING:
    from toolkit.run._runner import RunSummary

_PACKAGES = (
    "nsmap-toolkit",
    "numpy",
    "pandas",
    "scipy",
    "statsmodels",
    "matplotlib",
    "seaborn",
    "papermill",
    "nbformat",
    "nbconvert",
    "ipykernel",
    "pyarrow",
    "openpyxl",
    "pyxform",
)


def _zone_workbook(zone_dir: Path, zone: str, study: Study, mark: str = "") -> Path | None:
    """One XLSX workbook per zone: a README sheet and one sheet per CSV table.

    ``mark`` (an internal run) heads the README sheet and is repeated in its note.
    """
    tables = sorted((zone_dir / "tables").glob("*.csv")) if (zone_dir / "tables").is_dir() else []
    if not tables:
        return None
    path = zone_dir / f"{zone}_tables.xlsx"
    tmp = zone_dir / f".{zone}_tables.tmp.xlsx"
    min_cell = study.config["disclosure"]["min_cell"]
    tier = (
        f"{mark}: per-Society detail of every item, nothing withheld."
        if mark
        else "public: answers marked 'aggregate' in the questionnaire and everything "
        "from interviews are shown only by group, and groups of fewer than "
        f"{min_cell} Societies are withheld and marked, with the cells that would "
        "reveal them."
    )
    readme = pd.DataFrame(
        {
            "item": [
                *(["marking"] if mark else []),
                "study",
                "zone",
                "synthetic",
                "audience",
                "tables",
                "note",
            ],
            "value": [
                *([mark] if mark else []),
                study.name,
                zone,
                str(bool(study.config["study"].get("synthetic"))),
                tier,
                ", ".join(t.stem for t in tables),
                "One sheet per table; the same tables are in tables/ "
                "as CSV. The row under each header holds HXL hashtags "
                "(hxlstandard.org) for the Humanitarian Data Exchange."
                + (f" {mark}." if mark else ""),
            ],
        }
    )
    used: set[str] = set()
    with pd.ExcelWriter(tmp, engine="openpyxl") as xl:
        readme.to_excel(xl, sheet_name="README", index=False)
        for t in tables:
            df = pd.read_csv(t, dtype=str, keep_default_na=False)
            name = t.stem[:31]
            k = 1
            while name in used:
                k += 1
                name = f"{t.stem[:28]}_{k}"
            used.add(name)
            df.to_excel(xl, sheet_name=name, index=False)
    os.replace(tmp, path)
    return path


def _git_commit() -> str | None:
    root = Path(__file__).resolve().parents[2]
    if not (root / ".git").exists():
        return None
    try:
        out = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--", "toolkit", "notebooks"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    commit = out.stdout.strip() or None
    return f"{commit}+dirty" if commit and dirty.stdout.strip() else commit


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for pkg in _PACKAGES:
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    out["nsmap-toolkit"] = __version__
    return out


def _manifest(
    study: Study,
    summary: RunSummary,
    tasks: list[tuple[Path, str, dict[str, Any]]],
    started: dt.datetime,
    seconds: float,
    ingest_seconds: float,
    jobs: int,
) -> dict[str, Any]:
    from toolkit.frame import bundled_frame_path
    from toolkit.instrument import bundled_instrument_path

    inputs = {}
    for f in study.input_files():
        inputs[str(f)] = file_sha256(f)
    for f in (bundled_frame_path(), bundled_instrument_path()):
        inputs.setdefault(str(f), file_sha256(f))
    return {
        "run_id": summary.run_id,
        "study": study.name,
        "study_file": str(study.path),
        "synthetic": bool(study.config["study"].get("synthetic")),
        "started": started.isoformat(timespec="seconds"),
        "seconds": round(seconds, 2),
        "ingest_seconds": ingest_seconds,
        "jobs": jobs,
        "kernel": KERNEL_NAME,
        "git_commit": _git_commit(),
        "versions": _versions(),
        "inputs_sha256": inputs,
        "analytical_database": str(study.processed),
        "notebooks": [
            {
                "notebook": r.notebook,
                "zone": r.zone,
                "status": r.status,
                "seconds": r.seconds,
                "failing_cell": r.failing_cell,
                "error": r.error,
                "parameters": next(
                    (v for nb, z, v in tasks if nb.stem == r.notebook and z == r.zone), {}
                ),
            }
            for r in summary.results
        ],
    }


def _write_json(path: Path, data: Mapping[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=2, default=str), encoding="utf-8")
    os.replace(tmp, path)


def _write_index(
    work: Path, summary: RunSummary, study: Study, zones: list[str], mark: str = ""
) -> None:
    from html import escape

    rows = []
    for zone in zones:
        zdir = work / zone
        links = []
        for r in (r for r in summary.results if r.zone == zone):
            name = Path(r.output).name if r.output else ""
            html = f"{zone}/{Path(r.html).name}" if r.html else ""
            label = escape(r.notebook)
            if r.status == "skipped":
                links.append(f"<li>{label}: skipped ({escape(r.error)})</li>")
                continue
            status = (
                ""
                if r.status == "ok"
                else f' <strong class="failed">failed: {escape(r.error)}</strong>'
            )
            links.append(
                f'<li><a href="{escape(html)}">{label}</a> '
                f'(<a href="{escape(zone)}/{escape(name)}">notebook</a>){status}</li>'
            )
        figs = sorted((zdir / "figures").glob("*.png")) if (zdir / "figures").is_dir() else []
        tabs = sorted((zdir / "tables").glob("*.csv")) if (zdir / "tables").is_dir() else []
        xlsx = sorted(zdir.glob("*_tables.xlsx"))
        fig_links = (
            " · ".join(
                f'<a href="{zone}/figures/{escape(f.name)}">{escape(f.stem)}</a>'
                f' (<a href="{zone}/figures/{escape(f.stem)}.svg">svg</a>)'
                for f in figs
            )
            or "none"
        )
        tab_links = (
            " · ".join(
                f'<a href="{zone}/tables/{escape(t.name)}">{escape(t.stem)}</a>' for t in tabs
            )
            or "none"
        )
        book = "".join(
            f' · workbook: <a href="{zone}/{escape(x.name)}">{escape(x.name)}</a>' for x in xlsx
        )
        title = "All zones" if zone == ALL_ZONES else zone.replace("_", " ").title()
        rows.append(
            f"<section><h2>{escape(title)}</h2><ul>{''.join(links)}</ul>"
            f"<p><b>Figures:</b> {fig_links}</p><p><b>Tables:</b> {tab_links}{book}"
            f"</p></section>"
        )
    banner = (
        '<p class="synthetic">SYNTHETIC DATA: this run uses generated demo data, '
        "not real National Society data.</p>"
        if study.config["study"].get("synthetic")
        else ""
    )
    if mark:
        banner = f'<h2 class="internal">{escape(mark)}</h2>' + banner
    failed = sum(r.status == "failed" for r in summary.results)
    html = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(mark) + ": " if mark else ""}{escape(study.name)}: run {summary.run_id}</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto;line-height:1.4}}
.synthetic{{background:#fde9c8;padding:.5em;border-left:4px solid #e69f00}}
.failed{{color:#b00}}.internal{{background:#f8d7da;padding:.5em;border-left:4px solid #b00}}</style></head><body>
<h1>{escape(study.name)}{" — " + escape(mark) if mark else ""}</h1>{banner}
<p>Run <code>{summary.run_id}</code>: {len(summary.results)} notebooks, {failed} failed.
See <a href="manifest.json">manifest.json</a> for inputs (SHA-256), versions and timings.</p>
{_audience_line(summary.manifest.get("disclosure", {}))}
{"".join(rows)}
</body></html>
"""
    (work / "index.html").write_text(html, encoding="utf-8")


def _audience_line(disclosure: Mapping[str, Any]) -> str:
    """One paragraph of the index on the run's audience and what it withheld."""
    from html import escape

    if not disclosure:
        return ""
    if disclosure.get("mark"):
        return (
            f"<p><b>Audience: internal.</b> {escape(disclosure['mark'])}: per-Society detail "
            "of every item, nothing withheld.</p>"
        )
    withheld = disclosure.get("withheld", {})
    return (
        "<p><b>Audience: public.</b> Answers published only in aggregate and everything "
        "from the interviews are shown by group only; groups of fewer than "
        f"{int(disclosure.get('min_cell', 0))} Societies are withheld with the cells that "
        f"would reveal them ({int(withheld.get('primary', 0))} primary and "
        f"{int(withheld.get('secondary', 0))} complementary cells over all tables; see "
        '<a href="disclosure.json">disclosure.json</a>).</p>'
    )


def _point_latest(reports: Path, run_id: str) -> None:
    link = reports / "latest"
    tmp = reports / f".latest.{uuid.uuid4().hex[:6]}"
    try:
        os.symlink(run_id, tmp, target_is_directory=True)
        os.replace(tmp, link)
    except OSError:  # no symlinks (e.g. Windows without developer mode)
        if tmp.is_symlink():
            tmp.unlink()
        if link.is_dir() and not link.is_symlink():
            shutil.rmtree(link, ignore_errors=True)
        _atomic_text(reports / "LATEST", run_id + "\n")


def _atomic_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
