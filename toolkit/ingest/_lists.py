"""The choice lists of a form as ingestion looks them up, each worked out once per read.

A list's choice names, the look-up from every name and label (any language,
case-folded) to the name, and the labels that mean "chosen" in a select_multiple
option column are needed for every question of the list, in the submissions table and
in every repeat table; :class:`ChoiceLists` builds them on first use.
"""

from __future__ import annotations

from dataclasses import dataclass

from toolkit.ingest._values import label_lookup
from toolkit.instrument import Instrument

__all__ = ["YES_NO_WORDS", "ChoiceList", "ChoiceLists"]

#: Option-column values that say yes or no rather than naming the option.
YES_NO_WORDS = frozenset({"0", "1", "0.0", "1.0", "true", "false", "yes", "no"})


@dataclass(frozen=True)
class ChoiceList:
    """One choice list.

    Attributes
    ----------
    names : list of str
        Choice names, in form order.
    lookup : dict of str to str
        Case-folded choice name or label -> choice name.
    tokens : dict of str to frozenset of str
        Choice name -> case-folded labels (and names) that mean it was chosen when
        written in its option column (yes/no words excluded).
    """

    names: list[str]
    lookup: dict[str, str]
    tokens: dict[str, frozenset[str]]


class ChoiceLists:
    """The lists of one instrument, worked out on first use.

    Parameters
    ----------
    instrument : Instrument
    """

    def __init__(self, instrument: Instrument) -> None:
        self.instrument = instrument
        self._lists: dict[str, ChoiceList] = {}

    def __contains__(self, list_name: object) -> bool:
        return list_name in self.instrument.choices

    def get(self, list_name: str) -> ChoiceList:
        """The list ``list_name`` (a :class:`KeyError` if the form has none)."""
        if list_name not in self._lists:
            table = self.instrument.choices[list_name]
            names = table["name"].astype(str).tolist()
            lookup = label_lookup(table)
            by_name: dict[str, set[str]] = {n: set() for n in names}
            for key, name in lookup.items():
                if name in by_name:
                    by_name[name].add(key)
            tokens = {n: frozenset(keys - YES_NO_WORDS) for n, keys in by_name.items()}
            self._lists[list_name] = ChoiceList(names, lookup, tokens)
        return self._lists[list_name]
