"""The ingestion step of a study: its exports in, its analytical database out.

:func:`process_study` ingests every export once and writes the analytical database,
with the Society profiles and the weighted, disclosure-controlled estimates of the
study's zones computed once for every zone's report.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from toolkit.errors import ToolkitError
from toolkit.ingest import IngestResult, combine, read_export
from toolkit.run._study import Study
from toolkit.store import repeat_table, write_store

__all__ = ["DEFAULT_LEVEL", "ingest_study", "process_study", "study_estimates"]

#: Confidence level of the estimates written to the analytical database.
DEFAULT_LEVEL = 0.95


def ingest_study(study: Study) -> IngestResult:
    """Ingest every export of a study once, resolving duplicates across files.

    Parameters
    ----------
    study : Study

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
        )
        for p in study.exports
    ]
    return combine(results, unit=study.config["unit"])


def study_estimates(
    study: Study, tables: Mapping[str, pd.DataFrame], *, level: float = DEFAULT_LEVEL
) -> pd.DataFrame:
    """Weighted, disclosure-controlled shares of every mapping indicator by zone.

    Parameters
    ----------
    study : Study
        Supplies the weighting settings and the disclosure minimum.
    tables : mapping of str to DataFrame
        ``societies`` (the frame of the study's zones), ``responses`` and
        ``activities`` of those zones.
    level : float, default 0.95

    Returns
    -------
    pandas.DataFrame
        :func:`toolkit.publish.publishable_shares` of
        :func:`toolkit.mapping.activity_shares`.
    """
    from toolkit.mapping import activity_shares
    from toolkit.publish import publishable_shares

    shares = activity_shares(
        tables["societies"],
        tables["responses"],
        tables["activities"],
        study.instrument(),
        unit=study.config["unit"],
        classes=study.config["weighting"]["classes"],
        method=study.weighting_method,
        level=level,
    )
    return publishable_shares(shares, min_cell=study.config["disclosure"]["min_cell"])


def process_study(study: Study) -> tuple[IngestResult, Path]:
    """Ingest a study and write its analytical database.

    Besides the ingested tables, the database gets the Society ``profiles`` and the
    weighted ``estimates`` of the study's zones, computed once here so that every
    zone's report reads them instead of recomputing.  If the estimates cannot be
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
        tables["estimates"] = study_estimates(study, scope)
        meta["estimates_level"] = DEFAULT_LEVEL
    except ToolkitError as exc:
        meta["estimates_error"] = str(exc)
    return result, write_store(study.processed, tables, metadata=meta)
