"""read_export on real KoboToolbox / formhub / ODK Briefcase exports (issue 10, classes
E1-E4 of the real-corpus report).

The exports are committed unchanged under ``data/real/exports`` (see its NOTICE.md):
KoboCAT's and formhub's test exports with their XLSForms (BSD-2-Clause) and ODK
Briefcase's "append" export (Apache-2.0).  Variants a user meets (an ``.xlsx`` saved
under an ``.xls`` name, ids left out, a column written twice in two cases) are made
from them in a temporary folder; the committed files are never modified.
"""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from toolkit.errors import ExportReadError
from toolkit.ingest import IngestResult, read_export
from toolkit.instrument import Instrument, read_workbook, read_xlsform

REAL = Path(__file__).parent / "data" / "real" / "exports"
KOBOCAT = REAL / "kobocat"
FLAT = REAL / "formhub" / "tutorial_w_repeats" / "tutorial_w_repeats_flattened.csv"
TRANSPORT = KOBOCAT / "transportation" / "transportation_export.xlsx"
BOB = "b31c6ac2-b8ca-4180-914f-c844fa10ed3b"


def _form(path: Path) -> Instrument:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # form warnings are tested in test_instrument_real
        return read_xlsform(path)


def _read(path: Path, form: Path, **kw: object) -> IngestResult:
    result = read_export(path, _form(form), key="k", **kw)  # type: ignore[arg-type]
    assert result.reconciles()
    return result


def _counts(r: IngestResult) -> tuple[object, ...]:
    s = r.summary
    return s["rows_in"], s["accepted"], s["quarantined"], s["repeat_rows_in"]


def _rules(r: IngestResult) -> set[str]:
    return set(r.issues["rule"])


@pytest.fixture(scope="module")
def transport_form() -> Instrument:
    return _form(KOBOCAT / "transportation" / "transportation.xls")


# -- the committed real exports: counts ------------------------------------------------
def test_kobocat_nested_wide_repeats() -> None:
    r = _read(
        KOBOCAT / "double_repeat" / "export.csv", KOBOCAT / "double_repeat" / "double_repeat.xls"
    )
    assert _counts(r) == (1, 1, 0, {"bed_net": 2, "member": 3})
    member = r.repeats["member"]
    assert member["_position"].tolist() == [1, 2, 1]
    assert member["_parent_key"].str.endswith(("bed_net[1]", "bed_net[1]", "bed_net[2]")).all()


def test_kobocat_legacy_csv_with_nested_repeats_in_a_group() -> None:
    folder = KOBOCAT / "nested_repeats"
    r = _read(folder / "nested_repeats.csv", folder / "nested_repeats.xls")
    assert _counts(r) == (2, 2, 0, {"kids_details": 5, "kids_immunization": 11})
    kids = r.repeats["kids_details"]
    assert kids["kids_age"].tolist() == [2, 1, 8, 5, 3]  # kids_details[3] of Hansel is n/a
    assert "kids_name" not in kids  # a name: personal data
    assert r.data["web_browsers__safari"].tolist() == [1, 0]  # True / False option columns
    assert (r.summary["tool"], r.summary["format"]) == ("Kobo", "CSV")


def test_kobocat_xlsx_export(transport_form: Instrument) -> None:
    r = read_export(TRANSPORT, transport_form, key="k")
    assert r.reconciles() and _counts(r) == (4, 4, 0, {})
    assert (r.summary["tool"], r.summary["format"], r.summary["unit_column"]) == (
        "Kobo",
        "XLSX",
        "_uuid",
    )


def test_briefcase_appended_export_keeps_the_later_copy() -> None:
    r = _read(
        REAL / "briefcase" / "nested-repeats-append" / "nested-repeats.csv",
        REAL / "briefcase" / "nested-repeats" / "nested-repeats.xlsx",
    )
    assert _counts(r) == (2, 1, 1, {"g1": 6, "g2": 8, "g3": 10})
    assert r.summary["repeat_accepted"] == {"g1": 3, "g2": 4, "g3": 5}
    assert r.summary["repeat_quarantined"] == {"g1": 3, "g2": 4, "g3": 5}
    assert set(r.quarantine["rule"]) == {"duplicate"}
    assert r.data["_row"].tolist() == [3]  # the later copy


# -- E1: an exact-case header beats a case-folded one -----------------------------------
def _with_columns(src: Path, dst: Path, **columns: tuple[int, str]) -> Path:
    table = pd.read_csv(src, dtype=str, keep_default_na=False)
    for name, (pos, value) in columns.items():
        table.insert(pos, name, value)
    table.to_csv(dst, index=False)
    return dst


def test_exact_case_column_wins_over_a_folded_one(tmp_path: Path) -> None:
    folder = KOBOCAT / "nested_repeats"
    form = folder / "nested_repeats.xls"
    # 'ADDRESS' (a folded match of question 'address') comes first, filled differently
    path = _with_columns(folder / "nested_repeats.csv", tmp_path / "two.csv", ADDRESS=(0, "9"))
    r = _read(path, form)
    assert r.data["address"].tolist() == ["1234", "5678"]  # the exact column, not 'ADDRESS'
    demoted = r.issues[(r.issues["rule"] == "unknown_column") & (r.issues["column"] == "ADDRESS")]
    assert demoted["problem"].tolist() == [
        "holds the same question as column 'address' (which is used: its header spells "
        "the name exactly, case included)"
    ]
    # alone, the folded column is read (a weaker match, used when nothing better exists)
    alone = pd.read_csv(path, dtype=str, keep_default_na=False).drop(columns=["address"])
    alone.to_csv(tmp_path / "folded.csv", index=False)
    assert _read(tmp_path / "folded.csv", form).data["address"].tolist() == ["9", "9"]


# -- E2: no usable submission id: keyed by _index --------------------------------------
def _blank(src: Path, dst: Path, headers: set[str], drop: bool = False) -> Path:
    book = load_workbook(src)
    ws = book.worksheets[0]
    hits = [c.column for c in ws[1] if c.value in headers]
    assert len(hits) == len(headers)
    for col in sorted(hits, reverse=True):
        if drop:
            ws.delete_cols(col)
        else:
            for row in range(2, ws.max_row + 1):
                ws.cell(row=row, column=col).value = None
    book.save(dst)
    return dst


@pytest.mark.parametrize("drop", [False, True], ids=["ids empty", "no id columns"])
def test_submissions_without_ids_are_keyed_by_index(
    tmp_path: Path, transport_form: Instrument, drop: bool
) -> None:
    ids = {"meta/instanceID", "_uuid", "_id"}
    path = _blank(TRANSPORT, tmp_path / "no_ids.xlsx", ids, drop=drop)
    r = read_export(path, transport_form, key="k")
    assert r.reconciles() and _counts(r) == (4, 4, 0, {})
    assert (r.summary["unit"], r.summary["unit_column"]) == ("_index", "_index")
    assert r.data["_index"].tolist() == ["1", "2", "3", "4"]
    note = r.issues[r.issues["rule"] == "key_from_index"]
    assert note["problem"].str.startswith("4 submission(s) have no id").all() and len(note) == 1


def test_missing_key_reason_names_the_column_checked(tmp_path: Path) -> None:
    folder = KOBOCAT / "double_repeat"
    table = pd.read_csv(folder / "export.csv", dtype=str, keep_default_na=False)
    table = table.drop(columns=["_uuid"]).assign(**{"meta/instanceID": ""})
    table.to_csv(tmp_path / "export.csv", index=False)
    r = _read(tmp_path / "export.csv", folder / "double_repeat.xls")
    assert _counts(r) == (1, 0, 1, {"bed_net": 2, "member": 3})
    assert r.quarantine.loc[0, "reason"] == "missing record key ('meta/instanceID')"
    assert r.summary["repeat_quarantined"] == {"bed_net": 2, "member": 3}


def test_an_export_without_any_id_or_index_is_refused(
    tmp_path: Path, transport_form: Instrument
) -> None:
    path = _blank(
        TRANSPORT, tmp_path / "bare.xlsx", {"meta/instanceID", "_uuid", "_id", "_index"}, drop=True
    )
    with pytest.raises(ExportReadError, match="_id or _index") as err:
        read_export(path, transport_form)
    assert "unit=" in str(err.value)


# -- E3: an .xlsx workbook under an .xls name ------------------------------------------
def test_xlsx_content_under_an_xls_name_is_read_by_content(
    tmp_path: Path, transport_form: Instrument
) -> None:
    renamed = tmp_path / "transportation_export.xls"  # as KoboToolbox's API names it
    shutil.copyfile(TRANSPORT, renamed)
    r = read_export(renamed, transport_form, key="k")
    assert r.reconciles() and _counts(r) == (4, 4, 0, {})
    assert read_workbook(renamed).keys() == read_workbook(TRANSPORT).keys()


def test_legacy_xls_still_goes_to_xlrd(tmp_path: Path) -> None:
    legacy = KOBOCAT / "transportation" / "transportation.xls"
    assert legacy.read_bytes()[:4] == b"\xd0\xcf\x11\xe0"  # BIFF (OLE2), not a zip
    sheets = read_workbook(legacy)
    assert list(sheets) == ["survey", "choices", "settings"]
    renamed = tmp_path / "transportation.xlsx"  # and under an .xlsx name too
    shutil.copyfile(legacy, renamed)
    assert read_workbook(renamed)["survey"].equals(sheets["survey"])


# -- E4: flattened export (one row per repeat instance) --------------------------------
def test_flattened_export_rows_become_repeat_instances() -> None:
    r = _read(FLAT, FLAT.with_name("tutorial_w_repeats.xls"))
    assert _counts(r) == (1, 1, 0, {"children": 2})
    kids = r.repeats["children"]
    assert kids[["_uuid", "_position", "childs_age", "_row"]].values.tolist() == [
        [BOB, 1, 12, 2],
        [BOB, 2, 5, 3],
    ]
    assert r.data["_uuid"].tolist() == [BOB] and r.data["age"].tolist() == [25]
    note = r.issues[r.issues["rule"] == "flattened_export"]
    assert note["problem"].str.contains("2 rows hold 1 submission").all() and len(note) == 1
    assert "duplicate" not in _rules(r) and "unknown_column" not in _rules(r)


def test_flattened_rows_that_disagree_are_duplicates_with_an_issue(tmp_path: Path) -> None:
    table = pd.read_csv(FLAT, dtype=str, keep_default_na=False)
    table.loc[1, "age"] = "26"  # the same submission id, another answer outside the repeat
    table.to_csv(tmp_path / "edited.csv", index=False)
    r = _read(tmp_path / "edited.csv", FLAT.with_name("tutorial_w_repeats.xls"))
    assert _counts(r) == (2, 1, 1, {"children": 0})
    assert set(r.quarantine["rule"]) == {"duplicate"}
    note = r.issues[r.issues["rule"] == "flattened_export"]
    assert note["problem"].str.contains("differ from it outside the repeat").all()
    assert {"children/childs_age", "children/childs_name"} <= set(
        r.issues.loc[r.issues["rule"] == "unknown_column", "column"]
    )


def test_empty_unnumbered_repeat_columns_are_not_a_flattened_export(tmp_path: Path) -> None:
    table = pd.read_csv(FLAT, dtype=str, keep_default_na=False)
    table = table.assign(**{"children/childs_age": "", "children/childs_name": "n/a"})
    table.to_csv(tmp_path / "blank.csv", index=False)
    r = _read(tmp_path / "blank.csv", FLAT.with_name("tutorial_w_repeats.xls"))
    assert _counts(r) == (2, 1, 1, {"children": 0})  # two rows, one id: a duplicate
    assert "flattened_export" not in _rules(r)
    unknown = r.issues.loc[r.issues["rule"] == "unknown_column", "column"]
    assert set(unknown) == {"children/childs_age", "children/childs_name"}
