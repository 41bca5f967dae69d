"""Tests of toolkit.ingest._societies: the Society column of an export identified through
the crosswalk, as people write it, with every row accepted or quarantined and the rule
of every match recorded."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from export_records import read_records, write_records

from toolkit.errors import FrameError
from toolkit.frame import CROSSWALK_COLUMNS
from toolkit.ingest import read_export
from toolkit.ingest._societies import SOCIETY_MATCH_RULES, society_crosswalk
from toolkit.instrument import read_xlsform

STUDY = {"unit": "ns_iso3", "society": "ns_iso3"}
COLUMN = "society/ns_iso3"

# value written in the export, then what ingestion must make of it:
# (Society kept or None, society_match of an accepted row / quarantine rule)
SPELLINGS: list[tuple[str, str | None, str]] = [
    ("Croix-Rouge béninoise", None, "duplicate"),  # the same Society as row 7, earlier
    ("Cruz Roja Colombiana", "COL", "name"),
    ("الهلال الأحمر المصري", "EGY", "name"),
    ("Kenya Red Cross Society", None, "duplicate"),  # the same Society as 'KE', earlier
    ("KE", "KEN", "iso2"),
    ("Croix Rouge Beninoise", "BEN", "name"),  # without accents: an exact name
    ("Ethopian Red Cross", "ETH", "fuzzy"),  # accepted, with an issue
    ("Croix-Rouge Béninnoise du Nord", None, "near_miss_society"),  # did you mean BEN?
    ("Red Cross", None, "ambiguous_society"),  # which one?
    ("Atlantis", None, "near_miss_society"),  # a poor suggestion, never accepted
    ("Springfield", None, "unknown_society"),
    ("12", None, "ambiguous_society"),  # a bare number among names is not a GO id
    ("XKX", None, "unknown_society"),  # an unknown code reads as before
    ("", None, "missing_unit"),
    ("-", None, "missing_society"),  # a dash or "?" says nothing either
]


def _export(tmp_path: Path, demo_csv: Path, values: list[str], *, repeats: bool = False) -> Path:
    """The first len(values) answered demo rows, with their Society cells replaced and
    submission times in file order (a later row supersedes an earlier one); without
    the columns of the programme repeat group unless ``repeats`` (faster)."""
    recs = read_records(demo_csv)
    keep = [j for j, h in enumerate(recs[0]) if repeats or "[" not in h]
    recs = [[r[j] for j in keep] for r in recs]
    head = recs[0]
    col, time = head.index(COLUMN), head.index("_submission_time")
    body = [list(r) for r in recs[1:] if r[col] not in ("", "XKX")][: len(values)]
    for i, (row, value) in enumerate(zip(body, values)):
        row[col] = value
        row[time] = f"2026-05-{i + 1:02d}T10:00:00"
    return write_records(tmp_path / "x.csv", [head, *body])


def _held(result) -> pd.DataFrame:
    """The quarantined submissions (their repeat instances follow them there)."""
    return result.quarantine[result.quarantine["_repeat"].isna()]


@pytest.fixture(scope="module")
def spelled(tmp_path_factory, demo_csv, instrument, frame):
    path = _export(tmp_path_factory.mktemp("soc"), demo_csv, [s[0] for s in SPELLINGS])
    return read_export(path, instrument, frame=frame, **STUDY)


def test_every_row_is_accepted_or_quarantined(spelled):
    r = spelled
    assert r.rows_in == len(SPELLINGS) and r.reconciles()
    assert len(r.data) + len(_held(r)) == len(SPELLINGS)
    accepted = {iso: rule for _, iso, rule in SPELLINGS if iso}
    assert dict(zip(r.data["ns_iso3"], r.data["society_match"])) == accepted
    assert set(r.data["society_match"]) <= set(SOCIETY_MATCH_RULES)
    got = dict(zip(_held(r)["_row"], _held(r)["rule"]))
    want = {i + 2: rule for i, (_, iso, rule) in enumerate(SPELLINGS) if iso is None}
    assert got == want
    assert r.summary["society_match"] == {"name": 3, "iso2": 1, "fuzzy": 1}


def test_duplicates_are_found_on_the_society_however_written(spelled):
    q = _held(spelled).set_index("_row")
    kenya, benin = q.loc[5], q.loc[2]  # 'Kenya Red Cross Society', 'Croix-Rouge béninoise'
    assert kenya["ns_iso3"] == "KEN" and "the latest one (row 6) was kept" in kenya["reason"]
    assert benin["ns_iso3"] == "BEN" and "the latest one (row 7) was kept" in benin["reason"]
    kept = spelled.data.set_index("ns_iso3")["_row"]
    assert (kept["KEN"], kept["BEN"]) == (6, 7)


def test_quarantine_issues_name_file_row_column_value_and_what_to_do(spelled):
    issues = spelled.issues
    rules = ("near_miss_society", "ambiguous_society", "unknown_society")
    bad = issues[issues["rule"].isin(rules)].set_index("row")
    written = {i + 2: v for i, (v, _, rule) in enumerate(SPELLINGS) if rule in rules}
    assert bad["value"].to_dict() == written
    assert (bad["column"] == COLUMN).all()
    assert bad["file"].str.endswith("x.csv").all()
    assert (bad["action"] == "row quarantined").all()
    near = bad.loc[9, "problem"]
    assert "'Croix-Rouge Béninnoise du Nord': not identified; did you mean BEN" in near
    assert "ISO3 code" in near and "crosswalk" in near
    assert "did you mean ALB" in bad.loc[11, "problem"]  # Atlantis: shown, with its score
    assert "does not say which National Society" in bad.loc[10, "problem"]
    assert "bare number" in bad.loc[13, "problem"]
    assert "no National Society has a code or name like this" in bad.loc[12, "problem"]
    assert "Society code XKX is not in the membership frame" in bad.loc[14, "problem"]
    # the quarantine carries the same reasons, and the Society where one is readable
    q = _held(spelled).set_index("_row")
    assert q.loc[9, "reason"] == near
    assert pd.isna(q.loc[9, "ns_iso3"]) and q.loc[14, "ns_iso3"] == "XKX"


def test_an_accepted_fuzzy_match_is_reported(spelled):
    fuzzy = spelled.issues[spelled.issues["rule"] == "fuzzy_society"]
    assert fuzzy[["row", "column", "value"]].values.tolist() == [[8, COLUMN, "Ethopian Red Cross"]]
    assert "read as ETH" in fuzzy["problem"].iloc[0]
    assert fuzzy["action"].iloc[0].startswith("row accepted")
    assert fuzzy["ns_iso3"].iloc[0] == "ETH"


def test_the_threshold_decides_near_miss_or_fuzzy(tmp_path, demo_csv, instrument, frame):
    """'Beninese Red Cross' scores 0.82 against 'Croix-Rouge béninoise': below 0.85 it
    is never accepted, whatever else is in the export."""
    path = _export(tmp_path, demo_csv, ["Beninese Red Cross", "Croix Rouge Beninnoise"])
    r = read_export(path, instrument, frame=frame, **STUDY)
    assert r.data["society_match"].tolist() == ["fuzzy"]  # one-letter typo: 0.95
    assert _held(r)["rule"].tolist() == ["near_miss_society"]
    assert "did you mean BEN" in _held(r)["reason"].iloc[0]


def test_own_crosswalk_rows_are_added(tmp_path, demo_csv, instrument, frame):
    extra = pd.DataFrame(
        [["BEN", "society_name", "fr", "Croix-Rouge Béninnoise du Nord", "study"]],
        columns=list(CROSSWALK_COLUMNS),
    )
    path = _export(tmp_path, demo_csv, ["Croix-Rouge Béninnoise du Nord"])
    r = read_export(path, instrument, frame=frame, crosswalk=extra, **STUDY)
    assert r.data[["ns_iso3", "society_match"]].values.tolist() == [["BEN", "name"]]
    csv_rows = tmp_path / "own.csv"
    extra.to_csv(csv_rows, index=False)
    assert len(society_crosswalk(csv_rows)) == len(society_crosswalk(extra))
    with pytest.raises(FrameError, match="variant"):
        society_crosswalk(extra.drop(columns=["variant"]))


# -- numbers and GO ids ------------------------------------------------------------------
def test_a_column_of_numbers_is_read_as_go_ids_and_said_so(tmp_path, demo_csv, instrument, frame):
    path = _export(tmp_path, demo_csv, ["209", "12"])
    r = read_export(path, instrument, frame=frame, **STUDY)
    assert r.data["society_match"].tolist() == ["go_id", "go_id"]
    assert "BEN" in set(r.data["ns_iso3"])
    note = r.issues[r.issues["rule"] == "society_go_ids"]
    assert len(note) == 1 and "IFRC GO" in note["problem"].iloc[0]
    declared = read_export(path, instrument, frame=frame, society_go_ids=False, **STUDY)
    assert declared.data.empty and set(_held(declared)["rule"]) == {"ambiguous_society"}
    assert declared.reconciles()


def test_numbers_declared_as_go_ids_among_names(tmp_path, demo_csv, instrument, frame):
    path = _export(tmp_path, demo_csv, ["209", "Kenya"])
    default = read_export(path, instrument, frame=frame, **STUDY)
    assert default.data["ns_iso3"].tolist() == ["KEN"]
    declared = read_export(path, instrument, frame=frame, society_go_ids=True, **STUDY)
    assert declared.data["ns_iso3"].tolist() == ["BEN", "KEN"]
    assert declared.data["society_match"].tolist() == ["go_id", "name"]


# -- a form whose Society list is not keyed by ISO3 codes ---------------------------------
def _form_with_numbered_societies(path: Path) -> Path:
    wb = openpyxl.Workbook()
    survey = wb.active
    survey.title = "survey"
    for row in (
        ["type", "name", "label"],
        ["select_one ns", "society", "National Society"],
        ["integer", "volunteers", "Volunteers"],
    ):
        survey.append(row)
    choices = wb.create_sheet("choices")
    for row in (
        ["list_name", "name", "label"],
        ["ns", "1", "Kenya Red Cross Society"],
        ["ns", "2", "Croix-Rouge béninoise"],
        ["ns", "3", "Cruz Roja Colombiana"],
        ["ns", "4", "Atlantis Red Cross"],
    ):
        choices.append(row)
    wb.save(path)
    return path


def test_choices_named_by_numbers_are_read_by_their_labels(tmp_path, frame):
    form = read_xlsform(_form_with_numbered_societies(tmp_path / "form.xlsx"))
    rows = [
        ["society", "volunteers", "_uuid"],
        ["1", "10", "u1"],
        ["Croix-Rouge béninoise", "20", "u2"],  # the label, as a label export writes it
        ["3", "30", "u3"],
        ["4", "40", "u4"],
    ]
    path = tmp_path / "numbered.csv"
    path.write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8")
    r = read_export(path, form, frame=frame, society="society", key="k")
    assert r.reconciles()
    # the choice names 1-3 are GO ids of other Societies: they must not be read as such
    assert r.data["ns_iso3"].tolist() == ["KEN", "BEN", "COL"]
    assert r.data["society_match"].tolist() == ["name", "name", "name"]
    bad = r.issues[r.issues["rule"].isin(["near_miss_society", "unknown_society"])]
    assert bad["value"].tolist() == ["4"]
    assert "(choice '4' of list 'ns')" in bad["problem"].iloc[0]


def test_repeat_tables_carry_the_identified_society(tmp_path, demo_csv, instrument, frame):
    values = ["Kenya Red Cross Society", "Cruz Roja Colombiana", "Red Cross", "Zzyzx"]
    path = _export(tmp_path, demo_csv, values, repeats=True)
    r = read_export(path, instrument, frame=frame, **STUDY)
    assert r.repeats and r.reconciles()
    for name, table in r.repeats.items():
        assert set(table["ns_iso3"]) == set(table["ns_iso3"].dropna()) <= {"KEN", "COL"}
        q = r.quarantine[r.quarantine["_repeat"] == name]
        assert set(q["rule"]) <= {"parent_quarantined"} and q["ns_iso3"].isna().all()
    kept = pd.concat([t["ns_iso3"] for t in r.repeats.values()])
    assert len(kept) > 0  # the demo's first rows list programmes
