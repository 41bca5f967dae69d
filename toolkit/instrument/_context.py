"""The survey tree's nodes and what walking the survey sheet gathers.

Shared by :mod:`._survey` (which builds them), :mod:`._selects`, :mod:`._questions`
and :mod:`._references`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

from toolkit.errors import InstrumentError
from toolkit.instrument._choices import ChoiceSheet
from toolkit.instrument._types import ParsedType

__all__ = ["Node", "SurveyContext"]


@dataclass
class Node:
    """One survey row: a question, or a group / repeat / loop with its children."""

    values: dict[str, str]  # the row's non-empty cells by normalised column
    parsed: ParsedType
    name: str
    row: int
    raw_type: str
    children: list[Node] = field(default_factory=list)

    @property
    def kind(self) -> str:
        """``group``, ``repeat``, ``loop`` or ``question``."""
        base = self.parsed.base
        return base.split("_", 1)[1] if base.startswith("begin_") else "question"


@dataclass
class SurveyContext:
    """What walking the survey sheet needs to know and gathers besides the tree."""

    path: Path
    sheet: str
    choices: ChoiceSheet
    external_lists: set[str]
    settings: dict[str, str]
    warnings: list[str]
    element_names: Counter[str] = field(default_factory=Counter)
    audit: list[Node] = field(default_factory=list)
    list_references: list[tuple[int, str]] = field(default_factory=list)
    trigger_references: list[tuple[int, str, str]] = field(default_factory=list)
    question_names: set[str] = field(default_factory=set)
    external_names: set[str] = field(default_factory=set)
    hidden_names: set[str] = field(default_factory=set)
    selects: list[Node] = field(default_factory=list)

    def error(
        self, problem: str, row: int, column: str, hint: str, value: object = None
    ) -> NoReturn:
        """Raise an :class:`InstrumentError` at ``row`` / ``column`` of the survey sheet."""
        raise InstrumentError(
            problem,
            file=self.path,
            sheet=self.sheet,
            row=row,
            column=column,
            value=value,
            hint=hint,
        )
