"""Write the XLSForm equivalents of the ODK Briefcase test forms.

ODK Briefcase's test exports (``briefcase/*/*.csv``, Apache-2.0, see NOTICE.md) come
with their forms only as XForm XML.  The toolkit reads XLSForms, so each XForm is
written here as the equivalent small XLSForm (same names, types, groups, repeats and
choices), by hand.  Run from the repository root to regenerate them::

    .venv/bin/python tests/data/real/exports/make_forms.py
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).resolve().parent / "briefcase"

CHOICES_12 = [["choices", "CHOICE_1", "CHOICE 1"], ["choices", "CHOICE_2", "CHOICE 2"]]
FORMS: dict[str, tuple[list[list[str]], list[list[str]]]] = {
    "simple-form/simple-form": ([["text", "some_text", "Some text"]], []),
    "simple-form/simple-form-case-sensitivity": (
        [["text", "field", "Field"], ["datetime", "Field", "Field (date-time)"]],
        [],
    ),
    "all-data-types/all-data-types": (
        [
            ["text", "some_string", "String"],
            ["integer", "some_int", "Integer"],
            ["decimal", "some_decimal", "Decimal"],
            ["date", "some_date", "Date"],
            ["time", "some_time", "Time"],
            ["datetime", "some_date_time", "Date and time"],
            ["geopoint", "some_geopoint", "Geopoint"],
            ["geotrace", "some_geotrace", "Geotrace"],
            ["geoshape", "some_geoshape", "Geoshape"],
            ["barcode", "some_barcode", "Barcode"],
        ],
        [],
    ),
    "choice-lists/choice-lists": (
        [
            ["select_multiple choices", "some_string", "Some string"],
            ["select_one choices", "another_string", "Another string"],
            ["begin_group", "some_group", "Some group"],
            ["select_multiple choices", "yet_another_string", "Yet another string"],
            ["end_group", "", ""],
        ],
        CHOICES_12,
    ),
    "choice-lists-predicate/choice-lists-predicate": (
        [
            ["select_multiple choices", "some-field-no-predicate", "No predicate"],
            ["select_multiple choices", "some-field", "Predicate"],
        ],
        [["choices", f"CHOICE_{k}", f"CHOICE_{k}"] for k in range(1, 5)],
    ),
    "choice-lists-randomize/choice-lists-randomize": (
        [["select_multiple letters", "select_multiple", "Randomized"]],
        [["letters", c, c.upper()] for c in "abcde"],
    ),
    "choice-lists-predicate-relative-repeat/choice-lists-predicate-relative-repeat": (
        [
            ["begin_repeat", "group", "Repeat group"],
            ["select_one category", "category", "Category"],
            ["select_one items", "item", "Item"],
            ["end_repeat", "", ""],
        ],
        [["category", str(k), str(k)] for k in (1, 2, 3)]
        + [["items", str(k), str(k)] for k in range(1, 11)],
    ),
    "media-files/media-files": ([["image", "image", "Take a picture"]], []),
    "encrypted-form/encrypted-form": ([["text", "name", "Your name"]], []),
    "nested-repeats/nested-repeats": (
        [
            ["begin_repeat", "g1", "G1"],
            ["text", "t1", "T1"],
            ["begin_repeat", "g2", "G2"],
            ["text", "t2", "T2"],
            ["begin_repeat", "g3", "G3"],
            ["text", "t3", "T3"],
            ["end_repeat", "", ""],
            ["end_repeat", "", ""],
            ["end_repeat", "", ""],
        ],
        [],
    ),
}


def write_form(path: Path, survey: list[list[str]], choices: list[list[str]], form_id: str) -> None:
    """Write one XLSForm (survey, choices and settings sheets)."""
    book = Workbook()
    sheet = book.active
    sheet.title = "survey"
    sheet.append(["type", "name", "label"])
    for row in survey:
        sheet.append(row)
    sheet = book.create_sheet("choices")
    sheet.append(["list_name", "name", "label"])
    for row in choices:
        sheet.append(row)
    sheet = book.create_sheet("settings")
    sheet.append(["form_id", "form_title"])
    sheet.append([form_id, form_id.replace("-", " ").capitalize()])
    book.save(path)


if __name__ == "__main__":
    for name, (survey, choices) in FORMS.items():
        target = HERE / f"{name}.xlsx"
        write_form(target, survey, choices, target.stem)
        print(target)
