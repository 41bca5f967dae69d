"""Combining the results of several export files into one :class:`IngestResult`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from toolkit.ingest._duplicates import superseded_rows
from toolkit.ingest._result import IngestResult

__all__ = ["combine"]


def combine(results: Iterable[IngestResult], *, unit: str = "ns_iso3") -> IngestResult:
    """Combine the results of several export files into one.

    Duplicates across files are resolved as within a file: the latest submission of a
    unit is kept and the others move to quarantine with the reason.

    Parameters
    ----------
    results : iterable of IngestResult
    unit : str, default "ns_iso3"

    Returns
    -------
    IngestResult
    """
    results = list(results)
    if len(results) == 1:
        return results[0]
    data = pd.concat([r.data for r in results], ignore_index=True)
    quarantine = pd.concat([r.quarantine for r in results], ignore_index=True)
    issues = pd.concat([r.issues for r in results], ignore_index=True)
    t = (
        data["_submission_time"]
        if "_submission_time" in data
        else pd.Series(pd.NaT, index=data.index)
    )
    dup, kept = superseded_rows(data[unit], t)
    if dup.any():
        keep_of = data.loc[kept.to_numpy(), ["_file", "_row"]].set_axis(kept.index)
        moved = data[dup]
        why = (
            "duplicate submission for " + moved[unit].astype(str) + " across files; the "
            "latest one ("
            + moved[unit].map(keep_of["_file"]).astype(str)
            + " row "
            + moved[unit].map(keep_of["_row"]).astype(str)
            + ") was kept"
        )
        q = moved.astype("string").assign(reason=why.to_numpy(), rule="duplicate")
        q["_row"] = moved["_row"].to_numpy()
        quarantine = pd.concat([quarantine, q], ignore_index=True)
        extra = pd.DataFrame(
            {
                "file": moved["_file"].to_numpy(),
                "row": moved["_row"].to_numpy(),
                "ns_iso3": moved["ns_iso3"].to_numpy(),
                "column": unit,
                "value": moved[unit].astype(str).to_numpy(),
                "problem": why.to_numpy(),
                "action": "row quarantined",
                "rule": "duplicate",
            }
        )
        issues = pd.concat([issues, extra.astype({"row": "Int64"})], ignore_index=True)
        data = data[~dup].reset_index(drop=True)
    activities = pd.concat([r.activities for r in results], ignore_index=True)
    kept_keys = pd.MultiIndex.from_frame(data[[unit, "_file"]])
    source = pd.MultiIndex.from_frame(activities[[unit, "_file"]])
    activities = activities[source.isin(kept_keys)].reset_index(drop=True)
    files: list[str] = []
    sha256: dict[str, str] = {}
    unchecked: set[str] = set()
    for r in results:
        r_files, r_sha256 = r.summary["files"], r.summary["sha256"]
        r_unchecked = r.summary.get("unchecked_expressions", [])
        assert isinstance(r_files, Iterable), "summary['files'] is a list of paths"
        assert isinstance(r_sha256, Mapping), "summary['sha256'] maps path to digest"
        assert isinstance(r_unchecked, Iterable), "summary['unchecked_expressions'] is a list"
        files.extend(r_files)
        sha256.update(r_sha256)
        unchecked.update(r_unchecked)
    summary: dict[str, object] = {
        "files": files,
        "sha256": sha256,
        "rows_in": sum(r.rows_in for r in results),
        "accepted": len(data),
        "quarantined": len(quarantine),
        "pseudonym_key_stable": all(r.summary.get("pseudonym_key_stable") for r in results),
        "unchecked_expressions": sorted(unchecked),
        "unit": unit,
    }
    return IngestResult(data, activities, issues.reset_index(drop=True), quarantine, summary)
