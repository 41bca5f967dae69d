"""Raking (iterative proportional fitting) on the table of distinct cells.

Rows are collapsed to the distinct combinations of the margin variables, with their
weights summed (one column per replicate as well); the iterations run on that small
table with numpy and the adjustment factor of every cell is mapped back to its rows.
The result equals R's ``rake`` iterated to convergence.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import WeightingError
from ._codes import Groups, groups_of
from ._columns import check_columns, compress_codes
from ._variance import group_sum
from ._weighting import margin_table, match_cells, require_values

__all__ = ["rake_weights", "suggest_collapse"]


@dataclass(frozen=True)
class _Margin:
    name: str
    groups: Groups  # the rows grouped by value
    labels: pd.Index  # sample levels in code order
    target: np.ndarray  # (L,) population count of each sample level
    cell_level: np.ndarray  # (C,) level code of each distinct cell


@dataclass(frozen=True)
class _Cells:
    """The distinct cells of the sample: combinations of margin levels, in label order.

    Rows are first numbered by *slot*: the position of their combination of groups in
    the grid of all combinations when that grid is small, else in the list of the
    combinations present.  Sums over rows then take one pass (``bincount`` by slot) and
    the cells' results go back to the rows in one more.
    """

    slot_of_row: np.ndarray  # (n,) slot of every row
    n_slots: int
    slot: np.ndarray  # (C,) slot of every cell
    level: list[np.ndarray]  # per margin: (C,) level code of every cell
    labels: list[pd.Index]  # per margin: the levels present, in code order
    count: np.ndarray  # (C,) sample units in every cell


def _margins(data: pd.DataFrame, margins: Mapping[str, Any]) -> list[tuple[str, Groups, pd.Series]]:
    if not isinstance(margins, Mapping) or not margins:
        raise WeightingError(
            "rake() needs margins as a dict {column: {level: population count}}.",
            hint="e.g. margins={'zone': {'africa': 49, ...}, 'income_group': {...}}.",
        )
    out = []
    for name, counts in margins.items():
        check_columns(data, [name], "raking margin")
        groups = groups_of(data[name])
        require_values(data, name, groups.codes, "raking margin")
        out.append((str(name), groups, margin_table(counts, [name], f"margin {name!r}")))
    return out


def _split(keys: np.ndarray, sizes: list[int]) -> list[np.ndarray]:
    """The digits of mixed-radix ``keys`` (first size most significant)."""
    digits = []
    rest = keys.copy()
    for k in reversed(sizes):
        digits.append(rest % max(k, 1))
        rest //= max(k, 1)
    digits.reverse()
    return digits


def _cells(groups: list[Groups]) -> _Cells:
    """Distinct cells of the rows, ordered by the levels of the margins (first slowest)."""
    sizes = [g.size for g in groups]
    n = len(groups[0].codes)
    if np.prod(np.asarray(sizes, dtype=np.float64)) < 2**62:
        key = groups[0].codes  # one margin: its codes are the key (never written to)
        for i, (g, k) in enumerate(zip(groups[1:], sizes[1:], strict=True)):
            key = key * k if i == 0 else np.multiply(key, k, out=key)
            key += g.codes
        top = int(np.prod(sizes))
        if top <= n:  # the grid of all combinations is no larger than the data
            slot_of_row, n_slots = key, top
            count = np.bincount(key, minlength=top)
            slots = np.flatnonzero(count)
            digits = _split(slots, sizes)
        else:
            present, slot_of_row = compress_codes(key)
            n_slots = len(present)
            count = np.bincount(slot_of_row, minlength=n_slots)
            slots = np.arange(n_slots)
            digits = _split(present, sizes)
    else:  # too many combinations for one integer key
        uniq, inverse = np.unique(
            np.column_stack([g.codes for g in groups]), axis=0, return_inverse=True
        )
        slot_of_row, n_slots = inverse.reshape(-1).astype(np.int64), len(uniq)
        count = np.bincount(slot_of_row, minlength=n_slots)
        slots = np.arange(n_slots)
        digits = list(uniq.T)
    levels, labels = [], []
    for g, group in zip(groups, digits, strict=True):
        used, level = np.unique(g.label_positions(group), return_inverse=True)
        levels.append(level.reshape(-1))
        labels.append(g.labels[used])
    order = np.lexsort(levels[::-1])
    return _Cells(
        slot_of_row,
        n_slots,
        slots[order],
        [lv[order] for lv in levels],
        labels,
        count[slots[order]],
    )


def _check_totals(ms: list[_Margin], tol: float) -> None:
    totals = np.array([m.target.sum() for m in ms])
    ref = totals[0]
    bad = np.flatnonzero(np.abs(totals - ref) > max(tol, 1e-12) * ref)
    if len(bad):
        j = bad[0]
        raise WeightingError(
            f"the margins disagree on the population size: {ms[0].name!r} adds up to "
            f"{ref:.10g} but {ms[j].name!r} to {totals[j]:.10g}.",
            value=ms[j].name,
            hint="Raking needs margins of the same population; take all margins from the "
            "same source and date (or rescale one of them).",
        )


def _empty_cells(
    first: _Margin, levels: np.ndarray, others: list[_Margin], cell_n: np.ndarray, k: int = 8
) -> list[str]:
    """Two-way cells (level of ``first`` x level of another margin) without sample cases."""
    found: list[str] = []
    for other in others:
        table = np.zeros((len(first.labels), len(other.labels)))
        np.add.at(table, (first.cell_level, other.cell_level), cell_n)
        for i in levels:
            for j in np.flatnonzero(table[i] == 0).tolist():
                found.append(f"{first.name}={first.labels[i]!r} x {other.name}={other.labels[j]!r}")
                if len(found) >= k:
                    return found
    return found


def rake_weights(
    data: pd.DataFrame,
    weights: np.ndarray,
    margins: Mapping[str, Any],
    *,
    tol: float,
    max_iter: int,
) -> tuple[np.ndarray, list[tuple[np.ndarray, int]]]:
    """Rake every column of ``weights`` (n, c) to the margins.

    Returns
    -------
    new_weights : ndarray, shape (n, c)
    info : list of (codes, n_groups)
        The rows grouped by every margin (group codes, number of groups; groups may be
        empty), for calibration-aware variances.

    Raises
    ------
    WeightingError
        See :meth:`toolkit.survey.Design.rake`.
    """
    if not (tol > 0 and max_iter >= 1):
        raise WeightingError(
            f"rake() needs tol > 0 and max_iter >= 1, got {tol!r} and {max_iter!r}."
        )
    raw = _margins(data, margins)
    cells = _cells([r[1] for r in raw])
    cell_n = cells.count.astype(np.float64)
    ms = []
    for (name, groups, pop), lev, labels in zip(raw, cells.level, cells.labels, strict=True):
        sample_n = np.bincount(lev, weights=cell_n, minlength=len(labels))
        target = match_cells(labels, sample_n, pop, f"margin {name!r}", partial=False)
        ms.append(_Margin(name, groups, labels, target, lev))
    _check_totals(ms, tol)
    rows, n_slots = cells.slot_of_row, cells.n_slots
    if weights.shape[1] == 1:
        start = np.bincount(rows, weights=weights[:, 0], minlength=n_slots)[cells.slot, None]
    else:
        start = group_sum(weights, rows, n_slots)[cells.slot]
    table = start.copy()
    converged = False
    for _ in range(max_iter):
        for m in ms:
            tot = group_sum(table, m.cell_level, len(m.labels))
            with np.errstate(divide="ignore", invalid="ignore"):
                factor = np.where(tot > 0, m.target[:, None] / tot, 1.0)
            table *= factor[m.cell_level]
        gap = 0.0
        for m in ms:
            tot = group_sum(table, m.cell_level, len(m.labels))
            rel = np.abs(tot - m.target[:, None]) / m.target[:, None]
            rel[:, 1:][tot[:, 1:] == 0] = 0.0  # a replicate without cases in a level
            gap = max(gap, float(rel.max()))
        if gap < tol:
            converged = True
            break
    if not converged:
        # Report the worst (margin, level, weight column) exactly as measured above.
        worst_m, worst_i, worst_col, worst_gap, reached = ms[0], 0, 0, -1.0, 0.0
        failing = np.array([0])
        for m in ms:
            tot = group_sum(table, m.cell_level, len(m.labels))
            rel = np.abs(tot - m.target[:, None]) / m.target[:, None]
            rel[:, 1:][tot[:, 1:] == 0] = 0.0
            lv, col = np.unravel_index(int(np.argmax(rel)), rel.shape)
            if rel[lv, col] > worst_gap:
                worst_m, worst_i, worst_col = m, int(lv), int(col)
                worst_gap, reached = float(rel[lv, col]), float(tot[lv, col])
                failing = np.flatnonzero(rel[:, col] > tol)
        empty = _empty_cells(worst_m, failing, [m for m in ms if m is not worst_m], cell_n)
        detail = f" The sample has no units in the cells {', '.join(empty)}." if empty else ""
        where = (
            ""
            if worst_col == 0
            else (
                f" in replicate {worst_col} (the full sample converged: the replicate lacks "
                "the units that make the margins reachable)"
            )
        )
        raise WeightingError(
            f"raking did not meet margin {worst_m.name!r} after {max_iter} cycles{where}: "
            f"level {worst_m.labels[worst_i]!r} reached {reached:.6g} of "
            f"{worst_m.target[worst_i]:.6g} (relative gap {worst_gap:.2g}).{detail}",
            column=worst_m.name,
            value=worst_m.labels[worst_i],
            hint="The margins conflict where the sample has empty or near-empty cells: merge "
            "sparse levels (toolkit.survey.suggest_collapse proposes merges), drop a margin, "
            "or raise max_iter if the gap is still shrinking.",
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(start > 0, table / start, 0.0)
    slot_factor = np.zeros((n_slots, factor.shape[1]))
    slot_factor[cells.slot] = factor
    if weights.shape[1] == 1:
        new = slot_factor[:, 0].take(rows)  # one array of n: every row's factor, then
        new *= weights[:, 0]  # its new weight
        new = new[:, None]
    else:
        new = weights * slot_factor[rows]
    return new, [(m.groups.codes, m.groups.size) for m in ms]


def suggest_collapse(
    design_or_data: Any, margins: Mapping[str, Any], min_count: int = 5
) -> pd.DataFrame:
    """Propose merges of sparse margin levels before raking or calibrating.

    A level is sparse when fewer than ``min_count`` sampled units fall in it (levels of
    the population margin absent from the sample count as 0).  Sparse levels are merged
    greedily with their smaller neighbour in the order the margin lists them (so ordered
    levels such as bands stay contiguous) until every group reaches ``min_count``.

    Parameters
    ----------
    design_or_data : Design, replicate design or DataFrame
        The sample.
    margins : dict
        ``{column: {level: population count}}`` as for :meth:`Design.rake`.
    min_count : int, default 5
        Smallest acceptable number of sampled units per level.

    Returns
    -------
    DataFrame
        One row per level of every margin that needs a merge, with columns
        ``variable``, ``level``, ``n`` (sampled units), ``population``, ``group`` (the
        proposed merged level, levels joined by ``"+"``) and ``group_n``.  Empty when no
        margin has a sparse level.
    """
    data = design_or_data if isinstance(design_or_data, pd.DataFrame) else design_or_data.data
    rows: list[dict[str, Any]] = []
    for name, counts in margins.items():
        pop = margin_table(counts, [name], f"margin {name!r}")
        if name not in data.columns:
            raise WeightingError(
                f"there is no column {name!r} for margin {name!r}.", column=str(name)
            )
        observed = data[name].value_counts(dropna=True)
        levels: list[Hashable] = list(pop.index) + [
            lv for lv in observed.index if lv not in pop.index
        ]
        groups = [[lv] for lv in levels]
        sizes = [int(observed.get(lv, 0)) for lv in levels]
        while len(groups) > 1 and min(sizes) < min_count:
            i = int(np.argmin(sizes))
            if i == 0:
                j = 1
            elif i == len(groups) - 1:
                j = i - 1
            else:
                j = i - 1 if sizes[i - 1] <= sizes[i + 1] else i + 1
            a, b = sorted((i, j))
            groups[a] = groups[a] + groups[b]
            sizes[a] += sizes[b]
            del groups[b], sizes[b]
        if all(len(g) == 1 for g in groups):
            continue
        for g, size in zip(groups, sizes, strict=True):
            label = "+".join(str(lv) for lv in g)
            for lv in g:
                rows.append(
                    {
                        "variable": str(name),
                        "level": lv,
                        "n": int(observed.get(lv, 0)),
                        "population": float(pop.get(lv, 0.0)),
                        "group": label,
                        "group_n": size,
                    }
                )
    columns = ["variable", "level", "n", "population", "group", "group_n"]
    return pd.DataFrame(rows, columns=columns)
