"""Reading an earlier mapping round into today's names and taxonomy.

:func:`load_round` reads one item of ``rounds:`` (see :mod:`toolkit.run._rounds`):
an earlier analytical database, or earlier exports with the form they used, through
the round's crosswalk (:mod:`toolkit.run._round_crosswalk`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from toolkit.errors import InputError, StoreError

if TYPE_CHECKING:
    from toolkit.run._study import Study

__all__ = ["EarlierRound", "load_round", "load_rounds", "society_answers"]

_GATE = "has_migration_programme"


@dataclass(frozen=True)
class EarlierRound:
    """One earlier round, in today's names and taxonomy.

    Attributes
    ----------
    label : str
    year : int
    source : {"database", "exports"}
    responses : pandas.DataFrame
        One row per Society that answered (:func:`society_answers`): ``ns_iso3``,
        ``has_migration_programme`` and ``activities__<code>`` for every code of
        today's form (``Int8``; missing where the Society left it unanswered or the
        code is not comparable).
    programmes : pandas.DataFrame
        Its programme register (empty where its form had no programme list).
    has_programme_list : bool
    comparable : tuple of str
        Today's activity codes the round can be compared on.
    quarantined : int
        Rows of its exports not accepted (0 for a database).
    """

    label: str
    year: int
    source: str
    responses: pd.DataFrame
    programmes: pd.DataFrame
    has_programme_list: bool
    comparable: tuple[str, ...]
    quarantined: int = 0


def society_answers(responses: pd.DataFrame, codes: list[str]) -> pd.DataFrame:
    """One row per Society: ``ns_iso3``, ``has_migration_programme`` and
    ``activities__<code>`` (a Society runs an activity when one of its questionnaires
    says so; it answered ``"yes"`` when one of them did)."""
    cols = [f"activities__{c}" for c in codes]
    data = responses.reindex(columns=["ns_iso3", _GATE, *cols])
    data = data[data["ns_iso3"].notna()]
    flags = data[cols].apply(pd.to_numeric, errors="coerce")
    flags.insert(0, "ns_iso3", data["ns_iso3"].astype(str).str.upper())
    out = flags.groupby("ns_iso3", sort=True).max()
    gate = data[_GATE].astype("string")
    yes = gate.eq("yes").groupby(flags["ns_iso3"]).any()
    said = gate.notna().groupby(flags["ns_iso3"]).any()
    out[_GATE] = pd.Series("no", index=yes.index, dtype="string").where(~yes, "yes").where(said)
    out = out.reset_index()
    for c in cols:
        out[c] = out[c].astype("Float64").astype("Int8")
    return out[["ns_iso3", _GATE, *cols]]


def _programme_repeat(store_tables: Any) -> str | None:
    from toolkit.mapping import PROGRAMME_REPEAT
    from toolkit.store import repeat_table

    name = repeat_table(PROGRAMME_REPEAT)
    return name if name in store_tables else None


def _sqlite_tables(path: Path, label: str) -> dict[str, pd.DataFrame]:
    """The tables of an analytical database's ``study.sqlite`` copied on its own."""
    import sqlite3

    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            names = [
                r[0]
                for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                if not str(r[0]).startswith("_")
            ]
            return {n: pd.read_sql(f'SELECT * FROM "{n}"', con) for n in names}
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise InputError(
            f"round {label}: the file cannot be read as an SQLite database ({exc}).",
            file=path,
            hint="name the study.sqlite an earlier 'nsmap run' wrote, or its folder.",
        ) from exc


def _from_database(study: Study, spec: dict[str, Any], codes: list[str]) -> EarlierRound:
    from toolkit.mapping import programme_register, read_programme_ids
    from toolkit.run._process import programme_ids_path
    from toolkit.run._round_crosswalk import read_round_crosswalk
    from toolkit.store import read_store

    where = Path(spec["database"])
    folder = where.parent if where.is_file() else where
    tables: Any
    if where.is_file() and not (folder / "manifest.json").exists():
        tables = _sqlite_tables(where, spec["label"])  # a study.sqlite on its own
    else:
        try:
            tables = read_store(folder).tables
        except StoreError as exc:
            raise InputError(
                f"round {spec['label']}: {exc.problem}",
                file=where,
                hint="name the folder an earlier 'nsmap run' wrote (with manifest.json and "
                "parquet/), or its study.sqlite.",
            ) from exc
    if "responses" not in tables:
        raise InputError(
            f"round {spec['label']}: the database has no 'responses' table.", file=where
        )
    responses = tables["responses"]
    frame = study.frame()
    if spec["crosswalk"]:
        cw = read_round_crosswalk(
            spec["crosswalk"],
            earlier=None,
            earlier_columns=responses.columns,
            today=study.instrument(),
        )
        data, comparable = cw.apply(responses, codes)
    else:
        from toolkit.run._round_crosswalk import RoundCrosswalk

        data, comparable = RoundCrosswalk().apply(responses, codes, crosswalk_given=False)
    repeat = _programme_repeat(tables)
    if "programmes" in tables:
        programmes = tables["programmes"]
    elif repeat is not None:
        ids = programme_ids_path(study)
        programmes = programme_register(
            tables[repeat],
            study.instrument(),
            frame=frame,
            overrides=read_programme_ids(ids, frame=frame) if ids.is_file() else {},
            year=int(spec["year"]),
        )
    else:
        programmes = pd.DataFrame(columns=["programme_id", "ns_iso3"])
    return EarlierRound(
        spec["label"],
        int(spec["year"]),
        "database",
        society_answers(data, codes),
        programmes.reset_index(drop=True),
        "programmes" in tables or repeat is not None,
        tuple(comparable),
    )


def _from_exports(study: Study, spec: dict[str, Any], codes: list[str]) -> EarlierRound:
    from toolkit.ingest import combine, read_export
    from toolkit.instrument import read_xlsform
    from toolkit.mapping import (
        PROGRAMME_REPEAT,
        activities_from_programmes,
        programme_register,
        read_programme_ids,
    )
    from toolkit.run._process import programme_ids_path
    from toolkit.run._round_crosswalk import RoundCrosswalk, read_round_crosswalk

    today = study.instrument()
    form = read_xlsform(spec["form"]) if spec["form"] else today
    cw = (
        read_round_crosswalk(spec["crosswalk"], earlier=form, today=today)
        if spec["crosswalk"]
        else RoundCrosswalk()
    )
    society = spec["society"] or cw.old_name(str(study.config["society"]))
    frame = study.frame()
    results = [
        read_export(p, form, unit=society, society=society, frame=frame, key=study.pseudonym_key())
        for p in spec["exports"]
    ]
    result = combine(results, unit=society)
    data = result.data
    has_list = PROGRAMME_REPEAT in set(form.repeats()["name"])
    repeat = result.repeats.get(PROGRAMME_REPEAT, pd.DataFrame())
    if has_list and len(repeat):
        data, _ = activities_from_programmes(data, repeat, form, unit=society)
    data, comparable = cw.apply(data, codes, crosswalk_given=bool(spec["crosswalk"]))
    if has_list:
        ids = programme_ids_path(study)
        programmes = programme_register(
            repeat,
            today,
            frame=frame,
            overrides=read_programme_ids(ids, frame=frame) if ids.is_file() else {},
            year=int(spec["year"]),
            unit=society,
        )
    else:
        programmes = pd.DataFrame(columns=["programme_id", "ns_iso3"])
    return EarlierRound(
        spec["label"],
        int(spec["year"]),
        "exports",
        society_answers(data, codes),
        programmes,
        has_list,
        tuple(comparable),
        quarantined=len(result.quarantine),
    )


def load_round(study: Study, spec: dict[str, Any]) -> EarlierRound:
    """Read one earlier round (an item of ``study.config["rounds"]``).

    Raises
    ------
    InputError
        The database cannot be read, the crosswalk is invalid, or an export cannot
        be read (the message names the file).
    """
    from toolkit.mapping import activity_codes

    codes = activity_codes(study.instrument())
    if spec["database"]:
        return _from_database(study, spec, codes)
    return _from_exports(study, spec, codes)


def load_rounds(study: Study) -> list[EarlierRound]:
    """Every earlier round of the study, oldest first."""
    return [load_round(study, spec) for spec in study.config.get("rounds") or []]
