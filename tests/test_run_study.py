"""Tests of toolkit.run: study.yaml validation and the ingestion step."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from toolkit.errors import StudyConfigError, ToolkitError
from toolkit.run import load_study, process_study


def _study(tmp_path: Path, demo_dir: Path, **changes) -> Path:
    folder = tmp_path / "study"
    shutil.copytree(demo_dir, folder, ignore=shutil.ignore_patterns("truth"))
    cfg = yaml.safe_load((folder / "study.yaml").read_text(encoding="utf-8"))
    for dotted, value in changes.items():
        node = cfg
        keys = dotted.split("__")
        for k in keys[:-1]:
            node = node.setdefault(k, {})
        if value is ...:
            node.pop(keys[-1], None)
        else:
            node[keys[-1]] = value
    cfg["paths"]["processed"] = "processed"
    cfg["paths"]["reports"] = "reports"
    (folder / "study.yaml").write_text(yaml.safe_dump(cfg), encoding="utf-8")
    return folder / "study.yaml"


def test_demo_study_is_valid(demo_dir):
    study = load_study(demo_dir)
    assert study.zones == ["africa", "americas", "asia_pacific", "europe", "mena"]
    assert all(p.exists() and p.is_absolute() for p in study.exports)
    assert study.config["disclosure"]["min_cell"] == 3
    assert study.config["study"]["synthetic"] is True
    assert [(r["label"], r["year"]) for r in study.config["rounds"]] == [("2024", 2024)]


@pytest.mark.parametrize(
    "changes, match",
    [
        ({"study__nmae": "x"}, "unknown key 'study.nmae'.*did you mean 'study.name'"),
        ({"zones": ["africa", "europa"]}, "unknown zone 'europa'.*did you mean 'europe'"),
        ({"study__year": "2026"}, "'study.year' must be a whole number"),
        ({"study__name": ...}, "required key 'study.name' is missing"),
        ({"paths__exports": ["exports/missing.csv"]}, r"paths.exports\[1\].*does not exist"),
        ({"weighting__method": "magic"}, "unknown weighting method"),
        ({"disclosure__min_cell": 0}, "at least 1"),
        ({"disclosure__min_cell": True}, "must be a whole number"),
        ({"paths__interviews__segments": "x.csv"}, "must be a list"),
        ({"publication__audience": "press"}, "unknown audience 'press'"),
        (
            {"publication__items": {"activity__advocasy": "public"}},
            "unknown item 'activity__advocasy'.*did you mean 'activity__advocacy'",
        ),
        ({"publication__items": {"comments": "open"}}, "disclosure of item 'comments' is 'open'"),
        ({"publication__audiences": "public"}, "unknown key 'publication.audiences'"),
        ({"rounds": "2024"}, "'rounds' must be a list"),
        (
            {"rounds": [{"year": 2024, "exprots": ["x.csv"]}]},
            r"unknown key 'rounds\[1\].exprots'.*did you mean 'rounds\[1\].exports'",
        ),
        ({"rounds": [{"year": 2030, "database": "x"}]}, "not before the study's year"),
    ],
)
def test_bad_configuration_names_the_key(tmp_path, demo_dir, changes, match):
    path = _study(tmp_path, demo_dir, **changes)
    with pytest.raises(StudyConfigError, match=match) as err:
        load_study(path)
    assert "study.yaml" in str(err.value) and "What to do" in str(err.value)


def test_publication_defaults_and_overrides(tmp_path, demo_dir):
    study = load_study(demo_dir)
    assert study.audience == "public" and study.config["publication"]["items"] is None
    pub = study.publication()
    assert pub.audience == "public" and pub.min_cell == 3
    assert pub.sensitivity.is_aggregate("act__advocacy")
    path = _study(
        tmp_path,
        demo_dir,
        publication__audience="internal",
        publication__items={"activity__advocacy": "public"},
    )
    study = load_study(path)
    assert study.audience == "internal" and study.publication().internal
    assert not study.publication().sensitivity.is_aggregate("act__advocacy")
    assert study.publication("public").audience == "public"


def test_not_yaml(tmp_path):
    p = tmp_path / "study.yaml"
    p.write_text("study: [unclosed\n", encoding="utf-8")
    with pytest.raises(StudyConfigError, match="not valid YAML"):
        load_study(p)


def test_process_study_writes_the_database(tmp_path, demo_dir):
    from toolkit.store import read_store

    study = load_study(_study(tmp_path, demo_dir))
    result, where = process_study(study)
    db = read_store(where)
    assert set(db.tables) == {
        "societies",
        "responses",
        "activities",
        "dispositions",
        "validation_issues",
        "quarantine",
        "profiles",
        "shares",  # the estimates before disclosure control, for the reports
        "estimates",
        "responses__programme",  # the programme repeat group
        "programmes",  # the programme register
        "programme_partners",
        "rounds",  # the demo names its 2024 round
        "round_responses",
        "round_programmes",
        "programme_changes",
        "activity_change",
    }
    est = db["estimates"]
    assert set(est["zone"]) == {"africa", "americas", "asia_pacific", "europe", "mena", "all"}
    assert {"display", "suppression", "bound_low", "bound_high"} <= set(est.columns)
    assert "estimates_error" not in db.manifest
    shares = db["shares"]  # the same cells as the estimates, before suppression
    assert (
        len(shares) == len(est)
        and shares["estimate"].notna().sum() >= est["estimate"].notna().sum()
    )
    assert db.manifest["shares_settings"] == {
        "unit": "ns_iso3",
        "classes": list(study.config["weighting"]["classes"]),
        "method": study.weighting_method,
        "level": 0.95,
    }
    assert len(db["societies"]) == 193
    assert db["societies"]["responded"].sum() == len(result.data)
    assert db.manifest["reconciles"] is True
    assert db.manifest["rows_in"] == db.manifest["accepted"] + db.manifest["quarantined"]


def test_zone_office_study_of_one_zone(tmp_path, demo_dir):
    """A zone office's study (zones: [europe]) estimates its zone only, without failing
    on the zones it does not cover."""
    from toolkit.run import open_report
    from toolkit.store import read_store

    study = load_study(_study(tmp_path, demo_dir, zones=["europe"]))
    _, where = process_study(study)
    db = read_store(where)
    assert set(db["estimates"]["zone"]) == {"europe", "all"}
    assert set(db["profiles"]["zone"].astype(str)) == {"europe"}
    report = open_report(study.path, "europe")
    assert report.facts()["population"] == 54
    assert report.facts("all")["n"] == report.facts()["n"] == 37


def test_study_society_names_extend_the_crosswalk(tmp_path, demo_dir):
    """``paths.society_names``: a study's own way of writing a Society (here a zone
    office's nickname) is matched through the CSV it names; without it the same row is
    quarantined with the reason, never silently dropped."""
    folder = tmp_path / "names"
    yaml_path = _study(folder, demo_dir, paths__society_names="society_names.csv")
    root = yaml_path.parent
    (root / "society_names.csv").write_text(
        "iso3,kind,language,variant,source\nMWI,society_name,en,Malawi RC (Lilongwe HQ),zone office\n",
        encoding="utf-8",
    )
    export = root / "exports" / "kobo_export_2026-05-04.csv"
    text = export.read_text(encoding="utf-8")
    assert text.count(";MWI;") == 1
    export.write_text(text.replace(";MWI;", ";Malawi RC (Lilongwe HQ);"), encoding="utf-8")
    with_names, _ = process_study(load_study(yaml_path))
    assert "MWI" in set(with_names.data["ns_iso3"])
    cfg = yaml.safe_load(yaml_path.read_text(encoding="utf-8"))
    del cfg["paths"]["society_names"]
    yaml_path.write_text(yaml.safe_dump(cfg), encoding="utf-8")
    without, _ = process_study(load_study(yaml_path))
    assert "MWI" not in set(without.data["ns_iso3"])
    assert without.reconciles()
    assert len(without.quarantine) == len(with_names.quarantine) + 1
    assert "Malawi RC (Lilongwe HQ)" in without.quarantine.to_string()


def test_study_society_names_with_an_unknown_kind_is_refused(tmp_path, demo_dir):
    yaml_path = _study(tmp_path, demo_dir, paths__society_names="names.csv")
    (yaml_path.parent / "names.csv").write_text(
        "iso3,kind,language,variant,source\nMWI,nickname,en,Malawi RC,zone office\n",
        encoding="utf-8",
    )
    with pytest.raises(ToolkitError, match="unknown kind") as err:
        process_study(load_study(yaml_path))
    assert "nickname" in str(err.value) and "society_name" in str(err.value)
