"""Self-auditing tests of disclosure control: the demo study run in the public tier is
audited from its published files alone (toolkit.publish.audit_reports), and a person
and a place planted in an interview reach no output."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from toolkit.instrument import load_instrument
from toolkit.publish import audit_reports, item_sensitivity
from toolkit.run import load_study, run_study


def _study(tmp_path: Path, demo_dir: Path, min_cell: int) -> Path:
    folder = tmp_path / "study"
    shutil.copytree(demo_dir, folder, ignore=shutil.ignore_patterns("truth"))
    cfg = yaml.safe_load((folder / "study.yaml").read_text(encoding="utf-8"))
    cfg["disclosure"]["min_cell"] = min_cell
    cfg["paths"]["processed"] = str(tmp_path / "processed")
    cfg["paths"]["reports"] = str(tmp_path / "reports")
    (folder / "study.yaml").write_text(yaml.safe_dump(cfg), encoding="utf-8")
    return folder / "study.yaml"


def _write(path: Path, df: pd.DataFrame, tags: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.concat([pd.DataFrame([tags], columns=df.columns), df.astype(str)]).to_csv(path, index=False)


# -- the auditor catches what it should ----------------------------------------------------
def test_the_auditor_finds_small_cells_and_rebuilds_withheld_ones(tmp_path):
    """A run folder written by hand with the leaks of the issue: a withheld MENA share
    that the all-zones total gives back, a profile per Society of an aggregate activity,
    a one-Society interview zone published and quoted with its Society code."""
    sens = item_sensitivity(load_instrument())
    shares = pd.DataFrame(
        {
            "zone": ["africa", "europe", "mena", "all"],
            "dimension": "activity",
            "code": "detention",
            "label": "Detention visits",
            "estimate": ["0.5", "0.25", "", "0.4"],
            "unadjusted": ["0.5", "0.25", "", "0.4"],
            "n": ["10", "8", "2", "20"],
            "suppression": ["", "", "primary", ""],
        }
    )
    _write(tmp_path / "all" / "tables" / "03_shares.csv", shares, ["#x"] * 8)
    profiles = pd.DataFrame({"iso3": ["AAA", "BBB"], "zone": "mena", "act__detention": ["1", "0"]})
    _write(tmp_path / "mena" / "tables" / "03_society_profiles.csv", profiles, ["#x"] * 3)
    codes = pd.DataFrame(
        {
            "zone": ["mena", "all"],
            "code": "cross_border",
            "n_societies": ["1", "5"],
            "n_interviewed": ["1", "20"],
            "share": ["1.0", "0.25"],
        }
    )
    _write(tmp_path / "mena" / "tables" / "05_code_frequencies.csv", codes, ["#x"] * 5)
    quotes = pd.DataFrame(
        {"code": ["cross_border"], "zone": ["mena"], "ns_iso3": ["QAT"], "quote": ["q"]}
    )
    _write(tmp_path / "mena" / "tables" / "05_quotes.csv", quotes, ["#x"] * 4)
    coverage = pd.DataFrame({"zone": ["mena", "all"], "interviewed": ["1", "20"]})
    _write(tmp_path / "all" / "tables" / "05_interview_coverage.csv", coverage, ["#x"] * 2)
    res = audit_reports(tmp_path, sensitivity=sens, min_cell=3)
    what = " | ".join(f["what"] for f in res.small_base)
    assert "aggregate item act__detention per Society" in what
    assert "code cross_border mena on 1 shown" in what
    assert "quote with a Society code" in what and "quote naming zone mena" in what
    cells = {r["cell"] for r in res.recoverable}
    assert "share / act__detention / mena" in cells  # 8 - 5 - 2 from the total


# -- the demo, audited ------------------------------------------------------------------------
@pytest.mark.slow
def test_public_demo_at_min_cell_11_publishes_no_small_or_recoverable_cell(tmp_path, demo_dir):
    path = _study(tmp_path, demo_dir, 11)
    summary = run_study(path, zones="all", jobs=2)
    assert summary.ok, summary.table().to_string()
    sens = load_study(path).publication().sensitivity
    res = audit_reports(summary.run_dir, sensitivity=sens, min_cell=11)
    assert res.small_base == []
    assert res.recoverable == []
    assert res.withheld["primary"] > 0 and res.withheld["secondary"] > 0
    disclosure = summary.manifest["disclosure"]
    assert disclosure["conflicts"] == [] and disclosure["audience"] == "public"
    tables = {(t["zone"], t["table"]): t for t in disclosure["tables"]}
    assert tables[("all", "03_shares")]["primary"] == 5  # the aggregate items in MENA
    assert tables[("all", "03_shares")]["secondary"] == 5  # and their all-zones shares
    assert tables[("mena", "05_code_frequencies")]["primary"] > 0
    # per-Society tables hold public items only; the Finding sentence states no withheld cell
    profiles = pd.read_csv(summary.run_dir / "all" / "tables" / "03_society_profiles.csv")
    assert not {"act__detention", "act__advocacy", "act__rescue"} & set(profiles.columns)
    assert not (summary.run_dir / "mena" / "tables" / "05_cooccurrence.csv").exists()
    # the programme register (CSV, workbook sheet, HTML table) shows public items only
    register = pd.read_csv(
        summary.run_dir / "all" / "tables" / "06_programme_register.csv", skiprows=[1]
    )
    assert len(register) > 100 and "contact_role" not in register
    aggregate = {"detention", "advocacy", "rescue"}
    assert not register["activities"].str.split().map(lambda c: bool(aggregate & set(c))).any()
    page = (summary.run_dir / "all" / "06_programmes_and_change.html").read_text(encoding="utf-8")
    assert 'class="nsmap-register"' in page and "contact_role" not in page
    # the briefs: no key finding states a cell the tables withhold (every number of a
    # finding equals the published table's, tests/test_run_briefs.py), and none names
    # an aggregate item per Society
    shares = pd.read_csv(summary.run_dir / "all" / "tables" / "03_shares.csv", skiprows=[1])
    shares = shares.set_index(["zone", "dimension", "code"])
    withheld = shares["suppression"].notna() | shares["estimate"].isna()
    assert withheld.sum() >= 10  # the test would prove nothing without withheld cells
    stated = 0
    for entry in summary.manifest["briefs"]["zones"]:
        assert entry["status"] == "ok", entry
        for f in entry["findings"]:
            for zone in filter(None, (f["zone"], f["other_zone"])):
                cell = (zone, f["dimension"], f["code"])
                assert not withheld[cell], (entry["zone"], f)
                stated += 1
    assert stated >= 6 * 3


@pytest.mark.slow
def test_a_planted_person_and_place_reach_no_output(tmp_path, demo_dir):
    path = _study(tmp_path, demo_dir, 3)
    segments = path.parent / "interviews" / "segments.csv"
    with segments.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    base = next(r for r in rows if r["ns_iso3"] == "CIV" and r["coder"] == "coder_a")
    planted = (
        "[S9] Amina Okafor (NS focal point): Dr Chidi Nwosu took the families from "
        "Bawku District to the camp, and Amina Okafor followed them."
    )
    rows.append({**base, "segment": planted})
    with segments.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    summary = run_study(
        path,
        zones="africa,all",
        notebooks=["05_interview_findings"],
        params=["quotes_per_code=100"],
        jobs=2,
    )
    assert summary.ok, summary.table().to_string()
    quotes = pd.read_csv(summary.run_dir / "all" / "tables" / "05_quotes.csv", skiprows=[1])
    assert quotes["quote"].str.contains("took the families from").any()  # it was quoted
    secrets = ("Amina", "Okafor", "Chidi", "Nwosu", "Bawku")
    checked = 0
    for f in summary.run_dir.rglob("*"):
        if f.suffix not in (".csv", ".html", ".txt", ".ipynb", ".svg", ".json", ".xlsx"):
            continue
        if f.suffix == ".xlsx":
            sheets = pd.read_excel(f, sheet_name=None, dtype=str)
            text = " ".join(df.to_csv() for df in sheets.values())
        else:
            text = f.read_text(encoding="utf-8", errors="replace")
        for word in secrets:
            assert word not in text, f"{word} in {f.relative_to(summary.run_dir)}"
        checked += 1
    assert checked > 10
    assert list(summary.run_dir.rglob("*.alt.txt"))
