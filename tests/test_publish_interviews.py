"""Tests of the publication of interview tables (toolkit.publish.InterviewPublication)
on the demo study's interviews: one interviewed Society in MENA, five in Europe."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

from toolkit.frame import load_frame
from toolkit.interviews import (
    primary_coder,
    read_study_interviews,
    reliability_by_zone,
    reliability_report,
)
from toolkit.publish import Publication
from toolkit.run import load_study

DEMO = Path(__file__).resolve().parents[1] / "data" / "raw" / "demo"
ZONES = ("africa", "americas", "asia_pacific", "europe", "mena")


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return load_frame()


@pytest.fixture(scope="module")
def data(frame):
    return read_study_interviews(load_study(DEMO), frame=frame)


def _published(instrument, data, frame, *, min_cell=3, audience="public"):
    pub = Publication.build(instrument, min_cell=min_cell, audience=audience, zones=ZONES)
    return pub.interviews(data, frame, coder=primary_coder(data.segments, "auto"))


def test_small_zones_are_withheld_with_a_complement(instrument, data, frame):
    pub = _published(instrument, data, frame)
    assert pub.bases["mena"] == 1 and pub.bases["europe"] == 5
    assert pub.hidden == ["mena", "europe"]
    codes = pub.table("code", "all")
    hidden = codes[codes["suppressed"]]
    assert {"mena", "europe"} <= set(hidden["zone"])
    assert hidden["n_societies"].isna().all() and hidden["share"].isna().all()
    assert (hidden["n_interviewed"] > 0).all()  # the base stays, marked
    assert not codes[codes["zone"].isin(["africa", "americas", "asia_pacific"])]["suppressed"].any()
    # each all-zones value shown leaves an unpinned sum for the two withheld zones
    for code, g in codes.groupby("code"):
        g = g.set_index("zone")
        if not g.loc["all", "suppressed"]:
            raw = pub._full["code"]
            raw = raw[raw["code"] == code].set_index("zone")
            s = raw.loc[["mena", "europe"], "n_societies"].sum()
            assert 0 < s < raw.loc[["mena", "europe"], "n_interviewed"].sum()
    # a zone's report holds its rows and the all-zones rows
    assert set(pub.table("theme", "mena")["zone"]) == {"mena", "all"}
    assert pub.table("theme", "mena").query("zone == 'mena'")["suppressed"].all()


def test_cooccurrence_of_a_withheld_zone_is_not_published(instrument, data, frame):
    pub = _published(instrument, data, frame)
    assert pub.cooccurrence("mena") is None and pub.cooccurrence("europe") is None
    assert "fewer than 3" in pub.withheld_sentence("mena")
    africa = pub.cooccurrence("africa")
    assert africa is not None and not africa.isna().any().any()
    every = pub.cooccurrence("all")
    codes = pub.table("code", "all").query("zone == 'all'").set_index("code")
    for code in every.index:  # the diagonal follows the code table
        assert pd.isna(every.loc[code, code]) == bool(codes.loc[code, "suppressed"])


def test_quotes_are_not_attributable(instrument, data, frame):
    pub = _published(instrument, data, frame)
    key = "test-key"
    every = pub.quotes("all", key=key, per_code=3, seed=1)
    assert "ns_iso3" not in every.columns and len(every)
    assert not every["zone"].isin(["mena", "europe"]).any()
    assert every["zone"].isna().any()  # quotes of the withheld zones lose their zone
    assert pub.quotes("mena", key=key, seed=1).empty
    assert len(pub.quotes("africa", key=key, seed=1))
    internal = _published(instrument, data, frame, audience="internal")
    assert "ns_iso3" in internal.quotes("mena", key=key, seed=1).columns


def test_country_and_society_names_are_masked_in_public_quotes(instrument, data, frame):
    seg = data.segments.copy()
    i = seg.index[seg["zone"].astype(str) == "africa"][0]
    seg.loc[i, "segment"] = "In Kenya the Kenya Red Cross Society opened two service points."
    planted = dataclasses.replace(data, segments=seg)
    pub = _published(instrument, planted, frame)
    code = str(seg.loc[i, "code"])
    quotes = pub.quotes("africa", key="k", per_code=50, seed=1)
    text = " ".join(quotes.loc[quotes["code"] == code, "quote"].astype(str))
    assert "opened two service points" in text
    assert "Kenya" not in text and "[place]" in text


def test_answers_and_reliability_by_zone(instrument, data, frame, demo_dir):
    from toolkit.run import ingest_study

    pub = _published(instrument, data, frame)
    answers = ingest_study(load_study(demo_dir)).data
    pairs = {"cross_border": "coop_any"}
    mena = pub.themes_vs_answers(answers, pairs, "mena", interview_answers=data.answers)
    assert mena["suppressed"].all() and mena[["a", "b", "c", "d"]].isna().all().all()
    every = pub.themes_vs_answers(answers, pairs, "all", interview_answers=data.answers)
    assert len(every) == 1
    table = reliability_by_zone(data.segments, codebook=data.codebook, n_boot=20, seed=1)
    rel = pub.reliability_by_zone(table)
    shown = rel[~rel["suppressed"]]
    assert (shown.drop(index="all")["n_units"] >= 3).all()
    assert len(rel[rel["suppressed"]]) != 1  # never a single withheld zone
    per_code = pub.reliability(
        reliability_report(data.segments, codebook=data.codebook, n_boot=20, seed=1)
    )
    assert not per_code["suppressed"].any()  # 12 double-coded interviews
    strict = _published(instrument, data, frame, min_cell=13)
    withheld = strict.reliability(
        reliability_report(data.segments, codebook=data.codebook, n_boot=20, seed=1)
    )
    assert withheld["suppressed"].all() and withheld["alpha"].isna().all()
    assert "withheld" in strict.reliability_sentence(withheld)


def test_internal_tier_withholds_nothing(instrument, data, frame):
    pub = _published(instrument, data, frame, audience="internal")
    assert pub.hidden == []
    assert not pub.table("code", "all")["suppressed"].any()
    assert pub.cooccurrence("mena") is not None
