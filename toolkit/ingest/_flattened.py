"""Exports with one row per repeat instance ("flattened" exports).

formhub (KoboToolbox's and Ona's ancestor) wrote, besides its wide CSV
(``children[1]/childs_name``, ``children[2]/childs_name``), a flattened one: the
repeat's columns without instance numbers (``children/childs_name``) and one row per
instance, the submission's own answers and id repeated on each row::

    name,age,children/childs_age,children/childs_name,meta/instanceID
    Bob,25,12,Tom,uuid:b31c...
    Bob,25,5,Dick,uuid:b31c...

:func:`unflatten` reads such an export as one submission (its first row) with one
instance per row, in row order, through the same path as a repeat group's own table
(linked to the submission by its id).  It does so only when the rows can be told
apart without guessing: the unnumbered columns belong to one repeat group at the top
of the form, every row has a submission id, and rows sharing an id agree on every
other column.  Otherwise the export is read as it is (rows sharing an id are
duplicate submissions, the unnumbered columns are reported and left out) with an
issue saying why.  An export whose repeats come in tables of their own (KoboToolbox
XLSX sheets, ODK files), or whose unnumbered repeat columns are all empty, is not a
flattened one: those columns are only reported, as other unknown columns.
"""

from __future__ import annotations

from dataclasses import replace

from toolkit.ingest._form import FormShape
from toolkit.ingest._headers import HeaderMap
from toolkit.ingest._meta import canonical_meta, submission_ids
from toolkit.ingest._raw import ReadNote
from toolkit.ingest._sources import ExportSource, Table
from toolkit.ingest._values import MISSING_TOKENS

__all__ = ["LINK_COLUMN", "flattened_columns", "unflatten"]

#: Column of the instance table made from a flattened export that holds the
#: submission's id (read as KoboToolbox's ``_submission__uuid``).
LINK_COLUMN = "_submission__uuid"
_ANSWERED = ("field", "option", "geo")


def flattened_columns(headers: list[str], hmap: HeaderMap, shape: FormShape) -> dict[str, str]:
    """Header -> repeat group, for the main table's repeat columns without instance numbers.

    Parameters
    ----------
    headers : list of str
        The submissions table's headers.
    hmap : HeaderMap
    shape : FormShape

    Returns
    -------
    dict of str to str
    """
    out: dict[str, str] = {}
    for header in headers:
        role = hmap.role(header)
        if role.kind != "unknown" or role.index or not role.question:
            continue
        rep = shape.table_of.get(role.question, "")
        if rep and hmap.role(header, rep).kind in _ANSWERED:
            out[header] = rep
    return out


def unflatten(source: ExportSource, hmap: HeaderMap, shape: FormShape) -> ExportSource:
    """Read a flattened export's rows as one submission each and repeat instances.

    Parameters
    ----------
    source : ExportSource
        The export's tables (:func:`~toolkit.ingest._sources.open_export`).
    hmap : HeaderMap
    shape : FormShape

    Returns
    -------
    ExportSource
        ``source`` itself when its main table has no unnumbered repeat columns;
        otherwise either a copy whose main table holds the first row of each
        submission (without the repeat columns) and whose repeats gain the instance
        table, or ``source`` with an issue saying why its rows could not be split.
    """
    raw = source.main.raw
    table = raw.table
    flat = flattened_columns(list(table.columns), hmap, shape)
    if not flat or source.repeats:  # repeats in tables of their own: not flattened
        return source
    if table[list(flat)].isin(["", *MISSING_TOKENS]).all(axis=None):
        return source  # empty copies of repeat columns: reported as unknown columns
    reps = list(dict.fromkeys(flat.values()))
    meta: dict[str, str] = {}
    for header in table.columns:
        canon = canonical_meta(header)
        if canon is not None:
            meta.setdefault(canon, header)
    ids = submission_ids(table, meta)
    others = [h for h in table.columns if h not in flat and canonical_meta(h) != "_index"]
    why = ""
    if len(reps) > 1 or shape.repeats[reps[0]].depth > 1:
        which = ", ".join(f"'{r}'" for r in reps)
        why = (
            f"columns of repeat group(s) {which} have no instance numbers; with "
            + ("several repeat groups" if len(reps) > 1 else "a nested repeat group")
            + " the rows cannot be assigned to instances without guessing"
        )
    elif ids.isna().any():
        why = (
            f"repeat group '{reps[0]}' has columns without instance numbers (one row per "
            f"instance?), but {int(ids.isna().sum())} row(s) have no submission id, so "
            "the rows of one submission cannot be told apart"
        )
    else:
        firsts = table[others].groupby(ids.to_numpy(), sort=False).transform("first")
        differ = (table[others] != firsts).any(axis=1)
        if differ.any():
            why = (
                f"repeat group '{reps[0]}' has columns without instance numbers (one row "
                f"per instance?), but {int(differ.sum())} row(s) share a submission id "
                "with an earlier row and differ from it outside the repeat"
            )
    if why:
        note: ReadNote = {
            "row": raw.header_row,
            "column": None,
            "value": ", ".join(flat),
            "rule": "flattened_export",
            "problem": why + ".",
            "action": "rows read as separate submissions (duplicates resolved as usual); "
            "those columns left out: export again with repeat groups as separate sheets "
            "or numbered columns",
        }
        return replace(source, notes=[*source.notes, note])
    rep = reps[0]
    first = ~ids.duplicated()
    cells = table[list(flat)]
    answered = ~cells.isin(["", *MISSING_TOKENS]).all(axis=1)
    instances = cells.loc[answered].copy()
    instances.insert(0, LINK_COLUMN, ids[answered])
    main = replace(raw, table=table.loc[first, [h for h in table.columns if h not in flat]])
    held = replace(
        raw,
        table=instances,
        ragged=raw.ragged.iloc[0:0],
        notes=[],
        sheets=[],
        other_sheets={},
    )
    done: ReadNote = {
        "row": raw.header_row,
        "column": None,
        "value": ", ".join(flat),
        "rule": "flattened_export",
        "problem": f"the export has one row per instance of repeat group '{rep}' (its "
        f"columns have no instance numbers): {len(table)} rows hold {int(first.sum())} "
        f"submission(s) and {int(answered.sum())} instance(s).",
        "action": "each submission read from its first row; the repeat answers of every "
        f"row read as one instance of '{rep}', in row order",
    }
    return replace(
        source,
        main=replace(source.main, raw=main),
        repeats=[*source.repeats, Table(source.main.label, held, shape.repeats[rep].short)],
        notes=[*source.notes, done],
    )
