"""How sensitive each questionnaire item is: published per Society, or only in aggregate.

Every question of the instrument and every choice of its choice lists is an *item*.
Its sensitivity comes from the XLSForm's ``disclosure`` column (on the ``survey`` and
on the ``choices`` sheet; pyxform ignores it) and can be overridden per study
(``publication.items`` in ``study.yaml``):

``public``
    the answer may be published per Society (the register of who does what);
``aggregate``
    the answer is published only as a share, count or statistic of a group of
    Societies, and a group smaller than ``disclosure.min_cell`` is suppressed.

An empty cell means ``public``.  A question whose relevance (its own or its groups')
reads an aggregate item is aggregate too: whether it applies to a Society tells that
Society's answer.  An override of a group applies to the questions in it.  Item names are the question names (``comments``,
``detention_reached``) and, for choices, ``<list name>__<choice name>``
(``activity__advocacy``, ``target_group__irregular``).  A table column or indicator
derived from several items (``act__detention`` from the ``activities`` question and
the ``activity__detention`` choice) is aggregate when any of them is:
:meth:`Sensitivity.items_of` lists them.  Everything derived from interviews is
aggregate by construction (:data:`INTERVIEWS`).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import pandas as pd

from toolkit.errors import InputError
from toolkit.instrument import Instrument
from toolkit.mapping import DIMENSIONS

__all__ = [
    "AGGREGATE",
    "INTERVIEWS",
    "PUBLIC",
    "SENSITIVITY_LEVELS",
    "Sensitivity",
    "item_sensitivity",
]

PUBLIC = "public"
AGGREGATE = "aggregate"
#: Allowed values of the ``disclosure`` column and of ``publication.items``.
SENSITIVITY_LEVELS: tuple[str, ...] = (PUBLIC, AGGREGATE)
#: Pseudo-item of everything derived from the interviews (always aggregate).
INTERVIEWS = "interviews"

_SKIP_TYPES = frozenset({"end_group", "end_repeat"})
_REF = re.compile(r"\$\{(\w+)\}")
_CHOICE = re.compile(
    r"selected\(\s*\$\{(\w+)\}\s*,\s*['\"]([^'\"]+)['\"]\s*\)|\$\{(\w+)\}\s*!?=\s*['\"]([^'\"]+)['\"]"
)


def _level(value: Any, *, item: str, where: str) -> str:
    missing = value is None or (not isinstance(value, str) and bool(pd.isna(value)))
    text = "" if missing else str(value).strip().lower()
    if text == "":
        return PUBLIC
    if text not in SENSITIVITY_LEVELS:
        raise InputError(
            f"the disclosure of item '{item}' is {value!r}.",
            column=where,
            value=value,
            hint=f"use one of {', '.join(SENSITIVITY_LEVELS)} (empty means {PUBLIC}).",
        )
    return text


@dataclass(frozen=True)
class Sensitivity:
    """Item -> ``public`` / ``aggregate``, with the instrument's select questions.

    Attributes
    ----------
    levels : mapping of str to str
        Every item of the instrument (questions, and ``<list>__<choice>``).
    lists : mapping of str to str
        Select question -> its choice list (to read ``<question>__<choice>`` columns).
    overridden : mapping of str to str
        The study's overrides, as given (for the manifest).
    """

    levels: Mapping[str, str]
    lists: Mapping[str, str] = field(default_factory=dict)
    overridden: Mapping[str, str] = field(default_factory=dict)

    def level(self, item: str) -> str:
        """Sensitivity of one item (``interviews`` is aggregate; unknown: public)."""
        if item == INTERVIEWS:
            return AGGREGATE
        return self.levels.get(item, PUBLIC)

    @property
    def aggregate_items(self) -> list[str]:
        """Items published only in aggregate, in instrument order."""
        return [k for k, v in self.levels.items() if v == AGGREGATE]

    def items_of(self, name: str) -> list[str]:
        """The items a column or indicator is derived from.

        ``act__a`` (activity indicator of the mapping) -> ``activities``,
        ``activity__a``; ``stage__s`` / ``group__g`` / ``service__t`` ->
        ``stage__s`` / ``target_group__g`` / ``service_type__t``; ``stage__a__s`` and
        ``act_stage__a__s`` -> ``activity__a``, ``stage__s``, ``a_stage``;
        ``reached__a`` -> ``activity__a``, ``a_reached``; ``<question>__<choice>`` ->
        the question and its choice; a question name -> itself.  Anything else
        (frame columns, computed columns) -> no item.
        """
        parts = name.split("__")
        act = DIMENSIONS["activity"]
        if len(parts) == 2 and parts[0] == "act":
            return ["activities", f"{act}__{parts[1]}"]
        if len(parts) == 2 and parts[0] == "reached":
            return [f"{act}__{parts[1]}", f"{parts[1]}_reached"]
        if len(parts) == 3 and parts[0] in ("stage", "act_stage"):
            return [f"{act}__{parts[1]}", f"{DIMENSIONS['stage']}__{parts[2]}", f"{parts[1]}_stage"]
        if len(parts) == 2 and parts[0] in DIMENSIONS and parts[0] != "activity":
            return [f"{DIMENSIONS[parts[0]]}__{parts[1]}"]
        if len(parts) == 2 and parts[0] in self.lists:
            return [parts[0], f"{self.lists[parts[0]]}__{parts[1]}"]
        return [name] if name in self.levels else []

    def is_aggregate(self, name: str) -> bool:
        """Whether an item, column or indicator may be published only in aggregate."""
        if name == INTERVIEWS:
            return True
        items = [name] if name in self.levels else self.items_of(name)
        return any(self.level(i) == AGGREGATE for i in items)

    def share_is_aggregate(self, dimension: str, code: str) -> bool:
        """Whether a row of :func:`toolkit.mapping.activity_shares` is aggregate."""
        prefix = {"activity": "act", "activity_stage": "act_stage"}.get(dimension, dimension)
        return self.is_aggregate(f"{prefix}__{code}")

    def aggregate_columns(self, columns: Iterable[str]) -> list[str]:
        """The columns of a table that hold aggregate items."""
        return [str(c) for c in columns if self.is_aggregate(str(c))]

    def aggregate_activities(self) -> list[str]:
        """Activity codes whose choice is aggregate."""
        prefix = f"{DIMENSIONS['activity']}__"
        return [i[len(prefix) :] for i in self.aggregate_items if i.startswith(prefix)]


def item_sensitivity(
    instrument: Instrument, overrides: Mapping[str, Any] | None = None
) -> Sensitivity:
    """Sensitivity of every item of an instrument, with a study's overrides.

    Parameters
    ----------
    instrument : Instrument
        Its ``questions`` and choice lists may carry a ``disclosure`` column.
    overrides : mapping of str to str, optional
        Item -> ``public`` / ``aggregate`` (``publication.items`` of ``study.yaml``).

    Returns
    -------
    Sensitivity

    Raises
    ------
    InputError
        An item of ``overrides`` is not an item of the instrument (the message names
        it and the closest item), or a level is not ``public`` / ``aggregate``.
    """
    levels: dict[str, str] = {}
    lists: dict[str, str] = {}
    q = instrument.questions
    q = q.loc[:, ~q.columns.duplicated()]
    has_col = "disclosure" in q.columns
    for rec in q.to_dict("records"):
        name, kind = str(rec["name"]), str(rec.get("type", ""))
        if not name or kind in _SKIP_TYPES:
            continue
        levels[name] = _level(
            rec.get("disclosure") if has_col else "", item=name, where="disclosure"
        )
        if kind in ("select_one", "select_multiple") and rec.get("list_name"):
            lists[name] = str(rec["list_name"])
    for list_name, table in instrument.choices.items():
        has = "disclosure" in table.columns
        for rec in table.to_dict("records"):
            item = f"{list_name}__{rec['name']}"
            levels[item] = _level(
                rec.get("disclosure") if has else "", item=item, where="disclosure"
            )
    given: dict[str, str] = {}
    for key, value in dict(overrides or {}).items():
        item = str(key)
        if item not in levels:
            close = difflib.get_close_matches(item, list(levels), n=1)
            raise InputError(
                f"unknown item '{item}' under publication.items.",
                column=f"publication.items.{item}",
                value=item,
                hint=(f"did you mean '{close[0]}'? " if close else "")
                + "items are question names and <list name>__<choice name> of the "
                "instrument (e.g. activity__advocacy).",
            )
        levels[item] = _level(value, item=item, where=f"publication.items.{item}")
        given[item] = levels[item]
    fixed = set(given)
    if given and "group" in q.columns:  # a group's level applies to the questions in it
        for name, path in zip(q["name"].astype(str), q["group"].fillna("").astype(str)):
            groups = [g for g in path.split("/") if g in given]
            if groups and name not in given and name in levels:
                levels[name] = given[groups[-1]]
                fixed.add(name)
    _propagate(q, levels, lists, fixed)
    return Sensitivity(MappingProxyType(levels), MappingProxyType(lists), MappingProxyType(given))


def _referenced(expr: str, lists: Mapping[str, str]) -> list[str]:
    """Items a relevance expression reads: the questions and the choices it tests."""
    out = _REF.findall(expr)
    for q1, c1, q2, c2 in _CHOICE.findall(expr):
        q, c = (q1, c1) if q1 else (q2, c2)
        if q in lists:
            out.append(f"{lists[q]}__{c}")
    return out


def _propagate(
    questions: pd.DataFrame, levels: dict[str, str], lists: Mapping[str, str], fixed: set[str]
) -> None:
    """Make aggregate every question whose relevance (its own or its groups') reads an
    aggregate item: whether it applies to a Society tells that Society's answer.
    Items the study set explicitly keep their level."""
    if "relevant" not in questions.columns:
        return
    relevant = {
        str(n): str(r or "") for n, r in zip(questions["name"], questions["relevant"].fillna(""))
    }
    groups = questions["group"].fillna("").astype(str) if "group" in questions else None
    changed = True
    while changed:
        changed = False
        for k, name in enumerate(questions["name"].astype(str)):
            if name not in levels or levels[name] == AGGREGATE or name in fixed:
                continue
            path = [g for g in groups.iloc[k].split("/") if g] if groups is not None else []
            exprs = [relevant.get(g, "") for g in path] + [relevant.get(name, "")]
            reads = [i for e in exprs if e for i in _referenced(e, lists)]
            if any(levels.get(i) == AGGREGATE for i in reads):
                levels[name] = AGGREGATE
                changed = True
