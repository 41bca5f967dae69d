"""Tests of toolkit.mapping shares and profiles against the survey module."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from toolkit import mapping
from toolkit.mapping._shares import activity_shares, study_design, unit_indicators
from toolkit.nonresponse import nonresponse_design
from toolkit.synth import simulate_truth


@pytest.fixture(scope="module")
def db(demo_dir, tmp_path_factory):
    from toolkit.run import load_study, process_study
    from toolkit.store import read_store

    study = load_study(demo_dir)
    study.config["paths"]["processed"] = str(tmp_path_factory.mktemp("db") / "demo")
    _, where = process_study(study)
    return read_store(where)


@pytest.fixture(scope="module")
def shares(db, frame, instrument):
    return activity_shares(
        frame, db["responses"], db["activities"], instrument, classes=["zone", "income_group"]
    )


def test_profiles_cover_the_frame_and_never_impute(db, frame, instrument):
    p = mapping.society_profiles(
        frame, db["responses"], db["activities"], instrument, quarantine=db["quarantine"]
    )
    assert len(p) == len(frame) and p["iso3"].is_unique
    nonresp = ~p["responded"]
    assert p.loc[nonresp, "act__rfl"].isna().all()
    assert p.loc[nonresp, "stage__rfl__transit"].isna().all()
    assert set(p.loc[nonresp, "status"].astype(str)) <= {"not responded", "quarantined only"}
    resp = p[p["responded"]].set_index("iso3")
    d = db["responses"].set_index("ns_iso3")
    both = resp.index.intersection(d.index[d["has_migration_programme"].notna()])
    for a in ("rfl", "legal"):
        expected = d.loc[both, f"activities__{a}"].fillna(0).astype(int)
        assert (resp.loc[both, f"act__{a}"].astype(int) == expected).all()


def test_no_programme_means_zero_not_missing(instrument):
    responses = pd.DataFrame(
        {
            "ns_iso3": ["AAA", "BBB", "CCC"],
            "has_migration_programme": ["no", "yes", pd.NA],
            "activities__rfl": pd.array([pd.NA, 1, pd.NA], dtype="Int8"),
        }
    )
    ind = mapping.activity_indicators(responses, ["rfl"])
    assert ind["act__rfl"].tolist()[:2] == [0, 1] and pd.isna(ind["act__rfl"].iloc[2])


def test_shares_equal_the_survey_module(db, frame, instrument, shares):
    ind = unit_indicators(db["responses"], db["activities"], instrument)
    design = nonresponse_design(
        frame, data=ind, classes=["zone", "income_group"], collapse=True, min_respondents=5
    )
    ref = design.proportion(["act__legal"], by="zone", na_rm=True)
    ref = (
        ref.xs(1, level="category").droplevel("variable")
        if 1 in ref.index.get_level_values("category")
        else ref.xs("1", level="category")
    )
    got = shares[
        (shares["code"] == "legal")
        & (shares["dimension"] == "activity")
        & (shares["zone"] != "all")
    ].set_index("zone")
    for zone in ref.index:
        for col in ("estimate", "se", "ci_low", "ci_high"):
            assert got.at[zone, col] == pytest.approx(ref.at[zone, col], rel=1e-12)
    overall = design.proportion(["act__legal"], na_rm=True)
    row = shares[
        (shares["code"] == "legal")
        & (shares["zone"] == "all")
        & (shares["dimension"] == "activity")
    ].iloc[0]
    one = overall[overall.index.get_level_values("category").astype(str) == "1"].iloc[0]
    assert row["estimate"] == pytest.approx(one["estimate"], rel=1e-12)
    assert row["se"] == pytest.approx(one["se"], rel=1e-12)


def test_counts_bounds_and_unadjusted(db, frame, shares):
    act = shares[shares["dimension"] == "activity"]
    resp = db["responses"].merge(frame[["iso3", "zone"]], left_on="ns_iso3", right_on="iso3")
    n_by_zone = resp.groupby("zone", observed=True).size()
    europe = act[act["zone"] == "europe"]
    assert (europe["n"] <= n_by_zone["europe"]).all()
    legal = europe[europe["code"] == "legal"].iloc[0]
    sub = resp[resp["zone"] == "europe"]
    expected = int(
        (
            sub["activities__legal"].fillna(0).astype(int).to_numpy()
            * sub["has_migration_programme"].ne("no").fillna(True).to_numpy(bool)
        ).sum()
    )
    assert legal["n_yes"] == expected
    assert legal["unadjusted"] == pytest.approx(legal["n_yes"] / legal["n"])
    # a class-weighted share always lies inside the worst/best-case bounds
    ok = (act["bound_low"] <= act["estimate"] + 1e-12) & (
        act["estimate"] <= act["bound_high"] + 1e-12
    )
    assert ok.all()
    assert (act["ci_low"] <= act["estimate"]).all() and (act["estimate"] <= act["ci_high"]).all()
    assert set(act["zone"]) == {"africa", "americas", "asia_pacific", "europe", "mena", "all"}
    assert not act["suppressed"].any()


def test_adjustment_reduces_bias_against_known_truth(frame, instrument):
    """Over synthetic studies, class adjustment moves shares towards the truth."""
    naive_err, adj_err = [], []
    for seed in range(12):
        truth = simulate_truth(frame, seed=seed, instrument=instrument)
        resp = truth[truth["responded"]].rename(columns={"iso3": "ns_iso3"})
        cols = [f"activities__{a}" for a in ("legal", "inclusion", "detention", "relief")]
        design = nonresponse_design(
            frame, data=resp[["ns_iso3", *cols]], classes=["zone", "income_group"], collapse=True
        )
        est = design.mean(cols)["estimate"].to_numpy()
        naive = resp[cols].mean().to_numpy()
        true = truth[cols].mean().to_numpy()
        naive_err.append(naive - true)
        adj_err.append(est - true)
    assert np.abs(np.mean(adj_err, axis=0)).mean() < np.abs(np.mean(naive_err, axis=0)).mean()


def test_branch_level_design_clusters_by_society(tmp_path, frame):
    from toolkit.ingest import read_export
    from toolkit.instrument import read_xlsform
    from toolkit.synth import make_branch_export, write_branch_instrument

    form = read_xlsform(write_branch_instrument(tmp_path / "f.xlsx"))
    make_branch_export(tmp_path / "b.csv", n_branches=1500, seed=2, frame=frame)
    r = read_export(
        tmp_path / "b.csv", form, frame=frame, unit="branch_code", society="ns_iso3", key="k"
    )
    keep = r.data["ns_iso3"].isin(frame["iso3"].iloc[::2])  # half the Societies respond
    data = r.data[keep].reset_index(drop=True)
    design = study_design(frame, data, unit="branch_code", classes=["zone"])
    assert design.data["ns_iso3"].nunique() == data["ns_iso3"].nunique()
    est = design.mean(["people_reached"])
    assert est["se"].iloc[0] > 0
    out = activity_shares(
        frame,
        data,
        r.activities[r.activities["branch_code"].isin(data["branch_code"])],
        form,
        unit="branch_code",
        dimensions=("activity",),
    )
    assert set(out["dimension"]) == {"activity"}
    assert (out["n"].max()) <= len(data)
