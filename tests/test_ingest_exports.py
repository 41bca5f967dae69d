"""Tests of toolkit.ingest on the export shapes of issue 10: records of any kind, repeat
groups (wide columns, KoboToolbox XLSX sheets, ODK Central zip, ODK Briefcase files)
and every header style.

``data/real/exports/own`` holds synthetic exports of one small form in the shapes of
real ones (see its ``make_fixtures.py``); ``data/real/exports/briefcase`` holds ODK
Briefcase's own test exports (Apache-2.0, see NOTICE.md) with XLSForm equivalents of
their XForms.
"""

from __future__ import annotations

import shutil
import warnings
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from toolkit.errors import ExportReadError
from toolkit.ingest import combine, read_export
from toolkit.instrument import read_xlsform

REAL = Path(__file__).parent / "data" / "real" / "exports"
OWN = REAL / "own"
BRIEFCASE = REAL / "briefcase"
A, B, C = (f"5d0e8f2a-0000-4000-8000-00000000000{x}" for x in "abc")
EXPORTS = ["kobo_legacy.csv", "kobo_repeats.xlsx", "household.csv.zip"]


@pytest.fixture(scope="module")
def household():
    return read_xlsform(OWN / "household.xlsx")


@pytest.fixture(scope="module")
def results(household):
    return {name: read_export(OWN / name, household, key="k") for name in EXPORTS}


def _briefcase(name: str, export: str | None = None, **kw):
    form = read_xlsform(BRIEFCASE / name / f"{name}.xlsx")
    return read_export(BRIEFCASE / name / f"{export or name}.csv", form, key="k", **kw)


# -- records of any kind ----------------------------------------------------------------
@pytest.mark.parametrize("name", EXPORTS)
def test_one_record_per_submission_keyed_by_its_own_id(results, name):
    r = results[name]
    assert r.reconciles()
    assert r.summary["unit"] == "_uuid"
    assert r.data["_uuid"].tolist() == [A, C]  # B rejected on the server; A's draft superseded
    assert "ns_iso3" not in r.data.columns  # no membership check without a society
    rules = set(r.quarantine.loc[r.quarantine["_repeat"].isna(), "rule"])
    assert "not_approved" in rules
    assert r.data.loc[0, "village"] == "Kanyama" and r.data.loc[0, "hh_size"] == 5


def test_tool_and_format_are_recognised(results):
    got = {n: (r.summary["tool"], r.summary["format"]) for n, r in results.items()}
    assert got == {
        "kobo_legacy.csv": ("Kobo", "CSV"),
        "kobo_repeats.xlsx": ("Kobo", "XLSX"),
        "household.csv.zip": ("Central", "zip"),
    }


def test_unit_may_be_any_question_or_metadata_column(household):
    by_village = read_export(OWN / "kobo_legacy.csv", household, unit="village", key="k")
    assert by_village.summary["unit"] == "village"
    assert sorted(by_village.data["village"]) == ["Chawama", "Kanyama"]
    assert by_village.repeats["children"]["village"].tolist() == ["Kanyama"] * 2 + ["Chawama"]
    by_id = read_export(OWN / "kobo_legacy.csv", household, unit="_id", key="k")
    assert by_id.summary["unit"] == "_id" and len(by_id.data) == 3  # the draft has its own _id
    assert by_id.reconciles()
    with pytest.raises(ExportReadError, match="no column for 'household_id'") as err:
        read_export(OWN / "kobo_legacy.csv", household, unit="household_id")
    assert "kobo_legacy.csv" in str(err.value) and "What to do" in str(err.value)


def test_an_export_without_ids_needs_a_unit(tmp_path, household):
    table = pd.read_csv(OWN / "kobo_legacy.csv", dtype=str, keep_default_na=False)
    path = tmp_path / "no_ids.csv"
    table.drop(columns=["meta/instanceID", "_id", "_uuid"]).to_csv(path, index=False)
    with pytest.raises(ExportReadError, match="no submission id column") as err:
        read_export(path, household)
    assert "unit=" in str(err.value)
    assert len(read_export(path, household, unit="village", key="k").data) == 2


# -- repeat groups -----------------------------------------------------------------------
@pytest.mark.parametrize("name", EXPORTS)
def test_repeat_groups_are_long_tables(results, name):
    r = results[name]
    kids, vacc = r.repeats["children"], r.repeats["vaccines"]
    assert kids[["_uuid", "_position", "childs_age"]].values.tolist() == [
        [A, 1, 7],
        [A, 2, 2],
        [C, 1, pd.NA],
    ]
    assert "childs_name" not in kids.columns  # a child's name is personal data
    assert kids["_key"].tolist() == [f"{A}/children[1]", f"{A}/children[2]", f"{C}/children[1]"]
    assert "_parent_key" not in kids.columns
    assert kids["in_school"].tolist() == ["yes", "NA", "no"]  # 'NA' is a choice here
    assert pd.isna(kids["childs_age"].iloc[2])  # 20 fails '. < 18'
    assert vacc["_parent_key"].tolist() == [f"{A}/children[1]"] * 2 + [f"{A}/children[2]"]
    assert vacc["_key"].iloc[1] == f"{A}/children[1]/vaccines[2]"
    assert vacc["vaccine"].tolist() == ["measles", "polio", "bcg"]
    assert vacc["vaccine_date"].iloc[0] == pd.Timestamp("2018-05-01")
    assert r.reconciles()
    assert r.summary["repeat_accepted"] == {"children": 3, "vaccines": 3}


def test_repeat_answers_are_validated_like_the_submission(results):
    r = results["kobo_legacy.csv"]
    age = r.issues[r.issues["column"] == "children[1]/childs_age"]
    assert age[["row", "value", "rule"]].values.tolist() == [[4, "20", "out_of_range"]]
    r = results["household.csv.zip"]
    age = r.issues[r.issues["column"] == "childs_age"]
    assert age["file"].str.endswith("household.csv.zip!household-children.csv").all()
    assert age["row"].tolist() == [4] and age["rule"].tolist() == ["out_of_range"]


def test_instances_of_a_quarantined_submission_are_quarantined(results):
    r = results["kobo_legacy.csv"]
    q = r.quarantine[r.quarantine["_repeat"] == "children"]
    assert q["rule"].tolist() == ["parent_quarantined"]
    assert q["reason"].str.contains("duplicate submission").all()
    assert r.repeat_rows_in == {"children": 4, "vaccines": 3}


def test_instances_without_a_parent_are_quarantined(results):
    r = results["kobo_repeats.xlsx"]
    q = r.quarantine[r.quarantine["_repeat"] == "vaccines"]
    assert q["rule"].tolist() == ["orphan"]
    assert q["_file"].str.endswith("kobo_repeats.xlsx!vaccines").all()
    assert q["_row"].tolist() == [5]
    assert r.repeat_rows_in["vaccines"] == 4


@pytest.mark.parametrize("packed", [True, False])
def test_kobo_csv_tables_in_a_zip_or_beside_the_export(tmp_path, household, results, packed):
    """KoboCAT's multi-table CSV export: one CSV per repeat, named after it."""
    sheets = pd.read_excel(OWN / "kobo_repeats.xlsx", sheet_name=None, dtype=str)
    names = ["household", "children", "vaccines"]
    for name, table in zip(names, sheets.values()):
        if name == "household":
            table = table.assign(_parent_table_name="", _parent_index="-1")
        table.fillna("").to_csv(tmp_path / f"{name}.csv", index=False)
    path = tmp_path / "household.csv"
    if packed:
        path = tmp_path / "export.zip"
        with zipfile.ZipFile(path, "w") as zf:
            for name in names:
                zf.write(tmp_path / f"{name}.csv", f"{name}.csv")
    r = read_export(path, household, key="k")
    base = results["kobo_repeats.xlsx"]
    assert r.reconciles() and r.summary["format"] == ("zip" if packed else "CSV")
    for name in ("children", "vaccines"):
        cols = ["_uuid", "_key", "_position"]
        pd.testing.assert_frame_equal(r.repeats[name][cols], base.repeats[name][cols])
    assert r.repeat_rows_in == {"children": 3, "vaccines": 4}


def test_briefcase_nested_repeats_from_files_beside_the_export():
    r = _briefcase("nested-repeats")
    key = "0a1b861f-a5fd-4f49-846a-78dcf06cfc1b"
    assert r.summary["tool"] == "Briefcase" and len(r.summary["tables"]) == 4
    assert {n: len(t) for n, t in r.repeats.items()} == {"g1": 3, "g2": 4, "g3": 5}
    g3 = r.repeats["g3"]
    assert g3["_key"].tolist()[-1] == f"{key}/g1[3]/g2[1]/g3[4]"
    assert g3["_parent_key"].tolist() == [f"{key}/g1[1]/g2[1]"] + [f"{key}/g1[3]/g2[1]"] * 4
    assert g3["t3"].tolist()[-1] == "some text 3.1.4"
    assert r.data["_submission_time"].iloc[0] == pd.Timestamp("2018-02-01 11:35:19")
    assert r.reconciles()


def test_a_missing_repeat_file_is_an_issue_not_a_crash(tmp_path):
    shutil.copy(BRIEFCASE / "nested-repeats" / "nested-repeats.csv", tmp_path)
    form = read_xlsform(BRIEFCASE / "nested-repeats" / "nested-repeats.xlsx")
    r = read_export(tmp_path / "nested-repeats.csv", form, key="k")
    hit = r.issues[r.issues["rule"] == "repeat_table_missing"]
    assert hit["column"].tolist() == ["SET-OF-g1"] and "nested-repeats-g1.csv" not in str(
        r.summary["tables"]
    )
    assert len(r.data) == 1 and r.repeats["g1"].empty and r.reconciles()


def test_a_repeat_table_given_as_the_export_is_refused_with_advice():
    form = read_xlsform(BRIEFCASE / "nested-repeats" / "nested-repeats.xlsx")
    with pytest.raises(ExportReadError, match="table of a repeat group") as err:
        read_export(BRIEFCASE / "nested-repeats" / "nested-repeats-g1.csv", form)
    assert "PARENT_KEY" in str(err.value) and "main file" in str(err.value)


def test_central_zip_metadata(results):
    r = results["household.csv.zip"]
    d = r.data
    assert d["_validation_status"].tolist() == ["approved", "approved"]
    assert {"_edits", "__version__", "_attachments_present"} <= set(d.columns)
    assert not {"_submitted_by", "_submitter_id", "_device_id"} & set(d.columns)
    assert d["_submission_time"].iloc[0] == pd.Timestamp("2024-03-02 10:00:00.123")
    rejected = r.quarantine[r.quarantine["rule"] == "not_approved"]
    assert rejected["_file"].tolist() == [f"{OWN / 'household.csv.zip'}!household.csv"]
    assert "Enumerator Seven" not in r.quarantine.astype(str).to_numpy().ravel().tolist()


@pytest.mark.parametrize(
    "content, match",
    [(b"PK\x03\x04 not a zip", "damaged or not a zip"), (None, "holds no CSV file")],
)
def test_bad_zips_are_refused_naming_the_file(tmp_path, household, content, match):
    path = tmp_path / "export.csv.zip"
    if content is None:
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("media/photo.jpg", b"\xff\xd8")
    else:
        path.write_bytes(content)
    with pytest.raises(ExportReadError, match=match) as err:
        read_export(path, household)
    assert "export.csv.zip" in str(err.value) and "What to do" in str(err.value)


# -- header styles and cell values -------------------------------------------------------
def test_geopoints_from_parts_or_whole(results):
    for name in EXPORTS:
        d = results[name].data
        assert d["gps__latitude"].tolist() == [-15.41, -15.45], name
        assert d["gps__precision"].iloc[0] == 5.0
        assert d["gps"].str.startswith("-15.41 28.28").iloc[0]


def test_select_multiple_option_columns_of_every_kind(results):
    for name in EXPORTS:  # True/False, 1/0 (cells and Excel numbers)
        d = results[name].data
        assert d["water_sources"].tolist() == ["tap well", "tap"], name
        assert d["water_sources__well"].tolist() == [1, 0], name


def test_option_columns_holding_the_option_label(tmp_path, household):
    table = pd.read_csv(OWN / "kobo_legacy.csv", dtype=str, keep_default_na=False)
    for opt, label in (("tap", "Tap water"), ("well", "Well"), ("river", "River")):
        col = f"hh/water_sources/{opt}"
        table[col] = table[col].map({"True": label, "False": ""})
    table = table.drop(columns=["hh/water_sources"])
    table.to_csv(tmp_path / "labels.csv", index=False)
    r = read_export(tmp_path / "labels.csv", household, key="k")
    assert r.data["water_sources"].tolist() == ["tap well", "tap"]
    assert not (r.issues["rule"] == "invalid_choice").any()


def test_missing_value_tokens_are_missing_not_invalid(results):
    r = results["kobo_legacy.csv"]
    assert r.summary["missing_tokens"] > 20
    assert not r.issues["value"].isin(["n/a", "NA"]).any()
    assert pd.isna(r.data.loc[r.data["_uuid"] == C, "Q1.1"]).all()  # 1.5 fails the constraint


def test_dotted_paths_and_names_with_dots(household):
    r = read_export(OWN / "r_dotted.csv", household, key="k")
    assert r.summary["header_style"] == "dotted paths"
    assert r.summary["columns_unknown"] == 0
    assert r.data["Q1.1"].iloc[0] == 0.25 and r.data["Q1.1"].iloc[1:].isna().all()
    assert r.data["water_sources"].tolist() == ["tap well", "river", "tap"]
    assert r.data["gps__latitude"].tolist() == [-15.41, -15.39, -15.45]
    assert not (r.issues["rule"].isin(["invalid_choice", "not_a_number"])).any()


@pytest.mark.parametrize("sep", [":", "-"])
def test_colon_and_dash_group_separators(tmp_path, household, results, sep):
    table = pd.read_csv(OWN / "kobo_legacy.csv", dtype=str, keep_default_na=False)
    table.columns = [c.replace("hh/", f"hh{sep}", 1) for c in table.columns]
    table.to_csv(tmp_path / "sep.csv", index=False)
    r = read_export(tmp_path / "sep.csv", household, key="k")
    base = results["kobo_legacy.csv"]
    assert r.summary["columns_unknown"] == base.summary["columns_unknown"] == 1
    pd.testing.assert_frame_equal(
        r.data.drop(columns=["_file"]), base.data.drop(columns=["_file"]), check_dtype=False
    )


def test_columns_not_in_the_form_are_reported_once_and_kept_out(results):
    for name, r in results.items():
        hit = r.issues[r.issues["rule"] == "unknown_column"]
        if name == "kobo_legacy.csv":
            assert hit["column"].tolist() == ["note_from_analyst"]
        else:
            assert hit.empty, name
        assert "note_from_analyst" not in r.data.columns


def test_briefcase_values_localised_dates_times_geopoints():
    r = _briefcase("all-data-types")
    d = r.data.iloc[0]
    assert d["some_date"] == pd.Timestamp("2018-04-26")
    assert d["some_time"] == "08:56:00"
    assert d["some_date_time"] == pd.Timestamp("2018-04-26 08:56:00")
    assert d["some_geopoint__latitude"] == pytest.approx(43.3149254)
    assert d["some_geopoint__precision"] == pytest.approx(15.478)
    assert d["some_decimal"] == pytest.approx(123.456) and d["some_int"] == 123
    assert r.issues["rule"].eq("pseudonym_key").all() or r.issues.empty
    empty = _briefcase("all-data-types", "all-data-types-empty")
    assert empty.data["some_geopoint"].isna().all() and empty.reconciles()


def test_briefcase_group_paths_and_case_sensitive_names():
    r = _briefcase("choice-lists")
    assert r.summary["header_style"] == "odk briefcase paths"
    assert r.data["yet_another_string__CHOICE_1"].tolist() == [1]
    form = read_xlsform(BRIEFCASE / "simple-form" / "simple-form-case-sensitivity.xlsx")
    cs = read_export(BRIEFCASE / "simple-form" / "simple-form-case-sensitivity.csv", form)
    assert cs.data["field"].tolist() == ["Some value"]
    assert cs.data["Field"].tolist() == [pd.Timestamp("2019-01-01")]


# -- several exports ---------------------------------------------------------------------
def test_combine_carries_repeats_and_their_duplicates(results):
    both = combine([results["kobo_legacy.csv"], results["household.csv.zip"]])
    assert both.reconciles()
    assert both.data["_uuid"].tolist().count(A) == 1
    moved = both.quarantine[both.quarantine["_repeat"] == "children"]
    assert (moved["rule"] == "parent_quarantined").sum() == 1 + 3  # the draft's + one file's
    assert len(both.repeats["children"]) == 3 and both.repeat_rows_in["children"] == 7


def test_no_warnings_on_clean_reads(household):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in EXPORTS:
            read_export(OWN / name, household, key="k")


@pytest.mark.slow
def test_repeat_tables_reach_the_analytical_database(tmp_path, demo_dir, monkeypatch, results):
    """process_study writes every repeat group's table next to 'responses'."""
    import sqlite3

    from toolkit.run import _process, load_study
    from toolkit.store import read_store

    real = _process.ingest_study
    children = results["household.csv.zip"].repeats["children"]

    def with_repeats(study):
        r = real(study)
        r.repeats = {"children": children}
        r.summary["repeat_rows_in"] = {"children": len(children)}
        return r

    monkeypatch.setattr(_process, "ingest_study", with_repeats)
    study = load_study(demo_dir / "study.yaml")
    study.config["paths"]["processed"] = str(tmp_path / "processed")
    result, folder = _process.process_study(study)
    assert result.reconciles()
    back = read_store(folder)["responses__children"]
    assert back["childs_age"].tolist()[:2] == [7, 2] and "childs_name" not in back
    con = sqlite3.connect(folder / "study.sqlite")
    (described,) = con.execute(
        "SELECT description FROM _tables WHERE name = 'responses__children'"
    ).fetchone()
    assert "repeat group 'children'" in described
    docs = dict(
        con.execute(
            "SELECT column_name, description FROM _columns WHERE table_name = 'responses__children'"
        ).fetchall()
    )
    assert "instance" in docs["_key"] and "1-based" in docs["_position"]
    assert con.execute('SELECT COUNT(*) FROM "responses__children"').fetchone() == (3,)
