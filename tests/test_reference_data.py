"""Tests of the bundled reference data in ``toolkit/data``.

Fast, read-only checks of ``membership.csv``, ``routes.csv``, ``tile_grid.csv`` and the
data README. The build scripts are imported from ``scripts/``: the tile-grid build is
re-run and compared byte for byte with the committed file. The membership build needs
the IFRC GO reference file, which the tests must not need, so for that script the test
checks instead that its authored covariate table reproduces the committed CSV. It
rebuilds the CSV from the reference facts already in the committed file.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "toolkit" / "data"
SCRIPTS = REPO / "scripts"

MEMBERSHIP_COLUMNS = [
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
ZONE_COUNTS = {"africa": 49, "americas": 35, "asia_pacific": 38, "europe": 54, "mena": 17}
GO_REGION_OF_ZONE = {
    "africa": "0",
    "americas": "1",
    "asia_pacific": "2",
    "europe": "3",
    "mena": "4",
}
SUBREGIONS = {
    "northern_africa",
    "eastern_africa",
    "middle_africa",
    "southern_africa",
    "western_africa",
    "caribbean",
    "central_america",
    "south_america",
    "northern_america",
    "central_asia",
    "eastern_asia",
    "south_eastern_asia",
    "southern_asia",
    "western_asia",
    "eastern_europe",
    "northern_europe",
    "southern_europe",
    "western_europe",
    "australia_and_new_zealand",
    "melanesia",
    "micronesia",
    "polynesia",
}
INCOME_GROUPS = {"low", "lower_middle", "upper_middle", "high"}
POPULATION_BANDS = {"lt1m", "1m_10m", "10m_50m", "50m_plus"}
MIGRATION_CONTEXTS = {"origin", "transit", "destination", "mixed"}
STAGE_ROLES = {"origin", "transit", "destination", "return"}

# The major routes the mapping study needs, with roles that must hold on each.
REQUIRED_ROUTES: dict[str, dict[str, str]] = {
    "central_mediterranean": {
        "NGA": "origin",
        "GIN": "origin",
        "CIV": "origin",
        "MLI": "origin",
        "SEN": "origin",
        "NER": "transit",
        "LBY": "transit",
        "TUN": "transit",
        "ITA": "destination",
        "MLT": "destination",
    },
    "western_mediterranean_atlantic": {
        "SEN": "origin",
        "GMB": "origin",
        "MLI": "origin",
        "GIN": "origin",
        "CIV": "origin",
        "MRT": "transit",
        "MAR": "transit",
        "ESP": "destination",
    },
    "eastern_mediterranean_balkans": {
        "SYR": "origin",
        "AFG": "origin",
        "IRQ": "origin",
        "PAK": "origin",
        "TUR": "transit",
        "GRC": "transit",
        "BGR": "transit",
        "MKD": "transit",
        "SRB": "transit",
        "BIH": "transit",
        "HRV": "transit",
        "SVN": "transit",
        "HUN": "transit",
        "AUT": "transit",
        "DEU": "destination",
        "SWE": "destination",
    },
    "eastern_route": {
        "ETH": "origin",
        "ERI": "origin",
        "DJI": "transit",
        "SOM": "transit",
        "YEM": "transit",
        "SAU": "destination",
    },
    "southern_route": {
        "ETH": "origin",
        "SOM": "origin",
        "KEN": "transit",
        "TZA": "transit",
        "MWI": "transit",
        "MOZ": "transit",
        "ZMB": "transit",
        "ZWE": "transit",
        "ZAF": "destination",
    },
    "central_america_north_america": {
        "SLV": "origin",
        "VEN": "origin",
        "HTI": "origin",
        "ECU": "origin",
        "HND": "transit",
        "GTM": "transit",
        "PAN": "transit",
        "CRI": "transit",
        "NIC": "transit",
        "MEX": "transit",
        "USA": "destination",
        "CAN": "destination",
    },
    "andean_venezuelan_outflow": {
        "VEN": "origin",
        "COL": "destination",
        "ECU": "destination",
        "PER": "destination",
        "CHL": "destination",
        "BRA": "destination",
        "ARG": "destination",
    },
    "bay_of_bengal_andaman_sea": {
        "MMR": "origin",
        "BGD": "origin",
        "THA": "transit",
        "MYS": "destination",
        "IDN": "destination",
    },
}


def _load_script(name: str) -> ModuleType:
    """Import ``scripts/<name>.py`` as a module without executing its CLI."""
    path = SCRIPTS / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"_refdata_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _read_csv(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / name, dtype=str, keep_default_na=False, encoding="utf-8")


@pytest.fixture(scope="module")
def membership() -> pd.DataFrame:
    return _read_csv("membership.csv")


@pytest.fixture(scope="module")
def routes() -> pd.DataFrame:
    return _read_csv("routes.csv")


@pytest.fixture(scope="module")
def tile_grid() -> pd.DataFrame:
    return _read_csv("tile_grid.csv")


# --------------------------------------------------------------------------- files


@pytest.mark.parametrize("name", ["membership.csv", "routes.csv", "tile_grid.csv"])
def test_csv_files_are_utf8_with_lf_line_ends(name: str) -> None:
    raw = (DATA / name).read_bytes()
    text = raw.decode("utf-8")  # raises if not UTF-8
    assert not raw.startswith(b"\xef\xbb\xbf"), "no byte-order mark"
    assert "\r" not in text, "line ends must be \\n"
    assert text.endswith("\n")


# ---------------------------------------------------------------------- membership


def test_membership_columns_in_order(membership: pd.DataFrame) -> None:
    assert list(membership.columns) == MEMBERSHIP_COLUMNS


def test_membership_has_193_unique_upper_case_iso3(membership: pd.DataFrame) -> None:
    assert len(membership) == 193
    assert membership["iso3"].is_unique
    assert membership["iso3"].str.fullmatch(r"[A-Z]{3}").all()
    assert membership["iso3"].tolist() == sorted(membership["iso3"])


def test_membership_zone_counts(membership: pd.DataFrame) -> None:
    assert membership["zone"].value_counts().to_dict() == ZONE_COUNTS


def test_membership_go_region_matches_zone(membership: pd.DataFrame) -> None:
    assert (membership["go_region_id"] == membership["zone"].map(GO_REGION_OF_ZONE)).all()


def test_membership_fdrs_codes_or_empty(membership: pd.DataFrame) -> None:
    fdrs = membership["fdrs"]
    assert fdrs.str.fullmatch(r"(D[A-Z]{2}\d{3})?").all()
    assert sorted(membership.loc[fdrs == "", "iso3"]) == ["BTN", "ERI", "MHL"]
    assert fdrs[fdrs != ""].is_unique


def test_membership_names_filled(membership: pd.DataFrame) -> None:
    for column in ("country", "society_name"):
        assert (membership[column].str.strip() != "").all()
        assert (membership[column] == membership[column].str.strip()).all()


@pytest.mark.parametrize(
    ("column", "allowed"),
    [
        ("subregion", SUBREGIONS),
        ("income_group", INCOME_GROUPS),
        ("population_band", POPULATION_BANDS),
        ("migration_context", MIGRATION_CONTEXTS),
    ],
)
def test_membership_covariates_filled_with_allowed_values(
    membership: pd.DataFrame, column: str, allowed: set[str]
) -> None:
    bad = membership.loc[~membership[column].isin(allowed), ["iso3", column]]
    assert bad.empty, f"{column} has values outside {sorted(allowed)}:\n{bad}"


def test_membership_every_category_used(membership: pd.DataFrame) -> None:
    assert set(membership["income_group"]) == INCOME_GROUPS
    assert set(membership["population_band"]) == POPULATION_BANDS
    assert set(membership["migration_context"]) == MIGRATION_CONTEXTS
    assert set(membership["subregion"]) == SUBREGIONS


def test_membership_languages_are_iso639_1_lists(membership: pd.DataFrame) -> None:
    langs = membership["languages"]
    assert langs.str.fullmatch(r"[a-z]{2}(;[a-z]{2})*").all()
    assert all(len(set(v.split(";"))) == len(v.split(";")) for v in langs)
    by_iso = dict(zip(membership["iso3"], langs, strict=True))
    assert by_iso["CMR"] == "en;fr"
    assert by_iso["CHE"] == "de;fr;it;rm"


def test_membership_centroids_in_range(membership: pd.DataFrame) -> None:
    lat = pd.to_numeric(membership["lat"], errors="raise")
    lon = pd.to_numeric(membership["lon"], errors="raise")
    assert lat.between(-90, 90).all() and lon.between(-180, 180).all()
    assert membership["lat"].str.fullmatch(r"-?\d+\.\d").all()
    assert membership["lon"].str.fullmatch(r"-?\d+\.\d").all()
    # Hemisphere sanity checks on a few well-known Societies.
    pos = membership.assign(lat=lat, lon=lon).set_index("iso3")
    assert pos.loc["AUS", "lat"] < 0 < pos.loc["NOR", "lat"]
    assert pos.loc["BRA", "lon"] < 0 < pos.loc["JPN", "lon"]


def test_membership_subregion_agrees_with_zone(membership: pd.DataFrame) -> None:
    africa_sub = {
        "northern_africa",
        "eastern_africa",
        "middle_africa",
        "southern_africa",
        "western_africa",
    }
    americas_sub = {"caribbean", "central_america", "south_america", "northern_america"}
    zone_sub = membership.groupby("zone")["subregion"].agg(set)
    assert zone_sub["africa"] <= africa_sub
    assert zone_sub["americas"] == americas_sub
    assert membership.set_index("iso3").loc["PSE", "subregion"] == "western_asia"


def test_membership_income_exceptions_and_known_values(membership: pd.DataFrame) -> None:
    income = membership.set_index("iso3")["income_group"]
    # Exceptions recorded in the README (no WB FY2025 classification).
    assert income["VEN"] == "upper_middle"
    assert income["COK"] == "high"
    # FY2025 (July 2024) reclassifications.
    for code in ("DZA", "IRN", "MNG", "UKR"):
        assert income[code] == "upper_middle", code
    for code in ("BGR", "PLW", "RUS"):
        assert income[code] == "high", code
    assert income["PSE"] == "lower_middle"
    # FY2025 has 26 low-income economies, all IFRC members.
    assert (income == "low").sum() == 26


def test_membership_script_covariates_match_committed_csv(membership: pd.DataFrame) -> None:
    """The authored table in build_membership.py reproduces the committed CSV."""
    bm = _load_script("build_membership")
    reference = membership[
        ["zone", "go_region_id", "iso3", "fdrs", "country", "society_name"]
    ].to_dict("records")
    rebuilt = bm.render_csv(bm.build_rows(reference, bm.parse_covariates()))
    assert rebuilt == (DATA / "membership.csv").read_text(encoding="utf-8")


def test_membership_script_transit_list_is_consistent() -> None:
    bm = _load_script("build_membership")
    cov = bm.parse_covariates()  # raises on any inconsistency
    transit = {k for k, v in cov.items() if v["migration_context"] == "transit"}
    assert transit <= bm.TRANSIT_COUNTRIES
    assert set(cov) >= bm.TRANSIT_COUNTRIES


# -------------------------------------------------------------------------- routes


def test_routes_columns(routes: pd.DataFrame) -> None:
    assert list(routes.columns) == [
        "route_id",
        "route_name",
        "position",
        "iso3",
        "stage_role",
        "note",
    ]


def test_routes_reference_known_societies(routes: pd.DataFrame, membership: pd.DataFrame) -> None:
    unknown = set(routes["iso3"]) - set(membership["iso3"])
    assert not unknown, f"routes name unknown iso3 codes: {sorted(unknown)}"


def test_routes_positions_contiguous(routes: pd.DataFrame) -> None:
    for route_id, group in routes.groupby("route_id", sort=False):
        positions = group["position"].astype(int).tolist()
        assert positions == list(range(1, len(group) + 1)), route_id
        assert len(group) >= 2, route_id


def test_routes_rows_grouped_and_named_consistently(routes: pd.DataFrame) -> None:
    ids = routes["route_id"].tolist()
    order = list(dict.fromkeys(ids))
    assert ids == [rid for rid in order for _ in range(ids.count(rid))], (
        "each route's rows must be contiguous"
    )
    assert (routes.groupby("route_id")["route_name"].nunique() == 1).all()
    assert routes["route_id"].str.fullmatch(r"[a-z][a-z0-9_]*").all()


def test_routes_stage_roles_allowed_and_one_per_country(routes: pd.DataFrame) -> None:
    assert set(routes["stage_role"]) <= STAGE_ROLES
    assert not routes.duplicated(["route_id", "iso3"]).any()


def test_routes_stage_order(routes: pd.DataFrame) -> None:
    """Origins come first; a route ends at a destination or a country of return."""
    for route_id, group in routes.groupby("route_id"):
        roles = group.sort_values("position", key=lambda s: s.astype(int))["stage_role"].tolist()
        n_origin = roles.count("origin")
        assert roles[:n_origin] == ["origin"] * n_origin, f"{route_id}: origins must come first"
        assert roles[-1] in {"destination", "return"}, route_id


@pytest.mark.parametrize("route_id", sorted(REQUIRED_ROUTES))
def test_required_routes_present_with_roles(routes: pd.DataFrame, route_id: str) -> None:
    route = routes[routes["route_id"] == route_id]
    assert not route.empty, f"route {route_id} is missing"
    roles = dict(zip(route["iso3"], route["stage_role"], strict=True))
    for iso3, role in REQUIRED_ROUTES[route_id].items():
        assert roles.get(iso3) == role, f"{route_id}: {iso3} should be {role}, is {roles.get(iso3)}"
    assert {"origin", "destination"} <= set(roles.values())


def test_return_route_present(routes: pd.DataFrame) -> None:
    assert (routes["stage_role"] == "return").any()


# ----------------------------------------------------------------------- tile grid


def test_tile_grid_covers_every_society_once(
    tile_grid: pd.DataFrame, membership: pd.DataFrame
) -> None:
    assert list(tile_grid.columns) == ["iso3", "col", "row"]
    assert tile_grid["iso3"].is_unique
    assert set(tile_grid["iso3"]) == set(membership["iso3"])
    assert (
        tile_grid["col"].str.fullmatch(r"\d+").all()
        and tile_grid["row"].str.fullmatch(r"\d+").all()
    )
    assert not tile_grid.duplicated(["col", "row"]).any()


def test_tile_grid_reproduced_by_build_script(tile_grid: pd.DataFrame) -> None:
    btg = _load_script("build_tile_grid")
    tiles = btg.build_tile_grid(DATA / "membership.csv")
    assert btg.render_csv(tiles) == (DATA / "tile_grid.csv").read_text(encoding="utf-8")
    grid = tile_grid.astype({"col": int, "row": int})
    assert grid["col"].max() < btg.N_COLS and grid["row"].max() < btg.N_ROWS


def test_tile_grid_reads_as_a_world_map(tile_grid: pd.DataFrame, membership: pd.DataFrame) -> None:
    grid = tile_grid.astype({"col": int, "row": int}).merge(
        membership[["iso3", "zone", "subregion"]], on="iso3"
    )
    mean_col = grid.groupby("zone")["col"].mean()
    mean_row = grid.groupby("zone")["row"].mean()
    # Americas left, Europe and Africa centre, Asia-Pacific right; Europe above Africa.
    assert mean_col["americas"] < mean_col["europe"] < mean_col["asia_pacific"]
    assert mean_col["americas"] < mean_col["africa"] < mean_col["asia_pacific"]
    assert mean_row["europe"] < mean_row["africa"]
    pos = grid.set_index("iso3")
    # Pacific island states sit at the far right.
    pacific = grid[grid["subregion"].isin({"melanesia", "micronesia", "polynesia"})]
    assert pacific["col"].min() >= grid["col"].quantile(0.8)
    # A few neighbourhoods: neighbours are within two tiles of each other.
    for a, b in [
        ("FRA", "DEU"),
        ("ESP", "PRT"),
        ("USA", "CAN"),
        ("USA", "MEX"),
        ("KEN", "TZA"),
        ("ZAF", "LSO"),
        ("CHN", "MNG"),
        ("AUS", "PNG"),
        ("NGA", "NER"),
        ("EGY", "LBY"),
    ]:
        d = max(
            abs(pos.loc[a, "col"] - pos.loc[b, "col"]), abs(pos.loc[a, "row"] - pos.loc[b, "row"])
        )
        assert d <= 2, f"{a} and {b} are {d} tiles apart"


# -------------------------------------------------------------------------- README


def test_data_readme_documents_files_and_exceptions() -> None:
    text = (DATA / "README.md").read_text(encoding="utf-8")
    assert "2026-11-27" in text
    for name in ("membership.csv", "routes.csv", "tile_grid.csv", "instrument.xlsx"):
        assert name in text, name
    for column in MEMBERSHIP_COLUMNS:
        assert f"`{column}`" in text, column
    assert "## Migratory routes" in text or "### Migratory routes" in text
    assert re.search(r"approximate", text, re.IGNORECASE)
    assert re.search(r"before (you )?publish", text, re.IGNORECASE)
    bm = _load_script("build_membership")
    for iso3 in list(bm.INCOME_EXCEPTIONS) + list(bm.MIGRATION_OVERRIDES):
        assert f"**{iso3}**" in text, f"README does not record the exception for {iso3}"
