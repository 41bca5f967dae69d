"""Walking the survey sheet into a tree of groups, repeats, loops and questions.

Every row is checked as pyxform checks it, and a fault becomes an
:class:`~toolkit.errors.InstrumentError` naming the sheet, row and column: rows
without a type, names that are missing, invalid or used twice in one group, unknown
types, selects whose list is not defined, ``begin`` / ``end`` rows that do not match,
repeats named twice, ``calculate`` rows without a calculation, questions shown to the
enumerator without a label or hint.  What pyxform tolerates is tolerated: a note
without a name gets pyxform's generated name, disabled rows and comment rows are
skipped, settings rows (``form_title``) go to the settings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from toolkit.instrument._context import Node, SurveyContext
from toolkit.instrument._parameters import check_parameters
from toolkit.instrument._selects import check_select
from toolkit.instrument._types import (
    CONTROL_TYPES,
    NAME_RE,
    ParsedType,
    parse_type,
)

__all__ = ["survey_tree"]

_YES = {"yes", "true", "true()", "1"}
_MEDIA = ("image", "big-image", "audio", "video")


@dataclass
class _Frame:
    node: Node | None  # None for the survey itself
    children: list[Node]
    names: dict[str, int] = field(default_factory=dict)


def _has(values: dict[str, str], base: str) -> bool:
    return any(k == base or k.startswith(f"{base}::") for k in values)


def survey_tree(survey: pd.DataFrame, ctx: SurveyContext) -> list[Node]:
    """Check the survey rows and nest them.

    Parameters
    ----------
    survey : pandas.DataFrame
        Records of the survey sheet (:func:`~toolkit.instrument._sheets.sheet_records`).
    ctx : SurveyContext
        Where the rows come from, the choice lists and what is gathered on the way.

    Returns
    -------
    list of Node
        The top-level rows in form order.

    Raises
    ------
    InstrumentError
        On any fault pyxform rejects (see the module docstring).
    """
    if "type" not in survey.columns:
        ctx.error(
            "the survey sheet has no 'type' column.",
            1,
            "type",
            "the first row of the survey sheet must hold the headers 'type', 'name', 'label'.",
        )
    root = _Frame(None, [])
    stack = [root]
    repeats: dict[str, int] = {}
    root_name = ctx.settings.get("name", "data")
    for rec in survey.to_dict("records"):
        row = int(rec.pop("row"))
        values = {str(k): str(v) for k, v in rec.items() if isinstance(v, str)}
        if values.get("disabled", "").lower() in _YES:
            continue
        raw_type = values.get("type")
        if raw_type is None:
            _typeless(values, row, ctx)
            continue
        parsed = parse_type(raw_type)
        if "trigger" in values:
            _triggers(values["trigger"], row, values.get("name", ""), ctx)
        if parsed.base == "setting":
            ctx.settings.setdefault(parsed.command, values.get("name", ""))
            continue
        if parsed.base.startswith("end_"):
            _close(stack, parsed, raw_type, row, ctx)
            continue
        name = _name(values, parsed, raw_type, row, ctx)
        node = Node(values, parsed, name, row, raw_type)
        if "parameters" in values:
            _check_parameters(node, ctx)
        if parsed.base == "audit":
            ctx.audit.append(node)
            continue
        ctx.element_names[name] += 1
        frame = stack[-1]
        _check_sibling(frame, name, row, ctx)
        if node.kind == "question":
            ctx.question_names.add(name)
            if parsed.base.endswith("-external"):
                ctx.external_names.add(name)
            _check_question(node, ctx)
            if parsed.base.endswith("-external") and frame.node and frame.node.kind == "repeat":
                ctx.error(
                    f"'{raw_type}' cannot be directly inside a repeat (pyxform fails on it).",
                    row,
                    "type",
                    "move the row out of the repeat, e.g. to the top of the form.",
                )
        elif node.kind == "repeat":
            if name == root_name:
                ctx.error(
                    f"a repeat may not have the form's root name '{name}'.",
                    row,
                    "name",
                    "rename the repeat.",
                    name,
                )
            if name in repeats:
                ctx.error(
                    f"repeat name '{name}' is used twice (rows {repeats[name]} and {row}); "
                    "repeat names must be unique in the whole form.",
                    row,
                    "name",
                    "rename one of the repeats.",
                    name,
                )
            repeats[name] = row
        elif node.kind == "loop":
            _check_loop(node, ctx)
        frame.children.append(node)
        if node.kind != "question":
            stack.append(_Frame(node, node.children))
    if len(stack) > 1:
        open_node = stack[-1].node
        assert open_node is not None
        ctx.error(
            f"'begin {open_node.kind}' {open_node.name!r} is never closed.",
            open_node.row,
            "type",
            f"add an 'end {open_node.kind}' row after its last question.",
        )
    return root.children


def _typeless(values: dict[str, str], row: int, ctx: SurveyContext) -> None:
    """A row without a type: a comment when it has no name or label, else an error."""
    label = next((v for k, v in values.items() if k == "label" or k.startswith("label::")), None)
    if "name" not in values and label is None:
        return
    what = f"a name ('{values['name']}')" if "name" in values else f"a label ('{label}')"
    ctx.error(
        f"row has {what} but no type.",
        row,
        "type",
        "give the row a type (e.g. 'note' for a heading) or delete it; a comment belongs "
        "in a column whose header starts with '#'.",
    )


def _close(
    stack: list[_Frame], parsed: ParsedType, raw_type: str, row: int, ctx: SurveyContext
) -> None:
    kind = parsed.base.split("_", 1)[1]
    if len(stack) == 1:
        ctx.error(
            f"'{raw_type}' has no matching 'begin {kind}'.",
            row,
            "type",
            f"add the missing 'begin {kind}' or remove this row.",
        )
    node = stack[-1].node
    assert node is not None
    if node.kind != kind:
        ctx.error(
            f"'{raw_type}' does not close the open 'begin {node.kind}' '{node.name}' "
            f"(row {node.row}).",
            row,
            "type",
            f"close the {node.kind} with 'end {node.kind}' before this row, or change this "
            f"row to 'end {node.kind}'.",
        )
    stack.pop()


def _name(
    values: dict[str, str], parsed: ParsedType, raw_type: str, row: int, ctx: SurveyContext
) -> str:
    if parsed.base == "audit":
        if values.get("name", "audit") != "audit":
            ctx.error(
                "an audit must be named 'audit'.",
                row,
                "name",
                "leave the name empty.",
                values["name"],
            )
        return "audit"
    name = values.get("name")
    if name is None:
        if parsed.base == "note":
            return f"generated_note_name_{row}"  # pyxform's name for a nameless note
        ctx.error(
            f"a '{raw_type}' row has no name.",
            row,
            "name",
            "give every question and group a unique name.",
        )
    if not NAME_RE.fullmatch(name):
        ctx.error(
            "the name is not a valid XML name (it must start with a letter or '_' and "
            "hold only letters, digits, '_', '-' or '.'; no spaces).",
            row,
            "name",
            "rename the question, e.g. with '_' instead of spaces.",
            name,
        )
    return name


def _check_sibling(frame: _Frame, name: str, row: int, ctx: SurveyContext) -> None:
    if name == "meta":
        ctx.error(
            "the name 'meta' is reserved for the form's metadata.", row, "name", "rename it.", name
        )
    if name in frame.names:
        where = f"group '{frame.node.name}'" if frame.node else "the top level of the form"
        ctx.error(
            f"question name '{name}' is used twice (rows {frame.names[name]} and {row}) in "
            f"{where}.",
            row,
            "name",
            "names must be unique within their group or repeat; rename one of them.",
            name,
        )
    frame.names[name] = row


def _triggers(text: str, row: int, source: str, ctx: SurveyContext) -> None:
    """The ``trigger`` column: one ``${question}`` or several, separated by commas."""
    parts = [p.strip() for p in text.split(",")]
    refs = [re.findall(r"\$\{([^}]*)\}", p) for p in parts]
    if "${" not in text or any(len(r) != 1 or not NAME_RE.fullmatch(r[0]) for r in refs):
        ctx.error(
            f"the trigger '{text}' is not a reference such as ${{question}}.",
            row,
            "trigger",
            "write ${question}, or several separated by commas.",
            text,
        )
    ctx.trigger_references.extend((row, r[0], source) for r in refs)


def _check_parameters(node: Node, ctx: SurveyContext) -> None:
    def fail(problem: str, hint: str) -> None:
        ctx.error(problem, node.row, "parameters", hint, node.values["parameters"])

    raw = " ".join(node.raw_type.split())
    check_parameters(
        raw, node.parsed.base, bool(node.parsed.choice_file), node.values["parameters"], fail
    )


def _check_loop(node: Node, ctx: SurveyContext) -> None:
    list_name = node.parsed.list_name
    if not list_name:
        ctx.error(
            f"'{node.raw_type}' names no choice list.",
            node.row,
            "type",
            "write 'begin loop over <list_name>'.",
            node.raw_type,
        )
    if list_name not in ctx.choices.lists:
        ctx.error(
            f"choice list '{list_name}' of the loop is not defined in the choices sheet.",
            node.row,
            "type",
            f"add rows with list_name '{list_name}' to the choices sheet.",
            node.raw_type,
        )


def _check_question(node: Node, ctx: SurveyContext) -> None:
    parsed, values, row = node.parsed, node.values, node.row
    if parsed.base == "unknown":
        ctx.error(
            f"unknown question type '{node.raw_type}'.",
            row,
            "type",
            "use an XLSForm type (text, integer, decimal, select_one <list>, date, note, "
            "calculate ...); see https://xlsform.org/en/ref-table/.",
            node.raw_type,
        )
    if parsed.base in ("select_one", "select_multiple", "rank", "select_one_external"):
        check_select(node, ctx)
    if parsed.base == "calculate" and "calculation" not in values and "default" not in values:
        ctx.error(
            "a 'calculate' row has no calculation.",
            row,
            "calculation",
            "write the expression in the 'calculation' column.",
        )
    # pyxform shows no control (so needs no label) for a row with a calculation or a
    # trigger and neither label nor hint.
    hidden = ("calculation" in values or "trigger" in values) and not (
        _has(values, "label") or _has(values, "hint")
    )
    if hidden or parsed.base == "calculate":
        ctx.hidden_names.add(node.name)
    if parsed.base in ("select_one", "select_multiple", "rank"):
        ctx.selects.append(node)
    if (
        parsed.base in CONTROL_TYPES
        and not hidden
        and not (
            _has(values, "label") or _has(values, "hint") or any(_has(values, m) for m in _MEDIA)
        )
    ):
        ctx.error(
            f"question '{node.name}' has no label or hint.",
            row,
            "label",
            "give the question a label (the text the enumerator sees).",
        )
