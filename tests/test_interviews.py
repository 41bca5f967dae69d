"""Tests of toolkit.interviews: codebooks, segment imports, answers, reliability, themes,
quotes."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from toolkit.errors import InputError, InterviewDataError
from toolkit.interviews import (
    ISSUE_COLUMNS,
    SEGMENT_COLUMNS,
    TEMPLATE_COLUMNS,
    bootstrap_alpha,
    code_frequencies,
    coding_matrix,
    cohen_kappa,
    compare_with_answers,
    cooccurrence,
    krippendorff_alpha,
    mask_quote,
    pseudonym,
    quote_table,
    read_answers,
    read_codebook,
    read_segments,
    reliability_report,
    segment_template,
    society_codes,
    theme_zone_table,
)
from toolkit.interviews._agreement import coincidence_contributions, value_counts

DATA = Path(__file__).parent / "data" / "interviews"
NAN = np.nan

#: Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: four
#: observers, twelve units, values 1-5, missing data.
K2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
    [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
]


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return pd.read_csv(DATA / "frame.csv", dtype=str)


@pytest.fixture(scope="module")
def codebook():
    return read_codebook(DATA / "codebook.csv")


# --------------------------------------------------------------------------- codebooks


def test_csv_codebook(codebook):
    c = codebook.codes.set_index("code")
    assert len(codebook) == 9 and codebook.themes == ["needs", "cooperation", "access"]
    assert c.loc["funding", "theme"] == "needs" and c.loc["funding", "parent"] == "needs"
    assert pd.isna(c.loc["needs", "parent"]) and c.loc["needs", "theme"] == "needs"
    assert c.loc["rfl_demand", "label"] == "RFL demand" and c["codable"].all()
    assert "funding" in codebook and "smuggling" not in codebook


def test_refi_qda_codebook():
    cb = read_codebook(DATA / "codebook.qdc")
    c = cb.codes.set_index("code")
    assert list(c.index) == [
        "needs",
        "funding",
        "staff_capacity",
        "cooperation",
        "cross_border",
        "joint_assessment",
        "peer_support",
        "rfl_demand",
    ]
    assert c.loc["joint_assessment", "parent"] == "cross_border"
    assert c.loc["joint_assessment", "theme"] == "cooperation"
    assert c.loc["rfl_demand", "theme"] == "rfl_demand"  # a top-level code is its own theme
    assert not c.loc["needs", "codable"] and c.loc["funding", "codable"]
    assert c.loc["funding", "description"].startswith("Lack of predictable funding")
    assert c.loc["cross_border", "sets"] == "route work"
    assert c.loc["funding", "guid"].endswith("000000000002")
    assert "needs" not in cb.codable


def test_taguette_codebook_export(tmp_path):
    p = tmp_path / "codebook.csv"
    p.write_text(
        "tag,parent,description,number of highlights\r\n"
        "needs,,Needs,0\r\nfunding,needs,Funding gaps,4\r\n",
        encoding="utf-8",
    )
    cb = read_codebook(p)
    assert cb.codes["code"].tolist() == ["needs", "funding"]
    assert cb.theme_of() == {"needs": "needs", "funding": "needs"}


def test_invalid_codebook_lists_every_problem():
    with pytest.raises(InterviewDataError) as e:
        read_codebook(DATA / "codebook_bad.csv")
    issues = e.value.issues
    assert list(issues.columns) == ISSUE_COLUMNS
    problems = issues["problem"].tolist()
    assert problems.count("duplicated code name (names must be unique, ignoring case)") == 2
    assert "empty code name" in problems
    assert "parent code is not in the codebook" in problems
    assert "codebook_bad.csv" in str(e.value) and "4 problem(s)" in str(e.value)


@pytest.mark.parametrize(
    "name, match",
    [
        ("codebook_truncated.qdc", "not well-formed XML"),
        ("codebook_duplicate.qdc", "duplicated code name"),
        ("no_such_codebook.csv", "does not exist"),
        ("answers.csv", "no 'code' column"),
        ("empty.csv", "is empty"),
    ],
)
def test_unreadable_codebooks(name, match):
    with pytest.raises(InterviewDataError, match=match) as e:
        read_codebook(DATA / name)
    assert name in str(e.value)


# --------------------------------------------------------------------------- segments


def _check_accounting(res) -> None:
    assert res.n_rows == len(res.data) + len(res.quarantine)
    assert list(res.issues.columns) == ISSUE_COLUMNS
    assert list(res.data.columns) == SEGMENT_COLUMNS
    assert set(res.quarantine["row"]).isdisjoint(set(res.data["row"]))
    # every quarantined row has an issue with the same row number
    q_issues = res.issues[res.issues["action"] == "quarantined"]
    assert set(res.quarantine["row"]) <= set(q_issues["row"].dropna())


@pytest.mark.parametrize("name", ["taguette_highlights.csv", "taguette_highlights.xlsx"])
def test_taguette_export(name, frame, codebook):
    res = read_segments(
        DATA / name, codebook=codebook, frame=frame, documents=DATA / "documents.csv", coder="amina"
    )
    _check_accounting(res)
    assert res.format == "taguette" and res.n_rows == 10 and len(res.data) == 6
    d = res.data
    # a highlight with two tags is two rows with the same segment id
    assert d.loc[d["segment_id"] == "1", "code"].tolist() == ["funding", "cross_border"]
    assert set(d["ns_iso3"]) == {"KEN", "COL", "LBN"}
    assert d.loc[d["ns_iso3"] == "LBN", "interview_id"].iloc[0] == "LBN-01"  # documents table
    assert d.loc[d["ns_iso3"] == "KEN", "zone"].iloc[0] == "africa"
    assert (d["coder"] == "amina").all()
    assert d.loc[d["segment_id"] == "2", "code"].iloc[0] == "funding"  # "Funding " normalised
    reasons = dict(zip(res.quarantine["row"], res.quarantine["reason"], strict=True))
    assert reasons[5] == "highlight has no tag"
    assert reasons[7] == "code not in the codebook"
    assert reasons[8].startswith("document is not in the documents table")
    assert reasons[10] == "Society not in the frame"
    assert "normalised to 'funding'" in res.issues["action"].tolist()
    # the documents table's own problem is reported against that file
    doc = res.issues[res.issues["file"].str.endswith("documents.csv")]
    assert doc["value"].tolist() == ["XXX"]


def test_taguette_csv_and_xlsx_agree(frame, codebook):
    kw = {
        "codebook": codebook,
        "frame": frame,
        "documents": DATA / "documents.csv",
        "coder": "amina",
    }
    a = read_segments(DATA / "taguette_highlights.csv", **kw).data.drop(columns="file")
    b = read_segments(DATA / "taguette_highlights.xlsx", **kw).data.drop(columns="file")
    pd.testing.assert_frame_equal(a, b)


def test_taguette_needs_a_coder(frame, codebook):
    with pytest.raises(InterviewDataError, match="do not record the coder"):
        read_segments(DATA / "taguette_highlights.csv", codebook=codebook, frame=frame)


def test_qualcoder_coding_report(frame, codebook):
    res = read_segments(
        DATA / "qualcoder_codings.csv", codebook=codebook, frame=frame, coders=["amina", "boris"]
    )
    _check_accounting(res)
    assert res.format == "qualcoder" and len(res.data) == 4 and len(res.quarantine) == 3
    d = res.data
    assert d["coder"].tolist() == ["amina", "boris", "amina", "amina"]
    assert d["ns_iso3"].tolist() == ["KEN", "KEN", "KEN", "PHL"]  # from the file names
    image = d[d["segment_id"] == "imid:3"]
    assert image["segment"].isna().all()  # image coding kept without text
    assert "accepted without text" in res.issues["action"].tolist()
    assert sorted(res.quarantine["reason"]) == [
        "code not in the codebook",
        "document name is empty",
        "unknown coder",
    ]


def test_qualcoder_case_report_xlsx(frame, codebook):
    res = read_segments(DATA / "qualcoder_case_report.xlsx", codebook=codebook, frame=frame)
    _check_accounting(res)
    assert res.format == "qualcoder"
    assert res.data["ns_iso3"].tolist() == ["BGD", "BGD", "GRC"]  # case name / file prefix
    assert res.quarantine["Case"].tolist() == ["Participant 7"]


def test_template_segments(frame, codebook):
    res = read_segments(DATA / "template_segments.csv", codebook=codebook, frame=frame)
    _check_accounting(res)
    assert res.format == "template" and res.n_rows == 11 and len(res.data) == 5
    reasons = dict(zip(res.quarantine["row"], res.quarantine["reason"], strict=True))
    assert reasons[6].startswith("duplicate of row 5")
    assert "linked to several Societies (COL, MEX)" in reasons[7] and 8 in reasons
    assert reasons[9] == "Society not in the frame"
    assert reasons[10] == "code is empty" and reasons[11] == "coder is empty"
    lbn = res.data[res.data["ns_iso3"] == "LBN"]
    assert lbn["code"].tolist() == ["staff_capacity"] and lbn["theme"].tolist() == ["needs"]
    assert res.data.loc[res.data["interview_id"] == "NGA-01", "ns_iso3"].iloc[0] == "NGA"


def test_template_helper():
    t = segment_template()
    assert list(t.columns[:5]) == TEMPLATE_COLUMNS and t.empty


@pytest.mark.parametrize(
    "name, match",
    [
        ("empty.csv", "is empty"),
        ("binary.csv", "not a text"),
        ("not_a_workbook.xlsx", "cannot be read as an Excel workbook"),
        ("unknown_columns.csv", "not a known export"),
        ("bad_quotes.csv", "cannot be parsed as CSV"),
        ("missing_file.csv", "does not exist"),
    ],
)
def test_malformed_segment_files(name, match, frame, codebook):
    with pytest.raises(InterviewDataError, match=match) as e:
        read_segments(DATA / name, codebook=codebook, frame=frame, coder="amina")
    assert e.value.file is not None and e.value.file.endswith(name)


def test_structured_answers(frame):
    allowed = {
        "activities": ["rfl", "health", "shelter"],
        "activities__rfl": ["0", "1"],
        "people_reached": "integer",
        "coop_any": ["yes", "no"],
    }
    res = read_answers(DATA / "answers.csv", allowed=allowed, frame=frame)
    assert res.n_rows == 7 == len(res.data) + len(res.quarantine)
    d = res.data.set_index("ns_iso3")
    assert list(d.index) == ["KEN", "NGA", "COL"]
    assert d.loc["KEN", "activities"] == "rfl health" and d.loc["KEN", "people_reached"] == 1200
    assert str(d["people_reached"].dtype) == "Int64"
    assert pd.isna(d.loc["NGA", "activities"])  # 'smuggling' is not an allowed activity
    assert pd.isna(d.loc["COL", "people_reached"]) and pd.isna(d.loc["COL", "coop_any"])
    iss = res.issues
    assert (iss["action"] == "set to missing").sum() == 3
    assert iss.loc[iss["column"] == "interviewer_notes", "action"].item() == "column not imported"
    assert iss["problem"].str.contains("Windows-1252").any()
    assert sorted(res.quarantine["reason"].str[:24]) == [
        "Society (ns_iso3) is emp",
        "Society answered on seve",
        "Society answered on seve",
        "Society not in the frame",
    ]
    with pytest.raises(InterviewDataError, match="no 'ns_iso3' column"):
        read_answers(DATA / "unknown_columns.csv", allowed=allowed, frame=frame)


# --------------------------------------------------------------------------- reliability


def test_krippendorff_published_example():
    # Krippendorff (2011): nominal .743, ordinal .815, interval .849, ratio .797.
    assert round(krippendorff_alpha(K2011, "nominal"), 3) == 0.743
    assert round(krippendorff_alpha(K2011, "ordinal"), 3) == 0.815
    assert round(krippendorff_alpha(K2011, "interval"), 3) == 0.849
    assert round(krippendorff_alpha(K2011, "ratio"), 3) == 0.797
    # exact: nominal = 1 - (n-1)(n - sum o_cc) / (n^2 - sum n_c^2) = 1 - 39*8/1216
    assert krippendorff_alpha(K2011, "nominal") == pytest.approx(
        float(Fraction(113, 152)), abs=1e-15
    )
    # full precision, cross-checked during development against the PyPI `krippendorff`
    # package 0.8 (not a dependency)
    assert krippendorff_alpha(K2011, "ordinal") == pytest.approx(0.8153875037548814, rel=1e-12)
    assert krippendorff_alpha(K2011, "interval") == pytest.approx(0.8491071428571428, rel=1e-12)
    assert krippendorff_alpha(K2011, "ratio") == pytest.approx(0.7974027747116121, rel=1e-12)


def test_krippendorff_coincidence_matrix_of_published_example():
    counts, dom, _ = value_counts(K2011, "nominal")
    o = coincidence_contributions(counts).sum(axis=0)
    assert dom == [1, 2, 3, 4, 5]
    third = 1 / 3
    expected = np.array(
        [
            [7, 4 * third, third, third, 0],
            [4 * third, 10, 4 * third, third, 0],
            [third, 4 * third, 8, third, 0],
            [third, third, third, 4, 0],
            [0, 0, 0, 0, 3],
        ]
    )
    np.testing.assert_allclose(o, expected)
    np.testing.assert_allclose(o.sum(axis=1), [9, 13, 10, 5, 3])  # n = 40 pairable values


def test_krippendorff_two_coder_examples():
    # binary data, two observers (Krippendorff 2011, section A): alpha = .095 = 2/21
    binary = [[0, 1, 0, 0, 0, 0, 0, 0, 1, 0], [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]]
    assert krippendorff_alpha(binary) == pytest.approx(2 / 21, abs=1e-15)
    # nominal data, two observers, no missing (section B): alpha = .692 = 155/224
    nominal = [list("aabbdcccedda"), list("babbbcccdddd")]
    nominal[1][8] = "e"
    assert krippendorff_alpha(nominal) == pytest.approx(155 / 224, abs=1e-15)
    assert round(krippendorff_alpha(pd.DataFrame(nominal)), 3) == 0.692


def test_krippendorff_edge_cases():
    assert krippendorff_alpha([[1, 2, 3], [1, 2, 3]], "interval") == 1.0
    assert np.isnan(krippendorff_alpha([[1, 1, 1], [1, 1, 1]]))  # no variation
    assert np.isnan(krippendorff_alpha([[1, NAN], [NAN, 2]]))  # nothing pairable
    words = [
        [
            "low"
            if v == 1
            else "mid"
            if v == 2
            else "high"
            if v == 3
            else "very high"
            if v == 4
            else "top"
            if v == 5
            else None
            for v in row
        ]
        for row in K2011
    ]
    order = ["low", "mid", "high", "very high", "top"]
    assert krippendorff_alpha(words, "ordinal", values=order) == pytest.approx(
        krippendorff_alpha(K2011, "ordinal")
    )
    with pytest.raises(InputError, match="ordered value domain"):
        krippendorff_alpha(words, "ordinal")
    with pytest.raises(InputError, match="unknown level"):
        krippendorff_alpha(K2011, "circular")


def test_cohen_kappa_published_examples():
    # 50 proposals read by A and B: 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no -> 0.4
    a = ["yes"] * 25 + ["no"] * 25
    b = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    assert cohen_kappa(a, b) == pytest.approx(0.4)
    # 45 / 15 / 25 / 15 -> 0.06 / 0.46;  25 / 35 / 5 / 35 -> 0.14 / 0.54
    a = [1] * 60 + [0] * 40
    assert cohen_kappa(a, [1] * 45 + [0] * 15 + [1] * 25 + [0] * 15) == pytest.approx(6 / 46)
    assert cohen_kappa(a, [1] * 25 + [0] * 35 + [1] * 5 + [0] * 35) == pytest.approx(14 / 54)


@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
def test_cohen_kappa_matches_sklearn_definition(weights):
    rng = np.random.default_rng(3)
    a = rng.integers(0, 4, 200)
    b = np.where(rng.random(200) < 0.6, a, rng.integers(0, 4, 200))
    # scikit-learn's cohen_kappa_score, written out: confusion matrix O, expected
    # E = outer(row sums, column sums) / n, kappa = 1 - sum(W O) / sum(W E)
    K = 4
    O = np.zeros((K, K))  # noqa: E741 (O for "observed", as in the formula above)
    for x, y in zip(a, b, strict=True):
        O[x, y] += 1
    E = np.outer(O.sum(axis=1), O.sum(axis=0)) / O.sum()
    i, j = np.indices((K, K))
    W = {
        None: (i != j).astype(float),
        "linear": np.abs(i - j).astype(float),
        "quadratic": ((i - j) ** 2).astype(float),
    }[weights]
    expected = 1 - (W * O).sum() / (W * E).sum()
    assert cohen_kappa(a, b, weights=weights) == pytest.approx(expected, rel=1e-12)
    if weights is None:
        po = (a == b).mean()
        pe = sum((a == k).mean() * (b == k).mean() for k in range(K))
        assert cohen_kappa(a, b) == pytest.approx((po - pe) / (1 - pe), rel=1e-12)


def test_cohen_kappa_skips_missing_pairs():
    assert cohen_kappa([1, 0, NAN, 1], [1, 0, 1, None]) == 1.0
    with pytest.raises(InputError, match="4 and 3 values"):
        cohen_kappa([1, 0, 1, 1], [1, 0, 1])


def test_bootstrap_alpha_is_seeded():
    a = bootstrap_alpha(K2011, "interval", n_boot=500, seed=1)
    b = bootstrap_alpha(K2011, "interval", n_boot=500, seed=1)
    pd.testing.assert_series_equal(a, b)
    assert a["ci_low"] < a["alpha"] < a["ci_high"] <= 1.0
    assert a["n_units"] == 11 and a["n_boot"] > 450


def _double_coded(seed: int = 0) -> pd.DataFrame:
    """Two coders, 24 interviews, three codes with high, medium and chance agreement."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(24):
        iv = f"IV{i:02d}"
        truth = {
            "funding": rng.random() < 0.5,
            "cross_border": rng.random() < 0.4,
            "rfl_demand": rng.random() < 0.5,
        }
        flip = {"funding": 0.02, "cross_border": 0.2, "rfl_demand": 0.5}
        for coder in ("amina", "boris"):
            used = [c for c, t in truth.items() if (t != (rng.random() < flip[c]))]
            for c in used or ["peer_support"]:
                rows.append(
                    {
                        "interview_id": iv,
                        "ns_iso3": "KEN",
                        "coder": coder,
                        "code": c,
                        "segment": f"{c} text",
                        "theme": c,
                    }
                )
    return pd.DataFrame(rows)


def test_reliability_report_per_code_and_overall(codebook):
    seg = _double_coded()
    rep = reliability_report(
        seg, codes=["funding", "cross_border", "rfl_demand"], n_boot=300, seed=5, codebook=codebook
    )
    assert rep["code"].tolist() == ["funding", "cross_border", "rfl_demand", "(all codes)"]
    r = rep.set_index("code")
    for code in ("funding", "cross_border", "rfl_demand"):
        m = coding_matrix(seg, code)
        assert m.shape == (2, 24)
        assert r.loc[code, "alpha"] == pytest.approx(krippendorff_alpha(m))
        assert r.loc[code, "kappa"] == pytest.approx(cohen_kappa(m.iloc[0], m.iloc[1]))
        assert r.loc[code, "ci_low"] <= r.loc[code, "alpha"] <= r.loc[code, "ci_high"]
    stacked = pd.concat(
        [coding_matrix(seg, c) for c in ("funding", "cross_border", "rfl_demand")], axis=1
    )
    assert r.loc["(all codes)", "alpha"] == pytest.approx(krippendorff_alpha(stacked.to_numpy()))
    assert r.loc["funding", "verdict"] == "reliable"
    assert r.loc["rfl_demand", "verdict"] == "unreliable"
    assert r.loc["funding", "theme"] == "needs" and r.loc["funding", "n_units"] == 24
    again = reliability_report(
        seg, codes=["funding", "cross_border", "rfl_demand"], n_boot=300, seed=5, codebook=codebook
    )
    pd.testing.assert_frame_equal(rep, again)


def test_reliability_ignores_single_coded_interviews():
    seg = _double_coded()
    extra = pd.DataFrame(
        [
            {
                "interview_id": "SOLO",
                "ns_iso3": "KEN",
                "coder": "amina",
                "code": "funding",
                "segment": "x",
                "theme": "funding",
            }
        ]
    )
    rep = reliability_report(pd.concat([seg, extra]), codes=["funding"], n_boot=0)
    assert rep["n_units"].iloc[0] == 24


# --------------------------------------------------------------------------- analysis


@pytest.fixture(scope="module")
def segments() -> pd.DataFrame:
    rows = [
        # KEN: funding in two interviews and by two coders -> counts once
        ("KEN-01", "KEN", "africa", "amina", "funding", "needs", "s1"),
        ("KEN-01", "KEN", "africa", "amina", "cross_border", "cooperation", "s1"),
        ("KEN-01", "KEN", "africa", "boris", "funding", "needs", "s1"),
        ("KEN-02", "KEN", "africa", "amina", "funding", "needs", "s9"),
        ("NGA-01", "NGA", "africa", "amina", "detention_access", "access", "s2"),
        ("NGA-01", "NGA", "africa", "amina", "funding", "needs", "s3"),
        ("COL-01", "COL", "americas", "amina", "cross_border", "cooperation", "s4"),
        ("COL-01", "COL", "americas", "amina", "peer_support", "cooperation", "s4"),
        ("LBN-01", "LBN", "mena", "boris", "rfl_demand", "access", "s5"),
    ]
    df = pd.DataFrame(
        rows, columns=["interview_id", "ns_iso3", "zone", "coder", "code", "theme", "segment_id"]
    )
    df["segment"] = "text of " + df["segment_id"]
    return df


def test_code_frequencies_count_societies_not_segments(segments, frame, codebook):
    f = code_frequencies(segments, frame, codebook=codebook)
    africa = f[f["zone"] == "africa"].set_index("code")
    assert africa.loc["funding", "n_societies"] == 2  # 4 segments, 2 Societies
    assert africa.loc["funding", "n_interviewed"] == 2
    assert africa.loc["funding", "share"] == 1.0
    assert africa.loc["peer_support", "n_societies"] == 0  # codebook codes never used
    assert africa.loc["funding", "theme"] == "needs"
    only_boris = code_frequencies(segments, frame, coder="boris").set_index(["zone", "code"])
    assert only_boris.loc[("africa", "funding"), "n_societies"] == 1
    tab = society_codes(segments)
    assert tab.loc["KEN", "funding"] == 1 and tab.loc["COL", "funding"] == 0


def test_theme_zone_table(segments, frame, codebook):
    t = theme_zone_table(segments, frame, codebook=codebook)
    assert list(t.columns) == ["africa", "americas", "mena"]
    assert list(t.index) == ["needs", "cooperation", "access"]
    assert t.loc["needs", "africa"] == 1.0 and t.loc["cooperation", "africa"] == 0.5
    assert t.loc["access", "mena"] == 1.0 and t.loc["needs", "americas"] == 0.0
    n = theme_zone_table(segments, frame, codebook=codebook, value="n_societies")
    assert n.loc["cooperation", "americas"] == 1


def test_cooccurrence(segments):
    by_iv = cooccurrence(segments)
    assert by_iv.loc["funding", "funding"] == 3  # KEN-01, KEN-02, NGA-01
    assert by_iv.loc["funding", "cross_border"] == 1 == by_iv.loc["cross_border", "funding"]
    by_seg = cooccurrence(segments, within="segment")
    assert by_seg.loc["cross_border", "peer_support"] == 1  # same segment s4
    assert by_seg.loc["funding", "detention_access"] == 0  # same interview, other segments
    by_ns = cooccurrence(segments, within="society")
    assert by_ns.loc["funding", "funding"] == 2
    np.testing.assert_array_equal(by_iv.to_numpy(), by_iv.to_numpy().T)


def test_compare_with_answers(segments):
    answers = pd.DataFrame(
        {
            "ns_iso3": ["KEN", "NGA", "COL", "LBN", "ITA"],
            "activities__rfl": [1, 0, 0, 1, 1],
            "coop_any": ["yes", "no", "yes", None, "no"],
        }
    )
    out = compare_with_answers(
        segments, answers, ["activities__rfl", "coop_any"], codes=["funding", "cross_border"]
    )
    r = out.set_index(["code", "indicator"])
    row = r.loc[("funding", "activities__rfl")]
    # interviewed: KEN, NGA, COL, LBN; funding raised by KEN, NGA
    assert (row["a"], row["b"], row["c"], row["d"]) == (1, 1, 1, 1)
    assert row["p_value"] == pytest.approx(stats.fisher_exact([[1, 1], [1, 1]]).pvalue)
    cb = r.loc[("cross_border", "coop_any")]  # LBN has no coop_any -> n = 3
    assert cb["n"] == 3 and (cb["a"], cb["b"], cb["c"], cb["d"]) == (2, 0, 0, 1)
    assert cb["share_code_if_1"] == 1.0
    bad = answers.assign(activities__rfl=[1, 2, 0, 1, 1])
    with pytest.raises(InputError, match="not binary"):
        compare_with_answers(segments, bad, ["activities__rfl"])


# --------------------------------------------------------------------------- quotes

KEY = "study-key-for-tests"


def test_mask_quote_masks_contacts_names_and_places():
    text = (
        "Amina Otieno (NS focal point): Write to amina.otieno@example.org or call "
        "+254 712 345 678. Mr. Kamau runs the Busia branch in Kisumu County; we also "
        "work in the city of Mombasa with Uganda Red Cross. My name is Grace Wanjiru."
    )
    out = mask_quote(text, places=["Busia"], key=KEY)
    for leaked in (
        "Amina",
        "Otieno",
        "example.org",
        "712",
        "Kamau",
        "Busia",
        "Kisumu",
        "Mombasa",
        "Grace",
        "Wanjiru",
    ):
        assert leaked not in out
    assert out.startswith(pseudonym("Amina Otieno", KEY) + ":")
    assert "[email]" in out and "[phone]" in out and out.count("[place]") == 3
    assert "Uganda Red Cross" in out  # countries and organisations are kept
    assert "[name] runs" in out and "My name is [name]" in out


def test_mask_quote_keeps_generic_labels_and_short_numbers():
    text = "Interviewer: How many?\nRespondent: About 300 people in 12 branches."
    assert mask_quote(text, key=KEY) == text


def test_pseudonyms_are_keyed():
    p1 = pseudonym("Amina Otieno", KEY)
    assert p1 == pseudonym("  amina   OTIENO ", KEY)
    assert p1 != pseudonym("Amina Otieno", "another key")
    assert "amina" not in p1.lower() and p1.startswith("P") and len(p1) == 9
    with pytest.raises(InputError, match="non-empty pseudonymisation key"):
        pseudonym("Amina", "")


def test_quote_table(frame, codebook):
    seg = read_segments(DATA / "template_segments.csv", codebook=codebook, frame=frame).data
    q = quote_table(seg, key=KEY, per_code=2, max_chars=40, seed=1)
    assert set(q["code"]) == {"funding", "cross_border", "detention_access", "staff_capacity"}
    text = " ".join(q["quote"])
    for leaked in ("Amina", "Otieno", "example.org", "Peter", "Mwangi", "Haddad", "Bekaa", "Kano"):
        assert leaked not in text
    assert q["interview"].str.match(r"^I[0-9a-f]{8}$").all()
    kb = q[q["code"] == "cross_border"].iloc[0]
    assert kb["speaker"] == pseudonym("Peter Mwangi", KEY)  # from the speaker column
    fund = q[q["code"] == "funding"]
    assert len(fund) == 1  # the two coders' identical segment is quoted once
    assert fund["speaker"].iloc[0] == pseudonym("Amina Otieno", KEY)  # from the label
    assert q["truncated"].all() and (q["quote"].str.len() <= 42).all()
    assert q["quote"].str.endswith(" …").all()
    again = quote_table(seg, key=KEY, per_code=2, max_chars=40, seed=1)
    pd.testing.assert_frame_equal(q, again)
    with pytest.raises(InputError, match="pseudonymisation key"):
        quote_table(seg, key=b"")


def test_bootstrap_alphas_at_once_equal_one_by_one():
    """The replicates' alphas computed as one stack equal the matrix-by-matrix ones,
    including the empty and the no-disagreement-possible matrices (NaN)."""
    from toolkit.interviews._agreement import alpha_from_coincidence, alphas_from_coincidences

    rng = np.random.default_rng(20261202)
    for level in ["nominal", "interval", "ratio", "ordinal"]:
        for v in [2, 3, 5]:
            num = np.arange(1, v + 1, dtype=float)
            o = rng.integers(0, 6, size=(200, v, v)).astype(float)
            o = o + o.transpose(0, 2, 1)
            o[:3] = 0.0
            o[3] = np.diag(np.full(v, 2.0))
            one = np.array([alpha_from_coincidence(m, level, num) for m in o])
            stack = alphas_from_coincidences(o, level, num)
            np.testing.assert_array_equal(np.isnan(one), np.isnan(stack))
            np.testing.assert_allclose(stack, one, rtol=1e-12, atol=1e-14)
