"""Checking ``${name}`` references of an XLSForm as pyxform does.

pyxform replaces ``${name}`` in expressions, labels and settings by the path of the
question ``name``.  A reference that is malformed (``${name``, ``${two words}``), or
names no question or a name used more than once, makes pyxform reject the form; so
does :func:`check_references`, naming the sheet, row and column.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pandas as pd

from toolkit.errors import InstrumentError
from toolkit.instrument._context import Node, SurveyContext
from toolkit.instrument._parameters import parse_parameters
from toolkit.instrument._sheets import TRANSLATABLE
from toolkit.instrument._types import CONTROL_TYPES, FILE_EXTENSIONS, NCNAME, parse_type

__all__ = ["Names", "check_references", "check_survey_references"]

_OUTER = re.compile(r"\$\{(?P<ref>[^}]+)\}|\$\{[^}]*$")
_INNER = re.compile(rf"(?:last-saved#)?(?P<name>{NCNAME})")
_SKIP_SURVEY = {"type", "name", "trigger"}


@dataclass(frozen=True)
class Names:
    """What a ``${name}`` may refer to.

    Attributes
    ----------
    rows : collections.Counter of str
        How many survey rows use each name (pyxform's check: exactly one).
    elements : collections.Counter of str
        How many elements of the form have each name once loops are expanded (a
        question inside a loop exists once per choice, so cannot be referred to).
    external : set of str
        Names of ``csv-external`` / ``xml-external`` rows: secondary instances, which
        a rendered expression or label cannot refer to with ``${...}``.
    """

    rows: Counter[str]
    elements: Counter[str]
    external: set[str]


def check_references(
    path: Path,
    sheets: list[tuple[str, pd.DataFrame, str]],
    names: Names,
) -> None:
    """Raise if a ``${...}`` reference is malformed, unknown or ambiguous.

    Parameters
    ----------
    path : Path
        The workbook, for error messages.
    sheets : list of (str, pandas.DataFrame, str)
        (sheet name in the workbook, its records, role): the survey (every column but
        ``type``, ``name`` and ``trigger``), the choices (label and media columns) and
        the settings (every column) are checked.
    names : Names
        What the references may name.

    Raises
    ------
    InstrumentError
        On the first bad reference, naming sheet, row and column.
    """
    for sheet, records, role in sheets:
        if records.empty:
            continue
        if role == "survey":
            cols = [c for c in records.columns if c not in _SKIP_SURVEY and c != "row"]
        elif role == "choices":
            cols = [c for c in records.columns if c.split("::")[0] in TRANSLATABLE]
        else:
            cols = [c for c in records.columns if c != "row"]
        types = records["type"] if role == "survey" and "type" in records else None
        for col in cols:
            for i, (value, row) in enumerate(zip(records[col], records["row"])):
                if isinstance(value, str) and "${" in value:
                    kind = types.iloc[i] if types is not None else None
                    rendered = _rendered(kind, col) if role == "survey" else True
                    _check(value, names, rendered, (path, sheet, int(row), col))


def _rendered(raw_type: object, col: str) -> bool:
    """Whether pyxform writes this survey cell into the XForm (and resolves its refs)."""
    if not isinstance(raw_type, str):
        return False
    base = parse_type(raw_type).base
    if base.endswith("-external"):
        return False
    if col.split("::")[0] in TRANSLATABLE and "::" not in col:
        # An untranslated text is written only into a control; a translated one goes
        # into the form's translations (itext) for every question and group.
        return base in CONTROL_TYPES or base.startswith("begin_")
    return True


def _check(value: str, names: Names, rendered: bool, where: tuple[Path, str, int, str]) -> None:
    path, sheet, row, col = where
    for m in _OUTER.finditer(value):
        ref = m["ref"]
        inner = _INNER.fullmatch(ref) if ref else None
        problem = hint = ""
        if inner is None:
            problem = f"malformed reference in '{value}'."
            hint = "a reference is '${' then a question name then '}', e.g. ${age}."
        elif names.rows.get(inner["name"], 0) == 0:
            problem = f"the reference ${{{inner['name']}}} names no question of the survey sheet."
            hint = f"check the spelling of '{inner['name']}' or add the question."
        elif names.rows[inner["name"]] > 1 or names.elements.get(inner["name"], 0) > 1:
            problem = (
                f"the reference ${{{inner['name']}}} is ambiguous: several questions of the "
                "form have that name (in different groups, or copied by a loop)."
            )
            hint = "rename the questions so that the referenced name is used once."
        elif rendered and inner["name"] in names.external:
            problem = (
                f"the reference ${{{inner['name']}}} names a csv-external / xml-external "
                "file, not a question."
            )
            hint = f"use instance('{inner['name']}') in an expression instead."
        if problem:
            raise InstrumentError(
                problem, file=path, sheet=sheet, row=row, column=col, value=value, hint=hint
            )


def check_survey_references(ctx: SurveyContext, names: Names) -> None:
    """Check ``select_one ${question}`` and the ``trigger`` column.

    Parameters
    ----------
    ctx : SurveyContext
        What walking the survey sheet gathered.
    names : Names
        What the references may name.

    Raises
    ------
    InstrumentError
        If a select takes its choices from a question that is missing or named twice,
        a trigger names something that is not a visible question, or a question with
        a trigger is copied by a loop.
    """
    for row, ref in ctx.list_references:
        if names.rows.get(ref, 0) != 1:
            ctx.error(
                f"the choices of this select come from question '{ref}', which "
                + ("is not in the survey sheet." if not names.rows.get(ref) else "is named twice."),
                row,
                "type",
                "name a question of the form (the answers of a repeat) once.",
            )
    _check_search(ctx)
    for row, ref, source in ctx.trigger_references:
        if names.elements.get(source, 0) > 1:
            ctx.error(
                f"question '{source}' has a trigger but is copied by a loop (or its name is "
                "used again), so pyxform cannot tell which copy to set.",
                row,
                "trigger",
                "move the question out of the loop or give it a unique name.",
            )
        if ref in ctx.hidden_names:
            ctx.error(
                f"the trigger ${{{ref}}} names a question the enumerator does not see "
                "(a calculation), which cannot trigger anything.",
                row,
                "trigger",
                f"trigger on a visible question, or give '{ref}' a label.",
            )
        if ref not in ctx.question_names:
            ctx.error(
                f"the trigger ${{{ref}}} names no question of the survey sheet.",
                row,
                "trigger",
                f"check the spelling of '{ref}'; a trigger must name a question, not a group.",
            )


_SEARCH = re.compile(r"search\(.*?\)")


def _effective_list(node: Node, ctx: SurveyContext) -> str | None:
    """The list name pyxform records for a select (``None`` when it records none)."""
    list_name = node.parsed.list_name
    if "choice_filter" in node.values:
        return list_name if list_name in ctx.choices.lists else None
    params = parse_parameters(node.values.get("parameters", "")) or {}
    if (
        params.get("randomize") == "true"
        or PurePosixPath(list_name).suffix in FILE_EXTENSIONS
        or list_name.startswith("${")
    ):
        return None
    return list_name


def _check_search(ctx: SurveyContext) -> None:
    """``search()`` appearances: as pyxform, not with a choice file or ``${...}`` list,
    and not on a list that a select without ``search()`` uses too."""
    plain: dict[str | None, str] = {}
    searching: list[tuple[Node, str | None]] = []
    for node in ctx.selects:
        appearance = node.values.get("appearance", "")
        list_name = node.parsed.list_name
        if len(appearance) > 7 and _SEARCH.search(appearance):
            if PurePosixPath(list_name).suffix in FILE_EXTENSIONS:
                ctx.error(
                    "a select from a file cannot use search().",
                    node.row,
                    "appearance",
                    "remove search() or use a choice list of the choices sheet.",
                    appearance,
                )
            if list_name.startswith("${"):
                ctx.error(
                    "a select whose choices come from a question cannot use search().",
                    node.row,
                    "appearance",
                    "remove search().",
                    appearance,
                )
            searching.append((node, _effective_list(node, ctx)))
        else:
            plain.setdefault(_effective_list(node, ctx), node.name)
    for node, effective in searching:
        if effective in plain:
            ctx.error(
                f"question '{node.name}' uses search() on choice list '{effective}', which "
                f"question '{plain[effective]}' uses without search().",
                node.row,
                "appearance",
                "give the search() question its own copy of the list.",
            )
