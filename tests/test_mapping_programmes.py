"""Tests of toolkit.mapping's programme register: ids, overrides, the register table and
the Society-level activity types taken from the programmes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from toolkit.errors import InputError
from toolkit.mapping import (
    PROGRAMME_COLUMNS,
    activities_from_programmes,
    programme_id,
    programme_register,
    programme_slug,
    read_programme_ids,
)


def _repeat(rows: list[dict[str, object]]) -> pd.DataFrame:
    """A programme repeat table as ingestion gives it (strings, nullable integers)."""
    base = {
        "prog_status": "running",
        "prog_activities": "rfl",
        "prog_stages": "transit",
        "prog_groups": "women",
        "prog_partners": "none",
        "prog_funding": "own",
    }
    recs = [base | r for r in rows]
    df = pd.DataFrame(recs).astype("string")
    for col in ("prog_start_year", "prog_reached", "_position"):
        if col in df:
            df[col] = pd.to_numeric(df[col]).astype("Int64")
    df["_key"] = (df["ns_iso3"] + "/programme[" + df["_position"].astype(str) + "]").astype(
        "string"
    )
    return df


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Migrant Help-Desk", "migrant help desk"),
        ("Santé des migrants", "SANTE  DES MIGRANTS"),
        ("إِعادة الروابط العائلية", "اعادة الروابط العائلـية"),  # harakat, hamza, tatweel
        ("HSP (Calais)", "hsp calais"),
    ],
)
def test_slug_absorbs_spelling(a: str, b: str) -> None:
    assert programme_slug(a) == programme_slug(b) != ""


def test_slug_and_id() -> None:
    assert programme_slug("Migrant Help-Desk (Calais) 2024") == "migrant-help-desk-calais-2024"
    assert programme_slug("Restablecimiento del Contacto") == "restablecimiento-del-contacto"
    assert programme_slug(None) == programme_slug(pd.NA) == programme_slug(" -- ") == ""
    assert programme_id("ken", "Cash for Migrants") == "KEN-cash-for-migrants"
    assert programme_slug("Health and care") != programme_slug("Health & care")  # not guessed


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_overrides_resolve_chains(tmp_path: Path, frame: pd.DataFrame) -> None:
    path = _write(
        tmp_path / "ids.csv",
        "ns_iso3,name,same_as,note\n"
        "KEN,Help desk Nairobi,Migrant help desk,renamed 2026\n"
        "ken,Migrant help desk,Migrant info point,renamed 2024\n"
        "FRA,Same,same,\n",
    )
    got = read_programme_ids(path, frame=frame)
    assert got == {
        ("KEN", "help-desk-nairobi"): "migrant-info-point",
        ("KEN", "migrant-help-desk"): "migrant-info-point",
    }


@pytest.mark.parametrize(
    ("text", "row", "column"),
    [
        ("ns_iso3,name\nKEN,a\n", 1, None),
        ("ns_iso3,name,same_as\nKEN,,b\n", 2, "name"),
        ("ns_iso3,name,same_as\nXXX,a,b\n", 2, "ns_iso3"),
        ("ns_iso3,name,same_as\nKEN,a,b\nKEN,A,c\n", 3, "same_as"),
        ("ns_iso3,name,same_as\nKEN,a,!!\n", 2, "same_as"),
        ("ns_iso3,name,same_as\nKEN,a,b\nKEN,b,a\n", None, "same_as"),
    ],
)
def test_bad_overrides_are_named(
    tmp_path: Path, frame: pd.DataFrame, text: str, row: int | None, column: str | None
) -> None:
    path = _write(tmp_path / "ids.csv", text)
    with pytest.raises(InputError) as err:
        read_programme_ids(path, frame=frame)
    assert err.value.file == str(path)
    assert (err.value.row, err.value.column) == (row, column)
    assert err.value.hint


def test_register_ids_flags_and_order(frame: pd.DataFrame, instrument) -> None:
    repeat = _repeat(
        [
            {
                "ns_iso3": "KEN",
                "_position": 2,
                "prog_name": "Help desk",
                "prog_activities": "rfl info",
            },
            {
                "ns_iso3": "KEN",
                "_position": 1,
                "prog_name": "Cash for migrants",
                "prog_activities": "cash",
            },
            {"ns_iso3": "KEN", "_position": 3, "prog_name": "HELP-DESK", "prog_status": "planned"},
            {"ns_iso3": "FRA", "_position": 1, "prog_name": pd.NA, "prog_partners": "ns un"},
            {
                "ns_iso3": "FRA",
                "_position": 2,
                "prog_name": "Accueil",
                "prog_start_year": 2019,
                "prog_reached": 1200,
                "prog_reached_basis": "estimated",
                "prog_partner_ns": "DEU BEL",
                "prog_partners": "ns",
            },
        ]
    )
    reg = programme_register(
        repeat, instrument, frame=frame, year=2026, overrides={("FRA", "accueil"): "welcome"}
    )
    assert reg["programme_id"].tolist() == [
        "FRA-programme-1",
        "FRA-welcome",
        "KEN-cash-for-migrants",
        "KEN-help-desk",
        "KEN-help-desk-2",
    ]
    assert reg["id_rule"].tolist() == ["unnamed", "same_as", "name", "name", "name, numbered"]
    assert reg["zone"].tolist() == ["europe", "europe", "africa", "africa", "africa"]
    assert reg["ran_last_12_months"].tolist() == [True, True, True, True, False]
    assert (reg["year"] == 2026).all()
    ken = reg.set_index("programme_id").loc["KEN-help-desk"]
    assert (ken["activity__rfl"], ken["activity__info"], ken["activity__cash"]) == (1, 1, 0)
    assert ken["stage__transit"] == 1 and ken["stage__origin"] == 0
    fra = reg.set_index("programme_id").loc["FRA-welcome"]
    assert (fra["start_year"], fra["people_reached"], fra["reached_basis"]) == (
        2019,
        1200,
        "estimated",
    )
    assert fra["partner_societies"] == "DEU BEL" and fra["partner__ns"] == 1
    # every column of the register is there, in order, with the 0/1 columns after
    # the multiple choice they come from
    cols = list(reg.columns)
    assert [c for c in cols if "__" not in c] == list(PROGRAMME_COLUMNS)
    assert cols.index("activity__rfl") == cols.index("activities") + 1
    assert reg["activity__rfl"].dtype == "Int8"


def test_register_of_no_programme(frame: pd.DataFrame, instrument) -> None:
    empty = _repeat([{"ns_iso3": "KEN", "_position": 1, "prog_name": "x"}]).iloc[:0]
    reg = programme_register(empty, instrument, frame=frame, year=2026)
    assert reg.empty and [c for c in reg.columns if "__" not in c] == list(PROGRAMME_COLUMNS)


def test_activities_from_programmes(instrument) -> None:
    data = pd.DataFrame(
        {
            "ns_iso3": ["KEN", "FRA", "BEL", "DEU"],
            "_file": "a.csv",
            "_row": [2, 3, 4, 5],
            "activities": pd.array(["health", "", "rfl cash", pd.NA], dtype="string"),
        }
    )
    codes = instrument.choice_names("activity")
    for c in codes:
        data[f"activities__{c}"] = pd.array(
            [
                int(c in str(v).split()) if isinstance(v, str) and v else pd.NA
                for v in data["activities"]
            ],
            dtype="Int8",
        )
    repeat = _repeat(
        [
            {"ns_iso3": "KEN", "_position": 1, "prog_name": "a", "prog_activities": "rfl info"},
            {
                "ns_iso3": "KEN",
                "_position": 2,
                "prog_name": "b",
                "prog_activities": "cash",
                "prog_status": "ended",
            },
            {
                "ns_iso3": "KEN",
                "_position": 3,
                "prog_name": "c",
                "prog_activities": "legal",
                "prog_status": "planned",
            },
            {
                "ns_iso3": "FRA",
                "_position": 1,
                "prog_name": "d",
                "prog_activities": "health",
                "prog_status": pd.NA,
            },
            {
                "ns_iso3": "DEU",
                "_position": 1,
                "prog_name": "e",
                "prog_activities": "legal",
                "prog_status": "planned",
            },
        ]
    )
    out, replaced = activities_from_programmes(data, repeat, instrument)
    got = out.set_index("ns_iso3")
    # the union of programmes that ran (running, ended, status missing), in list order
    assert got.at["KEN", "activities"] == "rfl cash info"
    assert got.at["FRA", "activities"] == "health"  # missing status counts as ran
    assert got.at["BEL", "activities"] == "rfl cash"  # no programme: own answer kept
    assert pd.isna(got.at["DEU", "activities"])  # planned only: own (missing) answer kept
    assert got.loc[
        "KEN", [f"activities__{c}" for c in ("rfl", "cash", "info", "legal", "health")]
    ].tolist() == [
        1,
        1,
        1,
        0,
        0,
    ]
    assert got.at["FRA", "activities__rfl"] == 0 and pd.isna(got.at["DEU", "activities__rfl"])
    assert out["activities__rfl"].dtype == "Int8"
    # KEN answered itself and differently: reported; FRA's own answer was empty
    assert replaced[["ns_iso3", "answered", "from_programmes"]].values.tolist() == [
        ["KEN", "health", "rfl cash info"]
    ]
    assert data.at[0, "activities"] == "health"  # input left alone
