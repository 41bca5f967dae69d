"""Tests of toolkit.mapping._route_tables and ._coverage: route and stage-needs tables,
route gap logic.

The gap logic is checked on small hand-made routes whose answer is known; the bundled
tables are checked for form; a seeded random profile set over the bundled routes checks
the invariants (a non-respondent never makes a gap).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from toolkit.errors import InputError
from toolkit.mapping._coverage import (
    COVERAGE_STATUSES,
    route_activities,
    route_coverage,
    route_summary,
)
from toolkit.mapping._route_tables import (
    ROUTE_STAGES,
    load_routes,
    load_stage_needs,
    validate_routes,
)

ACTS = ("health", "rfl", "legal")


def make_profiles(spec: dict[str, dict], acts: tuple[str, ...] = ACTS) -> pd.DataFrame:
    """Profiles shaped like ``society_profiles``.

    ``spec[iso3]``: ``zone``; ``acts`` = {activity: set of stages} for a respondent
    (an activity absent from the dict is not run; value None = question unanswered),
    or no ``acts`` key for a non-respondent; optional ``reached`` {activity: n},
    ``volunteers``, ``staff``, ``languages``, ``work_languages``, ``coop_partners``.
    """
    rows = []
    for iso3, s in spec.items():
        responded = "acts" in s
        row: dict = {
            "iso3": iso3,
            "zone": s["zone"],
            "languages": s.get("languages", "en"),
            "status": "responded" if responded else "not responded",
            "responded": responded,
        }
        for a in acts:
            if not responded or (a in s["acts"] and s["acts"][a] is None):
                run, stages = pd.NA, dict.fromkeys(ROUTE_STAGES, pd.NA)
            elif a in s["acts"]:
                run = 1
                stages = {st: st in s["acts"][a] for st in ROUTE_STAGES}
            else:
                run, stages = 0, dict.fromkeys(ROUTE_STAGES, False)
            row[f"act__{a}"] = run
            for st in ROUTE_STAGES:
                row[f"stage__{a}__{st}"] = stages[st]
            row[f"reached__{a}"] = s.get("reached", {}).get(a, pd.NA)
        row["volunteers_migration"] = s.get("volunteers", pd.NA if not responded else 0)
        row["staff_migration"] = s.get("staff", pd.NA if not responded else 0)
        row["work_languages"] = s.get("work_languages", pd.NA)
        row["coop_partners"] = s.get("coop_partners", pd.NA)
        rows.append(row)
    df = pd.DataFrame(rows)
    for a in acts:
        df[f"act__{a}"] = df[f"act__{a}"].astype("Int8")
        df[f"reached__{a}"] = df[f"reached__{a}"].astype("Int64")
        for st in ROUTE_STAGES:
            df[f"stage__{a}__{st}"] = df[f"stage__{a}__{st}"].astype("boolean")
    for c in ("volunteers_migration", "staff_migration"):
        df[c] = df[c].astype("Int64")
    for c in ("work_languages", "coop_partners"):
        df[c] = df[c].astype("string")
    df["status"] = pd.Categorical(
        df["status"], categories=["responded", "quarantined only", "not responded"]
    )
    return df


def make_routes(rows: list[tuple[str, int, str, str]]) -> pd.DataFrame:
    """(route_id, position, iso3, stage_role) -> route table."""
    return pd.DataFrame(
        [
            {
                "route_id": r,
                "route_name": r.replace("_", " ").title(),
                "position": p,
                "iso3": c,
                "stage_role": s,
                "note": "",
            }
            for r, p, c, s in rows
        ]
    )


NEEDS = pd.DataFrame(
    {
        "stage": ["origin", "transit", "transit", "destination", "destination"],
        "activity": ["rfl", "health", "rfl", "legal", "health"],
    }
)


@pytest.fixture()
def case() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Route r1: AAA (origin) - BBB, CCC (transit) - DDD (destination, other zone);
    route r2: EEE, FFF (transit, same zone)."""
    profiles = make_profiles(
        {
            "AAA": {"zone": "africa", "acts": {"rfl": {"origin"}}},
            "BBB": {"zone": "africa", "acts": {"health": {"transit"}, "legal": {"destination"}}},
            "CCC": {"zone": "africa"},  # did not respond
            "DDD": {"zone": "europe", "acts": {"health": {"transit"}}},  # not at destination
            "EEE": {"zone": "americas", "acts": {"health": None}},  # item non-response
            "FFF": {"zone": "americas", "acts": {"rfl": {"transit"}, "legal": {"transit"}}},
            "GGG": {"zone": "americas", "acts": {}},  # on no route
        }
    )
    routes = make_routes(
        [
            ("r1", 1, "AAA", "origin"),
            ("r1", 2, "BBB", "transit"),
            ("r1", 3, "CCC", "transit"),
            ("r1", 4, "DDD", "destination"),
            ("r2", 1, "EEE", "transit"),
            ("r2", 2, "FFF", "destination"),
        ]
    )
    return routes, profiles


def _cell(cov: pd.DataFrame, route: str, stage: str, activity: str) -> pd.Series:
    hit = cov[(cov["route_id"] == route) & (cov["stage"] == stage) & (cov["activity"] == activity)]
    assert len(hit) == 1
    return hit.iloc[0]


# ---------------------------------------------------------------------- gap logic


def test_route_coverage_statuses_on_hand_made_route(case):
    routes, profiles = case
    cov = route_coverage(routes, profiles, NEEDS)
    expected = {
        ("r1", "origin", "rfl"): ("covered", 1, 0, "AAA"),
        ("r1", "origin", "health"): ("not needed", 0, 0, ""),
        ("r1", "transit", "health"): ("covered", 1, 1, "BBB"),
        # BBB responded and does not run rfl, CCC did not respond: unknown, not a gap
        ("r1", "transit", "rfl"): ("unknown", 0, 1, ""),
        # BBB runs legal, but at destination, not in transit; legal not needed there
        ("r1", "transit", "legal"): ("not needed", 0, 1, ""),
        ("r1", "destination", "legal"): ("gap", 0, 0, ""),
        # DDD runs health, but only in transit: a gap at its destination stage
        ("r1", "destination", "health"): ("gap", 0, 0, ""),
        ("r1", "destination", "rfl"): ("not needed", 0, 0, ""),
        # EEE left the health question unanswered: unknown
        ("r2", "transit", "health"): ("unknown", 0, 1, ""),
        # ... but it answered that it does not run rfl: a gap
        ("r2", "transit", "rfl"): ("gap", 0, 0, ""),
        # FFF runs legal in transit only, not at its destination stage
        ("r2", "destination", "legal"): ("gap", 0, 0, ""),
    }
    for (r, s, a), (status, k, u, covering) in expected.items():
        c = _cell(cov, r, s, a)
        assert (c["status"], c["n_covering"], c["n_unknown"], c["covering"]) == (
            status,
            k,
            u,
            covering,
        ), (r, s, a)
    transit = _cell(cov, "r1", "transit", "rfl")
    assert transit["countries"] == "BBB, CCC" and transit["unknown"] == "CCC"
    assert transit["n_societies"] == 2 and transit["needed"]


def test_route_coverage_unknown_never_gap_when_a_society_did_not_respond(case):
    routes, profiles = case
    cov = route_coverage(routes, profiles, NEEDS)
    assert not ((cov["status"] == "gap") & (cov["n_unknown"] > 0)).any()
    # if CCC had responded without rfl, the transit cell would become a gap
    answered = profiles.copy()
    i = answered.index[answered["iso3"] == "CCC"][0]
    answered.loc[i, "responded"] = True
    answered.loc[i, "status"] = "responded"
    for a in ACTS:
        answered.loc[i, f"act__{a}"] = 0
        for s in ROUTE_STAGES:
            answered.loc[i, f"stage__{a}__{s}"] = False
    assert _cell(route_coverage(routes, answered, NEEDS), "r1", "transit", "rfl")["status"] == "gap"


def test_route_coverage_shape_order_and_only_needed(case):
    routes, profiles = case
    cov = route_coverage(routes, profiles, NEEDS)
    # r1 has 3 stages, r2 two, each x 3 activities; route, stage, activity order
    assert len(cov) == (3 + 2) * 3
    assert cov["route_id"].tolist() == ["r1"] * 9 + ["r2"] * 6
    assert cov["stage"].tolist()[:9] == ["origin"] * 3 + ["transit"] * 3 + ["destination"] * 3
    assert cov["activity"].tolist()[:3] == list(ACTS)
    assert set(cov["status"]) <= set(COVERAGE_STATUSES)
    needed = route_coverage(routes, profiles, NEEDS, only_needed=True)
    assert needed["needed"].all() and len(needed) == int(cov["needed"].sum())


def test_route_coverage_feeds_route_diagram(case):
    from toolkit import figures

    routes, profiles = case
    cov = route_coverage(routes, profiles, NEEDS)
    ax = figures.route_diagram(cov[cov["route_id"] == "r1"], route="R1")
    try:
        texts = {t.get_text() for t in ax.texts}
        assert {"gap", "unknown", "1 of 1"} <= texts
    finally:
        plt.close(ax.get_figure(root=True))


def test_route_activities_long_table(case):
    routes, profiles = case
    long = route_activities(routes, profiles)
    assert len(long) == len(routes) * len(ACTS)
    assert list(long.columns) == [
        "route_id",
        "route_name",
        "position",
        "iso3",
        "zone",
        "stage_role",
        "status",
        "activity",
        "runs",
        "runs_at_stage",
        "reached",
    ]
    ddd = long[(long["iso3"] == "DDD") & (long["activity"] == "health")].iloc[0]
    assert ddd["runs"] == 1 and not ddd["runs_at_stage"]
    ccc = long[long["iso3"] == "CCC"]
    assert ccc["runs"].isna().all() and ccc["runs_at_stage"].isna().all()
    assert (ccc["status"] == "not responded").all()
    bbb_rfl = long[(long["iso3"] == "BBB") & (long["activity"] == "rfl")].iloc[0]
    assert bbb_rfl["runs"] == 0 and not bool(bbb_rfl["runs_at_stage"])


def test_route_summary_flags_cross_zone_routes(case):
    routes, profiles = case
    summary = route_summary(routes, profiles, NEEDS).set_index("route_id")
    r1, r2 = summary.loc["r1"], summary.loc["r2"]
    assert r1["zones"] == "africa, europe" and r1["cross_zone"] and r1["zone_changes"] == 1
    assert not r2["cross_zone"] and r2["n_zones"] == 1
    assert (r1["n_societies"], r1["responded"], r1["not_responded"]) == (4, 3, "CCC")
    assert (r1["gaps"], r1["unknown"], r1["covered"]) == (2, 1, 2)
    assert r1["gap_cells"] == "destination: health, legal"
    assert (r2["gaps"], r2["unknown"]) == (3, 1)


def test_route_society_missing_from_profiles_is_an_error(case):
    routes, profiles = case
    with pytest.raises(InputError, match="not in the profiles") as err:
        route_coverage(routes, profiles[profiles["iso3"] != "DDD"], NEEDS)
    assert err.value.value == "DDD"


def test_needs_with_unknown_activity_is_an_error(case):
    routes, profiles = case
    needs = pd.DataFrame({"stage": ["transit"], "activity": ["cash"]})
    with pytest.raises(InputError, match="cash"):
        route_coverage(routes, profiles, needs)


# ------------------------------------------------------------------ bundled tables


def test_bundled_routes_load_and_validate(frame):
    routes = load_routes(frame=frame)
    assert routes["route_id"].nunique() == 15
    assert list(routes.columns) == [
        "route_id",
        "route_name",
        "position",
        "iso3",
        "stage_role",
        "note",
    ]
    assert routes["position"].dtype.kind == "i"
    assert set(routes["stage_role"]) <= set(ROUTE_STAGES)


def test_bundled_stage_needs_are_known_and_documented(instrument):
    from toolkit.mapping import activity_codes

    needs = load_stage_needs(activities=activity_codes(instrument))
    assert set(needs["stage"]) == set(ROUTE_STAGES)
    assert not needs.duplicated(["stage", "activity"]).any()
    assert (needs["rationale"].str.len() > 20).all() and (needs["source"] != "").all()
    transit = set(needs.loc[needs["stage"] == "transit", "activity"])
    assert {
        "health",
        "relief",
        "wash",
        "rfl",
        "hsp",
        "protection",
        "info",
        "shelter",
        "rescue",
    } <= transit
    assert "return" in set(needs.loc[needs["stage"] == "return", "activity"])
    readme = (Path(__file__).resolve().parents[1] / "toolkit" / "data" / "README.md").read_text(
        encoding="utf-8"
    )
    assert "## `stage_needs.csv`" in readme
    for key in {k.strip() for s in needs["source"] for k in s.split(";")}:
        assert f"`{key}`" in readme, key


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "routes.csv"
    p.write_text(text, encoding="utf-8")
    return p


HEADER = "route_id,route_name,position,iso3,stage_role,note\n"


@pytest.mark.parametrize(
    "body, row, column, value",
    [
        ("x,X,1,NGA,origin,\nx,X,2,NER,transient,\n", 3, "stage_role", "transient"),
        ("x,X,1,NGA,origin,\nx,X,3,NER,transit,\n", 3, "position", 3),
        ("x,X,1,NGA,origin,\nx,X,2,NGA,transit,\n", 3, "iso3", "NGA"),
        ("x,X,1,NGA,origin,\nx,X,2,ZZZ,transit,\n", 3, "iso3", "ZZZ"),
        ("x,X,1,NGA,origin,\nx,X,two,NER,transit,\n", 3, "position", "two"),
    ],
)
def test_load_routes_names_file_row_column_value(tmp_path, frame, body, row, column, value):
    path = _write(tmp_path, HEADER + body)
    with pytest.raises(InputError) as err:
        load_routes(path, frame=frame)
    e = err.value
    assert (e.row, e.column, e.value) == (row, column, value)
    assert e.file == str(path) and "What to do" in str(e)


def test_validate_routes_collects_every_problem():
    bad = make_routes(
        [("r", 1, "AAA", "origin"), ("r", 2, "BBB", "bogus"), ("r", 4, "CCC", "transit")]
    )
    with pytest.raises(InputError, match="1 other problem") as err:
        validate_routes(bad)
    assert err.value.column == "stage_role" and err.value.row == 3


def test_load_stage_needs_rejects_unknown_stage_and_duplicates(tmp_path):
    p = tmp_path / "needs.csv"
    p.write_text("stage,activity,rationale\ntransit,health,x\nlimbo,rfl,y\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_stage_needs(p)
    assert (err.value.row, err.value.column, err.value.value) == (3, "stage", "limbo")
    p.write_text("stage,activity\ntransit,health\ntransit,health\n", encoding="utf-8")
    with pytest.raises(InputError, match="twice"):
        load_stage_needs(p)
    p.write_text("stage,activity\ntransit,healthcare\n", encoding="utf-8")
    with pytest.raises(InputError, match="unknown activity"):
        load_stage_needs(p, activities=ACTS)


# ------------------------------------------------- invariants on the bundled routes


def test_gap_logic_invariants_on_bundled_routes_with_random_profiles(frame):
    rng = np.random.default_rng(20261127)
    routes = load_routes(frame=frame)
    acts = ("health", "rfl", "legal", "return", "info", "awareness")
    spec = {}
    for code, zone in zip(frame["iso3"], frame["zone"].astype(str)):
        if rng.random() < 0.4:
            spec[code] = {"zone": zone}
            continue
        chosen = {}
        for a in acts:
            u = rng.random()
            if u < 0.05:
                chosen[a] = None
            elif u < 0.5:
                chosen[a] = {s for s in ROUTE_STAGES if rng.random() < 0.5}
        spec[code] = {"zone": zone, "acts": chosen}
    profiles = make_profiles(spec, acts)
    needs = pd.DataFrame(
        {
            "stage": ["transit", "transit", "destination", "return", "origin"],
            "activity": ["health", "rfl", "legal", "return", "awareness"],
        }
    )
    cov = route_coverage(routes, profiles, needs)
    long = route_activities(routes, profiles)
    assert len(long) == len(routes) * len(acts)
    gap = cov["status"] == "gap"
    assert (cov.loc[gap, "n_unknown"] == 0).all() and (cov.loc[gap, "n_covering"] == 0).all()
    assert cov.loc[gap, "needed"].all()
    unk = cov["status"] == "unknown"
    assert (cov.loc[unk, "n_unknown"] > 0).all() and (cov.loc[unk, "n_covering"] == 0).all()
    assert (cov.loc[cov["status"] == "covered", "n_covering"] > 0).all()
    # one row per route x stage present x activity
    stages = routes.groupby("route_id")["stage_role"].nunique().sum()
    assert len(cov) == stages * len(acts)
    summary = route_summary(routes, profiles, needs)
    assert summary["gaps"].sum() == int(gap.sum())
    assert summary.set_index("route_id").loc["english_channel", "cross_zone"]


def test_validate_routes_rejects_two_names_for_one_route():
    bad = make_routes([("r", 1, "AAA", "origin"), ("r", 2, "BBB", "destination")])
    bad.loc[1, "route_name"] = "Another name"
    with pytest.raises(InputError, match="several names") as err:
        validate_routes(bad)
    assert (err.value.row, err.value.column) == (3, "route_name")
