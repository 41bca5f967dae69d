"""Tests of toolkit.instrument: the bundled codebook and read_xlsform on real-world forms.

pyxform, the reference implementation of XLSForm (and a project dependency), is used
as the oracle where it helps: the bundled workbook must convert without errors or
warnings, and malformed forms that read_xlsform rejects are rejected by pyxform too.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest
from openpyxl import Workbook
from pyxform.errors import PyXFormError
from pyxform.xls2xform import convert, xls2xform_convert

from toolkit.errors import InstrumentError
from toolkit.frame import load_frame
from toolkit.ingest import PERSONAL_FIELDS
from toolkit.instrument import (
    Instrument,
    InstrumentWarning,
    bundled_instrument_path,
    load_instrument,
    read_xlsform,
)
from toolkit.instrument._excel import read_workbook

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "data" / "xlsform"

# The codebook as CONTRACTS.md states it.
ACTIVITIES = [
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
]
STAGES = ["origin", "transit", "destination", "return"]
TARGET_GROUPS = [
    "uasc",
    "children",
    "women",
    "irregular",
    "asylum",
    "returnees",
    "trafficked",
    "labour",
    "stranded",
    "host",
]
SERVICE_TYPES = ["assistance", "protection", "awareness", "advocacy"]
WORK_LANGUAGES = ["en", "fr", "es", "ar", "ru", "pt", "other"]
LANGS = ("English (en)", "Français (fr)", "Español (es)", "العربية (ar)")


@pytest.fixture(scope="module")
def bundled(instrument: Instrument) -> Instrument:
    """The bundled questionnaire (conftest's session-wide ``load_instrument()``)."""
    return instrument


def test_load_instrument_reads_the_bundled_workbook() -> None:
    form = load_instrument()
    assert form.path == bundled_instrument_path()
    assert form.questions.iloc[0]["name"] == "start"


def _write(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    """Write an XLSForm workbook with openpyxl, one list of rows per sheet."""
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        for row in rows:
            ws.append(list(row))
    book.save(path)
    return path


def _pyxform_xml(path: Path) -> ET.Element:
    """Convert with pyxform and return the XForm's root element (fails on warnings)."""
    warnings: list[str] = []
    result = convert(xlsform=str(path), warnings=warnings)
    assert warnings == []
    return ET.fromstring(result.xform)


H = ["type", "name", "label"]
YES_NO = [["list_name", "name", "label"], ["yn", "yes", "Yes"], ["yn", "no", "No"]]


# ============================================================ the bundled questionnaire
def test_bundled_form_loads(bundled: Instrument) -> None:
    assert bundled_instrument_path().is_file()
    assert bundled.path == bundled_instrument_path()
    assert bundled.settings["form_id"] == "nsmap_migration"
    assert bundled.settings["default_language"] == "English (en)"
    assert bundled.languages == LANGS
    assert bundled.questions["name"].is_unique
    assert not bundled.questions["type"].isin(["end_group", "end_repeat"]).any()


def test_ns_iso3_lists_every_frame_society(bundled: Instrument) -> None:
    q = bundled.question("ns_iso3")
    assert (q["type"], q["list_name"], bool(q["required"])) == ("select_one", "ns", True)
    codes = bundled.choice_names("ns")
    frame = load_frame()
    assert len(codes) == len(set(codes)) == len(frame) == 193
    assert set(codes) == set(frame["iso3"])
    # Labels name the country and the Society, in every language.
    labels = bundled.choice_labels("ns")
    fra = frame.set_index("iso3").loc["FRA"]
    assert fra["country"] in labels["FRA"] and fra["society_name"] in labels["FRA"]


def test_activities_question_and_taxonomy(bundled: Instrument) -> None:
    q = bundled.question("activities")
    assert (q["type"], q["list_name"]) == ("select_multiple", "activity")
    assert bundled.choice_names("activity") == [*ACTIVITIES, "other"]
    other = bundled.question("activities_other")
    assert other["type"] == "text"
    assert other["relevant"] == "selected(${activities}, 'other')"

    tax = bundled.activity_taxonomy()
    assert tax["code"].tolist() == ACTIVITIES
    for rec in tax.itertuples():
        assert rec.label.strip(), rec.code
        assert rec.definition.strip(), rec.code
        assert "\n" not in rec.definition and len(rec.definition) < 250, rec.code
        assert rec.definition.endswith("."), rec.code
    # Definitions are distinct: no two activity types share a definition.
    assert tax["definition"].is_unique
    for lang in LANGS:
        labels = bundled.activity_taxonomy(lang)["label"]
        assert labels.str.strip().ne("").all() and labels.is_unique, lang


@pytest.mark.parametrize("code", ACTIVITIES)
def test_per_activity_questions(bundled: Instrument, code: str) -> None:
    group = bundled.question(f"act_{code}")
    assert group["type"] == "begin_group"
    # asked for the types chosen directly or taken from the programmes
    assert group["relevant"] == (
        f"selected(${{activities}}, '{code}') or selected(${{programme_activities}}, '{code}')"
    )
    expected = {
        f"{code}_stage": ("select_multiple", "stage"),
        f"{code}_groups": ("select_multiple", "target_group"),
        f"{code}_service": ("select_multiple", "service_type"),
        f"{code}_reached": ("integer", ""),
    }
    for name, (typ, list_name) in expected.items():
        q = bundled.question(name)
        assert (q["type"], q["list_name"]) == (typ, list_name), name
        assert q["group"] == f"activity_details/act_{code}", name
    assert bundled.question(f"{code}_reached")["constraint"] == ". >= 0 and . <= 50000000"


def test_choice_lists(bundled: Instrument) -> None:
    assert bundled.choice_names("stage") == STAGES
    assert bundled.choice_names("target_group") == TARGET_GROUPS
    assert bundled.choice_names("service_type") == SERVICE_TYPES
    assert bundled.choice_names("yes_no") == ["yes", "no"]
    assert bundled.choice_names("language") == WORK_LANGUAGES
    # Stages and service types are defined, not just labelled.
    for list_name in ("stage", "service_type"):
        table = bundled.choices[list_name]
        assert table["definition"].str.strip().ne("").all(), list_name
    assert bundled.choice_labels("target_group")["uasc"] == "Unaccompanied and separated children"
    for lang in LANGS:
        for list_name, table in bundled.choices.items():
            assert table[f"label::{lang}"].notna().all(), (list_name, lang)


def test_scale_cooperation_and_contact_fields(bundled: Instrument) -> None:
    for name in (
        "people_reached",
        "branches_total",
        "branches_migration",
        "staff_migration",
        "volunteers_migration",
    ):
        assert bundled.question(name)["type"] == "integer", name
    assert (
        bundled.question("branches_migration")["constraint"] == ". >= 0 and . <= ${branches_total}"
    )
    typed = {
        "coop_any": ("select_one", "yes_no"),
        "coop_partners": ("select_multiple", "ns"),
        "coop_activities": ("select_multiple", "activity"),
        "coop_interest": ("select_one", "yes_no"),
        "work_languages": ("select_multiple", "language"),
        "has_migration_programme": ("select_one", "yes_no"),
    }
    for name, (typ, list_name) in typed.items():
        q = bundled.question(name)
        assert (q["type"], q["list_name"]) == (typ, list_name), name
    for name in ("resp_name", "resp_email", "resp_phone", "resp_position"):
        q = bundled.question(name)
        assert q["type"] == "text" and q["group"] == "society/respondent", name
        assert name in PERSONAL_FIELDS
    assert bundled.question("report_date")["type"] == "date"


def test_every_field_is_labelled_in_every_language(bundled: Instrument) -> None:
    fields = bundled.fields()
    fields = fields[~fields["type"].isin(["start", "end", "today"])]
    for lang in LANGS:
        empty = fields.loc[fields[f"label::{lang}"].str.strip() == "", "name"].tolist()
        assert empty == [], lang
    assert bundled.label("ns_iso3") == "Which National Society are you answering for?"
    assert bundled.label("ns_iso3", "Français (fr)").startswith("Pour quelle Société")


def test_bundled_form_converts_with_pyxform(tmp_path: Path) -> None:
    out = tmp_path / "instrument.xml"
    # validate=False: ODK Validate is a Java jar that pyxform downloads separately.
    warnings = xls2xform_convert(bundled_instrument_path(), out, validate=False)
    assert warnings == []
    root = ET.parse(out).getroot()
    ns = {"x": "http://www.w3.org/2002/xforms"}
    langs = {t.get("lang") for t in root.iter("{http://www.w3.org/2002/xforms}translation")}
    assert langs == set(LANGS)
    binds = {
        b.get("nodeset").rsplit("/", 1)[-1]: b
        for b in root.iter("{http://www.w3.org/2002/xforms}bind")
    }
    assert binds["ns_iso3"].get("required") == "true()"
    assert binds["rfl_reached"].get("type") == "int"
    assert "selected(" in binds["act_rfl"].get("relevant")
    assert root.find(".//x:instance[@id='ns']", ns) is not None


def _load_build_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_instrument", ROOT / "scripts" / "build_instrument.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_build_script_reproduces_committed_workbook(tmp_path: Path) -> None:
    build = _load_build_script()
    out = tmp_path / "rebuilt.xlsx"
    build.build(out, ROOT / "toolkit" / "data" / "membership.csv")
    committed = read_workbook(bundled_instrument_path())
    rebuilt = read_workbook(out)
    assert list(rebuilt) == list(committed) == ["survey", "choices", "settings"]
    for sheet in committed:
        pd.testing.assert_frame_equal(rebuilt[sheet], committed[sheet], obj=sheet)
    assert not (tmp_path / "rebuilt.tmp.xlsx").exists()


# ============================================================ real-world form variants
# tests/data/xlsform/legacy_form.xls was written once with xlwt (which only writes the
# legacy BIFF format) in a throwaway venv:
#   python3 -m venv /tmp/xlwtenv && /tmp/xlwtenv/bin/pip install xlwt
#   import xlwt
#   book = xlwt.Workbook(encoding="utf-8")
#   survey = book.add_sheet("survey")
#   rows = [
#       ["Type", "Name", "Label::English (en)", "Label::Français (fr)", "Required",
#        "Relevant"],
#       ["begin group", "household", "Household", "Ménage", "", ""],
#       ["select_one yes_no", "consent", "Consent?", "Consentement ?", True, ""],
#       ["integer", "members", "Members", "Membres", "", "${consent} = 'yes'"],
#       ["select_one size", "size", "Size", "Taille", "", ""],
#       ["end group", "", "", "", "", ""],
#   ]
#   for r, row in enumerate(rows):
#       for c, value in enumerate(row):
#           if value != "":
#               survey.write(r, c, value)
#   choices = book.add_sheet("choices")
#   crows = [["list name", "name", "label::English (en)", "label::Français (fr)"],
#            ["yes_no", "yes", "Yes", "Oui"], ["yes_no", "no", "No", "Non"],
#            ["size", 1, "Small", "Petit"], ["size", 2, "Large", "Grand"]]
#   for r, row in enumerate(crows):
#       for c, value in enumerate(row):
#           choices.write(r, c, value)
#   settings = book.add_sheet("settings")
#   for c, (k, v) in enumerate([("form_id", "legacy"),
#                               ("default_language", "English (en)")]):
#       settings.write(0, c, k)
#       settings.write(1, c, v)
#   book.save("legacy_form.xls")
def _check_legacy(form: Instrument) -> None:
    q = form.questions.set_index("name")
    assert q.index.tolist() == ["household", "consent", "members", "size"]
    assert q.loc["consent", "type"] == "select_one"
    assert q.loc["consent", "list_name"] == "yes_no"
    assert bool(q.loc["consent", "required"]) is True  # an Excel boolean TRUE cell
    assert bool(q.loc["members", "required"]) is False
    assert q.loc["members", "group"] == "household"
    assert q.loc["members", "relevant"] == "${consent} = 'yes'"
    assert q.loc["size", "row"] == 5
    # Numeric choice names are read as Excel shows them ("1"), not as floats ("1.0").
    assert form.choice_names("size") == ["1", "2"]
    assert form.languages == ("English (en)", "Français (fr)")
    assert form.choice_labels("size", "Français (fr)") == {"1": "Petit", "2": "Grand"}
    assert form.settings == {"form_id": "legacy", "default_language": "English (en)"}


def test_legacy_xls_form() -> None:
    path = FIXTURES / "legacy_form.xls"
    _check_legacy(read_xlsform(path))
    _pyxform_xml(path)  # pyxform reads it too


def test_workbook_format_is_recognised_by_content(tmp_path: Path) -> None:
    # A legacy workbook saved under an .xlsx name (as users rename files) still opens.
    renamed = tmp_path / "legacy_form.xlsx"
    shutil.copy(FIXTURES / "legacy_form.xls", renamed)
    _check_legacy(read_xlsform(renamed))


def test_cells_are_read_as_excel_shows_them(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "cells.xlsx",
        {
            "survey": [
                ["type", "name", "label", "required", "default"],
                ["integer", "a", 12, True, 1.0],
                ["decimal", "b", "B", False, 2.5],
                ["date", "c", "C", None, dt.datetime(2026, 5, 4)],
                ["datetime", "d", "D", "yes", dt.datetime(2026, 5, 4, 13, 30)],
            ]
        },
    )
    q = read_xlsform(path).questions.set_index("name")
    assert q.loc["a", "label::default"] == "12"
    assert q["required"].tolist() == [True, False, False, True]
    assert q["default"].tolist() == ["1", "2.5", "2026-05-04", "2026-05-04 13:30:00"]


@pytest.mark.parametrize(
    "headers,list_header",
    [
        (["Type", "NAME", "Label"], "list_name"),
        (["TYPE", "Name", "LABEL"], "list name"),
        ([" type ", "name", "label"], "List Name"),
        (["type", "name", "label"], "LIST_NAME"),
    ],
)
def test_header_spellings(tmp_path: Path, headers: list[str], list_header: str) -> None:
    path = _write(
        tmp_path / "form.xlsx",
        {
            "survey": [
                [*headers, "Required"],
                ["select_one yn", "q", "Q?", "yes"],
                ["integer", "n", "N", "TRUE"],  # type cells are case-sensitive, as in pyxform
            ],
            "choices": [[list_header, "Name", "Label"], ["yn", "yes", "Yes"], ["yn", "no", "No"]],
        },
    )
    form = read_xlsform(path)
    assert form.questions["name"].tolist() == ["q", "n"]
    assert form.questions["type"].tolist() == ["select_one", "integer"]
    assert form.questions["required"].tolist() == [True, True]
    assert form.languages == ("default",)
    assert form.label("q") == "Q?"
    # Untranslated choice labels are found too (regression: they were ignored).
    assert form.choice_labels("yn") == {"yes": "Yes", "no": "No"}


def test_translations_and_default_language(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "form.xlsx",
        {
            "survey": [
                [
                    "type",
                    "name",
                    "label::English (en)",
                    "label::Français (fr)",
                    "hint::English (en)",
                    "hint::Français (fr)",
                ],
                ["select_one yn", "q", "Agree?", "D'accord ?", "Pick one", "Choisir"],
            ],
            "choices": [
                ["list_name", "name", "label::English (en)", "label::Français (fr)"],
                ["yn", "yes", "Yes", "Oui"],
                ["yn", "no", "No", "Non"],
            ],
            "settings": [["form_title", "default_language"], ["Test", "Français (fr)"]],
        },
    )
    form = read_xlsform(path)
    assert form.languages == ("Français (fr)", "English (en)")
    assert form.label("q") == "D'accord ?"
    assert form.label("q", "English (en)") == "Agree?"
    assert form.question("q")["hint::Français (fr)"] == "Choisir"
    assert form.choice_labels("yn") == {"yes": "Oui", "no": "Non"}
    assert form.choice_labels("yn", "English (en)") == {"yes": "Yes", "no": "No"}
    assert form.settings["default_language"] == "Français (fr)"
    root = _pyxform_xml(path)
    default = [
        t.get("lang")
        for t in root.iter("{http://www.w3.org/2002/xforms}translation")
        if t.get("default") == "true()"
    ]
    assert default == [form.languages[0]]  # pyxform agrees on the default language


def test_single_colon_translation_header(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "form.xlsx",
        {
            "survey": [
                ["type", "name", "label:English", "label:Español"],
                ["text", "q", "Name", "Nombre"],
            ]
        },
    )
    form = read_xlsform(path)
    assert form.languages == ("English", "Español")
    assert form.label("q", "Español") == "Nombre"


def test_untranslated_label_belongs_to_default_language(tmp_path: Path) -> None:
    # As in pyxform, an untranslated 'label' column is in the settings' default_language.
    path = _write(
        tmp_path / "form.xlsx",
        {
            "survey": [
                ["type", "name", "label", "label::French (fr)"],
                ["select_one yn", "q", "Agree?", "D'accord ?"],
            ],
            "choices": [
                ["list_name", "name", "label", "label::French (fr)"],
                ["yn", "yes", "Yes", "Oui"],
                ["yn", "no", "No", "Non"],
            ],
            "settings": [["default_language"], ["English (en)"]],
        },
    )
    form = read_xlsform(path)
    assert form.languages == ("English (en)", "French (fr)")
    assert form.label("q") == "Agree?"
    assert form.choice_labels("yn") == {"yes": "Yes", "no": "No"}
    assert "label::default" not in form.questions.columns


def test_nested_groups_and_repeats(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "form.xlsx",
        {
            "survey": [
                H,
                ["text", "top", "Top"],
                ["begin_group", "a", "A"],
                ["begin group", "b", "B"],
                ["integer", "in_b", "In b"],
                ["end group", None, None],
                ["begin repeat", "branch", "Branch"],
                ["text", "branch_name", "Branch name"],
                ["begin group", "detail", "Detail"],
                ["integer", "staff", "Staff"],
                ["end_group"],
                ["end repeat"],
                ["text", "after", "After the repeat"],
                ["end_group"],
            ]
        },
    )
    form = read_xlsform(path)
    q = form.questions.set_index("name")
    assert q.loc["top", "group"] == "" and q.loc["top", "repeat"] == ""
    assert q.loc["b", "group"] == "a"
    assert q.loc["in_b", "group"] == "a/b"
    assert q.loc["in_b", "repeat"] == ""
    assert q.loc["branch", "type"] == "begin_repeat"
    assert q.loc["branch", "group"] == "a" and q.loc["branch", "repeat"] == ""
    assert q.loc["branch_name", "group"] == "a/branch"
    assert q.loc["branch_name", "repeat"] == "a/branch"
    assert q.loc["staff", "group"] == "a/branch/detail"
    assert q.loc["staff", "repeat"] == "a/branch"
    assert q.loc["after", "group"] == "a" and q.loc["after", "repeat"] == ""
    assert form.fields()["name"].tolist() == ["top", "in_b", "branch_name", "staff", "after"]
    # pyxform builds the same paths.
    root = _pyxform_xml(path)
    refs = {b.get("nodeset") for b in root.iter("{http://www.w3.org/2002/xforms}bind")}
    assert any(r.endswith("/a/b/in_b") for r in refs)
    assert any(r.endswith("/a/branch/detail/staff") for r in refs)


@pytest.mark.parametrize(
    "opener,closer",
    [
        ("begin_group", "end_group"),
        ("begin group", "end group"),
        ("begin_group", "end group"),  # "Begin Group": unknown type, as in pyxform
        ("begin  group", "end group"),
        ("begin_repeat", "end_repeat"),
        ("begin repeat", "end repeat"),
    ],
)
def test_group_spellings(tmp_path: Path, opener: str, closer: str) -> None:
    path = _write(
        tmp_path / "form.xlsx",
        {
            "survey": [
                H,
                [opener, "g", "G"],
                ["text", "inside", "In"],
                [closer],
                ["text", "out", "Out"],
            ]
        },
    )
    q = read_xlsform(path).questions.set_index("name")
    kind = "repeat" if "repeat" in opener else "group"
    assert q.loc["g", "type"] == f"begin_{kind}"
    assert q.loc["inside", "group"] == "g"
    assert q.loc["out", "group"] == ""


def test_or_other(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "form.xlsx",
        {
            "survey": [
                H,
                ["begin group", "g", "G"],
                ["select_one yn or_other", "q", "Q"],
                ["select_multiple yn or_other", "m", "M"],
                ["end group"],
            ],
            "choices": YES_NO,
        },
    )
    form = read_xlsform(path)
    q = form.questions.set_index("name")
    assert bool(q.loc["q", "or_other"]) and q.loc["q", "list_name"] == "yn"
    assert q.index.tolist() == ["g", "q", "q_other", "m", "m_other"]
    assert q.loc["q_other", "type"] == "text"
    assert q.loc["q_other", "relevant"] == "selected(${q}, 'other')"
    assert q.loc["q_other", "group"] == "g"
    assert form.choice_names("yn") == ["yes", "no", "other"]  # added once
    assert form.choice_labels("yn")["other"] == "Other"
    # pyxform makes the same implicit question and choice.
    xml = ET.tostring(_pyxform_xml(path), encoding="unicode")
    assert "/g/q_other" in xml and "<name>other</name>" in xml


def test_or_other_name_collision(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "form.xlsx",
        {
            "survey": [H, ["text", "q_other", "Earlier"], ["select_one yn or_other", "q", "Q"]],
            "choices": YES_NO,
        },
    )
    with pytest.raises(InstrumentError, match="q_other") as err:
        read_xlsform(path)
    assert (err.value.sheet, err.value.row) == ("survey", 3)
    with pytest.raises(PyXFormError):
        convert(xlsform=str(path))


def test_select_one_from_file(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "form.xlsx",
        {
            "survey": [
                H,
                ["select_one_from_file places.csv", "place", "Place"],
                ["select_multiple_from_file sites.csv", "sites", "Sites"],
            ]
        },
    )
    form = read_xlsform(path)
    q = form.questions.set_index("name")
    assert q.loc["place", "type"] == "select_one"
    assert q.loc["place", "choice_file"] == "places.csv"
    assert q.loc["sites", "type"] == "select_multiple"
    assert q.loc["sites", "choice_file"] == "sites.csv"
    assert form.choices == {}
    _pyxform_xml(path)


def test_select_type_with_space(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "form.xlsx",
        {
            "survey": [H, ["select one yn", "q", "Q"], ["select all that apply yn", "m", "M"]],
            "choices": YES_NO,
        },
    )
    q = read_xlsform(path).questions.set_index("name")
    assert (q.loc["q", "type"], q.loc["q", "list_name"]) == ("select_one", "yn")
    assert (q.loc["m", "type"], q.loc["m", "list_name"]) == ("select_multiple", "yn")


def test_blank_rows_comment_columns_and_comment_rows(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "form.xlsx",
        {
            "survey": [
                ["type", "name", "label", "# author notes", "#"],
                ["text", "a", "A", "first question", "x"],
                [None, None, None, None, None],
                [None, None, None, "a comment row: no type, name or label", None],
                ["   ", None, None, None, None],
                ["integer", "b", "B", None, None],
            ],
            "choices": [[None], ["list_name", "name", "label"], ["yn", "yes", "Yes"]],
        },
    )
    form = read_xlsform(path)
    assert form.questions["name"].tolist() == ["a", "b"]
    assert form.questions["row"].tolist() == [2, 6]  # spreadsheet rows survive blanks
    assert not any(c.startswith("#") for c in form.questions.columns)
    assert form.choices["yn"]["row"].tolist() == [3]
    # pyxform also skips the comment row (with a warning), so it converts.
    convert(xlsform=str(path))


def test_unicode_names_are_valid(tmp_path: Path) -> None:
    # pyxform accepts non-ASCII letters in names; read_xlsform must too.
    path = _write(
        tmp_path / "form.xlsx",
        {"survey": [H, ["integer", "número_de_filiales", "N"], ["text", "région", "R"]]},
    )
    assert read_xlsform(path).questions["name"].tolist() == ["número_de_filiales", "région"]
    _pyxform_xml(path)


def test_workbook_without_choices_or_settings(tmp_path: Path) -> None:
    path = _write(tmp_path / "form.xlsx", {"Survey": [H, ["text", "a", "A"]]})
    form = read_xlsform(path)
    assert form.choices == {} and form.settings == {}
    assert form.languages == ("default",)


def test_instrument_lookups(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "form.xlsx",
        {
            "survey": [H, ["note", "intro", "Hello"], ["select_multiple yn", "m", "M"]],
            "choices": YES_NO,
        },
    )
    form = read_xlsform(path)
    with pytest.raises(KeyError, match="nope"):
        form.question("nope")
    assert form.fields()["name"].tolist() == ["m"]
    assert form.select_multiple_questions()["name"].tolist() == ["m"]
    assert form.label("m") == "M"


# ============================================================ malformed forms
MALFORMED = {
    # case: (sheets, sheet, row, fragment of the problem, pyxform rejects it too)
    "select list not in choices": (
        {"survey": [H, ["text", "a", "A"], ["select_one zz", "b", "B"]], "choices": YES_NO},
        "survey",
        3,
        "choice list 'zz' is not defined",
        True,
    ),
    "select without list": (
        {"survey": [H, ["select_one", "b", "B"]], "choices": YES_NO},
        "survey",
        2,
        "names no choice list",
        True,
    ),
    "duplicate question names": (
        {"survey": [H, ["text", "a", "A"], ["integer", "b", "B"], ["integer", "a", "A2"]]},
        "survey",
        4,
        "'a' is used twice (rows 2 and 4)",
        True,
    ),
    "duplicate column headers": (
        {"survey": [["type", "name", "label", "Label"], ["text", "a", "A", "B"]]},
        "survey",
        1,
        "column header 'label' appears twice",
        True,
    ),
    "unclosed group": (
        {"survey": [H, ["text", "a", "A"], ["begin group", "g", "G"], ["text", "b", "B"]]},
        "survey",
        3,
        "'begin group' 'g' is never closed",
        True,
    ),
    "unclosed repeat": (
        {"survey": [H, ["begin repeat", "r", "R"], ["text", "b", "B"], ["end group"]]},
        "survey",
        4,
        "'end group' does not close the open 'begin repeat' 'r' (row 2)",
        True,
    ),
    "end without begin": (
        {"survey": [H, ["text", "a", "A"], ["end group"]]},
        "survey",
        3,
        "has no matching 'begin group'",
        True,
    ),
    "name with spaces": (
        {"survey": [H, ["text", "my question", "A"]]},
        "survey",
        2,
        "not a valid XML name",
        True,
    ),
    "name starting with a digit": (
        {"survey": [H, ["text", "1st", "A"]]},
        "survey",
        2,
        "not a valid XML name",
        True,
    ),
    "question without a name": (
        {"survey": [H, ["text", None, "A"]]},
        "survey",
        2,
        "row has no name",
        True,
    ),
    "name without a type": (
        {"survey": [H, [None, "a", "A"]]},
        "survey",
        2,
        "a name ('a') but no type",
        True,
    ),
    "label without a type": (
        {"survey": [H, ["text", "a", "A"], [None, None, "Section 2"]]},
        "survey",
        3,
        "a label ('Section 2') but no type",
        True,
    ),
    "choice without a name": (
        {"survey": [H, ["select_one yn", "a", "A"]], "choices": [*YES_NO, ["yn", None, "Y"]]},
        "choices",
        4,
        "a choice of list 'yn' has no name",
        True,
    ),
    "choices sheet without list_name": (
        {"survey": [H, ["select_one yn", "a", "A"]], "choices": [["name", "label"], ["y", "Y"]]},
        "choices",
        1,
        "no 'list_name' column",
        True,
    ),
    "survey sheet without type column": (
        {"survey": [["kind", "name", "label"], ["text", "a", "A"]]},
        "survey",
        1,
        "no 'type' column",
        True,
    ),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_forms_name_sheet_row_and_problem(tmp_path: Path, case: str) -> None:
    sheets, sheet, row, fragment, pyxform_rejects = MALFORMED[case]
    path = _write(tmp_path / "form.xlsx", sheets)
    with pytest.raises(InstrumentError) as err:
        read_xlsform(path)
    exc = err.value
    assert (exc.sheet, exc.row) == (sheet, row)
    assert exc.file == str(path)
    message = str(exc)
    assert fragment in message
    assert f"sheet '{sheet}'" in message and f"row {row}" in message
    assert "What to do:" in message
    if pyxform_rejects:
        with pytest.raises(PyXFormError):
            convert(xlsform=str(path))


def test_duplicate_names_in_different_groups_are_qualified(tmp_path: Path) -> None:
    # pyxform allows the same name in different groups; the question table keeps
    # 'name' unique by writing such names with their group path.
    path = _write(
        tmp_path / "form.xlsx",
        {
            "survey": [
                H,
                ["begin group", "g1", "G1"],
                ["integer", "count", "C"],
                ["end group"],
                ["begin group", "g2", "G2"],
                ["integer", "count", "C"],
                ["end group"],
            ]
        },
    )
    convert(xlsform=str(path))
    form = read_xlsform(path)
    q = form.questions.set_index("name")
    assert q.index.tolist() == ["g1", "g1/count", "g2", "g2/count"]
    assert q.loc["g2/count", "short_name"] == "count"
    assert q.loc["g2/count", "row"] == 6


def test_duplicate_headers_via_alias_are_merged_as_pyxform_does(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "form.xlsx",
        {
            "survey": [H, ["select_one yn", "a", "A"]],
            "choices": [["list_name", "list name", "name"], ["zz", "yn", "yes"]],
        },
    )
    convert(xlsform=str(path))  # pyxform reads the two columns as one, the later wins
    with pytest.warns(InstrumentWarning, match="'list_name' and 'list name' mean the same"):
        form = read_xlsform(path)
    assert form.choice_names("yn") == ["yes"]


def test_duplicate_choice_names_are_read_with_a_warning(tmp_path: Path) -> None:
    # pyxform rejects them, but old KoboToolbox forms have them: the first is kept.
    path = _write(
        tmp_path / "form.xlsx",
        {"survey": [H, ["select_one yn", "a", "A"]], "choices": [*YES_NO, ["yn", "yes", "Y"]]},
    )
    with pytest.raises(PyXFormError):
        convert(xlsform=str(path))
    with pytest.warns(InstrumentWarning, match=r"'yes' in list 'yn' \(rows 2, 4; row 2 kept\)"):
        form = read_xlsform(path)
    assert form.choice_labels("yn") == {"yes": "Yes", "no": "No"}
    assert len(form.warnings) == 1


def test_no_survey_sheet(tmp_path: Path) -> None:
    path = _write(tmp_path / "form.xlsx", {"questions": [H, ["text", "a", "A"]], "choices": YES_NO})
    with pytest.raises(InstrumentError, match="no 'survey' sheet") as err:
        read_xlsform(path)
    assert "questions, choices" in str(err.value)
    assert err.value.file == str(path)


@pytest.mark.parametrize(
    "content,expected",
    [
        (b"type,name,label\ntext,a,A\n", "looks like a text file"),
        (b"<html><body><table></table></body></html>", "looks like an HTML page"),
        (b"", "the file is empty"),
        (b"PK\x03\x04 this is not really a zip archive", "cannot be parsed"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "cannot be parsed"),
    ],
)
def test_not_an_excel_file(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "form.xlsx"
    path.write_bytes(content)
    with pytest.raises(InstrumentError, match=expected) as err:
        read_xlsform(path)
    assert err.value.file == str(path)
    assert "save it as .xlsx" in str(err.value)


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(InstrumentError, match="does not exist"):
        read_xlsform(tmp_path / "nope.xlsx")
    with pytest.raises(InstrumentError, match="folder"):
        read_xlsform(tmp_path)
