"""Tests of toolkit.publish._register and ._change: the programme register as each tier
may publish it (table, HTML, workbook sheet), what changed between rounds, the
carry-forward sensitivity and programme counts under the run's suppression pattern, and
the disclosure audit of the register."""

from __future__ import annotations

import re

import numpy as np
import openpyxl
import pandas as pd
import pytest

from toolkit.publish import (
    Publication,
    audit_reports,
    publish_carry_forward,
    publish_change,
    publish_programme_counts,
    publish_register,
    publish_transitions,
    register_html,
    register_labels,
    style_register_sheet,
    tier_programmes,
)

ZONES = ("africa", "europe", "mena")


@pytest.fixture()
def public(instrument) -> Publication:
    return Publication.build(instrument, min_cell=3, zones=ZONES)


@pytest.fixture()
def internal(instrument) -> Publication:
    return Publication.build(instrument, min_cell=3, audience="internal", zones=ZONES)


def _programmes() -> pd.DataFrame:
    rows = [
        # id, Society, zone, activities, target groups, reached, basis
        ("AAA-health", "AAA", "africa", "health rfl", "women irregular", 120, "counted"),
        ("AAA-visits", "AAA", "africa", "detention", "irregular", 40, "estimated"),
        ("BBB-mixed", "BBB", "europe", "health advocacy", "women", 900, "estimated"),
        ("CCC-<b>x</b>", "CCC", "mena", "rfl", "children", pd.NA, pd.NA),
    ]
    df = pd.DataFrame(
        rows,
        columns=[
            "programme_id",
            "ns_iso3",
            "zone",
            "activities",
            "target_groups",
            "people_reached",
            "reached_basis",
        ],
    )
    df["name"] = ["Health desk", "Visits", "Mixed", "<script>alert(1)</script>"]
    df["year"] = 2026
    df["status"] = ["running", "running", "ended", "planned"]
    df["ran_last_12_months"] = df["status"] != "planned"
    df["start_year"] = pd.array([2015, 2019, 2020, 2027], dtype="Int64")
    df["contact_role"] = "Migration coordinator"
    df["activities_other"] = pd.NA
    df["activity__health"] = pd.array([1, 0, 1, 0], dtype="Int8")
    df["activity__detention"] = pd.array([0, 1, 0, 0], dtype="Int8")
    df["group__irregular"] = pd.array([1, 1, 0, 0], dtype="Int8")
    df["_file"] = "/secret/path/export.csv"
    df["people_reached"] = df["people_reached"].astype("Int64")
    return df


# -- the register --------------------------------------------------------------------------
def test_public_tier_leaves_out_aggregate_items_and_the_programmes_that_would_tell(public):
    p = _programmes()
    mine = tier_programmes(p, public)
    assert {
        "contact_role",
        "activities_other",
        "activity__detention",
        "group__irregular",
    }.isdisjoint(mine.columns)
    assert "activity__health" in mine.columns
    # aggregate options removed; a programme with only aggregate activity types left out
    assert mine["programme_id"].tolist() == ["AAA-health", "BBB-mixed", "CCC-<b>x</b>"]
    assert mine["activities"].tolist() == ["health rfl", "health", "rfl"]
    assert mine["target_groups"].tolist()[0] == "women"

    frame = pd.DataFrame({"iso3": ["AAA", "BBB", "CCC"], "society_name": ["A RC", "B RC", "C RC"]})
    reg = publish_register(p, public, frame=frame)
    assert reg["programme_id"].tolist() == ["AAA-health", "CCC-<b>x</b>"]  # any aggregate type
    assert reg.attrs["withheld_programmes"] == 2
    assert "contact_role" not in reg and "_file" not in reg and "activity__health" not in reg
    assert reg["society_name"].tolist() == ["A RC", "C RC"]
    assert set(reg.attrs["disclosure_dropped"]) >= {"contact_role", "activities_other"}
    public.record(reg, "06_programme_register")  # the per-table check lets it through
    europe = publish_register(p, public, zone="europe")
    assert europe.empty


def test_internal_tier_shows_every_programme_and_item(internal):
    reg = publish_register(_programmes(), internal)
    assert len(reg) == 4 and "contact_role" in reg
    assert "detention" in reg["activities"].str.cat(sep=" ")
    assert "_file" not in reg  # provenance is never published


def test_html_register_is_sortable_filterable_offline_and_escaped(public, instrument):
    reg = publish_register(_programmes(), public)
    page = register_html(reg, labels=register_labels(instrument), caption="Source: x & y")
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "Source: x &amp; y" in page
    assert not re.search(r"<(script|link)[^>]*\ssrc=|https?://", page)  # nothing fetched
    assert page.count("<tr data-") == len(reg)
    assert 'data-activities="health rfl"' in page
    assert "Health care, Restoring family links" in page  # labels shown, codes for filters
    assert '<select data-filter="status">' in page and 'data-filter="text"' in page
    assert 'data-type="number"' in page and 'data-value="120"' in page
    assert re.search(r'<table class="nsmap-register" data-columns="[^"]*people_reached', page)
    assert register_html(reg) == register_html(reg)  # deterministic (same id)


def test_register_sheet_is_filterable(tmp_path, public):
    reg = publish_register(_programmes(), public)
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        reg.to_excel(xl, sheet_name="06_programme_register", index=False)
        style_register_sheet(xl.sheets["06_programme_register"])
    ws = openpyxl.load_workbook(path)["06_programme_register"]
    assert ws.freeze_panes == "C3"
    assert ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}{len(reg) + 1}"
    assert ws.cell(1, 1).font.bold


def test_the_audit_finds_aggregate_items_in_a_register_csv_and_html(tmp_path, instrument, public):
    from toolkit.publish import item_sensitivity

    sens = item_sensitivity(instrument)
    tables = tmp_path / "europe" / "tables"
    tables.mkdir(parents=True)
    clean = publish_register(_programmes(), public)
    clean.to_csv(tables / "06_programme_register.csv", index=False)
    (tmp_path / "europe" / "06_programmes_and_change.html").write_text(
        register_html(clean), encoding="utf-8"
    )
    assert audit_reports(tmp_path, sensitivity=sens, min_cell=3).small_base == []
    leaky = _programmes().drop(columns=["_file"])
    leaky.to_csv(tables / "06_programme_register.csv", index=False)
    (tmp_path / "europe" / "06_programmes_and_change.html").write_text(
        register_html(leaky), encoding="utf-8"
    )
    flagged = audit_reports(tmp_path, sensitivity=sens, min_cell=3).small_base
    found = [f["what"] for f in flagged]
    assert "aggregate item contact_role per programme" in found
    assert "aggregate option detention of activities per programme" in found
    assert "aggregate option irregular of target_groups per programme" in found
    assert {"csv", "xlsx", "html"} >= {f["source"] for f in flagged}
    assert {"csv", "html"} <= {f["source"] for f in flagged}


def test_programme_changes_are_published_like_the_register(public, internal):
    changes = pd.DataFrame(
        {
            "programme_id": ["A-1", "A-2"],
            "ns_iso3": ["AAA", "AAA"],
            "activities": ["health", "health rescue"],
            "transition": ["new", "ended"],
        }
    )
    assert publish_transitions(changes, public)["programme_id"].tolist() == ["A-1"]
    assert len(publish_transitions(changes, internal)) == 2


# -- values by zone under the run's pattern ----------------------------------------------
def _shares(n_mena: int) -> pd.DataFrame:
    """Raw shares of two activities (detention aggregate, health public) by zone."""
    rows = []
    for code in ("detention", "health"):
        for zone, n in (("africa", 10), ("europe", 12), ("mena", n_mena), ("all", 22 + n_mena)):
            rows.append(
                {"zone": zone, "dimension": "activity", "code": code, "variable": f"act__{code}"}
                | {"n": n, "estimate": 0.4}
            )
    return pd.DataFrame(rows)


def _change(n_prev_mena: int) -> pd.DataFrame:
    rows = []
    for code in ("detention", "health"):
        for zone, n0 in (("africa", 9), ("europe", 11), ("mena", n_prev_mena), ("all", 30)):
            rows.append(
                {"round_previous": "2024", "round_current": "2026", "zone": zone, "code": code}
                | {"share_previous": 0.3, "share_current": 0.4, "change": 0.1, "se": 0.05}
                | {"ci_low": 0.0, "ci_high": 0.2, "n_previous": n0, "n_current": 10}
                | {"comparable": True}
            )
    return pd.DataFrame(rows)


def test_change_is_withheld_with_the_share_or_a_small_earlier_round(public, internal):
    # MENA's share is published (5 Societies) but only 2 answered the earlier round
    out = publish_change(_change(2), public, _shares(5)).set_index(["code", "zone"])
    assert out.at[("detention", "mena"), "suppression"] == "primary"
    assert out.at[("detention", "all"), "suppression"] == "secondary"
    assert np.isnan(out.at[("detention", "mena"), "change"])
    assert np.isnan(out.at[("detention", "all"), "share_previous"])
    assert out.at[("health", "mena"), "suppression"] == ""  # public activity: shown
    assert out.at[("detention", "europe"), "display"] == "+10%"
    # MENA's share itself is withheld: the change goes with it
    both = publish_change(_change(9), public, _shares(2)).set_index(["code", "zone"])
    assert both.at[("detention", "mena"), "suppression"] == "primary"
    assert both.at[("detention", "all"), "suppression"] == "secondary"
    assert not publish_change(_change(2), internal, _shares(2))["suppressed"].any()
    lost = _change(9).assign(comparable=False)
    assert set(publish_change(lost, public, _shares(5))["display"]) == {"not comparable"}


def test_carry_forward_of_a_small_carried_group_is_withheld(public):
    rows = []
    for code in ("detention", "health"):
        for zone, carried in (("africa", 4), ("europe", 0), ("mena", 1), ("all", 5)):
            for method in ("weighted", "carry-forward (labelled sensitivity)"):
                rows.append(
                    {"zone": zone, "code": code, "variable": f"activities__{code}"}
                    | {"method": method, "estimate": 0.5, "se": 0.1, "ci_low": 0.3}
                    | {"ci_high": 0.7, "n_answered": 8}
                    | {"n_carried": carried if method != "weighted" else 0}
                )
    out = publish_carry_forward(pd.DataFrame(rows), public, _shares(5))
    key = out.set_index(["code", "zone", "method"])["suppression"]
    cf = "carry-forward (labelled sensitivity)"
    assert key[("detention", "mena", cf)] == "primary"  # one Society carried
    assert key[("detention", "all", cf)] == "secondary"
    assert key[("detention", "mena", "weighted")] == ""  # the published share
    assert key[("detention", "europe", cf)] == ""  # nothing carried: equals the share
    assert key[("health", "mena", cf)] == ""


def test_programme_counts_follow_the_register_and_the_share_pattern(public):
    p = _programmes()
    out = publish_programme_counts(
        p, public, _shares(2), codes=["health", "rfl", "detention"], zones=list(ZONES)
    ).set_index(["zone", "activity"])
    # health: counted over the listed programmes only (BBB-mixed runs advocacy too)
    assert out.at[("europe", "health"), "programmes"] == 0
    assert out.at[("africa", "health"), "programmes"] == 1
    assert out.at[("africa", "detention"), "programmes"] == 1  # aggregate: all programmes
    assert out.at[("mena", "detention"), "suppression"] == "primary"  # MENA share withheld
    assert out.at[("all", "detention"), "suppression"] == "secondary"
    assert np.isnan(out.at[("all", "detention"), "programmes"])
    assert out.loc[out["aggregate"]].index.get_level_values("activity").unique().tolist() == [
        "detention"
    ]
