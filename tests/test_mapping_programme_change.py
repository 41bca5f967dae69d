"""Tests of toolkit.mapping._programme_change and ._programme_counts: programmes between
two rounds (known answers on hand-made registers) and programme counts by zone."""

from __future__ import annotations

import pandas as pd
import pytest

from toolkit.errors import InputError
from toolkit.mapping import (
    PROGRAMME_CHANGE_COLUMNS,
    PROGRAMME_TRANSITIONS,
    programme_counts,
    programme_transitions,
    society_programme_changes,
)

FRAME = pd.DataFrame(
    {"iso3": ["AAA", "BBB", "CCC", "DDD", "EEE"], "zone": ["africa"] * 3 + ["europe"] * 2}
)


def _register(rows: list[tuple]) -> pd.DataFrame:
    df = pd.DataFrame(
        rows, columns=["programme_id", "ns_iso3", "name", "status", "activities", "start_year"]
    )
    df["ran_last_12_months"] = df["status"] != "planned"
    return df


def _answers(codes: list[str], no: tuple[str, ...] = ()) -> pd.DataFrame:
    return pd.DataFrame(
        {"ns_iso3": codes, "has_migration_programme": ["no" if c in no else "yes" for c in codes]}
    )


@pytest.fixture()
def rounds() -> dict:
    previous = _register(
        [
            ("AAA-health", "AAA", "Health", "running", "health", 2015),
            ("AAA-rfl", "AAA", "RFL", "running", "rfl", 2018),
            ("AAA-cash", "AAA", "Cash", "planned", "cash", 2025),
            ("AAA-legal", "AAA", "Legal", "planned", "legal", 2026),
            ("BBB-shelter", "BBB", "Shelter", "running", "shelter", 2010),
            ("DDD-info", "DDD", "Info", "running", "info", 2019),
        ]
    )
    current = _register(
        [
            ("AAA-health", "AAA", "Health care", "ended", "health", 2015),  # ended since: ran
            ("AAA-cash", "AAA", "Cash", "running", "cash", 2025),  # planned then, runs now
            ("AAA-wash", "AAA", "WASH", "running", "wash", 2025),
            ("AAA-legal", "AAA", "Legal", "planned", "legal", 2027),
            ("CCC-info", "CCC", "Info", "running", "info", 2024),  # CCC did not answer before
            ("EEE-pss", "EEE", "PSS", "running", "pss", 2020),  # EEE said "no" before
        ]
    )
    prev_answers = _answers(["AAA", "BBB", "DDD", "EEE"], no=("EEE",))
    # BBB answered now without listing programmes; DDD did not answer now
    cur_answers = _answers(["AAA", "BBB", "CCC", "EEE"])
    return {
        "previous": previous,
        "current": current,
        "previous_responses": prev_answers,
        "current_responses": cur_answers,
    }


def test_each_transition_on_known_registers(rounds):
    out = programme_transitions(frame=FRAME, rounds=("2024", "2026"), **rounds)
    assert list(out.columns) == list(PROGRAMME_CHANGE_COLUMNS)
    got = dict(zip(out["programme_id"], out["transition"], strict=True))
    assert got == {
        "AAA-health": "continued",  # ran in both windows (ended in the last 12 months)
        "AAA-cash": "new",  # only planned before
        "AAA-wash": "new",
        "AAA-rfl": "ended",
        "AAA-legal": "planned",
        "BBB-shelter": "not known",  # BBB listed nothing now: never called ended
        "CCC-info": "not known",  # CCC did not answer 2024
        "DDD-info": "not known",  # DDD did not answer 2026
        "EEE-pss": "new",  # EEE answered "no programme" in 2024: its list was known (empty)
    }
    why = dict(zip(out["programme_id"], out["reason"].fillna(""), strict=True))
    assert why["BBB-shelter"] == "BBB answered the 2026 round without listing programmes"
    assert why["CCC-info"] == "CCC did not answer the 2024 round"
    assert why["DDD-info"] == "DDD did not answer the 2026 round"
    assert why["AAA-wash"] == ""
    row = out.set_index("programme_id")
    assert row.at["AAA-health", "name"] == "Health care"
    assert row.at["AAA-health", "name_previous"] == "Health"  # renamed but the same id
    assert row.at["AAA-rfl", "name_previous"] == "RFL" and pd.isna(
        row.at["AAA-rfl", "status_current"]
    )
    assert row.at["CCC-info", "answered"] == "current only"
    assert row.at["AAA-health", "status_current"] == "ended"
    assert set(row["zone"]) == {"africa", "europe"}
    assert set(out["round_previous"]) == {"2024"} and set(out["round_current"]) == {"2026"}


def test_a_form_without_programme_list_leaves_every_programme_not_known(rounds):
    out = programme_transitions(frame=FRAME, previous_has_list=False, **rounds)
    assert set(out["transition"]) == {"not known"}
    assert out["reason"].str.contains("form had no programme list").all()


def test_society_summary_counts_each_transition(rounds):
    out = programme_transitions(frame=FRAME, **rounds)
    per = society_programme_changes(out).set_index("ns_iso3")
    assert list(per.columns[2:7]) == list(PROGRAMME_TRANSITIONS)
    assert per.loc["AAA", ["new", "continued", "ended", "planned", "not known"]].tolist() == [
        2,
        1,
        1,
        1,
        0,
    ]
    assert per.at["DDD", "not known"] == 1 and per.at["DDD", "answered"] == "previous only"


def test_programme_counts_count_each_activity_type_once_per_programme():
    reg = pd.DataFrame(
        {
            "programme_id": ["A-1", "A-2", "B-1", "C-1", "C-2"],
            "ns_iso3": ["AAA", "AAA", "BBB", "DDD", "DDD"],
            "zone": ["africa", "africa", "africa", "europe", "europe"],
            "activities": ["health rfl", "health", "rfl", "health", pd.NA],
            "ran_last_12_months": [True, True, True, False, True],
        }
    )
    out = programme_counts(reg, codes=["health", "rfl", "cash"]).set_index(["zone", "activity"])
    assert out.loc[("africa", "health")].tolist() == [2, 1]  # two programmes, one Society
    assert out.loc[("africa", "rfl")].tolist() == [2, 2]
    assert out.loc[("europe", "health")].tolist() == [0, 0]  # planned: not counted
    assert out.loc[("all", "health")].tolist() == [2, 1]
    assert out.loc[("all", "cash")].tolist() == [0, 0]
    with_planned = programme_counts(reg, codes=["health"], ran_only=False).set_index("zone")
    assert with_planned.at["europe", "programmes"] == 1
    with pytest.raises(InputError, match="no column 'activities'"):
        programme_counts(reg.drop(columns="activities"))
