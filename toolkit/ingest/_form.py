"""The shape of a form as ingestion needs it: which questions are answered once per
submission and which once per instance of a repeat group.

:class:`FormShape` is derived from the :class:`~toolkit.instrument.Instrument`'s
question table (the ``group`` and ``repeat`` paths of every question): the repeat
groups with their path, parent repeat and questions, and for every question the
table it is answered in (``""`` for the submission itself).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from toolkit.instrument import Instrument

__all__ = ["FormShape", "RepeatSpec"]


@dataclass(frozen=True)
class RepeatSpec:
    """One repeat group of a form.

    Attributes
    ----------
    name : str
        The repeat's name in the question table (qualified with its group path when
        the form uses the name more than once).
    short : str
        Its XML name, as export headers, sheet names and file names write it.
    path : str
        Slash-separated path of groups down to and including the repeat
        (``"household/members"``).
    parent : str
        Name of the enclosing repeat, ``""`` for a repeat answered once per submission.
    depth : int
        Number of repeats from the submission down to this one (1 at the top).
    questions : tuple of str
        Questions answered once per instance (those of nested repeats excluded).
    """

    name: str
    short: str
    path: str
    parent: str
    depth: int
    questions: tuple[str, ...]


def _repeat_rows(instrument: Instrument) -> pd.DataFrame:
    """name, short_name, path and parent path of every repeat, in form order."""
    repeats = getattr(instrument, "repeats", None)
    if callable(repeats):  # instruments that describe their repeats themselves
        table = repeats()
        if isinstance(table, pd.DataFrame) and {"name", "path", "parent"} <= set(table.columns):
            short = table["short_name"] if "short_name" in table else table["name"]
            return pd.DataFrame(
                {
                    "name": table["name"],
                    "short": short,
                    "path": table["path"],
                    "parent": table["parent"],
                }
            ).astype(str)
    q = instrument.questions
    begin = q[q["type"] == "begin_repeat"]
    names = begin["name"].astype(str)
    short = names.str.rsplit("/", n=1).str[-1]
    path = ["/".join(p for p in (str(g), str(s)) if p) for g, s in zip(begin["group"], short)]
    return pd.DataFrame(
        {
            "name": names.to_numpy(),
            "short": short.to_numpy(),
            "path": path,
            "parent": begin["repeat"].astype(str).to_numpy(),
        }
    )


@dataclass
class FormShape:
    """Repeats and question scopes of an instrument.

    Parameters
    ----------
    instrument : Instrument
    """

    instrument: Instrument
    repeats: dict[str, RepeatSpec] = field(init=False)
    table_of: dict[str, str] = field(init=False)
    fields: pd.DataFrame = field(init=False)
    _tables: dict[str, pd.DataFrame] = field(
        init=False, default_factory=dict, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        fields = self.instrument.fields()
        rows = _repeat_rows(self.instrument)
        by_path = dict(zip(rows["path"], rows["name"]))
        self.table_of = {
            str(n): by_path.get(str(r), "") for n, r in zip(fields["name"], fields["repeat"])
        }
        self.repeats = {}
        for name, short, path, parent_path in zip(
            rows["name"], rows["short"], rows["path"], rows["parent"]
        ):
            parent = by_path.get(parent_path, "")
            depth = self.repeats[parent].depth + 1 if parent in self.repeats else 1
            self.repeats[name] = RepeatSpec(
                name=name,
                short=short,
                path=path,
                parent=parent,
                depth=depth,
                questions=tuple(n for n, t in self.table_of.items() if t == name),
            )
        self.fields = fields

    def questions(self, table: str = "") -> pd.DataFrame:
        """Question rows answered in ``table`` (``""``: once per submission)."""
        if table not in self._tables:
            names = [n for n, t in self.table_of.items() if t == table]
            self._tables[table] = self.fields[self.fields["name"].isin(names)]
        return self._tables[table]

    def depth(self, table: str) -> int:
        """Number of repeat levels of ``table`` (0 for the submission)."""
        return self.repeats[table].depth if table else 0

    def chain(self, table: str) -> list[str]:
        """Repeat names from the outermost down to ``table``."""
        out: list[str] = []
        while table:
            out.insert(0, table)
            table = self.repeats[table].parent
        return out

    def ordered(self) -> list[str]:
        """Repeat names with every parent before its children (form order)."""
        return sorted(self.repeats, key=lambda r: self.repeats[r].depth)
