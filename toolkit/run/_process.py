"""The ingestion step of a study: its exports in, its analytical database out.

:func:`process_study` ingests every export once and writes the analytical database,
with the programme register, the Society profiles and the weighted,
disclosure-controlled estimates of the study's zones computed once for every zone's
report.  Where a Society lists programmes, :func:`ingest_study` takes its activity
types from them, as the questionnaire does.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from toolkit.errors import ToolkitError
from toolkit.ingest import IngestResult, activity_table, combine, file_sha256, read_export
from toolkit.run._study import Study
from toolkit.store import repeat_table, write_store

__all__ = [
    "DEFAULT_LEVEL",
    "ingest_study",
    "process_study",
    "programme_ids_path",
    "programme_tables",
    "shares_settings",
    "study_estimates",
    "study_shares",
]

#: Confidence level of the estimates written to the analytical database.
DEFAULT_LEVEL = 0.95


def ingest_study(study: Study) -> IngestResult:
    """Ingest every export of a study once, resolving duplicates across files.

    Parameters
    ----------
    study : Study

    Where the questionnaire has the programme repeat, every Society that lists a
    programme that ran in the last 12 months gets the union of those programmes'
    activity types as its activity-type answer
    (:func:`toolkit.mapping.activities_from_programmes`) and ``activities`` is built
    again from them; an own answer that differs is replaced and reported as an issue
    (rule ``activities_from_programmes``).

    Returns
    -------
    IngestResult
    """
    frame = study.frame()
    instrument = study.instrument()
    key = study.pseudonym_key()
    results = [
        read_export(
            p,
            instrument,
            unit=study.config["unit"],
            society=study.config["society"],
            frame=frame,
            key=key,
            crosswalk=study.config["paths"].get("society_names"),
        )
        for p in study.exports
    ]
    return _programme_activities(combine(results, unit=study.config["unit"]), study)


def _programme_activities(result: IngestResult, study: Study) -> IngestResult:
    """The result with the activity types of Societies listing programmes taken from them."""
    from toolkit.mapping import PROGRAMME_REPEAT, activities_from_programmes

    repeat = result.repeats.get(PROGRAMME_REPEAT)
    if repeat is None or repeat.empty:
        return result
    unit = study.config["unit"]
    instrument = study.instrument()
    data, replaced = activities_from_programmes(result.data, repeat, instrument, unit=unit)
    issues = result.issues
    if len(replaced):
        extra = pd.DataFrame(
            {
                "file": replaced["_file"],
                "row": replaced["_row"],
                "ns_iso3": data.set_index(unit).loc[replaced[unit], "ns_iso3"].to_numpy()
                if "ns_iso3" in data
                else pd.NA,
                "column": "activities",
                "value": replaced["answered"],
                "problem": "the questionnaire lists programmes that ran in the last 12 months "
                "and answers the activity types itself too; the programmes' types are "
                + replaced["from_programmes"].astype(str),
                "action": "activity types taken from the programmes",
                "rule": "activities_from_programmes",
            }
        )
        issues = pd.concat([issues, extra.reindex(columns=issues.columns)], ignore_index=True)
    activities = activity_table(data, instrument, unit=unit)
    return dataclasses.replace(result, data=data, activities=activities, issues=issues)


def programme_ids_path(study: Study) -> Path:
    """The study's programme-id override file: ``programme_ids.csv`` beside
    ``study.yaml`` (it need not exist)."""
    from toolkit.mapping import PROGRAMME_IDS_FILE

    return study.root / PROGRAMME_IDS_FILE


def programme_tables(study: Study, result: IngestResult) -> dict[str, pd.DataFrame]:
    """The programme register of an ingested study: ``programmes`` and
    ``programme_partners`` (empty dict when the questionnaire has no programme repeat).

    Raises
    ------
    InputError
        If the study's programme-id override file is invalid.
    """
    from toolkit.mapping import (
        PROGRAMME_REPEAT,
        programme_partners,
        programme_register,
        read_programme_ids,
    )

    if PROGRAMME_REPEAT not in set(study.instrument().repeats()["name"]):
        return {}
    frame = study.frame()
    path = programme_ids_path(study)
    overrides = read_programme_ids(path, frame=frame) if path.is_file() else {}
    repeat = result.repeats.get(PROGRAMME_REPEAT, pd.DataFrame())
    programmes = programme_register(
        repeat,
        study.instrument(),
        frame=frame,
        overrides=overrides,
        year=int(study.config["study"]["year"]),
        unit=study.config["unit"],
    )
    return {
        "programmes": programmes,
        "programme_partners": programme_partners(programmes, frame=frame),
    }


def shares_settings(study: Study, level: float = DEFAULT_LEVEL) -> dict[str, object]:
    """What the study's weighted shares depend on besides the data: the unit, the
    weighting classes and method, and the confidence level (recorded with the shares
    in the analytical database, so that a report uses them only if they still hold)."""
    return {
        "unit": study.config["unit"],
        "classes": list(study.config["weighting"]["classes"]),
        "method": study.weighting_method,
        "level": level,
    }


def study_shares(
    study: Study, tables: Mapping[str, pd.DataFrame], *, level: float = DEFAULT_LEVEL
) -> pd.DataFrame:
    """Weighted shares of every mapping indicator by zone, before disclosure control
    (:func:`toolkit.mapping.activity_shares` with the study's weighting).

    Parameters
    ----------
    study : Study
    tables : mapping of str to DataFrame
        ``societies`` (the frame of the study's zones), ``responses`` and
        ``activities`` of those zones.
    level : float, default 0.95

    Returns
    -------
    pandas.DataFrame
    """
    from toolkit.mapping import activity_shares

    settings = shares_settings(study, level)
    return activity_shares(
        tables["societies"],
        tables["responses"],
        tables["activities"],
        study.instrument(),
        unit=str(settings["unit"]),
        classes=study.config["weighting"]["classes"],
        method=str(settings["method"]),
        level=level,
    )


def study_estimates(
    study: Study, tables: Mapping[str, pd.DataFrame], *, level: float = DEFAULT_LEVEL
) -> pd.DataFrame:
    """Weighted, disclosure-controlled shares of every mapping indicator by zone.

    Parameters
    ----------
    study : Study
        Supplies the weighting settings and the disclosure minimum.
    tables : mapping of str to DataFrame
        As for :func:`study_shares`.
    level : float, default 0.95

    Returns
    -------
    pandas.DataFrame
        :func:`toolkit.publish.publishable_shares` of
        :func:`toolkit.mapping.activity_shares`.
    """
    from toolkit.publish import publishable_shares

    shares = study_shares(study, tables, level=level)
    return publishable_shares(shares, min_cell=study.config["disclosure"]["min_cell"])


def process_study(study: Study) -> tuple[IngestResult, Path]:
    """Ingest a study and write its analytical database.

    Besides the ingested tables, the database gets the programme register
    (``programmes`` and ``programme_partners``, :func:`programme_tables`), the Society
    ``profiles``, the weighted ``shares`` of the study's zones (before disclosure
    control, with the settings they were computed with in the manifest's
    ``shares_settings``) and the publishable ``estimates``, computed once here so
    that every zone's report reads them instead of recomputing.  If the estimates cannot be
    computed (for example a weighting class without any respondent), the database is
    written without them and the reason is recorded in ``manifest.json``; the report
    notebooks then show the error.

    Parameters
    ----------
    study : Study

    Returns
    -------
    result : IngestResult
    path : Path
        Folder of the analytical database.
    """
    from toolkit.mapping import society_profiles
    from toolkit.nonresponse import dispositions  # late import: response builds on ingest

    frame = study.frame()
    result = ingest_study(study)
    unit = study.config["unit"]
    # Dispositions are per Society; in a branch-level study a Society has returned the
    # questionnaire when at least one of its branches has.
    disp = dispositions(frame, result.data.drop_duplicates("ns_iso3"), unit="ns_iso3")
    societies = frame.copy()
    societies["disposition"] = societies["iso3"].map(disp.set_index("iso3")["disposition"])
    societies["responded"] = societies["iso3"].isin(result.data["ns_iso3"])
    tables = {
        "societies": societies,
        "responses": result.data,
        "activities": result.activities,
        "dispositions": disp,
        "validation_issues": result.issues,
        "quarantine": result.quarantine,
        **{repeat_table(name): table for name, table in result.repeats.items()},
        **programme_tables(study, result),
    }
    meta: dict[str, object] = {
        "study": study.name,
        "synthetic": bool(study.config["study"].get("synthetic")),
        "inputs_sha256": result.summary["sha256"],
        "rows_in": result.rows_in,
        "accepted": len(result.data),
        "quarantined": int(result.summary.get("quarantined", len(result.quarantine))),  # type: ignore[call-overload]
        "repeat_rows_in": result.repeat_rows_in,
        "reconciles": result.reconciles(),
    }
    if "programmes" in tables:
        meta["programmes"] = len(tables["programmes"])
        ids = programme_ids_path(study)
        meta["programme_ids"] = (
            {"file": str(ids), "sha256": file_sha256(ids)} if ids.is_file() else None
        )
    codes = set(societies.loc[societies["zone"].astype(str).isin(study.zones), "iso3"].astype(str))
    scope = {
        "societies": societies[societies["iso3"].astype(str).isin(codes)].reset_index(drop=True),
        "responses": result.data[result.data["ns_iso3"].isin(codes)].reset_index(drop=True),
        "activities": result.activities[result.activities["ns_iso3"].isin(codes)].reset_index(
            drop=True
        ),
    }
    try:
        tables["profiles"] = society_profiles(
            scope["societies"],
            scope["responses"],
            scope["activities"],
            study.instrument(),
            quarantine=result.quarantine,
            unit=unit,
        )
        from toolkit.publish import publishable_shares

        tables["shares"] = study_shares(study, scope)  # every zone's report reads them
        min_cell = study.config["disclosure"]["min_cell"]
        tables["estimates"] = publishable_shares(tables["shares"], min_cell=min_cell)
        meta["estimates_level"] = DEFAULT_LEVEL
        meta["shares_settings"] = shares_settings(study)
    except ToolkitError as exc:
        meta["estimates_error"] = str(exc)
    from toolkit.run._rounds import round_tables  # the earlier rounds (study.yaml 'rounds')

    extra, round_meta = round_tables(
        study,
        responses=result.data,
        programmes=tables.get("programmes"),
        societies=scope["societies"],
    )
    tables.update(extra)
    meta.update(round_meta)
    return result, write_store(study.processed, tables, metadata=meta)
