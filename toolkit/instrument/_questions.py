"""Building the question table from the survey tree.

Groups, repeats and loops give every row its ``group`` path, its innermost ``repeat``
and its innermost ``loop``.  A loop (``begin loop over <list>``) is expanded as
pyxform expands it: one group per choice of the list (except ``none``) holding a copy
of the loop's questions, with ``%(name)s`` / ``%(label)s`` in their labels replaced by
the choice's name and label.  ``or_other`` adds the ``<name>_other`` text question and
the ``other`` choice, as in pyxform.

pyxform allows a name to be used again in another group or repeat; the table keeps
``name`` unique by writing such names with their group path (``household/age`` and
``person/age``), and keeps the name as written in ``short_name``.
"""

from __future__ import annotations

from collections import Counter

import pandas as pd

from toolkit.instrument._context import Node, SurveyContext

__all__ = ["BASE_COLUMNS", "question_table"]

_TRUE = {"yes", "true", "true()", "1", "y"}
BASE_COLUMNS = (
    "name",
    "short_name",
    "type",
    "list_name",
    "group",
    "repeat",
    "loop",
    "path",
    "or_other",
    "choice_file",
    "row",
    "required",
)
_FIXED = (
    "relevant",
    "constraint",
    "calculation",
    "appearance",
    "choice_filter",
    "repeat_count",
    "default",
    "parameters",
)


def question_table(
    tree: list[Node],
    choices: dict[str, pd.DataFrame],
    columns: list[str],
    ctx: SurveyContext,
) -> pd.DataFrame:
    """Flatten the survey tree into the question table.

    Parameters
    ----------
    tree : list of Node
        The checked survey rows (:func:`~toolkit.instrument._survey.survey_tree`).
    choices : dict of str to pandas.DataFrame
        The choice lists; a list used with ``or_other`` gains an ``other`` choice
        (the mapping is updated in place).
    columns : list of str
        The survey sheet's normalised columns (comment columns are left out).
    ctx : SurveyContext
        For error messages.

    Returns
    -------
    pandas.DataFrame
        One row per survey row except ``end`` rows, loop questions once per choice
        (see :attr:`Instrument.questions <toolkit.instrument.Instrument>`).

    Raises
    ------
    InstrumentError
        If the question that ``or_other`` adds collides with a question of the group.
    """
    extra = [c for c in columns if c not in ("type", "name", "row") and not c.startswith("#")]
    out: list[dict[str, object]] = []
    walker = _Walker(choices, extra, ctx, out)
    walker.walk(tree, [], "", "", None)
    for node in ctx.audit:  # pyxform puts the audit in the form's meta group
        out.append(walker.entry(node, node.values, ["meta"], "", ""))
    _check_copies(out, ctx)
    counts = Counter(str(e["short_name"]) for e in out)
    for e in out:
        if counts[str(e["short_name"])] > 1:
            e["name"] = e["path"]
    for list_name in walker.or_other_lists:
        table = choices[list_name]
        if "other" not in set(table["name"]):
            labels = {c: "Other" for c in table.columns if c.startswith("label")}
            other = pd.DataFrame([{**labels, "name": "other", "row": pd.NA}])
            choices[list_name] = pd.concat([table, other], ignore_index=True)
    order = list(dict.fromkeys([*BASE_COLUMNS, *_FIXED, *extra]))
    return pd.DataFrame(out, columns=order)


def _check_copies(out: list[dict[str, object]], ctx: SurveyContext) -> None:
    """Repeats and external files copied by a loop: pyxform rejects the copies."""
    seen: dict[str, str] = {}
    for e in out:
        kind = str(e["type"])
        if kind == "begin_repeat" or kind.endswith("-external"):
            name = str(e["short_name"])
            if name in seen and e["loop"]:
                what = "repeat" if kind == "begin_repeat" else "external file"
                ctx.error(
                    f"the {what} '{name}' is inside a loop, which copies it once per choice; "
                    f"pyxform needs {what} names to be unique in the form.",
                    int(str(e["row"])),
                    "name",
                    "move it out of the loop, or give the loop's list a single choice.",
                    name,
                )
            seen[name] = str(e["path"])


class _Walker:
    def __init__(
        self,
        choices: dict[str, pd.DataFrame],
        extra: list[str],
        ctx: SurveyContext,
        out: list[dict[str, object]],
    ) -> None:
        self.choices = choices
        self.extra = extra
        self.ctx = ctx
        self.out = out
        self.or_other_lists: dict[str, None] = {}
        self.label_cols = [c for c in extra if c == "label" or c.startswith("label::")]

    def entry(
        self, node: Node, values: dict[str, str], group: list[str], repeat: str, loop: str
    ) -> dict[str, object]:
        parsed = node.parsed
        entry: dict[str, object] = {
            "name": node.name,
            "short_name": node.name,
            "type": parsed.base,
            "list_name": parsed.list_name,
            "group": "/".join(group),
            "repeat": repeat,
            "loop": loop,
            "path": "/".join([*group, node.name]),
            "or_other": parsed.or_other,
            "choice_file": parsed.choice_file,
            "row": node.row,
            "required": values.get("required", "").strip().lower() in _TRUE,
        }
        for col in _FIXED:
            entry[col] = values.get(col, "")
        for col in self.extra:
            if col not in entry:
                entry[col] = values.get(col, "")
        return entry

    def walk(
        self,
        nodes: list[Node],
        group: list[str],
        repeat: str,
        loop: str,
        choice: dict[str, str] | None,
    ) -> None:
        siblings = {n.name for n in nodes}
        for node in nodes:
            values = node.values if choice is None else _substitute(node.values, choice)
            entry = self.entry(node, values, group, repeat, loop)
            self.out.append(entry)
            path = [*group, node.name]
            if node.kind == "group":
                self.walk(node.children, path, repeat, loop, None)
            elif node.kind == "repeat":
                self.walk(node.children, path, "/".join(path), loop, None)
            elif node.kind == "loop":
                self.expand_loop(node, entry, path, repeat)
            elif node.parsed.or_other:
                self.or_other(node, entry, siblings)

    def expand_loop(
        self, node: Node, loop_entry: dict[str, object], path: list[str], repeat: str
    ) -> None:
        table = self.choices[node.parsed.list_name]
        loop = "/".join(path)
        for rec in table.to_dict("records"):
            name = str(rec["name"])
            if name == "none":  # pyxform skips a 'none' choice
                continue
            choice = {str(k): str(v) for k, v in rec.items() if isinstance(v, str)}
            entry: dict[str, object] = {
                **dict.fromkeys(loop_entry, ""),
                "name": name,
                "short_name": name,
                "type": "begin_group",
                "group": loop,
                "repeat": repeat,
                "loop": loop,
                "path": f"{loop}/{name}",
                "or_other": False,
                "row": node.row,
                "required": False,
            }
            for col in self.label_cols:
                entry[col] = choice.get(col, choice.get("label", name))
            self.out.append(entry)
            self.walk(node.children, [*path, name], repeat, loop, choice)

    def or_other(self, node: Node, entry: dict[str, object], siblings: set[str]) -> None:
        other = f"{node.name}_other"
        if other in siblings:
            self.ctx.error(
                f"'or_other' adds a question '{other}', but that name is already used in "
                "the same group.",
                node.row,
                "type",
                f"rename question '{other}' or drop 'or_other' and add an 'other' choice "
                "with its own text question.",
                node.raw_type,
            )
        self.or_other_lists[node.parsed.list_name] = None
        group = str(entry["group"])
        self.out.append(
            {
                **dict.fromkeys(entry, ""),
                "name": other,
                "short_name": other,
                "type": "text",
                "group": group,
                "repeat": entry["repeat"],
                "loop": entry["loop"],
                "path": f"{group}/{other}" if group else other,
                "or_other": False,
                "row": node.row,
                "required": False,
                "relevant": f"selected(${{{node.name}}}, 'other')",
                **dict.fromkeys(self.label_cols, "Specify other"),
            }
        )


def _substitute(values: dict[str, str], choice: dict[str, str]) -> dict[str, str]:
    """Replace ``%(name)s`` and ``%(label)s`` as pyxform does in a loop's questions."""
    out = {}
    for col, text in values.items():
        if "%(" in text:
            lang = col.split("::", 1)[1] if "::" in col else ""
            label = choice.get(f"label::{lang}" if lang else "label") or choice.get("label", "")
            text = text.replace("%(name)s", choice.get("name", "")).replace("%(label)s", label)
        out[col] = text
    return out
