"""Extra, non-standard columns of an XLSForm are kept by :func:`read_xlsform`.

pyxform ignores columns it does not know; the toolkit keeps them (e.g. a
``disclosure`` column saying which answers may be published) under their normalised
lower-case header, in the question table and in the choice list tables.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from pyxform.xls2xform import convert

from toolkit.instrument import read_xlsform


def _write(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        for row in rows:
            ws.append(list(row))
    book.save(path)
    return path


def test_extra_survey_and_choice_columns_are_kept(tmp_path: Path) -> None:
    form = _write(
        tmp_path / "extra.xlsx",
        {
            "survey": [
                ["type", "name", "label", "Disclosure", "Analysis Note"],
                ["select_one yn", "q1", "Q1", "public", "headline"],
                ["text", "q2", "Q2", "aggregate", None],
                ["integer", "q3", "Q3", None, None],
            ],
            "choices": [
                ["list_name", "name", "label", "DISCLOSURE"],
                ["yn", "yes", "Yes", "public"],
                ["yn", "no", "No", "aggregate"],
            ],
        },
    )
    convert(xlsform=str(form))  # pyxform accepts (and ignores) the extra columns
    inst = read_xlsform(form)
    q = inst.questions.set_index("name")
    assert q.loc["q1", "disclosure"] == "public"
    assert q.loc["q2", "disclosure"] == "aggregate"
    assert q.loc["q3", "disclosure"] == ""
    assert q.loc["q1", "analysis_note"] == "headline"
    yn = inst.choices["yn"].set_index("name")
    assert yn.loc["yes", "disclosure"] == "public"
    assert yn.loc["no", "disclosure"] == "aggregate"
