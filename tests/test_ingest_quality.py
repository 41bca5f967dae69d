"""Tests of toolkit.ingest on small hand-made tables and the demo study."""

from __future__ import annotations

import pandas as pd
import pytest

from toolkit import ingest
from toolkit.instrument import read_xlsform


def test_returns_by_zone_counts_against_the_frame():
    soc = pd.DataFrame(
        {
            "iso3": list("ABCDE"),
            "zone": ["africa"] * 3 + ["europe"] * 2,
            "responded": [True, False, False, True, True],
        }
    )
    q = pd.DataFrame({"ns_iso3": ["B", "ZZZ"], "_file": ["x.csv", "x.csv"]})
    out = ingest.returns_by_zone(soc, q, zones=["africa", "europe"])
    assert out.loc["africa"].tolist()[:4] == [3, 1, 2, 1]
    assert out.loc["all", "returned"] == 3
    assert out.loc["europe", "return_rate"] == pytest.approx(1.0)


def test_issue_and_quarantine_summaries():
    issues = pd.DataFrame(
        {
            "rule": ["a", "a", "b"],
            "action": ["x", "x", "y"],
            "problem": ["p1", "p2", "p3"],
            "ns_iso3": ["K", "L", pd.NA],
        }
    )
    s = ingest.issue_summary(issues)
    assert s.iloc[0].tolist() == ["a", "x", 2, 2, "p1"]
    q = pd.DataFrame({"rule": ["dup"], "reason": ["r"], "_file": ["/a/b.csv"]})
    assert ingest.quarantine_summary(q).iloc[0].tolist() == ["dup", 1, "b.csv", "r"]
    assert ingest.issue_summary(issues.iloc[:0]).empty


def test_completeness_counts_only_relevant_questions(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "survey"
    for row in [
        ["type", "name", "label", "relevant", "required"],
        ["select_one yn", "q1", "Q1", "", "yes"],
        ["begin_group", "g", "G", "${q1} = 'yes'", ""],
        ["integer", "q2", "Q2", "", "yes"],
        ["end_group", "", "", "", ""],
    ]:
        ws.append(row)
    ch = wb.create_sheet("choices")
    ch.append(["list_name", "name", "label"])
    ch.append(["yn", "yes", "Yes"])
    ch.append(["yn", "no", "No"])
    wb.save(tmp_path / "f.xlsx")
    inst = read_xlsform(tmp_path / "f.xlsx")
    responses = pd.DataFrame(
        {"q1": ["yes", "yes", "no", "no"], "q2": pd.array([3, None, None, None], dtype="Int64")}
    )
    per_q = ingest.completeness_by_question(responses, inst).set_index("question")
    assert per_q.loc["q2", "applicable"] == 2 and per_q.loc["q2", "answered"] == 1
    groups = ingest.completeness_by_group(responses, inst)
    assert groups.loc["g", "completeness"] == pytest.approx(0.5)
    assert groups.loc["g", "lowest"] == "q2"
