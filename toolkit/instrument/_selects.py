"""Checking select rows as pyxform does: choice lists, files, external lists.

A select names a list of the choices sheet, a choice file (``.csv``, ``.xml``,
``.geojson``), a list of the external_choices sheet (``select_one_external``) or a
question whose answers are the choices (``select_one ${question}``); pyxform rejects a
list that is not defined, a file name without one of those extensions, a choice name
with a space in a ``select_multiple`` and ``or_other`` with a ``choice_filter``.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import NoReturn

from toolkit.errors import InstrumentError
from toolkit.instrument._context import Node, SurveyContext
from toolkit.instrument._types import FILE_EXTENSIONS, valid_file_name

__all__ = ["check_select"]


def check_select(node: Node, ctx: SurveyContext) -> None:
    """Check a select row's choice list, file or reference (see the module docstring).

    Parameters
    ----------
    node : Node
        The select row.
    ctx : SurveyContext
        The choice lists and external lists; ``select_one ${question}`` references
        are recorded for :func:`~toolkit.instrument._references.check_survey_references`.

    Raises
    ------
    InstrumentError
        On a fault pyxform rejects.
    """
    parsed, row, raw = node.parsed, node.row, node.raw_type
    list_name = parsed.list_name
    if not list_name:
        ctx.error(
            f"'{raw}' names no choice list.", row, "type", "write e.g. 'select_one yes_no'.", raw
        )
    if parsed.base == "select_one_external":
        if "choice_filter" not in node.values and list_name not in ctx.choices.lists:
            # pyxform then copies the list from the choices sheet (and fails without it)
            _missing_list(node, ctx)
        if list_name not in ctx.external_lists:
            ctx.error(
                f"choice list '{list_name}' is not defined in the external_choices sheet.",
                row,
                "type",
                "add the list to the external_choices sheet.",
                raw,
            )
        return
    if parsed.choice_file:
        if not valid_file_name(list_name):
            ctx.error(
                f"the file of '{raw}' must end with one of {', '.join(FILE_EXTENSIONS)}.",
                row,
                "type",
                "give the file name with its extension, e.g. 'select_one_from_file places.csv'.",
                raw,
            )
        return
    if list_name.startswith("${") and list_name.endswith("}"):
        ctx.list_references.append((node.row, list_name[2:-1]))
        return  # choices from the answers of a repeat
    if PurePosixPath(list_name).suffix in FILE_EXTENSIONS:
        return  # pyxform reads "select_one places.csv" as a choice file too
    table = ctx.choices.lists.get(list_name)
    if table is None:
        _missing_list(node, ctx)
        return
    if parsed.base == "select_multiple":
        spaced = [n for n in table["name"] if " " in str(n)]
        if spaced:
            ctx.error(
                f"choice name '{spaced[0]}' of list '{list_name}' has a space, which a "
                "select_multiple cannot store.",
                row,
                "type",
                f"rename the choice in the choices sheet (e.g. '{spaced[0].replace(' ', '_')}').",
                raw,
            )
    if parsed.or_other and "choice_filter" in node.values:
        ctx.error(
            "'or_other' cannot be combined with a choice_filter.",
            row,
            "choice_filter",
            "drop 'or_other' and add an 'other' choice with its own text question.",
        )


def _missing_list(node: Node, ctx: SurveyContext) -> NoReturn:
    list_name, raw = node.parsed.list_name, node.raw_type
    if ctx.choices.sheet is None:
        problem = f"'{raw}' needs choice list '{list_name}', but the workbook has no choices sheet."
        hint = "add a sheet named 'choices' with columns 'list_name', 'name' and 'label'."
    elif not ctx.choices.has_list_name:
        raise InstrumentError(
            f"the choices sheet has no 'list_name' column, so list '{list_name}' (used by "
            f"survey row {node.row}) is not defined.",
            file=ctx.path,
            sheet=ctx.choices.sheet,
            row=1,
            column="list_name",
            hint="the choices sheet needs 'list_name', 'name' and 'label' columns.",
        )
    else:
        problem = f"choice list '{list_name}' is not defined in the choices sheet."
        hint = f"add rows with list_name '{list_name}' to the choices sheet, or fix the spelling."
    ctx.error(problem, node.row, "type", hint, raw)
