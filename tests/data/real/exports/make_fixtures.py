"""Write small synthetic exports that reproduce the shapes of real ones.

The real exports these shapes come from cannot be committed (AGPL/GPL, unclear
licences, or real field data), so each shape is rebuilt here with made-up answers to
one small form, ``own/household.xlsx`` (a household, its children in a repeat group,
each child's vaccines in a nested repeat):

* ``own/kobo_legacy.csv``: a KoboToolbox legacy CSV: ``/`` group paths, repeats spread
  over columns (``children[1]/childs_name``, ``children[1]/vaccines[2]/vaccine``),
  geopoint parts ``hh/_gps_latitude``, select_multiple option columns as
  ``True``/``False``, ``n/a`` for unanswered cells, ``_validation_status`` as JSON;
* ``own/kobo_repeats.xlsx``: a KoboToolbox XLSX export: the main sheet named after the
  form title, one sheet per repeat group with ``_index``, ``_parent_table_name``,
  ``_parent_index`` and ``_submission__uuid``;
* ``own/household.csv.zip``: an ODK Central export: ``household.csv`` and one
  ``household-<repeat>.csv`` per repeat group linked by ``KEY`` / ``PARENT_KEY``,
  ``-`` group paths, geopoint parts ``-Latitude`` ..., Central's metadata columns;
* ``own/r_dotted.csv``: an export re-written by R: ``.`` group paths, ``NA`` cells.

Run from the repository root to regenerate them (the content is deterministic)::

    .venv/bin/python tests/data/real/exports/make_fixtures.py
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).resolve().parent / "own"

SURVEY = [
    ["type", "name", "label", "relevant", "constraint", "required"],
    ["start", "start", "", "", "", ""],
    ["end", "end", "", "", "", ""],
    ["begin_group", "hh", "Household", "", "", ""],
    ["text", "village", "Village", "", "", ""],
    ["integer", "hh_size", "Household size", "", ". >= 1 and . <= 30", "yes"],
    ["select_one yes_no", "has_children", "Any children?", "", "", ""],
    ["geopoint", "gps", "Location", "", "", ""],
    ["select_multiple water", "water_sources", "Water sources", "", "", ""],
    ["decimal", "Q1.1", "Share of income spent on water", "", ". >= 0 and . <= 1", ""],
    ["end_group", "", "", "", "", ""],
    ["begin_repeat", "children", "Children", "${has_children} = 'yes'", "", ""],
    ["text", "childs_name", "Child's first name", "", "", ""],
    ["integer", "childs_age", "Age", "", ". < 18", "yes"],
    ["select_one school", "in_school", "In school?", "", "", ""],
    ["begin_repeat", "vaccines", "Vaccines", "", "", ""],
    ["select_one vaccine", "vaccine", "Vaccine", "", "", ""],
    ["date", "vaccine_date", "Date", "", "", ""],
    ["end_repeat", "", "", "", "", ""],
    ["end_repeat", "", "", "", "", ""],
]
CHOICES = [
    ["list_name", "name", "label"],
    ["yes_no", "yes", "Yes"],
    ["yes_no", "no", "No"],
    ["school", "yes", "Yes"],
    ["school", "no", "No"],
    ["school", "NA", "Not applicable (too young)"],
    ["water", "tap", "Tap water"],
    ["water", "well", "Well"],
    ["water", "river", "River"],
    ["vaccine", "measles", "Measles"],
    ["vaccine", "polio", "Polio"],
    ["vaccine", "bcg", "BCG"],
]
TITLE = "Household survey (synthetic)"

# Three households: A (two children, three vaccines), B (no children; rejected on the
# server), C (one child, aged 20: fails the constraint); and an earlier draft of A.
A, B, C = (
    "5d0e8f2a-0000-4000-8000-00000000000a",
    "5d0e8f2a-0000-4000-8000-00000000000b",
    "5d0e8f2a-0000-4000-8000-00000000000c",
)
HOUSEHOLDS = [
    # uuid, submitted, village, size, children?, gps, water, Q1.1, children
    (
        A,
        "2024-03-02T10:00:00",
        "Kanyama",
        "5",
        "yes",
        (-15.41, 28.28, 1200.0, 5.0),
        "tap well",
        "0.25",
        [
            ("Amara", "7", "yes", [("measles", "2018-05-01"), ("polio", "2018-06-01")]),
            ("Bo", "2", "NA", [("bcg", "2022-01-15")]),
        ],
    ),
    (
        B,
        "2024-03-02T11:00:00",
        "Matero",
        "2",
        "no",
        (-15.39, 28.25, 1190.0, 8.0),
        "river",
        "n/a",
        [],
    ),
    (
        C,
        "2024-03-03T09:30:00",
        "Chawama",
        "45",
        "yes",
        (-15.45, 28.27, 1210.0, 4.0),
        "tap",
        "1.5",
        [("Chanda", "20", "no", [])],
    ),
    (
        A,
        "2024-03-01T08:00:00",
        "Kanyama",
        "4",
        "yes",
        (-15.41, 28.28, 1200.0, 5.0),
        "tap",
        "0.3",
        [("Amara", "7", "yes", [])],
    ),
]
STATUS = {B: "validation_status_not_approved"}


def _csv(rows: list[list[str]]) -> str:
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def write_form(path: Path) -> None:
    """The XLSForm every fixture was 'collected' with."""
    book = Workbook()
    sheet = book.active
    sheet.title = "survey"
    for row in SURVEY:
        sheet.append(row)
    sheet = book.create_sheet("choices")
    for row in CHOICES:
        sheet.append(row)
    sheet = book.create_sheet("settings")
    sheet.append(["form_id", "form_title"])
    sheet.append(["household", TITLE])
    book.save(path)


def kobo_legacy() -> list[list[str]]:
    """KoboToolbox legacy CSV: wide repeats, ``/`` paths, n/a, True/False options."""
    n_kids = max(len(h[8]) for h in HOUSEHOLDS)
    n_vacc = max(len(k[3]) for h in HOUSEHOLDS for k in h[8])
    header = ["start", "end", "hh/village", "hh/hh_size", "hh/has_children", "hh/gps"]
    header += [f"hh/_gps_{p}" for p in ("latitude", "longitude", "altitude", "precision")]
    header += ["hh/water_sources"] + [f"hh/water_sources/{w}" for w in ("tap", "well", "river")]
    header += ["hh/Q1.1"]
    for k in range(1, n_kids + 1):
        header += [f"children[{k}]/{q}" for q in ("childs_name", "childs_age", "in_school")]
    for k in range(1, n_kids + 1):
        for v in range(1, n_vacc + 1):
            header += [f"children[{k}]/vaccines[{v}]/{q}" for q in ("vaccine", "vaccine_date")]
    header += [
        "meta/instanceID",
        "_id",
        "_uuid",
        "_submission_time",
        "_validation_status",
        "note_from_analyst",
    ]
    rows = [header]
    for n, (uuid, when, village, size, kids_q, gps, water, share, kids) in enumerate(HOUSEHOLDS):
        row = [
            when + ".000+02:00",
            when + ".500+02:00",
            village,
            size,
            kids_q,
            " ".join(map(str, gps)),
        ]
        row += [str(g) for g in gps] + [water]
        row += [str(w in water.split()) for w in ("tap", "well", "river")] + [share]
        for k in range(n_kids):
            row += list(kids[k][:3]) if k < len(kids) else ["n/a"] * 3
        for k in range(n_kids):
            for v in range(n_vacc):
                vacc = kids[k][3] if k < len(kids) else []
                row += list(vacc[v]) if v < len(vacc) else ["n/a", "n/a"]
        status = (
            json.dumps({"uid": STATUS[uuid], "by_whom": "supervisor"}) if uuid in STATUS else "{}"
        )
        row += [f"uuid:{uuid}", str(1000 + n), uuid, when, status, "checked"]
        rows.append(row)
    return rows


def kobo_xlsx(path: Path) -> None:
    """KoboToolbox XLSX: main sheet named after the form, one sheet per repeat."""
    book = Workbook()
    main = book.active
    main.title = TITLE[:28] + "..." if len(TITLE) > 31 else TITLE
    main.append(
        [
            "start",
            "end",
            "hh/village",
            "hh/hh_size",
            "hh/has_children",
            "hh/gps",
            "hh/_gps_latitude",
            "hh/_gps_longitude",
            "hh/_gps_altitude",
            "hh/_gps_precision",
            "hh/water_sources",
            "hh/water_sources/tap",
            "hh/water_sources/well",
            "hh/water_sources/river",
            "hh/Q1.1",
            "_id",
            "_uuid",
            "_submission_time",
            "_validation_status",
            "_index",
        ]
    )
    kids_sheet = book.create_sheet("children")
    kids_sheet.append(
        [
            "children/childs_name",
            "children/childs_age",
            "children/in_school",
            "_index",
            "_parent_table_name",
            "_parent_index",
            "_submission__id",
            "_submission__uuid",
            "_submission__submission_time",
        ]
    )
    vacc_sheet = book.create_sheet("vaccines")
    vacc_sheet.append(
        [
            "children/vaccines/vaccine",
            "children/vaccines/vaccine_date",
            "_index",
            "_parent_table_name",
            "_parent_index",
            "_submission__id",
            "_submission__uuid",
        ]
    )
    kid_index = vacc_index = 0
    for n, (uuid, when, village, size, kids_q, gps, water, share, kids) in enumerate(
        HOUSEHOLDS[:3], start=1
    ):
        status = "Not Approved" if uuid in STATUS else None
        main.append(
            [
                when,
                when,
                village,
                int(size),
                kids_q,
                " ".join(map(str, gps)),
                *gps,
                water,
                *[int(w in water.split()) for w in ("tap", "well", "river")],
                None if share == "n/a" else float(share),
                1000 + n,
                uuid,
                when,
                status,
                n,
            ]
        )
        for name, age, school, vaccines in kids:
            kid_index += 1
            kids_sheet.append([name, int(age), school, kid_index, TITLE, n, 1000 + n, uuid, when])
            for vaccine, date in vaccines:
                vacc_index += 1
                vacc_sheet.append(
                    [vaccine, date, vacc_index, "children", kid_index, 1000 + n, uuid]
                )
    vacc_sheet.append(["polio", "2019-01-01", vacc_index + 1, "children", 99, 1099, "no-such-uuid"])
    book.save(path)


def central_zip(path: Path) -> None:
    """ODK Central ``.csv.zip``: one CSV per table, KEY / PARENT_KEY links."""
    main = [
        [
            "SubmissionDate",
            "start",
            "end",
            "hh-village",
            "hh-hh_size",
            "hh-has_children",
            "hh-gps-Latitude",
            "hh-gps-Longitude",
            "hh-gps-Altitude",
            "hh-gps-Accuracy",
            "hh-water_sources",
            "hh-water_sources/tap",
            "hh-water_sources/well",
            "hh-water_sources/river",
            "hh-Q1.1",
            "SET-OF-children",
            "meta-instanceID",
            "KEY",
            "SubmitterID",
            "SubmitterName",
            "AttachmentsPresent",
            "AttachmentsExpected",
            "Status",
            "ReviewState",
            "DeviceID",
            "Edits",
            "FormVersion",
        ]
    ]
    kids = [
        [
            "childs_name",
            "childs_age",
            "in_school",
            "SET-OF-vaccines",
            "PARENT_KEY",
            "KEY",
            "SET-OF-children",
        ]
    ]
    vacc = [["vaccine", "vaccine_date", "PARENT_KEY", "KEY", "SET-OF-vaccines"]]
    for uuid, when, village, size, kids_q, gps, water, share, children in HOUSEHOLDS[:3]:
        key = f"uuid:{uuid}"
        review = "rejected" if uuid in STATUS else "approved"
        main.append(
            [
                when + ".123Z",
                when + ".000+02:00",
                when + ".500+02:00",
                village,
                size,
                kids_q,
                *map(str, gps),
                water,
                *[str(int(w in water.split())) for w in ("tap", "well", "river")],
                "" if share == "n/a" else share,
                f"{key}/children",
                key,
                key,
                "7",
                "Enumerator Seven",
                "0",
                "0",
                "",
                review,
                "collect:abc123",
                "0",
                "2024030101",
            ]
        )
        for k, (name, age, school, vaccines) in enumerate(children, start=1):
            kid_key = f"{key}/children[{k}]"
            kids.append([name, age, school, f"{kid_key}/vaccines", key, kid_key, f"{key}/children"])
            for v, (vaccine, date) in enumerate(vaccines, start=1):
                vacc.append(
                    [vaccine, date, kid_key, f"{kid_key}/vaccines[{v}]", f"{kid_key}/vaccines"]
                )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, rows in (
            ("household.csv", main),
            ("household-children.csv", kids),
            ("household-vaccines.csv", vacc),
        ):
            info = zipfile.ZipInfo(name, date_time=(2024, 3, 4, 0, 0, 0))
            zf.writestr(info, _csv(rows))
        zf.writestr(
            zipfile.ZipInfo("media/photo.jpg", date_time=(2024, 3, 4, 0, 0, 0)), b"\xff\xd8"
        )


def r_dotted() -> list[list[str]]:
    """An export re-written by R: ``.`` group paths and ``NA`` for missing."""
    rows = [
        [
            "hh.village",
            "hh.hh_size",
            "hh.has_children",
            "hh.water_sources.tap",
            "hh.water_sources.well",
            "hh.water_sources.river",
            "hh.Q1.1",
            "hh.gps.latitude",
            "hh.gps.longitude",
            "meta.instanceID",
        ]
    ]
    for uuid, _, village, size, kids_q, gps, water, share, _ in HOUSEHOLDS[:3]:
        rows.append(
            [
                village,
                size,
                kids_q,
                *[str(int(w in water.split())) for w in ("tap", "well", "river")],
                "NA" if share == "n/a" else share,
                str(gps[0]),
                str(gps[1]),
                f"uuid:{uuid}",
            ]
        )
    return rows


if __name__ == "__main__":
    HERE.mkdir(exist_ok=True)
    write_form(HERE / "household.xlsx")
    (HERE / "kobo_legacy.csv").write_text(_csv(kobo_legacy()), encoding="utf-8")
    kobo_xlsx(HERE / "kobo_repeats.xlsx")
    central_zip(HERE / "household.csv.zip")
    (HERE / "r_dotted.csv").write_text(_csv(r_dotted()), encoding="utf-8")
    for p in sorted(HERE.iterdir()):
        print(p)
