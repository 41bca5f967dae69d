"""Reading one questionnaire export: read, validate, deduplicate, quarantine.

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
from pathlib import Path

import pandas as pd

from toolkit.errors import ExportReadError
from toolkit.frame import load_frame
from toolkit.ingest import _privacy as privacy
from toolkit.ingest._activities import activity_table
from toolkit.ingest._duplicates import submission_times, superseded_rows
from toolkit.ingest._headers import HeaderMap, check_roles, header_style
from toolkit.ingest._raw import read_raw
from toolkit.ingest._result import IngestResult, IngestWarning
from toolkit.ingest._rules import IssueLog, check_logic, typed_answers
from toolkit.ingest._values import label_lookup, parse_select_one
from toolkit.instrument import Instrument, load_instrument

__all__ = ["file_sha256", "read_export"]


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
        issues.add(**note)
        if note["rule"] == "encoding":
            warnings.warn(f"{path}: {note['problem']}", IngestWarning, stacklevel=2)
    roles = hmap.map(list(raw.table.columns))
    check_roles(roles, path, raw.header_row)

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
    fields = _headers_of(roles, "field")
    meta = _headers_of(roles, "meta")
    options: dict[str, dict[str, str]] = {}
    opt_roles = roles[roles["kind"] == "option"]
    for question, option, header in zip(
        opt_roles["question"], opt_roles["option"], opt_roles["header"]
    ):
        options.setdefault(question, {})[option] = header

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

    submitted = submission_times(table, fields, meta)
    open_rows = reason.isna()
    superseded, kept_row = superseded_rows(unit_vals[open_rows], submitted[open_rows])
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
        out[canon] = acc[header].astype("string").replace({"": pd.NA})
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
        "header_style": header_style(roles),
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
def _headers_of(roles: pd.DataFrame, kind: str) -> dict[str, str]:
    """Question (or metadata name) -> export header, for the columns of one kind."""
    chosen = roles[roles["kind"] == kind]
    return dict(zip(chosen["question"], chosen["header"]))


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
            v = table[fields[q]].astype("string").str.strip().replace({"": pd.NA})
            ident = ident.fillna(v)
    return privacy.pseudonymise(ident, key)


def _known_names(table: pd.DataFrame, fields: dict[str, str]) -> list[str]:
    """Respondent names in the export, whole and by part, to mask in free text."""
    if "resp_name" not in fields:
        return []
    full = table[fields["resp_name"]].astype("string").str.strip().dropna()
    parts = {p for name in full for p in str(name).split() if len(p) >= 3}
    return sorted({*full[full != ""], *parts})
