"""Branch-level surveys: 165,000 local branches, each belonging to a Society.

For benchmarks and for studies whose unit is the branch (``branch_code``), with the
Society as the cluster.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from toolkit.frame import load_frame
from toolkit.instrument import load_instrument
from toolkit.synth._files import _atomic_csv, _atomic_text
from toolkit.synth._study import SYNTHETIC_LABEL, SyntheticStudy
from toolkit.synth._truth import _ACT_MODEL, _ZONE_RESPONSE, _sigmoid

__all__ = ["make_branch_export", "make_branch_study", "write_branch_instrument"]


def write_branch_instrument(path: str | Path) -> Path:
    """Write the XLSForm of the synthetic branch-level survey.

    The branch form reuses the study codebook's activity list and adds ``branch_code``
    as the unit key; ``ns_iso3`` identifies the Society (the cluster).
    """
    from openpyxl import Workbook

    inst = load_instrument()
    wb = Workbook()
    ws = wb.active
    ws.title = "survey"
    ws.append(["type", "name", "label", "required", "constraint"])
    ws.append(["text", "branch_code", "Branch code", "yes", ""])
    ws.append(["select_one ns", "ns_iso3", "National Society", "yes", ""])
    ws.append(["date", "report_date", "Date of report", "yes", ""])
    ws.append(["select_multiple activity", "activities", "Activities for migrants", "", ""])
    ws.append(["integer", "people_reached", "People reached", "", ". >= 0 and . <= 1000000"])
    ws.append(
        ["integer", "volunteers_migration", "Volunteers on migration", "", ". >= 0 and . <= 10000"]
    )
    ch = wb.create_sheet("choices")
    ch.append(["list_name", "name", "label"])
    for lst in ("activity", "ns"):
        for code, label in inst.choice_labels(lst).items():
            ch.append([lst, code, label])
    st = wb.create_sheet("settings")
    st.append(["form_title", "form_id", "version"])
    st.append(["Branch survey (SYNTHETIC)", "nsmap_branch", "2026.1"])
    path = Path(path)
    wb.properties.created = wb.properties.modified = dt.datetime(2026, 1, 1)
    wb.save(path)
    return path


def make_branch_export(
    path: str | Path, *, n_branches: int = 165_000, seed: int = 7, frame: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Write a synthetic branch-level Kobo CSV export and return its ground truth.

    Parameters
    ----------
    path : str or Path
        CSV file to write (semicolon separated, XML names, option columns).
    n_branches : int, default 165000
        Number of local branches, spread over Societies by population band.
    seed : int, default 7
    frame : pandas.DataFrame, optional

    Returns
    -------
    pandas.DataFrame
        Ground truth per branch: ``branch_code``, ``ns_iso3``, ``zone``,
        ``activities__<a>`` and ``people_reached``.
    """
    rng = np.random.default_rng(seed)
    frame = load_frame() if frame is None else frame
    inst = load_instrument()
    codes = [c for c in inst.choice_names("activity") if c != "other"]
    weight = (
        frame["population_band"]
        .astype(str)
        .map({"lt1m": 1, "1m_10m": 4, "10m_50m": 12, "50m_plus": 40})
        .to_numpy(dtype=float)
    )
    counts = rng.multinomial(n_branches - len(frame), weight / weight.sum()) + 1
    iso = np.repeat(frame["iso3"].astype(str).to_numpy(), counts)
    zone = np.repeat(frame["zone"].astype(str).to_numpy(), counts)
    seq = np.concatenate([np.arange(1, c + 1) for c in counts])
    branch = np.char.add(np.char.add(iso.astype("U3"), "-"), np.char.zfill(seq.astype("U6"), 5))
    n = len(iso)
    soc_effect = np.repeat(rng.normal(0, 0.8, len(frame)), counts)
    truth = pd.DataFrame({"branch_code": branch, "ns_iso3": iso, "zone": zone})
    acts = np.zeros((n, len(codes)), dtype=np.int8)
    for j, a in enumerate(codes):
        base = _ACT_MODEL.get(a, (-0.5, {}))[0] - 1.0
        acts[:, j] = rng.random(n) < _sigmoid(base + soc_effect)
        truth[f"activities__{a}"] = acts[:, j]
    reached = np.round(np.exp(rng.normal(4 + soc_effect, 1.0))).astype(int)
    truth["people_reached"] = reached
    days = rng.integers(0, 90, n)
    dates = (np.datetime64("2026-03-01") + days).astype(str)
    summary = np.full(n, "", dtype=object)
    for j, a in enumerate(codes):
        summary = np.where(acts[:, j] == 1, np.where(summary == "", a, summary + " " + a), summary)
    export = pd.DataFrame(
        {
            "branch_code": branch,
            "ns_iso3": iso,
            "report_date": dates,
            "activities": summary,
        }
    )
    for j, a in enumerate(codes):
        export[f"activities/{a}"] = acts[:, j]
    export["people_reached"] = reached
    export["volunteers_migration"] = rng.integers(0, 200, n)
    export["_id"] = np.arange(1, n + 1)
    export["_submission_time"] = (
        np.datetime64("2026-06-01T08:00:00")
        + rng.integers(0, 86400 * 30, n).astype("timedelta64[s]")
    ).astype(str)
    _atomic_csv(export, Path(path), sep=";")
    return truth


def make_branch_study(
    directory: str | Path, *, n_branches: int = 165_000, seed: int = 7, respond: float = 0.55
) -> SyntheticStudy:
    """Generate a synthetic branch-level study folder (unit: ``branch_code``).

    Every branch of a responding Society is in the export; Societies respond with a
    probability depending on their zone (about ``respond`` overall), so the study has
    Society-level non-response and Societies as clusters of branches.

    Returns
    -------
    SyntheticStudy
    """
    out = Path(directory)
    (out / "exports").mkdir(parents=True, exist_ok=True)
    (out / "truth").mkdir(exist_ok=True)
    form = write_branch_instrument(out / "branch_instrument.xlsx")
    frame = load_frame()
    rng = np.random.default_rng(seed)
    lin = np.log(respond / (1 - respond)) + np.array(
        [_ZONE_RESPONSE[str(z)] for z in frame["zone"]]
    )
    responding = set(frame.loc[rng.random(len(frame)) < _sigmoid(lin), "iso3"].astype(str))
    tmp = out / "exports" / ".all_branches.csv"
    truth = make_branch_export(tmp, n_branches=n_branches, seed=seed, frame=frame)
    export = pd.read_csv(tmp, sep=";", dtype=str, keep_default_na=False)
    tmp.unlink()
    export_path = out / "exports" / "branch_export.csv"
    _atomic_csv(export[export["ns_iso3"].isin(responding)], export_path, sep=";")
    truth["responded"] = truth["ns_iso3"].isin(responding)
    truth_path = out / "truth" / "branch_truth.csv"
    _atomic_csv(truth, truth_path, sep=",")
    config = {
        "study": {
            "name": "Branch-level mapping (SYNTHETIC)",
            "year": 2026,
            "synthetic": True,
            "description": SYNTHETIC_LABEL,
        },
        "paths": {
            "frame": None,
            "instrument": form.name,
            "exports": [str(export_path.relative_to(out))],
            "processed": "processed",
            "reports": "reports",
        },
        "unit": "branch_code",
        "zones": ["africa", "americas", "asia_pacific", "europe", "mena"],
        "weighting": {"method": "class", "classes": ["zone"]},
        "disclosure": {"min_cell": 3},
        "privacy": {"key_env": "NSMAP_PSEUDONYM_KEY"},
    }
    study_yaml = out / "study.yaml"
    _atomic_text(
        study_yaml, "# " + SYNTHETIC_LABEL + "\n" + yaml.safe_dump(config, sort_keys=False)
    )
    return SyntheticStudy(out, study_yaml, (export_path,), truth_path, ())
