"""read_xlsform against pyxform on real forms, and bounded reading of huge workbooks.

* Every committed form in ``tests/data/real/forms/`` (see its NOTICE.md): if pyxform
  accepts it, read_xlsform reads it; if pyxform rejects it, read_xlsform raises an
  InstrumentError naming the sheet and row.
* The same over a whole local corpus (``NSMAP_REAL_CORPUS=/work/realdata``; slow,
  skipped when the variable is unset), except that duplicate choice names, which old
  KoboToolbox forms have, are read with a warning rather than rejected.
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
from pathlib import Path

import pytest
from openpyxl import Workbook
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
    except Exception as exc:  # pyxform raises several types on bad forms
        return str(exc) or type(exc).__name__
    return None


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


@pytest.mark.parametrize("path", COMMITTED, ids=[p.name for p in COMMITTED])
def test_committed_form_read_iff_pyxform_accepts(path: Path) -> None:
    _check_like_pyxform(path, tolerate_duplicate_choices=False)


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
