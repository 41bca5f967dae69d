"""What a run leaves behind besides the executed notebooks.

Per zone an XLSX workbook of the zone's tables; for the run ``manifest.json``
(inputs with their SHA-256, versions, git commit, timings, parameters); in the reports
folder the ``latest`` pointer to the newest run.  The run's pages are written by
:mod:`toolkit.run._landing`.
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
from toolkit.publish import is_register_table, style_register_sheet
from toolkit.run._execute import KERNEL_NAME
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
    "babel",
    "typst",
    "python-docx",
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
            if is_register_table(t.stem):  # the programme register: a filterable sheet
                style_register_sheet(xl.sheets[name])
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
                "reused": r.reused,
                "reused_from": r.reused_from or None,
                "key": r.key or None,
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
