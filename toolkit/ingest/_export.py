"""Reading one questionnaire export: read, validate, deduplicate, quarantine.

:func:`read_export` reads a KoboToolbox, Ona, ODK Central or ODK Briefcase export
(CSV, XLSX with repeat sheets, Central's ``.csv.zip``, Briefcase's CSV files; any of
their header styles) against the instrument and returns an :class:`IngestResult`:
one record per submission (or per unit of a study), one long table per repeat group,
the issues and the quarantine.  Every input row ends either accepted or quarantined
(with the reason); every problem found is a row of ``.issues`` naming the file, row,
column, value, problem and the action taken.  Problems in single answers (an invalid
choice, a number out of range, an unparseable date) do not reject the whole
submission: the answer is set to missing (item non-response) and the issue is
recorded.  Raw files are only ever read.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd

from toolkit.frame import load_frame
from toolkit.ingest import _privacy as privacy
from toolkit.ingest._activities import activity_table
from toolkit.ingest._duplicates import submission_times
from toolkit.ingest._form import FormShape
from toolkit.ingest._headers import HeaderMap, check_roles, header_style
from toolkit.ingest._issues import IssueLog
from toolkit.ingest._meta import DROPPED_META, PERSONAL_META, rejected_submissions, submission_ids
from toolkit.ingest._repeat_data import RecordContext, missing_repeat_tables, repeat_tables
from toolkit.ingest._repeats import assign_tables, find_instances
from toolkit.ingest._result import IngestResult, IngestWarning
from toolkit.ingest._rows import (
    ID_META,
    RowRules,
    exempt_tokens,
    known_names,
    record_keys,
    respondent_ids,
    society_codes,
)
from toolkit.ingest._rules import check_logic, typed_answers
from toolkit.ingest._sources import file_sha256, open_export
from toolkit.ingest._values import blank_missing
from toolkit.instrument import Instrument, load_instrument

__all__ = ["file_sha256", "read_export"]


def read_export(
    path: str | Path,
    instrument: Instrument | None = None,
    *,
    unit: str | None = None,
    society: str | None = None,
    frame: pd.DataFrame | None = None,
    activity_question: str = "activities",
    key: str | bytes | None = None,
    today: pd.Timestamp | str | None = None,
) -> IngestResult:
    """Read, validate and clean one KoboToolbox / ODK export.

    Parameters
    ----------
    path : str or Path
        The export: CSV (``,`` ``;`` tab or ``|``; UTF-8, UTF-16 or cp1252), XLSX/XLS
        (KoboToolbox: the main sheet, then one sheet per repeat group), an ODK Central
        ``.csv.zip`` (one CSV per repeat group), or the main CSV of an ODK Briefcase
        export (its ``<form>-<repeat>.csv`` files are read from beside it).  Headers
        may be XML names or labels, with group paths joined by ``/``, ``-``, ``.`` or
        ``:``.
    instrument : Instrument, optional
        The form the data were collected with; the bundled questionnaire by default.
    unit : str, optional
        Question or metadata column (``_uuid``, ``_id``, ``KEY`` ...) identifying each
        record; one record per unit is kept (the latest).  By default each submission
        is a record, keyed by its own id (``_uuid``, ``KEY``, ``meta/instanceID``).
    society : str, optional
        Question holding the National Society code, checked against ``frame.iso3``
        and kept as ``ns_iso3``.  Without it no membership check is made.
    frame : pandas.DataFrame, optional
        The membership frame (bundled one by default); used only with ``society``.
    activity_question : str, default "activities"
        select_multiple question listing the activities (for ``.activities``).
    key : str or bytes, optional
        Pseudonymisation key; defaults to ``$NSMAP_PSEUDONYM_KEY``.
    today : Timestamp or str, optional
        Date used for ``today()`` in constraints (defaults to the current date).

    Returns
    -------
    IngestResult
        ``.data`` one row per accepted record; ``.repeats`` one long table per repeat
        group; rows in = accepted + quarantined for both (``.reconciles()``).

    Raises
    ------
    ExportReadError
        If the export cannot be read as a table at all (missing, empty, binary, no
        header row of the instrument, a damaged zip) or has no column for the unit
        key or the Society.
    """
    path = Path(path)
    instrument = instrument or load_instrument()
    shape = FormShape(instrument)
    hmap = HeaderMap(instrument, shape)
    names = {n for r in shape.repeats.values() for n in (r.name, r.short, r.path)}
    source = open_export(path, hmap.score, names)
    main, raw = source.main, source.main.raw
    issues = IssueLog(main.label)
    for note in [*raw.notes, *source.notes]:
        issues.add(**note)
        if note["rule"] == "encoding":
            warnings.warn(f"{path}: {note['problem']}", IngestWarning, stacklevel=2)
    roles = check_roles(hmap.map(list(raw.table.columns)))
    top = roles[roles["index"].map(len) == 0]
    for rec in roles[roles["kind"] == "unknown"].itertuples():
        issues.add(
            row=raw.header_row,
            column=rec.header,
            value=None,
            problem=str(rec.note)
            or "column is not a question of the instrument or export metadata.",
            action="column ignored (check the form version if this is a question)",
            rule="unknown_column",
        )
    types = dict(zip(shape.fields["name"], shape.fields["type"]))
    personal_q = set(privacy.personal_columns(hmap.names, types))
    table, blanked = blank_missing(raw.table, exempt_tokens(roles, instrument))
    fields = _headers_of(top, "field")
    meta = _headers_of(roles, "meta")
    options: dict[str, dict[str, str]] = {}
    for q, opt, header in top.loc[
        top["kind"].isin(["option", "geo"]), ["question", "option", "header"]
    ].itertuples(index=False):
        options.setdefault(q, {})[opt] = header

    # -- keys ------------------------------------------------------------------------
    ids = submission_ids(table, meta)
    unit_col, unit_header, unit_vals = record_keys(
        unit, fields, meta, table, ids, path, raw.header_row
    )
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
    personal_headers = list(
        roles.loc[roles["kind"].ne("meta") & roles["question"].isin(personal_q), "header"]
    )
    personal_headers += [h for m, h in meta.items() if m in PERSONAL_META]
    resp_id = respondent_ids(table, fields, secret)
    names_known = known_names(table, fields)
    safe = raw.table.drop(columns=personal_headers)
    for q, h in fields.items():
        if types.get(q) == "text" and h in safe and q not in (unit, society):
            safe[h] = privacy.mask_text(safe[h], names=names_known).fillna("")

    # -- row-level rules ---------------------------------------------------------------
    rows = RowRules(table, issues)
    ragged_q = rows.ragged(raw)
    soc_vals = pd.Series(pd.NA, index=table.index, dtype="string")
    missing_unit = unit_vals.isna() | (unit_vals == "")
    what = "Society code" if unit == society and society else "record key"
    rows.reject(
        missing_unit,
        f"missing {what} ('{unit_col}')",
        "missing_unit",
        unit_header,
        unit_vals.fillna(""),
    )
    if society is not None:
        soc_vals = society_codes(society, fields, table, instrument, path, raw.header_row)
        known = set((load_frame() if frame is None else frame)["iso3"].astype(str))
        col = fields[society]
        rows.reject(
            soc_vals.isna() | (soc_vals == ""),
            f"missing National Society code ('{society}')",
            "missing_society",
            col,
            soc_vals.fillna(""),
        )
        rows.reject(
            ~soc_vals.isin(known),
            "Society code "
            + soc_vals.fillna("")
            + " is not in the membership frame (a typo, or a Society missing from the frame?)",
            "unknown_society",
            col,
            soc_vals.fillna(""),
        )
        if unit == society:
            unit_vals = soc_vals
    status, rejected = rejected_submissions(table, meta)
    status_col = meta.get("_validation_status", meta.get("_review_state", ""))
    rows.reject(
        rejected,
        "submission marked 'not approved' in KoboToolbox / 'rejected' in ODK Central",
        "not_approved",
        status_col,
        status.fillna(""),
    )
    if "_odk_status" in meta:
        odk = table[meta["_odk_status"]].astype("string").str.strip()
        rows.reject(
            odk.fillna("") != "",
            "ODK Central could not export the answers (Status: "
            + odk.fillna("")
            + "): an encrypted submission not decrypted",
            "no_data",
            meta["_odk_status"],
            odk.fillna(""),
        )
    submitted = submission_times(table, fields, meta)
    rows.superseded(unit_vals, submitted, unit_header)
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
    accepted = rows.accepted

    # -- cell-level rules on accepted rows -------------------------------------------
    acc = table.loc[accepted]
    top_q = shape.questions("")
    keys = {unit_col, society or unit_col}
    data, answers = typed_answers(
        acc, instrument, fields, options, personal_q, issues, names_known, keys, top_q
    )
    unchecked = check_logic(
        data, answers, acc, instrument, fields, personal_q, issues, today, top_q
    )
    out = pd.DataFrame(index=acc.index)
    out[unit_col] = unit_vals[accepted].astype("string")
    if society is not None and unit_col != "ns_iso3":
        out["ns_iso3"] = soc_vals[accepted]
    for canon, header in meta.items():
        if canon in ID_META and "_uuid" not in out:
            out["_uuid"] = ids[accepted]  # one id, whichever columns hold it
        if canon in DROPPED_META or canon in out or canon in ID_META:
            continue
        out[canon] = acc[header].astype("string").replace({"": pd.NA})
    if "_validation_status" in out or "_review_state" in out:
        out["_validation_status"] = status[accepted]
    if "_submission_time" in out:
        out["_submission_time"] = submitted[accepted]
    if "resp_name" in fields or "resp_email" in fields:
        out["resp_id"] = resp_id[accepted]
    drop = {unit_col, society} | ({"ns_iso3"} if society else set())
    out = pd.concat([out, data.drop(columns=[c for c in data.columns if c in drop])], axis=1)
    out["_file"] = main.label
    out["_row"] = acc.index.astype("int64")

    # -- repeat groups -------------------------------------------------------------------
    assigned, unmatched = assign_tables(source.repeats, shape, hmap)
    for t in unmatched:
        issues.add(
            row=None,
            column=None,
            value=t.label,
            rule="unknown_table",
            problem=f"table '{t.hint}' ({len(t.raw.table)} rows) is not a repeat group of this form.",
            action="table ignored (check the form version)",
        )
    missing_repeat_tables(roles, table, shape, assigned, issues)
    tables = {
        t.label: blank_missing(
            t.raw.table, exempt_tokens(hmap.map(list(t.raw.table.columns), r), instrument)
        )[0]
        for r, ts in assigned.items()
        for t in ts
    }
    instances = find_instances(shape, hmap, main, table, roles, rows.reason, ids, assigned, tables)
    record = RecordContext(
        main.label,
        unit_vals.where(accepted),
        soc_vals if society else None,
        dict(answers),
        unit_col,
        issues,
    )
    rep = repeat_tables(instances, shape, instrument, record, personal_q, names_known, keys, today)

    absent = [
        q for q in top_q["name"] if q not in fields and q not in options and q not in personal_q
    ]
    if absent:
        issues.add(
            row=raw.header_row,
            column=None,
            value=", ".join(absent[:40]) + (" ..." if len(absent) > 40 else ""),
            rule="absent_questions",
            problem=f"{len(absent)} question(s) of the instrument have no column in the export.",
            action="treated as not asked (missing)",
        )

    # -- assembly ------------------------------------------------------------------------
    q_cells = safe.loc[~accepted].copy()  # consolidated (safe was edited column by column)
    if "resp_name" in fields or "resp_email" in fields:
        q_cells = q_cells.assign(resp_id=resp_id[~accepted])
    q_rows = pd.concat(
        [
            pd.DataFrame(
                {
                    "_row": q_cells.index.astype("int64"),
                    "reason": rows.reason[~accepted].to_numpy(),
                    "rule": rows.rule[~accepted].to_numpy(),
                }
            ),
            q_cells.reset_index(drop=True),
        ],
        axis=1,
    )
    quarantine = pd.concat([ragged_q, q_rows], ignore_index=True)
    quarantine = quarantine.drop(columns=["_file", "ns_iso3", "_repeat"], errors="ignore")
    row_society = soc_vals.where(soc_vals.notna() & (soc_vals != ""))
    head = pd.DataFrame(
        {
            "_file": pd.Series(main.label, index=quarantine.index, dtype="string"),
            "_row": quarantine["_row"],
            "ns_iso3": quarantine["_row"].map(row_society).astype("string"),
            "_repeat": pd.Series(pd.NA, index=quarantine.index, dtype="string"),
        }
    )
    quarantine = pd.concat([head, quarantine.drop(columns=["_row"])], axis=1)
    quarantine = quarantine.astype({c: "string" for c in quarantine.columns if c != "_row"})
    quarantine = pd.concat([quarantine, *[q for q in rep.quarantine if len(q)]], ignore_index=True)
    quarantine["_row"] = quarantine["_row"].astype("int64")
    out = out.reset_index(drop=True)
    activities = activity_table(out, instrument, unit=unit_col, activity_question=activity_question)
    issues_df = issues.frame()
    issues_df.insert(2, "ns_iso3", issues_df["row"].map(row_society).astype("string"))
    issues_df = pd.concat([issues_df, *rep.issues], ignore_index=True)
    repeat_q = quarantine["_repeat"].value_counts().to_dict()
    summary: dict[str, object] = {
        "files": [str(path)],
        "sha256": {str(path): source.sha256[str(path)]},
        "tables": [main.label, *[t.label for ts in assigned.values() for t in ts]],
        "tool": source.tool,
        "format": source.format,
        "rows_in": len(table) + len(raw.ragged),
        "accepted": len(out),
        "quarantined": int(quarantine["_repeat"].isna().sum()),
        "repeat_rows_in": rep.rows_in,
        "repeat_accepted": {r: len(t) for r, t in rep.tables.items()},
        "repeat_quarantined": {r: int(repeat_q.get(r, 0)) for r in rep.rows_in},
        "missing_tokens": blanked,
        "encoding": raw.encoding,
        "delimiter": raw.delimiter,
        "header_row": raw.header_row,
        "header_style": header_style(roles),
        "columns_mapped": int((roles["kind"] != "unknown").sum()),
        "columns_unknown": int((roles["kind"] == "unknown").sum()),
        "pseudonym_key_stable": stable,
        "unchecked_expressions": sorted(set(unchecked) | set(rep.unchecked)),
        "unit": unit_col,
        "society": society,
    }
    summary["sha256"] = {**source.sha256, **dict(summary["sha256"])}  # type: ignore[call-overload]
    result = IngestResult(out, activities, issues_df, quarantine, summary, rep.tables)
    assert result.reconciles(), "internal error: rows in != accepted + quarantined"
    return result


def _headers_of(roles: pd.DataFrame, kind: str) -> dict[str, str]:
    """Question (or metadata name) -> export header, for the columns of one kind."""
    chosen = roles[roles["kind"] == kind]
    return dict(zip(chosen["question"], chosen["header"]))
