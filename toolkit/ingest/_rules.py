"""Cell-level rules of ingestion: typed parsing, select_multiple options, required
answers under relevance, and constraints.

Problems in single answers do not reject a submission: the answer is set to missing
(item non-response) and an issue is recorded.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

import pandas as pd

from toolkit.ingest import _privacy as privacy
from toolkit.ingest._headers import GEO_TYPES
from toolkit.ingest._issues import ISSUE_COLUMNS, IssueLog, empty_issues
from toolkit.ingest._select import select_multiple_columns
from toolkit.ingest._values import (
    GEO_PARTS,
    label_lookup,
    parse_datetime,
    parse_geopoint,
    parse_numeric,
    parse_select_one,
    parse_time,
)
from toolkit.instrument import NUMERIC_TYPES, Instrument
from toolkit.instrument._xpath import UnsupportedExpression, evaluate

__all__ = ["ISSUE_COLUMNS", "IssueLog", "check_logic", "empty_issues", "typed_answers"]

_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_.\-]*)\}")
_DATE_ARITHMETIC = re.compile(r"(?:\}|\))\s*[+\-]\s*\d|decimal-date")


def typed_answers(
    acc: pd.DataFrame,
    instrument: Instrument,
    fields: dict[str, str],
    options: dict[str, dict[str, str]],
    personal: set[str],
    issues: IssueLog,
    known_names: Sequence[str] = (),
    keys: set[str] | frozenset[str] = frozenset(),
    questions: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, dict[str, pd.Series]]:
    """Parse every question column of the accepted rows; cell problems -> issues.

    Parameters
    ----------
    acc : pandas.DataFrame
        The rows to parse, as strings, indexed by their row number in the file.
    instrument : Instrument
    fields : dict of str to str
        Question -> header of its column.
    options : dict of str to dict
        select_multiple question -> option -> header; geopoint question -> part
        (``latitude`` ...) -> header.
    personal : set of str
        Questions left out (personal data).
    issues : IssueLog
    known_names : sequence of str
        Respondents' names found in the same export, masked in free text.
    keys : set of str
        Identifier questions that are not masked.
    questions : pandas.DataFrame, optional
        The question rows to parse (default: every field of the instrument).

    Returns
    -------
    data : pandas.DataFrame
        Typed answers by question name (select_multiple: the answer column plus one
        ``<question>__<option>`` column per option; geopoint: the point plus
        ``<question>__latitude`` ... columns).
    answers : dict of str to pandas.Series
        The values relevance and constraints are evaluated on.
    """
    cols: dict[str, pd.Series] = {}
    answers: dict[str, pd.Series] = {}
    idx = acc.index
    questions = instrument.fields() if questions is None else questions

    def report(bad: pd.Series, raw: pd.Series, column: str, problem: str, rule: str) -> None:
        issues.block(
            idx[bad.to_numpy(bool)],
            raw[bad.to_numpy(bool)],
            column=column,
            problem=problem,
            action="answer set to missing",
            rule=rule,
        )

    for name, typ, list_name in zip(questions["name"], questions["type"], questions["list_name"]):
        if name in personal:
            continue
        header = fields.get(name)
        raw = acc[header] if header is not None else pd.Series("", index=idx, dtype=object)
        column = header or name
        if typ in ("select_one", "select_multiple") and list_name in instrument.choices:
            table = instrument.choices[list_name]
            names = table["name"].astype(str).tolist()
            lookup = label_lookup(table)
            if typ == "select_one":
                val, bad = parse_select_one(raw, names, lookup)
                report(bad, raw, column, f"not a choice of list '{list_name}'", "invalid_choice")
                cols[name] = val
            else:
                cols.update(
                    select_multiple_columns(
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
            problem = "not a whole number" if typ == "integer" else "not a number"
            report(bad, raw, column, problem, "not_a_number")
            cols[name] = val
            answers[name] = val.astype("float64")
        elif typ in ("date", "datetime", "start", "end", "today"):
            date_only = typ in ("date", "today")
            val, bad = parse_datetime(raw, date_only=date_only)
            report(bad, raw, column, "not a date" if date_only else "not a date-time", "bad_date")
            cols[name] = val
            answers[name] = val
        elif typ == "time":
            val, bad = parse_time(raw)
            report(bad, raw, column, "not a time of day", "bad_date")
            cols[name] = answers[name] = val
        elif typ in GEO_TYPES:
            cols.update(
                _geopoint(name, raw if header else None, options.get(name, {}), acc, report)
            )
            answers[name] = cols[name]
        else:
            val = raw.astype("string").str.strip().replace({"": pd.NA})
            if typ == "text" and name not in keys:
                val = privacy.mask_text(val, names=known_names)
            cols[name] = val
            answers[name] = val
    return pd.DataFrame(cols, index=idx), answers


def _geopoint(
    name: str,
    raw: pd.Series | None,
    part_headers: dict[str, str],
    acc: pd.DataFrame,
    report: Callable[[pd.Series, pd.Series, str, str, str], None],
) -> dict[str, pd.Series]:
    """A geopoint from its own column and/or its part columns (``q-Latitude`` ...)."""
    idx = acc.index
    if raw is not None:
        parts, bad = parse_geopoint(raw)
        problem = "not a geopoint (latitude longitude [altitude accuracy])"
        report(bad, raw, name, problem, "bad_geopoint")
        point = raw.astype("string").str.strip().where(~bad & parts["latitude"].notna())
    else:
        parts = pd.DataFrame({p: pd.Series(pd.NA, index=idx, dtype="Float64") for p in GEO_PARTS})
        point = pd.Series("", index=idx, dtype="string")
        for part in GEO_PARTS:
            if part in part_headers:
                cell = acc[part_headers[part]].astype("string").str.strip().fillna("")
                point = (point + " " + cell).str.strip()
    for part, header in part_headers.items():
        val, bad = parse_numeric(acc[header], integer=False)
        limit = {"latitude": 90, "longitude": 180}.get(part)
        if limit is not None:
            far = (val.notna() & (val.abs() > limit)).fillna(False).astype(bool)
            report(far, acc[header], header, f"{part} beyond ±{limit}", "out_of_range")
            val = val.where(~far)
        report(bad, acc[header], header, "not a number", "not_a_number")
        parts[part] = parts[part].fillna(val) if raw is not None else val
    has = (parts["latitude"].notna() & parts["longitude"].notna()).astype(bool)
    return {
        name: point.where(has).astype("string"),
        **{f"{name}__{p}": parts[p].where(has) for p in GEO_PARTS},
    }


def check_logic(
    data: pd.DataFrame,
    answers: dict[str, pd.Series],
    acc: pd.DataFrame,
    instrument: Instrument,
    fields: dict[str, str],
    personal: set[str],
    issues: IssueLog,
    today: pd.Timestamp | str | None,
    questions: pd.DataFrame | None = None,
    context: Mapping[str, pd.Series] | None = None,
) -> list[str]:
    """Required answers (under relevance) and numeric/date constraints.

    Parameters
    ----------
    data : pandas.DataFrame
        Typed answers (:func:`typed_answers`); answers that fail a constraint are set
        to missing in place.
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

    Returns
    -------
    list of str
        Expressions that could not be evaluated.
    """
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
    ctx = {**dict(context or {}), **answers}
    idx = acc.index

    def relevance(expr: str) -> pd.Series | None:
        if expr not in cache:
            try:
                cache[expr] = evaluate(expr, ctx, index=idx, today=stamp)
            except UnsupportedExpression:
                cache[expr] = None
                unchecked.append(expr)
        return cache[expr]

    questions = instrument.fields() if questions is None else questions
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
            if typ in ("date", "datetime") and _DATE_ARITHMETIC.search(constraint):
                # "${d} - 90": the XPath subset has no date arithmetic (a date is not a
                # number there), so the constraint would fail everywhere; not checked.
                unchecked.append(constraint)
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
