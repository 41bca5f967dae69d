"""Tests of toolkit.mapping's recorded cooperation: partners of programmes and routes."""

from __future__ import annotations

import pandas as pd

from toolkit.mapping import PARTNER_COLUMNS, programme_partners, recorded_cooperation

# Two routes: A-B-C and C-D.
ROUTES = pd.DataFrame(
    {
        "route_id": ["r1", "r1", "r1", "r2", "r2"],
        "position": [1, 2, 3, 1, 2],
        "iso3": ["MAR", "ESP", "FRA", "FRA", "GBR"],
    }
)


def _programmes() -> pd.DataFrame:
    rows = [
        # id, Society, status, ran, activities, partner types, partner Societies
        ("ESP-a", "ESP", "running", True, "rfl health", "ns ifrc", "MAR GBR ESP"),
        ("ESP-b", "ESP", "planned", False, "legal", "ns", "FRA"),
        ("MAR-a", "MAR", "ended", True, "rfl", "ns", "ESP"),
        ("FRA-a", "FRA", "running", True, "shelter", "none", pd.NA),
        ("GBR-a", "GBR", "running", True, "info", "government", "MAR"),  # "ns" not ticked
    ]
    df = pd.DataFrame(
        rows,
        columns=[
            "programme_id",
            "ns_iso3",
            "status",
            "ran_last_12_months",
            "activities",
            "partner_types",
            "partner_societies",
        ],
    )
    df["zone"] = df["ns_iso3"].map(
        {"ESP": "europe", "MAR": "mena", "FRA": "europe", "GBR": "europe"}
    )
    df["year"] = 2026
    return df


def test_one_row_per_programme_and_partner(frame):
    p = programme_partners(_programmes(), frame=frame, routes=ROUTES)
    assert list(p.columns) == list(PARTNER_COLUMNS)
    got = p[["programme_id", "partner_type", "partner_iso3", "routes", "on_shared_route"]]
    rows = [tuple(None if pd.isna(v) else v for v in r) for r in got.itertuples(index=False)]
    assert rows == [
        ("ESP-a", "ns", "MAR", "r1", True),
        ("ESP-a", "ns", "GBR", None, False),  # no route in common
        ("ESP-a", "ifrc", None, "r1", False),  # the Society's own routes
        ("ESP-b", "ns", "FRA", "r1", True),
        ("MAR-a", "ns", "ESP", "r1", True),
        ("GBR-a", "government", None, "r2", False),
        ("GBR-a", "ns", "MAR", None, False),  # named although the type was not ticked
    ]
    # "none" gives no row; the Society itself is never its own partner
    assert "FRA-a" not in set(p["programme_id"]) and not (p["partner_iso3"] == p["ns_iso3"]).any()
    both = p.set_index(["programme_id", "partner_iso3"])["recorded_by_both"]
    assert both[("ESP-a", "MAR")] and both[("MAR-a", "ESP")] and not both[("ESP-a", "GBR")]
    assert p.loc[p["partner_iso3"] == "MAR", "partner_zone"].tolist() == ["mena", "mena"]


def test_recorded_cooperation_per_activity_and_route(frame):
    p = programme_partners(_programmes(), frame=frame, routes=ROUTES)
    coop = recorded_cooperation(p)
    rows = [tuple(None if pd.isna(v) else v for v in r) for r in coop.itertuples(index=False)]
    assert rows == [
        ("ESP", "GBR", "health", None, 1, "ESP-a"),
        ("ESP", "GBR", "rfl", None, 1, "ESP-a"),
        ("ESP", "MAR", "health", "r1", 1, "ESP-a"),
        ("ESP", "MAR", "rfl", "r1", 1, "ESP-a"),
        ("GBR", "MAR", "info", None, 1, "GBR-a"),
        ("MAR", "ESP", "rfl", "r1", 1, "MAR-a"),
    ]
    planned = recorded_cooperation(p, ran_only=False)
    assert ("ESP", "FRA", "legal", "r1") in set(
        planned[["ns_iso3", "partner_iso3", "activity", "route_id"]].itertuples(
            index=False, name=None
        )
    )
    assert recorded_cooperation(p.iloc[:0]).empty


def test_bundled_routes_by_default(frame):
    progs = _programmes().iloc[[0]]
    p = programme_partners(progs, frame=frame)
    assert p["routes"].notna().any()  # Spain and Morocco share a bundled route
