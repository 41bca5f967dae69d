"""Cell-level rules of ingestion: typed parsing, select_multiple options, required
answers under relevance, and constraints.

Problems in single answers do not reject a submission: the answer is set to missing
(item non-response) and an issue is recorded.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from toolkit.ingest import _privacy as privacy
from toolkit.ingest._values import (
    label_lookup,
    parse_datetime,
    parse_numeric,
    parse_option_block,
    parse_select_multiple,
    parse_select_one,
)
from toolkit.instrument import NUMERIC_TYPES, Instrument
from toolkit.instrument._xpath import UnsupportedExpression, evaluate

__all__ = ["ISSUE_COLUMNS", "IssueLog", "check_logic", "empty_issues", "typed_answers"]

#: Columns of the issues table.
ISSUE_COLUMNS = ["file", "row", "column", "value", "problem", "action", "rule"]
_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_.\-]*)\}")


class IssueLog:
    """Collects issue records, as dicts or whole vectorised blocks."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.blocks: list[pd.DataFrame] = []
        self.records: list[dict[str, object]] = []

    def add(
        self, *, row: object, column: object, value: object, problem: str, action: str, rule: str
    ) -> None:
        self.records.append(
            {
                "file": self.file,
                "row": row,
                "column": column,
                "value": value,
                "problem": problem,
                "action": action,
                "rule": rule,
            }
        )

    def block(
        self,
        rows: pd.Index,
        values: pd.Series | Sequence[object],
        *,
        column: str,
        problem: str | pd.Series,
        action: str,
        rule: str,
    ) -> None:
        if len(rows) == 0:
            return
        self.blocks.append(
            pd.DataFrame(
                {
                    "file": self.file,
                    "row": np.asarray(rows, dtype="int64"),
                    "column": column,
                    "value": pd.Series(values, dtype="string").to_numpy(),
                    "problem": problem if isinstance(problem, str) else problem.to_numpy(),
                    "action": action,
                    "rule": rule,
                }
            )
        )

    def frame(self) -> pd.DataFrame:
        parts = [pd.DataFrame(self.records, columns=ISSUE_COLUMNS)] if self.records else []
        parts += self.blocks
        if not parts:
            return empty_issues()
        out = pd.concat(parts, ignore_index=True)
        out["row"] = pd.array(out["row"].to_numpy(), dtype="Int64")
        for col in ("file", "column", "value", "problem", "action", "rule"):
            out[col] = out[col].astype("string")
        return out[ISSUE_COLUMNS]


def empty_issues() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "file": pd.Series(dtype="string"),
            "row": pd.Series(dtype="Int64"),
            **{c: pd.Series(dtype="string") for c in ISSUE_COLUMNS[2:]},
        }
    )


def typed_answers(
    acc: pd.DataFrame,
    instrument: Instrument,
    fields: dict[str, str],
    options: dict[str, dict[str, str]],
    personal: set[str],
    issues: IssueLog,
    known_names: Sequence[str] = (),
    keys: set[str] | frozenset[str] = frozenset(),
) -> tuple[pd.DataFrame, dict[str, pd.Series]]:
    """Parse every question column of the accepted rows; cell problems -> issues.

    Free-text answers are masked for emails, phone numbers and the ``names`` given
    (``known_names``: the respondents' names found in the same export); identifier
    questions listed in ``keys`` are not masked.
    """
    cols: dict[str, pd.Series] = {}
    answers: dict[str, pd.Series] = {}
    idx = acc.index
    questions = instrument.fields()
    for name, typ, list_name in zip(questions["name"], questions["type"], questions["list_name"]):
        if name in personal:
            continue
        header = fields.get(name)
        raw = acc[header] if header is not None else pd.Series("", index=idx, dtype=object)
        if typ in ("select_one", "select_multiple") and list_name in instrument.choices:
            table = instrument.choices[list_name]
            names = table["name"].astype(str).tolist()
            lookup = label_lookup(table)
            if typ == "select_one":
                val, bad = parse_select_one(raw, names, lookup)
                issues.block(
                    idx[bad],
                    raw[bad],
                    column=header or name,
                    problem=f"not a choice of list '{list_name}'",
                    action="answer set to missing",
                    rule="invalid_choice",
                )
                cols[name] = val
                answers[name] = val
            else:
                cols.update(
                    _select_multiple(
                        name,
                        raw if header else None,
                        names,
                        lookup,
                        options.get(name, {}),
                        acc,
                        issues,
                        list_name,
                    )
                )
                answers[name] = cols[name]
        elif typ in NUMERIC_TYPES:
            val, bad = parse_numeric(raw, integer=typ == "integer")
            issues.block(
                idx[bad],
                raw[bad],
                column=header or name,
                problem="not a whole number" if typ == "integer" else "not a number",
                action="answer set to missing",
                rule="not_a_number",
            )
            cols[name] = val
            answers[name] = val.astype("float64")
        elif typ in ("date", "datetime", "start", "end", "today"):
            val, bad = parse_datetime(raw, date_only=typ in ("date", "today"))
            issues.block(
                idx[bad],
                raw[bad],
                column=header or name,
                problem="not a date" if typ in ("date", "today") else "not a date-time",
                action="answer set to missing",
                rule="bad_date",
            )
            cols[name] = val
            answers[name] = val
        else:
            val = raw.astype("string").str.strip().replace({"": pd.NA})
            if typ == "text" and name not in keys:
                val = privacy.mask_text(val, names=known_names)
            cols[name] = val
            answers[name] = val
    return pd.DataFrame(cols, index=idx), answers


def _select_multiple(
    name: str,
    raw: pd.Series | None,
    names: list[str],
    lookup: dict[str, str],
    option_headers: dict[str, str],
    acc: pd.DataFrame,
    issues: IssueLog,
    list_name: str,
) -> dict[str, pd.Series]:
    idx = acc.index
    summary = pd.Series(pd.NA, index=idx, dtype="string")
    answered = pd.Series(False, index=idx)
    if raw is not None:
        summary, bad, unknown = parse_select_multiple(raw, names, lookup)
        issues.block(
            idx[bad],
            unknown[bad],
            column=name,
            problem=f"option(s) not in list '{list_name}'",
            action="unknown option(s) removed from the answer",
            rule="invalid_choice",
        )
        answered = raw.astype("string").str.strip().fillna("") != ""
    padded = " " + summary.fillna("") + " "
    from_summary = np.zeros((len(idx), len(names)), dtype="int8")
    if raw is not None:
        for k, opt in enumerate(names):
            from_summary[:, k] = padded.str.contains(f" {opt} ", regex=False).to_numpy(bool)
    out: dict[str, pd.Series] = {}
    disagree = np.zeros(len(idx), dtype=bool)
    not_answered = ~answered.to_numpy()
    present = [o for o in names if o in option_headers]
    if present:
        headers = [option_headers[o] for o in present]
        block_vals, block_known, block_bad = parse_option_block(acc[headers])
        for j, header in enumerate(headers):
            cell_bad = block_bad[:, j]
            if cell_bad.any():
                issues.block(
                    idx[cell_bad],
                    acc[header][cell_bad],
                    column=header,
                    problem="option column holds neither 0/1 nor empty",
                    action="cell set to missing",
                    rule="invalid_choice",
                )
    for k, opt in enumerate(names):
        values = from_summary[:, k]
        mask = not_answered.copy()
        if opt in option_headers:
            j = present.index(opt)
            col_known, col_vals = block_known[:, j], block_vals[:, j]
            if raw is not None:
                disagree |= col_known & ~mask & (col_vals != values)
            values = np.where(col_known, col_vals, values).astype("int8")
            mask = mask & ~col_known
        out[f"{name}__{opt}"] = pd.Series(pd.arrays.IntegerArray(values, mask), index=idx)
    conflicts = pd.Series(disagree, index=idx, dtype=bool)
    if option_headers:
        # Where the summary is missing or disagrees, rebuild it from the option columns
        # (they are unambiguous).
        redo = conflicts | (summary.isna() & ~pd.Series(not_answered, index=idx))
        if raw is None:
            redo[:] = True
        if redo.any():
            chosen = pd.DataFrame({o: out[f"{name}__{o}"][redo] for o in names})
            any_known = chosen.notna().any(axis=1)
            rebuilt = (
                _join_selected(chosen, names).astype("string").replace({"": pd.NA}).where(any_known)
            )
            summary = summary.copy()
            summary[redo] = rebuilt
    if conflicts.any():
        issues.block(
            idx[conflicts],
            summary[conflicts].fillna(""),
            column=name,
            problem="the answer column and its option columns disagree",
            action="option columns used",
            rule="select_multiple_conflict",
        )
    return {name: summary, **out}


def _join_selected(chosen: pd.DataFrame, names: list[str]) -> pd.Series:
    arr = chosen.fillna(0).to_numpy(dtype=bool)
    text = np.full(len(chosen), "", dtype=object)
    for j, opt in enumerate(names):
        text = np.where(arr[:, j], np.where(text == "", opt, text + " " + opt), text)
    return pd.Series(text, index=chosen.index)


def check_logic(
    data: pd.DataFrame,
    answers: dict[str, pd.Series],
    acc: pd.DataFrame,
    instrument: Instrument,
    fields: dict[str, str],
    personal: set[str],
    issues: IssueLog,
    today: pd.Timestamp | str | None,
) -> list[str]:
    """Required answers (under relevance) and numeric/date constraints."""
    stamp = pd.Timestamp(today) if today is not None else None
    q = instrument.questions
    group_rel = dict(
        zip(
            q.loc[q["type"].isin(["begin_group", "begin_repeat"]), "name"],
            q.loc[q["type"].isin(["begin_group", "begin_repeat"]), "relevant"],
        )
    )
    cache: dict[str, pd.Series | None] = {}
    unchecked: list[str] = []
    ctx = dict(answers.items())
    idx = acc.index

    def relevance(expr: str) -> pd.Series | None:
        if expr not in cache:
            try:
                cache[expr] = evaluate(expr, ctx, index=idx, today=stamp)
            except UnsupportedExpression:
                cache[expr] = None
                unchecked.append(expr)
        return cache[expr]

    questions = instrument.fields()
    for name, typ, group, relevant, required, constraint in zip(
        questions["name"],
        questions["type"],
        questions["group"],
        questions["relevant"],
        questions["required"],
        questions["constraint"],
    ):
        if name in personal or name not in fields:
            continue
        exprs = [group_rel.get(g, "") for g in str(group).split("/") if g]
        exprs.append(relevant)
        rel = pd.Series(True, index=idx)
        known = True
        for e in exprs:
            if isinstance(e, str) and e.strip():
                r = relevance(e)
                if r is None:
                    known = False
                    break
                rel &= r
        value = data[name]
        if required and known:
            # Missing in the export itself: cells emptied by another rule were reported
            # there already.
            raw_empty = acc[fields[name]].astype("string").str.strip().fillna("") == ""
            miss = rel & value.isna() & raw_empty
            issues.block(
                idx[miss],
                pd.Series([""] * int(miss.sum()), dtype="string"),
                column=fields[name],
                problem="required answer is missing",
                action="kept as item non-response",
                rule="missing_required",
            )
        if (
            isinstance(constraint, str)
            and constraint.strip()
            and (typ in NUMERIC_TYPES or typ in ("date", "datetime"))
        ):
            present = value.notna()
            if not present.any():
                continue
            try:
                ok = evaluate(constraint, ctx, current=answers[name], index=idx, today=stamp)
            except UnsupportedExpression:
                unchecked.append(constraint)
                continue
            # A constraint that refers to another answer is only checked where that
            # answer is present (ODK would have blocked the submission otherwise).
            for ref in _REF.findall(constraint):
                if ref in ctx:
                    present &= ctx[ref].notna()
            fail = present & ~ok
            if fail.any():
                msg = _constraint_message(name, instrument) or f"fails constraint {constraint}"
                issues.block(
                    idx[fail],
                    acc.loc[fail, fields[name]],
                    column=fields[name],
                    problem=f"out of range: {msg}",
                    action="answer set to missing",
                    rule="out_of_range",
                )
                data.loc[fail, name] = pd.NA
                ctx[name] = ctx[name].where(~fail)
    return sorted(set(unchecked))


def _constraint_message(name: str, instrument: Instrument) -> str:
    row = instrument.question(name)
    for col in [c for c in row.index if str(c).startswith("constraint_message")]:
        if isinstance(row[col], str) and row[col].strip():
            return row[col].strip()
    return ""
