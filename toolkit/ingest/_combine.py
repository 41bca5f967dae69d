"""Combining the results of several export files into one :class:`IngestResult`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from toolkit.ingest._duplicates import superseded_rows
from toolkit.ingest._result import IngestResult

__all__ = ["combine"]


def combine(results: Iterable[IngestResult], *, unit: str | None = None) -> IngestResult:
    """Combine the results of several export files into one.

    Duplicates across files are resolved as within a file: the latest submission of a
    unit is kept and the others move to quarantine with the reason, together with
    the instances of their repeat groups.

    Parameters
    ----------
    results : iterable of IngestResult
    unit : str, optional
        The key column; by default the one the results were read with
        (``summary["unit"]``).

    Returns
    -------
    IngestResult
    """
    results = list(results)
    if len(results) == 1:
        return results[0]
    unit = unit or str(results[0].summary.get("unit", "ns_iso3"))
    origin = np.repeat(np.arange(len(results)), [len(r.data) for r in results])
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
        moved_keys: dict[int, set[object]] = {
            k: set(moved.loc[origin[dup.to_numpy()] == k, unit]) for k in range(len(results))
        }
        extra = pd.DataFrame(
            {
                "file": moved["_file"].to_numpy(),
                "row": moved["_row"].to_numpy(),
                "ns_iso3": moved["ns_iso3"].to_numpy() if "ns_iso3" in moved else pd.NA,
                "column": unit,
                "value": moved[unit].astype(str).to_numpy(),
                "problem": why.to_numpy(),
                "action": "row quarantined",
                "rule": "duplicate",
            }
        )
        issues = pd.concat([issues, extra.astype({"row": "Int64"})], ignore_index=True)
        data = data[~dup].reset_index(drop=True)
    else:
        moved_keys = {}
    repeats, moved_instances = _combine_repeats(results, unit, moved_keys)
    quarantine = pd.concat([quarantine, *moved_instances], ignore_index=True)
    activities = pd.concat([r.activities for r in results], ignore_index=True)
    if {unit, "_file"} <= set(activities.columns):
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
    rows_in: dict[str, int] = {}
    for r in results:
        for name, n in r.repeat_rows_in.items():
            rows_in[name] = rows_in.get(name, 0) + n
    in_repeat = (
        quarantine["_repeat"].notna()
        if "_repeat" in quarantine
        else pd.Series(False, index=quarantine.index)
    )
    summary: dict[str, object] = {
        "files": files,
        "sha256": sha256,
        "rows_in": sum(r.rows_in for r in results),
        "accepted": len(data),
        "quarantined": int((~in_repeat).sum()),
        "repeat_rows_in": rows_in,
        "repeat_accepted": {name: len(t) for name, t in repeats.items()},
        "pseudonym_key_stable": all(r.summary.get("pseudonym_key_stable") for r in results),
        "unchecked_expressions": sorted(unchecked),
        "unit": unit,
    }
    return IngestResult(
        data, activities, issues.reset_index(drop=True), quarantine, summary, repeats
    )


def _combine_repeats(
    results: list[IngestResult], unit: str, moved: dict[int, set[object]]
) -> tuple[dict[str, pd.DataFrame], list[pd.DataFrame]]:
    """Concatenate each repeat group's tables; instances of moved records to quarantine."""
    tables: dict[str, list[pd.DataFrame]] = {}
    out: list[pd.DataFrame] = []
    for k, r in enumerate(results):
        for name, table in r.repeats.items():
            gone = table[unit].isin(moved.get(k, set())) if unit in table else None
            if gone is not None and gone.any():
                q = table[gone].astype("string")
                q["_row"] = table.loc[gone, "_row"].to_numpy()
                out.append(
                    q.assign(
                        _repeat=name,
                        reason="its submission was quarantined as a duplicate across files",
                        rule="parent_quarantined",
                    )
                )
                table = table[~gone]
            tables.setdefault(name, []).append(table)
    return {n: pd.concat(ts, ignore_index=True) for n, ts in tables.items()}, out
