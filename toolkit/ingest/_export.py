"""Ingestion of questionnaire exports: read, validate, deduplicate, quarantine.

:func:`read_export` reads a KoboToolbox or ODK export (CSV or XLSX, any of their
header styles) against the instrument and the membership frame and returns an
:class:`IngestResult`.  Every input row ends either accepted (in ``.data``) or
quarantined (in ``.quarantine``, with the reason); every problem found is a row of
``.issues`` naming the file, row, column, value, problem and the action taken.
Problems in single answers (an invalid choice, a number out of range, an unparseable
date) do not reject the whole submission: the answer is set to missing (item
non-response) and the issue is recorded.  Raw files are only ever read.
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from toolkit.errors import ExportReadError
from toolkit.frame import load_frame
from toolkit.ingest import _privacy as privacy
from toolkit.ingest._headers import HeaderMap
from toolkit.ingest._raw import read_raw
from toolkit.ingest._rules import ISSUE_COLUMNS, IssueLog, check_logic, typed_answers
from toolkit.ingest._values import label_lookup, parse_datetime, parse_select_one
from toolkit.instrument import Instrument, load_instrument

__all__ = [
    "ISSUE_COLUMNS",
    "IngestResult",
    "IngestWarning",
    "activity_table",
    "combine",
    "file_sha256",
    "read_export",
]

_DETAIL_SUFFIXES = {"stage": "stage", "groups": "group", "service": "service"}


class IngestWarning(UserWarning):
    """Something was read in a degraded way (e.g. a non-UTF-8 file)."""


@dataclass
class IngestResult:
    """The outcome of ingesting one or more export files.

    Attributes
    ----------
    data : pandas.DataFrame
        One row per accepted unit: the unit key, ``ns_iso3``, export metadata
        (``_uuid``, ``_submission_time``, ...), ``resp_id`` (pseudonym of the
        respondent), every question of the instrument by name (personal fields
        removed), select_multiple questions as a space-separated column plus one
        nullable 0/1 column ``<question>__<option>`` per option, ``_file`` and
        ``_row`` (where the row came from).
    activities : pandas.DataFrame
        One row per unit and selected activity with boolean ``stage__*``,
        ``group__*`` and ``service__*`` columns and ``people_reached``.
    issues : pandas.DataFrame
        Every problem found: ``file``, ``row``, ``ns_iso3`` (the Society code on that
        row, where readable), ``column``, ``value``, ``problem``, ``action``, ``rule``.
    quarantine : pandas.DataFrame
        Rejected input rows (personal fields pseudonymised) with ``_file``, ``_row``,
        ``ns_iso3`` (the code as written, normalised), ``reason`` and ``rule``.
    summary : dict
        Counts and facts about the read (rows in, accepted, quarantined, encoding,
        delimiter, header style, SHA-256 of each file, expressions not checked).
    """

    data: pd.DataFrame
    activities: pd.DataFrame
    issues: pd.DataFrame
    quarantine: pd.DataFrame
    summary: dict[str, object] = field(default_factory=dict)

    @property
    def rows_in(self) -> int:
        """Number of data rows read from the input file(s)."""
        return int(self.summary["rows_in"])  # type: ignore[call-overload]

    def reconciles(self) -> bool:
        """Whether rows in = accepted + quarantined."""
        return self.rows_in == len(self.data) + len(self.quarantine)

    def issue_counts(self) -> pd.DataFrame:
        """Number of issues per rule and action."""
        if self.issues.empty:
            return pd.DataFrame(columns=["rule", "action", "count"])
        return (
            self.issues.groupby(["rule", "action"], dropna=False)
            .size()
            .rename("count")
            .reset_index()
            .sort_values("count", ascending=False, ignore_index=True)
        )


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# ------------------------------------------------------------------------------------
def read_export(
    path: str | Path,
    instrument: Instrument | None = None,
    frame: pd.DataFrame | None = None,
    *,
    unit: str = "ns_iso3",
    society: str = "ns_iso3",
    activity_question: str = "activities",
    key: str | bytes | None = None,
    today: pd.Timestamp | str | None = None,
) -> IngestResult:
    """Read, validate and clean one KoboToolbox / ODK export.

    Parameters
    ----------
    path : str or Path
        CSV (``,`` ``;`` or tab separated, sniffed; UTF-8 with or without BOM, with a
        cp1252 fallback) or XLSX export, with XML names or labels as headers, with or
        without group paths (``group/question`` or ODK Briefcase ``group-question``).
    instrument : Instrument, optional
        The form the data were collected with; the bundled questionnaire by default.
    frame : pandas.DataFrame, optional
        The membership frame; the bundled one by default.
    unit : str, default "ns_iso3"
        Question holding the unit key (one row per unit is kept).  For a
        branch-level survey name the branch code question; ``society`` then
        identifies the cluster.
    society : str, default "ns_iso3"
        Question holding the National Society code, checked against ``frame.iso3``.
    activity_question : str, default "activities"
        select_multiple question listing the activities (for ``.activities``).
    key : str or bytes, optional
        Pseudonymisation key; defaults to ``$NSMAP_PSEUDONYM_KEY`` (see
        :func:`toolkit.ingest.resolve_key`).
    today : Timestamp or str, optional
        Date used for ``today()`` in constraints (defaults to the current date).

    Returns
    -------
    IngestResult

    Raises
    ------
    ExportReadError
        If the file cannot be read as a table at all (missing, empty, binary, no
        header row of the instrument) or has no column for the unit key.
    """
    path = Path(path)
    instrument = instrument or load_instrument()
    frame = load_frame() if frame is None else frame
    hmap = HeaderMap(instrument)
    sha = file_sha256(path)
    raw = read_raw(path, hmap.score)
    issues = IssueLog(str(path))
    for note in raw.notes:
        issues.add(**note)  # type: ignore[arg-type]
        if note["rule"] == "encoding":
            warnings.warn(f"{path}: {note['problem']}", IngestWarning, stacklevel=2)
    roles = hmap.map(list(raw.table.columns))
    _check_roles(roles, path, raw.header_row)

    types = dict(zip(instrument.questions["name"], instrument.questions["type"]))
    personal_q = set(privacy.personal_columns(hmap.names, types))
    for rec in roles[roles["kind"] == "unknown"].itertuples():
        issues.add(
            row=raw.header_row,
            column=rec.header,
            value=None,
            problem="column is not a question of the instrument or export metadata.",
            action="column ignored (check the form version if this is a question)",
            rule="unknown_column",
        )
    for q in (unit, society):
        if q not in set(roles["question"][roles["kind"] == "field"]):
            raise ExportReadError(
                f"the export has no column for '{q}', which identifies each "
                f"{'unit' if q == unit else 'National Society'}.",
                file=path,
                row=raw.header_row,
                hint=f"export again with the '{q}' question included, or name the right "
                "unit/society question.",
            )

    table = raw.table
    fields = {r.question: r.header for r in roles[roles["kind"] == "field"].itertuples()}
    meta = {r.question: r.header for r in roles[roles["kind"] == "meta"].itertuples()}
    options: dict[str, dict[str, str]] = {}
    for r in roles[roles["kind"] == "option"].itertuples():
        options.setdefault(r.question, {})[r.option] = r.header

    secret, stable = privacy.resolve_key(key)
    if not stable:
        issues.add(
            row=None,
            column=None,
            value=None,
            rule="pseudonym_key",
            problem="no pseudonymisation key was set (study.yaml 'privacy.key_env' or "
            f"${privacy.KEY_ENV}); pseudonyms are random for this run.",
            action="respondent pseudonyms cannot be linked to other runs",
        )
    personal_headers = [h for q, h in fields.items() if q in personal_q] + [
        h for m, h in meta.items() if m in privacy.PERSONAL_METADATA or m == "_device_id"
    ]
    resp_id = _respondent_ids(table, fields, secret)
    known_names = _known_names(table, fields)
    safe = table.drop(columns=personal_headers)
    for q, h in fields.items():
        if types.get(q) == "text" and h in safe and q not in (unit, society):
            safe[h] = privacy.mask_text(safe[h], names=known_names).fillna("")

    # -- row-level rules ---------------------------------------------------------------
    quarantine_parts: list[pd.DataFrame] = []
    if not raw.ragged.empty:
        rq = pd.DataFrame(
            {
                "_row": raw.ragged["row"].astype("int64"),
                "reason": [
                    f"ragged row: {n} fields where the header has {len(table.columns)}"
                    for n in raw.ragged["fields"]
                ],
                "rule": "ragged_row",
            }
        )
        quarantine_parts.append(rq)
        issues.block(
            pd.Index(raw.ragged["row"]),
            raw.ragged["fields"].astype(str),
            column="(whole row)",
            problem="the row has a different number of fields "
            "from the header (a delimiter or quote inside an answer?)",
            action="row quarantined",
            rule="ragged_row",
        )

    unit_raw = table[fields[unit]].astype("string").str.strip()
    soc_list = _list_for(instrument, society)
    soc_vals = table[fields[society]].astype("string").str.strip()
    if soc_list is not None:
        mapped, _ = parse_select_one(
            soc_vals, instrument.choice_names(soc_list), label_lookup(instrument.choices[soc_list])
        )
        soc_vals = mapped.fillna(soc_vals)
    soc_vals = soc_vals.str.upper()
    unit_vals = soc_vals if unit == society else unit_raw

    reason = pd.Series(pd.NA, index=table.index, dtype="string")
    rule = pd.Series(pd.NA, index=table.index, dtype="string")

    def reject(
        mask: pd.Series,
        why: pd.Series | str,
        code: str,
        column: str,
        values: pd.Series,
        action: str = "row quarantined",
    ) -> None:
        mask = mask & reason.isna()
        if not mask.any():
            return
        text = why if isinstance(why, str) else why[mask]
        reason[mask] = text
        rule[mask] = code
        issues.block(
            table.index[mask],
            values[mask],
            column=column,
            problem=text if isinstance(text, str) else text.astype(str),
            action=action,
            rule=code,
        )

    missing_unit = unit_vals.isna() | (unit_vals == "")
    reject(
        missing_unit,
        f"missing {'Society code' if unit == society else 'unit key'} ('{unit}')",
        "missing_unit",
        fields[unit],
        unit_raw.fillna(""),
    )
    missing_soc = soc_vals.isna() | (soc_vals == "")
    reject(
        missing_soc,
        f"missing National Society code ('{society}')",
        "missing_society",
        fields[society],
        soc_vals.fillna(""),
    )
    known = set(frame["iso3"].astype(str))
    unknown_soc = ~missing_soc & ~soc_vals.isin(known)
    reject(
        unknown_soc,
        "Society code " + soc_vals.fillna("") + " is not in the membership "
        "frame (a typo, or a Society missing from the frame?)",
        "unknown_society",
        fields[society],
        soc_vals.fillna(""),
    )
    if "_validation_status" in meta:
        status = table[meta["_validation_status"]].astype("string").str.strip().str.lower()
        rejected_status = status.isin(
            ["validation_status_not_approved", "not approved", "rejected"]
        )
        reject(
            rejected_status,
            "submission marked 'not approved' in KoboToolbox / 'rejected' in ODK Central",
            "not_approved",
            meta["_validation_status"],
            status.fillna(""),
        )

    submitted = _submission_times(table, fields, meta)
    open_rows = reason.isna()
    superseded, kept_row = _superseded(unit_vals[open_rows], submitted[open_rows])
    if superseded.any():
        units = unit_vals[open_rows][superseded]
        why = (
            "duplicate submission for "
            + units.astype(str)
            + "; the latest one (row "
            + units.map(kept_row).astype(str)
            + ") was kept"
        )
        mask = superseded.reindex(table.index, fill_value=False)
        reject(mask, why.reindex(table.index), "duplicate", fields[unit], unit_vals.fillna(""))
    if submitted.isna().all() and len(table):
        issues.add(
            row=None,
            column="_submission_time",
            value=None,
            rule="no_timestamp",
            problem="the export has no submission times; duplicates are resolved by "
            "file order (the last row wins).",
            action="kept the last of each set of duplicates",
        )

    accepted = reason.isna()
    q_rows = safe.loc[~accepted].copy()
    q_rows.insert(0, "reason", reason[~accepted])
    q_rows.insert(1, "rule", rule[~accepted])
    q_rows.insert(0, "_row", q_rows.index.astype("int64"))
    if "resp_name" in fields or "resp_email" in fields:
        q_rows["resp_id"] = resp_id[~accepted]
    quarantine_parts.append(q_rows.reset_index(drop=True))
    quarantine = pd.concat(quarantine_parts, ignore_index=True)
    quarantine.insert(0, "_file", str(path))
    quarantine = quarantine.astype({c: "string" for c in quarantine.columns if c != "_row"})

    # -- cell-level rules on accepted rows -------------------------------------------
    acc = table.loc[accepted]
    data, answers = typed_answers(
        acc, instrument, fields, options, personal_q, issues, known_names, keys={unit, society}
    )
    unchecked = check_logic(data, answers, acc, instrument, fields, personal_q, issues, today)
    out = pd.DataFrame(index=acc.index)
    if unit != society:
        out[unit] = unit_vals[accepted]
    out["ns_iso3"] = soc_vals[accepted]
    for canon, header in meta.items():
        if canon in privacy.PERSONAL_METADATA or canon == "_device_id":
            continue
        out[canon] = acc[header].astype("string").replace("", pd.NA)
    if "_submission_time" in out:
        out["_submission_time"] = submitted[accepted]
    if "resp_name" in fields or "resp_email" in fields:
        out["resp_id"] = resp_id[accepted]
    drop = {unit, "ns_iso3", society}
    out = pd.concat([out, data.drop(columns=[c for c in data.columns if c in drop])], axis=1)
    out["_file"] = str(path)
    out["_row"] = acc.index.astype("int64")
    out = out.reset_index(drop=True)

    absent = [q for q in hmap.names if q not in fields and q not in personal_q]
    if absent:
        ordered = [q for q in instrument.fields()["name"] if q in absent]
        issues.add(
            row=raw.header_row,
            column=None,
            value=", ".join(ordered[:40]) + (" ..." if len(ordered) > 40 else ""),
            rule="absent_questions",
            problem=f"{len(ordered)} question(s) of the instrument have no column in the export.",
            action="treated as not asked (missing)",
        )

    activities = activity_table(out, instrument, unit=unit, activity_question=activity_question)
    issues_df = issues.frame()
    row_society = soc_vals.where(soc_vals.notna() & (soc_vals != ""))
    issues_df.insert(2, "ns_iso3", issues_df["row"].map(row_society).astype("string"))
    normalised = quarantine["_row"].map(row_society).astype("string")
    quarantine = quarantine.drop(columns=["ns_iso3"], errors="ignore")
    quarantine.insert(2, "ns_iso3", normalised)
    rows_in = len(table) + len(raw.ragged)
    summary: dict[str, object] = {
        "files": [str(path)],
        "sha256": {str(path): sha},
        "rows_in": rows_in,
        "accepted": len(out),
        "quarantined": len(quarantine),
        "encoding": raw.encoding,
        "delimiter": raw.delimiter,
        "header_row": raw.header_row,
        "header_style": _header_style(roles),
        "columns_mapped": int((roles["kind"] != "unknown").sum()),
        "columns_unknown": int((roles["kind"] == "unknown").sum()),
        "pseudonym_key_stable": stable,
        "unchecked_expressions": unchecked,
        "unit": unit,
    }
    result = IngestResult(out, activities, issues_df, quarantine, summary)
    assert result.reconciles(), "internal error: rows in != accepted + quarantined"
    return result


# ------------------------------------------------------------------------------------
def _check_roles(roles: pd.DataFrame, path: Path, header_row: int) -> None:
    fields = roles[roles["kind"] == "field"]
    dup = fields[fields["question"].duplicated(keep=False)]
    if not dup.empty:
        q = dup["question"].iloc[0]
        headers = dup.loc[dup["question"] == q, "header"].tolist()
        raise ExportReadError(
            f"columns {headers} all hold question '{q}'.",
            file=path,
            row=header_row,
            column=headers[1],
            hint="delete the extra column(s); export once, with one header style.",
        )
    opts = roles[roles["kind"] == "option"]
    dup = opts[opts[["question", "option"]].duplicated(keep=False)]
    if not dup.empty:
        raise ExportReadError(
            f"option '{dup['option'].iloc[0]}' of '{dup['question'].iloc[0]}' has two "
            f"columns: {dup['header'].tolist()}.",
            file=path,
            row=header_row,
            column=dup["header"].iloc[1],
            hint="delete the extra column.",
        )


def _header_style(roles: pd.DataFrame) -> str:
    mapped = roles[roles["kind"] == "field"]
    if mapped.empty:
        return "unknown"
    h, q = mapped["header"], mapped["question"]
    shares = {
        "xml names": (h == q).mean(),
        "xml names with group paths": pd.Series([a.endswith("/" + b) for a, b in zip(h, q)]).mean(),
        "odk briefcase paths": pd.Series([a.endswith("-" + b) for a, b in zip(h, q)]).mean(),
    }
    best = max(shares, key=lambda k: shares[k])
    if shares["xml names with group paths"] > 0.2 and best == "xml names":
        best = "xml names with group paths"  # questions outside groups have no path
    return best if shares[best] > 0.5 or (best != "xml names" and shares[best] > 0.2) else "labels"


def _list_for(instrument: Instrument, name: str) -> str | None:
    try:
        q = instrument.question(name)
    except KeyError:
        return None
    lst = q.get("list_name", "")
    return lst if isinstance(lst, str) and lst in instrument.choices else None


def _respondent_ids(table: pd.DataFrame, fields: dict[str, str], key: bytes) -> pd.Series:
    ident = pd.Series(pd.NA, index=table.index, dtype="string")
    for q in ("resp_email", "resp_name", "resp_phone"):
        if q in fields:
            v = table[fields[q]].astype("string").str.strip().replace("", pd.NA)
            ident = ident.fillna(v)
    return privacy.pseudonymise(ident, key)


def _known_names(table: pd.DataFrame, fields: dict[str, str]) -> list[str]:
    """Respondent names in the export, whole and by part, to mask in free text."""
    if "resp_name" not in fields:
        return []
    full = table[fields["resp_name"]].astype("string").str.strip().dropna()
    parts = {p for name in full for p in str(name).split() if len(p) >= 3}
    return sorted({*full[full != ""], *parts})


def _superseded(units: pd.Series, times: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Rows that a later submission of the same unit supersedes.

    The latest submission (by time; rows without a time count as earliest, ties go to
    the later row) is kept.

    Returns
    -------
    superseded : pandas.Series of bool
        Aligned with ``units``.
    kept : pandas.Series
        Unit -> index label of its kept row.
    """
    order = pd.DataFrame(
        {"u": units.to_numpy(), "t": times.to_numpy(), "p": np.arange(len(units))},
        index=units.index,
    )
    order = order.sort_values(["u", "t", "p"], na_position="first")
    later = order.duplicated("u", keep="last")
    kept = order[~later]
    return later.reindex(units.index), pd.Series(kept.index, index=kept["u"].to_numpy())


def _submission_times(
    table: pd.DataFrame, fields: dict[str, str], meta: dict[str, str]
) -> pd.Series:
    for source in (meta.get("_submission_time"), fields.get("end"), fields.get("start")):
        if source is not None:
            t, _ = parse_datetime(table[source], date_only=False)
            if t.notna().any():
                return t
    return pd.Series(pd.NaT, index=table.index, dtype="datetime64[ns]")


# ------------------------------------------------------------------------------------
def activity_table(
    data: pd.DataFrame,
    instrument: Instrument,
    *,
    unit: str = "ns_iso3",
    activity_question: str = "activities",
) -> pd.DataFrame:
    """Long table of selected activities with their stage, target groups and service types.

    Parameters
    ----------
    data : pandas.DataFrame
        ``IngestResult.data``.
    instrument : Instrument
        The form (per-activity questions ``<code>_stage``, ``<code>_groups``,
        ``<code>_service`` and ``<code>_reached`` are used where the form has them).
    unit : str, default "ns_iso3"
        Unit key column.
    activity_question : str, default "activities"
        The select_multiple question of activities.

    Returns
    -------
    pandas.DataFrame
        One row per unit and selected activity: ``unit`` (and ``ns_iso3``),
        ``_file`` (the export it came from), ``activity``, boolean ``stage__<s>``, ``group__<g>``, ``service__<t>`` columns
        (missing where not answered) and ``people_reached``.
    """
    try:
        act_q = instrument.question(activity_question)
    except KeyError:
        return pd.DataFrame(columns=[unit, "activity"])
    codes = list(instrument.choice_names(act_q["list_name"]))
    detail_lists = {}
    for suffix, prefix in _DETAIL_SUFFIXES.items():
        for code in codes:
            try:
                detail_lists[prefix] = instrument.question(f"{code}_{suffix}")["list_name"]
                break
            except KeyError:
                continue
    keys = [unit] if unit == "ns_iso3" else [unit, "ns_iso3"]
    present = [c for c in codes if f"{activity_question}__{c}" in data]
    if not present or data.empty:
        return pd.DataFrame(columns=[*keys, "activity"])
    chosen = (
        data[[f"{activity_question}__{c}" for c in present]]
        .fillna(0)
        .to_numpy(dtype="int8")
        .astype(bool)
    )
    # one row per (unit, selected activity), units in data order, activities in form order
    rows, which = np.nonzero(chosen)
    carry = keys + [c for c in ("_file",) if c in data]
    out = data[carry].iloc[rows].reset_index(drop=True)
    out["activity"] = pd.Categorical.from_codes(which, categories=present)
    for suffix, prefix in _DETAIL_SUFFIXES.items():
        lst = detail_lists.get(prefix)
        if lst is None:
            continue
        for opt in instrument.choice_names(lst):
            col = pd.array(np.full(len(out), pd.NA), dtype="boolean")
            for k, code in enumerate(present):
                src = f"{code}_{suffix}__{opt}"
                if src in data:
                    hit = which == k
                    col[hit] = data[src].astype("boolean").array[rows[hit]]
            out[f"{prefix}__{opt}"] = col
    reached = pd.array(np.full(len(out), pd.NA), dtype="Int64")
    for k, code in enumerate(present):
        src = f"{code}_reached"
        if src in data:
            hit = which == k
            reached[hit] = data[src].astype("Int64").array[rows[hit]]
    out["people_reached"] = reached
    out["activity"] = out["activity"].cat.set_categories(codes)
    return out.sort_values([*keys, "activity"], ignore_index=True)


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
    dup, kept = _superseded(data[unit], t)
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
    kept = pd.MultiIndex.from_frame(data[[unit, "_file"]])
    source = pd.MultiIndex.from_frame(activities[[unit, "_file"]])
    activities = activities[source.isin(kept)].reset_index(drop=True)
    summary: dict[str, object] = {
        "files": [f for r in results for f in r.summary["files"]],  # type: ignore[union-attr]
        "sha256": {k: v for r in results for k, v in r.summary["sha256"].items()},  # type: ignore[union-attr]
        "rows_in": sum(r.rows_in for r in results),
        "accepted": len(data),
        "quarantined": len(quarantine),
        "pseudonym_key_stable": all(r.summary.get("pseudonym_key_stable") for r in results),
        "unchecked_expressions": sorted(
            {e for r in results for e in r.summary.get("unchecked_expressions", [])}
        ),
        "unit": unit,
    }
    return IngestResult(data, activities, issues.reset_index(drop=True), quarantine, summary)
