"""What ingestion works out from a form, kept between reads of exports of that form.

Recognising an export's headers needs every spelling of every question's path, the
labels in every language and the option labels of every choice list; reading the
answers needs the lists' look-ups; the privacy rules need the form's personal
questions.  For a form of a few hundred questions this costs more than validating a
100-row export, and it is the same for every export of the form: :func:`form_tools`
keeps it, by the content of the form (a SHA-256 of its question and choice tables), for
a private copy of the form, so that nothing a caller does to its
:class:`~toolkit.instrument.Instrument` afterwards can change what is kept.  With them
are kept the role of every header classified and, per header row, the
:class:`~toolkit.ingest._plan.HeaderPlan` of the exports read (handed out as copies).
"""

from __future__ import annotations

import copy
import hashlib
import pickle
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import pandas as pd

from toolkit.ingest import _privacy as privacy
from toolkit.ingest._form import FormShape
from toolkit.ingest._headers import ColumnRole, HeaderMap
from toolkit.ingest._lists import ChoiceLists
from toolkit.ingest._plan import PlanCache
from toolkit.instrument import Instrument

__all__ = ["FormTools", "form_digest", "form_tools"]

_KEEP = 8  # forms kept (least recently used dropped)
_cache: OrderedDict[str, FormTools] = OrderedDict()
_lock = threading.Lock()


class _MemoHeaderMap(HeaderMap):
    """A :class:`HeaderMap` that remembers the headers it classified and the header
    rows it scored and mapped."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self._scored: dict[str, bool] = {}
        self._mapped: dict[tuple[tuple[str, ...], str], pd.DataFrame] = {}
        self._roles: dict[tuple[str, str], ColumnRole] = {}

    def role(self, header: str, table: str = "") -> ColumnRole:
        """Classify one header (see :meth:`HeaderMap.role`; roles are immutable)."""
        key = (header, table)
        found = self._roles.get(key)
        if found is None:
            found = self._roles[key] = super().role(header, table)
        return found

    def score(self, header: list[str]) -> int:
        """Number of cells of a candidate header row that the instrument recognises."""
        scored = self._scored
        for h in set(header).difference(scored):
            scored[h] = bool(h) and super().score([h]) > 0
        return sum(map(scored.__getitem__, header))

    def map(self, headers: list[str], table: str = "") -> pd.DataFrame:
        """Classify every header of one table (see :meth:`HeaderMap.map`)."""
        key = (tuple(headers), table)
        if key not in self._mapped:
            self._mapped[key] = super().map(headers, table)
        return self._mapped[key].copy()


@dataclass
class FormTools:
    """What ingestion works out from one form.

    Attributes
    ----------
    shape : FormShape
    hmap : HeaderMap
        Remembers the header rows it has seen.
    lists : ChoiceLists
    personal : dict of str to str
        :func:`toolkit.ingest._privacy.personal_questions` of the form.
    plans : PlanCache
        The :class:`~toolkit.ingest._plan.HeaderPlan` of each header row seen.
    """

    shape: FormShape
    hmap: HeaderMap
    lists: ChoiceLists
    personal: dict[str, str]
    plans: PlanCache = field(default_factory=PlanCache)


def form_digest(instrument: Instrument) -> str:
    """SHA-256 of a form's question and choice tables (and settings and languages)."""
    content = (
        instrument.questions,
        instrument.choices,
        instrument.settings,
        instrument.languages,
    )
    return hashlib.sha256(pickle.dumps(content, protocol=5)).hexdigest()


def form_tools(instrument: Instrument) -> FormTools:
    """The :class:`FormTools` of a form, worked out once per content.

    Returns
    -------
    FormTools
        Built on a private copy of ``instrument``; its personal questions are a copy
        for the caller to change.
    """
    try:
        key = form_digest(instrument)
    except (pickle.PicklingError, TypeError, AttributeError):  # an unpicklable setting?
        shape = FormShape(instrument)
        return FormTools(
            shape,
            HeaderMap(instrument, shape),
            ChoiceLists(instrument),
            privacy.personal_questions(instrument),
        )
    with _lock:
        tools = _cache.get(key)
        if tools is not None:
            _cache.move_to_end(key)
    if tools is None:
        own = copy.deepcopy(instrument)
        shape = FormShape(own)
        tools = FormTools(shape, _MemoHeaderMap(own, shape), ChoiceLists(own), {})
        tools.personal = privacy.personal_questions(own)
        with _lock:
            _cache[key] = tools
            while len(_cache) > _KEEP:
                _cache.popitem(last=False)
    return FormTools(tools.shape, tools.hmap, tools.lists, dict(tools.personal), tools.plans)
