"""Repeat groups: finding every instance and linking it to its submission.

Instances come from three layouts:

* **wide columns** of the submissions table, ``grp[2]/q`` or nested ``a[1]/b[2]/q``
  (KoboToolbox / Ona legacy CSV and XLS): an instance exists where any of its cells
  (or of its nested instances) is answered;
* **KoboToolbox tables** (XLSX repeat sheets, CSV zip): each row has ``_index``,
  ``_parent_index`` and ``_parent_table_name``; the parent is the submission (its
  ``_index``) or an instance of the enclosing repeat;
* **ODK tables** (Central ``.csv.zip``, Briefcase ``<form>-<repeat>.csv``): each row
  has ``KEY`` (``uuid:…/g1[2]``) and ``PARENT_KEY`` (the submission's ``KEY`` or the
  enclosing instance's).

:func:`find_instances` gives, for every repeat group of the form, one row per instance
with its submission row, parent instance, 1-based position and where it came from,
plus why it is quarantined (no parent, parent quarantined, duplicate, ragged row).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from toolkit.ingest._form import FormShape
from toolkit.ingest._headers import HeaderMap, check_roles
from toolkit.ingest._meta import strip_uuid
from toolkit.ingest._sources import Table

__all__ = ["Block", "Instances", "assign_tables", "find_instances"]

_POSITION = re.compile(r"\[(\d+)\]$")
INSTANCE_COLUMNS = ["main_row", "parent", "position", "link", "label", "row", "block"]


@dataclass
class Block:
    """Cells of some instances of one repeat group, read in one go.

    Attributes
    ----------
    label : str
        File (or ``file!sheet``) the cells are in.
    cells : pandas.DataFrame
        Raw strings, indexed by the row number in that file.
    roles : pandas.DataFrame
        :meth:`HeaderMap.map` of the block's columns (instance numbers removed).
    iid : pandas.Series
        Instance id (row of :attr:`Instances.frame`) of each row of ``cells``.
    header_row : int
        Row of the header in that file.
    values : numpy.ndarray, optional
        The cells as an object array, when they were cut from one (wide columns).
    """

    label: str
    cells: pd.DataFrame
    roles: pd.DataFrame
    iid: pd.Series
    header_row: int = 1
    values: np.ndarray | None = field(default=None, repr=False)

    def objects(self) -> np.ndarray:
        """The cells as written, ``(rows, columns)`` object array."""
        return self.values if self.values is not None else self.cells.to_numpy(dtype=object)


@dataclass
class Instances:
    """Every instance of one repeat group.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per instance (index = instance id): ``main_row`` (row of its submission
        in the main table, -1 if none), ``parent`` (instance id in the enclosing
        repeat, -1 at the top), ``position`` (1-based), ``link`` (what children refer to),
        ``label`` and ``row`` (where it came from), ``reason`` and ``rule`` (missing
        where accepted so far).
    blocks : list of Block
    """

    frame: pd.DataFrame
    blocks: list[Block] = field(default_factory=list)


def _empty_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "main_row": pd.Series(dtype="int64"),
            "parent": pd.Series(dtype="int64"),
            "position": pd.Series(dtype="int64"),
            "link": pd.Series(dtype=object),
            "label": pd.Series(dtype=object),
            "row": pd.Series(dtype="int64"),
            "reason": pd.Series(dtype="string"),
            "rule": pd.Series(dtype="string"),
        }
    )


_FRAME_COLUMNS = _empty_frame().columns  # the columns of Instances.frame, in order


def assign_tables(
    tables: list[Table], shape: FormShape, hmap: HeaderMap
) -> tuple[dict[str, list[Table]], list[Table]]:
    """Say which repeat group each extra table holds.

    The table's name decides (``form-<repeat>.csv``, a sheet named after the repeat or
    its path, Excel's 31-character truncation ``name...``); failing that, the repeat
    whose questions its headers name most often.

    Returns
    -------
    assigned : dict of str to list of Table
        Repeat name -> its tables.
    unmatched : list of Table
    """
    assigned: dict[str, list[Table]] = {}
    unmatched: list[Table] = []
    for table in tables:
        hint = re.sub(r"~\d+$", "", table.hint.strip())
        named = [
            r.name
            for r in shape.repeats.values()
            if hint in (r.name, r.short, r.path, r.path.replace("/", "_"))
            or (hint.endswith("...") and r.short.startswith(hint[:-3]))
        ]
        if len(named) != 1:
            headers = list(table.raw.table.columns)
            scores = {
                r: int(hmap.map(headers, r)["kind"].isin(["field", "option", "geo"]).sum())
                for r in (named or shape.repeats)
            }
            best = max(scores, key=lambda r: scores[r], default="")
            named = [best] if best and scores[best] > 0 else []
        if named:
            assigned.setdefault(named[0], []).append(table)
        else:
            unmatched.append(table)
    return assigned, unmatched


def find_instances(
    shape: FormShape,
    hmap: HeaderMap,
    main: Table,
    cells: pd.DataFrame,
    main_roles: pd.DataFrame,
    main_reason: pd.Series,
    ids: pd.Series,
    tables: dict[str, list[Table]],
    blanked: dict[str, pd.DataFrame],
) -> dict[str, Instances]:
    """Every instance of every repeat group, linked to its submission and parent.

    Parameters
    ----------
    shape : FormShape
    hmap : HeaderMap
    main : Table
        The submissions table (for its label and ``_index`` column).
    cells : pandas.DataFrame
        The submissions' cells (missing tokens blanked).
    main_roles : pandas.DataFrame
        Roles of the submissions' columns.
    main_reason : pandas.Series
        Why each submission is quarantined (missing where accepted).
    ids : pandas.Series
        Each submission's own id (``uuid:`` removed).
    tables : dict of str to list of Table
        Repeat tables by repeat name (:func:`assign_tables`).
    blanked : dict of str to pandas.DataFrame
        Label -> cells of each repeat table with missing tokens blanked.

    Returns
    -------
    dict of str to Instances
        By repeat name, parents before children.
    """
    out: dict[str, Instances] = {}
    array = cells.to_numpy(dtype=object)
    at = {h: j for j, h in enumerate(cells.columns)}
    wide = _wide_slots(shape, main_roles, array, at)
    role_at = {h: j for j, h in enumerate(main_roles["header"])}
    no_index = main_roles.assign(  # the roles with instance numbers removed, once
        index=pd.Series([()] * len(main_roles), index=main_roles.index, dtype=object)
    )
    main_by_index = main_by_id = pd.Series(dtype="int64")
    if any(tables.values()):  # repeat tables are linked by the submissions' ids
        main_by_index = _lookup(cells, main_roles, "_index")
        main_by_id = pd.Series(ids.index, index=ids.to_numpy()).loc[lambda s: s.index.notna()]
        main_by_id = main_by_id[~main_by_id.index.duplicated(keep="last")]
    for name in shape.ordered():
        spec = shape.repeats[name]
        parent = out.get(spec.parent)
        parts: list[pd.DataFrame] = []
        blocks: list[tuple[str, pd.DataFrame, pd.DataFrame, int]] = []
        sizes: list[int] = []
        slot_rows: list[np.ndarray] = []
        slot_parents: list[np.ndarray] = []
        slot_positions: list[np.ndarray] = []
        links: list[str] = []
        cut: dict[int, np.ndarray] = {}  # block -> its cells as an object array
        for slot in sorted(wide.get(name, {})):
            exists, headers = wide[name][slot]
            rows = cells.index[exists]
            sizes.append(len(rows))
            slot_rows.append(rows.to_numpy(dtype="int64"))
            slot_parents.append(_wide_parent(parent, rows, slot[:-1]))
            slot_positions.append(np.full(len(rows), slot[-1], dtype="int64"))
            links.extend(_wide_link(r, slot) for r in rows)
            sub = array[
                np.ix_(np.flatnonzero(exists), np.array([at[h] for h in headers], dtype=np.intp))
            ]
            block_cells = pd.DataFrame(  # the cells as read (no type inferred, as in cells)
                sub, index=rows, columns=pd.Index(headers, dtype=cells.columns.dtype), dtype=object
            )
            cut[len(blocks)] = sub
            blocks.append(
                (
                    main.label,
                    block_cells,
                    _strip_roles(no_index, headers, role_at),
                    main.raw.header_row,
                )
            )
        if sizes:  # the wide columns' instances, slot after slot
            main_rows = np.concatenate(slot_rows)
            parts.append(
                pd.DataFrame(
                    {
                        "main_row": main_rows,
                        "parent": np.concatenate(slot_parents),
                        "position": np.concatenate(slot_positions),
                        "link": links,
                        "label": main.label,
                        "row": main_rows,
                    }
                )
            )
        for table in tables.get(name, []):
            frame, block = _linked(table, name, parent, hmap, main_by_index, main_by_id, blanked)
            parts.append(frame)
            blocks.append(block)
            sizes.append(len(frame))
        frame = pd.concat(parts, ignore_index=True) if parts else _empty_frame()
        frame = frame.reindex(columns=_FRAME_COLUMNS)
        frame[["main_row", "parent", "position", "row"]] = frame[
            ["main_row", "parent", "position", "row"]
        ].astype("int64")
        _row_rules(frame, name, main, main_reason, parent)
        inst = Instances(frame)
        starts = np.cumsum([0, *sizes])
        for k, (start, (label, block_cells, roles, header_row)) in enumerate(zip(starts, blocks)):
            iid = pd.Series(np.arange(start, start + len(block_cells)), index=block_cells.index)
            inst.blocks.append(Block(label, block_cells, roles, iid, header_row, cut.get(k)))
        out[name] = inst
    return out


def _strip_roles(roles: pd.DataFrame, headers: list[str], at: dict[str, int]) -> pd.DataFrame:
    """The roles of some headers (``at``: header -> row of ``roles``, whose instance
    numbers are removed already), indexed 0, 1, ..."""
    return roles.iloc[[at[h] for h in headers]].reset_index(drop=True)


def _lookup(cells: pd.DataFrame, roles: pd.DataFrame, canon: str) -> pd.Series:
    """Value of a metadata column -> row label (last row wins)."""
    hit = roles.loc[(roles["kind"] == "meta") & (roles["question"] == canon), "header"]
    if hit.empty:
        return pd.Series(dtype="int64")
    values = cells[hit.iloc[0]].astype("string").str.strip()
    out = pd.Series(cells.index, index=values.to_numpy())
    out = out[out.index.notna() & (out.index != "")]
    return out[~out.index.duplicated(keep="last")]


def _wide_slots(
    shape: FormShape, roles: pd.DataFrame, cells: np.ndarray, at: dict[str, int]
) -> dict[str, dict[tuple[int, ...], tuple[np.ndarray, list[str]]]]:
    """Repeat -> instance numbers -> (rows where the instance exists, its own headers);
    ``cells`` are the submissions' cells, ``at`` the column of each header."""
    wide = roles[roles["index"].map(len) > 0]
    own: dict[str, dict[tuple[int, ...], list[str]]] = {}
    for header, q, idx in zip(wide["header"], wide["question"], wide["index"]):
        table = shape.table_of[q]
        chain = shape.chain(table)
        for depth, rep in enumerate(chain, start=1):
            slot = tuple(idx[:depth])
            own.setdefault(rep, {}).setdefault(slot, [])
            if rep == table:
                own[rep][slot].append(header)
    out: dict[str, dict[tuple[int, ...], tuple[np.ndarray, list[str]]]] = {}
    for rep in sorted(own, key=lambda r: -shape.repeats[r].depth):
        for slot, headers in own[rep].items():
            exists = (
                (cells[:, [at[h] for h in headers]] != "").any(axis=1)
                if headers
                else np.zeros(len(cells), dtype=bool)
            )
            for child, slots in out.items():
                if shape.repeats[child].parent != rep:
                    continue
                for cslot, (cexists, _) in slots.items():
                    if cslot[:-1] == slot:
                        exists = exists | cexists
            out.setdefault(rep, {})[slot] = (exists, headers)
    return out


def _wide_link(row: int, slot: tuple[int, ...]) -> str:
    return f"w:{row}:" + ".".join(map(str, slot))


def _links(parent: Instances) -> pd.Series:
    """Link text -> instance id of a parent repeat."""
    links = pd.Series(parent.frame.index, index=parent.frame["link"].astype("string"))
    links = links[links.index.notna()]
    return links[~links.index.duplicated(keep="last")]


def _wide_parent(parent: Instances | None, rows: pd.Index, slot: tuple[int, ...]) -> np.ndarray:
    if parent is None or not slot:
        return np.full(len(rows), -1, dtype="int64")
    found = pd.Series([_wide_link(r, slot) for r in rows], dtype="string").map(_links(parent))
    return found.fillna(-1).astype("int64").to_numpy()


def _linked(
    table: Table,
    name: str,
    parent: Instances | None,
    hmap: HeaderMap,
    main_by_index: pd.Series,
    main_by_id: pd.Series,
    blanked: dict[str, pd.DataFrame],
) -> tuple[pd.DataFrame, tuple[str, pd.DataFrame, pd.DataFrame, int]]:
    """Instances of one repeat table, linked to their parents."""
    cells = blanked[table.label]
    roles = check_roles(hmap.map(list(cells.columns), name))
    is_meta = roles["kind"] == "meta"
    meta = {
        str(q): str(h) for q, h in zip(roles.loc[is_meta, "question"], roles.loc[is_meta, "header"])
    }
    n = len(cells)
    main_row = pd.Series(-1, index=cells.index, dtype="int64")
    parent_iid = pd.Series(-1, index=cells.index, dtype="int64")
    position = pd.Series(0, index=cells.index, dtype="int64")
    link: pd.Series = pd.Series([None] * n, index=cells.index, dtype=object)
    if "_parent_key" in meta:  # ODK: KEY / PARENT_KEY
        pkey = cells[meta["_parent_key"]].astype("string").str.strip()
        if parent is None:
            main_row = strip_uuid(pkey).map(main_by_id).fillna(-1).astype("int64")
        else:
            parent_iid = ("o:" + pkey).map(_links(parent)).fillna(-1).astype("int64")
        if "_odk_key" in meta:
            key = cells[meta["_odk_key"]].astype("string").str.strip()
            link = ("o:" + key).astype(object)
            found = key.str.extract(_POSITION, expand=False)
            position = pd.to_numeric(found, errors="coerce").fillna(0).astype("int64")
    elif "_parent_index" in meta:  # KoboToolbox: _index / _parent_index
        pidx = cells[meta["_parent_index"]].astype("string").str.strip()
        if parent is None:
            main_row = pidx.map(main_by_index).fillna(-1).astype("int64")
            if "_submission_uuid" in meta:
                by_id = strip_uuid(cells[meta["_submission_uuid"]]).map(main_by_id)
                main_row = main_row.where(main_row >= 0, by_id.fillna(-1).astype("int64"))
        else:
            parent_iid = ("k:" + pidx).map(_links(parent)).fillna(-1).astype("int64")
        if "_index" in meta:
            link = ("k:" + cells[meta["_index"]].astype("string").str.strip()).astype(object)
    elif "_submission_uuid" in meta and parent is None:
        main_row = strip_uuid(cells[meta["_submission_uuid"]]).map(main_by_id).fillna(-1)
        main_row = main_row.astype("int64")
    if parent is not None:
        main_row = parent_iid.map(parent.frame["main_row"]).fillna(-1).astype("int64")
    group = parent_iid.astype(str) + "|" + main_row.astype(str)
    rank = group.groupby(group, sort=False).cumcount() + 1
    position = position.where(position > 0, rank).astype("int64")
    frame = pd.DataFrame(
        {
            "main_row": main_row.to_numpy(),
            "parent": parent_iid.to_numpy(),
            "position": position.to_numpy(),
            "link": link.to_numpy(),
            "label": table.label,
            "row": cells.index.astype("int64"),
        }
    )
    ragged = table.raw.ragged
    if len(ragged):
        frame = pd.concat(
            [
                frame,
                pd.DataFrame(
                    {
                        "main_row": -1,
                        "parent": -1,
                        "position": 0,
                        "link": None,
                        "label": table.label,
                        "row": ragged["row"].astype("int64").to_numpy(),
                        "reason": [
                            f"ragged row: {k} fields where the header has {len(cells.columns)}"
                            for k in ragged["fields"]
                        ],
                        "rule": "ragged_row",
                    }
                ),
            ],
            ignore_index=True,
        )
    return frame, (table.label, cells, roles, table.raw.header_row)


def _row_rules(
    frame: pd.DataFrame,
    name: str,
    main: Table,
    main_reason: pd.Series,
    parent: Instances | None,
) -> None:
    """Quarantine instances without a parent, of quarantined parents, or duplicated."""
    reason = frame["reason"].astype("string")
    rule = frame["rule"].astype("string")

    def reject(mask: pd.Series, why: pd.Series | str, code: str) -> None:
        mask = mask & reason.isna()
        reason[mask] = why if isinstance(why, str) else why[mask]
        rule[mask] = code

    where = "its parent instance" if parent is not None else "the submission"
    reject(
        frame["main_row"] < 0,
        f"no parent: {where} this row refers to (PARENT_KEY / _parent_index) is not in the export",
        "orphan",
    )
    if parent is not None:
        p_reason = frame["parent"].map(parent.frame["reason"]).astype("string")
        reject(
            p_reason.notna(),
            "its parent instance was quarantined: " + p_reason.fillna(""),
            "parent_quarantined",
        )
    m_reason = frame["main_row"].map(main_reason).astype("string")
    reject(
        m_reason.notna(),
        "its submission ("
        + main.label
        + " row "
        + frame["main_row"].astype(str)
        + ") was quarantined: "
        + m_reason.fillna(""),
        "parent_quarantined",
    )
    key = frame["link"].astype("string")
    tabled = key.notna() & ~key.str.startswith("w:").fillna(False)
    dup = tabled & key.duplicated(keep="last") & reason.isna()
    reject(
        dup,
        f"duplicate instance of repeat '{name}' (same KEY as a later row, which was kept)",
        "duplicate",
    )
    frame["reason"] = reason
    frame["rule"] = rule
