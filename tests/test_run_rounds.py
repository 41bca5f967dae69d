"""Tests of toolkit.run's earlier rounds: ``rounds:`` of study.yaml, the crosswalk of an
older form (2007-style categories not comparable unless mapped), earlier databases,
the round tables of the analytical database and what the notebook shows."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import yaml

from toolkit.errors import InputError, StudyConfigError
from toolkit.instrument import read_xlsform
from toolkit.run import check_rounds, load_round, load_study
from toolkit.run._round_crosswalk import RoundCrosswalk, read_round_crosswalk
from toolkit.store import write_store


# -- rounds: in study.yaml -----------------------------------------------------------------
@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    (tmp_path / "old.csv").write_text("x\n1\n", encoding="utf-8")
    (tmp_path / "db").mkdir()
    return tmp_path


@pytest.mark.parametrize(
    "item, match",
    [
        (
            {"year": 2024, "exprots": ["old.csv"]},
            r"unknown key 'rounds\[1\].exprots'.*did you mean 'rounds\[1\].exports'",
        ),
        ({"exports": ["old.csv"]}, r"'rounds\[1\].year' must be a whole number"),
        ({"year": "2024", "exports": ["old.csv"]}, "must be a whole number"),
        ({"year": 2026, "exports": ["old.csv"]}, "not before the study's year 2026"),
        ({"year": 2024}, "needs either 'database' or 'exports'.*neither"),
        ({"year": 2024, "database": "db", "exports": ["old.csv"]}, "not both"),
        ({"year": 2024, "exports": "old.csv"}, r"'rounds\[1\].exports' must be a list"),
        ({"year": 2024, "exports": ["missing.csv"]}, r"rounds\[1\].exports\[1\].*does not exist"),
        (
            {"year": 2024, "exports": ["old.csv"], "form": "f.xlsx"},
            r"rounds\[1\].form.*does not exist",
        ),
        ("2024", r"'rounds\[1\]' must be a mapping"),
    ],
)
def test_bad_rounds_name_the_key(folder, item, match):
    with pytest.raises(StudyConfigError, match=match) as err:
        check_rounds([item], root=folder, path=folder / "study.yaml", year=2026)
    assert err.value.column.startswith("rounds[1]")


def test_rounds_are_resolved_sorted_and_unique(folder):
    out = check_rounds(
        [
            {"year": 2024, "exports": ["old.csv"]},
            {"year": 2009, "label": "2009 questionnaire", "database": "db"},
        ],
        root=folder,
        path=folder / "study.yaml",
        year=2026,
    )
    assert [r["label"] for r in out] == ["2009 questionnaire", "2024"]
    assert out[1]["exports"] == [str((folder / "old.csv").resolve())]
    assert out[1]["files"] == out[1]["exports"]
    with pytest.raises(StudyConfigError, match="two rounds have the year 2024"):
        check_rounds(
            [{"year": 2024, "exports": ["old.csv"]}, {"year": 2024, "database": "db"}],
            root=folder,
            path=folder / "s.yaml",
            year=2026,
        )


# -- an older form and its crosswalk -------------------------------------------------------
def _form_2007(path: Path) -> Path:
    """A 2007-style form: the Society as ``ns_code`` and loosely defined ``services``."""
    wb = openpyxl.Workbook()
    survey = wb.active
    survey.title = "survey"
    survey.append(["type", "name", "label"])
    survey.append(["select_one country", "ns_code", "National Society"])
    survey.append(["select_one yn", "any_programme", "Any programme for migrants?"])
    survey.append(["select_multiple services", "services", "Services provided"])
    choices = wb.create_sheet("choices")
    choices.append(["list_name", "name", "label"])
    for code in ("AFG", "ALB", "DZA", "AGO", "ARG"):
        choices.append(["country", code, code])
    choices.append(["yn", "yes", "Yes"])
    choices.append(["yn", "no", "No"])
    for code, label in (
        ("health", "Health (any)"),
        ("family_links", "Tracing"),
        ("assistance", "Assistance"),
        ("other", "Other"),
    ):
        choices.append(["services", code, label])
    settings = wb.create_sheet("settings")
    settings.append(["form_title", "form_id", "version"])
    settings.append(["Migration questionnaire 2007", "migration_2007", "1"])
    wb.save(path)
    return path


def _crosswalk(path: Path, rows: list[tuple[str, str]]) -> Path:
    pd.DataFrame(rows, columns=["old", "new"]).to_csv(path, index=False)
    return path


def test_crosswalk_maps_only_what_it_says(tmp_path, instrument):
    old = read_xlsform(_form_2007(tmp_path / "form.xlsx"))
    cw = read_round_crosswalk(
        _crosswalk(
            tmp_path / "cw.csv",
            [
                ("ns_code", "ns_iso3"),
                ("any_programme", "has_migration_programme"),
                ("services__family_links", "activities__rfl"),
                ("services__assistance", ""),  # no equivalent today: recorded, not used
            ],
        ),
        earlier=old,
        today=instrument,
    )
    assert cw.old_name("ns_iso3") == "ns_code" and cw.dropped == ("services__assistance",)
    data = pd.DataFrame(
        {
            "ns_code": ["AFG", "ALB", "DZA"],
            "any_programme": ["yes", "yes", "no"],
            "services__health": [1, 0, 0],  # a name that matches today's code: not mapped
            "services__family_links": [1, 1, 0],
            "services__assistance": [1, 0, 0],
        }
    )
    out, comparable = cw.apply(data, ["rfl", "health", "cash"])
    assert comparable == ["rfl"]
    assert out["activities__rfl"].tolist() == [1, 1, 0]
    assert out["activities__health"].isna().all() and out["activities__cash"].isna().all()
    assert out["ns_iso3"].tolist() == ["AFG", "ALB", "DZA"]
    assert out["has_migration_programme"].tolist() == ["yes", "yes", "no"]
    assert out["activities"].tolist() == ["rfl", "rfl", ""]
    # a question row makes the old question today's: same-named choices compare
    whole = RoundCrosswalk(questions={"services": "activities"})
    out2, comparable2 = whole.apply(data, ["rfl", "health", "cash"])
    assert comparable2 == ["health"] and out2["activities__health"].tolist() == [1, 0, 0]
    # no crosswalk: names are taken as today's
    same = pd.DataFrame({"ns_iso3": ["AFG"], "activities__cash": [1]})
    _, comparable3 = RoundCrosswalk().apply(same, ["rfl", "cash"], crosswalk_given=False)
    assert comparable3 == ["cash"]


@pytest.mark.parametrize(
    "rows, column, match",
    [
        ([("services__helth", "activities__health")], "old", "Did you mean 'services__health'"),
        ([("services__health", "activities__helth")], "new", "Did you mean 'activities__health'"),
        ([("services", "activities__health")], "new", "a question must map to a question"),
        ([("ns_code", "ns_iso3"), ("ns_code", "has_migration_programme")], "old", "already mapped"),
    ],
)
def test_bad_crosswalk_rows_are_named(tmp_path, instrument, rows, column, match):
    old = read_xlsform(_form_2007(tmp_path / "form.xlsx"))
    with pytest.raises(InputError, match=match) as err:
        read_round_crosswalk(_crosswalk(tmp_path / "cw.csv", rows), earlier=old, today=instrument)
    assert err.value.column == column and err.value.row == len(rows) + 1


def _study_with(tmp_path: Path, demo_dir: Path, rounds: list[dict]) -> Path:
    cfg = yaml.safe_load((demo_dir / "study.yaml").read_text(encoding="utf-8"))
    cfg["paths"]["exports"] = [str((demo_dir / p).resolve()) for p in cfg["paths"]["exports"]]
    cfg["paths"].pop("interviews")
    cfg["paths"]["processed"] = str(tmp_path / "processed")
    cfg["paths"]["reports"] = str(tmp_path / "reports")
    cfg["rounds"] = rounds
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(cfg), encoding="utf-8")
    return path


def test_a_2007_round_read_through_its_form_and_crosswalk(tmp_path, demo_dir):
    _form_2007(tmp_path / "form_2007.xlsx")
    _crosswalk(
        tmp_path / "cw.csv",
        [
            ("ns_code", "ns_iso3"),
            ("any_programme", "has_migration_programme"),
            ("services__family_links", "activities__rfl"),
            ("services__health", "activities__health"),
        ],
    )
    pd.DataFrame(
        {
            "ns_code": ["AFG", "ALB", "DZA", "XKX"],
            "any_programme": ["yes", "yes", "no", "yes"],
            "services": ["health family_links", "assistance", "", "health"],
        }
    ).to_csv(tmp_path / "returns_2007.csv", index=False)
    path = _study_with(
        tmp_path,
        demo_dir,
        [
            {
                "year": 2007,
                "label": "2007 questionnaire",
                "exports": ["returns_2007.csv"],
                "form": "form_2007.xlsx",
                "crosswalk": "cw.csv",
            }
        ],
    )
    study = load_study(path)
    r = load_round(study, study.config["rounds"][0])
    assert (r.label, r.year, r.source) == ("2007 questionnaire", 2007, "exports")
    assert r.comparable == ("rfl", "health") and not r.has_programme_list
    assert r.quarantined == 1  # XKX is not in the frame
    resp = r.responses.set_index("ns_iso3")
    assert resp.loc["AFG", ["activities__rfl", "activities__health"]].tolist() == [1, 1]
    assert resp.loc["ALB", ["activities__rfl", "activities__health"]].tolist() == [0, 0]
    assert resp.loc["DZA", "activities__rfl"] == 0  # "no programme" runs none
    assert resp["activities__cash"].isna().all()  # not comparable: never a 0
    assert r.programmes.empty
    assert str(tmp_path / "cw.csv") in {str(f) for f in study.input_files()}


def test_an_earlier_database_as_a_round(tmp_path, demo_dir, instrument):
    codes = ["rfl", "health"]
    responses = pd.DataFrame(
        {
            "ns_iso3": ["AFG", "ALB"],
            "has_migration_programme": ["yes", "yes"],
            **{f"activities__{c}": pd.array([1, 0], dtype="Int8") for c in codes},
        }
    )
    programmes = pd.DataFrame(
        {"programme_id": ["AFG-health-desk"], "ns_iso3": ["AFG"], "zone": ["asia_pacific"]}
    )
    db = write_store(
        tmp_path / "db2024", {"responses": responses, "programmes": programmes}, metadata={}
    )
    alone = tmp_path / "copied" / "study.sqlite"  # the SQLite file on its own
    alone.parent.mkdir()
    shutil.copy(db / "study.sqlite", alone)
    for where in (db, db / "study.sqlite", alone):
        path = _study_with(tmp_path, demo_dir, [{"year": 2024, "database": str(where)}])
        study = load_study(path)
        r = load_round(study, study.config["rounds"][0])
        assert r.source == "database" and r.comparable == ("rfl", "health")
        assert r.responses["activities__rfl"].tolist() == [1, 0]
        assert r.responses["activities__cash"].isna().all()
        assert r.programmes["programme_id"].tolist() == ["AFG-health-desk"]
        assert r.has_programme_list
    (tmp_path / "empty").mkdir()
    path = _study_with(tmp_path, demo_dir, [{"year": 2024, "database": "empty"}])
    study = load_study(path)
    with pytest.raises(InputError, match="round 2024: no analytical database here"):
        load_round(study, study.config["rounds"][0])
    (tmp_path / "junk.sqlite").write_text("not a database", encoding="utf-8")
    path = _study_with(tmp_path, demo_dir, [{"year": 2024, "database": "junk.sqlite"}])
    study = load_study(path)
    with pytest.raises(InputError, match="cannot be read as an SQLite database"):
        load_round(study, study.config["rounds"][0])


# -- the demo: the round tables and the notebook --------------------------------------------
@pytest.fixture(scope="module")
def demo_db(demo_dir, tmp_path_factory):
    from toolkit.run import process_study
    from toolkit.store import read_store

    study = load_study(demo_dir / "study.yaml")
    study.config["paths"]["processed"] = str(tmp_path_factory.mktemp("rounds") / "demo")
    _, where = process_study(study)
    return read_store(where)


@pytest.mark.slow
def test_demo_round_tables_recover_the_synthetic_truth(demo_db, demo_dir):
    rounds = demo_db["rounds"]
    assert rounds["label"].tolist() == ["2024", "2026"]
    truth = pd.read_csv(demo_dir / "truth" / "rounds.csv")
    assert rounds["respondents"].tolist() == [
        int(truth["responded_previous"].sum()),
        int(truth["responded"].sum()),
    ]
    assert rounds["not_comparable"].fillna("").eq("").all()
    # every programme transition that can be known is the true one
    prog = pd.read_csv(demo_dir / "truth" / "programmes.csv", keep_default_na=False)
    key = prog.set_index(["round", "ns_iso3", "name"])["programme"]
    true_id = {}
    for year, reg in ((2024, demo_db["round_programmes"]), (2026, demo_db["programmes"])):
        for iso, name, pid in zip(reg["ns_iso3"], reg["name"], reg["programme_id"], strict=True):
            true_id[pid] = key[(year, iso, name)]
    truth_now = prog[prog["round"] == 2026].set_index("programme")["transition"]
    truth_then = prog[prog["round"] == 2024].set_index("programme")["transition"]
    changes = demo_db["programme_changes"]
    known = changes[changes["transition"] != "not known"]
    assert len(known) > 300
    for pid, got in zip(known["programme_id"], known["transition"], strict=True):
        p = true_id[pid]
        assert got == truth_now.get(p, truth_then.get(p)), pid
    unknown = changes[changes["transition"] == "not known"]
    assert unknown["reason"].str.contains("did not answer|without listing").all()
    # the change in shares: every zone and all, every activity, from both rounds' answers
    change = demo_db["activity_change"]
    assert len(change) == 6 * 19 and change["comparable"].all()
    assert (change["n_both"] <= change[["n_previous", "n_current"]].min(axis=1)).all()
    assert np.isfinite(change["se"]).all() and (change["ci_low"] <= change["change"]).all()
    assert demo_db.manifest["rounds_compared"] == 2


@pytest.mark.slow
def test_programme_report_publishes_through_the_policy(demo_db, demo_dir):
    from toolkit.run import open_report, programme_report

    study = load_study(demo_dir / "study.yaml")
    path = str(demo_db.path)
    report = open_report(demo_dir / "study.yaml", "all")
    report.study.config["paths"]["processed"] = path
    pr = programme_report(report)
    assert pr.has_register and pr.has_earlier and (pr.previous, pr.current) == ("2024", "2026")
    reg = pr.register()
    assert "contact_role" not in reg and reg.attrs["withheld_programmes"] > 0
    agg = {"detention", "advocacy", "rescue"}
    assert not reg["activities"].str.split().map(lambda c: bool(agg & set(c))).any()
    cf = pr.carry_forward(max_age=2)
    assert set(cf["method"]) == {"weighted", "carry-forward (labelled sensitivity)"}
    w = cf[cf["method"] == "weighted"].set_index(["zone", "code"])["estimate"]
    est = report.raw_estimates()
    est = est[est["dimension"] == "activity"].set_index(["zone", "code"])["estimate"]
    np.testing.assert_allclose(w, est.reindex(w.index))  # the weighted row is the estimate
    none = pr.carry_forward(max_age=1)  # 2024 is two years old: nothing carried
    assert (none["n_carried"] == 0).all()
    change = pr.activity_change(0.90)
    stored = pr.activity_change(0.95)
    assert (
        change["ci_high"] - change["ci_low"] < stored["ci_high"] - stored["ci_low"] + 1e-12
    ).all()
    assert "Compared with the 2024 round" in pr.rounds_sentence()
    del study


@pytest.mark.slow
def test_notebook_without_an_earlier_round_says_so(tmp_path, demo_dir):
    from toolkit.run import run_study

    folder = tmp_path / "study"
    shutil.copytree(demo_dir, folder, ignore=shutil.ignore_patterns("truth", "rounds"))
    cfg = yaml.safe_load((folder / "study.yaml").read_text(encoding="utf-8"))
    cfg.pop("rounds")
    cfg["paths"]["processed"] = str(tmp_path / "processed")
    cfg["paths"]["reports"] = str(tmp_path / "reports")
    (folder / "study.yaml").write_text(yaml.safe_dump(cfg), encoding="utf-8")
    summary = run_study(
        folder / "study.yaml", zones="europe", notebooks=["06_programmes_and_change"], jobs=1
    )
    assert summary.ok, summary.table().to_string()
    html = (summary.run_dir / "europe" / "06_programmes_and_change.html").read_text(
        encoding="utf-8"
    )
    assert "names no earlier mapping round" in html and 'class="nsmap-register"' in html
    tables = {p.stem for p in (summary.run_dir / "europe" / "tables").glob("*.csv")}
    assert "06_programme_register" in tables and "06_activity_change" not in tables


@pytest.mark.slow
def test_a_form_without_the_programme_details_gets_a_note_not_a_failure(tmp_path):
    """A study's own form may list programmes without asking their start year, status
    or people reached (the branch-level form does): notebook 06 says which figure it
    cannot draw and why, and runs to the end."""
    from toolkit.run import open_report, programme_report, run_study
    from toolkit.synth import make_branch_study

    study = make_branch_study(tmp_path / "branch", n_branches=3000).study_yaml
    summary = run_study(study, zones="europe", notebooks=["06_programmes_and_change"], jobs=1)
    assert summary.ok, summary.table().to_string()
    html = (summary.run_dir / "europe" / "06_programmes_and_change.html").read_text(
        encoding="utf-8"
    )
    assert "does not ask the programmes&#x27; start year" in html or (
        "does not ask the programmes' start year" in html
    )
    assert "so this figure is not drawn" in html
    pr = programme_report(open_report(study, "europe"))
    assert pr.unasked("programme_id") == ""
    assert pr.unasked("start_year", "status") == (
        "This study's questionnaire does not ask the programmes' start year and status "
        "(running, ended or planned) (its programme repeat has no such question), so this "
        "figure is not drawn."
    )
