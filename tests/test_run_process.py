"""Tests of toolkit.run's ingestion step on the demo: the programme register in the
analytical database, the activity types taken from the programmes, ids across rounds."""

from __future__ import annotations

import csv
import io
import sqlite3

import pandas as pd
import pytest

from toolkit.ingest import read_export
from toolkit.mapping import programme_register, read_programme_ids

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def db(demo_dir, tmp_path_factory):
    from toolkit.run import load_study, process_study
    from toolkit.store import read_store

    study = load_study(demo_dir / "study.yaml")
    study.config["paths"]["processed"] = str(tmp_path_factory.mktemp("db") / "demo")
    _, where = process_study(study)
    return read_store(where)


@pytest.fixture(scope="module")
def truth(demo_dir):
    return pd.read_csv(demo_dir / "truth" / "programmes.csv", keep_default_na=False)


def test_register_tables_are_written_and_documented(db):
    assert {"programmes", "programme_partners", "responses__programme"} <= set(db.tables)
    con = sqlite3.connect(db.path / "study.sqlite")
    try:
        tables = dict(con.execute("SELECT name, description FROM _tables").fetchall())
        cols = pd.read_sql("SELECT * FROM _columns", con)
    finally:
        con.close()
    assert "programme register" in tables["programmes"]
    assert "cooperation" in tables["programme_partners"].lower()
    for table in ("programmes", "programme_partners"):
        docs = cols[cols["table_name"] == table].set_index("column_name")["description"]
        assert set(docs.index) == set(db[table].columns)
        generic = docs[docs.str.startswith("answer to question")]
        assert generic.empty, generic
    assert db.manifest["programmes"] == len(db["programmes"])
    assert db.manifest["programme_ids"]["file"].endswith("programme_ids.csv")


def test_register_lists_every_accepted_programme(db, truth):
    reg = db["programmes"]
    assert reg["programme_id"].is_unique
    assert len(reg) == len(db["responses__programme"])
    accepted = set(db["responses"]["ns_iso3"])
    listed = truth[(truth["round"] == 2026) & (truth["lists_programmes"].astype(str) == "True")]
    want = set(zip(listed["ns_iso3"], listed["name"], strict=True))
    got = set(zip(reg["ns_iso3"], reg["name"], strict=True))
    assert got == {(s, n) for s, n in want if s in accepted}
    status = dict(zip(zip(listed["ns_iso3"], listed["name"]), listed["status"], strict=True))
    assert all(status[(s, n)] == st for s, n, st in zip(reg["ns_iso3"], reg["name"], reg["status"]))
    assert set(reg["id_rule"]) <= {"name", "same_as"} and (reg["id_rule"] == "same_as").any()
    partners = db["programme_partners"]
    assert set(partners["programme_id"]) <= set(reg["programme_id"])
    ns = partners[partners["partner_type"] == "ns"]
    assert ns["on_shared_route"].any() and ns["partner_iso3"].notna().all()


def test_society_activities_equal_the_union_of_their_programmes(db, demo_dir):
    resp = db["responses"].set_index("ns_iso3")
    reg = db["programmes"]
    ran = reg[reg["ran_last_12_months"]]
    union: dict[str, set[str]] = {}
    for iso, acts in zip(ran["ns_iso3"], ran["activities"], strict=True):
        union.setdefault(iso, set()).update(acts.split())
    codes = [c.removeprefix("activities__") for c in resp.columns if c.startswith("activities__")]
    for iso, acts in union.items():
        assert {c for c in codes if resp.at[iso, f"activities__{c}"] == 1} == acts, iso
    truth = pd.read_csv(demo_dir / "truth" / "ground_truth.csv").set_index("iso3")
    for iso in resp.index:
        for c in codes:
            if c != "other" and not pd.isna(resp.at[iso, f"activities__{c}"]):
                assert resp.at[iso, f"activities__{c}"] == truth.at[iso, f"activities__{c}"]
    assert resp.loc[resp["has_migration_programme"] == "yes", "activities__rfl"].notna().all()
    assert "activities_from_programmes" not in set(db["validation_issues"]["rule"])


def test_programme_ids_are_stable_across_rounds(db, demo_dir, truth, instrument, frame):
    earlier = next((demo_dir / "rounds" / "2024" / "exports").glob("*.csv"))
    old = read_export(earlier, instrument, frame=frame, unit="ns_iso3", society="ns_iso3", key="k")
    overrides = read_programme_ids(demo_dir / "programme_ids.csv", frame=frame)
    reg0 = programme_register(
        old.repeats["programme"], instrument, frame=frame, overrides=overrides, year=2024
    )
    reg1 = db["programmes"]
    key = truth.set_index(["round", "ns_iso3", "name"])["programme"]
    ids: dict[str, set[str]] = {}
    for year, reg in ((2024, reg0), (2026, reg1)):
        for iso, name, pid in zip(reg["ns_iso3"], reg["name"], reg["programme_id"], strict=True):
            ids.setdefault(key[(year, iso, name)], set()).add(pid)
    assert all(len(v) == 1 for v in ids.values())  # one id per true programme
    flat = [next(iter(v)) for v in ids.values()]
    assert len(flat) == len(set(flat))  # and one true programme per id
    both = set(reg0["programme_id"]) & set(reg1["programme_id"])
    assert len(both) > 100  # continued programmes of Societies answering both rounds
    # a renamed programme of a Society that answered both rounds keeps its earlier id
    renamed = reg1[(reg1["id_rule"] == "same_as") & reg1["ns_iso3"].isin(set(reg0["ns_iso3"]))]
    assert len(renamed) > 0 and set(renamed["programme_id"]) <= set(reg0["programme_id"])


def test_register_text_is_masked_like_every_answer(tmp_path, demo_csv, instrument, frame):
    # A contact role must be a role; a name, phone or email written there anyway is
    # masked at ingestion (respondents' names, phones, emails), before the register.
    recs = list(
        csv.reader(io.StringIO(demo_csv.read_text(encoding="utf-8"), newline=""), delimiter=";")
    )
    head = recs[0]
    role = head.index("programmes/programme[1]/prog_contact_role")
    name = head.index("programmes/programme[1]/prog_name")
    person = head.index("society/respondent/resp_name")
    row = next(r for r in recs[1:] if r[role])
    row[role] = f"Ask {row[person]} on +41 22 730 42 22 or x.y@redcross.example"
    row[name] = f"{row[person]}'s migrant desk"
    path = tmp_path / "planted.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, delimiter=";").writerows(recs)
    r = read_export(path, instrument, frame=frame, unit="ns_iso3", society="ns_iso3", key="k")
    reg = programme_register(r.repeats["programme"], instrument, frame=frame, year=2026)
    text = " ".join(reg.astype("string").fillna("").to_numpy().ravel())
    assert row[person] not in text and "730 42 22" not in text and "@" not in text
    assert "Ask [name] on [phone] or [email]" in set(reg["contact_role"])
