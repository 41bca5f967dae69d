"""Cell-level rules of ingestion: typed parsing, select_multiple options, required
answers under relevance, and constraints.

Problems in single answers do not reject a submission: the answer is set to missing
(item non-response) and an issue is recorded.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, MutableMapping
from typing import Any

import numpy as np
import pandas as pd

from toolkit.ingest._issues import ISSUE_COLUMNS, IssueLog, empty_issues
from toolkit.ingest._stack import Stack
from toolkit.instrument import NUMERIC_TYPES, Instrument
from toolkit.instrument._xpath import UnsupportedExpression, evaluate

__all__ = ["ISSUE_COLUMNS", "IssueLog", "check_logic", "empty_issues"]

_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_.\-]*)\}")
_DATE_ARITHMETIC = re.compile(r"(?:\}|\))\s*[+\-]\s*\d|decimal-date")


def check_logic(
    data: pd.DataFrame | MutableMapping[str, Any],
    answers: dict[str, pd.Series],
    acc: pd.DataFrame,
    instrument: Instrument,
    fields: dict[str, str],
    personal: set[str],
    issues: IssueLog,
    today: pd.Timestamp | str | None,
    questions: pd.DataFrame | None = None,
    context: Mapping[str, pd.Series] | None = None,
    empties: Mapping[str, np.ndarray] | None = None,
) -> list[str]:
    """Required answers (under relevance) and numeric/date constraints.

    Parameters
    ----------
    data : pandas.DataFrame or dict of str to pandas.Series
        Typed answers (the columns of :func:`~toolkit.ingest._typed.typed_columns`,
        or :func:`~toolkit.ingest._typed.columns_frame` of them); answers that fail a constraint
        are set to missing in place (a new column).
    answers : dict of str to pandas.Series
        The values expressions are evaluated on.
    acc : pandas.DataFrame
        The raw rows (to tell answers missing in the export from emptied ones).
    instrument : Instrument
    fields : dict of str to str
        Question -> header.
    personal : set of str
        Questions not checked.
    issues : IssueLog
    today : Timestamp or str, optional
        Value of ``today()``.
    questions : pandas.DataFrame, optional
        The question rows to check (default: every field).
    context : mapping of str to pandas.Series, optional
        Answers of the enclosing submission (and repeat instance) aligned with ``acc``,
        which expressions inside a repeat group may refer to.
    empties : mapping of str to numpy.ndarray, optional
        Header -> where its cell is empty once stripped (from :func:`~toolkit.ingest._typed.typed_columns`);
        worked out here for the headers it lacks.

    Returns
    -------
    list of str
        Expressions that could not be evaluated.
    """
    stamp = pd.Timestamp(today) if today is not None else None
    q = instrument.questions
    containers = q["type"].isin(["begin_group", "begin_repeat"])
    group_rel = dict(zip(q.loc[containers, "name"], q.loc[containers, "relevant"]))
    cache: dict[str, np.ndarray | None] = {}
    unchecked: list[str] = []
    ctx = {**dict(context or {}), **answers}
    idx = acc.index
    memo: dict[Any, Any] = {}  # XPath values worked out once per answer column

    def relevance(expr: str) -> np.ndarray | None:
        if expr not in cache:
            try:
                found = evaluate(expr, ctx, index=idx, today=stamp, memo=memo)
                cache[expr] = found.to_numpy(dtype=bool)
            except UnsupportedExpression:
                cache[expr] = None
                unchecked.append(expr)
        return cache[expr]

    questions = instrument.fields() if questions is None else questions
    rows = [
        row
        for row in zip(
            questions["name"],
            questions["type"],
            questions["group"],
            questions["relevant"],
            questions["required"],
            questions["constraint"],
        )
        if row[0] not in personal and row[0] in fields
    ]
    given = empties or {}
    required = [fields[name] for name, _, _, _, req, _ in rows if req]
    required = [h for h in required if h not in given]
    empty: Stack | None = None
    empty_values = np.zeros(0, dtype=bool)
    scopes: dict[tuple[object, ...], np.ndarray | None] = {}
    batched = _pure_constraints(rows, answers, idx, stamp)
    for name, typ, group, relevant, req, constraint in rows:
        scope = (*(group_rel.get(g, "") for g in str(group).split("/") if g), relevant)
        if scope not in scopes:
            rel: np.ndarray | None = np.ones(len(idx), dtype=bool)
            for e in scope:
                if isinstance(e, str) and e.strip():
                    r = relevance(e)
                    if r is None:
                        rel = None
                        break
                    rel = rel & r
            scopes[scope] = rel
        rel = scopes[scope]
        value = answers[name]  # missing where data[name] is (read before it changes)
        if req and rel is not None:
            # Missing in the export itself: cells emptied by another rule were reported
            # there already.
            header = fields[name]
            if header not in given and empty is None:
                empty = Stack(acc, list(dict.fromkeys(required)))
                empty_values = (
                    empty.values.astype("string").str.strip().fillna("") == ""
                ).to_numpy(bool)
            raw_empty = given[header] if header in given else empty.array(empty_values, header)  # type: ignore[union-attr]
            miss = rel & raw_empty
            if miss.any():  # (an answer is missing where its cell is empty: rarely else)
                miss &= value.isna().to_numpy(bool)
            if miss.any():
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
            if typ in ("date", "datetime") and _DATE_ARITHMETIC.search(constraint):
                # "${d} - 90": the XPath subset has no date arithmetic (a date is not a
                # number there), so the constraint would fail everywhere; not checked.
                unchecked.append(constraint)
                continue
            try:
                if name in batched:
                    ok = batched[name]
                    if ok is None:
                        raise UnsupportedExpression(constraint)
                else:
                    ok = evaluate(
                        constraint, ctx, current=answers[name], index=idx, today=stamp, memo=memo
                    )
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
                data[name] = data[name].where(~fail)  # a new column: answers keep theirs
                ctx[name] = ctx[name].where(~fail)
    return sorted(set(unchecked))


def _pure_constraints(
    rows: list[tuple[Any, ...]],
    answers: dict[str, pd.Series],
    idx: pd.Index,
    stamp: pd.Timestamp | None,
) -> dict[str, pd.Series | None]:
    """Constraints on numbers that refer to no other answer (``. >= 0 and . <= 100``),
    each evaluated once for all the questions that have it, their answers one after the
    other (``None`` where the expression is not supported).  Such a constraint's result
    depends on each answer alone, so this gives the results of one question at a time."""
    same: dict[str, list[str]] = {}
    for name, typ, _, _, _, constraint in rows:
        if (
            typ in NUMERIC_TYPES
            and isinstance(constraint, str)
            and constraint.strip()
            and "${" not in constraint
            and answers[name].dtype == "float64"
            and answers[name].notna().any()
        ):
            same.setdefault(constraint, []).append(name)
    out: dict[str, pd.Series | None] = {}
    n = len(idx)
    for constraint, names in same.items():
        if len(names) < 2:
            continue
        current = pd.Series(np.concatenate([answers[q].to_numpy() for q in names]))
        try:
            ok = evaluate(constraint, {}, current=current, index=current.index, today=stamp)
        except UnsupportedExpression:
            out.update(dict.fromkeys(names))
            continue
        flat = ok.to_numpy(dtype=bool)
        for k, q in enumerate(names):
            out[q] = pd.Series(flat[k * n : (k + 1) * n], index=idx)
    return out


def _constraint_message(name: str, instrument: Instrument) -> str:
    q = instrument.questions
    at = np.flatnonzero((q["name"] == name).to_numpy(dtype=bool))
    if not len(at):
        raise KeyError(f"the instrument has no question named {name!r}")
    for col in [c for c in q.columns if str(c).startswith("constraint_message")]:
        value = q[col].iat[at[0]]
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""
