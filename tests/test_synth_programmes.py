"""Tests of toolkit.synth's programmes: consistent with the activity truth of both rounds,
and written into the demo's exports and the earlier round's files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from toolkit import synth
from toolkit.synth._programmes import PROGRAMME_TRUTH_COLUMNS, simulate_programmes


@pytest.fixture(scope="module")
def rounds(frame, instrument):
    return synth.simulate_rounds(frame, seed=7, instrument=instrument)


@pytest.fixture(scope="module")
def programmes(rounds, frame, instrument):
    details = synth.simulate_truth(frame, seed=7, instrument=instrument)
    return simulate_programmes(rounds, details, seed=7, instrument=instrument), details


def _union(table: pd.DataFrame) -> dict[str, set[str]]:
    ran = table[table["status"] != "planned"]
    out: dict[str, set[str]] = {}
    for iso, acts in zip(ran["ns_iso3"], ran["activities"], strict=True):
        out.setdefault(iso, set()).update(acts.split())
    return out


def test_programmes_that_ran_give_each_rounds_activities(rounds, programmes):
    progs, _ = programmes
    t = progs.truth
    assert tuple(t.columns) == PROGRAMME_TRUTH_COLUMNS
    y0, y1 = rounds.years
    for year, prefix in ((y0, "previous__"), (y1, "activities__")):
        got = _union(t[t["round"] == year])
        for rec in rounds.truth.itertuples():
            want = {a for a in rounds.codes if getattr(rec, f"{prefix}{a}")}
            assert got.get(rec.iso3, set()) == want, (year, rec.iso3)


def test_programmes_start_continue_and_end(rounds, programmes):
    progs, _ = programmes
    t = progs.truth
    y0, y1 = rounds.years
    rounds_of = t.groupby("programme")["round"].agg(frozenset)
    kind = t.groupby("programme")["transition"].agg(lambda s: set(s) - {"planned"})
    for key, years in rounds_of.items():
        (k,) = kind[key] or {"planned"}
        expected = {
            "continued": {y0, y1},
            "ended": {y0},
            "new": {y1, y0} if len(years) == 2 else {y1},
            "planned": {y1},
        }[k]
        assert years == expected, key
    counts = t.drop_duplicates("programme")["transition"].value_counts()
    assert {"continued", "new", "ended", "planned"} <= set(counts.index)
    new = t[(t["transition"] == "new") & (t["round"] == y1)]
    assert new["start_year"].between(y0 + 1, y1).all()
    ended = t[t["transition"] == "ended"]
    assert ended["end_year"].between(y0 + 1, y1 - 1).all()
    planned = t[t["status"] == "planned"]
    assert planned["reached"].isna().all() and (planned["partner_ns"] == "").all()
    # statuses as the questionnaire of each round reports them
    assert set(t.loc[t["round"] == y0, "status"]) == {"running", "planned"}
    assert set(t.loc[t["round"] == y1, "status"]) == {"running", "ended", "planned"}


def test_partners_and_renames(rounds, programmes):
    progs, details = programmes
    t = progs.truth
    y0, y1 = rounds.years
    own = [iso in p.split() for iso, p in zip(t["ns_iso3"], t["partner_ns"], strict=True)]
    assert not any(own)
    assert (
        (t["partner_ns"] != "") == t["partner_types"].str.split().map(lambda k: "ns" in k)
    ).all()
    coop = details.set_index("iso3")["coop_partners"].fillna("").str.split()
    now = t[(t["round"] == y1) & (t["partner_ns"] != "")]
    assert all(
        set(p.split()) <= set(coop[s])
        for s, p in zip(now["ns_iso3"], now["partner_ns"], strict=True)
    )
    assert len(now) > 0
    names = t.pivot_table(
        index=["ns_iso3", "programme"], columns="round", values="name", aggfunc="first"
    ).reset_index()
    for rec in progs.renames.itertuples():
        mine = names[names["ns_iso3"] == rec.ns_iso3]
        hit = mine[(mine[y1] == rec.name) & (mine[y0] == rec.same_as)]
        assert len(hit) == 1, rec
    assert len(progs.renames) > 0


def test_reproducible(rounds, frame, instrument, programmes):
    progs, details = programmes
    again = simulate_programmes(rounds, details, seed=7, instrument=instrument)
    pd.testing.assert_frame_equal(progs.truth, again.truth)
    other = simulate_programmes(rounds, details, seed=8, instrument=instrument)
    assert not other.truth["name"].equals(progs.truth["name"])


def test_demo_exports_carry_the_programmes_and_the_earlier_round(demo_dir):
    truth = pd.read_csv(demo_dir / "truth" / "programmes.csv", keep_default_na=False)
    export = pd.read_csv(
        next((demo_dir / "exports").glob("*.csv")), sep=";", dtype=str, keep_default_na=False
    )
    names = [c for c in export.columns if c.endswith("/prog_name")]
    assert names and names[0] == "programmes/programme[1]/prog_name"
    listed = export[export["programmes/programme_activities"] != ""]
    assert (listed["programmes/activities"] == "").all()  # not asked: taken from programmes
    others = export[
        (export["programmes/programme_activities"] == "")
        & (export["programmes/has_migration_programme"] == "yes")
    ]
    assert (others["programmes/activities"] != "").all()
    reported = set(export[names].to_numpy().ravel()) - {""}
    current = truth[(truth["round"] == 2026) & (truth["lists_programmes"].astype(str) == "True")]
    assert reported <= set(current["name"])
    earlier = demo_dir / "rounds" / "2024"
    old = pd.read_csv(
        next((earlier / "exports").glob("*.csv")), sep=";", dtype=str, keep_default_na=False
    )
    assert set(old["__version__"]) == {"vSYNTH2024"}
    rounds = pd.read_csv(demo_dir / "truth" / "rounds.csv")
    one_round = rounds["responded"] != rounds["responded_previous"]
    assert one_round.sum() > 10 and (rounds["responded"] & rounds["responded_previous"]).sum() > 10
    answered = set(pd.read_csv(earlier / "truth" / "ground_truth.csv").query("responded")["iso3"])
    assert answered == set(rounds.loc[rounds["responded_previous"], "iso3"])
    ids = pd.read_csv(demo_dir / "programme_ids.csv")
    assert list(ids.columns) == ["ns_iso3", "name", "same_as"] and len(ids) > 0
    assert np.isin(ids["same_as"], truth.loc[truth["round"] == 2024, "name"]).all()
