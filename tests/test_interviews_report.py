"""Tests of the report helpers of toolkit.interviews: reading a study's interview files,
coverage, reliability by zone, theme tables, questionnaire links, name and place
detection for quotes, and the run's pseudonym key."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from toolkit.errors import InputError, InterviewDataError
from toolkit.frame import load_frame
from toolkit.instrument import load_instrument
from toolkit.interviews import (
    Identifiers,
    StudyInterviews,
    answer_spec,
    code_frequencies,
    compare_with_answers,
    interview_coverage,
    likely_identifiers,
    primary_coder,
    quote_table,
    read_study_interviews,
    reliability_by_zone,
    reliability_report,
    study_key,
    theme_table,
    themes_vs_answers,
)
from toolkit.run import load_study

DEMO = Path(__file__).resolve().parents[1] / "data" / "raw" / "demo"


@pytest.fixture(scope="module")
def full_frame() -> pd.DataFrame:
    return load_frame()


@pytest.fixture(scope="module")
def demo(full_frame) -> StudyInterviews:
    return read_study_interviews(load_study(DEMO / "study.yaml"), frame=full_frame)


def _study(tmp_path: Path, frame: pd.DataFrame, **paths: object) -> SimpleNamespace:
    """A stand-in for toolkit.run.Study with only what read_study_interviews uses."""
    return SimpleNamespace(
        config={"paths": {"interviews": paths}, "privacy": {"key_env": "NSMAP_TEST_KEY"}},
        path=tmp_path / "study.yaml",
        frame=lambda: frame,
        instrument=load_instrument,
    )


# --------------------------------------------------------------------------- reading


def test_demo_interviews_read_cleanly(demo):
    assert len(demo.codebook) == 8 and demo.n_rows == 121
    assert len(demo.segments) == 121 and demo.issues.empty and demo.quarantine.empty
    assert demo.answers is None
    assert demo.summary().to_dict("records") == [
        {"file": "segments.csv", "rows": 121, "accepted": 121, "quarantined": 0, "issues": 0}
    ]
    europe = demo.in_zone("europe")
    assert set(europe["zone"].astype(str)) == {"europe"}
    assert len(demo.in_zone("all")) == 121
    assert set(demo.in_zone("all", coder="coder_b")["coder"]) == {"coder_b"}


def test_several_files_duplicates_and_bad_rows(tmp_path, full_frame):
    seg = pd.read_csv(DEMO / "interviews" / "segments.csv", dtype=str)
    first, second = seg.iloc[:60], seg.iloc[60:]
    second = pd.concat(
        [
            second,
            seg.iloc[[0]],  # the same coding again, in another file
            pd.DataFrame(
                [
                    {
                        "interview_id": "INT099",
                        "ns_iso3": "KEN",
                        "coder": "coder_a",
                        "code": "no_such_code",
                        "segment": "Call Amina on +254 712 345 678.",
                    }
                ]
            ),
        ]
    )
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    first.to_csv(a, index=False)
    second.to_csv(b, index=False)
    st = _study(
        tmp_path,
        full_frame,
        codebook=str(DEMO / "interviews" / "codebook.csv"),
        segments=[str(a), str(b)],
    )
    got = read_study_interviews(st)
    assert got.n_rows == 123 and len(got.segments) == 121
    assert len(got.quarantine) == 2 and set(got.quarantine["file"]) == {"b.csv"}
    assert "segment" not in got.quarantine.columns  # text may hold personal details
    assert got.quarantine["reason"].str.contains("earlier file").sum() == 1
    assert (got.issues["file"] == "b.csv").all() and len(got.issues) >= 2
    assert got.summary()["rows"].tolist() == [60, 63]
    assert "712" not in " ".join(got.issues["value"].dropna())


def test_structured_answers_follow_the_questionnaire(tmp_path, full_frame):
    pd.DataFrame(
        {
            "ns_iso3": ["KEN", "PAK", "XXX"],
            "activities__rfl": ["1", "2", "0"],
            "coop_any": ["yes", "no", "yes"],
            "people_reached": ["120", "x", ""],
            "resp_name": ["Amina Otieno", "", ""],
        }
    ).to_csv(tmp_path / "ans.csv", index=False)
    st = _study(
        tmp_path,
        full_frame,
        codebook=str(DEMO / "interviews" / "codebook.csv"),
        segments=[str(DEMO / "interviews" / "segments.csv")],
        answers=str(tmp_path / "ans.csv"),
    )
    got = read_study_interviews(st)
    ans = got.answers.set_index("ns_iso3")
    assert list(ans.index) == ["KEN", "PAK"]  # XXX quarantined
    assert "resp_name" not in ans.columns  # personal field not imported
    assert pd.isna(ans.loc["PAK", "activities__rfl"]) and ans.loc["KEN", "people_reached"] == 120
    assert got.summary().to_dict("records")[1] == {
        "file": "ans.csv",
        "rows": 3,
        "accepted": 2,
        "quarantined": 1,
        "issues": 4,
    }
    problems = " ".join(got.issues["problem"])
    assert "not an allowed value" in problems and "not a questionnaire variable" in problems
    spec = answer_spec(load_instrument())
    assert spec["activities__rfl"] == ["0", "1"] and spec["rfl_reached"] == "integer"
    assert "rfl" in spec["activities"] and "resp_email" not in spec and "ns_iso3" not in spec


def test_missing_interview_paths_are_an_error(tmp_path, full_frame):
    with pytest.raises(InterviewDataError, match="no interview codebook"):
        read_study_interviews(_study(tmp_path, full_frame))


# --------------------------------------------------------------------------- analysis


def test_primary_coder(demo):
    assert primary_coder(demo.segments) == "coder_a"  # 30 interviews against 12
    assert primary_coder(demo.segments, "any") is None
    assert primary_coder(demo.segments, None) is None
    assert primary_coder(demo.segments, "coder_b") == "coder_b"
    with pytest.raises(InputError, match="coder_z"):
        primary_coder(demo.segments, "coder_z")
    tie = pd.DataFrame({"interview_id": ["1", "2"], "coder": ["zoe", "adam"]})
    assert primary_coder(tie) == "adam"


def test_interview_coverage(demo, full_frame):
    societies = full_frame.assign(responded=full_frame["iso3"].isin(["PAK", "KIR", "SVN"]))
    cov = interview_coverage(demo.segments, societies)
    assert list(cov.index) == ["africa", "americas", "asia_pacific", "europe", "mena", "all"]
    assert cov.loc["all"].to_dict() == {
        "societies": 193,
        "interviewed": 30,
        "share_interviewed": pytest.approx(30 / 193),
        "double_coded": 12,
        "returned_questionnaire": 3,
        "not_returned": 27,
    }
    zones = cov.drop(index="all")
    assert zones["interviewed"].sum() == 30 and zones["societies"].sum() == 193
    one = interview_coverage(demo.segments, societies, zones=["europe"])
    assert list(one.index) == ["europe", "all"]
    with pytest.raises(InputError, match="responded"):
        interview_coverage(demo.segments, full_frame)


def test_reliability_by_zone(demo):
    rel = reliability_by_zone(demo.segments, codebook=demo.codebook, n_boot=200, seed=1)
    assert list(rel.index) == ["africa", "americas", "asia_pacific", "europe", "all"]
    study = reliability_report(demo.segments, codebook=demo.codebook, n_boot=200, seed=1)
    assert rel.loc["all", "alpha"] == pytest.approx(study.iloc[-1]["alpha"])
    assert rel.loc["all", "ci_low"] == pytest.approx(study.iloc[-1]["ci_low"])
    assert rel.loc["all", "n_units"] == 12
    assert rel.drop(index="all")["n_units"].sum() == 12
    mena = reliability_by_zone(
        demo.segments, codebook=demo.codebook, n_boot=50, seed=1, zones=["mena"]
    )
    assert mena.loc["mena", "n_units"] == 0 and np.isnan(mena.loc["mena", "alpha"])
    assert mena.loc["mena", "verdict"] == "no double coding"


def test_theme_table_adds_all_zones(demo, full_frame):
    t = theme_table(demo.segments, full_frame, codebook=demo.codebook, coder="coder_a")
    assert list(dict.fromkeys(t["zone"])) == [
        "africa",
        "americas",
        "asia_pacific",
        "europe",
        "mena",
        "all",
    ]
    allz = t[t["zone"] == "all"].set_index("theme")
    assert (allz["n_interviewed"] == 30).all()
    zones = t[t["zone"] != "all"].groupby("theme")["n_societies"].sum()
    assert (zones == allz["n_societies"].reindex(zones.index)).all()
    one = theme_table(
        demo.segments,
        full_frame,
        level="code",
        codebook=demo.codebook,
        coder="coder_a",
        zones=["europe"],
    )
    assert set(one["zone"]) == {"europe", "all"} and "theme" in one.columns
    base = code_frequencies(demo.segments, full_frame, codebook=demo.codebook, coder="coder_a")
    eu = base[base["zone"] == "europe"].reset_index(drop=True)
    pd.testing.assert_frame_equal(
        one[one["zone"] == "europe"].reset_index(drop=True), eu.assign(zone=eu["zone"].astype(str))
    )
    no_all = theme_table(demo.segments, full_frame, overall=False)
    assert "all" not in set(no_all["zone"])


def test_themes_vs_answers(demo):
    seg = demo.segments
    interviewed = sorted(set(seg["ns_iso3"].astype(str)))
    answers = pd.DataFrame(
        {
            "ns_iso3": interviewed[:20],
            "coop_any": ["yes", "no"] * 10,
            "activities__pss": [1, 0, 0, 1] * 5,
        }
    )
    pairs = {"cross_border": "coop_any", "volunteer_wellbeing": "activities__pss"}
    got = themes_vs_answers(seg, answers, pairs, coder="coder_a")
    assert got["code"].tolist() == ["cross_border", "volunteer_wellbeing"]
    assert got["indicator"].tolist() == ["coop_any", "activities__pss"]
    one = compare_with_answers(seg, answers, ["coop_any"], codes=["cross_border"], coder="coder_a")
    pd.testing.assert_frame_equal(got.iloc[[0]].reset_index(drop=True), one)
    assert (got["n"] == 20).all()
    extra = pd.DataFrame({"ns_iso3": [interviewed[0], interviewed[25]], "coop_any": ["no", "yes"]})
    more = themes_vs_answers(
        seg, answers, {"cross_border": "coop_any"}, coder="coder_a", interview_answers=extra
    )
    assert more["n"].iloc[0] == 21  # the questionnaire wins for interviewed[0]
    with pytest.raises(InputError, match="no code-indicator pair"):
        themes_vs_answers(seg, answers, {})
    with pytest.raises(InputError, match="no indicator column"):
        themes_vs_answers(seg, answers, {"cross_border": "coop_partners"})


# --------------------------------------------------------------------------- quotes

KEY = "study-key-for-tests"


def test_likely_identifiers_on_the_demo_interviews(demo, full_frame):
    found = likely_identifiers(demo.segments["segment"], frame=full_frame)
    assert "Maria Mensah" in found.names and "Grace Chen" in found.names
    assert set(found.places) == {"Northport", "Lakeside", "Rivertown", "Hillcrest"}
    for common in ("After", "Nobody", "Volunteers", "The", "Our", "Many"):
        assert common not in found.names + found.places
    assert repr(found) == f"Identifiers({len(found.names)} names, 4 places)"
    assert "Maria" not in repr(found) and len(found) == len(found.names) + 4
    quotes = quote_table(
        demo.segments, key=KEY, names=found.names, places=found.places, per_code=30, seed=1
    )
    text = " ".join(quotes["quote"])
    for leaked in ("Maria", "Mensah", "Grace", "Rivertown", "Northport", "Lakeside", "Hillcrest"):
        assert leaked not in text
    assert "[name] can explain it" in text and "branch in [place]" in text


def test_likely_identifiers_rules():
    texts = [
        "We met Kofi Annan Mensah in Kisumu with the Kenya Red Cross Society.",
        "We should ask Wanjiru about the cash programme; she works from Busia.",
        "Volunteers from Kenya went to Uganda in March.",
        "Nobody came. Mopti was calm.",
        "In Garissa the ministry helped, said Mr Otieno.",
        "the word garissa in lower case makes it common.",
        "Many Ukrainian and Sudanese families, and Venezuelans, came; Indira helped them.",
    ]
    found = likely_identifiers(texts, frame=load_frame(), known=["Kofi"])
    assert "Annan Mensah" in found.names  # known words are not masked
    assert "Wanjiru" in found.names  # a single capitalised word inside a sentence
    assert "Busia" in found.places and "Kisumu" in found.places
    assert "Indira" in found.names  # shares a prefix with India but is no demonym
    for kept in (
        "Kenya",
        "Uganda",
        "March",
        "Red",
        "Cross",
        "Society",
        "Nobody",
        "Mopti",
        "Garissa",
        "Ukrainian",
        "Sudanese",
        "Venezuelans",
    ):
        assert kept not in found.names + found.places
    assert likely_identifiers([]) == Identifiers()


def test_study_key(monkeypatch):
    st = SimpleNamespace(
        config={"privacy": {"key_env": "NSMAP_TEST_KEY"}}, pseudonym_key=lambda: None
    )
    key, note = study_key(st)
    assert len(key) == 32 and "NSMAP_TEST_KEY is not set" in note and "random" in note
    assert study_key(st)[0] != key
    st.pseudonym_key = lambda: "s3cret-value"
    key, note = study_key(st)
    assert key == b"s3cret-value" and "NSMAP_TEST_KEY" in note and "s3cret" not in note


def test_study_key_reads_the_variable_the_study_names(monkeypatch):
    study = load_study(DEMO / "study.yaml")
    monkeypatch.setenv("NSMAP_PSEUDONYM_KEY", "from-the-environment")
    key, note = study_key(study)
    assert key == b"from-the-environment" and "from-the-environment" not in note
    monkeypatch.delenv("NSMAP_PSEUDONYM_KEY")
    key, note = study_key(study)
    assert len(key) == 32 and "not set" in note
