"""Tests of toolkit.store: round trip, documentation tables, atomic replacement."""

from __future__ import annotations

import sqlite3

import numpy as np
import pandas as pd
import pytest

from toolkit import store
from toolkit.errors import StoreError


def _tables(n: int = 5, seed: int = 0) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    responses = pd.DataFrame(
        {
            "ns_iso3": pd.array([f"C{i:02d}" for i in range(n)], dtype="string"),
            "activities__rfl": pd.array(rng.integers(0, 2, n), dtype="Int8"),
            "branches_total": pd.array([1, None, 3, 4, 5][:n], dtype="Int64"),
            "report_date": pd.to_datetime(["2026-01-01"] * n),
            "share": rng.random(n),
            "zone": pd.Categorical(["africa"] * n),
            "flag": pd.array([True, False, None, True, False][:n], dtype="boolean"),
        }
    )
    issues = pd.DataFrame(
        {
            "file": ["a.csv"],
            "row": pd.array([2], dtype="Int64"),
            "column": ["x"],
            "value": ["y"],
            "problem": ["p"],
            "action": ["a"],
            "rule": ["r"],
        }
    )
    return {"responses": responses, "validation_issues": issues}


def test_round_trip_and_documentation(tmp_path):
    target = tmp_path / "db"
    tables = _tables()
    store.write_store(target, tables, metadata={"study": "t"})
    back = store.read_store(target)
    assert back.manifest["study"] == "t"
    assert back.manifest["tables"]["responses"]["rows"] == 5
    got = back["responses"]
    assert got["branches_total"].isna().sum() == 1
    assert list(got.columns) == list(tables["responses"].columns)
    con = sqlite3.connect(target / "study.sqlite")
    documented = dict(con.execute("SELECT name, n_rows FROM _tables").fetchall())
    assert documented == {"responses": 5, "validation_issues": 1}
    cols = con.execute(
        "SELECT column_name, description FROM _columns WHERE table_name='responses'"
    ).fetchall()
    assert {c for c, _ in cols} == set(tables["responses"].columns)
    assert all(d for _, d in cols)
    rows = con.execute("SELECT ns_iso3, branches_total, flag FROM responses").fetchall()
    assert rows[1] == ("C01", None, 0) and rows[2][2] is None
    with pytest.raises(KeyError, match="has no table"):
        back["activities"]


def test_unknown_table_is_refused(tmp_path):
    with pytest.raises(StoreError, match="unknown table"):
        store.write_store(tmp_path / "db", {"nonsense": pd.DataFrame()})


def test_crash_mid_write_keeps_previous_version(tmp_path, monkeypatch):
    target = tmp_path / "db"
    store.write_store(target, _tables(seed=1))
    before = store.read_store(target)["responses"]

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_sql", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        store.write_store(target, _tables(seed=2))
    monkeypatch.undo()
    after = store.read_store(target)["responses"]
    pd.testing.assert_frame_equal(before, after)
    assert [p.name for p in tmp_path.iterdir()] == ["db"]  # no temporary leftovers


def test_crash_between_renames_is_recovered(tmp_path):
    target = tmp_path / "db"
    store.write_store(target, _tables(seed=1))
    # simulate: old version moved aside, new one never moved in
    target.rename(tmp_path / ".db.old-deadbeef")
    back = store.read_store(target)
    assert len(back["responses"]) == 5
    assert target.exists()


def test_reading_nothing_says_what_to_do(tmp_path):
    with pytest.raises(StoreError, match="nsmap validate"):
        store.read_store(tmp_path / "nothing")


def test_wide_quarantine_fits_sqlite_as_json(tmp_path):
    wide = pd.DataFrame({f"q{i}": ["x", ""] for i in range(2500)})
    wide.insert(0, "_file", "a.csv")
    wide.insert(1, "_row", [2, 3])
    wide.insert(2, "reason", ["duplicate", "unknown code"])
    wide.insert(3, "rule", ["duplicate", "unknown_society"])
    store.write_store(tmp_path / "db", {"quarantine": wide})
    con = sqlite3.connect(tmp_path / "db" / "study.sqlite")
    cols = [r[1] for r in con.execute("PRAGMA table_info(quarantine)")]
    assert cols == ["_file", "_row", "reason", "rule", "raw_row"]
    import json

    first = json.loads(con.execute("SELECT raw_row FROM quarantine").fetchone()[0])
    assert len(first) == 2500 and first["q7"] == "x"
    assert store.read_store(tmp_path / "db")["quarantine"].shape == (2, 2504)


def test_repeat_group_tables_are_written_and_documented(tmp_path):
    members = pd.DataFrame(
        {
            "_uuid": pd.array(["u1", "u1", "u2"], dtype="string"),
            "_key": pd.array(["u1/members[1]", "u1/members[2]", "u2/members[1]"], dtype="string"),
            "_position": pd.array([1, 2, 1], dtype="Int64"),
            "age": pd.array([34, None, 7], dtype="Int64"),
            "gps__latitude": pd.array([1.5, None, None], dtype="Float64"),
        }
    )
    quarantine = pd.DataFrame(
        {"_file": ["a.csv"], "_row": [4], "_repeat": ["household/members"], "reason": ["x"]}
        | {"rule": ["orphan"], "age": ["3"]}
    )
    name = store.repeat_table("household/members")
    assert name == "responses__household__members"
    target = store.write_store(tmp_path / "db", {name: members, "quarantine": quarantine})
    assert store.read_store(target)[name]["age"].tolist()[::2] == [34, 7]
    con = sqlite3.connect(target / "study.sqlite")
    (described,) = con.execute("SELECT description FROM _tables WHERE name = ?", (name,)).fetchone()
    assert "repeat group 'household__members'" in described
    docs = dict(
        con.execute(
            "SELECT column_name, description FROM _columns WHERE table_name = ?", (name,)
        ).fetchall()
    )
    assert "1-based" in docs["_position"] and "geopoint 'gps'" in docs["gps__latitude"]
    cols = [r[1] for r in con.execute("PRAGMA table_info(quarantine)")]
    assert cols == ["_file", "_row", "_repeat", "reason", "rule", "raw_row"]
    with pytest.raises(StoreError, match="responses__<repeat group>"):
        store.write_store(tmp_path / "db2", {"responses__": members})
