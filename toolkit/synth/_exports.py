"""KoboToolbox-style export rows of the returned questionnaires, and their defects.

The rows carry XML names with group paths, one 0/1 column per option of a
``select_multiple`` question, Kobo's metadata columns and invented personal fields;
:func:`_inject_defects` then adds the usual defects of a real download and logs them.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from toolkit.instrument import Instrument

_FIRST = [
    "Amina",
    "Carlos",
    "Li",
    "Fatima",
    "Jean",
    "Olga",
    "Ahmed",
    "Maria",
    "Kwame",
    "Sofia",
    "Ravi",
    "Ana",
    "Yusuf",
    "Elena",
    "Tomas",
    "Grace",
    "Omar",
    "Nadia",
]
_LAST = [
    "Diallo",
    "Garcia",
    "Chen",
    "Haddad",
    "Dupont",
    "Ivanova",
    "Mensah",
    "Rossi",
    "Kumar",
    "Silva",
    "Okafor",
    "Novak",
    "Haidari",
    "Santos",
    "Moreau",
    "Tanaka",
]
# activity -> (intercept, effects by migration context / income / zone)


def _fake_person(rng: np.random.Generator, iso3: str) -> tuple[str, str, str, str]:
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    email = f"{first}.{last}@{iso3.lower()}-redcross.example".lower()
    phone = f"+{rng.integers(20, 99)} {rng.integers(100, 999)} {rng.integers(1000, 9999)}"
    return (
        f"{first} {last}",
        email,
        phone,
        str(
            rng.choice(
                [
                    "Migration focal point",
                    "Head of programmes",
                    "Secretary General",
                    "Disaster management coordinator",
                ]
            )
        ),
    )


def _kobo_rows(
    truth: pd.DataFrame,
    inst: Instrument,
    rng: np.random.Generator,
    start: dt.datetime,
    *,
    version: str = "vSYNTH2026",
) -> pd.DataFrame:
    """Kobo-style export rows (XML names, group paths, option columns)."""
    codes = [c for c in inst.choice_names("activity") if c != "other"]
    q = inst.questions.set_index("name")
    rows = []
    for k, cells in enumerate(truth.itertuples(index=False, name=None)):
        r = dict(zip(truth.columns, cells))
        name, email, phone, position = _fake_person(rng, r["iso3"])
        submitted = start + dt.timedelta(
            days=int(rng.integers(0, 60)), minutes=int(rng.integers(0, 1440))
        )
        row: dict[str, object] = {
            "start": (submitted - dt.timedelta(minutes=40)).isoformat() + ".000+00:00",
            "end": submitted.isoformat() + ".000+00:00",
            "today": submitted.date().isoformat(),
            "ns_iso3": r["iso3"],
            "report_date": submitted.date().isoformat(),
            "resp_name": name,
            "resp_position": position,
            "resp_email": email,
            "resp_phone": phone,
            "has_migration_programme": r["has_migration_programme"],
        }
        chosen = [a for a in codes if r[f"activities__{a}"]]
        row["activities"] = " ".join(chosen)
        for a in codes:
            for suffix in ("stage", "groups", "service"):
                row[f"{a}_{suffix}"] = r[f"{a}_{suffix}"]
            reach = r[f"{a}_reached"]
            row[f"{a}_reached"] = "" if pd.isna(reach) else int(reach)
        for col in (
            "people_reached",
            "branches_total",
            "branches_migration",
            "staff_migration",
            "volunteers_migration",
        ):
            v = r[col]
            row[col] = "" if pd.isna(v) else int(v)
        if r["has_migration_programme"] == "no":
            row["people_reached"] = ""
            row["branches_migration"] = ""
        row["coop_any"] = r["coop_any"]
        row["coop_partners"] = r["coop_partners"]
        row["coop_activities"] = r["coop_activities"]
        row["coop_interest"] = r["coop_interest"]
        row["work_languages"] = r["work_languages"]
        row["comments"] = (
            ""
            if rng.random() < 0.7
            else (
                f"Contact {name} ({phone}) for details."
                if rng.random() < 0.5
                else "Activities scaled up after the last influx."
            )
        )
        row["_id"] = 100000 + k
        row["_uuid"] = f"{rng.integers(0, 2**63):016x}-synthetic"
        row["_submission_time"] = submitted.isoformat()
        row["_validation_status"] = ""
        row["_submitted_by"] = f"user_{r['iso3'].lower()}"
        row["__version__"] = version
        rows.append(row)
    df = pd.DataFrame(rows)
    # Headers with group paths and select_multiple option columns, as Kobo writes them.
    ordered: dict[str, pd.Series] = {}
    for name in df.columns:
        if name in q.index:
            group = str(q.at[name, "group"])  # "" outside any group
            header = f"{group}/{name}" if group else name
            ordered[header] = df[name]
            if q.at[name, "type"] == "select_multiple":
                answered = df[name].astype(str) != ""
                padded = " " + df[name].astype(str) + " "
                for opt in inst.choice_names(str(q.at[name, "list_name"])):
                    has = padded.str.contains(f" {opt} ", regex=False).astype(int)
                    ordered[f"{header}/{opt}"] = has.astype(object).where(answered, "")
        else:
            ordered[name] = df[name]
    return pd.DataFrame(ordered)


def _inject_defects(
    export: pd.DataFrame, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Add duplicates and invalid rows; return the export and a log of the defects."""
    export = export.astype(object)
    log = []
    n = len(export)
    soc_col = "society/ns_iso3"
    dup_src = rng.choice(n, size=min(3, n), replace=False)
    extra = []
    for i in dup_src:
        row = export.iloc[i].copy()
        earlier = pd.Timestamp(row["_submission_time"]) - pd.Timedelta(days=10)
        row["_submission_time"] = earlier.isoformat()
        row["_uuid"] = f"{rng.integers(0, 2**63):016x}-synthetic-draft"
        row["_id"] = int(row["_id"]) + 500000
        extra.append(row)
        log.append({"defect": "duplicate (earlier draft)", "iso3": row[soc_col]})
    bad_rows = []
    template = export.iloc[0].copy()
    for code, label in (("XKX", "unknown Society code"), ("", "missing Society code")):
        row = template.copy()
        row[soc_col] = code
        row["_uuid"] = f"{rng.integers(0, 2**63):016x}-synthetic-bad"
        bad_rows.append(row)
        log.append({"defect": label, "iso3": code})
    export = pd.concat([export, pd.DataFrame(extra), pd.DataFrame(bad_rows)], ignore_index=True)
    # Cell-level defects on accepted rows.
    cells = rng.choice(n, size=4, replace=False)
    export.loc[cells[0], "scale/branches_total"] = 250000
    log.append({"defect": "out-of-range branches_total", "iso3": export.at[cells[0], soc_col]})
    export.loc[cells[1], "programmes/has_migration_programme"] = "maybe"
    log.append(
        {"defect": "invalid choice has_migration_programme", "iso3": export.at[cells[1], soc_col]}
    )
    export.loc[cells[2], "society/report_date"] = "31/02/2026"
    log.append({"defect": "unparseable report_date", "iso3": export.at[cells[2], soc_col]})
    export.loc[cells[3], "scale/staff_migration"] = "about ten"
    log.append({"defect": "non-numeric staff_migration", "iso3": export.at[cells[3], soc_col]})
    return export.sample(frac=1, random_state=int(rng.integers(0, 2**31))).reset_index(
        drop=True
    ), pd.DataFrame(log)
