"""read_xlsform against pyxform on real forms, and bounded reading of huge workbooks.

* Every committed form in ``tests/data/real/forms/`` (see its NOTICE.md): if pyxform
  accepts it, read_xlsform reads it; if pyxform rejects it, read_xlsform raises an
  InstrumentError naming the sheet and row, except that duplicate choice names, which
  old KoboToolbox forms have, are read with a warning rather than rejected.
* The same over a whole local corpus (``NSMAP_REAL_CORPUS=/work/realdata``; slow,
  skipped when the variable is unset).  A form pyxform crashes on (a TypeError rather
  than a PyXFormError) gives no verdict and is skipped.
* Small forms built here for the checks pyxform makes that real forms showed missing:
  type cells are case-sensitive, ``${...}`` references of the entities sheet, and
  secondary-instance ids (choice lists, choice files, external instances, pulldata).
* A workbook that declares a used range of A1:XFD1048576 and has formatted cells in
  its last row and column is read with a small, bounded peak memory.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tracemalloc
import warnings
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest
from openpyxl import Workbook
from pyxform.errors import PyXFormError
from pyxform.xls2json_backends import get_xlsform
from pyxform.xls2xform import convert

from toolkit.errors import InstrumentError
from toolkit.instrument import read_workbook, read_xlsform

FORMS = Path(__file__).resolve().parent / "data" / "real" / "forms"
COMMITTED = sorted(p for p in FORMS.glob("*.xls*"))
SUFFIXES = {".xls", ".xlsx", ".xlsm"}


def _pyxform_error(path: Path, allow_duplicates: bool = False) -> str | None:
    """pyxform's error on the form, or ``None`` when it converts.

    With ``allow_duplicates``, the form is converted as if its settings said
    ``allow_choice_duplicates: yes``: whether duplicate choice names are its only fault.
    """
    source: object = str(path)
    if allow_duplicates:
        data = get_xlsform(xlsform=str(path))
        settings = [dict(r) for r in (data.settings or [{}])] or [{}]
        header = [dict(r) for r in (data.settings_header or [{}])] or [{}]
        settings[0]["allow_choice_duplicates"] = "yes"
        header[0]["allow_choice_duplicates"] = None
        source = {**dataclasses.asdict(data), "settings": settings, "settings_header": header}
    try:
        convert(xlsform=source, warnings=[])  # type: ignore[arg-type]
    except PyXFormError as exc:
        return str(exc) or type(exc).__name__
    except Exception as exc:  # a bug of pyxform's (TypeError ...), not a rejection
        return f"{_CRASH}{type(exc).__name__}: {exc}"
    return None


_CRASH = "pyxform crashed: "


def _check_like_pyxform(path: Path, tolerate_duplicate_choices: bool) -> None:
    error = _pyxform_error(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if error is None:
            read_xlsform(path)
            return
        if tolerate_duplicate_choices and "Choice names must be unique" in error:
            error = _pyxform_error(path, allow_duplicates=True)
            if error is None:  # duplicates are the only fault: read, with a warning
                form = read_xlsform(path)
                assert any("used twice in one list" in w for w in form.warnings)
                return
        if "was not recognized as a supported type" in error:
            pytest.skip(f"pyxform cannot open {path.name} as a workbook: {error}")
        if error.startswith(_CRASH):
            pytest.skip(f"no verdict on {path.name}: {error}")
        with pytest.raises(InstrumentError) as err:
            read_xlsform(path)
    assert err.value.file == str(path)
    if err.value.sheet is not None:  # a fault inside the form: sheet and row named
        assert err.value.row is not None, str(err.value)


def test_committed_forms_are_listed_in_the_notice() -> None:
    notice = (FORMS / "NOTICE.md").read_text(encoding="utf-8")
    assert len(COMMITTED) >= 15
    for path in COMMITTED:
        assert f"`{path.name}`" in notice


@pytest.mark.filterwarnings("ignore:Cannot parse header or footer")  # openpyxl, demo.xlsx
@pytest.mark.parametrize("path", COMMITTED, ids=[p.name for p in COMMITTED])
def test_committed_form_read_iff_pyxform_accepts(path: Path) -> None:
    _check_like_pyxform(path, tolerate_duplicate_choices=True)


def test_committed_loop_and_note_forms_have_pyxforms_elements() -> None:
    loop = read_xlsform(FORMS / "pyxform__loop.xlsx")
    assert "begin_loop" in set(loop.questions["type"])
    assert loop.questions["name"].is_unique
    note = read_xlsform(FORMS / "pyxform__repeat_date_test.xls")
    assert note.questions["name"].str.startswith("generated_note_name_").any()
    assert not read_xlsform(FORMS / "pyxform__tutorial.xls").repeats().empty


def _corpus_files() -> list[Path]:
    root = os.environ.get("NSMAP_REAL_CORPUS")
    if not root:
        return []
    return sorted(p for p in Path(root).rglob("*") if p.suffix.lower() in SUFFIXES)


@pytest.mark.slow
@pytest.mark.skipif(
    not os.environ.get("NSMAP_REAL_CORPUS"),
    reason="set NSMAP_REAL_CORPUS to a folder of real forms (e.g. /work/realdata)",
)
def test_local_corpus_read_iff_pyxform_accepts() -> None:
    files = _corpus_files()
    assert files, f"no workbooks under {os.environ['NSMAP_REAL_CORPUS']}"
    failures = []
    for path in files:
        try:
            _check_like_pyxform(path, tolerate_duplicate_choices=True)
        except pytest.skip.Exception:
            continue
        except (AssertionError, Exception) as exc:  # collect them all, then fail once
            failures.append(f"{path}: {type(exc).__name__}: {exc}")
    assert not failures, "\n".join(failures)


# --------------------------------------------- checks found missing on real forms
def test_real_form_with_a_capitalised_type_is_rejected_like_pyxform() -> None:
    path = FORMS / "kobocat__MCH_v1.xls"  # KoboCAT's bug-fix fixture
    assert _pyxform_error(path) == "Unknown question type 'Select one from source'."
    with pytest.raises(InstrumentError, match="unknown question type") as err:
        read_xlsform(path)
    e = err.value
    assert (e.sheet, e.row, e.column, e.value) == ("survey", 17, "type", "Select one from source")


@pytest.mark.filterwarnings("ignore:Cannot parse header or footer")  # openpyxl, demo.xlsx
def test_real_forms_with_duplicate_choice_names_only_are_read_with_a_warning() -> None:
    for name, duplicate in [
        ("liberias3mforms__liberiaCoverageVillageForm.xlsx", "'4' in list 'district'"),
        ("xlsformutil__demo.xlsx", "'never' in list 'school_list'"),
    ]:
        path = FORMS / name
        assert "Choice names must be unique" in str(_pyxform_error(path))
        assert _pyxform_error(path, allow_duplicates=True) is None
        with pytest.warns(UserWarning, match="used twice in one list"):
            form = read_xlsform(path)
        assert any(duplicate in w for w in form.warnings), form.warnings


def test_xlsx_form_under_an_xls_name_is_read_by_content(tmp_path: Path) -> None:
    # KoboToolbox's API serves XLSX forms as 'form.xls'; openpyxl refuses such a path.
    renamed = tmp_path / "xls_form_downloaded.xls"
    renamed.write_bytes((FORMS / "central-backend__simple.xlsx").read_bytes())
    form = read_xlsform(renamed)
    assert (
        form.questions["name"].tolist()
        == read_xlsform(FORMS / "central-backend__simple.xlsx").questions["name"].tolist()
    )


def _book(path: Path, sheets: Mapping[str, Sequence[Sequence[object]]]) -> Path:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        ws = book.create_sheet(title)
        for row in rows:
            ws.append(row)
    book.save(path)
    return path


def _agrees_with_pyxform(path: Path) -> InstrumentError | None:
    """Read the form; assert it is read iff pyxform accepts it; return our error."""
    expected = _pyxform_error(path)
    assert expected is None or not expected.startswith(_CRASH), expected
    try:
        read_xlsform(path)
    except InstrumentError as exc:
        assert expected is not None, f"pyxform accepts it, read_xlsform says: {exc}"
        assert exc.sheet is not None and exc.row is not None and exc.column is not None
        return exc
    assert expected is None, f"read_xlsform reads a form pyxform rejects: {expected}"
    return None


Rows = list[list[str | None]]
S: list[str | None] = ["type", "name", "label"]
YN = [["list_name", "name", "label"], ["yn", "yes", "Yes"], ["yn", "no", "No"]]


@pytest.mark.parametrize(
    "cell",
    [
        "select_one yn",
        "select one from yn",
        "select all that apply yn",
        "integer",
        "Integer",
        "Text",
        "Select one yn",
        "SELECT_ONE yn",
        "select multiple yn",
        "select_one yn Or_other",
        "dateTime",  # pyxform's own spelling (real forms use it)
        "q dateTime",
        "q datetime",
    ],
)
def test_type_cells_are_case_sensitive_like_pyxform(tmp_path: Path, cell: str) -> None:
    path = _book(tmp_path / "form.xlsx", {"survey": [S, [cell, "q", "Q"]], "choices": YN})
    err = _agrees_with_pyxform(path)
    if err is not None:
        assert (err.sheet, err.row, err.column, err.value) == ("survey", 2, "type", cell)


def test_every_type_pyxform_knows_is_known() -> None:
    from pyxform import aliases
    from pyxform.question_type_dictionary import QUESTION_TYPE_DICT

    from toolkit.instrument._types import parse_type

    types = [*QUESTION_TYPE_DICT, *aliases._type_alias_map]
    # select types without a list name are rejected by pyxform (and here) for that
    unknown = [t for t in types if parse_type(t).base == "unknown" and "select" not in t]
    assert not unknown


def test_begin_group_is_case_sensitive_like_pyxform(tmp_path: Path) -> None:
    rows: Rows = [S, ["Begin group", "g", "G"], ["text", "a", "A"], ["end group", None, None]]
    err = _agrees_with_pyxform(_book(tmp_path / "form.xlsx", {"survey": rows}))
    assert err is not None and (err.row, err.value) == (2, "Begin group")


# case -> (survey rows after the header, choices sheet: list 'x' / none / 'x' searched,
# whether pyxform rejects the form); verdicts as pyxform 4.5 gives them.
_INSTANCE_CASES: dict[str, tuple[Rows, str, bool]] = {
    "file and list": ([["select_one_from_file x.csv", "q", "Q"]], "list", True),
    "file and used list": (
        [["select_one_from_file x.csv", "q", "Q"], ["select_one x", "r", "R"]],
        "list",
        True,
    ),
    "csv and xml files": (
        [["select_one_from_file y.csv", "q", "Q"], ["select_one_from_file y.xml", "r", "R"]],
        "none",
        True,
    ),
    "pulldata and file": (
        [
            ["select_one_from_file y.csv", "q", "Q", None],
            ["calculate", "c", None, "pulldata('y', 'a', 'b', ${q})"],
        ],
        "none",
        False,
    ),
    "pulldata and list": ([["calculate", "c", None, "pulldata('x', 'a', 'b', 'c')"]], "list", True),
    "xml-external and list": (
        [["xml-external", "x", None], ["select_one x", "q", "Q"]],
        "list",
        True,
    ),
    "csv-external and pulldata": (
        [["csv-external", "y", None, None], ["calculate", "c", None, "pulldata('y','a','b','c')"]],
        "none",
        False,
    ),
    "search list and file": ([["select_one_from_file x.csv", "r", "R"]], "search", False),
    "question named like a list": ([["select_one x", "x", "Q"]], "list", False),
}


@pytest.mark.parametrize("case", list(_INSTANCE_CASES))
def test_secondary_instance_ids_like_pyxform(tmp_path: Path, case: str) -> None:
    # hotosm/osm-fieldwork's places.xls (AGPL, not committed) is "file and list":
    # select_one_from_file place.geojson beside a choice list named 'place'.
    rows, choices, rejected = _INSTANCE_CASES[case]
    header: list[str | None] = [*S, "calculation"] if any(len(r) == 4 for r in rows) else [*S]
    survey: Rows = [header, *rows]
    if choices == "search":
        survey = [[*S, "appearance"], ["select_one x", "q", "Q", "search('x')"], *rows]
    sheets = {"survey": survey}
    if choices != "none":
        sheets["choices"] = [["list_name", "name", "label"], ["x", "a", "A"]]
    err = _agrees_with_pyxform(_book(tmp_path / "form.xlsx", sheets))
    assert (err is not None) == rejected
    if err is not None:
        assert "secondary-instance id" in str(err) or "external instances" in str(err)


@pytest.mark.parametrize(
    "entities, column",
    [
        ([["list_name", "label"], ["trees", "${species}"]], None),
        ([["list_name", "label"], ["trees", "${missing}"]], "label"),
        (
            [
                ["list_name", "label", "entity_id", "update_if"],
                ["trees", "${species}", "${existing}", "true()"],
            ],
            "entity_id",
        ),
        (
            [["list_name", "label", "create_if"], ["trees", "${species}", "${nope} = 'yes'"]],
            "create_if",
        ),
    ],
)
def test_entities_sheet_references_like_pyxform(
    tmp_path: Path, entities: list[list[str | None]], column: str | None
) -> None:
    # hotosm/osm-fieldwork's test_form_for_mandatory_fields.xls (AGPL, not committed)
    # has entity_id ${existing} and no question 'existing': pyxform rejects it.
    sheets: dict[str, Rows] = {"survey": [S, ["text", "species", "Species"]], "entities": entities}
    err = _agrees_with_pyxform(_book(tmp_path / "form.xlsx", sheets))
    if column is None:
        assert err is None
    else:
        assert err is not None and (err.sheet, err.row, err.column) == ("entities", 2, column)


# --------------------------------------------------------- bounded reading
def _huge_declared_range(path: Path) -> Path:
    """A small form whose sheet XML declares A1:XFD1048576 and ends far away.

    The survey sheet gets ``<dimension ref="A1:XFD1048576"/>``, an empty, formatted
    cell at XFD1 and a formatted row 1048576 with cells in A and XFD, as spreadsheet
    programs write after whole-column formatting.
    """
    book = Workbook()
    ws = book.active
    ws.title = "survey"
    for row in (["type", "name", "label"], ["text", "a", "A"], ["integer", "b", "B"]):
        ws.append(row)
    book.create_sheet("choices").append(["list_name", "name", "label"])
    plain = path.with_suffix(".plain.xlsx")
    book.save(plain)
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode("utf-8")
                text = re.sub(
                    r'<dimension ref="[^"]*"\s*/>', '<dimension ref="A1:XFD1048576"/>', text
                )
                text = text.replace("</c></row>", '</c><c r="XFD1" s="0"/></row>', 1)
                far = '<row r="1048576"><c r="A1048576" s="0"/><c r="XFD1048576" s="0"/></row>'
                text = text.replace("</sheetData>", far + "</sheetData>")
                data = text.encode("utf-8")
            dst.writestr(item, data)
    return path


def test_huge_declared_range_is_read_with_bounded_memory(tmp_path: Path) -> None:
    path = _huge_declared_range(tmp_path / "huge.xlsx")
    with zipfile.ZipFile(path) as z:
        assert 'ref="A1:XFD1048576"' in z.read("xl/worksheets/sheet1.xml").decode()
    convert(xlsform=str(path))  # pyxform reads it too
    read_xlsform(path)  # warm up imports and caches before measuring
    tracemalloc.start()
    try:
        form = read_xlsform(path)
        sheets = read_workbook(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert form.questions["name"].tolist() == ["a", "b"]
    assert sheets["survey"].shape == (3, 3)  # nothing past the last value
    assert peak < 8 * 2**20, f"peak {peak / 2**20:.1f} MB"


def test_blank_rows_then_content_follow_pyxform(tmp_path: Path) -> None:
    # pyxform stops reading a sheet after more than 60 blank rows; so does read_xlsform,
    # with a warning, while read_workbook (exports) keeps every row.
    book = Workbook()
    ws = book.active
    ws.title = "survey"
    ws.append(["type", "name", "label"])
    ws.append(["text", "a", "A"])
    ws.cell(row=200, column=1, value="nonsense type")
    ws.cell(row=200, column=2, value="z")
    path = tmp_path / "gap.xlsx"
    book.save(path)
    convert(xlsform=str(path))
    with pytest.warns(UserWarning, match="rows from row 200 on were ignored"):
        form = read_xlsform(path)
    assert form.questions["name"].tolist() == ["a"]
    assert read_workbook(path)["survey"].shape == (200, 3)


def test_a_data_export_given_as_form_is_rejected_from_its_header(tmp_path: Path) -> None:
    # A one-sheet export is the survey sheet to pyxform; it has no 'type' column, which
    # is known from the first row: the other rows are never stored.
    book = Workbook()
    ws = book.active
    ws.title = "export"
    ws.append([f"col_{i}" for i in range(20)])
    for r in range(5000):
        ws.append([f"value {r} {i}" for i in range(20)])
    path = tmp_path / "export.xlsx"
    book.save(path)
    tracemalloc.start()
    try:
        with pytest.raises(InstrumentError, match="no 'type' column") as err:
            read_xlsform(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (err.value.sheet, err.value.row) == ("export", 1)
    assert peak < 8 * 2**20, f"peak {peak / 2**20:.1f} MB"
