"""Repeat groups: validating every instance and building the long tables.

Each accepted instance is validated like a submission's answers (choices, numbers,
dates, constraints, required answers under relevance), with the answers of its
submission and of its enclosing instance available to relevance and constraint
expressions.  The long table of a repeat group has one row per accepted instance:
the submission's key, ``_key`` (``<submission key>/<repeat>[<position>]``, nested
under the parent's ``_key``), ``_parent_key`` (nested repeats), ``_position`` and the
repeat's questions by name.  Quarantined instances keep their cells as written, with
the reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from toolkit.ingest._form import FormShape
from toolkit.ingest._issues import IssueLog
from toolkit.ingest._meta import PERSONAL_META
from toolkit.ingest._repeats import Block, Instances
from toolkit.ingest._rules import check_logic, typed_answers
from toolkit.instrument import Instrument

__all__ = ["RecordContext", "RepeatOutcome", "missing_repeat_tables", "repeat_tables"]


@dataclass
class RecordContext:
    """What repeat instances need to know about their submissions.

    Attributes
    ----------
    label : str
        The submissions table's file (wide columns report their issues there).
    keys : pandas.Series
        Key of every submission (the unit column), by row of the main table.
    society : pandas.Series or None
        Society code of every submission, when the export is checked against a frame.
    answers : dict of str to pandas.Series
        The submissions' typed answers, by row of the main table (accepted rows).
    unit : str
        Name of the key column.
    log : IssueLog
        The submissions table's issues.
    """

    label: str
    keys: pd.Series
    society: pd.Series | None
    answers: dict[str, pd.Series]
    unit: str
    log: IssueLog


@dataclass
class RepeatOutcome:
    """Long tables, quarantined instances and issues of every repeat group."""

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    quarantine: list[pd.DataFrame] = field(default_factory=list)
    issues: list[pd.DataFrame] = field(default_factory=list)
    rows_in: dict[str, int] = field(default_factory=dict)
    unchecked: list[str] = field(default_factory=list)


def repeat_tables(
    instances: dict[str, Instances],
    shape: FormShape,
    instrument: Instrument,
    record: RecordContext,
    personal: set[str],
    known_names: Sequence[str],
    keys: set[str],
    today: pd.Timestamp | str | None,
) -> RepeatOutcome:
    """Validate every instance of every repeat group and build the long tables.

    Parameters
    ----------
    instances : dict of str to Instances
        From :func:`toolkit.ingest._repeats.find_instances`, parents first.
    shape : FormShape
    instrument : Instrument
    record : RecordContext
    personal : set of str
        Questions holding personal data (left out).
    known_names : sequence of str
        Respondents' names, masked in free text.
    keys : set of str
        Identifier questions not masked.
    today : Timestamp or str, optional

    Returns
    -------
    RepeatOutcome
    """
    out = RepeatOutcome()
    logs: dict[str, IssueLog] = {}
    row_society: dict[str, pd.Series] = {}
    answers_by: dict[str, dict[str, pd.Series]] = {}
    keys_by: dict[str, pd.Series] = {}
    for name, inst in instances.items():
        spec = shape.repeats[name]
        frame = inst.frame
        questions = shape.questions(name)
        accepted = frame["reason"].isna()
        society = (
            frame["main_row"].map(record.society).astype("string")
            if record.society is not None
            else pd.Series(pd.NA, index=frame.index, dtype="string")
        )
        parts: list[pd.DataFrame] = []
        answers: dict[str, list[pd.Series]] = {}
        for block in inst.blocks:
            log = record.log
            if block.label != record.label:
                log = logs.setdefault(block.label, IssueLog(block.label))
                by_row = pd.Series(society.to_numpy(), index=frame["row"].to_numpy())
                row_society[block.label] = by_row[frame["label"].to_numpy() == block.label]
                _unknown_columns(block, name, log)
            ok = block.iid[accepted.to_numpy()[block.iid.to_numpy()]]
            acc = block.cells.loc[ok.index]
            fields, options = _fields(block.roles)
            data, ans = typed_answers(
                acc, instrument, fields, options, personal, log, known_names, keys, questions
            )
            ctx = _context(acc, ok, frame, record.answers, answers_by.get(spec.parent, {}))
            out.unchecked += check_logic(
                data, ans, acc, instrument, fields, personal, log, today, questions, ctx
            )
            iid = pd.Index(ok.to_numpy())
            parts.append(data.set_axis(iid))
            for q, series in ans.items():
                answers.setdefault(q, []).append(series.set_axis(iid))
        answers_by[name] = {q: pd.concat(v) for q, v in answers.items()}
        acc_frame = frame[accepted]
        position = acc_frame["position"].astype(str)
        if spec.parent:
            parent_key = acc_frame["parent"].map(keys_by[spec.parent]).astype("string")
            own_key = parent_key + f"/{name}[" + position + "]"
        else:
            parent_key = pd.Series(pd.NA, index=acc_frame.index, dtype="string")
            own_key = acc_frame["main_row"].map(record.keys).astype("string")
            own_key = own_key + f"/{name}[" + position + "]"
        keys_by[name] = own_key
        table = pd.DataFrame(index=acc_frame.index)
        table[record.unit] = acc_frame["main_row"].map(record.keys).astype("string")
        if record.society is not None and record.unit != "ns_iso3":
            table["ns_iso3"] = society[accepted]
        table["_key"] = own_key.astype("string")
        if spec.parent:
            table["_parent_key"] = parent_key.astype("string")
        table["_position"] = acc_frame["position"].astype("Int64")
        data = pd.concat(parts) if parts else pd.DataFrame(index=acc_frame.index)
        table = pd.concat([table, data.reindex(acc_frame.index)], axis=1)
        table["_file"] = acc_frame["label"].astype("string")
        table["_row"] = acc_frame["row"].astype("int64")
        order = acc_frame.sort_values(["main_row", "parent", "position"], kind="stable").index
        out.tables[name] = table.loc[order].reset_index(drop=True)
        out.rows_in[name] = len(frame)
        out.quarantine.append(_quarantined(inst, name, society, personal))
        for (where, rule), part in frame[~accepted].groupby(["label", "rule"], sort=False):
            label = str(where)
            log = record.log if label == record.label else logs.setdefault(label, IssueLog(label))
            log.block(
                pd.Index(part["row"]),
                pd.Series([_shown(v, spec.short) for v in part["link"]], dtype="string"),
                column=f"(instance of repeat '{name}')",
                problem=part["reason"].astype(str),
                action="instance quarantined",
                rule=str(rule),
            )
    for label, log in logs.items():
        issues = log.frame()
        soc = row_society.get(label, pd.Series(dtype="string"))
        soc = soc[~soc.index.duplicated()]
        issues.insert(2, "ns_iso3", issues["row"].map(soc).astype("string"))
        out.issues.append(issues)
    return out


def _shown(link: object, short: str) -> str:
    """An instance's link as the export writes it (``children[2]``, ``_index 7``, KEY)."""
    if not isinstance(link, str):
        return ""
    kind, _, value = link.partition(":")
    if kind == "w":
        slot = value.split(":", 1)[1].split(".")
        return f"{short}[" + "][".join(slot) + "]"
    return f"_index {value}" if kind == "k" else value


def _fields(roles: pd.DataFrame) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    fields: dict[str, str] = {}
    options: dict[str, dict[str, str]] = {}
    for kind, q, opt, header in zip(
        roles["kind"], roles["question"], roles["option"], roles["header"]
    ):
        if kind == "field":
            fields[q] = header
        elif kind in ("option", "geo"):
            options.setdefault(q, {})[opt] = header
    return fields, options


def _context(
    acc: pd.DataFrame,
    iid: pd.Series,
    frame: pd.DataFrame,
    top: dict[str, pd.Series],
    parent: dict[str, pd.Series],
) -> dict[str, pd.Series]:
    """Answers of each instance's submission and parent instance, aligned with ``acc``."""
    main_rows = frame.loc[iid.to_numpy(), "main_row"].to_numpy()
    ctx = {q: s.reindex(main_rows).set_axis(acc.index) for q, s in top.items()}
    parents = frame.loc[iid.to_numpy(), "parent"].to_numpy()
    ctx.update({q: s.reindex(parents).set_axis(acc.index) for q, s in parent.items()})
    return ctx


def _unknown_columns(block: Block, name: str, log: IssueLog) -> None:
    for header, note in zip(
        block.roles.loc[block.roles["kind"] == "unknown", "header"],
        block.roles.loc[block.roles["kind"] == "unknown", "note"],
    ):
        log.add(
            row=block.header_row,
            column=header,
            value=None,
            problem=note
            or f"column is not a question of repeat group '{name}' or export metadata.",
            action="column ignored (check the form version if this is a question)",
            rule="unknown_column",
        )


def _quarantined(
    inst: Instances, name: str, society: pd.Series, personal: set[str]
) -> pd.DataFrame:
    """Quarantined instances with their cells as written (personal data left out)."""
    frame = inst.frame
    bad = frame["reason"].notna()
    rows: list[pd.DataFrame] = []
    for block in inst.blocks:
        keep = block.iid[bad.to_numpy()[block.iid.to_numpy()]]
        if keep.empty:
            continue
        roles = block.roles
        private = roles["header"][
            ((roles["kind"] != "meta") & roles["question"].isin(personal))
            | ((roles["kind"] == "meta") & roles["question"].isin(PERSONAL_META))
        ]
        cells = block.cells.loc[keep.index].drop(columns=list(private))
        rows.append(cells.set_axis(pd.Index(keep.to_numpy())))
    cells = pd.concat(rows) if rows else pd.DataFrame()
    q = frame.loc[bad, ["label", "row", "reason", "rule"]].rename(
        columns={"label": "_file", "row": "_row"}
    )
    q.insert(2, "_repeat", name)
    q.insert(3, "ns_iso3", society[bad])
    out = pd.concat([q, cells.reindex(q.index)], axis=1).reset_index(drop=True)
    return out.astype({c: "string" for c in out.columns if c != "_row"})


def missing_repeat_tables(
    roles: pd.DataFrame,
    table: pd.DataFrame,
    shape: FormShape,
    assigned: Mapping[str, object],
    issues: IssueLog,
) -> None:
    """Briefcase / Central name their repeat tables in SET-OF-<repeat> columns."""
    for header in roles.loc[(roles["kind"] == "meta") & (roles["question"] == "_set_of"), "header"]:
        short = header.removeprefix("SET-OF-")
        rep = next((r.name for r in shape.repeats.values() if r.short == short), "")
        used = int((table[header].astype("string").str.strip().fillna("") != "").sum())
        if rep and rep not in assigned and used:
            issues.add(
                row=None,
                column=header,
                value=used,
                rule="repeat_table_missing",
                problem=f"{used} submission(s) have repeat group '{rep}', but its table "
                f"(<form>-{rep}.csv) is not in or beside the export.",
                action="instances of the repeat not read: put the file beside the export",
            )
