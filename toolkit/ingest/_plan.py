"""What a form and a header row say about an export's columns, kept between reads.

The roles of the columns (:meth:`~toolkit.ingest._headers.HeaderMap.map`, then
:func:`~toolkit.ingest._headers.check_roles`), which column holds which question,
option or metadata, the "no answer" tokens that are real choices of a column and the
header style depend on the form and the header row only, not on the rows: reading
another export of the same form with the same header (the next round's, the same file
again) finds them again.  :func:`header_plan` works them out once per header row and
keeps them with the form's :class:`~toolkit.ingest._formcache.FormTools` (which are
kept by the form's content), handing out copies, so that nothing a caller does to
what it gets can change what is kept.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import pandas as pd

from toolkit.ingest._headers import HeaderMap, check_roles, header_style
from toolkit.ingest._lists import ChoiceLists
from toolkit.ingest._rows import exempt_tokens
from toolkit.instrument import Instrument

__all__ = ["HeaderPlan", "PlanCache", "header_plan"]

_KEEP = 16  # header rows kept per form (least recently used dropped)


@dataclass
class HeaderPlan:
    """The columns of one table of an export, as its form reads them.

    Attributes
    ----------
    roles : pandas.DataFrame
        :func:`~toolkit.ingest._headers.check_roles` of the header's roles.
    unknown : list of (str, str)
        Header and note of each column the form does not know.
    fields, meta : dict of str to str
        Question (metadata name) -> header, for the columns of the top level (any).
    options : dict of str to dict
        select_multiple question -> option -> header; geopoint -> part -> header.
    answered : list of (str, str)
        Question and header of every column that is not metadata, in header order.
    field_headers : list of (str, str)
        Question and header of the ``field`` columns, in header order.
    exempt : dict of str to set of str
        Header -> "no answer" tokens that are real choices there.
    style : str
        :func:`~toolkit.ingest._headers.header_style`.
    """

    roles: pd.DataFrame
    unknown: list[tuple[str, str]]
    fields: dict[str, str]
    meta: dict[str, str]
    options: dict[str, dict[str, str]]
    answered: list[tuple[str, str]]
    field_headers: list[tuple[str, str]]
    exempt: dict[str, set[str]]
    style: str

    def copy(self) -> HeaderPlan:
        """A copy that shares nothing mutable with this plan."""
        return HeaderPlan(
            self.roles.copy(),
            list(self.unknown),
            dict(self.fields),
            dict(self.meta),
            {q: dict(opts) for q, opts in self.options.items()},
            list(self.answered),
            list(self.field_headers),
            {h: set(tokens) for h, tokens in self.exempt.items()},
            self.style,
        )


class PlanCache:
    """Header plans of one form, by header row (thread-safe, least recently used
    dropped)."""

    def __init__(self) -> None:
        self._plans: OrderedDict[tuple[str, ...], HeaderPlan] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, headers: tuple[str, ...]) -> HeaderPlan | None:
        """The plan kept for a header row, if any (not a copy)."""
        with self._lock:
            plan = self._plans.get(headers)
            if plan is not None:
                self._plans.move_to_end(headers)
            return plan

    def put(self, headers: tuple[str, ...], plan: HeaderPlan) -> None:
        """Keep a plan (to be handed out as copies)."""
        with self._lock:
            self._plans[headers] = plan
            while len(self._plans) > _KEEP:
                self._plans.popitem(last=False)


def header_plan(
    headers: list[str],
    hmap: HeaderMap,
    instrument: Instrument,
    lists: ChoiceLists,
    cache: PlanCache | None = None,
) -> HeaderPlan:
    """The :class:`HeaderPlan` of the main table of an export.

    Parameters
    ----------
    headers : list of str
        The table's header row (as read, deduplicated).
    hmap : HeaderMap
    instrument : Instrument
    lists : ChoiceLists
        Of the form of ``hmap``.
    cache : PlanCache, optional
        Where the plans of this form are kept (nothing is kept without it).

    Returns
    -------
    HeaderPlan
        A copy for the caller to change.
    """
    key = tuple(headers)
    plan = cache.get(key) if cache is not None else None
    if plan is None:
        plan = _work_out(headers, hmap, instrument, lists)
        if cache is not None:
            cache.put(key, plan)
    return plan.copy()


def _work_out(
    headers: list[str], hmap: HeaderMap, instrument: Instrument, lists: ChoiceLists
) -> HeaderPlan:
    roles = check_roles(hmap.map(list(headers)))
    top = roles[roles["index"].map(len) == 0]
    unknown = [
        (str(rec.header), str(rec.note)) for rec in roles[roles["kind"] == "unknown"].itertuples()
    ]
    options: dict[str, dict[str, str]] = {}
    for q, opt, header in top.loc[
        top["kind"].isin(["option", "geo"]), ["question", "option", "header"]
    ].itertuples(index=False):
        options.setdefault(q, {})[opt] = header
    kinds = roles["kind"].tolist()
    pairs = list(zip(roles["question"].tolist(), roles["header"].tolist()))
    return HeaderPlan(
        roles=roles,
        unknown=unknown,
        fields=_headers_of(top, "field"),
        meta=_headers_of(roles, "meta"),
        options=options,
        answered=[p for p, k in zip(pairs, kinds) if k != "meta"],
        field_headers=[p for p, k in zip(pairs, kinds) if k == "field"],
        exempt=exempt_tokens(roles, instrument, lists),
        style=header_style(roles),
    )


def _headers_of(roles: pd.DataFrame, kind: str) -> dict[str, str]:
    """Question (or metadata name) -> export header, for the columns of one kind."""
    chosen = roles[roles["kind"] == kind]
    return dict(zip(chosen["question"], chosen["header"]))
