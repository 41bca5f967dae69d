"""Tests of toolkit.mapping._established, ._pairs and ._chains on hand-made routes with
known answers."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from test_mapping_routes import make_profiles, make_routes  # hand-made profile builders

from toolkit.errors import InputError
from toolkit.mapping._chains import cooperation_chains
from toolkit.mapping._established import established_activities
from toolkit.mapping._pairs import (
    DEFAULT_WEIGHTS,
    cooperation_network_data,
    cooperation_pairs,
)

NEEDS = pd.DataFrame({"stage": ["transit", "destination"], "activity": ["health", "health"]})


@pytest.fixture()
def line() -> tuple[pd.DataFrame, pd.DataFrame]:
    """WWW (origin) - XXX (transit) - YYY (transit, no response) - ZZZ (destination).

    health is established at WWW (reached 100, 50 volunteers) and ZZZ (500, 200);
    XXX answered that it does not run it; YYY did not respond.  ZZZ lists YYY as a
    cooperation partner.  Languages: WWW fr, XXX fr, YYY ar, ZZZ en+fr.
    """
    profiles = make_profiles(
        {
            "WWW": {
                "zone": "africa",
                "languages": "fr",
                "acts": {"health": {"origin"}},
                "reached": {"health": 100},
                "volunteers": 50,
            },
            "XXX": {
                "zone": "africa",
                "languages": "fr",
                "acts": {"rfl": {"transit"}},
                "volunteers": 10,
            },
            "YYY": {"zone": "mena", "languages": "ar"},
            "ZZZ": {
                "zone": "europe",
                "languages": "en;fr",
                "acts": {"health": {"destination"}},
                "reached": {"health": 500},
                "volunteers": 200,
                "coop_partners": "YYY",
            },
        }
    )
    routes = make_routes(
        [
            ("line", 1, "WWW", "origin"),
            ("line", 2, "XXX", "transit"),
            ("line", 3, "YYY", "transit"),
            ("line", 4, "ZZZ", "destination"),
        ]
    )
    return routes, profiles


def _pair(pairs: pd.DataFrame, p: str, r: str) -> pd.Series:
    hit = pairs[(pairs["provider"] == p) & (pairs["recipient"] == r)]
    assert len(hit) == 1, (p, r)
    return hit.iloc[0]


def test_pairs_known_ranking_and_components(line):
    routes, profiles = line
    pairs = cooperation_pairs(routes, profiles, needs=NEEDS, activities=["health"])
    # by hand, weights .30 adjacency, .25 capacity, .15 language, .15 coop, .15 need:
    #   WWW->XXX  d1: .30*1  + .25*.5 + .15*1 + 0      + .15*1 = .725  lacking
    #   ZZZ->XXX  d2: .30*.5 + .25*1  + .15*1 + 0      + .15*1 = .700  lacking
    #   ZZZ->YYY  d1: .30*1  + .25*1  + 0     + .15*1  + .15*1 = .850  unknown
    #   WWW->YYY  d2: .30*.5 + .25*.5 + 0     + 0      + .15*1 = .425  unknown
    got = pairs[["provider", "recipient", "status", "rank"]].to_numpy().tolist()
    assert got == [
        ["WWW", "XXX", "lacking", 1],
        ["ZZZ", "XXX", "lacking", 2],
        ["ZZZ", "YYY", "unknown", 1],
        ["WWW", "YYY", "unknown", 2],
    ]
    np.testing.assert_allclose(pairs["score"], [0.725, 0.700, 0.850, 0.425])
    wx = _pair(pairs, "WWW", "XXX")
    assert (
        wx["adjacency"],
        wx["capacity"],
        wx["shared_language"],
        wx["existing_cooperation"],
        wx["recipient_need"],
    ) == (1.0, 0.5, 1.0, 0.0, 1.0)
    assert not wx["cross_regional"] and wx["distance"] == 1
    assert (wx["provider_reached"], wx["provider_volunteers"]) == (100, 50)
    zy = _pair(pairs, "ZZZ", "YYY")
    assert zy["cross_regional"] and zy["existing_cooperation"] == 1.0
    assert (zy["provider_zone"], zy["recipient_zone"]) == ("europe", "mena")
    assert zy["recipient_stage"] == "transit"
    for col in DEFAULT_WEIGHTS:
        assert pairs[col].between(0, 1).all()


def test_non_respondent_is_unknown_never_lacking(line):
    routes, profiles = line
    pairs = cooperation_pairs(routes, profiles, needs=NEEDS)
    assert set(pairs.loc[pairs["recipient"] == "YYY", "status"]) == {"unknown"}
    assert "YYY" not in set(pairs["provider"])  # capacity of a non-respondent is unknown
    assert set(pairs.loc[pairs["status"] == "lacking", "recipient"]) <= {"WWW", "XXX", "ZZZ"}
    # XXX runs rfl with 10 migration volunteers (reach not reported): established;
    # within distance 2 it can support WWW and ZZZ (lacking) and YYY (unknown)
    rfl = pairs[pairs["activity"] == "rfl"].set_index("recipient")["status"].to_dict()
    assert rfl == {"WWW": "lacking", "ZZZ": "lacking", "YYY": "unknown"}


def test_max_distance_and_min_score(line):
    routes, profiles = line
    near = cooperation_pairs(routes, profiles, needs=NEEDS, activities=["health"], max_distance=1)
    assert sorted(zip(near["provider"], near["recipient"])) == [("WWW", "XXX"), ("ZZZ", "YYY")]
    assert (near["adjacency"] == 1).all()
    high = cooperation_pairs(routes, profiles, needs=NEEDS, activities=["health"], min_score=0.72)
    np.testing.assert_allclose(sorted(high["score"]), [0.725, 0.85])
    with pytest.raises(InputError):
        cooperation_pairs(routes, profiles, needs=NEEDS, max_distance=0)


def test_weights_override_and_validation(line):
    routes, profiles = line
    only_adj = cooperation_pairs(
        routes,
        profiles,
        needs=NEEDS,
        activities=["health"],
        weights=dict.fromkeys(DEFAULT_WEIGHTS, 0.0) | {"adjacency": 2},
    )
    np.testing.assert_allclose(only_adj["score"], only_adj["adjacency"])
    with pytest.raises(InputError, match="unknown score component"):
        cooperation_pairs(routes, profiles, needs=NEEDS, weights={"distance": 1})
    with pytest.raises(InputError, match=">= 0"):
        cooperation_pairs(routes, profiles, needs=NEEDS, weights={"capacity": -1})
    with pytest.raises(InputError, match="positive"):
        cooperation_pairs(routes, profiles, needs=NEEDS, weights=dict.fromkeys(DEFAULT_WEIGHTS, 0))


def test_established_needs_scale_evidence():
    profiles = make_profiles(
        {
            "AAA": {
                "zone": "africa",
                "acts": {"health": {"transit"}},
                "reached": {"health": 0},
                "volunteers": 40,
            },  # reports reaching nobody
            "BBB": {"zone": "africa", "acts": {"health": {"transit"}}, "volunteers": 5},
            "CCC": {"zone": "africa", "acts": {"health": {"transit"}}},  # no scale at all
            "DDD": {"zone": "africa", "acts": {"health": {"transit"}}, "reached": {"health": 7}},
            "EEE": {"zone": "africa"},
        }
    )
    est = established_activities(profiles)["health"]
    assert est.to_dict() == {"AAA": False, "BBB": True, "CCC": False, "DDD": True, "EEE": False}
    loose = established_activities(profiles, require_scale=False)["health"]
    assert loose.to_dict() == {"AAA": True, "BBB": True, "CCC": True, "DDD": True, "EEE": False}


def test_pair_found_on_two_routes_is_listed_once_with_its_best_route(line):
    routes, profiles = line
    # second route on which ZZZ and XXX are neighbours and XXX is a destination
    both = pd.concat(
        [routes, make_routes([("spur", 1, "ZZZ", "origin"), ("spur", 2, "XXX", "destination")])],
        ignore_index=True,
    )
    pairs = cooperation_pairs(both, profiles, needs=NEEDS, activities=["health"])
    assert not pairs.duplicated(["provider", "recipient", "activity"]).any()
    zx = _pair(pairs, "ZZZ", "XXX")
    # on "spur": d1, need at destination -> .30 + .25 + .15 + 0 + .15 = .85 > .70
    assert zx["route_id"] == "spur" and zx["distance"] == 1
    assert zx["routes"] == "line, spur" and zx["recipient_stage"] == "destination"
    assert zx["score"] == pytest.approx(0.85)
    assert _pair(pairs, "WWW", "XXX")["routes"] == "line"
    assert pairs.loc[pairs["status"] == "lacking", "rank"].tolist() == [1, 2]


def test_chains_follow_the_route_until_a_society_runs_the_activity():
    # AAA est | BBB lacking | CCC unknown | DDD runs (not established) | EEE lacking |
    # FFF unknown | GGG est
    profiles = make_profiles(
        {
            "AAA": {"zone": "africa", "acts": {"health": {"origin"}}, "reached": {"health": 9}},
            "BBB": {"zone": "africa", "acts": {}},
            "CCC": {"zone": "mena"},
            "DDD": {"zone": "mena", "acts": {"health": {"transit"}}, "reached": {"health": 0}},
            "EEE": {"zone": "mena", "acts": {}},
            "FFF": {"zone": "europe"},
            "GGG": {
                "zone": "europe",
                "acts": {"health": {"destination"}},
                "reached": {"health": 30},
            },
        }
    )
    routes = make_routes(
        [
            ("r", i + 1, c, s)
            for i, (c, s) in enumerate(
                [
                    ("AAA", "origin"),
                    ("BBB", "transit"),
                    ("CCC", "transit"),
                    ("DDD", "transit"),
                    ("EEE", "transit"),
                    ("FFF", "transit"),
                    ("GGG", "destination"),
                ]
            )
        ]
    )
    chains = cooperation_chains(routes, profiles, activities=["health"])
    got = (
        chains[["direction", "members", "length", "status", "member_status", "cross_regional"]]
        .to_numpy()
        .tolist()
    )
    assert got == [
        ["forward", "AAA, BBB, CCC", 3, "mixed", "lacking, unknown", True],
        ["backward", "GGG, FFF, EEE", 3, "mixed", "unknown, lacking", True],
    ]
    assert chains.iloc[0]["recipients"] == "BBB, CCC"
    assert (chains.iloc[1]["start_position"], chains.iloc[1]["end_position"]) == (7, 5)
    forward = cooperation_chains(routes, profiles, activities=["health"], direction="forward")
    assert forward["provider"].tolist() == ["AAA"]
    assert cooperation_chains(routes, profiles, activities=["health"], min_length=4).empty
    with pytest.raises(InputError):
        cooperation_chains(routes, profiles, direction="sideways")


def test_network_data_feeds_the_network_figure(line):
    from toolkit import figures

    routes, profiles = line
    pairs = cooperation_pairs(routes, profiles, needs=NEEDS)
    edges, nodes = cooperation_network_data(pairs, profiles, routes=routes, route_id="line")
    assert nodes["iso3"].tolist() == ["WWW", "XXX", "YYY", "ZZZ"]
    assert nodes["order"].tolist() == [1, 2, 3, 4]
    assert nodes["responded"].tolist() == [True, True, False, True]
    assert len(edges) == len(pairs)
    ax = figures.cooperation_network(edges, nodes)
    plt.close(ax.get_figure(root=True))
    edges2, nodes2 = cooperation_network_data(pairs, profiles)
    assert set(nodes2["iso3"]) == set(pairs["provider"]) | set(pairs["recipient"])
    ax = figures.cooperation_network(edges2, nodes2)
    plt.close(ax.get_figure(root=True))
    with pytest.raises(InputError, match="unknown route"):
        cooperation_network_data(pairs, profiles, routes=routes, route_id="nowhere")


def test_pairs_on_bundled_routes_are_well_formed(frame):
    from toolkit.mapping._route_tables import load_routes

    rng = np.random.default_rng(5)
    spec = {}
    for code, zone in zip(frame["iso3"], frame["zone"].astype(str)):
        if rng.random() < 0.45:
            spec[code] = {"zone": zone}
        else:
            acts = {a: {"transit"} for a in ("health", "rfl", "legal") if rng.random() < 0.5}
            spec[code] = {
                "zone": zone,
                "acts": acts,
                "reached": {a: int(rng.integers(0, 500)) for a in acts},
                "volunteers": int(rng.integers(0, 300)),
            }
    profiles = make_profiles(spec)
    pairs = cooperation_pairs(load_routes(frame=frame), profiles, needs=NEEDS)
    assert not pairs.empty
    assert not pairs.duplicated(["provider", "recipient", "activity"]).any()
    responded = dict(zip(profiles["iso3"], profiles["responded"]))
    assert all(responded[p] for p in pairs["provider"])
    assert all(not responded[r] for r in pairs.loc[pairs["status"] == "unknown", "recipient"])
    assert all(responded[r] for r in pairs.loc[pairs["status"] == "lacking", "recipient"])
    assert pairs["score"].between(0, 1).all() and (pairs["distance"] <= 2).all()
    cross = pairs["provider_zone"] != pairs["recipient_zone"]
    assert (pairs["cross_regional"] == cross).all()


def _programmes_of_line(profiles: pd.DataFrame, routes: pd.DataFrame):
    """WWW lists a health programme run with XXX; ZZZ lists one with the IFRC only (so
    its proxy answer "YYY" no longer counts); XXX and YYY list nothing."""
    from toolkit.mapping import programme_partners

    programmes = pd.DataFrame(
        {
            "programme_id": ["WWW-h", "ZZZ-h"],
            "ns_iso3": ["WWW", "ZZZ"],
            "zone": ["africa", "europe"],
            "year": 2026,
            "status": "running",
            "ran_last_12_months": True,
            "activities": ["health", "health"],
            "partner_types": ["ns", "ifrc"],
            "partner_societies": ["XXX", pd.NA],
        }
    )
    frame = profiles[["iso3", "zone"]]
    return programmes, programme_partners(programmes, frame=frame, routes=routes)


def test_recorded_partnerships_replace_the_proxy_where_programmes_are_listed(line):
    from toolkit.mapping import cooperation_ties

    routes, profiles = line
    programmes, partners = _programmes_of_line(profiles, routes)
    ties = cooperation_ties(profiles, programmes=programmes, partners=partners)
    assert ties.source.tolist() == ["recorded", "proxy", "none", "recorded"]
    at = {c: i for i, c in enumerate(ties.codes)}
    assert ties.tie[at["WWW"], at["XXX"]] and ties.tie[at["XXX"], at["WWW"]]
    assert not ties.tie[at["ZZZ"], at["YYY"]]  # ZZZ's proxy answer gave way to its register
    assert ties.pair_activities(at["XXX"], at["WWW"]) == "health"
    assert "recorded in the programme register for 2" in ties.summary()
    proxy = cooperation_ties(profiles)
    assert proxy.tie[at["ZZZ"], at["YYY"]] and set(proxy.source) == {"proxy", "none"}

    base = cooperation_pairs(routes, profiles, needs=NEEDS, activities=["health"])
    pairs = cooperation_pairs(
        routes,
        profiles,
        needs=NEEDS,
        activities=["health"],
        programmes=programmes,
        partners=partners,
    )
    wx, zy = _pair(pairs, "WWW", "XXX"), _pair(pairs, "ZZZ", "YYY")
    assert (wx["existing_cooperation"], wx["cooperation_source"]) == (1.0, "recorded and proxy")
    assert wx["partnership_activities"] == "health"
    assert (zy["existing_cooperation"], zy["cooperation_source"]) == (0.0, "recorded")
    np.testing.assert_allclose(wx["score"], 0.725 + 0.15)  # by hand, see above
    np.testing.assert_allclose(zy["score"], 0.850 - 0.15)
    assert _pair(base, "ZZZ", "YYY")["cooperation_source"] == "proxy"
    assert "recorded" in pairs.attrs["cooperation"] and "proxy" in base.attrs["cooperation"]
    with pytest.raises(InputError, match="partners of the programmes"):
        cooperation_pairs(routes, profiles, needs=NEEDS, programmes=programmes)


def test_route_coverage_summary_and_chains_say_who_already_works_together(line):
    from toolkit.mapping import route_coverage, route_summary

    routes, profiles = line
    programmes, partners = _programmes_of_line(profiles, routes)
    cov = route_coverage(routes, profiles, NEEDS, programmes=programmes, partners=partners)
    health = cov[cov["activity"] == "health"].set_index("stage")
    assert health.at["origin", "cooperating"] == "WWW"
    assert health.at["transit", "cooperating"] == "XXX"  # the partner WWW recorded
    assert health.at["transit", "n_cooperating"] == 1
    assert health.at["destination", "n_cooperating"] == 0  # ZZZ lists, with no partner here
    rfl = cov[cov["activity"] == "rfl"].set_index("stage")
    assert rfl.at["origin", "n_cooperating"] == 0
    assert pd.isna(route_coverage(routes, profiles, NEEDS)["n_cooperating"]).all()
    summary = route_summary(routes, profiles, NEEDS, programmes=programmes, partners=partners)
    assert summary.loc[
        0, ["n_cooperating_pairs", "cooperating_pairs", "cooperation_source"]
    ].tolist() == [
        1,
        "WWW-XXX",
        "recorded and proxy",
    ]
    proxy = route_summary(routes, profiles, NEEDS)
    assert proxy.loc[0, ["cooperating_pairs", "cooperation_source"]].tolist() == [
        "YYY-ZZZ",
        "proxy",
    ]
    chains = cooperation_chains(
        routes,
        profiles,
        activities=["health"],
        min_length=2,
        programmes=programmes,
        partners=partners,
    )
    fw = chains[(chains["provider"] == "WWW") & (chains["direction"] == "forward")].iloc[0]
    assert fw["tied_recipients"] == "XXX" and fw["cooperation_source"] == "recorded and proxy"
