"""Tests of toolkit.frame: the bundled membership table and users' own frames."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

from toolkit.errors import FrameError
from toolkit.frame import (
    COVARIATES,
    FRAME_DATE,
    REQUIRED_COLUMNS,
    ZONES,
    _membership,
    bundled_frame_path,
    load_frame,
    validate_frame,
)

ZONE_COUNTS = {"africa": 49, "americas": 35, "asia_pacific": 38, "europe": 54, "mena": 17}
HEADER = "iso3,country,society_name,zone,income_group\n"


@pytest.fixture(scope="module")
def bundled() -> pd.DataFrame:
    return load_frame()  # a fresh copy: conftest's session frame must not be touched


def _xlsx(path: Path, rows: list[list[object]]) -> Path:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def _error(path: Path) -> FrameError:
    with pytest.raises(FrameError) as err:
        load_frame(path)
    assert err.value.file == str(path)
    assert "What to do:" in str(err.value)
    return err.value


# ============================================================ the bundled frame
def test_bundled_frame_shape_and_zones(bundled: pd.DataFrame) -> None:
    assert len(bundled) == 193
    assert bundled["zone"].value_counts().to_dict() == ZONE_COUNTS
    assert list(bundled["zone"].cat.categories) == list(ZONES)
    assert bundled["iso3"].is_unique
    assert bundled["iso3"].str.fullmatch(r"[A-Z]{3}").all()
    assert isinstance(bundled.index, pd.RangeIndex)


def test_bundled_frame_columns_and_covariates(bundled: pd.DataFrame) -> None:
    expected = [
        "iso3",
        "country",
        "society_name",
        "zone",
        "fdrs",
        "go_region_id",
        "subregion",
        "income_group",
        "population_band",
        "migration_context",
        "languages",
        "lat",
        "lon",
    ]
    assert list(bundled.columns) == expected
    # Covariates (and everything but fdrs) are known for every Society, respondent or not.
    for col in [c for c in expected if c != "fdrs"]:
        assert bundled[col].notna().all(), col
    assert sorted(bundled.loc[bundled["fdrs"].isna(), "iso3"]) == ["BTN", "ERI", "MHL"]
    for col in COVARIATES:
        assert col in bundled.columns
    for col in ("income_group", "population_band", "migration_context"):
        assert bundled[col].cat.ordered, col
    assert set(bundled["income_group"]) == {"low", "lower_middle", "upper_middle", "high"}
    assert set(bundled["migration_context"]) == {"origin", "transit", "destination", "mixed"}
    assert bundled["languages"].str.fullmatch(r"[a-z]{2}(;[a-z]{2})*").all()
    assert bundled["lat"].between(-90, 90).all() and bundled["lon"].between(-180, 180).all()
    # GO region ids follow the zones: 0 africa ... 4 mena.
    zone_ids = bundled.groupby("zone", observed=True)["go_region_id"].unique()
    assert {z: list(v) for z, v in zone_ids.items()} == {z: [i] for i, z in enumerate(ZONES)}


def test_bundled_frame_spot_checks(bundled: pd.DataFrame) -> None:
    by_code = bundled.set_index("iso3")
    assert by_code.loc["CHE", "zone"] == "europe"
    assert by_code.loc["CHE", "languages"] == "de;fr;it;rm"
    assert by_code.loc["AFG", "society_name"] == "Afghan Red Crescent Society"
    assert by_code.loc["AFG", "zone"] == "asia_pacific"


def test_frame_date_is_documented() -> None:
    readme = (bundled_frame_path().parent / "README.md").read_text(encoding="utf-8")
    assert f"Compiled on **{FRAME_DATE}**" in readme
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", FRAME_DATE)


def test_load_frame_doctest() -> None:
    result = doctest.testmod(_membership, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 2 and result.failed == 0


def test_load_frame_is_a_fresh_copy() -> None:
    first = load_frame()
    first.loc[0, "country"] = "changed"
    assert load_frame().loc[0, "country"] != "changed"


# ============================================================ a user's own frame
def _own_rows(bundled: pd.DataFrame) -> pd.DataFrame:
    cols = ["iso3", "country", "society_name", "zone", "income_group", "population_band"]
    return bundled[cols].head(12).astype(str)


@pytest.mark.parametrize("sep", [",", ";"])
def test_own_frame_from_csv(tmp_path: Path, bundled: pd.DataFrame, sep: str) -> None:
    own = _own_rows(bundled)
    path = tmp_path / "frame.csv"
    own.to_csv(path, sep=sep, index=False, encoding="utf-8-sig")  # Excel's "CSV UTF-8"
    loaded = load_frame(path)
    assert list(loaded.columns) == list(own.columns)
    pd.testing.assert_frame_equal(loaded.astype(str), own.reset_index(drop=True))
    assert loaded["income_group"].cat.ordered


def test_own_frame_from_xlsx(tmp_path: Path, bundled: pd.DataFrame) -> None:
    own = _own_rows(bundled)
    path = _xlsx(tmp_path / "frame.xlsx", [list(own.columns), *own.to_numpy().tolist()])
    loaded = load_frame(path)
    pd.testing.assert_frame_equal(loaded.astype(str), own.reset_index(drop=True))


def test_own_frame_with_only_required_columns(tmp_path: Path) -> None:
    path = tmp_path / "frame.csv"
    path.write_text(
        "iso3;country;society_name;zone\nfra ; France ; French Red Cross ;EUROPE\n"
        "KEN;Kenya;Kenya Red Cross Society;africa\n",
        encoding="utf-8",
    )
    loaded = load_frame(path)
    assert list(loaded.columns) == list(REQUIRED_COLUMNS)
    assert loaded["iso3"].tolist() == ["FRA", "KEN"]  # trimmed and upper-cased
    assert loaded["zone"].tolist() == ["europe", "africa"]
    assert loaded.loc[0, "society_name"] == "French Red Cross"


def test_own_frame_quoted_fields_blank_lines_and_trailing_separators(tmp_path: Path) -> None:
    path = tmp_path / "frame.csv"
    path.write_text(
        "iso3,country,society_name,zone,,\n"
        '"COD","Congo, Democratic Republic of the","Red Cross of the DRC",africa,,\n'
        "\n"
        "FRA,France,French Red Cross,europe\n",
        encoding="utf-8",
    )
    loaded = load_frame(path)
    assert loaded["country"].tolist() == ["Congo, Democratic Republic of the", "France"]
    assert list(loaded.columns) == list(REQUIRED_COLUMNS)


def test_covariate_levels_are_case_insensitive(tmp_path: Path) -> None:
    path = tmp_path / "frame.csv"
    path.write_text(HEADER + "FRA,France,French RC,europe,High\n", encoding="utf-8")
    assert load_frame(path)["income_group"].tolist() == ["high"]


def test_validate_frame_accepts_a_dataframe() -> None:
    df = pd.DataFrame(
        {
            "iso3": ["ken", "FRA"],
            "country": ["Kenya", "France"],
            "society_name": ["KRCS", "FRC"],
            "zone": ["Africa", "europe"],
            "lat": ["0.5", "46.2"],
        },
        index=["a", "b"],
    )
    out = validate_frame(df)
    assert out["iso3"].tolist() == ["KEN", "FRA"]
    assert out["lat"].tolist() == [0.5, 46.2]
    assert isinstance(out.index, pd.RangeIndex)
    assert df.loc["a", "iso3"] == "ken"  # input untouched


# ============================================================ errors
def test_missing_required_column(tmp_path: Path) -> None:
    path = tmp_path / "frame.csv"
    path.write_text("iso3,country,zone\nFRA,France,europe\n", encoding="utf-8")
    err = _error(path)
    assert (err.column, err.row) == ("society_name", 1)
    assert "society_name" in str(err) and "found: iso3, country, zone" in str(err)


def test_wrong_separator_is_reported_as_missing_columns(tmp_path: Path) -> None:
    path = tmp_path / "frame.csv"
    path.write_text("iso3 country society_name zone\nFRA France FRC europe\n", encoding="utf-8")
    err = _error(path)
    assert "comma- or semicolon-separated" in str(err)


def test_duplicated_iso3(tmp_path: Path) -> None:
    path = tmp_path / "frame.csv"
    path.write_text(
        HEADER + "FRA,France,FRC,europe,high\nKEN,Kenya,KRCS,africa,lower_middle\n"
        "fra,France again,FRC,europe,high\n",
        encoding="utf-8",
    )
    err = _error(path)
    assert (err.row, err.column, err.value) == (2, "iso3", "FRA")
    message = str(err)
    assert "row 2, column 'iso3', value 'FRA': duplicated Society code" in message
    assert "row 4, column 'iso3', value 'FRA': duplicated Society code" in message


def test_unknown_zone(tmp_path: Path) -> None:
    path = tmp_path / "frame.csv"
    path.write_text(
        HEADER + "FRA,France,FRC,europe,high\nKEN,Kenya,KRCS,East Africa,low\n", encoding="utf-8"
    )
    err = _error(path)
    assert (err.row, err.column, err.value) == (3, "zone", "east africa")
    assert "unknown zone" in str(err) and "asia_pacific" in str(err)


def test_missing_code(tmp_path: Path) -> None:
    path = tmp_path / "frame.csv"
    path.write_text(
        HEADER + "FRA,France,FRC,europe,high\n  ,Kenya,KRCS,africa,low\n", encoding="utf-8"
    )
    err = _error(path)
    assert (err.row, err.column, err.value) == (3, "iso3", None)
    assert "missing Society code" in str(err)


def test_all_problems_are_listed_at_once(tmp_path: Path) -> None:
    path = tmp_path / "frame.csv"
    path.write_text(
        HEADER + ",France,FRC,europe,high\nKEN,,KRCS,,low\nDEU,Germany,GRC,west,high\n",
        encoding="utf-8",
    )
    message = str(_error(path))
    assert "4 problem(s)" in message
    for text in (
        "row 2, column 'iso3', value None: missing Society code",
        "row 3, column 'zone', value None: missing zone",
        "row 3, column 'country', value None: missing value",
        "row 4, column 'zone', value 'west': unknown zone",
    ):
        assert text in message


def test_unknown_covariate_level(tmp_path: Path) -> None:
    path = tmp_path / "frame.csv"
    path.write_text(
        HEADER + "FRA,France,FRC,europe,high\nKEN,Kenya,KRCS,africa,middle\n", encoding="utf-8"
    )
    err = _error(path)
    assert (err.row, err.column, err.value) == (3, "income_group", "middle")
    assert "lower_middle" in str(err)


def test_row_numbers_count_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "frame.csv"
    path.write_text(
        HEADER + "FRA,France,FRC,europe,high\n\n\nKEN,Kenya,KRCS,afrika,low\n", encoding="utf-8"
    )
    assert _error(path).row == 5


def test_xlsx_errors_use_sheet_rows(tmp_path: Path) -> None:
    path = _xlsx(
        tmp_path / "frame.xlsx",
        [
            ["iso3", "country", "society_name", "zone"],
            ["FRA", "France", "FRC", "europe"],
            [None, None, None, None],
            ["FRA", "France", "FRC", "europe"],
        ],
    )
    err = _error(path)
    assert (err.row, err.column, err.value) == (2, "iso3", "FRA")
    assert "row 4, column 'iso3'" in str(err)


def test_ragged_row(tmp_path: Path) -> None:
    path = tmp_path / "frame.csv"
    path.write_text(
        "iso3,country,society_name,zone\nFRA,France,FRC,europe,extra\n", encoding="utf-8"
    )
    err = _error(path)
    assert err.row == 2 and "5 cells but the header has 4" in str(err)


def test_duplicated_header(tmp_path: Path) -> None:
    path = tmp_path / "frame.csv"
    path.write_text(
        "iso3,country,society_name,zone,zone\nFRA,France,FRC,europe,europe\n", encoding="utf-8"
    )
    err = _error(path)
    assert (err.row, err.column) == (1, "zone")


@pytest.mark.parametrize(
    "content,expected",
    [
        (b"", "is empty"),
        (
            "iso3,country,society_name,zone\nCIV,Côte d'Ivoire,X,africa\n".encode("cp1252"),
            "not UTF-8",
        ),
    ],
)
def test_unreadable_csv(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "frame.csv"
    path.write_bytes(content)
    assert expected in str(_error(path))


def test_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "frame.xlsx"
    path.write_text("iso3,country,society_name,zone\n", encoding="utf-8")
    assert "not an Excel workbook" in str(_error(path))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FrameError, match="does not exist"):
        load_frame(tmp_path / "nope.csv")


def test_validate_frame_row_numbers_without_integer_index() -> None:
    df = pd.DataFrame(
        {
            "iso3": ["A", "A"],
            "country": ["x", "y"],
            "society_name": ["s", "t"],
            "zone": ["africa", "mena"],
        },
        index=["p", "q"],
    )
    with pytest.raises(FrameError) as err:
        validate_frame(df, source="own.csv")
    assert err.value.row == 2 and err.value.file == "own.csv"
    assert "row 3, column 'iso3'" in str(err.value)
