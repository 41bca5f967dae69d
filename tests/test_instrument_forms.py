"""read_xlsform on the constructs of real-world forms, with pyxform as the oracle.

Each form is built with openpyxl; where pyxform accepts it, read_xlsform must read it
and agree on names and paths; where pyxform rejects it, read_xlsform must raise an
InstrumentError naming sheet, row and column.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from openpyxl import Workbook
from pyxform.errors import PyXFormError
from pyxform.xls2xform import convert

from toolkit.errors import InstrumentError
from toolkit.instrument import InstrumentWarning, read_xlsform

H = ["type", "name", "label"]
YES_NO = [["list_name", "name", "label"], ["yn", "yes", "Yes"], ["yn", "no", "No"]]
XF = "{http://www.w3.org/2002/xforms}"


def _write(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        for row in rows:
            ws.append(list(row))
    book.save(path)
    return path


def _bind_paths(path: Path) -> set[str]:
    """Instance paths pyxform binds (``/data/...`` without the root)."""
    root = ET.fromstring(convert(xlsform=str(path)).xform)
    return {b.get("nodeset", "").split("/", 2)[2] for b in root.iter(f"{XF}bind")}


# ------------------------------------------------------------------------- loops
def test_begin_loop_over_is_expanded_as_pyxform_does(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "loop.xlsx",
        {
            "survey": [
                H,
                ["begin loop over rooms", "house", "House"],
                ["integer", "windows", "Windows in the %(label)s"],
                ["select_one yn", "heated", "Is the %(name)s heated?"],
                ["end loop"],
                ["text", "after", "After"],
            ],
            "choices": [
                ["list_name", "name", "label"],
                ["rooms", "kitchen", "Kitchen"],
                ["rooms", "bedroom", "Bedroom"],
                ["rooms", "none", "None"],
                *YES_NO[1:],
            ],
        },
    )
    form = read_xlsform(path)
    q = form.questions.set_index("name")
    assert q.loc["house", "type"] == "begin_loop"
    assert q.loc["house", "list_name"] == "rooms"
    assert q.loc["kitchen", "type"] == "begin_group"  # one group per choice
    assert q.loc["kitchen", "loop"] == "house"
    assert "none" not in q.index  # pyxform skips a 'none' choice
    assert q.loc["house/bedroom/windows", "label::default"] == "Windows in the Bedroom"
    assert q.loc["house/kitchen/heated", "label::default"] == "Is the kitchen heated?"
    assert q.loc["house/kitchen/heated", "short_name"] == "heated"
    assert q.loc["house/kitchen/heated", "loop"] == "house"
    assert q.loc["after", "loop"] == ""
    fields = set(form.fields()["path"])
    assert fields == {p for p in _bind_paths(path) if not p.startswith("meta/")}


def test_loop_without_list_is_rejected(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "loop.xlsx",
        {"survey": [H, ["begin loop over zz", "l", "L"], ["text", "t", "T"], ["end loop"]]},
    )
    with pytest.raises(PyXFormError):
        convert(xlsform=str(path))
    with pytest.raises(InstrumentError, match="'zz'") as err:
        read_xlsform(path)
    assert (err.value.sheet, err.value.row, err.value.column) == ("survey", 2, "type")


# ----------------------------------------------------------------- choice rows
def test_allow_choice_duplicates_setting_keeps_every_row(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "dups.xlsx",
        {
            "survey": [H, ["select_one c", "q", "Q"]],
            "choices": [["list_name", "name", "label"], ["c", "a", "A"], ["c", "a", "A again"]],
            "SETTINGS": [["allow_choice_duplicates"], ["yes"]],
        },
    )
    convert(xlsform=str(path))
    form = read_xlsform(path)
    assert form.choice_names("c") == ["a", "a"]
    assert form.warnings == ()


def test_label_only_and_blank_choice_rows_are_ignored_with_a_warning(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "rows.xlsx",
        {
            "survey": [H, ["select_one yn", "q", "Q"]],
            "choices": [
                ["list_name", "name", "label"],
                [None, None, "-- answers --"],
                ["yn", "yes", "Yes"],
                [None, None, None],
                ["yn", "no", "No"],
            ],
        },
    )
    convert(xlsform=str(path))  # pyxform ignores the label-only row silently
    with pytest.warns(InstrumentWarning, match=r"without a list_name \(rows 2\)"):
        form = read_xlsform(path)
    assert form.choice_names("yn") == ["yes", "no"]


# -------------------------------------------------------------- names and groups
def test_note_without_a_name_gets_pyxforms_name(tmp_path: Path) -> None:
    path = _write(tmp_path / "note.xlsx", {"survey": [H, ["note", None, "Welcome"]]})
    assert "generated_note_name_2" in _bind_paths(path)
    assert read_xlsform(path).questions["name"].tolist() == ["generated_note_name_2"]


def test_same_name_in_groups_and_repeats_is_qualified_by_its_path(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "names.xlsx",
        {
            "survey": [
                H,
                ["integer", "age", "Age"],
                ["begin group", "head", "Head"],
                ["integer", "age", "Age"],
                ["end group"],
                ["begin repeat", "member", "Member"],
                ["integer", "age", "Age"],
                ["begin repeat", "job", "Job"],
                ["text", "title", "Title"],
                ["end repeat"],
                ["end repeat"],
            ]
        },
    )
    form = read_xlsform(path)
    q = form.questions
    assert q["name"].is_unique
    assert q.loc[q["short_name"] == "age", "name"].tolist() == ["age", "head/age", "member/age"]
    assert set(form.fields()["path"]) <= _bind_paths(path)
    reps = form.repeats().set_index("name")
    assert reps.loc["member", "parent"] == ""
    assert reps.loc["job", "parent"] == "member"  # nested repeat
    assert reps.loc["member", "questions"] == ("member/age",)
    assert reps.loc["job", "questions"] == ("title",)
    assert reps.loc["job", "path"] == "member/job"


def test_repeats_inside_a_loop(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "loop_repeat.xlsx",
        {
            "survey": [
                H,
                ["begin loop over rooms", "house", "House"],
                ["begin repeat", "item", "Item"],
                ["text", "what", "What"],
                ["end repeat"],
                ["end loop"],
            ],
            "choices": [["list_name", "name", "label"], ["rooms", "hall", "Hall"]],
        },
    )
    reps = read_xlsform(path).repeats()
    assert reps["path"].tolist() == ["house/hall/item"]
    assert reps["questions"].tolist() == [("what",)]
    assert "house/hall/item/what" in _bind_paths(path)


def test_same_name_twice_in_one_group_is_rejected(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "dup.xlsx",
        {
            "survey": [
                H,
                ["begin group", "g", "G"],
                ["text", "a", "A"],
                ["text", "a", "B"],
                ["end group"],
            ]
        },
    )
    with pytest.raises(PyXFormError):
        convert(xlsform=str(path))
    with pytest.raises(InstrumentError, match="rows 3 and 4") as err:
        read_xlsform(path)
    assert (err.value.row, err.value.column) == (4, "name")


# ------------------------------------------------------- sheets, headers, types
def test_sheets_are_found_as_pyxform_finds_them(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "caps.xlsx",
        {
            "Notes for authors": [["anything"], ["at all"]],
            "SURVEY": [
                ["Type", "Name", "Label:English", "Hint:English\n", "Disclosure"],
                ["select_one yn", "q", "Agree?", "Pick one", "public"],
            ],
            "Choices": [["List Name", "Name", "Label:English"], *YES_NO[1:]],
            "Settings": [["Form_Title", "Default_Language"], ["T", "English"]],
        },
    )
    convert(xlsform=str(path))
    form = read_xlsform(path)
    assert form.languages == ("English",)
    assert form.label("q") == "Agree?"
    assert form.question("q")["hint::English"] == "Pick one"
    assert form.question("q")["disclosure"] == "public"
    assert form.settings["form_title"] == "T"


def test_a_single_sheet_of_any_name_is_the_survey(tmp_path: Path) -> None:
    path = _write(tmp_path / "one.xlsx", {"Form": [H, ["text", "a", "A"]]})
    convert(xlsform=str(path))
    assert read_xlsform(path).questions["name"].tolist() == ["a"]


def test_search_appearance_and_selects_from_file(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "files.xlsx",
        {
            "survey": [
                [*H, "appearance", "choice_filter"],
                ["select_one dummy", "place", "Place", "search('places')", None],
                ["select_one_from_file places.csv", "p2", "P2", "minimal", None],
                ["select_multiple_from_file sites.xml", "sites", "Sites", None, None],
                ["select one from file regions.geojson", "region", "Region", None, None],
            ],
            "choices": [["list_name", "name", "label"], ["dummy", "name_key", "name"]],
        },
    )
    convert(xlsform=str(path))
    q = read_xlsform(path).questions.set_index("name")
    assert q.loc["place", "appearance"] == "search('places')"
    assert q.loc["place", "list_name"] == "dummy"
    assert (q.loc["p2", "type"], q.loc["p2", "choice_file"]) == ("select_one", "places.csv")
    assert (q.loc["sites", "type"], q.loc["sites", "choice_file"]) == (
        "select_multiple",
        "sites.xml",
    )
    assert q.loc["region", "choice_file"] == "regions.geojson"


def test_type_aliases_map_to_canonical_types(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "aliases.xlsx",
        {
            "survey": [
                [*H, "calculation"],
                ["int", "a", "A", None],
                ["select1 yn", "b", "B", None],
                ["select all that apply yn", "c", "C", None],
                ["q date time", "d", "D", None],
                ["image", "e", "E", None],
                ["get start time", "f", None, None],
                ["q calculate", "g", None, "1 + 1"],
            ],
            "choices": YES_NO,
        },
    )
    convert(xlsform=str(path))
    types = read_xlsform(path).questions["type"].tolist()
    assert types == [
        "integer",
        "select_one",
        "select_multiple",
        "datetime",
        "photo",
        "start",
        "calculate",
    ]


# ----------------------------------------------------------------- rejections
REJECTED = {
    # case: (survey rows, other sheets, row, column)
    "unknown type": ([H, ["text", "a", "A"], ["numeric", "b", "B"]], {}, 3, "type"),
    "calculate without calculation": ([H, ["calculate", "c", None]], {}, 2, "calculation"),
    "question without label": ([H, ["integer", "n", None]], {}, 2, "label"),
    "reference to no question": (
        [[*H, "relevant"], ["text", "a", "A", "${nope} = 'x'"]],
        {},
        2,
        "relevant",
    ),
    "malformed reference": ([[*H, "relevant"], ["text", "a", "A", "${a"]], {}, 2, "relevant"),
    "ambiguous reference": (
        [
            [*H, "relevant"],
            ["begin group", "g", "G"],
            ["text", "a", "A", None],
            ["end group"],
            ["text", "a", "A", None],
            ["text", "b", "B", "${a} = 'x'"],
        ],
        {},
        6,
        "relevant",
    ),
    "repeat name used twice": (
        [
            H,
            ["begin repeat", "r", "R"],
            ["end repeat"],
            ["begin group", "g", "G"],
            ["begin repeat", "r", "R"],
            ["end repeat"],
            ["end group"],
        ],
        {},
        5,
        "name",
    ),
    "choice name with space in select_multiple": (
        [H, ["select_multiple c", "m", "M"]],
        {"choices": [["list_name", "name", "label"], ["c", "a b", "AB"]]},
        2,
        "type",
    ),
    "select from file without extension": (
        [H, ["select_one_from_file places", "p", "P"]],
        {},
        2,
        "type",
    ),
    "header meaning the same column twice": (
        [["type", "name", "label", "relevant", "bind::relevant"], ["text", "a", "A", None, None]],
        {},
        1,
        "bind::relevant",
    ),
    "name meta": ([H, ["text", "meta", "M"]], {}, 2, "name"),
}


@pytest.mark.parametrize("case", list(REJECTED))
def test_forms_pyxform_rejects_get_an_instrument_error(tmp_path: Path, case: str) -> None:
    survey, others, row, column = REJECTED[case]
    path = _write(tmp_path / "bad.xlsx", {"survey": survey, **others})
    with pytest.raises(PyXFormError):
        convert(xlsform=str(path))
    with pytest.raises(InstrumentError) as err:
        read_xlsform(path)
    assert (err.value.sheet, err.value.row, err.value.column) == ("survey", row, column)
    assert "What to do:" in str(err.value)
