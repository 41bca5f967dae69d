"""Tests of what read_export keeps between reads: the header plan of a form and header.

A second read of an export with the same form and header row is served the column
roles, fields, options and exempt tokens worked out by the first; it must give the
same result as a first read, a changed header or form must never be served what was
kept for another, and nothing a caller changes in what it gets may change what is kept.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from export_records import read_records, write_records

from toolkit.ingest import IngestResult, read_export
from toolkit.ingest import _formcache as formcache
from toolkit.ingest._formcache import form_tools
from toolkit.ingest._plan import header_plan
from toolkit.instrument import Instrument, load_instrument

STUDY = {"unit": "ns_iso3", "society": "ns_iso3", "key": "plan-cache-test", "today": "2026-06-01"}
SEED = 20261202


def _sample(demo_csv: Path, tmp_path: Path, rows: int = 30) -> Path:
    """A seeded sample of the demo export's rows (header kept)."""
    records = read_records(demo_csv)
    rng = np.random.default_rng(SEED)
    body = [records[1 + i] for i in sorted(rng.choice(len(records) - 1, rows, replace=False))]
    return write_records(tmp_path / "sample.csv", [records[0], *body])


def _assert_same(a: IngestResult, b: IngestResult) -> None:
    pd.testing.assert_frame_equal(a.data, b.data)
    pd.testing.assert_frame_equal(a.issues, b.issues)
    pd.testing.assert_frame_equal(a.quarantine, b.quarantine)
    pd.testing.assert_frame_equal(a.activities, b.activities)
    assert a.repeats.keys() == b.repeats.keys()
    for name in a.repeats:
        pd.testing.assert_frame_equal(a.repeats[name], b.repeats[name])
    assert a.summary == b.summary


def _scramble(frame: pd.DataFrame) -> None:
    """Change a table in place: its first row takes its last row's values."""
    if len(frame) > 1:
        for j in range(frame.shape[1]):
            try:
                frame.iloc[0, j] = frame.iloc[-1, j]
            except ValueError:  # a column whose array is read-only: cannot be changed
                continue


def _fresh(path: Path, instrument: Instrument) -> IngestResult:
    """A read with nothing kept from earlier reads."""
    formcache._cache.clear()
    return read_export(path, instrument, **STUDY)


@pytest.fixture()
def instrument() -> Instrument:
    return load_instrument()


def test_second_read_is_identical_to_the_first(demo_csv, tmp_path, instrument):
    path = _sample(demo_csv, tmp_path)
    first = _fresh(path, instrument)
    second = read_export(path, instrument, **STUDY)
    assert form_tools(instrument).plans.get(tuple(read_records(path)[0])) is not None  # kept
    _assert_same(first, second)


def test_changed_header_is_not_served_the_kept_plan(demo_csv, tmp_path, instrument):
    path = _sample(demo_csv, tmp_path)
    read_export(path, instrument, **STUDY)  # keeps the plan of the original header
    records = read_records(path)
    rng = np.random.default_rng(SEED)
    pos = int(rng.choice([i for i, h in enumerate(records[0]) if h.startswith("programmes/")]))
    renamed = records[0][pos]
    records[0][pos] = "not_a_question_of_the_form"
    changed = write_records(tmp_path / "changed.csv", records)
    kept = read_export(changed, instrument, **STUDY)
    unknown = kept.issues[kept.issues["rule"] == "unknown_column"]
    assert "not_a_question_of_the_form" in set(unknown["column"])
    assert renamed not in set(unknown["column"])
    _assert_same(kept, _fresh(changed, instrument))


def test_changed_form_is_not_served_the_kept_plan(demo_csv, tmp_path, instrument):
    path = _sample(demo_csv, tmp_path)
    before = read_export(path, instrument, **STUDY)
    q = instrument.questions
    rng = np.random.default_rng(SEED)
    header = set(read_records(path)[0])
    candidates = q.index[(q["type"] == "integer") & (q["repeat"] == "") & q["path"].isin(header)]
    drop = candidates[int(rng.integers(len(candidates)))]
    gone = str(q.loc[drop, "path"])
    other = dataclasses.replace(instrument, questions=q.drop(index=drop).reset_index(drop=True))
    after = read_export(path, other, **STUDY)
    unknown = set(after.issues.loc[after.issues["rule"] == "unknown_column", "column"])
    assert gone in unknown
    assert gone not in set(before.issues.loc[before.issues["rule"] == "unknown_column", "column"])
    _assert_same(after, _fresh(path, other))


def test_changing_what_was_returned_changes_nothing_kept(demo_csv, tmp_path, instrument):
    path = _sample(demo_csv, tmp_path)
    first = _fresh(path, instrument)
    expected = _fresh(path, instrument)  # an independent copy of the same result
    # change everything a caller could change in place
    for frame in [first.data, first.issues, first.quarantine, *first.repeats.values()]:
        _scramble(frame)
    tools = form_tools(instrument)
    plan = header_plan(read_records(path)[0], tools.hmap, instrument, tools.lists, tools.plans)
    _scramble(plan.roles)
    plan.fields.clear()
    plan.meta.clear()
    plan.options.clear()
    for tokens in plan.exempt.values():
        tokens.clear()
    plan.answered.clear()
    again = read_export(path, instrument, **STUDY)
    _assert_same(again, expected)
