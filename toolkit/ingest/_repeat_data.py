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

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from toolkit.ingest._assemble import QUARANTINE_HEAD, RowBlock
from toolkit.ingest._form import FormShape
from toolkit.ingest._issues import IssueLog
from toolkit.ingest._lists import ChoiceLists
from toolkit.ingest._meta import PERSONAL_META
from toolkit.ingest._repeats import Block, Instances
from toolkit.ingest._rules import check_logic
from toolkit.ingest._stacked import StackedLog, runs_of_blocks
from toolkit.ingest._typed import Columns, column_arrays, columns_frame, typed_columns
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
    lists : ChoiceLists, optional
        The form's choice lists, as the submissions were read with.
    """

    label: str
    keys: pd.Series
    society: pd.Series | None
    answers: dict[str, pd.Series]
    unit: str
    log: IssueLog
    lists: ChoiceLists | None = None


@dataclass
class RepeatOutcome:
    """Long tables, quarantined instances and issues of every repeat group."""

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    quarantine: list[RowBlock] = field(default_factory=list)
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
    lists = record.lists or ChoiceLists(instrument)
    form_q = instrument.questions
    refs = " ".join(v for c in ("relevant", "constraint") for v in form_q[c] if isinstance(v, str))
    needed = set(re.findall(r"\$\{([^}]*)\}", refs))  # answers expressions refer to
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
        parts: list[tuple[Columns, pd.Index]] = []  # typed answers, by instance id
        answers: dict[str, list[pd.Series]] = {}
        for run in runs_of_blocks(inst.blocks):
            block = run[0]
            log = record.log
            if block.label != record.label:
                log = logs.setdefault(block.label, IssueLog(block.label))
                by_row = pd.Series(society.to_numpy(), index=frame["row"].to_numpy())
                row_society[block.label] = by_row[frame["label"].to_numpy() == block.label]
                _unknown_columns(block, name, log)
            oks = [b.iid[accepted.to_numpy()[b.iid.to_numpy()]] for b in run]
            if len(run) == 1:
                ok, acc = oks[0], block.cells.loc[oks[0].index]
            else:  # the instances spread over wide columns, stacked in the table's order
                iids = np.concatenate([o.to_numpy() for o in oks])
                at = frame.loc[iids, ["main_row", "parent", "position"]].to_numpy()
                log = StackedLog(log, run, oks, np.lexsort(at.T[::-1]))
                acc = log.cells()
                ok = pd.Series(iids[log.order], index=acc.index)
            fields, options = _fields(block.roles)
            empties: dict[str, np.ndarray] = {}
            data, ans = typed_columns(
                acc, instrument, fields, options, personal, log, known_names, keys, questions,
                lists, empties,
            )  # fmt: skip
            ctx = _context(acc, ok, frame, record.answers, answers_by.get(spec.parent, {}), needed)
            out.unchecked += check_logic(
                data, ans, acc, instrument, fields, personal, log, today, questions, ctx, empties
            )
            if isinstance(log, StackedLog):
                log.flush()
            iid = pd.Index(ok.to_numpy())
            parts.append((data, iid))
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
        head: dict[str, pd.Series] = {
            record.unit: acc_frame["main_row"].map(record.keys).astype("string")
        }
        if record.society is not None and record.unit != "ns_iso3":
            head["ns_iso3"] = society[accepted]
        head["_key"] = own_key.astype("string")
        if spec.parent:
            head["_parent_key"] = parent_key.astype("string")
        head["_position"] = acc_frame["position"].astype("Int64")
        tail: dict[str, pd.Series] = {
            "_file": acc_frame["label"].astype("string"),
            "_row": acc_frame["row"].astype("int64"),
        }
        order = acc_frame.sort_values(["main_row", "parent", "position"], kind="stable").index
        if len(parts) == 1:
            out.tables[name] = _long_table_of(head, *parts[0], tail, order)
        else:
            by_iid = pd.concat([columns_frame(*p) for p in parts]) if parts else None
            out.tables[name] = _long_table(head, by_iid, tail, order)
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


def _long_table(
    head: dict[str, pd.Series],
    data: pd.DataFrame | None,
    tail: dict[str, pd.Series],
    order: pd.Index,
) -> pd.DataFrame:
    """The long table of a repeat: key columns, answers (``data``, by instance id),
    ``_file`` and ``_row``, one row per accepted instance in ``order``."""
    if data is None:
        data = pd.DataFrame(index=order)
    elif not data.index.equals(order):
        data = data.reindex(order)
    columns = [*head, *data.columns]
    if len(set(columns)) < len(columns) or set(tail) & set(columns):  # a question "_key"?
        table = pd.concat([pd.DataFrame(head), data], axis=1)
        for k, v in tail.items():
            table[k] = v
        return table.loc[order].reset_index(drop=True)
    rows = pd.RangeIndex(len(order))
    parts = [
        pd.DataFrame({k: v.loc[order].array for k, v in head.items()}, index=rows),
        data.set_axis(rows),
        pd.DataFrame({k: v.loc[order].array for k, v in tail.items()}, index=rows),
    ]
    return pd.concat(parts, axis=1)


def _long_table_of(
    head: dict[str, pd.Series],
    columns: Columns,
    iid: pd.Index,
    tail: dict[str, pd.Series],
    order: pd.Index,
) -> pd.DataFrame:
    """:func:`_long_table` of the typed answers of one run of blocks (``iid``: their
    instance ids), made in one go from the answer arrays."""
    arrays = column_arrays(columns)
    names = [*head, *arrays]
    pos = iid.get_indexer(order) if iid.is_unique else None
    if pos is None or (pos < 0).any() or len(set(names)) < len(names) or set(tail) & set(names):
        return _long_table(head, columns_frame(columns, iid), tail, order)
    if not iid.equals(order):
        arrays = {k: v.take(pos) for k, v in arrays.items()}
    whole: dict[str, object] = {k: v.loc[order].array for k, v in head.items()}
    whole.update(arrays)
    whole.update({k: v.loc[order].array for k, v in tail.items()})
    return pd.DataFrame(whole, index=pd.RangeIndex(len(order)), copy=False)


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
    needed: set[str],
) -> dict[str, pd.Series]:
    """Answers of each instance's submission and parent instance, aligned with ``acc``
    (those of the questions in ``needed``, which expressions refer to)."""
    main_rows = frame.loc[iid.to_numpy(), "main_row"].to_numpy()
    ctx = {q: s.reindex(main_rows).set_axis(acc.index) for q, s in top.items() if q in needed}
    parents = frame.loc[iid.to_numpy(), "parent"].to_numpy()
    ctx.update(
        {q: s.reindex(parents).set_axis(acc.index) for q, s in parent.items() if q in needed}
    )
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


def _quarantined(inst: Instances, name: str, society: pd.Series, personal: set[str]) -> RowBlock:
    """Quarantined instances with their cells as written (personal data left out)."""
    frame = inst.frame
    bad = frame["reason"].notna()
    where = pd.Index(frame.index[bad])
    n = len(where)
    out: dict[str, object] = {
        "_file": frame.loc[bad, "label"].to_numpy(dtype=object),
        "_row": frame.loc[bad, "row"].to_numpy(dtype="int64"),
        "_repeat": np.full(n, name, dtype=object),
        "ns_iso3": society[bad].to_numpy(dtype=object),
        "reason": frame.loc[bad, "reason"].to_numpy(dtype=object),
        "rule": frame.loc[bad, "rule"].to_numpy(dtype=object),
    }
    cells: dict[str, np.ndarray] = {}
    is_bad = bad.to_numpy()
    private: dict[tuple[object, ...], np.ndarray] = {}  # by the blocks' roles
    for block in inst.blocks:
        iid = block.iid.to_numpy()
        keep = is_bad[iid]
        if not keep.any():
            continue
        roles = block.roles
        kinds = tuple(zip(roles["kind"], roles["question"]))
        if kinds not in private:
            private[kinds] = np.array(
                [(q in PERSONAL_META) if k == "meta" else (q in personal) for k, q in kinds],
                dtype=bool,
            )
        at = where.get_indexer(iid[keep])
        values = block.objects()[keep]
        for j, (h, hidden) in enumerate(zip(block.cells.columns, private[kinds])):
            if hidden or h in QUARANTINE_HEAD:
                continue
            if h not in cells:
                cells[h] = np.full(n, None, dtype=object)
            cells[h][at] = values[:, j]
    out.update(cells)
    return n, out


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
