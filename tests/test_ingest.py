"""Tests of toolkit.ingest: every export style, every bad-input rule, reconciled counts."""

from __future__ import annotations

import csv
import io
import warnings
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from toolkit.errors import ExportReadError
from toolkit.ingest import IngestWarning, combine, file_sha256, read_export
from toolkit.synth import make_branch_export, write_branch_instrument

# The mapping study's keys: one record per National Society, checked against the frame.
STUDY = {"unit": "ns_iso3", "society": "ns_iso3"}


# -- helpers ----------------------------------------------------------------------------
def _records(path: Path) -> list[list[str]]:
    text = path.read_text(encoding="utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def _write(
    path: Path, records: list[list[str]], *, sep: str = ";", encoding: str = "utf-8"
) -> Path:
    buf = io.StringIO(newline="")
    csv.writer(buf, delimiter=sep, lineterminator="\r\n").writerows(records)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def _col(records: list[list[str]], name: str) -> int:
    return records[0].index(name)


def _reconciled(result) -> None:
    # Quarantined submissions take their programme-repeat instances with them (rows of
    # quarantine with _repeat set); rows in counts submissions.
    q = result.quarantine
    submissions = int(q["_repeat"].isna().sum()) if "_repeat" in q else len(q)
    assert result.rows_in == len(result.data) + submissions
    assert result.reconciles()


@pytest.fixture(scope="module")
def demo_records(demo_csv) -> list[list[str]]:
    return _records(demo_csv)


@pytest.fixture(scope="module")
def demo_result(demo_csv, instrument, frame):
    return read_export(demo_csv, instrument, frame=frame, **STUDY)


# -- the demo export ------------------------------------------------------------------
def test_demo_export_reconciles_and_reports_every_defect(demo_result, demo_records):
    r = demo_result
    _reconciled(r)
    assert r.rows_in == len(demo_records) - 1
    assert r.summary["delimiter"] == ";"
    assert r.summary["header_style"] == "xml names with group paths"
    rules = set(r.issues["rule"])
    assert {"unknown_society", "missing_unit"} <= set(r.quarantine["rule"])
    # every quarantined row has a reason and a row number in the file
    assert r.quarantine["reason"].notna().all()
    assert r.quarantine["_row"].between(2, len(demo_records)).all()
    # cell-level defects are issues naming row, column and value
    assert {"out_of_range", "invalid_choice"} <= rules or "bad_date" in rules
    unknown = r.issues[r.issues["rule"] == "unknown_society"]
    assert unknown["value"].tolist() == ["XKX"]
    assert unknown["column"].tolist() == ["society/ns_iso3"]


def test_study_ingestion_matches_ground_truth(demo_dir):
    from toolkit.run import ingest_study, load_study

    study = load_study(demo_dir / "study.yaml")
    r = ingest_study(study)
    truth = pd.read_csv(demo_dir / "truth" / "ground_truth.csv")
    defects = pd.read_csv(demo_dir / "truth" / "injected_defects.csv")
    _reconciled(r)
    assert sorted(r.data["ns_iso3"]) == sorted(truth.loc[truth["responded"], "iso3"])
    counts = r.quarantine["rule"].value_counts()
    assert counts["duplicate"] == (defects["defect"].str.startswith("duplicate")).sum()
    assert counts["unknown_society"] == 1 and counts["missing_unit"] == 1
    # the kept submission of a duplicated Society is the latest (not the earlier draft)
    kept = r.data.set_index("ns_iso3").loc[
        defects.loc[defects["defect"].str.startswith("duplicate"), "iso3"], "_uuid"
    ]
    assert not kept.str.contains("draft").any()
    # cell defects became item non-response with an issue each
    for iso, column in [
        ("LSO", "branches_total"),
        ("FJI", "has_migration_programme"),
        ("UKR", "report_date"),
        ("MKD", "staff_migration"),
    ]:
        row = r.data.set_index("ns_iso3").loc[iso]
        assert pd.isna(row[column]), (iso, column)
        hits = r.issues[r.issues["column"].str.endswith(column)]
        assert len(hits) >= 1
    # answers match the truth for an untouched Society
    t = truth.set_index("iso3")
    d = r.data.set_index("ns_iso3")
    iso = next(i for i in d.index if i not in set(defects["iso3"].dropna()))
    for a in ("rfl", "health", "legal", "detention"):
        assert int(d.at[iso, f"activities__{a}"]) == int(t.at[iso, f"activities__{a}"])
    acts = r.activities[r.activities["ns_iso3"] == iso]
    assert set(acts["activity"].astype(str)) == {
        a
        for a in (
            "rfl",
            "health",
            "pss",
            "shelter",
            "relief",
            "cash",
            "wash",
            "info",
            "legal",
            "protection",
            "hsp",
            "inclusion",
            "education",
            "livelihoods",
            "detention",
            "return",
            "advocacy",
            "awareness",
            "rescue",
        )
        if t.at[iso, f"activities__{a}"]
    }


def test_raw_files_are_never_written(demo_dir, tmp_path):
    from toolkit.run import load_study, process_study

    files = sorted(p for p in demo_dir.rglob("*") if p.is_file())
    before = {p: (file_sha256(p), p.stat().st_mtime_ns) for p in files}
    study = load_study(demo_dir / "study.yaml")
    study.config["paths"]["processed"] = str(tmp_path / "processed")
    process_study(study)
    after = {p: (file_sha256(p), p.stat().st_mtime_ns) for p in files}
    assert before == after


def test_personal_data_never_passes_ingestion(demo_result, demo_records):
    header = demo_records[0]
    personal = [
        header.index(c)
        for c in header
        if c.split("/")[-1] in ("resp_name", "resp_email", "resp_phone")
    ]
    values = {rec[i] for rec in demo_records[1:] for i in personal if rec[i]}
    parts = {p for v in values for p in v.replace("@", " ").split() if len(p) > 3}
    r = demo_result
    for table in (r.data, r.quarantine, r.issues, r.activities):
        text = table.astype("string").fillna("").to_numpy().ravel()
        blob = "\n".join(text)
        leaked = [v for v in values if v in blob]
        assert not leaked, leaked[:3]
        assert (
            not [p for p in parts if p in blob and "@" not in p and p[0].isupper()][:1]
            or table is r.issues
        )
    assert r.data["resp_id"].str.match(r"^R[0-9a-f]{10}$").all()
    assert not {"resp_name", "resp_email", "resp_phone", "_submitted_by"} & set(r.data.columns)


def test_pseudonyms_are_keyed(demo_csv, instrument, frame):
    a = read_export(demo_csv, instrument, frame=frame, **STUDY, key="k1").data["resp_id"]
    b = read_export(demo_csv, instrument, frame=frame, **STUDY, key="k1").data["resp_id"]
    c = read_export(demo_csv, instrument, frame=frame, **STUDY, key="k2").data["resp_id"]
    assert a.equals(b)
    assert not (a == c).any()


# -- delimiters, encodings, title rows, raggedness ---------------------------------------
@pytest.mark.parametrize("sep", [",", "\t", ";"])
def test_delimiter_is_sniffed(tmp_path, demo_records, demo_result, instrument, frame, sep):
    path = _write(tmp_path / "export.csv", demo_records, sep=sep)
    r = read_export(path, instrument, frame=frame, **STUDY)
    assert r.summary["delimiter"] == sep
    _reconciled(r)
    assert r.data["ns_iso3"].tolist() == demo_result.data["ns_iso3"].tolist()


def test_bom_is_accepted(tmp_path, demo_records, instrument, frame):
    path = _write(tmp_path / "bom.csv", demo_records, encoding="utf-8-sig")
    r = read_export(path, instrument, frame=frame, **STUDY)
    assert r.summary["encoding"] == "utf-8"
    assert len(r.data) == len(
        read_export(
            _write(tmp_path / "plain.csv", demo_records), instrument, frame=frame, **STUDY
        ).data
    )


def test_cp1252_fallback_warns_and_decodes(tmp_path, demo_records, instrument, frame):
    # Text cp1252 cannot hold (Arabic programme names) is saved as "?", as Excel does.
    recs = [[v.encode("cp1252", "replace").decode("cp1252") for v in r] for r in demo_records]
    col = _col(recs, "comments")
    recs[1][col] = "Activités à Genève"
    path = _write(tmp_path / "latin.csv", recs, encoding="cp1252")
    with pytest.warns(IngestWarning, match="not valid UTF-8"):
        r = read_export(path, instrument, frame=frame, **STUDY)
    assert r.summary["encoding"] == "cp1252"
    assert "Activités à Genève" in set(r.data["comments"].dropna())
    assert (r.issues["rule"] == "encoding").sum() == 1
    _reconciled(r)


def test_excel_with_title_rows(tmp_path, demo_records, instrument, frame):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["National Society migration mapping - export of 4 May 2026"])
    ws.append([])
    for rec in demo_records:
        ws.append(rec)
    path = tmp_path / "titled.xlsx"
    wb.save(path)
    r = read_export(path, instrument, frame=frame, **STUDY)
    assert r.summary["header_row"] == 3
    assert (r.issues["rule"] == "title_row").sum() == 1
    _reconciled(r)
    assert r.rows_in == len(demo_records) - 1
    # row numbers refer to the spreadsheet (header on row 3 -> first record on row 4)
    assert r.quarantine["_row"].min() >= 4


def test_ragged_rows_are_quarantined(tmp_path, demo_records, instrument, frame):
    recs = [list(r) for r in demo_records]
    recs[5] = recs[5] + ["stray", "cells"]
    recs[9] = recs[9][:10]
    path = _write(tmp_path / "ragged.csv", recs)
    r = read_export(path, instrument, frame=frame, **STUDY)
    _reconciled(r)
    ragged = r.quarantine[r.quarantine["rule"] == "ragged_row"]
    assert sorted(ragged["_row"].astype(int)) == [6, 10]
    assert ragged["reason"].str.contains("ragged row").all()
    assert r.rows_in == len(recs) - 1


@pytest.mark.parametrize("content", [b"", b"   \n\n ", b"\x00\x01\x02binary\x00"])
def test_unreadable_files_raise_naming_the_file(tmp_path, instrument, frame, content):
    path = tmp_path / "broken.csv"
    path.write_bytes(content)
    with pytest.raises(ExportReadError) as err:
        read_export(path, instrument, frame=frame, **STUDY)
    assert "broken.csv" in str(err.value)
    assert "What to do" in str(err.value)


def test_not_a_table_of_this_instrument(tmp_path, instrument, frame):
    path = tmp_path / "other.csv"
    path.write_text("a|b|c\n1|2|3\n", encoding="utf-8")
    with pytest.raises(ExportReadError, match="looks like a header"):
        read_export(path, instrument, frame=frame, **STUDY)


def test_corrupt_workbook(tmp_path, instrument, frame):
    path = tmp_path / "corrupt.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ExportReadError, match="cannot be opened"):
        read_export(path, instrument, frame=frame, **STUDY)


def test_missing_unit_column(tmp_path, demo_records, instrument, frame):
    col = _col(demo_records, "society/ns_iso3")
    recs = [[c for j, c in enumerate(r) if j != col] for r in demo_records]
    with pytest.raises(ExportReadError, match="ns_iso3"):
        read_export(_write(tmp_path / "nokey.csv", recs), instrument, frame=frame, **STUDY)


# -- row rules ------------------------------------------------------------------------
def test_duplicates_keep_latest_submission(tmp_path, demo_records, instrument, frame):
    recs = [list(r) for r in demo_records]
    c_iso, c_time, c_br = (
        _col(recs, "society/ns_iso3"),
        _col(recs, "_submission_time"),
        _col(recs, "scale/branches_total"),
    )
    first = next(r for r in recs[1:] if r[c_iso] and r[c_iso] != "XKX")
    iso = first[c_iso]
    newer = list(first)
    newer[c_time] = "2027-01-01T00:00:00"
    newer[c_br] = "17"
    older = list(first)
    older[c_time] = "2020-01-01T00:00:00"
    recs.insert(1, newer)  # newest first in the file: order must not matter
    recs.append(older)
    r = read_export(_write(tmp_path / "dups.csv", recs), instrument, frame=frame, **STUDY)
    _reconciled(r)
    kept = r.data[r.data["ns_iso3"] == iso]
    assert len(kept) == 1 and int(kept["branches_total"].iloc[0]) == 17
    dq = r.quarantine[
        (r.quarantine["rule"] == "duplicate") & (r.quarantine["society/ns_iso3"] == iso)
    ]
    assert len(dq) == 2
    assert dq["reason"].str.contains("latest one \\(row 2\\)").all()


def test_codes_are_normalised_and_unknown_codes_quarantined(
    tmp_path, demo_records, instrument, frame
):
    recs = [list(r) for r in demo_records]
    c_iso = _col(recs, "society/ns_iso3")
    codes = [r[c_iso] for r in recs[1:]]
    target = next(i for i, c in enumerate(codes, start=1) if c and c != "XKX")
    expected = recs[target][c_iso]
    recs[target][c_iso] = " " + expected.lower() + " "
    recs[target + 1][c_iso] = "ZZZ"
    r = read_export(_write(tmp_path / "codes.csv", recs), instrument, frame=frame, **STUDY)
    assert expected in set(r.data["ns_iso3"])
    bad = r.quarantine[r.quarantine["rule"] == "unknown_society"]
    assert set(bad["society/ns_iso3"]) == {"XKX", "ZZZ"}
    assert bad["reason"].str.contains("not in the membership frame").all()
    _reconciled(r)


def test_not_approved_submissions_are_quarantined(tmp_path, demo_records, instrument, frame):
    recs = [list(r) for r in demo_records]
    c_status, c_iso = _col(recs, "_validation_status"), _col(recs, "society/ns_iso3")
    target = next(i for i, r in enumerate(recs[1:], start=1) if r[c_iso] not in ("", "XKX"))
    recs[target][c_status] = "validation_status_not_approved"
    r = read_export(_write(tmp_path / "status.csv", recs), instrument, frame=frame, **STUDY)
    assert "not_approved" in set(r.quarantine["rule"])
    _reconciled(r)


# -- cell rules -------------------------------------------------------------------------
def test_cell_problems_become_item_nonresponse(tmp_path, demo_records, instrument, frame):
    recs = [list(r) for r in demo_records]
    c_iso = _col(recs, "society/ns_iso3")
    row = next(i for i, r in enumerate(recs[1:], start=1) if r[c_iso] not in ("", "XKX"))
    iso = recs[row][c_iso]
    recs[row][_col(recs, "scale/volunteers_migration")] = "-5"
    recs[row][_col(recs, "cooperation/coop_any")] = "perhaps"
    recs[row][_col(recs, "society/report_date")] = "2026-13-45"
    recs[row][_col(recs, "cooperation/work_languages")] = "en xx"
    r = read_export(_write(tmp_path / "cells.csv", recs), instrument, frame=frame, **STUDY)
    d = r.data.set_index("ns_iso3").loc[iso]
    assert pd.isna(d["volunteers_migration"]) and pd.isna(d["coop_any"])
    assert pd.isna(d["report_date"])
    assert d["work_languages"] == "en" and d["work_languages__en"] == 1
    mine = r.issues[r.issues["row"] == row + 1]
    assert {"out_of_range", "invalid_choice", "bad_date"} <= set(mine["rule"])
    assert mine.loc[mine["rule"] == "out_of_range", "value"].tolist() == ["-5"]
    assert "xx" in set(mine["value"])
    _reconciled(r)
    assert iso in set(r.data["ns_iso3"])


def test_empty_option_cell_means_not_asked(demo_result):
    d = demo_result.data
    no_prog = d["has_migration_programme"] == "no"
    if no_prog.any():
        assert d.loc[no_prog, "activities__rfl"].isna().all()
    yes = d["activities"].notna()
    assert d.loc[yes, "activities__rfl"].notna().all()
    # details of an activity not selected are not asked either
    not_rfl = d["activities__rfl"] == 0
    assert d.loc[not_rfl, "rfl_stage__origin"].isna().all()


# -- header styles ------------------------------------------------------------------
def test_xml_names_without_group_paths(tmp_path, demo_records, demo_result, instrument, frame):
    multi = set(instrument.select_multiple_questions()["name"])
    recs = [list(r) for r in demo_records]
    recs[0] = [
        "/".join(h.split("/")[-2:])
        if h.count("/") and h.split("/")[-2] in multi
        else h.split("/", 1)[1]  # a repeat instance keeps its position: programme[2]/prog_name
        if "[" in h
        else h.split("/")[-1]
        for h in recs[0]
    ]
    r = read_export(_write(tmp_path / "flat.csv", recs), instrument, frame=frame, **STUDY)
    assert r.summary["columns_unknown"] == 0
    pd.testing.assert_series_equal(r.data["activities"], demo_result.data["activities"])


def test_summary_column_only(tmp_path, demo_records, demo_result, instrument, frame):
    keep = [
        j
        for j, h in enumerate(demo_records[0])
        if not (
            h.count("/") >= 1
            and h.split("/")[-2] in {"activities", "coop_activities"}
            and not h.endswith("activities")
        )
    ]
    recs = [[r[j] for j in keep] for r in demo_records]
    r = read_export(_write(tmp_path / "summary.csv", recs), instrument, frame=frame, **STUDY)
    a, b = r.data["activities__legal"], demo_result.data["activities__legal"]
    pd.testing.assert_series_equal(a, b)


def test_option_columns_only(tmp_path, demo_records, demo_result, instrument, frame):
    drop = demo_records[0].index("programmes/activities")
    recs = [[c for j, c in enumerate(r) if j != drop] for r in demo_records]
    r = read_export(_write(tmp_path / "options.csv", recs), instrument, frame=frame, **STUDY)
    pd.testing.assert_series_equal(r.data["activities"], demo_result.data["activities"])


def test_label_headers_and_label_values(tmp_path, demo_result, instrument, frame):
    """Kobo 'labels' export: English labels as headers and choice labels as values."""
    d = demo_result.data.head(8)
    q = instrument.questions.set_index("name")
    lang = instrument.languages[0]
    label = lambda n: q.at[n, f"label::{lang}"]  # noqa: E731
    yes_no = instrument.choice_labels("yes_no")
    acts = instrument.choice_labels("activity")
    ns = instrument.choice_labels("ns")
    header = [
        label("ns_iso3"),
        label("has_migration_programme"),
        label("activities"),
        label("branches_total"),
    ]
    rows = [header]
    for rec in d.itertuples():
        rows.append(
            [
                ns[rec.ns_iso3],
                yes_no.get(rec.has_migration_programme, ""),
                " ".join(acts[a] for a in str(rec.activities).split())
                if isinstance(rec.activities, str)
                else "",
                "" if pd.isna(rec.branches_total) else str(rec.branches_total),
            ]
        )
    r = read_export(
        _write(tmp_path / "labels.csv", rows, sep=","), instrument, frame=frame, **STUDY
    )
    assert r.summary["header_style"] == "labels"
    assert r.data["ns_iso3"].tolist() == d["ns_iso3"].tolist()
    assert r.data["activities"].fillna("").tolist() == d["activities"].fillna("").tolist()
    assert (r.issues["rule"] == "invalid_choice").sum() == 0


def test_odk_briefcase_style(tmp_path, demo_records, demo_result, instrument, frame):
    header = demo_records[0]
    keep = [
        j
        for j, h in enumerate(header)
        if not (
            (
                h.count("/") >= 1
                and h.split("/")[-2] in {"activities", "coop_activities", "work_languages"}
            )
            or "_stage/" in h
            or "_groups/" in h
            or "_service/" in h
        )
    ]
    rename = {"_uuid": "KEY", "_submission_time": "SubmissionDate"}
    new_header = [rename.get(header[j], header[j].replace("/", "-")) for j in keep]
    recs = [new_header] + [[r[j] for j in keep] for r in demo_records[1:]]
    r = read_export(
        _write(tmp_path / "briefcase.csv", recs, sep=","), instrument, frame=frame, **STUDY
    )
    assert r.summary["header_style"] == "odk briefcase paths"
    assert r.data["ns_iso3"].tolist() == demo_result.data["ns_iso3"].tolist()
    assert r.data["_uuid"].notna().all()
    _reconciled(r)


def test_unknown_columns_are_reported_not_kept(tmp_path, demo_records, instrument, frame):
    recs = [[*r, "x"] for r in demo_records]
    recs[0][-1] = "my_extra_question"
    r = read_export(_write(tmp_path / "extra.csv", recs), instrument, frame=frame, **STUDY)
    assert "my_extra_question" not in r.data.columns
    hit = r.issues[r.issues["rule"] == "unknown_column"]
    assert hit["column"].tolist() == ["my_extra_question"]


# -- several files, branch-level units -------------------------------------------------
def test_combine_resolves_duplicates_across_files(tmp_path, demo_records, instrument, frame):
    recs = [list(r) for r in demo_records]
    c_iso, c_time = _col(recs, "society/ns_iso3"), _col(recs, "_submission_time")
    late = [recs[0]] + [list(r) for r in recs[1:4]]
    for r_ in late[1:]:
        r_[c_time] = "2027-06-01T00:00:00"
    a = read_export(_write(tmp_path / "a.csv", recs), instrument, frame=frame, **STUDY)
    b = read_export(_write(tmp_path / "b.csv", late), instrument, frame=frame, **STUDY)
    both = combine([a, b])
    assert both.rows_in == a.rows_in + b.rows_in
    _reconciled(both)
    q = both.quarantine
    moved = q[q["reason"].str.contains("across files", na=False) & q["_repeat"].isna()]
    valid_late = {r_[c_iso] for r_ in late[1:] if r_[c_iso] in set(a.data["ns_iso3"])}
    assert len(moved) == len(valid_late)
    assert set(both.data.loc[both.data["ns_iso3"].isin(valid_late), "_file"]) == {
        str(tmp_path / "b.csv")
    }


def test_branch_level_unit(tmp_path, frame):
    from toolkit.instrument import read_xlsform

    form = read_xlsform(write_branch_instrument(tmp_path / "branch_form.xlsx"))
    path = tmp_path / "branches.csv"
    truth = make_branch_export(path, n_branches=3000, seed=3, frame=frame)
    recs = _records(path)
    c_code = _col(recs, "branch_code")
    recs.append(list(recs[1]))  # duplicate branch
    recs[2][c_code] = ""  # missing unit key
    r = read_export(_write(path, recs), form, frame=frame, unit="branch_code", society="ns_iso3")
    _reconciled(r)
    assert r.data["branch_code"].is_unique
    assert len(r.data) == len(truth) - 1
    assert set(r.quarantine["rule"]) == {"duplicate", "missing_unit"}
    merged = r.data.merge(truth, on="branch_code", suffixes=("", "_t"))
    assert (merged["ns_iso3"] == merged["ns_iso3_t"]).all()
    assert np.array_equal(merged["activities__rfl"].astype(int), merged["activities__rfl_t"])
    assert set(r.activities.columns) >= {"branch_code", "ns_iso3", "activity"}


def test_no_warnings_on_a_clean_read(demo_csv, instrument, frame):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_export(demo_csv, instrument, frame=frame, **STUDY)


def test_legacy_xls_export(instrument, frame):
    """A legacy .xls export (BIFF), made with xlwt from the first 12 demo rows:

    rows = list(csv.reader(open(demo_csv), delimiter=';'))[:13]; keep the columns
    ns_iso3, has_migration_programme, activities (+ option columns), branches_total,
    _submission_time, _uuid; write with xlwt.Workbook (branches_total as numbers).
    """
    path = Path(__file__).parent / "data" / "exports" / "legacy_export.xls"
    r = read_export(path, instrument, frame=frame, **STUDY)
    _reconciled(r)
    assert r.rows_in == 12
    assert r.data["branches_total"].dtype == "Int64"
    assert r.data["activities"].notna().any()
    assert (r.issues["rule"] == "absent_questions").sum() == 1
