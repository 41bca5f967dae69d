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

import numpy as np
import pandas as pd

from toolkit.frame import load_frame
from toolkit.ingest import _privacy as privacy
from toolkit.ingest._activities import activity_table
from toolkit.ingest._assemble import RowBlock, data_table, main_quarantine, stack_rows
from toolkit.ingest._duplicates import submission_times
from toolkit.ingest._flattened import unflatten
from toolkit.ingest._form import FormShape
from toolkit.ingest._formcache import form_tools
from toolkit.ingest._gc import paused_gc
from toolkit.ingest._headers import HeaderMap
from toolkit.ingest._issues import IssueLog
from toolkit.ingest._meta import DROPPED_META, PERSONAL_META, rejected_submissions, submission_ids
from toolkit.ingest._plan import header_plan
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
)
from toolkit.ingest._rules import check_logic
from toolkit.ingest._societies import apply_society_rules, match_society_column, society_crosswalk
from toolkit.ingest._sources import file_sha256, open_export
from toolkit.ingest._typed import typed_columns
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
    crosswalk: pd.DataFrame | str | Path | None = None,
    society_go_ids: bool | None = None,
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
        ``:``.  A flattened export (one row per repeat instance, see
        :mod:`toolkit.ingest._flattened`) is read as one submission per id.
    instrument : Instrument, optional
        The form the data were collected with; the bundled questionnaire by default.
    unit : str, optional
        Question or metadata column (``_uuid``, ``_id``, ``KEY`` ...) identifying each
        record; one record per unit is kept (the latest).  By default each submission
        is a record, keyed by its own id (``_uuid``, ``KEY``, ``meta/instanceID``,
        ``_id``), or by its ``_index`` where it has none (reported as an issue; the
        column used is ``summary["unit_column"]``).
    society : str, optional
        Question naming the National Society.  Each value (an ISO3, ISO2 or FDRS code,
        the Society's or the country's name in English, French, Spanish or Arabic, a
        choice of the form's list, an IFRC GO id in a column of GO ids) is identified
        against ``frame`` through the crosswalk (:func:`toolkit.frame.match_societies`);
        the frame key is kept as ``ns_iso3`` (also the record key when ``unit`` is the
        same question, so duplicates are found on the Society whatever the spelling)
        and the rule that identified it as ``society_match``.  A fuzzy match is
        accepted with an issue; a near miss, an ambiguous or unknown value is
        quarantined with an issue saying what to do (see
        :mod:`toolkit.ingest._societies`).  Without it no membership check is made.
    frame : pandas.DataFrame, optional
        The membership frame (bundled one by default); used only with ``society``.
    activity_question : str, default "activities"
        select_multiple question listing the activities (for ``.activities``).
    key : str or bytes, optional
        Pseudonymisation key; defaults to ``$NSMAP_PSEUDONYM_KEY``.
    today : Timestamp or str, optional
        Date used for ``today()`` in constraints (defaults to the current date).
    crosswalk : DataFrame, str or Path, optional
        A study's own crosswalk rows (a CSV file or a table with the columns of
        :data:`toolkit.frame.CROSSWALK_COLUMNS`), added to the bundled crosswalk: the
        spellings of its exports that the bundled one does not know.
    society_go_ids : bool, optional
        ``True`` when the Society column holds IFRC GO country ids, ``False`` when a
        number there is never one; by default numbers are GO ids only in a column of
        numbers (a number among names may be a count or a choice index).

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
    with paused_gc():  # see toolkit.ingest._gc
        return _read_export(
            path,
            instrument,
            unit=unit,
            society=society,
            frame=frame,
            activity_question=activity_question,
            key=key,
            today=today,
            crosswalk=crosswalk,
            society_go_ids=society_go_ids,
        )


def _read_export(
    path: str | Path,
    instrument: Instrument | None = None,
    *,
    unit: str | None = None,
    society: str | None = None,
    frame: pd.DataFrame | None = None,
    activity_question: str = "activities",
    key: str | bytes | None = None,
    today: pd.Timestamp | str | None = None,
    crosswalk: pd.DataFrame | str | Path | None = None,
    society_go_ids: bool | None = None,
) -> IngestResult:
    """:func:`read_export` itself (with the garbage collector as it is)."""
    path = Path(path)
    instrument = instrument or load_instrument()
    tools = form_tools(instrument)  # kept between reads of exports of the same form
    shape, hmap, lists = tools.shape, tools.hmap, tools.lists
    names = {n for r in shape.repeats.values() for n in (r.name, r.short, r.path)}
    source = unflatten(open_export(path, hmap.score, names), hmap, shape)  # one row per instance?
    main, raw = source.main, source.main.raw
    issues = IssueLog(main.label)
    for note in [*raw.notes, *source.notes]:
        issues.add(**note)
        if note["rule"] == "encoding":
            warnings.warn(
                f"{path}: {note['problem']}", IngestWarning, stacklevel=3
            )  # the caller of read_export
    plan = header_plan(list(raw.table.columns), hmap, instrument, lists, tools.plans)
    roles = plan.roles
    for header, why in plan.unknown:
        issues.add(
            row=raw.header_row,
            column=header,
            value=None,
            problem=why or "column is not a question of the instrument or export metadata.",
            action="column ignored (check the form version if this is a question)",
            rule="unknown_column",
        )
    types = dict(zip(shape.fields["name"], shape.fields["type"]))
    personal_why = tools.personal
    personal_why.update(
        {q: "name" for q in privacy.personal_columns(hmap.names, types) if q not in personal_why}
    )
    personal_q = set(personal_why)
    table, blanked = blank_missing(raw.table, plan.exempt) if raw.tokens else (raw.table, 0)
    fields, meta, options = plan.fields, plan.meta, plan.options

    # -- keys ------------------------------------------------------------------------
    ids = submission_ids(table, meta)
    unit_col, unit_header, unit_vals = record_keys(
        unit, fields, meta, table, ids, path, raw.header_row, issues
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
    personal_headers = [h for q, h in plan.answered if q in personal_q]
    personal_headers += [h for m, h in meta.items() if m in PERSONAL_META]
    resp_id = respondent_ids(table, fields, secret)
    names_known = known_names(table, fields)
    text_q = {q for q, t in types.items() if t == "text"} - {unit, society}

    # -- row-level rules ---------------------------------------------------------------
    rows = RowRules(table, issues)
    ragged_q = rows.ragged(raw)
    soc_vals = pd.Series(pd.NA, index=table.index, dtype="string")
    row_society = soc_vals
    missing_unit = unit_vals.isna() | (unit_vals == "")
    what = "Society code" if unit == society and society else "record key"
    rows.reject(
        missing_unit,
        f"missing {what} ('{unit_header}')",
        "missing_unit",
        unit_header,
        unit_vals.fillna(""),
    )
    if society is not None:
        match = match_society_column(
            society,
            fields,
            table,
            instrument,
            load_frame() if frame is None else frame,
            path,
            raw.header_row,
            go_ids=society_go_ids,
            crosswalk=society_crosswalk(crosswalk),
        )
        soc_vals = apply_society_rules(match, rows, issues, society)
        row_society = match.row_key()
        if unit == society:
            unit_vals = soc_vals  # duplicates are found on the Society, however written
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
    empties: dict[str, np.ndarray] = {}
    data, answers = typed_columns(
        acc,
        instrument,
        fields,
        options,
        personal_q,
        issues,
        names_known,
        keys,
        top_q,
        lists,
        empties,
    )
    unchecked = check_logic(
        data, answers, acc, instrument, fields, personal_q, issues, today, top_q, None, empties
    )
    head: dict[str, pd.Series] = {unit_col: unit_vals[accepted].astype("string")}
    if society is not None and unit_col != "ns_iso3":
        head["ns_iso3"] = soc_vals[accepted]
    if society is not None:
        head["society_match"] = match.rule[accepted]
    for canon, header in meta.items():
        if canon in ID_META and "_uuid" not in head:
            head["_uuid"] = ids[accepted]  # one id, whichever columns hold it
        if canon in DROPPED_META or canon in head or canon in ID_META:
            continue
        head[canon] = acc[header].astype("string").replace({"": pd.NA})
    if "_validation_status" in head or "_review_state" in head:
        head["_validation_status"] = status[accepted]
    if "_submission_time" in head:
        head["_submission_time"] = submitted[accepted]
    if "resp_name" in fields or "resp_email" in fields:
        head["resp_id"] = resp_id[accepted]
    drop = {unit_col, society} | ({"ns_iso3", "society_match"} if society else set())
    kept = {c: v for c, v in data.items() if c not in drop}
    out = data_table(head, kept, main.label, acc.index)

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
            t.raw.table, exempt_tokens(hmap.map(list(t.raw.table.columns), r), instrument, lists)
        )[0]
        for r, ts in assigned.items()
        for t in ts
    }
    instances = find_instances(shape, hmap, main, table, roles, rows.reason, ids, assigned, tables)
    record = RecordContext(
        main.label,
        unit_vals.where(accepted),
        row_society if society else None,
        dict(answers),
        unit_col,
        issues,
        lists,
    )
    rep = repeat_tables(instances, shape, instrument, record, personal_q, names_known, keys, today)
    main_text = {h for q, h in plan.field_headers if q in text_q}  # repeats' wide ones too
    rep.quarantine = [
        _mask_cells(q, hmap, main_text, text_q, names_known) for q in rep.quarantine if q[0]
    ]

    _report_personal(personal_why, {q for q, _ in plan.answered}, shape, rep.rows_in, issues)
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
    main_q = main_quarantine(
        raw.table.loc[~accepted].drop(columns=personal_headers),
        ragged_q,
        rows,
        main.label,
        row_society,
        main_text,
        names_known,
        resp_id[~accepted] if "resp_name" in fields or "resp_email" in fields else None,
    )
    quarantine = stack_rows([main_q, *[q for q in rep.quarantine if q[0]]])
    activities = activity_table(
        out, instrument, unit=unit_col, activity_question=activity_question, arrays=kept
    )
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
        "header_style": plan.style,
        "columns_mapped": int((roles["kind"] != "unknown").sum()),
        "columns_unknown": int((roles["kind"] == "unknown").sum()),
        "pseudonym_key_stable": stable,
        "unchecked_expressions": sorted(set(unchecked) | set(rep.unchecked)),
        "unit": unit_col,
        "unit_column": unit_header,  # the export column(s) the keys came from
        "society": society,
        "society_match": (
            {str(k): int(v) for k, v in out["society_match"].value_counts().items()}
            if society is not None
            else {}
        ),
    }
    summary["sha256"] = {**source.sha256, **dict(summary["sha256"])}  # type: ignore[call-overload]
    result = IngestResult(out, activities, issues_df, quarantine, summary, rep.tables)
    assert result.reconciles(), "internal error: rows in != accepted + quarantined"
    return result


def _report_personal(
    why: dict[str, str],
    in_main: set[str],
    shape: FormShape,
    repeat_rows: dict[str, int],
    issues: IssueLog,
) -> None:
    """One issue per question withheld as personal data because of its name or label
    (known personal fields and questions the form marks ``personal`` go silently);
    ``in_main`` are the questions of the submissions' columns."""
    for q, reason in why.items():
        if reason not in ("name", "label"):
            continue
        table = shape.table_of.get(q, "")
        if q not in in_main and not repeat_rows.get(table, 0):
            continue  # not in this export
        said = "name" if reason == "name" else "label"
        issues.add(
            row=None,
            column=q,
            value=None,
            rule="personal_column",
            problem=f"question '{q}'"
            + (f" (repeat group '{table}')" if table else "")
            + f" looks like personal data (its {said} asks for a person's name or contact "
            "details): its answers are left out of the data, the repeat tables and the "
            "quarantine.",
            action="column withheld; if it holds no personal data, mark the question "
            "'personal: no' in a 'personal' column of the form's survey sheet",
        )


def _text_headers(roles: pd.DataFrame, text_q: set[str]) -> set[str]:
    """Headers holding answers to the free-text questions ``text_q``."""
    return set(roles.loc[roles["kind"].eq("field") & roles["question"].isin(text_q), "header"])


def _mask_cells(
    quarantine: RowBlock,
    hmap: HeaderMap,
    main_text: set[str],
    text_q: set[str],
    names: list[str],
) -> RowBlock:
    """Quarantined repeat instances with emails, phone numbers and respondents' names
    masked in their free-text cells, as in quarantined submissions."""
    n, cells = quarantine
    repeat = next((str(v) for v in cells["_repeat"] if isinstance(v, str)), "")  # type: ignore[attr-defined]
    headers = main_text | _text_headers(hmap.map(list(cells), repeat), text_q)
    cols = [h for h in cells if h in headers]
    if not cols:
        return quarantine
    block = np.empty((n, len(cols)), dtype=object)
    for j, h in enumerate(cols):
        block[:, j] = cells[h]
    masked = privacy.mask_block(block, names=names)
    return n, {**cells, **{h: masked[:, j] for j, h in enumerate(cols)}}
