"""Tests of toolkit.publish's publication policy: item sensitivity, the suppression
pattern, published shares, profiles, sentences and the per-table check."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from toolkit.errors import InputError
from toolkit.publish import (
    INTERNAL_MARK,
    Publication,
    decide_lines,
    hidden_zones,
    item_sensitivity,
    robustness,
    share_summary,
    top_share,
)

ZONES = ("africa", "europe", "mena")


# -- sensitivity ----------------------------------------------------------------------------
def test_bundled_instrument_marks_sensitive_items(instrument):
    sens = item_sensitivity(instrument)
    agg = set(sens.aggregate_items)
    assert {
        "activity__detention",
        "activity__advocacy",
        "activity__rescue",
        "target_group__irregular",
        "service_type__advocacy",
        "comments",
        "activities_other",
        "resp_name",
        "detention_reached",
    } <= agg
    assert "activity__rfl" not in agg and "people_reached" not in agg
    # indicators and columns derived from items
    assert sens.is_aggregate("act__detention") and not sens.is_aggregate("act__rfl")
    assert sens.is_aggregate("stage__detention__transit") and sens.is_aggregate("reached__rescue")
    assert sens.is_aggregate("group__irregular") and not sens.is_aggregate("group__women")
    assert sens.is_aggregate("activities__advocacy") and sens.is_aggregate(
        "coop_activities__rescue"
    )
    assert sens.share_is_aggregate("service", "advocacy")
    assert not sens.share_is_aggregate("stage", "transit")
    assert sens.is_aggregate("interviews")
    assert sens.aggregate_activities() == ["detention", "advocacy", "rescue"]


def test_relevance_on_an_aggregate_answer_makes_a_question_aggregate(instrument):
    """Whether a question applies tells the answer it depends on."""
    q = instrument.questions.copy()
    q.loc[q["name"] == "detention_reached", "disclosure"] = "public"
    inst = type(instrument)(q, instrument.choices, instrument.settings, instrument.languages)
    assert item_sensitivity(inst).is_aggregate("detention_reached")


def test_study_overrides_items_and_groups(instrument):
    sens = item_sensitivity(instrument, {"activity__advocacy": "public", "act_advocacy": "public"})
    assert not sens.is_aggregate("act__advocacy")
    assert not sens.is_aggregate("advocacy_reached")  # the group's questions follow it
    assert sens.is_aggregate("act__detention")
    assert dict(sens.overridden) == {"activity__advocacy": "public", "act_advocacy": "public"}
    assert item_sensitivity(instrument, {"activity__rfl": "aggregate"}).is_aggregate("act__rfl")


@pytest.mark.parametrize(
    "overrides, match",
    [
        ({"activity__advocasy": "public"}, "unknown item 'activity__advocasy'.*activity__advocacy"),
        ({"activity__advocacy": "secret"}, "disclosure of item 'activity__advocacy' is 'secret'"),
    ],
)
def test_bad_overrides_name_the_item(instrument, overrides, match):
    with pytest.raises(InputError, match=match):
        item_sensitivity(instrument, overrides)


# -- the pattern ---------------------------------------------------------------------------
def _cells(bases: dict[str, int], values: dict[str, int] | None = None, line="x") -> pd.DataFrame:
    rows = [{"line": line, "zone": z, "base": b} for z, b in bases.items()]
    rows.append({"line": line, "zone": "all", "base": sum(bases.values())})
    out = pd.DataFrame(rows)
    if values is not None:
        out["value"] = [*values.values(), sum(values.values())]
    return out


def test_margin_strategy_withholds_the_all_zones_cell():
    out = decide_lines(
        _cells({"africa": 17, "europe": 37, "mena": 2}), min_cell=3, strategy="margin"
    )
    got = dict(zip(out["zone"], out["status"]))
    assert got == {"africa": "", "europe": "", "mena": "primary", "all": "secondary"}
    assert out.loc[out["zone"] == "all", "reason"].item() == "margin"
    # nothing small: nothing withheld
    out = decide_lines(_cells({"africa": 17, "mena": 3}), min_cell=3, strategy="margin")
    assert (out["status"] == "").all()


def test_hidden_zones_adds_one_complement_when_one_zone_is_small():
    assert hidden_zones({"africa": 11, "europe": 5, "mena": 1}, 3) == ["mena", "europe"]
    assert hidden_zones({"africa": 2, "europe": 5, "mena": 1}, 3) == ["africa", "mena"]
    assert hidden_zones({"africa": 11, "europe": 0, "mena": 4}, 3) == []
    assert hidden_zones({"mena": 1}, 3) == ["mena"]


def test_zones_strategy_protects_against_subtraction_and_pinning():
    bases = {"africa": 11, "europe": 5, "mena": 1}
    hide = hidden_zones(bases, 3)
    ok = decide_lines(
        _cells(bases, {"africa": 4, "europe": 2, "mena": 1}),
        min_cell=3,
        strategy="zones",
        values=["value"],
        hide=hide,
    )
    got = dict(zip(ok["zone"], ok["status"]))
    assert got == {"africa": "", "europe": "secondary", "mena": "primary", "all": ""}
    # withheld zones all 0: the margin would pin them, so it is withheld too
    pinned = decide_lines(
        _cells(bases, {"africa": 4, "europe": 0, "mena": 0}),
        min_cell=3,
        strategy="zones",
        values=["value"],
        hide=hide,
    )
    assert pinned.set_index("zone").loc["all", "reason"] == "pinned"
    # all full (5 of 5 and 1 of 1) pins them as well
    full = decide_lines(
        _cells(bases, {"africa": 4, "europe": 5, "mena": 1}),
        min_cell=3,
        strategy="zones",
        values=["value"],
        hide=hide,
    )
    assert full.set_index("zone").loc["all", "status"] == "secondary"
    # the margin is withheld where another table withholds it
    forced = decide_lines(
        _cells(bases, {"africa": 4, "europe": 2, "mena": 1}),
        min_cell=3,
        strategy="zones",
        values=["value"],
        hide=hide,
        hide_margins=["x"],
    )
    assert forced.set_index("zone").loc["all", "status"] == "secondary"


def test_every_line_of_a_zones_pattern_hides_zero_or_two_cells():
    rng = np.random.default_rng(7)
    for _ in range(200):
        bases = {z: int(rng.integers(0, 9)) for z in ZONES}
        values = {z: int(rng.integers(0, b + 1)) for z, b in bases.items()}
        out = decide_lines(
            _cells(bases, values),
            min_cell=3,
            strategy="zones",
            values=["value"],
            hide=hidden_zones(bases, 3),
        )
        member = out[(out["zone"] != "all") & (out["base"] > 0)]
        hidden = member[member["status"] != ""]
        margin_shown = out.set_index("zone").loc["all", "status"] == ""
        if margin_shown and len(hidden):
            assert len(hidden) >= 2
            s, b = hidden["value"].sum(), hidden["base"].sum()
            assert 0 < s < b  # no withheld cell is pinned by the margin


# -- published shares --------------------------------------------------------------------------
def _shares(n_mena: int = 2) -> pd.DataFrame:
    rows = []
    for code in ("rfl", "detention"):
        for zone, n in (("africa", 17), ("europe", 37), ("mena", n_mena), ("all", 54 + n_mena)):
            rows.append(
                {
                    "zone": zone,
                    "dimension": "activity",
                    "code": code,
                    "label": {"rfl": "Restoring family links", "detention": "Detention visits"}[
                        code
                    ],
                    "variable": f"act__{code}",
                    "estimate": 0.5 if code == "rfl" else 0.9,
                    "se": 0.1,
                    "ci_low": 0.3,
                    "ci_high": 0.7,
                    "n": n,
                    "n_yes": n // 2,
                    "unadjusted": 0.5,
                    "bound_low": 0.2,
                    "bound_high": 0.8,
                }
            )
    return pd.DataFrame(rows)


@pytest.fixture()
def policy(instrument) -> Publication:
    return Publication.build(instrument, min_cell=3, zones=ZONES)


def test_public_tier_withholds_only_small_aggregate_cells(policy):
    out = policy.shares(_shares())
    hidden = out[out["suppressed"]]
    assert set(zip(hidden["code"], hidden["zone"])) == {("detention", "mena"), ("detention", "all")}
    assert hidden["estimate"].isna().all() and hidden["n_yes"].isna().all()
    assert hidden["bound_low"].isna().all() and (hidden["n"] > 0).all()  # the base stays
    assert set(hidden["suppression"]) == {"primary", "secondary"}
    assert hidden["suppression_reason"].str.len().gt(0).all()
    # a public item on a small base is published per Society anyway: shown, with its base
    rfl = out[(out["code"] == "rfl") & (out["zone"] == "mena")].iloc[0]
    assert rfl["estimate"] == 0.5 and rfl["display"] == "50%" and rfl["n"] == 2


def test_internal_tier_withholds_nothing_and_is_marked(instrument):
    pub = Publication.build(instrument, min_cell=3, audience="internal", zones=ZONES)
    assert not pub.shares(_shares())["suppressed"].any()
    assert pub.mark == INTERNAL_MARK
    assert pub.caption_source("Study, Europe") == f"Study, Europe. {INTERNAL_MARK}"
    with pytest.raises(InputError, match="unknown audience"):
        Publication.build(instrument, audience="press")


def test_profiles_and_stage_needs_leave_aggregate_activities_out(policy, instrument):
    profiles = pd.DataFrame(
        {
            "iso3": ["AAA"],
            "zone": ["europe"],
            "act__rfl": [1],
            "act__detention": [1],
            "stage__detention__transit": [True],
            "reached__detention": [40],
            "people_reached": [100],
        }
    )
    assert list(policy.profiles(profiles).columns) == ["iso3", "zone", "act__rfl", "people_reached"]
    needs = policy.stage_needs()
    assert not set(needs["activity"]) & {"detention", "advocacy", "rescue"}
    internal = Publication.build(instrument, audience="internal")
    assert internal.profiles(profiles) is profiles


def test_record_refuses_aggregate_items_per_society_and_counts_withheld(policy, tmp_path):
    profiles = pd.DataFrame({"iso3": ["AAA"], "act__detention": [1]})
    with pytest.raises(InputError, match="per Society in the public tier: act__detention"):
        policy.record(profiles, "03_society_profiles")
    pairs = pd.DataFrame({"provider": ["AAA"], "recipient": ["BBB"], "activity": ["rescue"]})
    with pytest.raises(InputError, match="rescue"):
        policy.record(pairs, "03_cooperation_pairs")
    policy.record_dir = tmp_path
    rec = policy.record(policy.shares(_shares()), "03_shares")
    assert (rec["primary"], rec["secondary"]) == (1, 1)
    assert sum(rec["reasons"].values()) == 2
    saved = json.loads((tmp_path / "table-03_shares.json").read_text(encoding="utf-8"))
    assert saved["primary"] == 1
    assert (tmp_path / "pattern-share.json").exists()


# -- sentences -------------------------------------------------------------------------------
def test_sentences_never_name_a_withheld_share(policy):
    out = policy.shares(_shares())
    # detention has the highest estimate (90%) but is withheld in mena
    top = top_share(out, "mena")
    assert top is not None and top["code"] == "rfl"
    text = share_summary(out, "mena", "MENA", min_cell=3)
    assert "Restoring family links" in text and "Detention" not in text and "90%" not in text
    everything = out.assign(suppressed=True)
    assert top_share(everything, "mena") is None
    text = share_summary(everything, "mena", "MENA", min_cell=3)
    assert "Detention" not in text and "Restoring" not in text and "%" not in text
    frame = pd.DataFrame({"iso3": ["AAA", "BBB"], "zone": ["mena"] * 2, "responded": [True, False]})
    res = robustness(frame, pd.DataFrame(), everything, "mena", "MENA", min_cell=3)
    assert res.table is None and "No finding" in res.sentence and "Detention" not in res.sentence
