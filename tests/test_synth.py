"""Tests of toolkit.synth: determinism, realism of the response mechanism, outputs."""

from __future__ import annotations

import numpy as np
import pandas as pd

from toolkit import synth
from toolkit.ingest import file_sha256


def test_truth_is_reproducible_and_seed_dependent(frame, instrument):
    a = synth.simulate_truth(frame, seed=11, instrument=instrument)
    b = synth.simulate_truth(frame, seed=11, instrument=instrument)
    c = synth.simulate_truth(frame, seed=12, instrument=instrument)
    pd.testing.assert_frame_equal(a, b)
    assert not a["responded"].equals(c["responded"])


def test_response_is_about_half_and_biased(frame, instrument):
    rates, naive, true = [], [], []
    for seed in range(20):
        t = synth.simulate_truth(frame, seed=seed, instrument=instrument)
        rates.append(t.groupby("zone", observed=True)["p_respond"].mean())
        naive.append(t.loc[t["responded"], "activities__legal"].mean())
        true.append(t["activities__legal"].mean())
    mean_rates = pd.concat(rates, axis=1).mean(axis=1)
    overall = float(
        np.average(mean_rates, weights=frame["zone"].value_counts().reindex(mean_rates.index))
    )
    assert 0.42 < overall < 0.58
    assert mean_rates["europe"] - mean_rates["africa"] > 0.15  # lower in some zones
    assert np.mean(naive) - np.mean(true) > 0.02  # naive estimates biased upwards


def test_make_study_writes_a_complete_labelled_study(tmp_path):
    s = synth.make_study(tmp_path / "demo", seed=5)
    assert s.study_yaml.read_text(encoding="utf-8").startswith("# SYNTHETIC DATA")
    assert all(p.exists() for p in (*s.exports, s.truth, *s.interviews))
    assert "SYNTHETIC" in (s.directory / "README.md").read_text(encoding="utf-8")
    again = synth.make_study(tmp_path / "again", seed=5)
    assert file_sha256(s.exports[0]) == file_sha256(again.exports[0])
    head = s.exports[0].read_text(encoding="utf-8").splitlines()[0]
    assert head.count(";") > 100 and "society/respondent/resp_email" in head
    segments = pd.read_csv(s.interviews[1])
    assert set(segments.columns) == {"interview_id", "ns_iso3", "coder", "code", "segment"}
    assert segments.groupby("interview_id")["coder"].nunique().max() == 2


def test_branch_export(tmp_path, frame):
    path = tmp_path / "branches.csv"
    truth = synth.make_branch_export(path, n_branches=2000, seed=1, frame=frame)
    assert len(truth) == 2000 and truth["branch_code"].is_unique
    assert set(truth["ns_iso3"]) == set(frame["iso3"])  # every Society has a branch
    export = pd.read_csv(path, sep=";", nrows=5)
    assert {"branch_code", "ns_iso3", "activities", "activities/rfl"} <= set(export.columns)
