"""Typed answers: every question column of a table parsed to its type.

The columns are parsed kind by kind (the numbers together, the answers of one choice
list together, the free text together, each date column on its own: a date column's
resolution depends on its values), once per distinct value (:class:`~._stack.Stack`),
then taken apart question by question in form order, which is when the cell problems
are reported.  Problems in single answers do not reject a submission: the answer is
set to missing (item non-response) and an issue is recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
from pandas.api.extensions import ExtensionArray

from toolkit.ingest import _privacy as privacy
from toolkit.ingest._headers import GEO_TYPES
from toolkit.ingest._issues import IssueLog
from toolkit.ingest._lists import ChoiceLists
from toolkit.ingest._select import SelectMultiple
from toolkit.ingest._stack import Cells, Stack
from toolkit.ingest._values import (
    GEO_PARTS,
    as_decimals,
    as_integers,
    number_values,
    parse_datetime,
    parse_geopoint,
    parse_numeric,
    parse_select_one,
    parse_time,
)
from toolkit.instrument import NUMERIC_TYPES, Instrument

__all__ = ["Columns", "column_arrays", "columns_frame", "typed_columns"]

Report = Callable[[np.ndarray | pd.Series, pd.Series, str, str, str], None]
_EXACT = 2.0**53  # beyond it a float64 and an Int64 parse of a number may differ
#: Typed answers by column name (see :func:`typed_columns`).
Columns = dict[str, pd.Series | ExtensionArray]
_Numbers = tuple[Stack, tuple[pd.Series, pd.Series], tuple[pd.Series, pd.Series]]


def _kind(typ: str, list_name: object, lists: ChoiceLists) -> str:
    if typ in ("select_one", "select_multiple") and list_name in lists:
        return typ
    if typ in NUMERIC_TYPES:
        return "number"
    if typ in ("date", "datetime", "start", "end", "today"):
        return "date"
    if typ == "time":
        return "time"
    return "geo" if typ in GEO_TYPES else "text"


class _Columns:
    """The question columns of one table, parsed kind by kind on first use."""

    def __init__(
        self,
        acc: pd.DataFrame,
        plan: Sequence[tuple[str, str, str, str | None, str]],
        masked: set[str],
        known_names: Sequence[str],
        lists: ChoiceLists,
    ) -> None:
        self.acc = acc
        self.cells = Cells(acc)
        self.lists = lists
        self.known_names = known_names
        self.groups: dict[tuple[str, str], list[str]] = {}
        for name, _typ, list_name, header, kind in plan:
            if header is None or kind in ("select_multiple", "geo", "date"):
                continue
            if kind == "select_one":
                key = (kind, list_name)
            elif kind == "text":
                key = (kind, "masked" if name in masked else "")
            else:
                key = (kind, "")
            self.groups.setdefault(key, []).append(header)
        self._done: dict[tuple[str, str], tuple[Stack, list[pd.Series]]] = {}
        self._numbers: tuple[_Numbers | None] | None = None

    def _parse(self, key: tuple[str, str]) -> tuple[Stack, list[pd.Series]]:
        if key not in self._done:
            stack = Stack(self.cells, self.groups[key])
            kind, which = key
            if kind == "select_one":
                info = self.lists.get(which)
                out = list(parse_select_one(stack.values, info.names, info.lookup))
            elif kind == "time":
                out = list(parse_time(stack.values))
            else:
                val = stack.values.astype("string").str.strip().replace({"": pd.NA})
                if which == "masked":
                    val = privacy.mask_text(val, names=self.known_names)
                out = [val]
            self._done[key] = (stack, out)
        return self._done[key]

    def get(self, key: tuple[str, str], header: str) -> list[pd.Series]:
        """The results of one column (values, and where the cell is bad)."""
        stack, out = self._parse(key)
        return [stack.series(v, header) for v in out]

    def number(self, header: str, integer: bool) -> tuple[pd.Series, pd.Series]:
        """A number column (see :func:`parse_numeric`)."""
        if self._numbers is None:
            stack = Stack(self.cells, self.groups[("number", "")])
            values, empty = number_values(stack.values)
            f = values.to_numpy(dtype="float64", na_value=np.nan)
            seen = f[~np.isnan(f)]
            exact = not (
                np.isinf(seen).any() or (np.abs(seen) >= _EXACT).any() or np.signbit(seen).any()
            )
            # Beyond 2**53 (or -0, or infinite), a number parsed among floats may come out
            # differently from one parsed among integers: then column by column.
            self._numbers = (
                (stack, as_integers(values, empty), as_decimals(values, empty)) if exact else None,
            )
        if self._numbers[0] is None:
            return parse_numeric(self.acc[header], integer=integer)
        stack, int_parse, dec_parse = self._numbers[0]
        val, bad = int_parse if integer else dec_parse
        return stack.series(val, header), stack.series(bad, header)


def typed_columns(
    acc: pd.DataFrame,
    instrument: Instrument,
    fields: dict[str, str],
    options: dict[str, dict[str, str]],
    personal: set[str],
    issues: IssueLog,
    known_names: Sequence[str] = (),
    keys: set[str] | frozenset[str] = frozenset(),
    questions: pd.DataFrame | None = None,
    lists: ChoiceLists | None = None,
    empties: dict[str, np.ndarray] | None = None,
) -> tuple[Columns, dict[str, pd.Series]]:
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
    lists : ChoiceLists, optional
        The form's choice lists (worked out here when not given).
    empties : dict, optional
        Filled with header -> where its cell is empty once stripped, for the columns
        parsed (geopoints excepted), as :func:`~toolkit.ingest._rules.check_logic`
        needs it.

    Returns
    -------
    columns : dict of str to pandas.Series or ExtensionArray
        Typed answers by question name, aligned with ``acc`` (select_multiple: the
        answer column plus one ``<question>__<option>`` column per option; geopoint:
        the point plus ``<question>__latitude`` ... columns).
    answers : dict of str to pandas.Series
        The values relevance and constraints are evaluated on.
    """
    cols: dict[str, pd.Series | ExtensionArray] = {}
    answers: dict[str, pd.Series] = {}
    empties = {} if empties is None else empties
    idx = acc.index
    questions = instrument.fields() if questions is None else questions
    lists = ChoiceLists(instrument) if lists is None else lists
    plan = [
        (name, typ, list_name, fields.get(name), _kind(typ, list_name, lists))
        for name, typ, list_name in zip(
            questions["name"], questions["type"], questions["list_name"]
        )
        if name not in personal
    ]
    masked = {n for n, typ, _, _, _ in plan if typ == "text" and n not in keys}
    parsed = _Columns(acc, plan, masked, known_names, lists)
    multiple = SelectMultiple(
        parsed.cells,
        [(n, h, lst) for n, _, lst, h, k in plan if k == "select_multiple"],
        options,
        lists,
    )
    absent = pd.Series("", index=idx, dtype=object)

    def report(
        bad: np.ndarray | pd.Series, raw: pd.Series, column: str, problem: str, rule: str
    ) -> None:
        bad = np.asarray(bad, dtype=bool)
        if bad.any():
            issues.block(
                idx[bad],
                raw[bad],
                column=column,
                problem=problem,
                action="answer set to missing",
                rule=rule,
            )

    def checked(
        header: str | None, val: pd.Series, bad: np.ndarray | pd.Series, problem: str, rule: str
    ) -> None:
        """Report the bad cells of a column; note where it is empty (missing, not bad)."""
        bad = np.asarray(bad, dtype=bool)
        report(bad, absent if header is None else acc[header], header or name, problem, rule)
        if header is not None:
            empties[header] = val.isna().to_numpy(dtype=bool) & ~bad

    for name, typ, list_name, header, kind in plan:
        if kind == "select_one":
            val, bad = (
                parsed.get((kind, list_name), header)
                if header is not None
                else parse_select_one(absent, *_names_lookup(lists, list_name))
            )
            checked(header, val, bad, f"not a choice of list '{list_name}'", "invalid_choice")
            cols[name] = val
        elif kind == "select_multiple":
            cols.update(multiple.columns(name, header, list_name, options.get(name, {}), issues))
        elif kind == "number":
            integer = typ == "integer"
            val, bad = (
                parsed.number(header, integer)
                if header is not None
                else parse_numeric(absent, integer=integer)
            )
            problem = "not a whole number" if integer else "not a number"
            checked(header, val, bad, problem, "not_a_number")
            cols[name] = val
            answers[name] = val.astype("float64")
            continue
        elif kind == "date":
            date_only = typ in ("date", "today")
            val, bad = _datetime(parsed.cells if header is not None else absent, header, date_only)
            problem = "not a date" if date_only else "not a date-time"
            checked(header, val, bad, problem, "bad_date")
            cols[name] = val
        elif kind == "time":
            val, bad = parsed.get((kind, ""), header) if header is not None else parse_time(absent)
            checked(header, val, bad, "not a time of day", "bad_date")
            cols[name] = val
        elif kind == "geo":
            raw = acc[header] if header is not None else None
            cols.update(_geopoint(name, raw, options.get(name, {}), acc, report))
        else:
            if header is not None:
                (val,) = parsed.get((kind, "masked" if name in masked else ""), header)
                empties[header] = val.isna().to_numpy(dtype=bool)
            else:
                val = absent.astype("string").str.strip().replace({"": pd.NA})
                if name in masked:
                    val = privacy.mask_text(val, names=known_names)
            cols[name] = val
        answers[name] = cols[name]  # type: ignore[assignment]
    empties.update(multiple.empty)
    return cols, answers


def column_arrays(columns: Mapping[str, pd.Series | ExtensionArray]) -> dict[str, ExtensionArray]:
    """The typed answers' arrays by column name (a Series gives its array, unchanged)."""
    return {k: v.array if isinstance(v, pd.Series) else v for k, v in columns.items()}


def columns_frame(columns: Columns, index: pd.Index) -> pd.DataFrame:
    """Typed answers (:func:`typed_columns`) as one table indexed by ``index``."""
    # the answers share their arrays: never changed in place
    return pd.DataFrame(column_arrays(columns), index=index, copy=False)


def _names_lookup(lists: ChoiceLists, list_name: str) -> tuple[list[str], dict[str, str]]:
    info = lists.get(list_name)
    return info.names, info.lookup


def _datetime(
    cells: Cells | pd.Series, header: str | None, date_only: bool
) -> tuple[pd.Series, pd.Series]:
    """A date column, parsed once per distinct value (its resolution depends on them,
    so each date column is parsed on its own)."""
    if isinstance(cells, pd.Series):
        cells, header = Cells(cells.to_frame("v")), "v"
    stack = Stack(cells, [str(header)])
    val, bad = parse_datetime(stack.values, date_only=date_only)
    return stack.series(val, str(header)), stack.series(bad, str(header))


def _geopoint(
    name: str,
    raw: pd.Series | None,
    part_headers: dict[str, str],
    acc: pd.DataFrame,
    report: Report,
) -> dict[str, pd.Series]:
    """A geopoint from its own column and/or its part columns (``q-Latitude`` ...)."""
    idx = acc.index
    if raw is not None:
        parts, bad = parse_geopoint(raw)
        problem = "not a geopoint (latitude longitude [altitude accuracy])"
        report(bad.to_numpy(bool), raw, name, problem, "bad_geopoint")
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
            report(
                far.to_numpy(bool), acc[header], header, f"{part} beyond ±{limit}", "out_of_range"
            )
            val = val.where(~far)
        report(bad.to_numpy(bool), acc[header], header, "not a number", "not_a_number")
        parts[part] = parts[part].fillna(val) if raw is not None else val
    has = (parts["latitude"].notna() & parts["longitude"].notna()).astype(bool)
    return {
        name: point.where(has).astype("string"),
        **{f"{name}__{p}": parts[p].where(has) for p in GEO_PARTS},
    }
